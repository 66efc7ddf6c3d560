//! The control phase: bad requests, the target policy, connect failures and
//! shutdown.

use std::time::Duration;

use smtplab_shared::wire::{ClientMessage, ClosedBy, ErrorCode, ServerMessage};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::harness::{accept, peer, start};

fn error_code(msg: &ServerMessage) -> ErrorCode {
    match msg {
        ServerMessage::Error { code, .. } => *code,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn hello_announces_the_policy() {
    let bridge = start(|c| c.allowed_ports.push(2526)).await;
    let socket = bridge
        .handshake(Some(crate::harness::TOKEN), &[])
        .await
        .expect("handshake");
    let mut client = crate::harness::Client { socket };
    let hello = client.control().await;
    let ServerMessage::Hello { version, policy } = hello else {
        panic!("expected hello, got {hello:?}");
    };
    assert_eq!(version, 1);
    assert_eq!(policy.allowed_ports, vec![25, 465, 587, 2525, 2526]);
    assert_eq!(policy.max_frame_bytes, 65_536);
}

#[tokio::test]
async fn bad_requests_get_errors_and_the_session_still_works() {
    let (listener, port) = peer().await;
    let bridge = start(|c| c.allowed_ports = vec![port]).await;
    let mut client = bridge.session().await;

    client.send_text("{not json").await;
    assert_eq!(error_code(&client.control().await), ErrorCode::BadRequest);
    client.send_text(r#"{"type":"launch"}"#).await;
    assert_eq!(error_code(&client.control().await), ErrorCode::BadRequest);
    client
        .send_text(r#"{"type":"connect","host":"127.0.0.1","port":99999}"#)
        .await;
    assert_eq!(error_code(&client.control().await), ErrorCode::BadRequest);
    client.send_binary(b"EHLO early\r\n").await;
    assert_eq!(error_code(&client.control().await), ErrorCode::BadRequest);
    client
        .send_text(r#"{"type":"connect","host":"","port":25}"#)
        .await;
    assert_eq!(error_code(&client.control().await), ErrorCode::BadRequest);

    assert!(matches!(
        client.connect(port).await,
        ServerMessage::Connected { .. }
    ));
    let mut server = accept(&listener).await;
    // A second connect is refused and nothing new connects.
    let second = client.connect(port).await;
    assert_eq!(error_code(&second), ErrorCode::BadRequest);
    client.send_text("[]").await;
    assert_eq!(error_code(&client.control().await), ErrorCode::BadRequest);
    assert!(
        tokio::time::timeout(Duration::from_millis(200), listener.accept())
            .await
            .is_err(),
        "a second connection was opened"
    );
    // The relay is intact both ways, and the early binary frame never arrived.
    client.send_binary(b"EHLO a\r\n").await;
    let mut buf = [0u8; 8];
    server.read_exact(&mut buf).await.expect("relayed");
    assert_eq!(&buf, b"EHLO a\r\n");
    server.write_all(b"250 ok\r\n").await.expect("reply");
    assert_eq!(client.read_binary(8).await, b"250 ok\r\n");
}

#[tokio::test]
async fn a_port_outside_the_policy_is_forbidden_and_nothing_connects() {
    let (listener, port) = peer().await;
    let bridge = start(|_| {}).await;
    let mut client = bridge.session().await;
    let answer = client.connect(port).await;
    assert_eq!(error_code(&answer), ErrorCode::Forbidden, "{answer:?}");
    assert!(
        tokio::time::timeout(Duration::from_millis(300), listener.accept())
            .await
            .is_err(),
        "the bridge connected to a forbidden port"
    );
    // The session stays usable.
    client.send_text("{").await;
    assert_eq!(error_code(&client.control().await), ErrorCode::BadRequest);
}

#[tokio::test]
async fn a_closed_port_is_refused_and_a_retry_may_follow() {
    let (listener, port) = peer().await;
    drop(listener);
    let (live, live_port) = peer().await;
    let bridge = start(|c| c.allowed_ports = vec![port, live_port]).await;
    let mut client = bridge.session().await;
    let answer = client.connect(port).await;
    assert_eq!(error_code(&answer), ErrorCode::Refused, "{answer:?}");
    assert!(matches!(
        client.connect(live_port).await,
        ServerMessage::Connected { .. }
    ));
    let _server = accept(&live).await;
}

#[tokio::test]
async fn localhost_names_resolve_and_connect() {
    // Resolved from /etc/hosts: no DNS query leaves the machine.
    let (listener, port) = peer().await;
    let bridge = start(|c| c.allowed_ports = vec![port]).await;
    let mut client = bridge.session().await;
    client
        .send(&ClientMessage::Connect {
            host: "localhost".into(),
            port,
            timeout_ms: Some(5_000),
        })
        .await;
    let answer = client.control().await;
    assert!(
        matches!(answer, ServerMessage::Connected { .. }),
        "{answer:?}"
    );
    let _server = accept(&listener).await;
}

#[tokio::test]
async fn close_before_connect_ends_the_session() {
    let bridge = start(|_| {}).await;
    let mut client = bridge.session().await;
    client.send(&ClientMessage::Close).await;
    let closed = client.control().await;
    assert!(
        matches!(
            closed,
            ServerMessage::Closed {
                by: ClosedBy::Client,
                ..
            }
        ),
        "{closed:?}"
    );
    client.expect_close_frame().await;
}

#[tokio::test]
async fn shutdown_closes_every_session_by_bridge() {
    let (listener, port) = peer().await;
    // Open sessions go on through the drain; this one is short.
    let bridge = start(|c| {
        c.allowed_ports = vec![port];
        c.shutdown_grace = std::time::Duration::from_millis(300);
    })
    .await;
    let mut relaying = bridge.session().await;
    assert!(matches!(
        relaying.connect(port).await,
        ServerMessage::Connected { .. }
    ));
    let mut server = accept(&listener).await;
    let mut idle = bridge.session().await;

    let stopping = tokio::spawn(bridge.shutdown());
    for client in [&mut relaying, &mut idle] {
        let closed = client.control().await;
        assert_eq!(
            closed,
            ServerMessage::Closed {
                by: ClosedBy::Bridge,
                reason: "shutdown".into()
            }
        );
        client.expect_close_frame().await;
    }
    let mut rest = Vec::new();
    server
        .read_to_end(&mut rest)
        .await
        .expect("server sees EOF");
    stopping.await.expect("run returned");
}
