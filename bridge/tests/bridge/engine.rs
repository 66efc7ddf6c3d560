//! A dumb native driver of the real `smtplab_shared::smtp::Session` engine
//! over the real bridge, through `smtplab_shared::link::Link` (the one
//! client of the bridge protocol: `hello`, version check, `connect`,
//! `connected`, `error`, `closed`): it opens the WebSocket, then only feeds
//! what arrives (`handle_*`) and drains every output (`poll_*`), as the
//! browser hook does. No protocol or SMTP logic lives here.
//!
//! (`smtplab-e2e`'s `ws_driver` is the same kind of driver, but the bridge
//! does not dev-depend on that crate: it would bring the WebDriver client,
//! escargot, the bench crate and aws-lc-rs into the bridge's test build,
//! and unify rustls' features for the bridge under test.)

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use smtplab_shared::link::{Link, LinkEvent, LinkState};
use smtplab_shared::smtp::{Event, Outcome, Session, SessionSpec};
use smtplab_shared::wire::ServerMessage;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::harness::{Bridge, Socket, TOKEN};

/// How long a finished session waits for the bridge's `closed` after the
/// link sent `close`.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Everything one driven session produced.
pub(crate) struct Run {
    /// The final outcome (from `Event::Finished`).
    pub(crate) outcome: Outcome,
    /// Every event, `Finished` last.
    pub(crate) events: Vec<Event>,
    /// Control messages from the bridge after `connected`.
    pub(crate) controls: Vec<ServerMessage>,
}

/// A spec for 127.0.0.1:`port` from JSON (later engine fields take their
/// serde defaults), with `extra` keys merged over a full delivery.
pub(crate) fn spec(port: u16, extra: serde_json::Value) -> SessionSpec {
    let mut base = serde_json::json!({
        "host": "127.0.0.1",
        "port": port,
        "ehlo_name": "client.smtplab.test",
        "mail_from": "alice@smtplab.test",
        "rcpt_to": ["bob@smtplab.test"],
        "message": "Subject: hi\r\n\r\nHello.\r\n.dot line\r\n",
        "timeouts": {"greeting_ms": 5000, "reply_ms": 5000}
    });
    if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    serde_json::from_value(base).expect("valid spec")
}

/// Runs `spec` through `bridge` to 127.0.0.1:`spec.port`; fails the test if
/// it takes longer than `limit` (a hang).
pub(crate) async fn drive(bridge: &Bridge, spec: SessionSpec, limit: Duration) -> Run {
    tokio::time::timeout(limit, drive_inner(bridge, spec))
        .await
        .expect("the engine reached a verdict in time (no hang)")
}

async fn drive_inner(bridge: &Bridge, spec: SessionSpec) -> Run {
    let mut socket = bridge
        .handshake(Some(TOKEN), &[])
        .await
        .expect("handshake accepted");
    let started = Instant::now();
    let mut link = Link::engine(Session::new(spec));
    let mut events = Vec::new();
    let mut controls = Vec::new();
    let mut open = true;
    while link.state() != LinkState::Done {
        let timer = link.poll_timeout().map(|t| started + t);
        tokio::select! {
            frame = socket.next(), if open => {
                open = feed(&mut link, frame, started.elapsed(), &mut controls);
            }
            () = sleep_until_opt(timer) => link.handle_timeout(started.elapsed()),
        }
        flush(&mut socket, &mut link, &mut events).await;
    }
    if open && link.awaits_closed() {
        // The bridge's answer to `close` first (for a bounded time).
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            while open && link.awaits_closed() {
                let frame = socket.next().await;
                open = feed(&mut link, frame, started.elapsed(), &mut controls);
                flush(&mut socket, &mut link, &mut events).await;
            }
        })
        .await;
    }
    if open {
        // The bridge may have closed it already, so a failed close is fine.
        let _ = socket.close(None).await;
    }
    let outcome = match events.last() {
        Some(Event::Finished(outcome)) => outcome.clone(),
        other => panic!("the last event is not Finished: {other:?}"),
    };
    Run {
        outcome,
        events,
        controls,
    }
}

/// Hands one frame (or the end of the stream) to the link; control
/// messages after `connected` go to `controls`. Returns whether the
/// WebSocket is still open.
fn feed(
    link: &mut Link,
    frame: Option<Result<Message, WsError>>,
    now: Duration,
    controls: &mut Vec<ServerMessage>,
) -> bool {
    match frame {
        Some(Ok(Message::Binary(bytes))) => link.handle_bytes(now, &bytes),
        Some(Ok(Message::Text(text))) => match ServerMessage::decode(text.as_str()) {
            Ok(message) => {
                if link.state() == LinkState::Connected || link.awaits_closed() {
                    controls.push(message.clone());
                }
                link.handle_server_message(now, message);
            }
            Err(e) => link.handle_malformed(now, &e.to_string()),
        },
        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
        Some(Ok(Message::Close(frame))) => {
            link.handle_ws_closed(now, frame.map(|f| u16::from(f.code)));
            return false;
        }
        Some(Err(_)) | None => {
            link.handle_ws_closed(now, None);
            return false;
        }
    }
    true
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Drains every output: binary frames to the bridge in order, then text
/// frames (`connect`, `close`), then the engine's events.
async fn flush(socket: &mut Socket, link: &mut Link, events: &mut Vec<Event>) {
    while let Some(bytes) = link.poll_transmit() {
        // The server may be gone already; the link learns it from `closed`.
        let _ = socket.send(Message::binary(bytes)).await;
    }
    while let Some(control) = link.poll_control() {
        let _ = socket.send(Message::text(control.encode())).await;
    }
    while let Some(event) = link.poll_event() {
        if let LinkEvent::Engine(event) = event {
            events.push(event);
        }
    }
}
