//! The real `smtplab` binary under abuse that only shows from outside the
//! process: a client that floods pings and never reads the pongs (the
//! bridge's own RSS, from `/proc`), `RUST_LOG=trace` while credentials are
//! relayed (the bridge's stderr), and settings out of range (the exit code).
//! Loopback only.

#[path = "common/process.rs"]
mod process;
#[path = "common/url_line.rs"]
mod url_line;
#[path = "common/websocket.rs"]
mod websocket;

use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use smtplab_shared::wire::{ClientMessage, ServerMessage};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "hardening-token";

/// `smtplab` with piped output, no browser and no settings file.
fn smtplab(args: &[&str], config_home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smtplab"));
    cmd.args(args)
        .env_remove("SMTPLAB_TOKEN")
        .env_remove("RUST_LOG")
        .env("SMTPLAB_NO_BROWSER", "1")
        .env("XDG_CONFIG_HOME", config_home)
        .env("HOME", config_home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Starts `smtplab` on 127.0.0.1:0 with `extra` flags; the child and its
/// `host:port`.
async fn start(extra: &[&str], rust_log: Option<&str>, home: &std::path::Path) -> (Child, String) {
    let mut args = vec!["--listen", "127.0.0.1:0", "--token", TOKEN, "--no-sandbox"];
    args.extend_from_slice(extra);
    let mut cmd = smtplab(&args, home);
    if let Some(level) = rust_log {
        cmd.env("RUST_LOG", level);
    }
    let mut child = cmd.spawn().expect("spawn smtplab");
    let authority = url_line::authority(&mut child, Duration::from_secs(30)).await;
    (child, authority)
}

/// The process's resident set size in KiB (`VmRSS` in `/proc/PID/status`).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS line")
}

/// `count` masked ping frames with 125-byte payloads (the largest a control
/// frame may carry), as a client sends them.
fn ping_frames(count: usize) -> Vec<u8> {
    const MASK: [u8; 4] = [0x5a, 0x13, 0xc4, 0x7e];
    let mut frame = vec![0x89, 0x80 | 125];
    frame.extend_from_slice(&MASK);
    frame.extend((0..125u8).map(|i| i ^ MASK[usize::from(i) % 4]));
    frame.repeat(count)
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_client_that_floods_pings_and_never_reads_the_pongs_is_dropped_in_bounded_memory() {
    /// What the client tries to send: far more than the socket buffers on
    /// both sides hold, so an unbounded pong queue would show in the RSS.
    const FLOOD_BYTES: usize = 64 << 20;
    /// The bridge's RSS may grow by at most this during the flood.
    const RSS_GROWTH_LIMIT_KIB: u64 = 16 << 10;
    let home = tempfile::tempdir().expect("tempdir");
    // A short write timeout, so the test does not wait the default 10 s.
    let (child, authority) = start(&["--write-timeout-ms", "1000"], None, home.path()).await;
    let pid = child.id().expect("running");

    let mut tcp = TcpStream::connect(&authority).await.expect("connect");
    let request = format!(
        "GET /ws?token={TOKEN} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.expect("handshake");
    // The 101 response, byte by byte so nothing after it (hello, pongs) is
    // read: from here on the client reads nothing.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        tokio::time::timeout(Duration::from_secs(10), tcp.read_exact(&mut byte))
            .await
            .expect("101 in time")
            .expect("read the response");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{head:?}");

    let baseline = rss_kib(pid);
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(baseline));
    let sampler = {
        let peak = std::sync::Arc::clone(&peak);
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kib(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    let chunk = ping_frames(8 * 1024);
    let started = Instant::now();
    let mut sent = 0usize;
    let ended = tokio::time::timeout(Duration::from_secs(60), async {
        while sent < FLOOD_BYTES {
            if tcp.write_all(&chunk).await.is_err() {
                return true;
            }
            sent += chunk.len();
        }
        // Everything went out: the bridge must still drop the connection.
        loop {
            if tcp.write_all(&chunk[..131]).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or(false);
    let took = started.elapsed();
    sampler.abort();
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    let growth = peak.saturating_sub(baseline);
    println!(
        "ping flood: {} MiB of pings sent before the bridge dropped the client after {:.1} s; \
         bridge RSS baseline {:.1} MiB, peak {:.1} MiB, growth {:.1} MiB",
        sent >> 20,
        took.as_secs_f64(),
        baseline as f64 / 1024.0,
        peak as f64 / 1024.0,
        growth as f64 / 1024.0
    );
    assert!(ended, "the bridge never dropped the flooding client");
    assert!(
        growth < RSS_GROWTH_LIMIT_KIB,
        "RSS grew by {growth} KiB under the ping flood"
    );

    let out = process::terminate(child, Duration::from_secs(15)).await;
    assert!(out.status.success(), "{:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("client does not read its pongs"),
        "no logged reason: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn trace_logging_never_shows_relayed_credentials_or_message_text() {
    // AUTH PLAIN of "\0alice\0s3cr3t-Pa55", and a line of the message.
    const AUTH: &str = "AUTH PLAIN AGFsaWNlAHMzY3IzdC1QYTU1\r\n";
    const BLOB: &str = "AGFsaWNlAHMzY3IzdC1QYTU1";
    const BODY: &str = "Subject: quarterly-figures-confidential\r\n";
    let peer = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind peer");
    let port = peer.local_addr().expect("addr").port();
    let home = tempfile::tempdir().expect("tempdir");
    let (child, authority) = start(
        &["--allow-port", &port.to_string()],
        Some("trace"),
        home.path(),
    )
    .await;
    let mut ws = websocket::session(&authority, TOKEN, Duration::from_secs(10)).await;
    let connect = ClientMessage::Connect {
        host: "127.0.0.1".into(),
        port,
        timeout_ms: None,
    };
    ws.send(Message::text(connect.encode()))
        .await
        .expect("send");
    assert!(
        matches!(
            websocket::control(&mut ws, Duration::from_secs(10)).await,
            ServerMessage::Connected { .. }
        ),
        "connected"
    );
    let (mut server, _) = tokio::time::timeout(Duration::from_secs(10), peer.accept())
        .await
        .expect("accept in time")
        .expect("accept");
    let mut relayed = Vec::new();
    for (reply, line) in [("220 ready\r\n", AUTH), ("235 2.7.0 ok\r\n", BODY)] {
        server.write_all(reply.as_bytes()).await.expect("reply");
        loop {
            match tokio::time::timeout(Duration::from_secs(10), ws.next())
                .await
                .expect("the reply in time")
            {
                Some(Ok(Message::Binary(b))) if b.ends_with(b"\r\n") => break,
                Some(Ok(Message::Binary(_) | Message::Ping(_) | Message::Pong(_))) => {}
                other => panic!("expected the reply, got {other:?}"),
            }
        }
        ws.send(Message::binary(line.as_bytes().to_vec()))
            .await
            .expect("send");
        let mut got = vec![0u8; line.len()];
        tokio::time::timeout(Duration::from_secs(10), server.read_exact(&mut got))
            .await
            .expect("relayed in time")
            .expect("read");
        relayed.extend_from_slice(&got);
    }
    assert_eq!(relayed, [AUTH, BODY].concat().as_bytes());
    ws.send(Message::text(ClientMessage::Close.encode()))
        .await
        .expect("send close");
    let _ = tokio::time::timeout(Duration::from_secs(5), ws.next()).await;

    let out = process::terminate(child, Duration::from_secs(15)).await;
    assert!(out.status.success(), "{:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DEBUG") && stderr.contains("session ended"),
        "RUST_LOG=trace was not in force: {stderr}"
    );
    for secret in [
        BLOB,
        "AUTH PLAIN",
        "quarterly-figures",
        "235 2.7.0",
        "220 ready",
    ] {
        assert!(!stderr.contains(secret), "{secret:?} was logged: {stderr}");
    }
}

#[tokio::test]
async fn out_of_range_settings_exit_with_code_2_naming_the_flag_without_panicking() {
    const HUGE: &str = "18446744073709551615";
    let home = tempfile::tempdir().expect("tempdir");
    for flag in [
        "--token-ttl",
        "--max-sessions",
        "--max-sessions-per-client",
        "--max-connections",
        "--max-session-secs",
        "--max-frame-bytes",
        "--connect-timeout-ms",
        "--idle-timeout-ms",
        "--header-timeout-ms",
        "--shutdown-grace-ms",
        "--threads",
    ] {
        let output = tokio::time::timeout(
            Duration::from_secs(30),
            smtplab(&["--listen", "127.0.0.1:0", flag, HUGE], home.path()).output(),
        )
        .await
        .expect("exits by itself")
        .expect("run smtplab");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag}: {stderr}");
        assert!(stderr.contains(flag), "{flag} is not named: {stderr}");
        assert!(!stderr.contains("panicked"), "{flag}: {stderr}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!stdout.contains("listening"), "{flag}: it served: {stdout}");
    }
}
