//! The real `smtplab` binary with its embedded SMTP sandbox: the sandbox
//! line after the URL line, `GET /sandbox` and `/sandbox/messages`, a whole
//! delivery by the real engine through the bridge into the sandbox (with
//! internal targets denied, which still refuses other loopback ports),
//! `--no-sandbox`, a taken sandbox port (a warning; the bridge serves), and
//! an inbox filled with hostile bytes, served in bounded pages.
//!
//! Every sandbox here listens on `127.0.0.1:0`, so tests run in parallel and
//! never depend on 2525 being free.

#[path = "common/http.rs"]
mod http;
#[path = "common/process.rs"]
mod process;

use std::process::Stdio;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use smtplab_sandbox::{DEMO_PASSWORD, DEMO_USER};
use smtplab_shared::smtp::{Event, Outcome, Session, SessionSpec, Verdict};
use smtplab_shared::wire::{ClientMessage, ErrorCode, ServerMessage};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::process::{Child, ChildStdout, Command};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "sandbox-test-token";
const STEP: Duration = Duration::from_secs(20);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A running `smtplab` child with its stdout lines read so far.
struct Smtplab {
    child: Child,
    stdout: BufReader<ChildStdout>,
    /// `host:port` of the bridge.
    authority: String,
}

impl Smtplab {
    /// Spawns `smtplab --listen 127.0.0.1:0 --token TOKEN` plus `args` and
    /// reads the URL line.
    async fn spawn(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_smtplab"))
            .args(["--listen", "127.0.0.1:0", "--token", TOKEN])
            .args(args)
            .env_remove("SMTPLAB_TOKEN")
            .env("SMTPLAB_NO_BROWSER", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn smtplab");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let line = read_line(&mut stdout).await;
        assert!(line.starts_with("smtplab listening on http://"), "{line:?}");
        let url = line.split_whitespace().last().expect("url");
        let authority = url
            .trim_start_matches("http://")
            .split_once('/')
            .expect("path")
            .0
            .to_owned();
        Self {
            child,
            stdout,
            authority,
        }
    }

    /// A raw GET; the status and the body.
    async fn get(&self, path: &str) -> (u16, String) {
        http::get(&self.authority, path, STEP).await
    }

    async fn get_json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).expect("json body")
    }

    /// A WebSocket session and its `hello`.
    async fn session(&self) -> (Socket, ServerMessage) {
        let (mut ws, _) = tokio::time::timeout(
            STEP,
            tokio_tungstenite::connect_async(format!("ws://{}/ws?token={TOKEN}", self.authority)),
        )
        .await
        .expect("handshake in time")
        .expect("handshake");
        let hello = control(&mut ws).await;
        assert!(matches!(hello, ServerMessage::Hello { .. }), "{hello:?}");
        (ws, hello)
    }

    /// SIGTERM; waits for a clean exit and returns stderr and the rest of
    /// stdout.
    async fn stop(mut self) -> (String, String) {
        let out = process::terminate(self.child, STEP).await;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{:?}: {stderr}", out.status);
        let mut rest = String::new();
        let _ = self.stdout.read_to_string(&mut rest).await;
        (stderr, rest)
    }
}

async fn read_line(stdout: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    tokio::time::timeout(STEP, stdout.read_line(&mut line))
        .await
        .expect("a line in time")
        .expect("read stdout");
    line.trim_end().to_owned()
}

async fn control(ws: &mut Socket) -> ServerMessage {
    match tokio::time::timeout(STEP, ws.next())
        .await
        .expect("a frame in time")
    {
        Some(Ok(Message::Text(t))) => ServerMessage::decode(t.as_str()).expect("control"),
        other => panic!("expected a control message, got {other:?}"),
    }
}

async fn connect(ws: &mut Socket, host: &str, port: u16) -> ServerMessage {
    let msg = ClientMessage::Connect {
        host: host.into(),
        port,
        timeout_ms: None,
    };
    ws.send(Message::text(msg.encode())).await.expect("send");
    control(ws).await
}

/// The engine's spec: a delivery with AUTH PLAIN as the demo account.
fn spec(host: &str, port: u16) -> SessionSpec {
    serde_json::from_value(serde_json::json!({
        "host": host,
        "port": port,
        "ehlo_name": "client.smtplab.test",
        "auth": {"mechanism": "plain", "username": DEMO_USER, "password": DEMO_PASSWORD},
        "mail_from": "alice@smtplab.test",
        "rcpt_to": ["bob@smtplab.test"],
        "message": "Subject: through the bridge\r\n\r\nHello sandbox.\r\n",
        "timeouts": {"greeting_ms": 5000, "reply_ms": 5000}
    }))
    .expect("valid spec")
}

/// The dumb driver: `connect`, then feed what arrives (`handle_*`) and
/// drain every output (`poll_*`) until the engine's verdict.
async fn drive(ws: &mut Socket, spec: SessionSpec) -> Outcome {
    let started = Instant::now();
    let (host, port) = (spec.host.clone(), spec.port);
    let mut session = Session::new(spec);
    match connect(ws, &host, port).await {
        ServerMessage::Connected { .. } => session.handle_connected(started.elapsed()),
        other => panic!("expected connected, got {other:?}"),
    }
    loop {
        while let Some(bytes) = session.poll_transmit() {
            let _ = ws.send(Message::binary(bytes)).await;
        }
        while let Some(event) = session.poll_event() {
            if let Event::Finished(outcome) = event {
                let _ = ws.send(Message::text(ClientMessage::Close.encode())).await;
                return outcome;
            }
        }
        let timer = session.poll_timeout().map(|t| started + t);
        tokio::select! {
            frame = ws.next() => {
                let now = started.elapsed();
                match frame {
                    Some(Ok(Message::Binary(bytes))) => session.handle_input(now, &bytes),
                    Some(Ok(Message::Text(text))) => {
                        let msg = ServerMessage::decode(text.as_str()).expect("control");
                        if matches!(msg, ServerMessage::Closed { .. }) {
                            session.handle_closed(now);
                        }
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                    Some(Ok(Message::Close(_)) | Err(_)) | None => session.handle_closed(now),
                }
            }
            () = async {
                match timer {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => session.handle_timeout(started.elapsed()),
        }
    }
}

#[tokio::test]
async fn the_sandbox_receives_a_delivery_through_the_bridge_even_with_internal_targets_denied() {
    // Another loopback service the policy must keep refusing.
    let other = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let other_port = other.local_addr().expect("addr").port();
    let mut bridge = Smtplab::spawn(&[
        "--sandbox-listen",
        "127.0.0.1:0",
        "--deny-internal",
        "true",
        "--allow-port",
        &other_port.to_string(),
    ])
    .await;
    let line = read_line(&mut bridge.stdout).await;
    let addr = line
        .strip_prefix("SMTP sandbox on ")
        .and_then(|rest| rest.split_once(' '))
        .map(|(addr, _)| addr.to_owned())
        .unwrap_or_else(|| panic!("no sandbox line: {line:?}"));
    assert_eq!(
        line,
        format!("SMTP sandbox on {addr} (user demo@sandbox.smtplab, password smtplab-demo)")
    );
    let sandbox: std::net::SocketAddr = addr.parse().expect("sandbox address");
    assert!(sandbox.ip().is_loopback());
    assert_ne!(sandbox.port(), 0);

    let info = bridge.get_json(&format!("/sandbox?token={TOKEN}")).await;
    assert_eq!(info["enabled"], true);
    assert_eq!(info["addr"], addr);
    assert_eq!(info["user"], DEMO_USER);
    assert_eq!(info["password"], DEMO_PASSWORD);
    let (status, _) = bridge.get("/sandbox").await;
    assert_eq!(status, 401, "the token is required");
    let (status, _) = bridge.get("/sandbox/messages?token=wrong").await;
    assert_eq!(status, 401);
    assert_eq!(
        bridge
            .get_json(&format!("/sandbox/messages?token={TOKEN}"))
            .await,
        serde_json::json!({"total": 0, "messages": [], "next_before": null})
    );

    // The hello announces the sandbox's port among the allowed ones.
    let (mut ws, hello) = bridge.session().await;
    match hello {
        ServerMessage::Hello { policy, .. } => {
            assert!(policy.allowed_ports.contains(&sandbox.port()), "{policy:?}");
        }
        other => panic!("{other:?}"),
    }
    let outcome = drive(&mut ws, spec("127.0.0.1", sandbox.port())).await;
    assert_eq!(outcome.verdict, Verdict::Delivered, "{outcome:?}");
    let queue = outcome.queue_id.expect("queue id");

    let messages = bridge
        .get_json(&format!("/sandbox/messages?token={TOKEN}"))
        .await;
    assert_eq!(messages["total"], 1, "{messages}");
    let list = messages["messages"].as_array().expect("array");
    assert_eq!(list.len(), 1, "{messages}");
    let m = &list[0];
    assert!(
        queue.ends_with(m["queue_id"].as_str().expect("queue_id")),
        "{queue} vs {m}"
    );
    assert_eq!(m["authenticated_as"], DEMO_USER);
    assert_eq!(m["rcpt_to"][0], "bob@smtplab.test");
    assert_eq!(m["headers"][0][0], "Subject");
    assert_eq!(m["headers"][0][1], "through the bridge");
    assert_eq!(m["body"], "Hello sandbox.\r\n");

    // Internal targets are denied: another loopback port is refused, and
    // so is the sandbox's port on another loopback address.
    let (mut ws, _) = bridge.session().await;
    match connect(&mut ws, "127.0.0.1", other_port).await {
        ServerMessage::Error { code, message } => {
            assert_eq!(code, ErrorCode::Forbidden, "{message}");
            assert!(message.contains("internal address"), "{message}");
        }
        other => panic!("expected forbidden, got {other:?}"),
    }
    match connect(&mut ws, "127.0.0.2", sandbox.port()).await {
        ServerMessage::Error { code, .. } => assert_eq!(code, ErrorCode::Forbidden),
        other => panic!("expected forbidden, got {other:?}"),
    }
    // The refusals connected nothing.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), other.accept())
            .await
            .is_err(),
        "a refused target was connected to"
    );
    drop(ws);
    let (_, rest) = bridge.stop().await;
    assert_eq!(
        rest, "Press Ctrl+C (or close this window) to stop smtplab.\n",
        "after the sandbox line, only how to stop"
    );
    // The sandbox stopped with the bridge.
    assert!(
        tokio::net::TcpStream::connect(sandbox).await.is_err(),
        "the sandbox still listens after the bridge exited"
    );
}

/// Sends one message of `content` over an SMTP connection past its EHLO.
async fn deliver_raw(smtp: &mut BufReader<tokio::net::TcpStream>, content: &[u8]) {
    use tokio::io::AsyncWriteExt as _;
    async fn reply(smtp: &mut BufReader<tokio::net::TcpStream>) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            tokio::time::timeout(STEP, smtp.read_line(&mut line))
                .await
                .expect("reply in time")
                .expect("read reply");
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return all;
            }
        }
    }
    for (command, code) in [
        (&b"MAIL FROM:<a@b.test>\r\n"[..], "250"),
        (b"RCPT TO:<c@d.test>\r\n", "250"),
        (b"DATA\r\n", "354"),
    ] {
        smtp.get_mut().write_all(command).await.expect("send");
        let answer = reply(smtp).await;
        assert!(answer.starts_with(code), "{answer}");
    }
    smtp.get_mut().write_all(content).await.expect("content");
    smtp.get_mut()
        .write_all(b"\r\n.\r\n")
        .await
        .expect("end of data");
    let answer = reply(smtp).await;
    assert!(answer.starts_with("250"), "{answer}");
}

/// Issue 16's attack: 33 messages of 1 MB of `\x01`, each served as 6 MB
/// of JSON escapes, made one 199 MB response. Now the inbox counts what
/// the JSON costs and `/sandbox/messages` serves bounded pages, newest
/// first, with the total.
#[tokio::test]
async fn an_inbox_of_hostile_bytes_is_bounded_and_served_in_pages() {
    const MB: usize = 1 << 20;
    let mut bridge = Smtplab::spawn(&["--sandbox-listen", "127.0.0.1:0"]).await;
    let line = read_line(&mut bridge.stdout).await;
    let addr = line
        .strip_prefix("SMTP sandbox on ")
        .and_then(|rest| rest.split_once(' '))
        .map(|(addr, _)| addr.to_owned())
        .unwrap_or_else(|| panic!("no sandbox line: {line:?}"));
    let tcp = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let mut smtp = BufReader::new(tcp);
    let mut greeting = String::new();
    smtp.read_line(&mut greeting).await.expect("greeting");
    {
        use tokio::io::AsyncWriteExt as _;
        smtp.get_mut()
            .write_all(b"EHLO hostile.test\r\n")
            .await
            .expect("ehlo");
        let mut line = String::new();
        while !line.starts_with("250 ") {
            line.clear();
            smtp.read_line(&mut line).await.expect("ehlo reply");
        }
    }
    let control = vec![0x01u8; 1_000_000];
    let invalid = vec![0xffu8; 1_000_000];
    for i in 0..33 {
        deliver_raw(&mut smtp, if i % 2 == 0 { &control } else { &invalid }).await;
    }
    // Small ones last, so the newest page holds several.
    for i in 0..5 {
        deliver_raw(
            &mut smtp,
            format!("Subject: small {i}\r\n\r\nhi").as_bytes(),
        )
        .await;
    }

    let (status, body) = bridge
        .get(&format!("/sandbox/messages?token={TOKEN}&limit=x"))
        .await;
    assert_eq!(status, 400, "{body}");

    let mut seen: Vec<u64> = Vec::new();
    let mut served = 0usize;
    let mut total = None;
    let mut path = format!("/sandbox/messages?token={TOKEN}");
    loop {
        let (status, body) = bridge.get(&path).await;
        assert_eq!(status, 200);
        assert!(body.len() <= 7 * MB, "one response of {} bytes", body.len());
        served += body.len();
        let page: serde_json::Value = serde_json::from_str(&body).expect("json");
        let messages = page["messages"].as_array().expect("messages");
        assert!(
            body.len() <= 4 * MB + 1024 || messages.len() == 1,
            "{} messages in {} bytes",
            messages.len(),
            body.len()
        );
        let count = page["total"].as_u64().expect("total");
        assert_eq!(*total.get_or_insert(count), count);
        seen.extend(messages.iter().map(|m| m["id"].as_u64().expect("id")));
        match page["next_before"].as_u64() {
            Some(before) => path = format!("/sandbox/messages?token={TOKEN}&before={before}"),
            None => break,
        }
    }
    // Newest first, each once, as many as the total; all the pages
    // together within the inbox's 32 MiB.
    assert_eq!(seen.first(), Some(&38), "the newest first: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
    assert_eq!(Some(seen.len() as u64), total);
    assert!(seen.len() < 38, "old messages were dropped: {seen:?}");
    assert!(
        served <= 32 * MB + 64 * 1024,
        "{served} bytes served in all"
    );
    // The limit cuts a page by count.
    let two = bridge
        .get_json(&format!("/sandbox/messages?token={TOKEN}&limit=2"))
        .await;
    let ids: Vec<u64> = two["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["id"].as_u64().expect("id"))
        .collect();
    assert_eq!((ids, two["next_before"].as_u64()), (vec![38, 37], Some(37)));
    drop(smtp);
    bridge.stop().await;
}

#[tokio::test]
async fn no_sandbox_turns_it_off() {
    let bridge = Smtplab::spawn(&["--no-sandbox"]).await;
    let info = bridge.get_json(&format!("/sandbox?token={TOKEN}")).await;
    assert_eq!(info, serde_json::json!({"enabled": false}));
    let (status, body) = bridge
        .get(&format!("/sandbox/messages?token={TOKEN}"))
        .await;
    assert_eq!(status, 404, "{body}");
    let (stderr, rest) = bridge.stop().await;
    assert!(!stderr.contains("SMTP sandbox"), "{stderr}");
    assert_eq!(
        rest, "Press Ctrl+C (or close this window) to stop smtplab.\n",
        "no sandbox line between the URL line and how to stop"
    );
}

#[tokio::test]
async fn a_taken_sandbox_port_is_a_warning_and_the_bridge_still_serves() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let bridge = Smtplab::spawn(&["--sandbox-listen", &format!("127.0.0.1:{port}")]).await;
    let (status, page) = bridge.get(&format!("/?token={TOKEN}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<html"), "{page}");
    let info = bridge.get_json(&format!("/sandbox?token={TOKEN}")).await;
    assert_eq!(info["enabled"], false);
    let (stderr, rest) = bridge.stop().await;
    assert!(
        stderr.contains(&format!(
            "warning: SMTP sandbox not started (cannot listen on 127.0.0.1:{port}"
        )),
        "{stderr}"
    );
    assert!(!rest.contains("SMTP sandbox"), "{rest}");
}

#[tokio::test]
async fn a_public_sandbox_address_is_refused_before_binding() {
    let out = tokio::time::timeout(
        STEP,
        Command::new(env!("CARGO_BIN_EXE_smtplab"))
            .args(["--listen", "127.0.0.1:0", "--token", TOKEN])
            .args(["--sandbox-listen", "0.0.0.0:0"])
            .env("SMTPLAB_NO_BROWSER", "1")
            .output(),
    )
    .await
    .expect("exits by itself")
    .expect("run smtplab");
    assert_eq!(out.status.code(), Some(2), "bad settings: exit code 2");
    assert!(String::from_utf8_lossy(&out.stdout).is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid --sandbox-listen"), "{stderr}");
}
