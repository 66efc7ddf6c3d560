//! smtplab's build tasks, run with `cargo run -p xtask -- <task>`.
//!
//! The wasm-bindgen CLI is linked in as a library (same version as the
//! workspace's `wasm-bindgen` pin), so neither `wasm-bindgen` nor
//! `wasm-bindgen-test-runner` needs installing (TOOLCHAIN.md).
//!
//! # Tasks
//! - `build-ui [--release]`: builds `smtplab-frontend` for wasm32, runs the
//!   bindgen step (`--target web`), shrinks the wasm with npm's `wasm-opt -Oz`
//!   when `node_modules/.bin/wasm-opt` exists, and writes `dist/` (see
//!   [`build_ui`]).
//! - `dist [--no-ui] [--only NAME]`: the portable files, one per OS, with
//!   the UI embedded, and `SHA256SUMS`, in `target/portable/` (see [`dist`]).
//! - `test-runner <wasm> [args]`: the `wasm32-unknown-unknown` cargo runner
//!   (`.cargo/config.toml`); runs wasm-bindgen tests in headless Chromium
//!   (see [`test_runner`]).
//!
//! # Layout
//! - [`build_ui`]: the frontend build pipeline.
//! - [`dist`]: the portable release files.
//! - [`page`]: turns the root `index.html` into `dist/index.html`.
//! - [`size`]: raw and gzip sizes for the build report.
//! - [`test_runner`]: environment defaults for the browser test runner.

mod build_ui;
mod dist;
mod page;
mod size;
mod test_runner;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>   (alias of `cargo run -q -p xtask --release --`)

tasks:
  build-ui [--release]      build the frontend into dist/ (release: --profile wasm-release + wasm-opt -Oz)
  dist [--no-ui] [--only NAME]  the portable files (linux-x86_64, windows-x86_64) and SHA256SUMS in target/portable/
  test-runner <wasm> [args] run a wasm-bindgen test binary in headless Chromium (the cargo runner)";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let task = args.next();
    let result = match task.as_ref().and_then(|t| t.to_str()) {
        Some("build-ui") => {
            let rest: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
            build_ui::Options::parse(&rest).and_then(|options| build_ui::run(&options))
        }
        Some("dist") => {
            let rest: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
            dist::Options::parse(&rest).and_then(|options| dist::run(&options))
        }
        Some("test-runner") => test_runner::run(args),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
