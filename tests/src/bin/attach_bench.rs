//! The 25 MB attachment benchmark of issue 17: one file of random bytes
//! sent with STARTTLS and AUTH LOGIN from the tab (headless Chromium)
//! through the bridge to a throw-away Postfix (its message size limit
//! raised), against `swaks --attach` sending the same file to the same
//! server, all on 127.0.0.1 (see `smtplab_e2e::tab_bench::attach`). Prints a
//! Markdown table (medians, every run, tab ÷ swaks, the longest main-thread
//! block); with `--write`, puts it in its own block of `docs/benchmarks.md`.
//!
//! Needs root (Postfix), Chromium, chromedriver and swaks, and the UI built
//! first (`cargo run -p xtask --release -- build-ui --release`): the bridge
//! embeds `dist/`. The bridge is `SMTPLAB_BIN` when set, else built here in
//! release mode. Exits non-zero when a measurement failed, not when the
//! target is missed.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use smtplab_bench::machine;
use smtplab_e2e::browser::require_built_ui;
use smtplab_e2e::tab_bench::attach::{self, AttachSettings, Context};

/// A 25 MB attachment over STARTTLS + AUTH: the tab against swaks, on 127.0.0.1.
#[derive(Debug, Parser)]
struct Args {
    /// Measured runs per client (swaks and the tab), after one warm-up each.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// The attachment's size in MiB.
    #[arg(long, default_value_t = 25)]
    mib: usize,
    /// Write the table into this Markdown file's attach-bench block.
    #[arg(long)]
    write: Option<PathBuf>,
    /// The whole run must end within this many seconds.
    #[arg(long, default_value_t = 1500)]
    deadline_secs: u64,
    /// Limit Postfix's TLS 1.3 suites to this one (e.g.
    /// TLS_CHACHA20_POLY1305_SHA256), to see what the cipher costs in wasm.
    #[arg(long)]
    cipher: Option<String>,
}

fn main() {
    let args = Args::parse();
    if args.runs == 0 || args.mib == 0 {
        eprintln!("attach-bench: --runs and --mib must be at least 1");
        std::process::exit(2);
    }
    require_built_ui();
    if std::env::var_os("SMTPLAB_BIN").is_none() {
        // The relay is part of what is timed: not a debug build.
        match escargot::CargoBuild::new()
            .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
            .package("smtplab-bridge")
            .bin("smtplab")
            .release()
            .run()
        {
            Ok(run) => std::env::set_var("SMTPLAB_BIN", run.path()),
            Err(e) => {
                eprintln!("attach-bench: cannot build the bridge (release): {e}");
                std::process::exit(1);
            }
        }
    }
    let started = Instant::now();
    let load_start = machine::load_average();
    eprintln!(
        "attach-bench: {} MiB, {} runs each by swaks and the tab after one warm-up; load {load_start}",
        args.mib, args.runs
    );
    let figures = match attach::run(&AttachSettings {
        runs: args.runs,
        size: args.mib << 20,
        deadline: Duration::from_secs(args.deadline_secs),
        cipher: args.cipher.clone(),
    }) {
        Ok(figures) => figures,
        Err(e) => {
            eprintln!("attach-bench failed: {e}");
            std::process::exit(1);
        }
    };
    let context = Context {
        machine: machine::RunMachine::at_end(load_start),
        elapsed: started.elapsed(),
        command: command_line(),
    };
    let table = match attach::render(&figures, &context) {
        Ok(table) => table,
        Err(e) => {
            eprintln!("attach-bench: {e}");
            std::process::exit(1);
        }
    };
    println!("{table}");
    if let Some(path) = args.write {
        let heading = "## A 25 MB attachment: the tab against swaks";
        if let Err(e) = attach::write_section(&path, heading, &table) {
            eprintln!("attach-bench: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
        eprintln!("attach-bench: wrote the table into {}", path.display());
    }
}

/// `scripts/bench.sh` when run by it (it sets `BENCH_COMMAND`), with the
/// program and arguments actually run.
fn command_line() -> String {
    let ran = std::env::args().collect::<Vec<_>>().join(" ");
    match std::env::var("BENCH_COMMAND") {
        Ok(outer) if !outer.is_empty() => format!("{outer} (ran: {ran})"),
        _ => ran,
    }
}
