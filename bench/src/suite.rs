//! The whole benchmark run: starts the peers and the SMTP sandbox (in a
//! process of their own), the bridge and the other relays on 127.0.0.1, runs every measure over every route
//! (the routes alternating within each repetition, so background load
//! falls on all of them alike) and collects the per-run figures.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use crate::bridge::BridgeProcess;
use crate::measure::idle::{idle_sessions, Probe};
use crate::measure::rtt::round_trips;
use crate::measure::smtp::{transaction, Login};
use crate::measure::throughput::{transfer, Direction};
use crate::relay::{RelayKind, RelayProcess, RelayProgram};
use crate::report::RouteFigures;
use crate::route::Route;
use crate::servers::ServerProcess;
use crate::stats::percentile;

/// Which measures to run.
#[derive(Debug, Clone, Copy)]
pub struct Measures {
    /// Round trips.
    pub rtt: bool,
    /// Throughput both ways.
    pub throughput: bool,
    /// SMTP transactions.
    pub smtp: bool,
    /// Idle sessions.
    pub idle: bool,
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `smtplab` binary.
    pub bridge: PathBuf,
    /// Other relays found on this machine.
    pub relays: Vec<RelayProgram>,
    /// Repeated runs per latency/throughput/SMTP measure.
    pub reps: usize,
    /// Round trips timed per run.
    pub rtt_count: usize,
    /// Round-trip message size.
    pub rtt_size: usize,
    /// Bytes per throughput run.
    pub total_bytes: u64,
    /// Throughput message size.
    pub chunk: usize,
    /// SMTP transactions per run.
    pub smtp_count: usize,
    /// Idle session counts.
    pub idle_sizes: Vec<usize>,
    /// Repeated runs per idle size.
    pub idle_reps: usize,
    /// Handshakes in flight while opening idle sessions.
    pub idle_ramp: usize,
    /// Most idle sessions asked of a relay that forks per connection.
    pub forking_idle_max: usize,
    /// Which measures.
    pub measures: Measures,
}

/// A route under test and what it measured.
struct Entry {
    /// How to reach the servers.
    route: Route,
    /// Its figures.
    figures: RouteFigures,
    /// The relay program behind it, for the fresh idle instances.
    program: Option<RelayProgram>,
}

impl Entry {
    /// Records `result`'s value with `keep`, or the failure.
    fn record<T>(
        &mut self,
        what: &str,
        result: anyhow::Result<T>,
        keep: impl FnOnce(&mut RouteFigures, T),
    ) {
        match result {
            Ok(v) => keep(&mut self.figures, v),
            Err(e) => {
                eprintln!("  {} {what} failed: {e:#}", self.figures.name);
                if self.figures.errors.len() < 6 {
                    self.figures.errors.push(format!("{what}: {e:#}"));
                }
            }
        }
    }
}

/// Runs every measure and returns the figures per route: direct TCP,
/// smtplab, then the other relays.
///
/// # Errors
/// When the peers, the sandbox or the bridge cannot start.
pub async fn run(s: &Settings) -> anyhow::Result<Vec<RouteFigures>> {
    let most = s.idle_sizes.iter().copied().max().unwrap_or(0);
    let nofile = crate::resources::raise_nofile((most as u64) * 3 + 4096)
        .context("raising RLIMIT_NOFILE")?;
    eprintln!("RLIMIT_NOFILE {nofile}");
    let servers = ServerProcess::spawn(&std::env::current_exe()?).await?;
    let login = Login {
        user: smtplab_sandbox::DEMO_USER.into(),
        password: smtplab_sandbox::DEMO_PASSWORD.into(),
    };
    let (peer_addr, smtp_addr) = (servers.peer(), servers.smtp());
    let bridge = BridgeProcess::spawn(&s.bridge, &bridge_args(s, &[peer_addr, smtp_addr])).await?;
    let mut entries = vec![
        Entry {
            route: Route::Direct,
            figures: RouteFigures::new("direct TCP"),
            program: None,
        },
        Entry {
            route: Route::Bridge {
                url: bridge.ws_url(),
            },
            figures: RouteFigures::new("smtplab"),
            program: None,
        },
    ];
    let mut relay_processes: Vec<RelayProcess> = Vec::new();
    for program in &s.relays {
        let mut by_target = Vec::new();
        for target in [peer_addr, smtp_addr] {
            let process = program.spawn(target).await?;
            by_target.push((target, process.url().to_owned()));
            relay_processes.push(process);
        }
        entries.push(Entry {
            route: Route::Raw { by_target },
            figures: RouteFigures::new(program.kind.name()),
            program: Some(program.clone()),
        });
    }

    if s.measures.rtt {
        for rep in 0..s.reps {
            for e in &mut entries {
                let r = bounded(
                    60,
                    round_trips(
                        &e.route,
                        peer_addr,
                        s.rtt_size,
                        s.rtt_count / 10,
                        s.rtt_count,
                    ),
                )
                .await;
                e.record("rtt", r, |f, samples| {
                    let p50 = micros(percentile(&samples, 50.0));
                    let p99 = micros(percentile(&samples, 99.0));
                    eprintln!("rtt run {rep}: {} p50 {p50:.1} µs p99 {p99:.1} µs", f.name);
                    f.rtt_p50_us.push(p50);
                    f.rtt_p99_us.push(p99);
                });
            }
        }
    }
    if s.measures.throughput {
        for rep in 0..s.reps {
            for e in &mut entries {
                for direction in [Direction::Upload, Direction::Download] {
                    let r = bounded(
                        300,
                        transfer(&e.route, peer_addr, direction, s.total_bytes, s.chunk),
                    )
                    .await;
                    let total = s.total_bytes;
                    e.record("throughput", r, |f, took| {
                        let mib_s = total as f64 / 1_048_576.0 / took.as_secs_f64();
                        eprintln!(
                            "throughput run {rep}: {} {direction:?} {mib_s:.0} MiB/s",
                            f.name
                        );
                        match direction {
                            Direction::Upload => f.upload_mib_s.push(mib_s),
                            Direction::Download => f.download_mib_s.push(mib_s),
                        }
                    });
                }
            }
        }
    }
    if s.measures.smtp {
        for rep in 0..s.reps {
            for e in &mut entries {
                let r = bounded(300, async {
                    let mut samples = Vec::with_capacity(s.smtp_count);
                    for _ in 0..s.smtp_count {
                        samples.push(bounded(10, transaction(&e.route, smtp_addr, &login)).await?);
                    }
                    Ok(samples)
                })
                .await;
                e.record("smtp", r, |f, samples| {
                    let p50 = micros(percentile(&samples, 50.0)) / 1000.0;
                    let p99 = micros(percentile(&samples, 99.0)) / 1000.0;
                    eprintln!("smtp run {rep}: {} p50 {p50:.2} ms p99 {p99:.2} ms", f.name);
                    f.smtp_p50_ms.push(p50);
                    f.smtp_p99_ms.push(p99);
                });
            }
        }
    }
    drop(relay_processes);
    let status = bridge.stop().await?;
    if !status.success() {
        eprintln!("the bridge exited with {status}");
    }
    if s.measures.idle {
        for &size in &s.idle_sizes {
            for rep in 0..s.idle_reps {
                for e in entries.iter_mut().skip(1) {
                    let r = bounded(600, idle_run(s, e.program.as_ref(), size)).await;
                    e.record("idle", r, |f, outcome| {
                        eprintln!(
                            "idle run {rep}: {} {} sessions: {:.1} KiB/session, fds {}→{}→{}",
                            f.name,
                            outcome.sessions,
                            outcome.kib_per_session,
                            outcome.fds_before,
                            outcome.fds_open,
                            outcome.fds_after
                        );
                        f.idle.push((size, outcome));
                    });
                }
            }
        }
    }
    drop(servers);
    Ok(entries.into_iter().map(|e| e.figures).collect())
}

/// One idle run against a fresh relay process (the bridge when `program`
/// is `None`) and a fresh peer.
async fn idle_run(
    s: &Settings,
    program: Option<&RelayProgram>,
    size: usize,
) -> anyhow::Result<crate::measure::idle::IdleOutcome> {
    // The peer in a process of its own: this one holds the clients' end of
    // every session, and each process has the same descriptor limit.
    let servers = ServerProcess::spawn(&std::env::current_exe()?).await?;
    let target = servers.peer();
    let size = size.min(sessions_that_fit());
    match program {
        None => {
            let bridge = BridgeProcess::spawn(&s.bridge, &bridge_args(s, &[target])).await?;
            let route = Route::Bridge {
                url: bridge.ws_url(),
            };
            let probe = Probe {
                pid: bridge.pid(),
                forks: false,
            };
            let outcome = idle_sessions(&route, target, probe, size, s.idle_ramp).await?;
            bridge.stop().await?;
            Ok(outcome)
        }
        Some(program) => {
            let n = if program.kind.forks() {
                size.min(s.forking_idle_max)
            } else {
                size
            };
            let process = program.spawn(target).await?;
            let route = Route::Raw {
                by_target: vec![(target, process.url().to_owned())],
            };
            let probe = Probe {
                pid: process.pid(),
                forks: program.kind == RelayKind::Websockify,
            };
            idle_sessions(&route, target, probe, n, s.idle_ramp).await
        }
    }
}

/// Sessions one relay process can hold within `RLIMIT_NOFILE`: two
/// descriptors each (client and server side), less the warm-up sessions and
/// a margin for the process's own descriptors.
pub fn sessions_that_fit() -> usize {
    let limit = crate::resources::nofile_limit().unwrap_or(1024);
    (usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .saturating_sub(64)
        / 2)
    .saturating_sub(crate::measure::idle::WARMUP_SESSIONS)
}

/// The bridge's flags: the targets' ports allowed, room for the largest
/// idle run, and a byte limit above the throughput runs.
fn bridge_args(s: &Settings, targets: &[SocketAddr]) -> Vec<String> {
    let sessions = (s.idle_sizes.iter().copied().max().unwrap_or(0) + 200).to_string();
    let mut args = vec![
        "--max-sessions".to_owned(),
        sessions.clone(),
        "--max-sessions-per-client".to_owned(),
        sessions,
        "--max-session-bytes".to_owned(),
        (s.total_bytes.saturating_mul(4)).max(1 << 30).to_string(),
    ];
    for t in targets {
        args.push("--allow-port".into());
        args.push(t.port().to_string());
    }
    if supports_flag(&s.bridge, "--no-sandbox") {
        // The bridge's own sandbox would take 127.0.0.1:2525 in every
        // bridge started here; the bench runs its own.
        args.push("--no-sandbox".into());
    }
    args
}

/// Whether `binary --help` mentions `flag`.
fn supports_flag(binary: &std::path::Path, flag: &str) -> bool {
    std::process::Command::new(binary)
        .arg("--help")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(flag))
        .unwrap_or(false)
}

fn micros(d: Option<Duration>) -> f64 {
    d.map_or(f64::NAN, |d| d.as_secs_f64() * 1e6)
}

/// `fut` within `secs` seconds.
async fn bounded<T>(secs: u64, fut: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::time::timeout(Duration::from_secs(secs), fut)
        .await
        .with_context(|| format!("took over {secs} s"))?
}
