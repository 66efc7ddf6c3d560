//! Clients that hold connections: readers that stop reading a large
//! response, and one address opening more than its share. Loopback only;
//! other clients are told apart by their source address (127.0.0.2, …),
//! which Linux lets any socket bind.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

use crate::harness::{start, Bridge, STEP, TOKEN};

/// The largest file the bridge serves without a token: the wasm when the UI
/// is built (its name is in `dist/manifest.json`), else the CA list.
fn big_file() -> String {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist/manifest.json");
    let wasm = std::fs::read_to_string(manifest)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|v| v["wasm"].as_str().map(str::to_owned))
        .filter(|name| smtplab_bridge::assets::get(name).is_some());
    wasm.map_or_else(
        || smtplab_bridge::assets::TRUST_ANCHORS_PATH.to_owned(),
        |name| format!("/{name}"),
    )
}

/// A connection from `source` that asks for the big file and then never
/// reads. Its receive buffer is small and its MSS too: the bridge's send
/// buffer grows with the peer's segment size (to megabytes on loopback,
/// where the whole file would fit and the write would complete), so with
/// small segments the response stalls in the bridge's write, as it does
/// for a far-away client, and kernel memory stays small.
async fn stalled_reader(bridge: &Bridge, source: Ipv4Addr, path: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    socket2::SockRef::from(&socket)
        .set_tcp_mss(536)
        .expect("TCP_MAXSEG");
    socket
        .bind(SocketAddr::from((source, 0)))
        .expect("bind a loopback source");
    let mut tcp = socket.connect(bridge.addr).await.expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: br, gzip\r\n\r\n",
        bridge.addr
    );
    // A connection over the client's share may be closed before this
    // lands; the caller looks at what the bridge answers.
    let _ = tcp.write_all(request.as_bytes()).await;
    tcp
}

/// `GET /status` with the token from 127.0.0.1; the time it took and the
/// JSON body.
async fn status(bridge: &Bridge) -> (Duration, serde_json::Value) {
    let started = Instant::now();
    let (code, _, body) = bridge
        .get(&format!("/status?token={TOKEN}"), None, &[])
        .await;
    let took = started.elapsed();
    assert_eq!(code, 200);
    (took, serde_json::from_slice(&body).expect("status JSON"))
}

/// Raises the soft open-files limit to `want` (or the hard limit): the
/// test holds both ends of every connection.
fn raise_open_files(want: u64) {
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).expect("getrlimit");
    if soft < want {
        rlimit::setrlimit(rlimit::Resource::NOFILE, want.min(hard), hard).expect("setrlimit");
    }
}

#[tokio::test]
async fn a_reader_that_stops_reading_loses_its_connection_after_the_write_timeout() {
    // One connection in all: until the stalled reader's is cut, nothing else
    // is served.
    let bridge = start(|c| {
        c.max_connections = 1;
        c.write_timeout = Duration::from_millis(300);
    })
    .await;
    let path = big_file();
    let _stalled = stalled_reader(&bridge, Ipv4Addr::new(127, 0, 0, 2), &path).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (took, _) = tokio::time::timeout(STEP, status(&bridge))
        .await
        .expect("the stalled reader's connection was cut and /status served");
    println!("/status after a stalled reader's write timeout: {took:?}");
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(3),
        "served after {took:?}, not after the 300 ms write timeout"
    );
}

#[tokio::test]
async fn one_client_address_holds_at_most_its_share_of_connections() {
    let bridge = start(|c| c.max_connections_per_client = 3).await;
    let path = big_file();
    let own = Ipv4Addr::LOCALHOST;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(stalled_reader(&bridge, own, &path).await);
    }
    // The fourth from the same address is closed without an answer.
    let mut extra = stalled_reader(&bridge, own, &path).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(STEP, extra.read_to_end(&mut answer))
        .await
        .expect("the connection over the share was closed");
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    // Another address is served meanwhile.
    let other = stalled_reader(&bridge, Ipv4Addr::new(127, 0, 0, 2), "/nothing-here").await;
    let mut other = other;
    let mut reply = [0u8; 12];
    tokio::time::timeout(STEP, other.read_exact(&mut reply))
        .await
        .expect("in time")
        .expect("another address is served");
    assert_eq!(&reply, b"HTTP/1.1 404");
    // A connection given back is a place for the same address again.
    drop(held.pop());
    let served = tokio::time::timeout(STEP, async {
        loop {
            let mut tcp = stalled_reader(&bridge, own, "/nothing-here").await;
            let mut reply = [0u8; 12];
            if tcp.read_exact(&mut reply).await.is_ok() {
                return reply;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the freed place was reused");
    assert_eq!(&served, b"HTTP/1.1 404");
}

/// Opens `count` stalled readers, `per_address` from each of 127.0.0.2,
/// 127.0.0.3, …; waits until the bridge holds `held` connection tasks, then
/// measures `/status` (from 127.0.0.1) five times and returns the worst.
async fn status_under_stalled_readers(
    bridge: &Bridge,
    count: usize,
    per_address: usize,
    held: u64,
) -> Duration {
    raise_open_files(4 * count as u64);
    let path = big_file();
    let mut stalled = Vec::with_capacity(count);
    for i in 0..count {
        let n = u8::try_from(2 + i / per_address).expect("fewer than 250 addresses");
        stalled.push(stalled_reader(bridge, Ipv4Addr::new(127, 0, 0, n), &path).await);
    }
    let deadline = Instant::now() + STEP;
    loop {
        let (_, body) = status(bridge).await;
        let tasks = body["tasks"].as_u64().expect("tasks");
        if tasks >= held {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the bridge holds fewer stalled readers than expected: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut worst = Duration::ZERO;
    for _ in 0..5 {
        let (took, _) = status(bridge).await;
        worst = worst.max(took);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "/status with {count} stalled readers of {path} ({per_address} per address): worst of 5 answers {worst:?}"
    );
    drop(stalled);
    worst
}

#[tokio::test]
async fn a_thousand_stalled_readers_from_one_address_do_not_delay_status() {
    // The defaults: 256 connections in all, 64 per address; the 936 over the
    // share are closed at once instead of filling the other 192.
    let bridge = start(|_| {}).await;
    let worst = status_under_stalled_readers(&bridge, 1000, 1000, 64).await;
    assert!(worst < Duration::from_secs(1), "{worst:?}");
    bridge.shutdown().await;
}

#[tokio::test]
async fn a_thousand_stalled_readers_held_at_once_do_not_delay_status() {
    // All 1,000 held (63 from each of 16 addresses, room for all of them):
    // the bridge serves on while blocked writes pile up.
    let bridge = start(|c| c.max_connections = 2000).await;
    let worst = status_under_stalled_readers(&bridge, 1000, 63, 1000).await;
    assert!(worst < Duration::from_secs(1), "{worst:?}");
    bridge.shutdown().await;
}
