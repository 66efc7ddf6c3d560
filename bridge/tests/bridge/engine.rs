//! A dumb native driver of the real `smtplab_shared::smtp::Session` engine
//! over the real bridge: it opens a session, sends `connect`, then only
//! feeds what arrives (`handle_*`) and drains every output (`poll_*`), as
//! the browser hook does. No SMTP sequencing lives here.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use smtplab_shared::smtp::{Event, Outcome, Session, SessionSpec};
use smtplab_shared::wire::{ClientMessage, ServerMessage};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::harness::{Bridge, Client};

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
    let mut client = bridge.session().await;
    let port = spec.port;
    let started = Instant::now();
    let mut session = Session::new(spec);
    let mut events = Vec::new();
    let mut controls = Vec::new();
    client
        .send(&ClientMessage::Connect {
            host: "127.0.0.1".into(),
            port,
            timeout_ms: None,
        })
        .await;
    match client.control().await {
        ServerMessage::Connected { .. } => session.handle_connected(started.elapsed()),
        ServerMessage::Error { message, .. } => session.abort(started.elapsed(), message),
        other => panic!("expected connected or error, got {other:?}"),
    }
    flush(&mut client, &mut session, &mut events).await;
    while !session.is_finished() {
        let timer = session.poll_timeout().map(|t| started + t);
        tokio::select! {
            frame = client.socket.next() => {
                let now = started.elapsed();
                match frame {
                    Some(Ok(Message::Binary(bytes))) => session.handle_input(now, &bytes),
                    Some(Ok(Message::Text(text))) => {
                        let msg = ServerMessage::decode(text.as_str()).expect("valid control");
                        if matches!(msg, ServerMessage::Closed { .. }) {
                            session.handle_closed(now);
                        }
                        controls.push(msg);
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                    Some(Ok(Message::Close(_)) | Err(_)) | None => session.handle_closed(now),
                }
            }
            () = sleep_until_opt(timer) => session.handle_timeout(started.elapsed()),
        }
        flush(&mut client, &mut session, &mut events).await;
    }
    // After Finished the driver closes the connection; the bridge may have
    // closed it already, so a failed send is fine.
    let _ = client
        .socket
        .send(Message::text(ClientMessage::Close.encode()))
        .await;
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

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Drains every output: bytes to the bridge in order, then events.
async fn flush(client: &mut Client, session: &mut Session, events: &mut Vec<Event>) {
    while let Some(bytes) = session.poll_transmit() {
        // The server may be gone already; the engine learns it from the close.
        let _ = client.socket.send(Message::binary(bytes)).await;
    }
    while let Some(event) = session.poll_event() {
        events.push(event);
    }
}
