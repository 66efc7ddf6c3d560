//! `fetch_mta_sts` through the real bridge (`run()` on 127.0.0.1:0, and
//! once the `smtplab` binary with `--mta-sts-port` and `--mta-sts-ca`): a
//! dnsmasq on loopback resolves `mta-sts.*.test` to 127.0.0.1, where a
//! policy server (tokio-rustls, a certificate from a test CA the bridge is
//! told to trust) listens on a high port. A policy arrives byte for byte;
//! an untrusted certificate, one for another name, a 404, a redirect (not
//! followed) and a body over 64 KiB are `https`; a bad domain is
//! `bad_request`, a missing name `nxdomain`, a denied address `forbidden`,
//! a server that never finishes TLS `timeout`. Loopback only.

// The tests crate's dnsmasq fixture, shared rather than copied; its `pub`
// items are for that crate.
#[allow(unreachable_pub, dead_code)]
#[path = "../../tests/src/dnsmasq.rs"]
mod dnsmasq;
#[path = "mta_sts/https.rs"]
mod https;
#[path = "common/in_process.rs"]
mod in_process;
#[path = "common/url_line.rs"]
mod url_line;
#[path = "common/websocket.rs"]
mod websocket;

use std::time::Duration;

use dnsmasq::Dnsmasq;
use futures_util::{SinkExt as _, StreamExt as _};
use https::{response, PolicyServer, TestCa};
use smtplab_bridge::{AccessToken, Config};
use smtplab_shared::wire::{ClientMessage, ErrorCode, ServerMessage, MAX_MTA_STS_POLICY_BYTES};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_tungstenite::tungstenite::Message;
use websocket::Socket;

const TOKEN: &str = "mta-sts-test-token";
const STEP: Duration = Duration::from_secs(15);
const POLICY: &str =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.good.test\r\nmx: *.good.test\r\nmax_age: 86400\r\n";

/// The domains whose `mta-sts.` name the zone resolves to 127.0.0.1;
/// every other `*.test` name is NXDOMAIN.
const DOMAINS: [&str; 7] = [
    "good.test",
    "other.test",
    "missing.test",
    "moved.test",
    "big.test",
    "chunked.test",
    "exact.test",
];

fn zone() -> Vec<String> {
    DOMAINS
        .iter()
        .map(|d| format!("--host-record=mta-sts.{d},127.0.0.1"))
        .collect()
}

/// A bridge asking `dns`, fetching from `port` and trusting `ca`, with
/// `tweak` applied; its WebSocket past `hello`. Stopped on drop.
struct Bridge {
    ws: Socket,
    _bridge: in_process::Bridge,
}

async fn bridge(dns: &Dnsmasq, port: u16, ca: &TestCa, tweak: impl FnOnce(&mut Config)) -> Bridge {
    let mut config = Config::new(AccessToken::parse(TOKEN).expect("token"));
    config.dns_server = Some(dns.addr);
    config.mta_sts_port = port;
    config.mta_sts_roots = vec![ca.der()];
    tweak(&mut config);
    let bridge = in_process::start(config).await;
    Bridge {
        ws: session(&bridge.addr.to_string()).await,
        _bridge: bridge,
    }
}

async fn session(authority: &str) -> Socket {
    websocket::session(authority, TOKEN, STEP).await
}

async fn control(ws: &mut Socket) -> ServerMessage {
    websocket::control(ws, STEP).await
}

async fn fetch(ws: &mut Socket, domain: &str, id: Option<u32>) -> ServerMessage {
    let msg = ClientMessage::FetchMtaSts {
        domain: domain.into(),
        id,
    };
    ws.send(Message::text(msg.encode())).await.expect("send");
    control(ws).await
}

/// The error's code and message.
fn error(msg: &ServerMessage) -> (ErrorCode, String) {
    match msg {
        ServerMessage::Error { code, message } => (*code, message.clone()),
        other => panic!("expected an error, got {other:?}"),
    }
}

fn good_routes() -> Vec<(&'static str, Vec<u8>)> {
    vec![(
        "mta-sts.good.test",
        response(
            "200 OK",
            &[("Content-Type", "text/plain; charset=utf-8")],
            POLICY.as_bytes(),
        ),
    )]
}

#[tokio::test]
async fn a_policy_arrives_byte_for_byte_with_its_url_and_content_type() {
    let ca = TestCa::new("mta-sts test CA");
    let server = PolicyServer::start(&ca.issue(&["mta-sts.good.test"]), good_routes()).await;
    let dns = Dnsmasq::start(&zone()).expect("dnsmasq");
    let port = server.addr.port();
    let mut b = bridge(&dns, port, &ca, |_| {}).await;
    let answer = fetch(&mut b.ws, "Good.Test.", Some(7)).await;
    assert_eq!(
        answer,
        ServerMessage::MtaStsPolicy {
            domain: "good.test".into(),
            url: format!("https://mta-sts.good.test:{port}/.well-known/mta-sts.txt"),
            body: POLICY.into(),
            content_type: Some("text/plain; charset=utf-8".into()),
            id: Some(7),
        }
    );
    // One plain GET of the one path, nothing the client chose.
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let head = requests[0].to_ascii_lowercase();
    assert!(
        head.starts_with("get /.well-known/mta-sts.txt http/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!("\r\nhost: mta-sts.good.test:{port}\r\n")),
        "{head}"
    );
    assert!(!head.contains("content-length"), "{head}");
}

#[tokio::test]
async fn an_untrusted_certificate_is_https_and_nothing_is_requested() {
    let ca = TestCa::new("mta-sts test CA");
    let stranger = TestCa::new("someone else's CA");
    let server = PolicyServer::start(&stranger.issue(&["mta-sts.good.test"]), good_routes()).await;
    let dns = Dnsmasq::start(&zone()).expect("dnsmasq");
    let mut b = bridge(&dns, server.addr.port(), &ca, |_| {}).await;
    let answer = fetch(&mut b.ws, "good.test", None).await;
    let (code, message) = error(&answer);
    assert_eq!(code, ErrorCode::Https, "{message}");
    assert!(message.contains("UnknownIssuer"), "{message}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_certificate_for_another_name_is_https() {
    let ca = TestCa::new("mta-sts test CA");
    let server = PolicyServer::start(&ca.issue(&["mta-sts.other.test"]), good_routes()).await;
    let dns = Dnsmasq::start(&zone()).expect("dnsmasq");
    let mut b = bridge(&dns, server.addr.port(), &ca, |_| {}).await;
    let answer = fetch(&mut b.ws, "good.test", None).await;
    let (code, message) = error(&answer);
    assert_eq!(code, ErrorCode::Https, "{message}");
    assert!(message.contains("not valid for name"), "{message}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_404_and_a_redirect_are_https_and_the_redirect_is_not_followed() {
    let ca = TestCa::new("mta-sts test CA");
    let names = [
        "mta-sts.good.test",
        "mta-sts.missing.test",
        "mta-sts.moved.test",
    ];
    let mut routes = good_routes();
    let location = "https://mta-sts.good.test/.well-known/mta-sts.txt";
    routes.push((
        "mta-sts.moved.test",
        response("301 Moved Permanently", &[("Location", location)], b""),
    ));
    let server = PolicyServer::start(&ca.issue(&names), routes).await;
    let dns = Dnsmasq::start(&zone()).expect("dnsmasq");
    let mut b = bridge(&dns, server.addr.port(), &ca, |_| {}).await;

    let answer = fetch(&mut b.ws, "missing.test", None).await;
    let (code, message) = error(&answer);
    assert_eq!(code, ErrorCode::Https, "{message}");
    assert!(message.contains("HTTP 404"), "{message}");

    let answer = fetch(&mut b.ws, "moved.test", None).await;
    let (code, message) = error(&answer);
    assert_eq!(code, ErrorCode::Https, "{message}");
    assert!(message.contains("HTTP 301"), "{message}");
    assert!(message.contains(location), "{message}");
    // Two requests: the 404 and the 301; the redirect's target was not asked.
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(requests
        .iter()
        .all(|r| !r.to_ascii_lowercase().contains("host: mta-sts.good.test")));
}

#[tokio::test]
async fn a_body_over_64_kib_is_https_with_or_without_a_length_and_64_kib_passes() {
    let ca = TestCa::new("mta-sts test CA");
    let names = [
        "mta-sts.big.test",
        "mta-sts.chunked.test",
        "mta-sts.exact.test",
    ];
    let exact = vec![b'a'; MAX_MTA_STS_POLICY_BYTES];
    let over = vec![b'a'; MAX_MTA_STS_POLICY_BYTES + 1];
    // Chunked: no length announced, so the limit stops the reading itself.
    let mut chunked =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for chunk in over.chunks(8 * 1024) {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let routes = vec![
        ("mta-sts.big.test", response("200 OK", &[], &over)),
        ("mta-sts.chunked.test", chunked),
        ("mta-sts.exact.test", response("200 OK", &[], &exact)),
    ];
    let server = PolicyServer::start(&ca.issue(&names), routes).await;
    let dns = Dnsmasq::start(&zone()).expect("dnsmasq");
    let mut b = bridge(&dns, server.addr.port(), &ca, |_| {}).await;
    for domain in ["big.test", "chunked.test"] {
        let answer = fetch(&mut b.ws, domain, None).await;
        let (code, message) = error(&answer);
        assert_eq!(code, ErrorCode::Https, "{domain}: {message}");
        assert!(message.contains("larger than 65536 bytes"), "{message}");
    }
    match fetch(&mut b.ws, "exact.test", None).await {
        ServerMessage::MtaStsPolicy {
            body, content_type, ..
        } => {
            assert_eq!(body.as_bytes(), exact.as_slice());
            assert_eq!(content_type, None);
        }
        other => panic!("expected the policy, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_domains_are_bad_requests_and_a_missing_name_is_nxdomain() {
    let ca = TestCa::new("mta-sts test CA");
    let server = PolicyServer::start(&ca.issue(&["mta-sts.good.test"]), good_routes()).await;
    let dns = Dnsmasq::start(&zone()).expect("dnsmasq");
    let mut b = bridge(&dns, server.addr.port(), &ca, |_| {}).await;
    let long = [
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(60),
    ]
    .join(".");
    for bad in [
        "",
        "a b",
        "good.test/../x",
        "good.test:443",
        "user@good.test",
        "exämple.test",
        long.as_str(),
    ] {
        let answer = fetch(&mut b.ws, bad, None).await;
        assert_eq!(error(&answer).0, ErrorCode::BadRequest, "{bad:?}");
    }
    let answer = fetch(&mut b.ws, "nosuch.test", None).await;
    let (code, message) = error(&answer);
    assert_eq!(code, ErrorCode::Nxdomain, "{message}");
    assert!(message.contains("mta-sts.nosuch.test"), "{message}");
    assert!(server.requests().is_empty());
    // The session goes on.
    assert!(matches!(
        fetch(&mut b.ws, "good.test", None).await,
        ServerMessage::MtaStsPolicy { .. }
    ));
}

#[tokio::test]
async fn the_bridges_target_rules_apply_to_the_policy_host() {
    let ca = TestCa::new("mta-sts test CA");
    let server = PolicyServer::start(&ca.issue(&["mta-sts.good.test"]), good_routes()).await;
    let dns = Dnsmasq::start(&zone()).expect("dnsmasq");
    let mut denied = bridge(&dns, server.addr.port(), &ca, |c| c.deny_internal = true).await;
    let answer = fetch(&mut denied.ws, "good.test", None).await;
    let (code, message) = error(&answer);
    assert_eq!(code, ErrorCode::Forbidden, "{message}");
    assert!(message.contains("127.0.0.1"), "{message}");
    let mut ruled = bridge(&dns, server.addr.port(), &ca, |c| {
        c.deny_targets = vec!["*.good.test".parse().expect("rule")];
    })
    .await;
    let (code, message) = error(&fetch(&mut ruled.ws, "good.test", None).await);
    assert_eq!(code, ErrorCode::Forbidden, "{message}");
    assert!(server.requests().is_empty());
    let mut allowed = bridge(&dns, server.addr.port(), &ca, |c| {
        c.deny_internal = true;
        c.allow_targets = vec!["127.0.0.1".parse().expect("rule")];
    })
    .await;
    assert!(matches!(
        fetch(&mut allowed.ws, "good.test", None).await,
        ServerMessage::MtaStsPolicy { .. }
    ));
}

#[tokio::test]
async fn a_server_that_never_finishes_tls_is_a_timeout() {
    let ca = TestCa::new("mta-sts test CA");
    // Accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((tcp, _)) = silent.accept().await {
            open.push(tcp);
        }
    });
    let dns = Dnsmasq::start(&zone()).expect("dnsmasq");
    let mut b = bridge(&dns, port, &ca, |c| {
        c.mta_sts_timeout = Duration::from_millis(500);
    })
    .await;
    let (code, message) = error(&fetch(&mut b.ws, "good.test", None).await);
    assert_eq!(code, ErrorCode::Timeout, "{message}");
    held.abort();
}

#[tokio::test]
async fn a_fetch_is_answered_during_a_relay_without_touching_it() {
    let ca = TestCa::new("mta-sts test CA");
    let server = PolicyServer::start(&ca.issue(&["mta-sts.good.test"]), good_routes()).await;
    let dns = Dnsmasq::start(&zone()).expect("dnsmasq");
    let echo = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let echo_port = echo.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let (mut tcp, _) = echo.accept().await.expect("accept");
        let mut buf = [0u8; 64];
        while let Ok(n) = tcp.read(&mut buf).await {
            if n == 0 || tcp.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    });
    let mut b = bridge(&dns, server.addr.port(), &ca, |c| {
        c.allowed_ports.push(echo_port);
    })
    .await;
    let connect = ClientMessage::Connect {
        host: "127.0.0.1".into(),
        port: echo_port,
        timeout_ms: None,
    };
    b.ws.send(Message::text(connect.encode()))
        .await
        .expect("send");
    assert!(matches!(
        control(&mut b.ws).await,
        ServerMessage::Connected { .. }
    ));
    assert!(matches!(
        fetch(&mut b.ws, "good.test", Some(1)).await,
        ServerMessage::MtaStsPolicy { id: Some(1), .. }
    ));
    b.ws.send(Message::binary(b"NOOP\r\n".to_vec()))
        .await
        .expect("send");
    match tokio::time::timeout(STEP, b.ws.next()).await {
        Ok(Some(Ok(Message::Binary(bytes)))) => assert_eq!(&bytes[..], b"NOOP\r\n"),
        other => panic!("expected the echo, got {other:?}"),
    }
}

#[tokio::test]
async fn the_binary_fetches_with_mta_sts_port_and_mta_sts_ca() {
    let ca = TestCa::new("mta-sts test CA");
    let server = PolicyServer::start(&ca.issue(&["mta-sts.good.test"]), good_routes()).await;
    let dns = Dnsmasq::start(&zone()).expect("dnsmasq");
    let dir = tempfile::tempdir().expect("tempdir");
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).expect("write");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_smtplab"))
        .args(["--listen", "127.0.0.1:0", "--token", TOKEN, "--no-sandbox"])
        .args(["--dns", &dns.addr.to_string()])
        .args(["--mta-sts-port", &server.addr.port().to_string()])
        .arg("--mta-sts-ca")
        .arg(&ca_file)
        .env_remove("SMTPLAB_TOKEN")
        .env("SMTPLAB_NO_BROWSER", "1")
        .env("HOME", dir.path())
        .env_remove("XDG_CONFIG_HOME")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn smtplab");
    let authority = url_line::authority(&mut child, STEP).await;
    let mut ws = session(&authority).await;
    match fetch(&mut ws, "good.test", None).await {
        ServerMessage::MtaStsPolicy { body, .. } => assert_eq!(body, POLICY),
        other => panic!("expected the policy, got {other:?}"),
    }
    let _ = child.kill().await;
}
