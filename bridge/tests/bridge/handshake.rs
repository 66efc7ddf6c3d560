//! Who gets in: token, Origin and Host checks on `/` and `/ws`, and the
//! headers of the page.

use tokio_tungstenite::tungstenite::Error as WsError;

use crate::harness::{start, TOKEN};

fn status_of(result: Result<crate::harness::Socket, WsError>) -> u16 {
    match result {
        Ok(_) => 101,
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
    }
}

#[tokio::test]
async fn websocket_without_or_with_a_wrong_token_gets_401() {
    let bridge = start(|_| {}).await;
    assert_eq!(status_of(bridge.handshake(None, &[]).await), 401);
    assert_eq!(status_of(bridge.handshake(Some("wrong"), &[]).await), 401);
    assert_eq!(
        status_of(bridge.handshake(Some(&TOKEN[..4]), &[]).await),
        401
    );
    assert_eq!(status_of(bridge.handshake(Some(TOKEN), &[]).await), 101);
}

#[tokio::test]
async fn page_with_a_wrong_token_gets_401_in_plain_text() {
    let bridge = start(|_| {}).await;
    for path in ["/?token=wrong", "/index.html?token=wrong", "/?token="] {
        let (status, head, body) = bridge.get(path, None, &[]).await;
        assert_eq!(status, 401, "{path}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/plain"),
            "{head}"
        );
        let body = String::from_utf8(body).expect("text");
        assert!(body.contains("token"), "{body}");
        assert!(!body.contains(TOKEN), "{body}");
    }
}

/// The page holds no secret (its JS and wasm are public files too), so a
/// reload of the tab, whose address has lost `?token=`, gets it without
/// one; everything that acts or tells needs the token.
#[tokio::test]
async fn page_without_a_token_is_served_but_nothing_else_is() {
    let bridge = start(|_| {}).await;
    for path in ["/", "/index.html", "/?tok=test-token"] {
        let (status, head, body) = bridge.get(path, None, &[]).await;
        assert_eq!(status, 200, "{path}: {head}");
        let head = head.to_ascii_lowercase();
        assert!(head.contains("cache-control: no-cache"), "{head}");
        assert!(String::from_utf8_lossy(&body).contains("<html"));
    }
    for path in ["/status", "/sandbox", "/sandbox/messages"] {
        let (status, _, _) = bridge.get(path, None, &[]).await;
        assert_eq!(status, 401, "{path}");
        // 404 for the inbox: this bridge runs no sandbox.
        let (status, _, _) = bridge
            .get(&format!("{path}?token={TOKEN}"), None, &[])
            .await;
        assert!(
            status == 200 || status == 404,
            "{path} with the token: {status}"
        );
    }
    assert_eq!(status_of(bridge.handshake(None, &[]).await), 401);
}

/// The head of a raw WebSocket upgrade to `/ws?token=…` (101 with the
/// right token).
async fn upgrade_head(bridge: &crate::harness::Bridge, query: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut tcp = tokio::net::TcpStream::connect(bridge.addr)
        .await
        .expect("connect");
    let request = format!(
        "GET /ws{query} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        bridge.addr
    );
    tcp.write_all(request.as_bytes()).await.expect("send");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(crate::harness::STEP, tcp.read(&mut byte))
            .await
            .expect("head in time")
            .expect("read");
        assert_eq!(n, 1, "closed before the end of the head");
        head.push(byte[0]);
    }
    String::from_utf8(head).expect("ascii head")
}

/// Cookies ignore ports: any other web server on the same host would
/// receive one. So no answer sets a cookie, and a cookie holding the token
/// opens nothing.
#[tokio::test]
async fn no_answer_sets_a_cookie_and_a_token_cookie_opens_nothing() {
    let bridge = start(|_| {}).await;
    let with = |path: &str| format!("{path}?token={TOKEN}");
    let mut paths: Vec<String> = [
        "/",
        "/index.html",
        "/status",
        "/sandbox",
        "/sandbox/messages",
    ]
    .iter()
    .flat_map(|p| [(*p).to_owned(), with(p)])
    .collect();
    paths.extend(
        [
            "/?token=wrong",
            "/trust-anchors.bin",
            "/manifest.json",
            "/no-such-file.js",
        ]
        .map(str::to_owned),
    );
    for path in &paths {
        let (_, head, _) = bridge.get(path, None, &[]).await;
        assert!(
            !head.to_ascii_lowercase().contains("set-cookie"),
            "{path}: {head}"
        );
    }
    for query in [String::new(), format!("?token={TOKEN}")] {
        let head = upgrade_head(&bridge, &query).await;
        assert!(
            !head.to_ascii_lowercase().contains("set-cookie"),
            "/ws{query}: {head}"
        );
    }
    assert!(upgrade_head(&bridge, &format!("?token={TOKEN}"))
        .await
        .starts_with("HTTP/1.1 101"));

    let cookie = format!("Cookie: smtplab_token={TOKEN}");
    for path in ["/status", "/sandbox", "/sandbox/messages", "/?token=wrong"] {
        let (status, _, _) = bridge.get(path, None, &[&cookie]).await;
        assert_eq!(status, 401, "{path} with only the cookie");
    }
    let cookie_value = format!("smtplab_token={TOKEN}");
    assert_eq!(
        status_of(bridge.handshake(None, &[("Cookie", &cookie_value)]).await),
        401
    );
    bridge.shutdown().await;
}

#[tokio::test]
async fn page_with_the_token_is_served_with_security_headers() {
    let bridge = start(|_| {}).await;
    let (status, head, body) = bridge.get(&format!("/?token={TOKEN}"), None, &[]).await;
    assert_eq!(status, 200, "{head}");
    let head = head.to_ascii_lowercase();
    assert!(
        head.contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert!(head.contains("cache-control: no-store"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert!(head.contains("referrer-policy: no-referrer"), "{head}");
    assert!(head.contains("'wasm-unsafe-eval'"), "{head}");
    assert!(
        head.contains(&format!("connect-src 'self' ws://{}", bridge.addr)),
        "{head}"
    );
    assert!(!head.contains("set-cookie"), "{head}");
    assert!(String::from_utf8_lossy(&body).contains("<html"));
}

#[tokio::test]
async fn unknown_static_paths_are_404_without_a_token() {
    let bridge = start(|_| {}).await;
    let (status, head, _) = bridge.get("/no-such-file.js", None, &[]).await;
    assert_eq!(status, 404);
    assert!(head
        .to_ascii_lowercase()
        .contains("x-content-type-options: nosniff"));
}

#[tokio::test]
async fn foreign_origin_is_refused_and_own_origin_accepted() {
    let bridge = start(|c| c.allowed_origins = vec!["http://ui.example:9000".into()]).await;
    let own = format!("http://{}", bridge.addr);
    let port = bridge.addr.port();
    assert_eq!(
        status_of(
            bridge
                .handshake(Some(TOKEN), &[("Origin", "http://evil.example")])
                .await
        ),
        403
    );
    assert_eq!(
        status_of(bridge.handshake(Some(TOKEN), &[("Origin", "null")]).await),
        403
    );
    // The origin must match the Host the browser used, not just any loopback name.
    let other_loopback = format!("http://localhost:{port}");
    assert_eq!(
        status_of(
            bridge
                .handshake(Some(TOKEN), &[("Origin", &other_loopback)])
                .await
        ),
        403
    );
    assert_eq!(
        status_of(bridge.handshake(Some(TOKEN), &[("Origin", &own)]).await),
        101
    );
    let localhost = format!("localhost:{port}");
    assert_eq!(
        status_of(
            bridge
                .handshake(
                    Some(TOKEN),
                    &[("Host", &localhost), ("Origin", &other_loopback)]
                )
                .await
        ),
        101
    );
    assert_eq!(
        status_of(
            bridge
                .handshake(Some(TOKEN), &[("Origin", "http://ui.example:9000")])
                .await
        ),
        101
    );
}

#[tokio::test]
async fn foreign_host_header_is_refused() {
    let bridge = start(|_| {}).await;
    let port = bridge.addr.port();
    let rebound = format!("evil.example:{port}");
    assert_eq!(
        status_of(bridge.handshake(Some(TOKEN), &[("Host", &rebound)]).await),
        403
    );
    let (status, _, _) = bridge
        .get(&format!("/?token={TOKEN}"), Some(&rebound), &[])
        .await;
    assert_eq!(status, 403);
    for ok in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, _, _) = bridge
            .get(&format!("/?token={TOKEN}"), Some(&ok), &[])
            .await;
        assert_eq!(status, 200, "{ok}");
    }
}
