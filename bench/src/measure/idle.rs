//! Memory per idle session: a relay's memory growth while `n` sessions sit
//! open without traffic, divided by `n`; and its file descriptors once
//! they have all closed, against the count before the first.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::resources::{fd_count, pss_kib, rss_kib, tree_sum};
use crate::route::{Conn, Route};

/// Sessions opened (and kept) before the memory baseline, so that what is
/// set up once (runtime threads, first allocations) is not counted per
/// session.
pub const WARMUP_SESSIONS: usize = 8;

/// Which process's memory to read.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// The relay's process id.
    pub pid: u32,
    /// Whether it forks per connection: memory is then the PSS summed over
    /// its process tree, otherwise the process's RSS.
    pub forks: bool,
}

impl Probe {
    /// Memory in KiB.
    ///
    /// # Errors
    /// When the process is gone.
    pub fn memory_kib(self) -> anyhow::Result<u64> {
        if self.forks {
            tree_sum(self.pid, pss_kib)
        } else {
            rss_kib(self.pid)
        }
    }

    /// Open descriptors over the process tree.
    ///
    /// # Errors
    /// When the process is gone.
    pub fn fds(self) -> anyhow::Result<u64> {
        tree_sum(self.pid, fd_count)
    }
}

/// What one idle run measured.
#[derive(Debug, Clone, Copy)]
pub struct IdleOutcome {
    /// Sessions held open at once (besides the warm-up ones).
    pub sessions: usize,
    /// Memory growth per session, KiB.
    pub kib_per_session: f64,
    /// Descriptors before the first session.
    pub fds_before: u64,
    /// Descriptors with every session open.
    pub fds_open: u64,
    /// Descriptors after every session closed.
    pub fds_after: u64,
}

/// Opens `n` sessions to `target` (at most `ramp` handshakes in flight),
/// holds them idle, reads the relay's memory, closes them all and waits
/// (up to 20 s) for its descriptors to return to the count before.
///
/// # Errors
/// When a session fails to open or the relay's figures cannot be read.
pub async fn idle_sessions(
    route: &Route,
    target: SocketAddr,
    probe: Probe,
    n: usize,
    ramp: usize,
) -> anyhow::Result<IdleOutcome> {
    // Small client buffers: thousands of idle clients live in this process.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let fds_before = probe.fds()?;
    let mut held = open_many(route, target, config, WARMUP_SESSIONS, ramp).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let base = probe.memory_kib()?;
    held.extend(open_many(route, target, config, n, ramp).await?);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let open = probe.memory_kib()?;
    let fds_open = probe.fds()?;
    drop(held);
    let started = Instant::now();
    let mut fds_after = probe.fds()?;
    while fds_after > fds_before && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        fds_after = probe.fds()?;
    }
    Ok(IdleOutcome {
        sessions: n,
        kib_per_session: open.saturating_sub(base) as f64 / n as f64,
        fds_before,
        fds_open,
        fds_after,
    })
}

/// Opens `n` sessions concurrently, `ramp` at a time.
async fn open_many(
    route: &Route,
    target: SocketAddr,
    config: WebSocketConfig,
    n: usize,
    ramp: usize,
) -> anyhow::Result<Vec<Conn>> {
    let gate = Arc::new(Semaphore::new(ramp.max(1)));
    let mut tasks = JoinSet::new();
    for _ in 0..n {
        let route = route.clone();
        let gate = Arc::clone(&gate);
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await?;
            tokio::time::timeout(
                Duration::from_secs(30),
                route.open_with(target, Some(config)),
            )
            .await
            .context("opening a session took over 30 s")?
        });
    }
    let mut conns = Vec::with_capacity(n);
    let mut failures = 0usize;
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined? {
            Ok(conn) => conns.push(conn),
            Err(e) => {
                failures += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        bail!("{failures} of {n} sessions failed to open; first: {e:#}");
    }
    Ok(conns)
}
