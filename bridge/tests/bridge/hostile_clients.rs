//! Hostile clients: garbage of every kind on one WebSocket gets typed
//! `error`s (or a dropped connection) and no panic, while another session
//! relays a whole delivery through the same bridge, and the bridge keeps
//! serving new sessions afterwards.

use std::time::Duration;

use futures_util::SinkExt as _;
use serde_json::json;
use smtplab_shared::smtp::Verdict;
use smtplab_shared::wire::{ClientMessage, ErrorCode, ServerMessage};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_tungstenite::tungstenite::Message;

use crate::engine::{drive, spec};
use crate::harness::{accept, peer, start, Client};
use crate::hostile_servers::scripted;

fn code(msg: &ServerMessage) -> ErrorCode {
    match msg {
        ServerMessage::Error { code, .. } => *code,
        other => panic!("expected an error, got {other:?}"),
    }
}

/// Every kind of garbage one client can send, in order; returns once the
/// bridge has dropped the connection after the oversized frame.
async fn send_garbage(client: &mut Client, port: u16, server: &tokio::net::TcpListener) {
    for text in [
        "{not json",
        "",
        "null",
        r#"{"type":"launch_missiles"}"#,
        r#"{"type":"connect"}"#,
        r#"{"type":"connect","host":"127.0.0.1","port":-1}"#,
        r#"{"type":"connect","host":"a\u0000b","port":25}"#,
        "\u{feff}{\"type\":\"close\"}",
    ] {
        client.send_text(text).await;
        assert_eq!(
            code(&client.control().await),
            ErrorCode::BadRequest,
            "{text:?}"
        );
    }
    let oversized_control = format!(
        r#"{{"type":"connect","host":"{}","port":25}}"#,
        "a".repeat(5000)
    );
    client.send_text(&oversized_control).await;
    assert_eq!(code(&client.control().await), ErrorCode::BadRequest);
    client.send_binary(b"EHLO before connect\r\n").await;
    assert_eq!(code(&client.control().await), ErrorCode::BadRequest);
    client.send_binary(&[0u8; 70_000]).await;
    assert_eq!(code(&client.control().await), ErrorCode::BadRequest);

    assert!(matches!(
        client.connect(port).await,
        ServerMessage::Connected { .. }
    ));
    let mut tcp = accept(server).await;
    assert_eq!(
        code(&client.connect(port).await),
        ErrorCode::BadRequest,
        "second connect"
    );
    client.send_text("\u{0}\u{1}garbage").await;
    assert_eq!(code(&client.control().await), ErrorCode::BadRequest);
    // A 2 MiB frame: over the WebSocket layer's own message bound, so the
    // bridge drops this connection rather than buffer it.
    let _ = client
        .socket
        .send(Message::binary(vec![b'x'; 2 * 1024 * 1024]))
        .await;
    loop {
        match client.next().await {
            None | Some(Message::Close(_)) => break,
            Some(_) => {}
        }
    }
    // The garbage never reached the server; the bridge closed its side.
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut got)).await;
    assert!(got.is_empty(), "{} bytes leaked to the server", got.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_from_one_client_gets_typed_errors_while_another_session_delivers() {
    let (garbage_listener, garbage_port) = peer().await;
    let (smtp_listener, smtp_port) = peer().await;
    tokio::spawn(async move {
        while let Ok((stream, _)) = smtp_listener.accept().await {
            tokio::spawn(scripted(stream, Duration::from_millis(50), "\r\n"));
        }
    });
    let bridge = start(|c| {
        c.allowed_ports = vec![garbage_port, smtp_port];
        c.max_frame_bytes = 64 * 1024;
    })
    .await;

    let mut garbage = bridge.session().await;
    let hostile = send_garbage(&mut garbage, garbage_port, &garbage_listener);
    let honest = drive(&bridge, spec(smtp_port, json!({})), Duration::from_secs(15));
    let ((), run) = tokio::join!(hostile, honest);
    assert_eq!(run.outcome.verdict, Verdict::Delivered, "{:?}", run.outcome);

    // Raw non-HTTP bytes on the bridge port are dropped, too.
    let mut raw = tokio::net::TcpStream::connect(bridge.addr)
        .await
        .expect("connect");
    raw.write_all(b"\x16\x03\x01\x00\xff garbage that is not HTTP\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), raw.read_to_end(&mut answer)).await;

    // And the bridge still serves: another whole delivery.
    let again = drive(&bridge, spec(smtp_port, json!({})), Duration::from_secs(15)).await;
    assert_eq!(again.outcome.verdict, Verdict::Delivered);

    let mut last = bridge.session().await;
    last.send(&ClientMessage::Close).await;
    assert!(matches!(last.control().await, ServerMessage::Closed { .. }));
}
