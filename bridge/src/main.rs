//! The `smtplab` binary: parses arguments, sets up logging (stderr), binds
//! the listener, prints the URL line on stdout and runs the bridge until
//! ctrl-c or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Parser;
use smtplab_bridge::{access, AccessToken, Config};

/// smtplab bridge: serves the smtplab UI and relays its WebSocket sessions
/// to mail servers.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on; use port 0 for any free port.
    #[arg(long, default_value = "127.0.0.1:8025")]
    listen: SocketAddr,
    /// Fixed access token (URL-safe characters); random at every start if unset.
    #[arg(long, env = "SMTPLAB_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Another origin whose pages may open a WebSocket (repeatable), e.g. http://ui.example:8080.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origins: Vec<String>,
    /// Another target port to allow besides 25, 465, 587 and 2525 (repeatable).
    #[arg(long = "allow-port", value_name = "PORT")]
    allow_ports: Vec<u16>,
    /// Connect timeout in ms (DNS included); also caps the client's timeout_ms.
    #[arg(long, default_value_t = 10_000)]
    connect_timeout_ms: u64,
    /// Close a session after this many ms without relayed bytes.
    #[arg(long, default_value_t = 300_000)]
    idle_timeout_ms: u64,
    /// Concurrent WebSocket sessions.
    #[arg(long, default_value_t = 64)]
    max_sessions: usize,
    /// Largest binary frame accepted from the client, in bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    max_frame_bytes: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let token = match &args.token {
        Some(t) => AccessToken::parse(t).context("invalid --token / SMTPLAB_TOKEN")?,
        None => AccessToken::generate(),
    };
    let mut config = Config::new(token);
    for origin in &args.allow_origins {
        if !access::is_valid_origin(origin) {
            bail!("invalid --allow-origin {origin:?}: expected http(s)://host[:port]");
        }
        config
            .allowed_origins
            .push(access::normalize_origin(origin));
    }
    config.allowed_ports.extend(&args.allow_ports);
    config.connect_timeout = Duration::from_millis(args.connect_timeout_ms);
    config.idle_timeout = Duration::from_millis(args.idle_timeout_ms);
    config.max_sessions = args.max_sessions;
    config.max_frame_bytes = args.max_frame_bytes;

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{}",
            smtplab_bridge::listening_line(addr, &config.token)
        )?;
        out.flush()?;
    }
    smtplab_bridge::run(listener, config, shutdown_signal()).await?;
    Ok(())
}

/// Completes at ctrl-c or (on Unix) SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
