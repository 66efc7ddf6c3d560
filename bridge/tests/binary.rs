//! The real `smtplab` binary: the URL line and the page; the refusal to
//! listen off loopback without TLS (before binding anything); the warning
//! with `--insecure-listen`; HTTPS with `--tls-cert`/`--tls-key`; and a
//! graceful SIGTERM while a session is open, with the token never logged.

#[path = "common/websocket.rs"]
mod websocket;

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use smtplab_shared::wire::{ClientMessage, ClosedBy, ServerMessage};
use tokio::io::{
    AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, BufReader,
};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;

use websocket::control_past_bytes;

/// A distinctive token, so its absence from the log means something.
const SECRET: &str = "tok-Zq9-never-logged-7Hx";

fn smtplab(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smtplab"));
    cmd.args(args)
        .env_remove("SMTPLAB_TOKEN")
        .env("SMTPLAB_NO_BROWSER", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Reads the URL line; returns it and `host:port`.
async fn url_line(child: &mut Child) -> (String, String) {
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("the URL line in time")
    .expect("read stdout");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    let rest = url.split_once("://").expect("scheme").1;
    let authority = rest.split_once('/').expect("a path").0.to_owned();
    (line, authority)
}

fn sigterm(child: &Child) {
    let pid = child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());
}

/// Sends `GET path` with `Host: host` over `io`; returns the response text.
async fn get_over<I: AsyncRead + AsyncWrite + Unpin>(mut io: I, host: &str, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    io.write_all(request.as_bytes()).await.expect("request");
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), io.read_to_end(&mut response))
        .await
        .expect("response in time");
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn binary_prints_its_url_and_serves_the_page() {
    let mut child = smtplab(&["--listen", "127.0.0.1:0", "--token", "t"])
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn smtplab");
    let (line, authority) = url_line(&mut child).await;
    assert!(
        line.starts_with("smtplab listening on http://127.0.0.1:"),
        "{line:?}"
    );
    assert!(line.trim_end().ends_with("/?token=t"), "{line:?}");
    assert!(!authority.ends_with(":0"));
    let tcp = tokio::net::TcpStream::connect(&authority)
        .await
        .expect("connect");
    let response = get_over(tcp, &authority, "/?token=t").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("<html"), "{response}");
    sigterm(&child);
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("exits after SIGTERM")
        .expect("wait");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn a_public_listen_address_without_tls_is_refused_before_binding() {
    let output = tokio::time::timeout(
        Duration::from_secs(30),
        smtplab(&["--listen", "0.0.0.0:0", "--token", SECRET]).output(),
    )
    .await
    .expect("exits by itself")
    .expect("run smtplab");
    assert_eq!(output.status.code(), Some(2), "bad settings: exit code 2");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("listening"), "it served: {stdout}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0 without TLS"),
        "{stderr}"
    );
    assert!(stderr.contains("--insecure-listen"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
}

#[tokio::test]
async fn insecure_listen_warns_and_denies_internal_targets() {
    // Binds 0.0.0.0 but only ever talks to 127.0.0.1.
    let peer = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind peer");
    let peer_port = peer.local_addr().expect("addr").port().to_string();
    let mut child = smtplab(&[
        "--listen",
        "0.0.0.0:0",
        "--insecure-listen",
        "--token",
        SECRET,
        "--allow-port",
        &peer_port,
    ])
    .spawn()
    .expect("spawn smtplab");
    let (_, authority) = url_line(&mut child).await;
    let port = authority.rsplit_once(':').expect("port").1;
    let local = format!("127.0.0.1:{port}");
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{local}/ws?token={SECRET}"))
        .await
        .expect("handshake");
    let next_control = |m: Option<Result<Message, _>>| match m {
        Some(Ok(Message::Text(t))) => ServerMessage::decode(t.as_str()).expect("control"),
        other => panic!("expected a control message, got {other:?}"),
    };
    let hello = next_control(ws.next().await);
    assert!(matches!(hello, ServerMessage::Hello { .. }));
    futures_util::SinkExt::send(
        &mut ws,
        Message::text(
            ClientMessage::Connect {
                host: "127.0.0.1".into(),
                port: peer_port.parse().expect("port"),
                timeout_ms: None,
            }
            .encode(),
        ),
    )
    .await
    .expect("send");
    let answer = next_control(ws.next().await);
    assert!(
        matches!(&answer, ServerMessage::Error { message, .. } if message.contains("internal address")),
        "{answer:?}"
    );
    sigterm(&child);
    let out = tokio::time::timeout(Duration::from_secs(15), child.wait_with_output())
        .await
        .expect("exits after SIGTERM")
        .expect("wait");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: listening on 0.0.0.0:"),
        "{stderr}"
    );
    assert!(stderr.contains("clear text"), "{stderr}");
}

#[tokio::test]
async fn sigterm_closes_open_sessions_with_shutdown_and_exits_zero_without_logging_the_token() {
    let peer = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind peer");
    let peer_port = peer.local_addr().expect("addr").port();
    let mut child = smtplab(&[
        "--listen",
        "127.0.0.1:0",
        "--token",
        SECRET,
        "--allow-port",
        &peer_port.to_string(),
        "--shutdown-grace-ms",
        "3000",
    ])
    .env("RUST_LOG", "debug")
    .spawn()
    .expect("spawn smtplab");
    let (_, authority) = url_line(&mut child).await;
    let tcp = tokio::net::TcpStream::connect(&authority)
        .await
        .expect("connect");
    let page = get_over(tcp, &authority, &format!("/?token={SECRET}")).await;
    assert!(page.starts_with("HTTP/1.1 200"));
    let mut ws = websocket::session(&authority, SECRET, Duration::from_secs(10)).await;
    futures_util::SinkExt::send(
        &mut ws,
        Message::text(
            ClientMessage::Connect {
                host: "127.0.0.1".into(),
                port: peer_port,
                timeout_ms: None,
            }
            .encode(),
        ),
    )
    .await
    .expect("send");
    match ws.next().await {
        Some(Ok(Message::Text(t))) => assert!(t.as_str().contains("connected"), "{t}"),
        other => panic!("expected connected, got {other:?}"),
    }
    let (_server, _) = peer.accept().await.expect("accept");

    let stopped = Instant::now();
    sigterm(&child);
    let closed = control_past_bytes(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(
        closed,
        ServerMessage::Closed {
            by: ClosedBy::Bridge,
            reason: "shutdown".into()
        }
    );
    let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("exits within the deadline")
        .expect("wait");
    assert!(out.status.success(), "{:?}", out.status);
    assert!(
        stopped.elapsed() < Duration::from_secs(5),
        "{:?}",
        stopped.elapsed()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("session ended"),
        "debug log expected: {stderr}"
    );
    assert!(!stderr.contains(SECRET), "the token was logged: {stderr}");
}

#[tokio::test]
async fn with_a_certificate_the_page_is_served_over_https() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pair = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, pair.cert.pem()).expect("write");
    std::fs::write(&key, pair.signing_key.serialize_pem()).expect("write");
    let mut child = smtplab(&[
        "--listen",
        "127.0.0.1:0",
        "--token",
        SECRET,
        "--tls-cert",
        cert.to_str().expect("path"),
        "--tls-key",
        key.to_str().expect("path"),
    ])
    .spawn()
    .expect("spawn smtplab");
    let (line, authority) = url_line(&mut child).await;
    assert!(
        line.starts_with("smtplab listening on https://127.0.0.1:"),
        "{line}"
    );

    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pair.cert.der().clone()).expect("root");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let port = authority.rsplit_once(':').expect("port").1;
    let tcp = tokio::net::TcpStream::connect(&authority)
        .await
        .expect("connect");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let tls = connector.connect(name, tcp).await.expect("TLS handshake");
    let response = get_over(
        tls,
        &format!("localhost:{port}"),
        &format!("/?token={SECRET}"),
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let lower = response.to_ascii_lowercase();
    assert!(!lower.contains("set-cookie"), "{response}");
    assert!(
        lower.contains("connect-src 'self' wss://localhost:"),
        "{response}"
    );
    // Plain HTTP on the TLS port gets nothing served.
    let plain = tokio::net::TcpStream::connect(&authority)
        .await
        .expect("connect");
    let refused = get_over(plain, &authority, &format!("/?token={SECRET}")).await;
    assert!(!refused.contains("200 OK"), "{refused}");
    sigterm(&child);
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("exits")
        .expect("wait");
    assert!(status.success());
}
