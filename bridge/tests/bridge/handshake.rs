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
async fn page_without_or_with_a_wrong_token_gets_401_in_plain_text() {
    let bridge = start(|_| {}).await;
    for path in ["/", "/?token=wrong", "/index.html", "/?tok=test-token"] {
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
    assert!(head.contains("set-cookie: smtplab_token="), "{head}");
    assert!(
        head.contains("httponly") && head.contains("samesite=strict"),
        "{head}"
    );
    assert!(String::from_utf8_lossy(&body).contains("<html"));

    // The cookie alone opens the page and the WebSocket.
    let cookie = format!("Cookie: smtplab_token={TOKEN}");
    let (status, _, _) = bridge.get("/", None, &[&cookie]).await;
    assert_eq!(status, 200);
    let cookie_value = format!("smtplab_token={TOKEN}");
    assert_eq!(
        status_of(bridge.handshake(None, &[("Cookie", &cookie_value)]).await),
        101
    );
    let stale = "smtplab_token=old";
    assert_eq!(
        status_of(bridge.handshake(None, &[("Cookie", stale)]).await),
        401
    );
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
