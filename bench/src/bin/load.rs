//! Load with faults, on loopback only: starts the real `smtplab` binary as a
//! child process, opens `--sessions` WebSocket sessions through it at once
//! to an in-process TCP peer on 127.0.0.1, with a share of faulty peers
//! (reset, stall, slow reader) and vanishing clients, and checks that
//!
//! - every completed echo session got its bytes back intact (bytes lost = 0),
//! - the bridge's RSS stays bounded (VmRSS from /proc, sampled throughout),
//! - its file descriptors and live tasks return to their baseline once every
//!   session has ended.
//!
//! Bounded in count (`--sessions`) and time (`--deadline-secs`); stops by
//! itself and exits non-zero if a check fails. Run it with
//! `scripts/load.sh` (builds the release binaries first).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;
use futures_util::{SinkExt as _, StreamExt as _};
use smtplab_bench::bridge::{self, BridgeProcess};
use smtplab_bench::deadline::run_within;
use smtplab_bench::peer::Peer;
use smtplab_bench::resources::{ensure_nofile, fd_count, rss_kib};
use smtplab_bench::session::{next_control, open_session, Ws};
use smtplab_shared::wire::{ClientMessage, ServerMessage};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;

/// Load with faults through the real bridge, on 127.0.0.1 only.
#[derive(Debug, Parser)]
struct Args {
    /// Sessions, all open at the same time.
    #[arg(long, default_value_t = 1000)]
    sessions: usize,
    /// Bytes each echo session sends (and must get back).
    #[arg(long, default_value_t = 16 * 1024)]
    payload: usize,
    /// Percentage of sessions with a fault (split evenly between peer reset,
    /// peer stall, slow-reading peer and vanishing client).
    #[arg(long, default_value_t = 20)]
    fault_percent: usize,
    /// WebSocket handshakes in flight at once while opening sessions.
    #[arg(long, default_value_t = 200)]
    ramp: usize,
    /// The whole run must end within this many seconds.
    #[arg(long, default_value_t = 240)]
    deadline_secs: u64,
    /// The bridge's idle timeout in ms: what ends the stalled peers' sessions.
    /// Above the time it takes to open every session, as sessions wait for
    /// each other without traffic before they start.
    #[arg(long, default_value_t = 30_000)]
    idle_timeout_ms: u64,
    /// The `smtplab` binary (default: next to this program).
    #[arg(long)]
    bridge: Option<std::path::PathBuf>,
}

/// What a session does; the first byte it sends tells the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Echo peer; the bytes must come back intact.
    Echo,
    /// Echo peer that reads 512 bytes every 20 ms.
    SlowReader,
    /// The peer resets the connection (RST) after the first bytes.
    PeerReset,
    /// The peer never reads or writes; the bridge's idle timeout ends it.
    PeerStall,
    /// The client sends half its bytes, then its TCP connection resets.
    ClientVanish,
}

impl Kind {
    fn for_session(i: usize, fault_percent: usize) -> Self {
        let faulty = (i * 100 / 97) % 100 < fault_percent; // spread through the run
        if !faulty {
            return Self::Echo;
        }
        match i % 4 {
            0 => Self::SlowReader,
            1 => Self::PeerReset,
            2 => Self::PeerStall,
            _ => Self::ClientVanish,
        }
    }

    fn tag(self) -> u8 {
        match self {
            Self::Echo => b'E',
            Self::SlowReader => b'L',
            Self::PeerReset => b'R',
            Self::PeerStall => b'S',
            Self::ClientVanish => b'V',
        }
    }
}

/// How one session ended.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum End {
    /// All bytes came back and matched.
    Intact,
    /// Bytes came back different or short: lost bytes.
    Corrupted(u64),
    /// The bridge closed it with this `closed` reason (faults).
    Closed(String),
    /// The client left on purpose.
    Vanished,
    /// Anything else (handshake failure, timeout, …).
    Failed(String),
}

/// Peak figures sampled from /proc while the run goes on.
#[derive(Default)]
struct Peaks {
    rss_kib: AtomicU64,
    fds: AtomicU64,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    run_within(Duration::from_secs(args.deadline_secs), run(args)).await
}

async fn run(args: Args) -> anyhow::Result<()> {
    let need = (args.sessions as u64) * 3 + 512;
    let nofile = ensure_nofile(need).with_context(|| format!("{} sessions", args.sessions))?;
    let peer = Peer::start().await?;
    let peer_port = peer.addr().port();
    let bridge_path = bridge::binary_path(args.bridge.as_deref())?;
    let cap = (args.sessions + 100).to_string();
    let flags: Vec<String> = [
        "--allow-port",
        &peer_port.to_string(),
        "--max-sessions",
        &cap,
        "--max-sessions-per-client",
        &cap,
        "--idle-timeout-ms",
        &args.idle_timeout_ms.to_string(),
        "--connect-timeout-ms",
        "5000",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let bridge = BridgeProcess::spawn(&bridge_path, &flags).await?;
    let pid = bridge.pid();
    let authority = bridge.authority().to_owned();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let base = Snapshot::take(&bridge).await?;
    println!(
        "bridge pid {pid} at {authority}; RLIMIT_NOFILE {nofile}; baseline: {}",
        base.describe()
    );

    let peaks = Arc::new(Peaks::default());
    let sampler = {
        let peaks = Arc::clone(&peaks);
        tokio::spawn(async move {
            loop {
                if let Ok(rss) = rss_kib(pid) {
                    peaks.rss_kib.fetch_max(rss, Ordering::Relaxed);
                }
                if let Ok(fds) = fd_count(pid) {
                    peaks.fds.fetch_max(fds, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    let started = Instant::now();
    let ramp = Arc::new(Semaphore::new(args.ramp.max(1)));
    let open = Arc::new(AtomicUsize::new(0));
    let settled = Arc::new(AtomicUsize::new(0));
    let max_open = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(args.sessions);
    for i in 0..args.sessions {
        let kind = Kind::for_session(i, args.fault_percent);
        let ctx = SessionCtx {
            url: bridge.ws_url(),
            peer_port,
            payload: payload(i, args.payload),
            total: args.sessions,
            ramp: Arc::clone(&ramp),
            open: Arc::clone(&open),
            settled: Arc::clone(&settled),
            max_open: Arc::clone(&max_open),
        };
        tasks.push(tokio::spawn(
            async move { (kind, session(kind, ctx).await) },
        ));
    }
    let mut tally: BTreeMap<(Kind, End), usize> = BTreeMap::new();
    for task in tasks {
        let (kind, end) = task.await?;
        let end = match end {
            End::Closed(reason) if reason.starts_with("error:") => End::Closed("error".into()),
            other => other,
        };
        *tally.entry((kind, end)).or_default() += 1;
    }
    let elapsed = started.elapsed();

    // Let the bridge notice the last closes, then compare with the baseline.
    let mut after = Snapshot::take(&bridge).await?;
    for _ in 0..100 {
        if after.sessions == 0 && after.fds <= base.fds && after.tasks <= base.tasks {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = Snapshot::take(&bridge).await?;
    }
    sampler.abort();
    let peak_rss = peaks.rss_kib.load(Ordering::Relaxed);
    let peak_fds = peaks.fds.load(Ordering::Relaxed);

    let status = bridge.stop().await?;

    let lost: u64 = tally
        .iter()
        .map(|((_, end), n)| match end {
            End::Corrupted(b) => *b * (*n as u64),
            _ => 0,
        })
        .sum();
    let echo_failures: usize = tally
        .iter()
        .filter(|((kind, end), _)| {
            matches!(kind, Kind::Echo | Kind::SlowReader) && *end != End::Intact
        })
        .map(|(_, n)| n)
        .sum();
    let intact: usize = tally
        .iter()
        .filter(|((_, end), _)| *end == End::Intact)
        .map(|(_, n)| n)
        .sum();
    let per_session_kib = peak_rss.saturating_sub(base.rss_kib) as f64 / args.sessions as f64;

    println!(
        "\n## load with faults: {} sessions, {} B each, {}% faulty",
        args.sessions, args.payload, args.fault_percent
    );
    println!("| figure | value |\n| --- | --- |");
    println!(
        "| sessions | {} (peak open at once: {}) |",
        args.sessions,
        max_open.load(Ordering::Relaxed)
    );
    println!("| wall time | {:.1} s |", elapsed.as_secs_f64());
    println!("| echo sessions intact | {intact} |");
    println!("| bytes lost | {lost} |");
    println!("| echo sessions failed | {echo_failures} |");
    println!(
        "| bridge RSS baseline / peak / after | {} / {} / {} KiB |",
        base.rss_kib, peak_rss, after.rss_kib
    );
    println!("| RSS per open session (peak - baseline) / sessions | {per_session_kib:.1} KiB |");
    println!(
        "| bridge fds baseline / peak / after | {} / {} / {} |",
        base.fds, peak_fds, after.fds
    );
    println!(
        "| bridge tasks baseline / after | {} / {} |",
        base.tasks, after.tasks
    );
    println!("| bridge sessions after | {} |", after.sessions);
    println!("| bridge exit on SIGTERM | {status} |");
    println!("\nendings by kind:");
    for ((kind, end), n) in &tally {
        println!("  {kind:?} -> {end:?}: {n}");
    }

    let mut problems = Vec::new();
    if lost > 0 {
        problems.push(format!("{lost} bytes lost"));
    }
    if echo_failures > 0 {
        problems.push(format!(
            "{echo_failures} echo sessions did not complete intact"
        ));
    }
    if after.fds > base.fds {
        problems.push(format!("fds {} > baseline {}", after.fds, base.fds));
    }
    if after.tasks > base.tasks {
        problems.push(format!("tasks {} > baseline {}", after.tasks, base.tasks));
    }
    if after.sessions != 0 {
        problems.push(format!("{} sessions still open", after.sessions));
    }
    if !status.success() {
        problems.push(format!("bridge exit {status}"));
    }
    if problems.is_empty() {
        println!("\nall checks passed");
        Ok(())
    } else {
        bail!("checks failed: {}", problems.join("; "))
    }
}

/// What one session task needs.
struct SessionCtx {
    url: String,
    peer_port: u16,
    payload: Vec<u8>,
    total: usize,
    ramp: Arc<Semaphore>,
    open: Arc<AtomicUsize>,
    settled: Arc<AtomicUsize>,
    max_open: Arc<AtomicUsize>,
}

/// Deterministic bytes for session `i` (xorshift), so corruption shows.
fn payload(i: usize, len: usize) -> Vec<u8> {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

async fn session(kind: Kind, ctx: SessionCtx) -> End {
    let opened = {
        let _permit = ctx.ramp.acquire().await;
        open_session(&ctx.url, ctx.peer_port, None).await
    };
    let mut ws = match opened {
        Ok(ws) => ws,
        Err(e) => {
            ctx.settled.fetch_add(1, Ordering::Relaxed);
            return End::Failed(format!("open: {e}"));
        }
    };
    let now_open = ctx.open.fetch_add(1, Ordering::Relaxed) + 1;
    ctx.max_open.fetch_max(now_open, Ordering::Relaxed);
    ctx.settled.fetch_add(1, Ordering::Relaxed);
    // Hold until every session is open (or failed), so all run at once.
    let wait_from = Instant::now();
    while ctx.settled.load(Ordering::Relaxed) < ctx.total
        && wait_from.elapsed() < Duration::from_secs(120)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let end = tokio::time::timeout(
        Duration::from_secs(90),
        exchange(kind, &mut ws, &ctx.payload),
    )
    .await
    .unwrap_or_else(|_| End::Failed("timeout".into()));
    ctx.open.fetch_sub(1, Ordering::Relaxed);
    end
}

async fn exchange(kind: Kind, ws: &mut Ws, payload: &[u8]) -> End {
    let mut first = vec![kind.tag()];
    first.extend_from_slice(&payload[..payload.len().min(4095)]);
    if ws.send(Message::binary(first)).await.is_err() {
        return End::Failed("send".into());
    }
    let mut sent = payload.len().min(4095);
    if kind == Kind::ClientVanish {
        let half = payload.len() / 2;
        if half > sent {
            let _ = ws.send(Message::binary(payload[sent..half].to_vec())).await;
        }
        // A reset, not a goodbye: the bridge must clean up by itself.
        if let MaybeTlsStream::Plain(tcp) = ws.get_ref() {
            let _ = tcp.set_zero_linger();
        }
        return End::Vanished;
    }
    // Send the rest in 4 KiB frames while reading what comes back.
    let mut back = Vec::with_capacity(payload.len());
    loop {
        if sent < payload.len() {
            let end = (sent + 4096).min(payload.len());
            if ws
                .send(Message::binary(payload[sent..end].to_vec()))
                .await
                .is_err()
            {
                return End::Failed("send".into());
            }
            sent = end;
        }
        let wait = if sent < payload.len() {
            Duration::from_millis(1)
        } else {
            Duration::from_secs(60)
        };
        match tokio::time::timeout(wait, ws.next()).await {
            Err(_) => continue,
            Ok(Some(Ok(Message::Binary(b)))) => {
                back.extend_from_slice(&b);
                if back.len() >= payload.len() {
                    break;
                }
            }
            Ok(Some(Ok(Message::Text(t)))) => match ServerMessage::decode(t.as_str()) {
                Ok(ServerMessage::Closed { reason, .. }) => return End::Closed(reason),
                Ok(ServerMessage::Error { code, .. }) if kind == Kind::PeerReset => {
                    let _ = code;
                }
                Ok(other) => return End::Failed(format!("{other:?}")),
                Err(e) => return End::Failed(e.to_string()),
            },
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => return End::Failed(e.to_string()),
            Ok(None) => return End::Failed("eof".into()),
        }
    }
    let lost = back.iter().zip(payload).filter(|(a, b)| a != b).count()
        + payload.len().saturating_sub(back.len());
    let _ = ws.send(Message::text(ClientMessage::Close.encode())).await;
    let closed = tokio::time::timeout(Duration::from_secs(10), next_control(ws)).await;
    let _ = ws.close(None).await;
    if lost > 0 || back.len() != payload.len() {
        return End::Corrupted(lost as u64);
    }
    match closed {
        Ok(Ok(ServerMessage::Closed { .. })) => End::Intact,
        other => End::Failed(format!("no closed after echo: {other:?}")),
    }
}

/// The bridge's resource figures at one moment.
struct Snapshot {
    rss_kib: u64,
    fds: u64,
    tasks: u64,
    sessions: u64,
}

impl Snapshot {
    async fn take(bridge: &BridgeProcess) -> anyhow::Result<Self> {
        let status = bridge.status().await?;
        Ok(Self {
            rss_kib: rss_kib(bridge.pid())?,
            fds: fd_count(bridge.pid())?,
            tasks: status["tasks"].as_u64().unwrap_or(u64::MAX),
            sessions: status["sessions"].as_u64().unwrap_or(u64::MAX),
        })
    }

    fn describe(&self) -> String {
        format!(
            "RSS {} KiB, {} fds, {} tasks, {} sessions",
            self.rss_kib, self.fds, self.tasks, self.sessions
        )
    }
}
