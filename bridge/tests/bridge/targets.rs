//! The operator's policy through a running bridge: target rules checked
//! after DNS resolution, the internal-range default, the per-client session
//! limit, per-session byte and time limits, and the token's expiry.

use std::time::Duration;

use smtplab_shared::wire::{ClientMessage, ClosedBy, ErrorCode, ServerMessage};
use tokio::io::AsyncWriteExt as _;

use crate::harness::{accept, peer, start, Client, TOKEN};

fn error_code(msg: &ServerMessage) -> ErrorCode {
    match msg {
        ServerMessage::Error { code, .. } => *code,
        other => panic!("expected an error, got {other:?}"),
    }
}

async fn connect_to(client: &mut Client, host: &str, port: u16) -> ServerMessage {
    client
        .send(&ClientMessage::Connect {
            host: host.into(),
            port,
            timeout_ms: Some(5_000),
        })
        .await;
    client.control().await
}

async fn nothing_connects(listener: &tokio::net::TcpListener) {
    assert!(
        tokio::time::timeout(Duration::from_millis(300), listener.accept())
            .await
            .is_err(),
        "the bridge connected to a refused target"
    );
}

#[tokio::test]
async fn a_name_cannot_smuggle_a_denied_internal_address() {
    let (listener, port) = peer().await;
    let bridge = start(|c| {
        c.allowed_ports = vec![port];
        c.deny_internal = true;
    })
    .await;
    let mut client = bridge.session().await;
    // `localhost` resolves (from /etc/hosts) to loopback: judged as that address.
    for host in [
        "localhost",
        "127.0.0.1",
        "127.9.9.9",
        "[::ffff:127.0.0.1]",
        "0.0.0.0",
    ] {
        let answer = connect_to(&mut client, host, port).await;
        assert_eq!(
            error_code(&answer),
            ErrorCode::Forbidden,
            "{host}: {answer:?}"
        );
    }
    nothing_connects(&listener).await;
    let ServerMessage::Error { message, .. } = connect_to(&mut client, "localhost", port).await
    else {
        panic!("expected an error");
    };
    assert!(message.contains("internal address"), "{message}");
}

#[tokio::test]
async fn an_allow_rule_is_an_exception_to_the_internal_default() {
    let (listener, port) = peer().await;
    let bridge = start(|c| {
        c.allowed_ports = vec![port];
        c.deny_internal = true;
        c.allow_targets = vec!["127.0.0.1".parse().expect("rule")];
    })
    .await;
    let mut client = bridge.session().await;
    let answer = connect_to(&mut client, "localhost", port).await;
    assert!(
        matches!(answer, ServerMessage::Connected { .. }),
        "{answer:?}"
    );
    let _server = accept(&listener).await;
}

#[tokio::test]
async fn deny_rules_refuse_by_range_and_by_name_after_resolution() {
    let (listener, port) = peer().await;
    let bridge = start(|c| {
        c.allowed_ports = vec![port];
        // `localhost` is 127.0.0.1 and ::1 (RFC 6761, resolved without a
        // resolver): a rule for the loopback ranges names both.
        c.deny_targets = vec![
            "127.0.0.0/8".parse().expect("rule"),
            "::1/128".parse().expect("rule"),
        ];
    })
    .await;
    let mut client = bridge.session().await;
    for host in ["localhost", "127.0.0.1"] {
        let answer = connect_to(&mut client, host, port).await;
        assert_eq!(error_code(&answer), ErrorCode::Forbidden, "{host}");
    }
    nothing_connects(&listener).await;

    let (listener, port) = peer().await;
    let by_name = start(|c| {
        c.allowed_ports = vec![port];
        c.deny_targets = vec!["LOCALHOST.".parse().expect("rule")];
    })
    .await;
    let mut client = by_name.session().await;
    assert_eq!(
        error_code(&connect_to(&mut client, "localhost", port).await),
        ErrorCode::Forbidden
    );
    nothing_connects(&listener).await;
    // The same address under another spelling is not this rule's business.
    assert!(matches!(
        connect_to(&mut client, "127.0.0.1", port).await,
        ServerMessage::Connected { .. }
    ));
}

#[tokio::test]
async fn one_client_address_gets_at_most_its_share_of_sessions() {
    let bridge = start(|c| {
        c.max_sessions = 10;
        c.max_sessions_per_client = 2;
    })
    .await;
    let _a = bridge.session().await;
    let mut b = bridge.session().await;
    let mut c = bridge.session().await;
    let refused = c.control().await;
    assert_eq!(error_code(&refused), ErrorCode::Limit);
    let ServerMessage::Error { message, .. } = refused else {
        unreachable!()
    };
    assert!(message.contains("client address"), "{message}");
    c.expect_close_frame().await;
    // Ending a session gives its place back.
    b.send(&ClientMessage::Close).await;
    let _ = b.control().await;
    b.expect_close_frame().await;
    drop(b);
    let mut d = bridge.session().await;
    d.send_text("{").await;
    assert_eq!(error_code(&d.control().await), ErrorCode::BadRequest);
}

#[tokio::test]
async fn the_session_byte_limit_ends_the_session_with_limit() {
    let (listener, port) = peer().await;
    let bridge = start(|c| {
        c.allowed_ports = vec![port];
        c.max_session_bytes = 1000;
    })
    .await;
    let mut client = bridge.session().await;
    assert!(matches!(
        client.connect(port).await,
        ServerMessage::Connected { .. }
    ));
    let mut server = accept(&listener).await;
    server.write_all(&[b'a'; 600]).await.expect("write");
    assert_eq!(client.read_binary(600).await, vec![b'a'; 600]);
    server.write_all(&[b'b'; 600]).await.expect("write");
    assert_eq!(error_code(&client.control().await), ErrorCode::Limit);
    assert_eq!(
        client.control().await,
        ServerMessage::Closed {
            by: ClosedBy::Bridge,
            reason: "byte limit".into()
        }
    );
    client.expect_close_frame().await;
}

#[tokio::test]
async fn the_session_time_limit_ends_even_a_busy_session() {
    let (listener, port) = peer().await;
    let bridge = start(|c| {
        c.allowed_ports = vec![port];
        c.max_session_duration = Duration::from_millis(600);
    })
    .await;
    let mut client = bridge.session().await;
    assert!(matches!(
        client.connect(port).await,
        ServerMessage::Connected { .. }
    ));
    let mut server = accept(&listener).await;
    // Traffic keeps the idle timer happy; only the time limit can end this.
    let chatter = tokio::spawn(async move {
        for _ in 0..40 {
            if server.write_all(b"250-keepalive\r\n").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let started = std::time::Instant::now();
    let closed = loop {
        match client.next().await {
            Some(tokio_tungstenite::tungstenite::Message::Binary(_)) => {}
            Some(tokio_tungstenite::tungstenite::Message::Text(t)) => {
                let msg = ServerMessage::decode(t.as_str()).expect("control");
                if matches!(msg, ServerMessage::Closed { .. }) {
                    break msg;
                }
                assert_eq!(error_code(&msg), ErrorCode::Limit);
            }
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(
        closed,
        ServerMessage::Closed {
            by: ClosedBy::Bridge,
            reason: "session time limit".into()
        }
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    chatter.abort();
}

#[tokio::test]
async fn an_expired_token_gets_401_with_a_clear_message() {
    let bridge = start(|c| c.token_ttl = Some(Duration::from_millis(400))).await;
    let (status, _, _) = bridge.get(&format!("/?token={TOKEN}"), None, &[]).await;
    assert_eq!(status, 200);
    let open = bridge.session().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, _, body) = bridge.get(&format!("/?token={TOKEN}"), None, &[]).await;
    assert_eq!(status, 401);
    let body = String::from_utf8(body).expect("text");
    assert!(body.contains("token expired"), "{body}");
    assert!(!body.contains(TOKEN), "{body}");
    match bridge.handshake(Some(TOKEN), &[]).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status().as_u16(), 401),
        other => panic!("expected 401, got {:?}", other.map(|_| "upgrade")),
    }
    // A session opened before the expiry goes on.
    let mut open = open;
    open.send_text("{").await;
    assert_eq!(error_code(&open.control().await), ErrorCode::BadRequest);
}
