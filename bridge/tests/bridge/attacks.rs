//! The attack list of the second hardening review, kept as a regression
//! suite: every variant the reviewer tried that the bridge refused, as a
//! table, so that no later change reopens one. docs/security.md's attack
//! table names the test for each row.
//!
//! Every target here is an address literal or `localhost` (from
//! /etc/hosts): nothing asks a DNS server, and nothing connects anywhere
//! but loopback. The bridges run with `dns_server` on a loopback port where
//! nothing listens, so a form that would need a lookup fails there.

use std::time::Duration;

use smtplab_shared::wire::{ClientMessage, ErrorCode, ServerMessage};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::harness::{peer, start, Bridge, STEP, TOKEN};

/// A raw request (the bytes as given); the whole answer as text.
async fn raw(bridge: &Bridge, request: &[u8]) -> String {
    let mut tcp = TcpStream::connect(bridge.addr).await.expect("connect");
    tcp.write_all(request).await.expect("send");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(STEP, tcp.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_line(answer: &str) -> u16 {
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A loopback port with nothing behind it, for `dns_server`.
async fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[tokio::test]
async fn every_token_variant_but_the_token_is_refused() {
    let bridge = start(|_| {}).await;
    let upper = TOKEN.to_ascii_uppercase();
    let variants: Vec<String> = vec![
        String::new(),
        "?token=".into(),
        "?token=wrong".into(),
        format!("?token={}", &TOKEN[..TOKEN.len() - 1]),
        format!("?token={TOKEN}x"),
        format!("?token=x{TOKEN}"),
        format!("?token={upper}"),
        format!("?token=%20{TOKEN}"),
        format!("?token={TOKEN}%20"),
        format!("?token={TOKEN}%00"),
        format!("?token={TOKEN}%0a"),
        format!("?tok={TOKEN}"),
        format!("?TOKEN={TOKEN}"),
        format!("?token[]={TOKEN}"),
        format!("?{TOKEN}"),
        format!("?x=1&tokenx={TOKEN}"),
        format!("/{TOKEN}"),
        format!("#token={TOKEN}"),
        format!("?token={}", TOKEN.replace('-', "_")),
        "?token=test-token-but-longer-than-the-real-one-by-far".into(),
    ];
    // Leading and trailing blanks are not part of a header value (RFC 9110
    // §5.5), so ` value ` is the value itself: no variant here.
    for path in ["/status", "/sandbox", "/sandbox/messages"] {
        for variant in &variants {
            let target = if variant.starts_with('/') {
                format!("{path}{variant}").replace("//", "/")
            } else {
                format!("{path}{variant}")
            };
            let (status, _, body) = bridge.get(&target, None, &[]).await;
            assert!(
                status == 401 || status == 404,
                "{target}: {status} {}",
                String::from_utf8_lossy(&body)
            );
            assert!(
                !String::from_utf8_lossy(&body).contains(TOKEN),
                "{target}: the answer echoes the token"
            );
        }
        // Carriers the bridge does not read.
        for header in [
            format!("Authorization: Bearer {TOKEN}"),
            format!("X-Token: {TOKEN}"),
        ] {
            let (status, _, _) = bridge.get(path, None, &[&header]).await;
            assert_eq!(status, 401, "{path} with {header}");
        }
    }
    for variant in ["", "wrong", &TOKEN[..4], &upper] {
        let refused = bridge.handshake(Some(variant), &[]).await;
        assert!(refused.is_err(), "/ws with token {variant:?} upgraded");
    }
}

#[tokio::test]
async fn every_foreign_host_is_refused_and_the_own_ones_are_served() {
    let bridge = start(|_| {}).await;
    let port = bridge.addr.port();
    let other = port.wrapping_add(1).max(1);
    let refused = [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        format!("evil.example:{port}.127.0.0.1"),
        "127.0.0.1".to_owned(),
        "localhost".to_owned(),
        format!("127.0.0.1:{other}"),
        format!("localhost:{other}"),
        format!("127.1:{port}"),
        format!("0x7f000001:{port}"),
        format!("2130706433:{port}"),
        format!("0177.0.0.1:{port}"),
        format!("127.0.0.2:{port}"),
        format!("0.0.0.0:{port}"),
        format!("[::ffff:127.0.0.1]:{port}"),
        format!("[::1]:{other}"),
        format!("127.0.0.1.:{port}"),
        format!("localhost.:{port}"),
        format!("user@127.0.0.1:{port}"),
        format!("127.0.0.1:{port}@evil.example"),
        format!("127.0.0.1:{port}/"),
        format!("127.0.0.1:0{port}"),
        format!(" 127.0.0.1:{port}x"),
        format!("127.0.0.1:{port},evil.example"),
        format!("sub.localhost:{port}"),
        String::new(),
    ];
    let path = format!("/?token={TOKEN}");
    for host in &refused {
        let (status, _, _) = bridge.get(&path, Some(host), &[]).await;
        assert!(
            status == 403 || status == 400,
            "Host {host:?} answered {status}"
        );
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, _, _) = bridge.get(&path, Some(&host), &[]).await;
        assert_eq!(status, 200, "own Host {host:?}");
    }
    // No Host at all (HTTP/1.0 style).
    let answer = raw(&bridge, format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes()).await;
    let status = status_line(&answer);
    assert!(status == 400 || status == 403, "no Host: {status}");
}

#[tokio::test]
async fn every_foreign_origin_is_refused_on_the_websocket() {
    let bridge = start(|_| {}).await;
    let port = bridge.addr.port();
    let own = format!("http://127.0.0.1:{port}");
    let refused = [
        "null".to_owned(),
        "http://evil.example".to_owned(),
        format!("http://evil.example:{port}"),
        format!("https://127.0.0.1:{port}"),
        format!("ws://127.0.0.1:{port}"),
        "http://127.0.0.1".to_owned(),
        format!("http://127.0.0.1:{}", port.wrapping_add(1).max(1)),
        format!("http://localhost:{port}"),
        format!("http://[::1]:{port}"),
        format!("{own}/"),
        format!("{own}/index.html"),
        format!("{own}.evil.example"),
        format!("http://127.0.0.1.evil.example:{port}"),
        format!("http://evil.example/{own}"),
        format!("http://user@127.0.0.1:{port}"),
        format!("{own},http://evil.example"),
        format!("http://127.0.0.2:{port}"),
        format!("http://0.0.0.0:{port}"),
        format!("http://2130706433:{port}"),
        format!("file://{own}"),
        "file://".to_owned(),
        "chrome-extension://abcdef".to_owned(),
        "about:blank".to_owned(),
        "*".to_owned(),
        String::new(),
    ];
    for origin in &refused {
        let result = bridge
            .handshake(Some(TOKEN), &[("Origin", origin.as_str())])
            .await;
        assert!(result.is_err(), "Origin {origin:?} upgraded");
    }
    let own_result = bridge.handshake(Some(TOKEN), &[("Origin", &own)]).await;
    assert!(own_result.is_ok(), "the own origin was refused");
}

#[tokio::test]
async fn odd_paths_never_reach_a_file_outside_the_ui() {
    let bridge = start(|_| {}).await;
    for path in [
        "/../index.html",
        "/..%2findex.html",
        "/%2e%2e/index.html",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/../../../../etc/passwd",
        "/..\\..\\etc\\passwd",
        "/etc/passwd",
        "/.git/config",
        "/Cargo.toml",
        "/bridge/src/main.rs",
        "/index.html%00",
        "/%00",
        "/index.html/",
        "/index.html.",
        "/INDEX.HTML",
        "/./index.html",
        "/manifest.json/../index.html",
        "/trust-anchors.bin/../index.html",
    ] {
        let (status, _, body) = bridge.get(path, None, &[]).await;
        let text = String::from_utf8_lossy(&body);
        assert!(
            !(status == 200 && text.contains("<html")),
            "{path} served the page without the token"
        );
        assert!(
            !text.contains("root:") && !text.contains("[package]") && !text.contains("[core]"),
            "{path} served a file from outside the UI"
        );
    }
}

#[tokio::test]
async fn smuggled_and_malformed_requests_get_400_or_one_answer() {
    let bridge = start(|_| {}).await;
    let host = bridge.addr.to_string();
    // Content-Length and Transfer-Encoding together, or two lengths: the
    // request is refused, and a request hidden in its body is never answered.
    for request in [
        format!(
            "POST /status HTTP/1.1\r\nHost: {host}\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /?token={TOKEN} HTTP/1.1\r\nHost: {host}\r\n\r\n"
        ),
        format!(
            "GET /status HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\nGET /?token={TOKEN} HTTP/1.1\r\nHost: {host}\r\n\r\n"
        ),
        format!(
            "GET /status HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: xchunked\r\n\r\n"
        ),
        format!("GET /status HTTP/1.1\r\nHost : {host}\r\n\r\n"),
        format!("GET /status HTTP/1.1\r\n Host: {host}\r\n\r\n"),
        "GET /status HTTP/9.9\r\n\r\n".to_owned(),
        "GARBAGE\r\n\r\n".to_owned(),
    ]
    .into_iter()
    .map(String::into_bytes)
    // A TLS ClientHello on the plain-HTTP port.
    .chain([vec![0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]])
    {
        let answer = raw(&bridge, &request).await;
        let request = String::from_utf8_lossy(&request);
        let answers = answer.matches("HTTP/1.").count();
        assert!(answers <= 1, "{request:?} got {answers} answers:\n{answer}");
        assert!(
            !answer.contains("<html"),
            "{request:?} reached the page:\n{answer}"
        );
    }
}

#[tokio::test]
async fn malformed_connect_messages_get_bad_request_and_connect_nothing() {
    let (listener, port) = peer().await;
    let bridge = start(|c| c.allowed_ports = vec![port]).await;
    let mut client = bridge.session().await;
    for text in [
        r#"{"type":"connect","host":"","port":PORT}"#,
        r#"{"type":"connect","host":" ","port":PORT}"#,
        r#"{"type":"connect","host":"127.0.0.1","port":0}"#,
        r#"{"type":"connect","host":"127.0.0.1","port":65536}"#,
        r#"{"type":"connect","host":"127.0.0.1","port":-25}"#,
        r#"{"type":"connect","host":"127.0.0.1","port":25.5}"#,
        r#"{"type":"connect","host":"127.0.0.1","port":"PORT"}"#,
        r#"{"type":"connect","host":"127.0.0.1"}"#,
        r#"{"type":"connect","port":PORT}"#,
        r#"{"type":"connect","host":null,"port":PORT}"#,
        r#"{"type":"connect","host":127,"port":PORT}"#,
        r#"{"type":"connect","host":["127.0.0.1"],"port":PORT}"#,
        r#"{"type":"connect","host":{"ip":"127.0.0.1"},"port":PORT}"#,
        r#"{"type":"CONNECT","host":"127.0.0.1","port":PORT}"#,
        r#"{"type":"Connect","host":"127.0.0.1","port":PORT}"#,
        r#"{"host":"127.0.0.1","port":PORT}"#,
        r#"{"type":null}"#,
        r#"{"type":1}"#,
        r#""connect""#,
        "42",
        "true",
        r#"{"type":"connect","host":"127.0.0.1\r\nRCPT TO:<x>","port":PORT}"#,
        r#"{"type":"connect","host":"127.0.0.1 ","port":PORT}"#,
        r#"{"type":"connect","host":"127.0.0.1/","port":PORT}"#,
        r#"{"type":"connect","host":"127.0.0.1:PORT","port":PORT}"#,
        r#"{"type":"connect","host":"http://127.0.0.1","port":PORT}"#,
        r#"{"type":"connect","host":"\u0000","port":PORT}"#,
        r#"{"type":"connect","host":"127.0.0.1","port":PORT,"timeout_ms":-1}"#,
        r#"{"type":"connect","host":"127.0.0.1","port":PORT,"timeout_ms":"soon"}"#,
        r#"{"type":"connect","host":"127.0.0.1","port":PORT}{"type":"connect"}"#,
        r#"{"type":"connect","host":"127.0.0.1","port":PORT"#,
    ] {
        let text = text.replace("PORT", &port.to_string());
        client.send_text(&text).await;
        // Malformed: bad_request; well-formed but outside the policy (port
        // 0, a host that is no host): forbidden or not resolvable.
        match client.control().await {
            ServerMessage::Error { code, .. } => assert!(
                matches!(
                    code,
                    ErrorCode::BadRequest | ErrorCode::Forbidden | ErrorCode::Dns
                ),
                "{text}: {code:?}"
            ),
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(
        tokio::time::timeout(Duration::from_millis(300), listener.accept())
            .await
            .is_err(),
        "a malformed connect reached the server"
    );
    // The session is still usable.
    client
        .send(&ClientMessage::Connect {
            host: "127.0.0.1".into(),
            port,
            timeout_ms: Some(5_000),
        })
        .await;
    assert!(matches!(
        client.control().await,
        ServerMessage::Connected { .. }
    ));
}

#[tokio::test]
async fn internal_targets_in_every_form_are_refused_with_deny_internal() {
    let (listener, port) = peer().await;
    let dns = dead_port().await;
    let bridge = start(|c| {
        c.allowed_ports = vec![port];
        c.deny_internal = true;
        c.dns_server = Some(std::net::SocketAddr::from(([127, 0, 0, 1], dns)));
    })
    .await;
    let mut client = bridge.session().await;
    for host in [
        "127.0.0.1",
        "127.255.255.254",
        "127.0.0.1.",
        "localhost",
        "LOCALHOST",
        "localhost.",
        "[::1]",
        "::1",
        "[0:0:0:0:0:0:0:1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "[::ffff:10.0.0.1]",
        "[64:ff9b::a00:1]",
        "[2002:c0a8:101::]",
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "[fe80::1]",
        "[fc00::1]",
        "[fd00::1]",
        "100.64.0.1",
        "0.0.0.0",
        "[::]",
        "255.255.255.255",
        "224.0.0.1",
        "[ff02::1]",
        "127.1",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "017700000001",
    ] {
        client
            .send(&ClientMessage::Connect {
                host: host.into(),
                port,
                timeout_ms: Some(3_000),
            })
            .await;
        let answer = client.control().await;
        assert!(
            matches!(answer, ServerMessage::Error { .. }),
            "{host}: {answer:?}"
        );
    }
    assert!(
        tokio::time::timeout(Duration::from_millis(300), listener.accept())
            .await
            .is_err(),
        "an internal target was reached"
    );
}

/// Opens `/ws` by hand over TCP (so raw frames can follow) and reads the
/// `101` answer and the bridge's `hello` frame.
async fn raw_websocket(bridge: &Bridge) -> TcpStream {
    let mut tcp = TcpStream::connect(bridge.addr).await.expect("connect");
    let request = format!(
        "GET /ws?token={TOKEN} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        bridge.addr
    );
    tcp.write_all(request.as_bytes()).await.expect("send");
    // The 101 header block, then the hello text frame.
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(STEP, tcp.read(&mut byte))
            .await
            .expect("101 in time")
            .expect("read");
        assert!(n == 1, "closed during the upgrade");
        seen.push(byte[0]);
    }
    assert!(
        seen.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&seen)
    );
    let mut head = [0u8; 2];
    tcp.read_exact(&mut head).await.expect("hello frame");
    let len = usize::from(head[1] & 0x7f);
    let len = if len == 126 {
        let mut ext = [0u8; 2];
        tcp.read_exact(&mut ext).await.expect("length");
        usize::from(u16::from_be_bytes(ext))
    } else {
        len
    };
    let mut hello = vec![0u8; len];
    tcp.read_exact(&mut hello).await.expect("hello");
    assert!(String::from_utf8_lossy(&hello).contains("hello"));
    tcp
}

/// A client frame: FIN + `opcode` (+ `rsv` bits), masked unless `unmasked`.
fn frame(first: u8, payload: &[u8], unmasked: bool) -> Vec<u8> {
    let mut out = vec![first];
    let mask_bit = if unmasked { 0 } else { 0x80 };
    if payload.len() < 126 {
        out.push(mask_bit | u8::try_from(payload.len()).expect("short"));
    } else {
        out.push(mask_bit | 126);
        out.extend_from_slice(&u16::try_from(payload.len()).expect("fits").to_be_bytes());
    }
    if unmasked {
        out.extend_from_slice(payload);
    } else {
        let key = [0x11, 0x22, 0x33, 0x44];
        out.extend_from_slice(&key);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    }
    out
}

#[tokio::test]
async fn websocket_protocol_abuses_end_that_connection_and_the_bridge_serves_on() {
    let bridge = start(|_| {}).await;
    let abuses: Vec<(&str, Vec<u8>)> = vec![
        (
            "unmasked client frame",
            frame(0x81, br#"{"type":"close"}"#, true),
        ),
        ("reserved opcode 0x3", frame(0x83, b"x", false)),
        ("reserved opcode 0xB", frame(0x8b, b"x", false)),
        ("RSV1 without an extension", frame(0xc1, b"{}", false)),
        ("RSV2", frame(0xa2, b"x", false)),
        ("RSV3", frame(0x92, b"x", false)),
        ("fragmented ping", frame(0x09, b"x", false)),
        ("ping over 125 bytes", frame(0x89, &[0u8; 200], false)),
        ("close over 125 bytes", frame(0x88, &[0u8; 200], false)),
        (
            "text that is not UTF-8",
            frame(0x81, &[0xff, 0xfe, 0xfd], false),
        ),
        ("continuation with no start", frame(0x80, b"x", false)),
        (
            "close code 1005 on the wire",
            frame(0x88, &[0x03, 0xed], false),
        ),
        ("close code 999", frame(0x88, &[0x03, 0xe7], false)),
        ("one-byte close payload", frame(0x88, &[0x03], false)),
        (
            "close reason not UTF-8",
            frame(0x88, &[0x03, 0xe8, 0xff], false),
        ),
        ("text started, then a new text", {
            let mut two = frame(0x01, b"{\"ty", false);
            two.extend(frame(0x81, b"x", false));
            two
        }),
        ("a 2^63-byte length", {
            let mut f = vec![0x82, 0x80 | 127];
            f.extend_from_slice(&(1u64 << 63).to_be_bytes());
            f.extend_from_slice(&[1, 2, 3, 4]);
            f
        }),
        ("a 1 GiB length, then silence", {
            let mut f = vec![0x82, 0x80 | 127];
            f.extend_from_slice(&(1u64 << 30).to_be_bytes());
            f.extend_from_slice(&[1, 2, 3, 4]);
            f
        }),
        ("HTTP after the upgrade", b"GET / HTTP/1.1\r\n\r\n".to_vec()),
    ];
    for (what, bytes) in abuses {
        let mut tcp = raw_websocket(&bridge).await;
        tcp.write_all(&bytes).await.expect("send the abuse");
        // The bridge ends this connection (a close frame and/or EOF) in time.
        let mut rest = Vec::new();
        let ended = tokio::time::timeout(STEP, tcp.read_to_end(&mut rest)).await;
        assert!(ended.is_ok(), "{what}: the connection stayed open");
        // And serves a well-behaved client right after.
        let mut client = bridge.session().await;
        client.send_text("{not json").await;
        assert!(
            matches!(client.control().await, ServerMessage::Error { .. }),
            "{what}: the next session does not answer"
        );
    }
}
