//! Sizing a team deployment, on loopback only: `--replicas` real `smtplab`
//! processes behind Debian's HAProxy (the tests' fixture,
//! `tests/src/haproxy.rs`, included by path), `--sessions` WebSocket
//! sessions opened through the proxy, each connected to an SMTP peer on
//! 127.0.0.1 that greets with 220 and then idles, all held open at once.
//! Prints sessions per replica (from each one's `/status`) and memory:
//! VmRSS of each replica before and with the sessions open, and per
//! session; HAProxy's too. Figures, not a pass/fail test
//! (docs/benchmarks.md, "A team bridge behind HAProxy").
//!
//! When the bridge has `--trust-proxy-header`, the replicas trust the
//! stub SSO's `X-Forwarded-User` from 127.0.0.1 and the sessions belong to
//! `--users` users; otherwise every replica gets the same `--token` and
//! the sessions carry it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;
use futures_util::StreamExt as _;
use smtplab_bench::bridge::{self, BridgeProcess, TOKEN};
use smtplab_bench::deadline::run_within;
use smtplab_bench::resources::{ensure_nofile, rss_kib};
use smtplab_bench::session::{open_session, Ws};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

#[path = "../../../tests/src/haproxy.rs"]
#[allow(dead_code, unreachable_pub)]
mod haproxy;

/// Sessions through HAProxy to bridge replicas, on 127.0.0.1 only.
#[derive(Debug, Parser)]
struct Args {
    /// Sessions, all open at the same time.
    #[arg(long, default_value_t = 1000)]
    sessions: usize,
    /// Bridge replicas behind the proxy.
    #[arg(long, default_value_t = 2)]
    replicas: usize,
    /// Distinct users the sessions are spread over (with the trusted header).
    #[arg(long, default_value_t = 50)]
    users: usize,
    /// WebSocket handshakes in flight at once while opening sessions.
    #[arg(long, default_value_t = 100)]
    ramp: usize,
    /// How long the sessions stay open once all are, before measuring.
    #[arg(long, default_value_t = 2)]
    settle_secs: u64,
    /// The whole run must end within this many seconds.
    #[arg(long, default_value_t = 180)]
    deadline_secs: u64,
    /// The `smtplab` binary (default: next to this program).
    #[arg(long)]
    bridge: Option<PathBuf>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    run_within(Duration::from_secs(args.deadline_secs), run(args)).await
}

async fn run(args: Args) -> anyhow::Result<()> {
    // Client, peer, proxy (two per session) and replica sockets.
    let need = (args.sessions as u64) * 6 + 1024;
    ensure_nofile(need)?;
    let peer_port = start_smtp_peer().await?;
    let binary = bridge::binary_path(args.bridge.as_deref())?;
    let trusted = supports(&binary, "--trust-proxy-header")?;
    let proxy_port = haproxy::free_port()?;
    let cap = (args.sessions + 100).to_string();
    let mut flags: Vec<String> = [
        "--no-sandbox",
        "--allow-port",
        &peer_port.to_string(),
        "--allow-origin",
        &format!("http://127.0.0.1:{proxy_port}"),
        "--max-sessions",
        &cap,
        "--max-sessions-per-client",
        &cap,
        "--max-connections",
        &cap,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if trusted {
        for flag in [
            "--trust-proxy-header",
            haproxy::USER_HEADER,
            "--trusted-proxy",
            "127.0.0.1/32",
        ] {
            flags.push(flag.to_owned());
        }
        if supports(&binary, "--max-sessions-per-user")? {
            flags.extend(["--max-sessions-per-user".to_owned(), cap.clone()]);
        }
    }
    let mut replicas = Vec::new();
    for _ in 0..args.replicas {
        replicas.push(BridgeProcess::spawn(&binary, &flags).await?);
    }
    // Health checks on /readyz once the bridge has it (200), else none.
    let ready = http_status(replicas[0].authority(), "/readyz").await == Some(200);
    let proxy = haproxy::Haproxy::start(&haproxy::ProxyConfig {
        replicas: replicas
            .iter()
            .map(|r| r.authority().parse())
            .collect::<Result<_, _>>()?,
        check_host: format!("127.0.0.1:{proxy_port}"),
        port: proxy_port,
        check_path: ready.then(|| "/readyz".to_owned()),
    })?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let base: Vec<u64> = replicas
        .iter()
        .map(|r| rss_kib(r.pid()))
        .collect::<Result<_, _>>()?;
    let proxy_base = rss_kib(proxy.pid())?;

    let started = Instant::now();
    let ramp = Arc::new(Semaphore::new(args.ramp.max(1)));
    let mut tasks = Vec::with_capacity(args.sessions);
    for i in 0..args.sessions {
        let ramp = Arc::clone(&ramp);
        let user = format!("user-{}", i % args.users.max(1));
        let url = if trusted {
            format!("ws://{}/ws", proxy.addr())
        } else {
            format!("ws://{}/ws?token={TOKEN}", proxy.addr())
        };
        tasks.push(tokio::spawn(async move {
            let _permit = ramp.acquire().await;
            open_greeted(&url, &user, peer_port).await
        }));
    }
    let mut open = Vec::with_capacity(args.sessions);
    let mut failures = Vec::new();
    for task in tasks {
        match task.await? {
            Ok(ws) => open.push(ws),
            Err(e) => failures.push(e.to_string()),
        }
    }
    let opened_in = started.elapsed();
    tokio::time::sleep(Duration::from_secs(args.settle_secs)).await;

    println!(
        "\n## team bridge: {} sessions through HAProxy to {} replicas ({})",
        args.sessions,
        args.replicas,
        if trusted {
            format!("{} users by X-Forwarded-User", args.users)
        } else {
            "per-start token: the bridge has no --trust-proxy-header yet".to_owned()
        }
    );
    println!(
        "opened {} in {:.1} s, {} failed{}",
        open.len(),
        opened_in.as_secs_f64(),
        failures.len(),
        failures
            .first()
            .map(|f| format!(" (first: {f})"))
            .unwrap_or_default()
    );
    println!("\n| replica | sessions | VmRSS idle | VmRSS with sessions | per session |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    let mut total_sessions = 0;
    let mut total_added = 0;
    for (i, replica) in replicas.iter().enumerate() {
        let status = replica.status().await?;
        let sessions = status["sessions"].as_u64().unwrap_or(0);
        let rss = rss_kib(replica.pid())?;
        let added = rss.saturating_sub(base[i]);
        total_sessions += sessions;
        total_added += added;
        println!(
            "| {i} | {sessions} | {} KiB | {rss} KiB | {:.1} KiB |",
            base[i],
            added as f64 / sessions.max(1) as f64
        );
    }
    println!(
        "| all | {total_sessions} | {} KiB | {} KiB | {:.1} KiB |",
        base.iter().sum::<u64>(),
        base.iter().sum::<u64>() + total_added,
        total_added as f64 / total_sessions.max(1) as f64
    );
    let proxy_rss = rss_kib(proxy.pid())?;
    println!(
        "| HAProxy | {} | {proxy_base} KiB | {proxy_rss} KiB | {:.1} KiB |",
        open.len(),
        proxy_rss.saturating_sub(proxy_base) as f64 / open.len().max(1) as f64
    );

    drop(open);
    for replica in replicas {
        replica.stop().await?;
    }
    drop(proxy);
    if !failures.is_empty() {
        bail!("{} sessions failed to open", failures.len());
    }
    Ok(())
}

/// Opens a session through the proxy as `user` (the stub SSO header) and
/// waits for the peer's 220 greeting relayed back.
async fn open_greeted(url: &str, user: &str, port: u16) -> anyhow::Result<Ws> {
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert(haproxy::STUB_SSO_HEADER, HeaderValue::from_str(user)?);
    let mut ws = open_session(request, port, None).await?;
    loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
            Ok(Some(Ok(Message::Binary(bytes)))) if bytes.starts_with(b"220 ") => return Ok(ws),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
            other => bail!("expected the 220 greeting, got {other:?}"),
        }
    }
}

/// An SMTP peer on 127.0.0.1 that greets and then holds the connection
/// until the client leaves.
async fn start_smtp_peer() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                if stream.write_all(b"220 peer.bench ESMTP\r\n").await.is_ok() {
                    let mut buf = [0u8; 512];
                    while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
                }
            });
        }
    });
    Ok(port)
}

/// The status of `GET path` on `authority`, if it answers.
async fn http_status(authority: &str, path: &str) -> Option<u16> {
    let mut tcp = tokio::net::TcpStream::connect(authority).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.ok()?;
    let mut head = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut head))
        .await
        .ok()?
        .ok()?;
    String::from_utf8_lossy(&head[..n])
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Whether `binary --help` lists `flag`.
fn supports(binary: &std::path::Path, flag: &str) -> anyhow::Result<bool> {
    let out = std::process::Command::new(binary)
        .arg("--help")
        .output()
        .with_context(|| format!("{} --help", binary.display()))?;
    Ok(String::from_utf8_lossy(&out.stdout).contains(flag))
}
