//! The bridge's limits: session count, frame size, idle and connect
//! timeouts.

use std::time::Duration;

use smtplab_shared::wire::{ClientMessage, ClosedBy, ErrorCode, ServerMessage};
use tokio::io::AsyncReadExt as _;

use crate::harness::{accept, peer, start};

#[tokio::test]
async fn sessions_over_the_limit_get_limit_and_a_close() {
    let bridge = start(|c| c.max_sessions = 1).await;
    let mut first = bridge.session().await;
    let mut second = bridge.session().await;
    let refused = second.control().await;
    assert!(
        matches!(
            refused,
            ServerMessage::Error {
                code: ErrorCode::Limit,
                ..
            }
        ),
        "{refused:?}"
    );
    second.expect_close_frame().await;

    // Ending the first session frees its place.
    first.send(&ClientMessage::Close).await;
    let _closed = first.control().await;
    first.expect_close_frame().await;
    drop(first);
    let mut third = bridge.session().await;
    third.send_text("{").await;
    let answer = third.control().await;
    assert!(
        matches!(
            answer,
            ServerMessage::Error {
                code: ErrorCode::BadRequest,
                ..
            }
        ),
        "a session within the limit was refused: {answer:?}"
    );
}

#[tokio::test]
async fn an_oversized_binary_frame_gets_limit_and_ends_the_session() {
    let (listener, port) = peer().await;
    let bridge = start(|c| {
        c.allowed_ports = vec![port];
        c.max_frame_bytes = 1024;
    })
    .await;
    let mut client = bridge.session().await;
    assert!(matches!(
        client.connect(port).await,
        ServerMessage::Connected { .. }
    ));
    let mut server = accept(&listener).await;
    client.send_binary(&[b'a'; 1024]).await;
    client.send_binary(&[b'b'; 1025]).await;
    let error = client.control().await;
    assert!(
        matches!(
            error,
            ServerMessage::Error {
                code: ErrorCode::Limit,
                ..
            }
        ),
        "{error:?}"
    );
    let closed = client.control().await;
    assert!(
        matches!(
            closed,
            ServerMessage::Closed {
                by: ClosedBy::Bridge,
                ..
            }
        ),
        "{closed:?}"
    );
    client.expect_close_frame().await;
    let mut got = Vec::new();
    server.read_to_end(&mut got).await.expect("EOF");
    assert_eq!(
        got,
        vec![b'a'; 1024],
        "only the frame within the limit was relayed"
    );
}

#[tokio::test]
async fn silence_ends_the_session_with_closed_by_bridge() {
    let (listener, port) = peer().await;
    let bridge = start(|c| {
        c.allowed_ports = vec![port];
        c.idle_timeout = Duration::from_millis(300);
    })
    .await;
    let mut client = bridge.session().await;
    assert!(matches!(
        client.connect(port).await,
        ServerMessage::Connected { .. }
    ));
    let _server = accept(&listener).await;
    let closed = client.control().await;
    assert_eq!(
        closed,
        ServerMessage::Closed {
            by: ClosedBy::Bridge,
            reason: "idle timeout".into()
        }
    );
    client.expect_close_frame().await;
}

#[tokio::test]
async fn a_server_that_never_answers_the_syn_times_out() {
    // A listener whose accept backlog is full drops further SYNs (Linux), so
    // a connect to it hangs like one to a firewalled host, on loopback.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let port = socket.local_addr().expect("addr").port();
    let _listener = socket.listen(0).expect("listen");
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(s)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(("127.0.0.1", port)),
        )
        .await
        {
            fillers.push(s);
        }
    }
    let bridge = start(|c| {
        c.allowed_ports = vec![port];
        c.connect_timeout = Duration::from_secs(2);
    })
    .await;
    let mut client = bridge.session().await;
    let started = std::time::Instant::now();
    client
        .send(&ClientMessage::Connect {
            host: "127.0.0.1".into(),
            port,
            // Above the bridge's cap: the cap applies.
            timeout_ms: Some(60_000),
        })
        .await;
    let answer = client.control().await;
    assert!(
        matches!(
            answer,
            ServerMessage::Error {
                code: ErrorCode::Timeout,
                ..
            }
        ),
        "{answer:?}"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(8),
        "{took:?}"
    );
}
