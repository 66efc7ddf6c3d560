//! Requests in odd shapes: non-canonical paths to the page, and duplicated
//! Host or Origin fields.

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::harness::{start, Bridge, STEP, TOKEN};

/// Sends `request` as given and returns the response's status code and
/// header block (the connection may stay open, as after a 101).
async fn head(bridge: &Bridge, request: &str) -> (u16, String) {
    let mut tcp = TcpStream::connect(bridge.addr).await.expect("connect");
    tcp.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(STEP, tcp.read(&mut byte))
            .await
            .expect("an answer in time")
            .expect("read");
        assert!(n == 1, "closed before the header block ended: {raw:?}");
        raw.push(byte[0]);
    }
    let text = String::from_utf8(raw).expect("ascii head");
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    (status, text)
}

/// A WebSocket handshake with the token and the given extra lines.
fn upgrade(bridge: &Bridge, extra: &[String]) -> String {
    let mut request = format!(
        "GET /ws?token={TOKEN} HTTP/1.1\r\nHost: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
        bridge.addr
    );
    for line in extra {
        request.push_str(line);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request
}

#[tokio::test]
async fn non_canonical_paths_to_the_page_get_404_never_the_page() {
    let bridge = start(|_| {}).await;
    for path in [
        "//index.html",
        "///index.html",
        "//index.html?x=1",
        "/./index.html",
        "/x/../index.html",
        "/index.html/",
        "/%2Findex.html",
        "/.//index.html",
        "/\\index.html",
        "//",
    ] {
        let (status, _, body) = bridge.get(path, None, &[]).await;
        // 400 where hyper refuses the request line itself.
        assert!(matches!(status, 400 | 404), "{path}: {status}");
        assert!(!String::from_utf8_lossy(&body).contains("<html"), "{path}");
    }
    // Non-canonical forms of the public files are not other names for them
    // either; the canonical ones are served.
    let anchors = smtplab_bridge::assets::TRUST_ANCHORS_PATH;
    let (status, _, _) = bridge.get(anchors, None, &[]).await;
    assert_eq!(status, 200);
    if let Some(name) = ui_file() {
        let (status, _, _) = bridge.get(&format!("/{name}"), None, &[]).await;
        assert_eq!(status, 200, "{name}");
        for odd in [format!("//{name}"), format!("/./{name}")] {
            let (status, _, _) = bridge.get(&odd, None, &[]).await;
            assert_eq!(status, 404, "{odd}");
        }
    }
}

/// The name of the UI's script when the UI is built.
fn ui_file() -> Option<String> {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist/manifest.json");
    let text = std::fs::read_to_string(manifest).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let name = value["js"].as_str()?.to_owned();
    smtplab_bridge::assets::get(&name).map(|_| name)
}

#[tokio::test]
async fn two_host_fields_get_400_whatever_their_values() {
    let bridge = start(|_| {}).await;
    let own = bridge.addr.to_string();
    for (first, second) in [
        (own.as_str(), "evil.example"),
        ("evil.example", own.as_str()),
        (own.as_str(), own.as_str()),
    ] {
        for path in [
            "/",
            "/status?token=test-token",
            "/trust-anchors.bin",
            "/nothing",
        ] {
            let request = format!(
                "GET {path} HTTP/1.1\r\nHost: {first}\r\nHost: {second}\r\nConnection: close\r\n\r\n"
            );
            let (status, _) = head(&bridge, &request).await;
            assert_eq!(status, 400, "{path} with Host {first} and {second}");
        }
    }
    let request =
        format!("GET /trust-anchors.bin HTTP/1.1\r\nHost: {own}\r\nConnection: close\r\n\r\n");
    assert_eq!(head(&bridge, &request).await.0, 200);
}

#[tokio::test]
async fn two_origin_fields_get_400_and_never_upgrade() {
    let bridge = start(|_| {}).await;
    let own = format!("Origin: http://{}", bridge.addr);
    let evil = "Origin: http://evil.example".to_owned();
    // The own origin alone upgrades.
    assert_eq!(
        head(&bridge, &upgrade(&bridge, std::slice::from_ref(&own)))
            .await
            .0,
        101
    );
    // A second Origin after the own one, before it, or the own one twice: 400.
    for pair in [
        [own.clone(), evil.clone()],
        [evil.clone(), own.clone()],
        [own.clone(), own.clone()],
    ] {
        let (status, text) = head(&bridge, &upgrade(&bridge, &pair)).await;
        assert_eq!(status, 400, "{pair:?}: {text}");
    }
    // On a plain request too.
    let request = format!(
        "GET /status?token={TOKEN} HTTP/1.1\r\nHost: {}\r\n{own}\r\n{evil}\r\nConnection: close\r\n\r\n",
        bridge.addr
    );
    assert_eq!(head(&bridge, &request).await.0, 400);
}
