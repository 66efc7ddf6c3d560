//! Bytes through the relay, and how each side's close reaches the other.

use futures_util::{SinkExt as _, StreamExt as _};
use sha2::{Digest as _, Sha256};
use smtplab_shared::wire::{ClientMessage, ClosedBy, ServerMessage};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_tungstenite::tungstenite::Message;

use crate::harness::{accept, peer, start, STEP};

const SIXTEEN_MIB: usize = 16 * 1024 * 1024;

fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("random source");
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_mib_each_way_arrive_with_equal_sha256() {
    let (listener, port) = peer().await;
    let bridge = start(|c| c.allowed_ports = vec![port]).await;
    let mut client = bridge.session().await;
    let connected = client.connect(port).await;
    assert!(
        matches!(connected, ServerMessage::Connected { .. }),
        "{connected:?}"
    );
    let server = accept(&listener).await;

    let upload = random_bytes(SIXTEEN_MIB);
    let download = random_bytes(SIXTEEN_MIB);
    let upload_sha = Sha256::digest(&upload);
    let download_sha = Sha256::digest(&download);

    // The server side: receive the upload and hash it, send the download.
    let (mut server_rx, mut server_tx) = server.into_split();
    let server_reader = tokio::spawn(async move {
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0;
        while total < SIXTEEN_MIB {
            let n = server_rx.read(&mut buf).await.expect("server read");
            assert_ne!(n, 0, "EOF after {total} bytes");
            hasher.update(&buf[..n]);
            total += n;
        }
        (hasher.finalize(), total)
    });
    let server_writer = tokio::spawn(async move {
        for chunk in download.chunks(100_000) {
            server_tx.write_all(chunk).await.expect("server write");
        }
        server_tx
    });

    // The client side: send frames of varying sizes up to the 64 KiB limit
    // while hashing what arrives.
    let (mut ws_tx, mut ws_rx) = client.socket.split();
    let client_writer = tokio::spawn(async move {
        let sizes = [65_536, 1, 1000, 4096, 65_535, 17];
        let mut at = 0;
        let mut i = 0;
        while at < upload.len() {
            let end = (at + sizes[i % sizes.len()]).min(upload.len());
            ws_tx
                .send(Message::binary(upload[at..end].to_vec()))
                .await
                .expect("client send");
            at = end;
            i += 1;
        }
        ws_tx
    });
    let client_reader = tokio::spawn(async move {
        let mut hasher = Sha256::new();
        let mut total = 0;
        while total < SIXTEEN_MIB {
            match ws_rx.next().await {
                Some(Ok(Message::Binary(b))) => {
                    assert!(b.len() <= 16 * 1024, "frame of {} bytes", b.len());
                    hasher.update(&b);
                    total += b.len();
                }
                other => panic!("expected binary after {total} bytes, got {other:?}"),
            }
        }
        (hasher.finalize(), total)
    });

    let deadline = STEP * 12;
    let (got_up, up_total) = tokio::time::timeout(deadline, server_reader)
        .await
        .expect("upload in time")
        .expect("server reader");
    let (got_down, down_total) = tokio::time::timeout(deadline, client_reader)
        .await
        .expect("download in time")
        .expect("client reader");
    assert_eq!(up_total, SIXTEEN_MIB);
    assert_eq!(down_total, SIXTEEN_MIB);
    assert_eq!(got_up, upload_sha, "upload corrupted");
    assert_eq!(got_down, download_sha, "download corrupted");
    let _ = client_writer.await;
    let _ = server_writer.await;
}

#[tokio::test]
async fn server_close_is_reported_as_closed_by_server() {
    let (listener, port) = peer().await;
    let bridge = start(|c| c.allowed_ports = vec![port]).await;
    let mut client = bridge.session().await;
    let connected = client.connect(port).await;
    let ServerMessage::Connected { peer, connect_ms } = connected else {
        panic!("expected connected, got {connected:?}");
    };
    assert_eq!(peer, format!("127.0.0.1:{port}"));
    assert!(connect_ms >= 0.0);
    let mut server = accept(&listener).await;
    server
        .write_all(b"220 test ESMTP\r\n")
        .await
        .expect("greeting");
    assert_eq!(client.read_binary(16).await, b"220 test ESMTP\r\n");
    drop(server);
    let closed = client.control().await;
    assert_eq!(
        closed,
        ServerMessage::Closed {
            by: ClosedBy::Server,
            reason: "eof".into()
        }
    );
    client.expect_close_frame().await;
}

#[tokio::test]
async fn client_close_gives_the_server_eof_and_closed_by_client() {
    let (listener, port) = peer().await;
    let bridge = start(|c| c.allowed_ports = vec![port]).await;
    let mut client = bridge.session().await;
    assert!(matches!(
        client.connect(port).await,
        ServerMessage::Connected { .. }
    ));
    let mut server = accept(&listener).await;
    client.send_binary(b"QUIT\r\n").await;
    client.send(&ClientMessage::Close).await;
    let mut got = Vec::new();
    tokio::time::timeout(STEP, server.read_to_end(&mut got))
        .await
        .expect("EOF in time")
        .expect("clean EOF");
    assert_eq!(got, b"QUIT\r\n");
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
async fn dropping_the_websocket_closes_the_tcp_connection() {
    let (listener, port) = peer().await;
    let bridge = start(|c| c.allowed_ports = vec![port]).await;
    let mut client = bridge.session().await;
    assert!(matches!(
        client.connect(port).await,
        ServerMessage::Connected { .. }
    ));
    let mut server = accept(&listener).await;
    client.send_binary(b"EHLO a\r\n").await;
    let mut buf = [0u8; 8];
    server.read_exact(&mut buf).await.expect("frame arrives");
    // No close frame: the TCP connection under the WebSocket just goes away.
    drop(client);
    let mut rest = Vec::new();
    let end = tokio::time::timeout(STEP, server.read_to_end(&mut rest))
        .await
        .expect("the bridge closed the server connection in time");
    assert!(end.is_ok() && rest.is_empty(), "{end:?} {rest:?}");
}

#[tokio::test]
async fn websocket_close_frame_closes_the_tcp_connection() {
    let (listener, port) = peer().await;
    let bridge = start(|c| c.allowed_ports = vec![port]).await;
    let mut client = bridge.session().await;
    assert!(matches!(
        client.connect(port).await,
        ServerMessage::Connected { .. }
    ));
    let mut server = accept(&listener).await;
    client.socket.close(None).await.expect("close frame");
    let mut rest = Vec::new();
    tokio::time::timeout(STEP, server.read_to_end(&mut rest))
        .await
        .expect("EOF in time")
        .expect("clean EOF");
    assert!(rest.is_empty());
}
