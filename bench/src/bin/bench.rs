//! The relay benchmark: direct TCP, smtplab and the other relays found on
//! this machine, measured in one run on 127.0.0.1 (see `smtplab_bench::suite`),
//! printed as a Markdown table and, with `--write`, put in its own section
//! of `docs/benchmarks.md`. Bounded by `--deadline-secs`; exits non-zero
//! when a run of direct TCP or smtplab failed. Run it with `scripts/bench.sh`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;
use smtplab_bench::relay::{RelayKind, RelayProgram};
use smtplab_bench::report::{self, Context};
use smtplab_bench::suite::{self, Measures, Settings};
use smtplab_bench::{bridge, machine};

/// Relay benchmark on 127.0.0.1: smtplab against direct TCP, websocat and websockify.
#[derive(Debug, Parser)]
struct Args {
    /// Repeated runs per latency, throughput and SMTP measure (the table shows medians).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Round trips timed per run (a tenth more as warm-up).
    #[arg(long, default_value_t = 2000)]
    rtt_count: usize,
    /// Round-trip message size in bytes.
    #[arg(long, default_value_t = 64)]
    rtt_size: usize,
    /// Bytes per throughput run.
    #[arg(long, default_value_t = 1 << 30)]
    total_bytes: u64,
    /// Throughput message size in bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    chunk: usize,
    /// SMTP transactions per run.
    #[arg(long, default_value_t = 200)]
    smtp_count: usize,
    /// Idle session counts (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [1000, 10_000])]
    idle_sessions: Vec<usize>,
    /// Repeated runs per idle size.
    #[arg(long, default_value_t = 3)]
    idle_reps: usize,
    /// WebSocket handshakes in flight while opening idle sessions.
    #[arg(long, default_value_t = 64)]
    idle_ramp: usize,
    /// Most idle sessions asked of websockify (one Python process per connection).
    #[arg(long, default_value_t = 200)]
    websockify_idle_max: usize,
    /// Measures to run (comma-separated: rtt, throughput, smtp, idle).
    #[arg(long, value_delimiter = ',', default_values_t = ["rtt".to_owned(), "throughput".to_owned(), "smtp".to_owned(), "idle".to_owned()])]
    only: Vec<String>,
    /// The `smtplab` binary (default: next to this program).
    #[arg(long)]
    bridge: Option<PathBuf>,
    /// websocat executable (default: on PATH).
    #[arg(long)]
    websocat: Option<PathBuf>,
    /// websockify executable (default: on PATH).
    #[arg(long)]
    websockify: Option<PathBuf>,
    /// Leave websocat out.
    #[arg(long)]
    no_websocat: bool,
    /// Leave websockify out.
    #[arg(long)]
    no_websockify: bool,
    /// Write the table into this Markdown file's benchmark section.
    #[arg(long)]
    write: Option<PathBuf>,
    /// Before starting, wait (at most --wait-secs) for the 1-minute load
    /// average to fall to this value.
    #[arg(long)]
    wait_load: Option<f64>,
    /// Longest wait for --wait-load, in seconds.
    #[arg(long, default_value_t = 300)]
    wait_secs: u64,
    /// The whole run must end within this many seconds.
    #[arg(long, default_value_t = 1800)]
    deadline_secs: u64,
    /// Internal: be the server process (peers and SMTP sandbox) until
    /// standard input closes.
    #[arg(long, hide = true)]
    serve: bool,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.serve {
        return smtplab_bench::servers::serve().await;
    }
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let mut relays = Vec::new();
    let mut notes = Vec::new();
    for (kind, path, skip) in [
        (RelayKind::Websocat, &args.websocat, args.no_websocat),
        (RelayKind::Websockify, &args.websockify, args.no_websockify),
    ] {
        if skip {
            notes.push(format!("{} left out (--no-{}).", kind.name(), kind.name()));
            continue;
        }
        match RelayProgram::find(kind, path.as_deref()) {
            Some(p) => {
                notes.push(format!(
                    "{}: {} ({}).",
                    kind.name(),
                    p.version,
                    p.path.display()
                ));
                relays.push(p);
            }
            None => notes.push(format!("{} not found: left out.", kind.name())),
        }
    }
    if relays.iter().any(|r| r.kind == RelayKind::Websockify) {
        notes.push(format!(
            "websockify forks one Python process per connection: its idle runs stop at {} sessions and its memory is the PSS summed over its processes.",
            args.websockify_idle_max
        ));
    }
    let has = |m: &str| args.only.iter().any(|o| o == m);
    let settings = Settings {
        bridge: bridge::binary_path(args.bridge.as_deref())?,
        relays,
        reps: args.reps.max(1),
        rtt_count: args.rtt_count.max(1),
        rtt_size: args.rtt_size.max(1),
        total_bytes: args.total_bytes,
        chunk: args.chunk.max(1),
        smtp_count: args.smtp_count.max(1),
        idle_sizes: args.idle_sessions.clone(),
        idle_reps: args.idle_reps.max(1),
        idle_ramp: args.idle_ramp,
        forking_idle_max: args.websockify_idle_max,
        measures: Measures {
            rtt: has("rtt"),
            throughput: has("throughput"),
            smtp: has("smtp"),
            idle: has("idle"),
        },
    };
    if let Some(want) = args.wait_load {
        let waited = Instant::now();
        while machine::load_1min().is_some_and(|l| l > want)
            && waited.elapsed() < Duration::from_secs(args.wait_secs)
        {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        eprintln!(
            "load {} after waiting {:.0} s for ≤ {want}",
            machine::load_average(),
            waited.elapsed().as_secs_f64()
        );
    }
    if settings.measures.idle {
        // Raise it now, as the run will, to say what fits.
        let most = settings.idle_sizes.iter().copied().max().unwrap_or(0);
        let limit = smtplab_bench::resources::raise_nofile((most as u64) * 3 + 4096)?;
        let fit = suite::sessions_that_fit();
        if fit < most {
            notes.push(format!(
                "RLIMIT_NOFILE is {limit} here and cannot be raised (the hard limit, without CAP_SYS_RESOURCE); a relay holds two descriptors per session, so one relay process fits {fit} idle sessions besides the {} warm-up ones: the {most}-session runs were held at {fit}.",
                smtplab_bench::measure::idle::WARMUP_SESSIONS
            ));
        }
    }
    let load_start = machine::load_average();
    let started = Instant::now();
    let routes = tokio::time::timeout(
        Duration::from_secs(args.deadline_secs),
        suite::run(&settings),
    )
    .await
    .with_context(|| format!("the run passed its deadline of {} s", args.deadline_secs))??;
    let ctx = Context {
        machine: machine::RunMachine::at_end(load_start),
        reps: settings.reps,
        idle_reps: settings.idle_reps,
        rtt_count: settings.rtt_count,
        rtt_size: settings.rtt_size,
        total_bytes: settings.total_bytes,
        chunk: settings.chunk,
        smtp_count: settings.smtp_count,
        idle_sizes: if settings.measures.idle {
            settings.idle_sizes.clone()
        } else {
            Vec::new()
        },
        notes,
        wall_secs: started.elapsed().as_secs_f64(),
        command: format!("scripts/bench.sh (ran: {command})"),
    };
    let (section, verdicts) = report::render(&ctx, &routes);
    println!("{section}");
    for v in &verdicts {
        let met = match v.met {
            Some(true) => "met",
            Some(false) => "NOT met",
            None => "not measured",
        };
        println!("target {}: {} — {met}", v.measure, v.target);
    }
    if let Some(path) = &args.write {
        report::write_section(path, "## Relay performance", &section)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    let failed: Vec<&str> = routes
        .iter()
        .filter(|r| (r.name == "direct TCP" || r.name == "smtplab") && !r.errors.is_empty())
        .map(|r| r.name.as_str())
        .collect();
    if !failed.is_empty() {
        bail!("runs failed for: {}", failed.join(", "));
    }
    Ok(())
}
