//! The tab benchmark (issue 7): the size of the UI, the time to its first
//! render in headless Chromium, and the seed session through the tab and
//! the bridge against swaks run directly, all on 127.0.0.1 (see
//! `smtplab_e2e::tab_bench`). Prints a Markdown table with the machine, the
//! date and the load; with `--write`, puts it in its own block of
//! `docs/benchmarks.md`. Run it with `scripts/bench.sh` (which builds the UI
//! and then the bridge that embeds it); not part of the default test run.
//! Exits non-zero when a measurement failed, not when a budget is missed.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use smtplab_bench::machine;
use smtplab_e2e::tab_bench::{self, report, Settings};

/// Tab benchmark on 127.0.0.1: UI size, first render, seed session vs swaks.
#[derive(Debug, Parser)]
struct Args {
    /// Seed sessions timed per client (swaks and the tab), after one warm-up each.
    #[arg(long, default_value_t = 15)]
    runs: usize,
    /// Navigations timed, cold (fresh Chromium session each) and warm (reloads).
    #[arg(long, default_value_t = 9)]
    navigations: usize,
    /// Write the table into this Markdown file's tab-bench block.
    #[arg(long)]
    write: Option<PathBuf>,
    /// The whole run must end within this many seconds.
    #[arg(long, default_value_t = 900)]
    deadline_secs: u64,
}

fn main() {
    let args = Args::parse();
    if args.runs == 0 || args.navigations == 0 {
        eprintln!("tab-bench: --runs and --navigations must be at least 1");
        std::process::exit(2);
    }
    let started = Instant::now();
    let load_start = machine::load_average();
    eprintln!(
        "tab-bench: {} navigations cold and warm, {} seed sessions each by swaks and the tab; load {load_start}",
        args.navigations, args.runs
    );
    let figures = match tab_bench::run(&Settings {
        runs: args.runs,
        navigations: args.navigations,
        deadline: Duration::from_secs(args.deadline_secs),
    }) {
        Ok(figures) => figures,
        Err(e) => {
            eprintln!("tab-bench failed: {e}");
            std::process::exit(1);
        }
    };
    let context = report::Context {
        machine: machine::RunMachine::at_end(load_start),
        elapsed: started.elapsed(),
        command: command_line(),
    };
    let table = match report::render(&figures, &context) {
        Ok(table) => table,
        Err(e) => {
            eprintln!("tab-bench: {e}");
            std::process::exit(1);
        }
    };
    println!("{table}");
    if let Some(path) = args.write {
        if let Err(e) = report::write_section(&path, "## Tab", &table) {
            eprintln!("tab-bench: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
        eprintln!("tab-bench: wrote the table into {}", path.display());
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
