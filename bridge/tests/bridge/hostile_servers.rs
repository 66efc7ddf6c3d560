//! Hostile mail servers, met by the real engine through the real bridge:
//! each gives a clear verdict, never a hang, and memory stays bounded by the
//! reply parser's limits (1000 lines, 64 KiB per reply, 2 KiB per line).

use std::future::Future;
use std::time::Duration;

use serde_json::json;
use smtplab_shared::smtp::{Event, FailReason, ParseError, ProtocolError, Stage, Step, Verdict};
use smtplab_shared::wire::{ClosedBy, ServerMessage};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

use crate::engine::{drive, spec};
use crate::harness::{peer, start, Bridge};

/// Longest any hostile-server session may take before it counts as a hang.
const NO_HANG: Duration = Duration::from_secs(10);

/// A bridge allowing one hostile peer that runs `behave` on the connection.
async fn hostile<F, Fut>(behave: F) -> (Bridge, u16)
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (listener, port) = peer().await;
    tokio::spawn(async move {
        if let Ok((stream, _)) = listener.accept().await {
            behave(stream).await;
        }
    });
    let bridge = start(|c| c.allowed_ports = vec![port]).await;
    (bridge, port)
}

/// A small scripted SMTP server: greets after `delay`, answers each command
/// line with a fixed reply, ends lines with `eol`.
pub(crate) async fn scripted(stream: TcpStream, delay: Duration, eol: &'static str) {
    tokio::time::sleep(delay).await;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let out = |text: &str| text.replace('\n', eol).into_bytes();
    if write
        .write_all(&out("220 hostile.test ESMTP\n"))
        .await
        .is_err()
    {
        return;
    }
    let mut in_data = false;
    while let Ok(Some(line)) = lines.next_line().await {
        let reply = if in_data {
            if line != "." {
                continue;
            }
            in_data = false;
            "250 2.0.0 Ok: queued as HOSTILE1\n"
        } else {
            match line.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
                "EHLO" => "250-hostile.test\n250-PIPELINING\n250 8BITMIME\n",
                "MAIL" | "RCPT" => "250 2.1.0 Ok\n",
                "DATA" => {
                    in_data = true;
                    "354 End data with <CR><LF>.<CR><LF>\n"
                }
                "QUIT" => {
                    let _ = write.write_all(&out("221 2.0.0 Bye\n")).await;
                    return;
                }
                _ => "502 5.5.2 Error: command not recognized\n",
            }
        };
        if write.write_all(&out(reply)).await.is_err() {
            return;
        }
    }
}

fn failed(verdict: &Verdict) -> (Step, &FailReason) {
    match verdict {
        Verdict::Failed { step, reason } => (*step, reason),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_that_never_speaks_fails_at_connect_with_timeout() {
    let (bridge, port) = hostile(|s| async move {
        tokio::time::sleep(NO_HANG).await;
        drop(s);
    })
    .await;
    let started = std::time::Instant::now();
    let run = drive(
        &bridge,
        spec(
            port,
            json!({"timeouts": {"greeting_ms": 400, "reply_ms": 400}}),
        ),
        NO_HANG,
    )
    .await;
    let (step, reason) = failed(&run.outcome.verdict);
    assert_eq!(step, Step::Connect);
    assert_eq!(*reason, FailReason::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_server_that_closes_at_once_fails_with_connection_closed() {
    let (bridge, port) = hostile(|s| async move { drop(s) }).await;
    let run = drive(&bridge, spec(port, json!({})), NO_HANG).await;
    let (step, reason) = failed(&run.outcome.verdict);
    assert_eq!(step, Step::Connect);
    assert_eq!(*reason, FailReason::ConnectionClosed);
    assert!(
        run.controls.iter().any(|m| matches!(
            m,
            ServerMessage::Closed {
                by: ClosedBy::Server,
                ..
            }
        )),
        "{:?}",
        run.controls
    );
}

#[tokio::test]
async fn garbage_from_the_server_is_a_protocol_failure() {
    let (bridge, port) = hostile(|mut s| async move {
        let _ = s.write_all(b"\x00\xff\xfeSSH-2.0-OpenSSH_9.6\r\n").await;
        tokio::time::sleep(NO_HANG).await;
    })
    .await;
    let run = drive(&bridge, spec(port, json!({})), NO_HANG).await;
    let (step, reason) = failed(&run.outcome.verdict);
    assert_eq!(step, Step::Connect);
    assert!(
        matches!(
            reason,
            FailReason::Protocol(ProtocolError::Parse {
                error: ParseError::BadCode { .. },
                ..
            })
        ),
        "{reason:?}"
    );
}

#[tokio::test]
async fn a_five_thousand_line_ehlo_reply_is_cut_at_the_line_bound() {
    let (bridge, port) = hostile(|s| async move {
        let (read, mut write) = s.into_split();
        let _ = write.write_all(b"220 hostile.test ESMTP\r\n").await;
        let mut lines = BufReader::new(read).lines();
        let _ehlo = lines.next_line().await;
        let mut reply = String::new();
        for i in 0..5000 {
            reply.push_str(&format!("250-X-EXTENSION-{i} with some padding text\r\n"));
        }
        reply.push_str("250 LAST\r\n");
        let _ = write.write_all(reply.as_bytes()).await;
        tokio::time::sleep(NO_HANG).await;
    })
    .await;
    let run = drive(&bridge, spec(port, json!({"stop_after": "ehlo"})), NO_HANG).await;
    let (step, reason) = failed(&run.outcome.verdict);
    assert_eq!(step, Step::Ehlo);
    assert!(
        matches!(
            reason,
            FailReason::Protocol(ProtocolError::Parse {
                error: ParseError::TooManyLines { limit: 1000 },
                ..
            })
        ),
        "{reason:?}"
    );
    for event in &run.events {
        if let Event::Reply { reply, .. } = event {
            assert!(
                reply.lines.len() <= 1000,
                "a reply of {} lines was kept",
                reply.lines.len()
            );
        }
    }
    assert!(run.outcome.capabilities.is_none());
}

#[tokio::test]
async fn an_endless_line_is_cut_at_the_line_bound() {
    let (bridge, port) = hostile(|mut s| async move {
        let chunk = vec![b'A'; 64 * 1024];
        // 4 MiB without a line end, unless the client goes away first.
        for _ in 0..64 {
            if s.write_all(&chunk).await.is_err() {
                return;
            }
        }
        tokio::time::sleep(NO_HANG).await;
    })
    .await;
    let run = drive(&bridge, spec(port, json!({})), NO_HANG).await;
    let (step, reason) = failed(&run.outcome.verdict);
    assert_eq!(step, Step::Connect);
    assert!(
        matches!(
            reason,
            FailReason::Protocol(ProtocolError::Parse {
                error: ParseError::LineTooLong { .. },
                ..
            })
        ),
        "{reason:?}"
    );
}

#[tokio::test]
async fn bare_lf_replies_still_complete_a_delivery() {
    let (bridge, port) = hostile(|s| scripted(s, Duration::ZERO, "\n")).await;
    let run = drive(&bridge, spec(port, json!({})), NO_HANG).await;
    assert_eq!(run.outcome.verdict, Verdict::Delivered, "{:?}", run.outcome);
    assert!(run
        .events
        .iter()
        .any(|e| matches!(e, Event::Reply { reply, .. } if reply.bare_lf)));
    assert!(run
        .outcome
        .queue_id
        .as_deref()
        .is_some_and(|q| q.contains("HOSTILE1")));
}

#[tokio::test]
async fn a_421_greeting_then_close_fails_with_the_421_reply() {
    let (bridge, port) = hostile(|mut s| async move {
        let _ = s
            .write_all(b"421 4.3.2 hostile.test Service not available, closing channel\r\n")
            .await;
        drop(s);
    })
    .await;
    let run = drive(&bridge, spec(port, json!({})), NO_HANG).await;
    let (step, reason) = failed(&run.outcome.verdict);
    assert_eq!(step, Step::Connect);
    match reason {
        FailReason::UnexpectedReply(reply) => assert_eq!(reply.code.as_u16(), 421),
        other => panic!("expected the 421 reply, got {other:?}"),
    }
}

/// An 8-second banner delay against the default 30 s greeting timeout,
/// scaled down: an 800 ms delay against 300 ms (timeout) and 3 s (success).
#[tokio::test]
async fn a_banner_delay_beyond_the_greeting_timeout_is_a_timeout() {
    let (bridge, port) = hostile(|s| scripted(s, Duration::from_millis(800), "\r\n")).await;
    let run = drive(
        &bridge,
        spec(
            port,
            json!({"stop_after": "connect", "timeouts": {"greeting_ms": 300, "reply_ms": 300}}),
        ),
        NO_HANG,
    )
    .await;
    let (step, reason) = failed(&run.outcome.verdict);
    assert_eq!(step, Step::Connect);
    assert_eq!(*reason, FailReason::Timeout);
}

#[tokio::test]
async fn a_banner_delay_within_the_greeting_timeout_succeeds() {
    let (bridge, port) = hostile(|s| scripted(s, Duration::from_millis(800), "\r\n")).await;
    let run = drive(
        &bridge,
        spec(
            port,
            json!({"stop_after": "connect", "timeouts": {"greeting_ms": 3000, "reply_ms": 3000}}),
        ),
        NO_HANG,
    )
    .await;
    assert_eq!(
        run.outcome.verdict,
        Verdict::Completed {
            stage: Stage::Connect
        }
    );
}
