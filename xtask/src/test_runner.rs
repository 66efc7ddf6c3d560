//! The `wasm32-unknown-unknown` cargo runner: wasm-bindgen's test runner with
//! defaults that make `cargo test --target wasm32-unknown-unknown` run in
//! headless Chromium on this machine.
//!
//! Defaults (each applied only when the variable is unset, so a developer can
//! still pick Node or a visible browser):
//! - `WASM_BINDGEN_USE_BROWSER=1` when no `WASM_BINDGEN_USE_*` mode is set:
//!   test crates share their tests with native builds and do not call
//!   `wasm_bindgen_test_configure!(run_in_browser)`, and without a mode the
//!   runner would pick Node.
//! - `CHROMEDRIVER=/usr/bin/chromedriver` when that file exists (Debian's
//!   `chromium-driver`), so a PATH without `/usr/bin` still works. The runner
//!   itself passes `--headless`, `--no-sandbox` and
//!   `--disable-dev-shm-usage` to Chromium, which is what running as root needs.

use std::ffi::OsString;
use std::path::Path;

/// Test modes the runner understands; setting any of these means the caller
/// chose one, so no browser default is applied.
const MODE_VARS: [&str; 7] = [
    "WASM_BINDGEN_USE_BROWSER",
    "WASM_BINDGEN_USE_NODE_EXPERIMENTAL",
    "WASM_BINDGEN_USE_DENO",
    "WASM_BINDGEN_USE_DEDICATED_WORKER",
    "WASM_BINDGEN_USE_SHARED_WORKER",
    "WASM_BINDGEN_USE_SERVICE_WORKER",
    "WASM_BINDGEN_USE_EMSCRIPTEN",
];

/// Debian's chromedriver.
const DEBIAN_CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Runs `wasm-bindgen-test-runner <args>`.
///
/// # Errors
/// Whatever the runner reports: a failed test, a missing driver, a bad wasm.
pub(crate) fn run(args: impl Iterator<Item = OsString>) -> anyhow::Result<()> {
    if MODE_VARS.iter().all(|v| std::env::var_os(v).is_none()) {
        std::env::set_var("WASM_BINDGEN_USE_BROWSER", "1");
    }
    let driver_set = [
        "CHROMEDRIVER",
        "CHROMEDRIVER_REMOTE",
        "GECKODRIVER",
        "GECKODRIVER_REMOTE",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some());
    if !driver_set && Path::new(DEBIAN_CHROMEDRIVER).exists() {
        std::env::set_var("CHROMEDRIVER", DEBIAN_CHROMEDRIVER);
    }
    let argv = std::iter::once(OsString::from("wasm-bindgen-test-runner")).chain(args);
    wasm_bindgen_cli::wasm_bindgen_test_runner::run_cli_with_args(argv)
}
