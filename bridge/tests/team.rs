//! A bridge for a whole team (issue 19), on loopback only: the user a
//! trusted proxy names instead of the token (and the header ignored from
//! any other address), per-user session and byte limits, `/metrics` counts,
//! `/healthz` and `/readyz`, the drain on a real SIGTERM to the binary, and
//! the JSON audit line with no secret in it.

#[path = "common/command.rs"]
mod command;
#[path = "common/http.rs"]
mod http;
#[path = "common/in_process.rs"]
mod in_process;
#[path = "common/url_line.rs"]
mod url_line;
#[path = "common/websocket.rs"]
mod websocket;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures_util::{SinkExt as _, StreamExt as _};
use smtplab_bridge::identity::ProxyTrust;
use smtplab_bridge::users::UserLimits;
use smtplab_bridge::{AccessToken, Config};
use smtplab_shared::wire::{ClientMessage, ClosedBy, ErrorCode, ServerMessage};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpSocket};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::MaybeTlsStream;
use websocket::{control, control_past_bytes, Socket};

const TOKEN: &str = "team-token";
const HEADER: &str = "X-Forwarded-User";
const STEP: Duration = Duration::from_secs(10);
/// The address the tests' trusted proxy connects from; 127.0.0.2 is not
/// trusted.
const TRUSTED: Ipv4Addr = Ipv4Addr::LOCALHOST;
const UNTRUSTED: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

/// The defaults, the test token, `port` allowed, the user header trusted
/// from 127.0.0.1 only.
fn team_config(port: u16) -> Config {
    let mut config = Config::new(AccessToken::parse(TOKEN).expect("token"));
    config.allowed_ports = vec![port];
    config.proxy_trust =
        ProxyTrust::from_settings(Some(HEADER), &["127.0.0.1/32".to_owned()]).expect("valid");
    config
}

/// A TCP echo peer on 127.0.0.1; its port.
async fn echo_peer() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind echo");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = tcp.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    port
}

/// A free port on 127.0.0.1 (bound, then let go).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// The `/ws` handshake from `from` with `query` (`?token=…` or empty) and
/// `headers`; the raw result.
async fn handshake(
    bridge: SocketAddr,
    from: Ipv4Addr,
    query: &str,
    headers: &[(&str, &[u8])],
) -> Result<Socket, WsError> {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::from((from, 0)))
        .expect("bind the client's address");
    let tcp = socket.connect(bridge).await.expect("connect");
    let mut request = format!("ws://{bridge}/ws{query}")
        .into_client_request()
        .expect("request");
    for (name, value) in headers {
        request.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).expect("name"),
            HeaderValue::from_bytes(value).expect("value"),
        );
    }
    let (ws, _) = tokio::time::timeout(
        STEP,
        tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(tcp)),
    )
    .await
    .expect("handshake in time")?;
    Ok(ws)
}

/// The HTTP status a refused handshake got.
fn status(result: Result<Socket, WsError>) -> u16 {
    match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected an HTTP refusal, got an upgrade"),
    }
}

/// A session of `user` (through the trusted address, no token), past
/// `hello`.
async fn user_session(bridge: SocketAddr, user: &str) -> Socket {
    let mut ws = handshake(bridge, TRUSTED, "", &[(HEADER, user.as_bytes())])
        .await
        .expect("a trusted user's handshake");
    assert!(matches!(
        control(&mut ws, STEP).await,
        ServerMessage::Hello { .. }
    ));
    ws
}

async fn send_control(ws: &mut Socket, msg: &ClientMessage) {
    ws.send(Message::text(msg.encode())).await.expect("send");
}

/// Connects `ws` to 127.0.0.1:`port`.
async fn connect(ws: &mut Socket, port: u16) {
    let connect = ClientMessage::Connect {
        host: "127.0.0.1".into(),
        port,
        timeout_ms: None,
    };
    send_control(ws, &connect).await;
    let reply = control(ws, STEP).await;
    assert!(
        matches!(reply, ServerMessage::Connected { .. }),
        "{reply:?}"
    );
}

/// Sends `bytes` and reads as many back (an echo peer); a control message
/// instead is the `Err`.
async fn echo(ws: &mut Socket, bytes: &[u8]) -> Result<(), ServerMessage> {
    ws.send(Message::binary(bytes.to_vec()))
        .await
        .expect("send");
    let mut got = Vec::new();
    while got.len() < bytes.len() {
        match tokio::time::timeout(STEP, ws.next())
            .await
            .expect("echo in time")
        {
            Some(Ok(Message::Binary(b))) => got.extend_from_slice(&b),
            Some(Ok(Message::Text(t))) => {
                return Err(ServerMessage::decode(t.as_str()).expect("control"))
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected the echo, got {other:?}"),
        }
    }
    assert_eq!(got, bytes);
    Ok(())
}

/// Sends `close` and reads up to the `closed` the client asked for.
async fn close(ws: &mut Socket) {
    send_control(ws, &ClientMessage::Close).await;
    let closed = control_past_bytes(ws, STEP).await;
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
}

fn is_limit(msg: &ServerMessage) -> bool {
    matches!(
        msg,
        ServerMessage::Error {
            code: ErrorCode::Limit,
            ..
        }
    )
}

/// The sum of the samples of `name` whose labels contain `labels`.
fn sample(text: &str, name: &str, labels: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| {
            let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
            metric == name && rest.contains(labels)
        })
        .filter_map(|(_, v)| v.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn a_trusted_proxys_header_is_the_user_and_needs_no_token() {
    let port = echo_peer().await;
    let bridge = in_process::start(team_config(port)).await;
    let mut ws = user_session(bridge.addr, "alice@example.org").await;
    connect(&mut ws, port).await;
    echo(&mut ws, b"EHLO team\r\n").await.expect("relayed");
    close(&mut ws).await;
    // The trusted address without the header: the token decides.
    assert_eq!(status(handshake(bridge.addr, TRUSTED, "", &[]).await), 401);
    let with_token = handshake(bridge.addr, TRUSTED, &format!("?token={TOKEN}"), &[]).await;
    assert!(with_token.is_ok(), "the token still works");
    // Host and Origin are still checked for a proxied user.
    let foreign = handshake(
        bridge.addr,
        TRUSTED,
        "",
        &[(HEADER, b"alice"), ("Origin", b"http://evil.example")],
    )
    .await;
    assert_eq!(status(foreign), 403);
}

#[tokio::test]
async fn the_header_from_an_untrusted_address_is_ignored_and_the_token_is_needed() {
    let port = echo_peer().await;
    let bridge = in_process::start(team_config(port)).await;
    let claimed = handshake(bridge.addr, UNTRUSTED, "", &[(HEADER, b"alice")]).await;
    assert_eq!(
        status(claimed),
        401,
        "the header is no identity from 127.0.0.2"
    );
    let wrong = handshake(bridge.addr, UNTRUSTED, "?token=nope", &[(HEADER, b"alice")]).await;
    assert_eq!(status(wrong), 401);
    let mut ws = handshake(
        bridge.addr,
        UNTRUSTED,
        &format!("?token={TOKEN}"),
        &[(HEADER, b"alice")],
    )
    .await
    .expect("with the token it is an ordinary session");
    assert!(matches!(
        control(&mut ws, STEP).await,
        ServerMessage::Hello { .. }
    ));
    connect(&mut ws, port).await;
    echo(&mut ws, b"hello").await.expect("relayed");
}

#[tokio::test]
async fn a_bad_or_doubled_user_header_from_the_proxy_is_refused_with_400() {
    let bridge = in_process::start(team_config(2525)).await;
    let long = vec![b'a'; 129];
    // (Leading and trailing blanks never reach the bridge: HTTP trims them.)
    for bad in [
        &b"\xff\xfe"[..],
        b"ali\tce",
        "ali\u{2028}ce".as_bytes(),
        &long,
    ] {
        let refused = handshake(bridge.addr, TRUSTED, "", &[(HEADER, bad)]).await;
        assert_eq!(status(refused), 400, "{bad:?}");
    }
    let twice = handshake(
        bridge.addr,
        TRUSTED,
        &format!("?token={TOKEN}"),
        &[(HEADER, b"alice"), (HEADER, b"bob")],
    )
    .await;
    assert_eq!(
        status(twice),
        400,
        "two user headers are refused even with a token"
    );
    let max = vec![b'a'; 128];
    assert!(handshake(bridge.addr, TRUSTED, "", &[(HEADER, &max)])
        .await
        .is_ok());
}

#[tokio::test]
async fn the_per_user_session_limit_gives_limit_and_other_users_go_on() {
    let port = echo_peer().await;
    let mut config = team_config(port);
    config.user_limits = UserLimits {
        max_sessions: Some(1),
        max_bytes_per_hour: None,
    };
    let bridge = in_process::start(config).await;
    let mut first = user_session(bridge.addr, "dave").await;
    let mut second = user_session(bridge.addr, "dave").await;
    let refusal = control(&mut second, STEP).await;
    assert!(is_limit(&refusal), "{refusal:?}");
    let ServerMessage::Error { message, .. } = refusal else {
        unreachable!()
    };
    assert!(
        message.contains("your user already has 1 sessions"),
        "{message}"
    );
    let mut erin = user_session(bridge.addr, "erin").await;
    connect(&mut erin, port).await;
    echo(&mut erin, b"erin's bytes").await.expect("relayed");
    connect(&mut first, port).await;
    close(&mut first).await;
    drop(first);
    // Once dave's session ended, he may open one again.
    let deadline = Instant::now() + STEP;
    loop {
        let mut again = user_session(bridge.addr, "dave").await;
        send_control(&mut again, &ClientMessage::Close).await;
        match control(&mut again, STEP).await {
            ServerMessage::Closed { .. } => break,
            msg if is_limit(&msg) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => panic!("dave after closing: {other:?}"),
        }
    }
}

#[tokio::test]
async fn users_behind_the_trusted_proxy_are_not_held_to_one_clients_share() {
    // Every user behind the proxy comes from its address: the per-client
    // limits (connections and sessions) would make the proxy one client.
    let port = echo_peer().await;
    let mut config = team_config(port);
    config.max_sessions_per_client = 1;
    config.max_connections_per_client = 1;
    let bridge = in_process::start(config).await;
    let mut users = Vec::new();
    for user in ["fay", "gus", "hal"] {
        let mut ws = user_session(bridge.addr, user).await;
        connect(&mut ws, port).await;
        echo(&mut ws, user.as_bytes()).await.expect("relayed");
        users.push(ws);
    }
    // A direct client (with the token) still gets one session only.
    let mut one = handshake(bridge.addr, UNTRUSTED, &format!("?token={TOKEN}"), &[])
        .await
        .expect("the first direct session");
    assert!(matches!(
        control(&mut one, STEP).await,
        ServerMessage::Hello { .. }
    ));
    let second = handshake(bridge.addr, UNTRUSTED, &format!("?token={TOKEN}"), &[]).await;
    match second {
        // Over the connection share the TCP connection is closed at once.
        Err(_) => {}
        Ok(mut ws) => {
            let msg = control(&mut ws, STEP).await;
            let msg = if matches!(msg, ServerMessage::Hello { .. }) {
                control(&mut ws, STEP).await
            } else {
                msg
            };
            assert!(is_limit(&msg), "a second direct session: {msg:?}");
        }
    }
}

#[tokio::test]
async fn the_per_user_byte_limit_ends_the_session_with_limit_and_refuses_new_ones() {
    let port = echo_peer().await;
    let mut config = team_config(port);
    config.user_limits = UserLimits {
        max_sessions: None,
        max_bytes_per_hour: Some(1000),
    };
    let bridge = in_process::start(config).await;
    let mut frank = user_session(bridge.addr, "frank").await;
    connect(&mut frank, port).await;
    echo(&mut frank, &[b'x'; 400])
        .await
        .expect("800 bytes both ways");
    let ended = echo(&mut frank, &[b'y'; 400])
        .await
        .expect_err("past 1000 bytes");
    assert!(is_limit(&ended), "{ended:?}");
    assert_eq!(
        control_past_bytes(&mut frank, STEP).await,
        ServerMessage::Closed {
            by: ClosedBy::Bridge,
            reason: "user byte limit".into()
        }
    );
    // Within the hour frank gets no new session, grace does.
    let mut again = user_session(bridge.addr, "frank").await;
    let refusal = control(&mut again, STEP).await;
    assert!(is_limit(&refusal), "{refusal:?}");
    let mut grace = user_session(bridge.addr, "grace").await;
    connect(&mut grace, port).await;
    echo(&mut grace, &[b'z'; 400])
        .await
        .expect("grace's own allowance");
}

#[tokio::test]
async fn metrics_count_what_the_sessions_did_and_the_probes_answer() {
    const SESSIONS: usize = 3;
    let port = echo_peer().await;
    let metrics_port = free_port();
    let mut config = team_config(port);
    config.metrics_listen = Some(SocketAddr::from((Ipv4Addr::LOCALHOST, metrics_port)));
    let bridge = in_process::start(config).await;
    let metrics = format!("127.0.0.1:{metrics_port}");
    // The listener is bound inside `run`: wait for it.
    let deadline = Instant::now() + STEP;
    while tokio::net::TcpStream::connect(&metrics).await.is_err() {
        assert!(Instant::now() < deadline, "no metrics listener");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut sent = 0;
    for n in 0..SESSIONS {
        let mut ws = user_session(bridge.addr, "alice").await;
        connect(&mut ws, port).await;
        let bytes = vec![b'm'; 100 * (n + 1)];
        echo(&mut ws, &bytes).await.expect("relayed");
        sent += bytes.len();
        close(&mut ws).await;
    }
    assert_eq!(
        status(handshake(bridge.addr, UNTRUSTED, "", &[]).await),
        401
    );
    let deadline = Instant::now() + STEP;
    let text = loop {
        let (code, text) = http::get(&metrics, "/metrics", STEP).await;
        assert_eq!(code, 200);
        if sample(&text, "smtplab_sessions_open", "") == 0.0
            && sample(&text, "smtplab_sessions_total", "") == SESSIONS as f64
        {
            break text;
        }
        assert!(Instant::now() < deadline, "sessions never ended: {text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let n = SESSIONS as f64;
    assert_eq!(
        sample(&text, "smtplab_user_sessions_total", "user=\"alice\""),
        n
    );
    assert_eq!(
        sample(&text, "smtplab_connect_seconds_count", ""),
        n,
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "smtplab_relay_bytes_total",
            "direction=\"to_server\""
        ),
        sent as f64
    );
    assert_eq!(
        sample(
            &text,
            "smtplab_relay_bytes_total",
            "direction=\"to_client\""
        ),
        sent as f64
    );
    assert_eq!(
        sample(&text, "smtplab_sessions_refused_total", "reason=\"token\""),
        1.0
    );
    assert_eq!(
        sample(
            &text,
            "smtplab_sessions_refused_total",
            "reason=\"draining\""
        ),
        0.0
    );
    assert!(
        text.contains("smtplab_dns_lookups_total{result=\"nxdomain\"} 0"),
        "{text}"
    );
    for authority in [metrics.clone(), bridge.addr.to_string()] {
        assert_eq!(
            http::get(&authority, "/healthz", STEP).await,
            (200, "ok\n".into())
        );
        assert_eq!(
            http::get(&authority, "/readyz", STEP).await,
            (200, "ready\n".into())
        );
    }
    // The probes answer whatever Host a platform's checker sends; the rest
    // of the main listener still checks it.
    let mut tcp = tokio::net::TcpStream::connect(bridge.addr)
        .await
        .expect("connect");
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: pod-10-1-2-3:8025\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut raw = String::new();
    tcp.read_to_string(&mut raw).await.expect("read");
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert_eq!(
        http::get(&metrics, "/status", STEP).await.0,
        404,
        "nothing else there"
    );
    assert_eq!(
        http::get(&bridge.addr.to_string(), "/metrics", STEP)
            .await
            .0,
        404
    );
}

/// Sends SIGTERM to `child`.
fn sigterm(child: &tokio::process::Child) {
    let pid = child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());
}

#[tokio::test]
async fn sigterm_drains_then_closes_what_is_left_after_the_grace() {
    const GRACE: Duration = Duration::from_millis(3000);
    let port = echo_peer().await;
    let metrics_port = free_port();
    let home = tempfile::tempdir().expect("home");
    let mut child = command::smtplab(home.path())
        .args(["--listen", "127.0.0.1:0", "--no-sandbox", "--token", TOKEN])
        .args(["--allow-port", &port.to_string()])
        .args(["--shutdown-grace-ms", &GRACE.as_millis().to_string()])
        .args(["--metrics-listen", &format!("127.0.0.1:{metrics_port}")])
        .spawn()
        .expect("spawn smtplab");
    let authority = url_line::authority(&mut child, STEP).await;
    let metrics = format!("127.0.0.1:{metrics_port}");
    let mut finishing = websocket::session(&authority, TOKEN, STEP).await;
    connect(&mut finishing, port).await;
    let mut idle = websocket::session(&authority, TOKEN, STEP).await;
    connect(&mut idle, port).await;
    assert_eq!(http::get(&authority, "/readyz", STEP).await.0, 200);

    let signalled = Instant::now();
    sigterm(&child);
    loop {
        if http::get(&authority, "/readyz", STEP).await.0 == 503 {
            break;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(2),
            "readyz never turned 503"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(http::get(&metrics, "/readyz", STEP).await.0, 503);
    assert_eq!(
        http::get(&authority, "/healthz", STEP).await.0,
        200,
        "still alive"
    );
    assert_eq!(http::get(&metrics, "/healthz", STEP).await.0, 200);
    // An open relay keeps working until it ends.
    echo(&mut finishing, b"still relaying while draining")
        .await
        .expect("relayed while draining");
    close(&mut finishing).await;
    // A new upgrade gets 503, counted as draining.
    let refused =
        tokio_tungstenite::connect_async(format!("ws://{authority}/ws?token={TOKEN}")).await;
    match refused {
        Err(WsError::Http(response)) => assert_eq!(response.status().as_u16(), 503),
        other => panic!(
            "a new upgrade while draining: {:?}",
            other.map(|_| "upgraded")
        ),
    }
    let (_, text) = http::get(&metrics, "/metrics", STEP).await;
    assert_eq!(
        sample(
            &text,
            "smtplab_sessions_refused_total",
            "reason=\"draining\""
        ),
        1.0,
        "{text}"
    );
    // The one still open is closed by `shutdown` once the grace has passed.
    let closed = control_past_bytes(&mut idle, STEP).await;
    assert_eq!(
        closed,
        ServerMessage::Closed {
            by: ClosedBy::Bridge,
            reason: "shutdown".into()
        }
    );
    let waited = signalled.elapsed();
    assert!(
        waited + Duration::from_millis(300) >= GRACE,
        "closed after {waited:?}"
    );
    let out = tokio::time::timeout(STEP, child.wait_with_output())
        .await
        .expect("exits after the grace")
        .expect("wait");
    assert!(out.status.success(), "{:?}", out.status);
    assert!(
        signalled.elapsed() < GRACE + Duration::from_secs(4),
        "{:?}",
        signalled.elapsed()
    );
}

/// An SMTP-shaped peer on 127.0.0.1: a greeting, then `250 ok` to every
/// line; its port.
async fn smtp_stub() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind stub");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (r, mut w) = tcp.into_split();
                let _ = w.write_all(b"220 stub ESMTP\r\n").await;
                let mut lines = BufReader::new(r).lines();
                while let Ok(Some(_)) = lines.next_line().await {
                    if w.write_all(b"250 ok\r\n").await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

/// Sends `line` through the relay and reads until a reply line ends.
async fn exchange(ws: &mut Socket, line: &[u8]) {
    ws.send(Message::binary(line.to_vec())).await.expect("send");
    let mut got = Vec::new();
    while !got.ends_with(b"\r\n") {
        match tokio::time::timeout(STEP, ws.next())
            .await
            .expect("reply in time")
        {
            Some(Ok(Message::Binary(b))) => got.extend_from_slice(&b),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a reply, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_json_audit_line_has_every_field_and_no_secret() {
    const PASSWORD: &str = "Tr0ub4dor-team-secret";
    const BODY_MARK: &str = "payload-marker-9d1c";
    let port = smtp_stub().await;
    let home = tempfile::tempdir().expect("home");
    let mut child = command::smtplab(home.path())
        .args(["--listen", "127.0.0.1:0", "--no-sandbox", "--token", TOKEN])
        .args(["--allow-port", &port.to_string()])
        .args(["--log-format", "json"])
        .args([
            "--trust-proxy-header",
            HEADER,
            "--trusted-proxy",
            "127.0.0.1/32",
        ])
        .env("RUST_LOG", "debug")
        .spawn()
        .expect("spawn smtplab");
    let authority = url_line::authority(&mut child, STEP).await;
    let bridge: SocketAddr = authority.parse().expect("addr");
    // carol, named by the trusted proxy, authenticates in plaintext.
    let mut carol = user_session(bridge, "carol").await;
    connect(&mut carol, port).await;
    let greeting_or_more = next_frame(&mut carol).await;
    assert!(greeting_or_more.starts_with(b"220"), "{greeting_or_more:?}");
    let blob = base64::engine::general_purpose::STANDARD.encode(format!("\0carol\0{PASSWORD}"));
    exchange(&mut carol, format!("AUTH PLAIN {blob}\r\n").as_bytes()).await;
    exchange(
        &mut carol,
        format!("MAIL FROM:<{BODY_MARK}@example.org>\r\n").as_bytes(),
    )
    .await;
    close(&mut carol).await;
    // A session from an untrusted address with a claimed user: no user.
    let mut anonymous = handshake(
        bridge,
        UNTRUSTED,
        &format!("?token={TOKEN}"),
        &[(HEADER, b"mallory")],
    )
    .await
    .expect("with the token");
    assert!(matches!(
        control(&mut anonymous, STEP).await,
        ServerMessage::Hello { .. }
    ));
    close(&mut anonymous).await;
    // Both audit lines are written as the sessions end; then stop.
    tokio::time::sleep(Duration::from_millis(300)).await;
    sigterm(&child);
    let out = tokio::time::timeout(STEP, child.wait_with_output())
        .await
        .expect("exits")
        .expect("wait");
    assert!(out.status.success(), "{:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut records = Vec::new();
    for line in stderr.lines().filter(|l| l.starts_with('{')) {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if value["event"] == "session" {
            records.push(value);
        }
    }
    assert_eq!(records.len(), 2, "{stderr}");
    let carol = records
        .iter()
        .find(|r| r["user"] == "carol")
        .unwrap_or_else(|| panic!("no line of carol: {stderr}"));
    assert!(carol["client"]
        .as_str()
        .is_some_and(|c| c.starts_with("127.0.0.1:")));
    assert_eq!(carol["target_host"], "127.0.0.1");
    assert_eq!(carol["target_port"], port);
    assert_eq!(carol["target_addr"], format!("127.0.0.1:{port}"));
    let start = carol["start"].as_str().expect("start");
    assert!(
        start.len() == 24 && start.ends_with('Z') && start.contains('T'),
        "{start}"
    );
    assert!(carol["duration_ms"].is_u64());
    assert!(carol["bytes_to_server"].as_u64().is_some_and(|n| n > 40));
    assert!(carol["bytes_to_client"].as_u64().is_some_and(|n| n > 10));
    assert_eq!(carol["end"], "close requested");
    let other = records
        .iter()
        .find(|r| r["user"].is_null())
        .unwrap_or_else(|| panic!("no line without a user: {stderr}"));
    assert!(other["client"]
        .as_str()
        .is_some_and(|c| c.starts_with("127.0.0.2:")));
    assert!(other["target_host"].is_null() && other["target_addr"].is_null());
    for (what, secret) in [
        ("the password", PASSWORD),
        ("AUTH PLAIN's blob", blob.as_str()),
        ("the token", TOKEN),
        ("the message's bytes", BODY_MARK),
        ("the command", "AUTH PLAIN"),
        ("the claimed user", "mallory"),
    ] {
        assert!(!stderr.contains(secret), "{what} reached the log: {stderr}");
    }
}

/// The next binary frame's bytes.
async fn next_frame(ws: &mut Socket) -> Vec<u8> {
    loop {
        match tokio::time::timeout(STEP, ws.next())
            .await
            .expect("a frame in time")
        {
            Some(Ok(Message::Binary(b))) => return b.to_vec(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a binary frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn unsafe_or_half_proxy_settings_and_a_taken_metrics_address_stop_the_start() {
    let home = tempfile::tempdir().expect("home");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken = taken.local_addr().expect("addr").to_string();
    for (args, code, says) in [
        (
            vec![
                "--trust-proxy-header",
                HEADER,
                "--trusted-proxy",
                "0.0.0.0/0",
            ],
            2,
            "claim any user",
        ),
        (
            vec!["--trust-proxy-header", HEADER, "--trusted-proxy", "::/0"],
            2,
            "claim any user",
        ),
        (
            vec!["--trusted-proxy", "127.0.0.1"],
            2,
            "--trust-proxy-header",
        ),
        (vec!["--trust-proxy-header", HEADER], 2, "--trusted-proxy"),
        (vec!["--log-format", "xml"], 2, "--log-format"),
        (vec!["--metrics-listen", &taken], 3, &taken),
    ] {
        let output = tokio::time::timeout(
            STEP * 3,
            command::smtplab(home.path())
                .args(["--listen", "127.0.0.1:0", "--no-sandbox"])
                .args(&args)
                .output(),
        )
        .await
        .expect("exits by itself")
        .expect("run smtplab");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!stdout.contains("listening"), "{args:?} served: {stdout}");
    }
}
