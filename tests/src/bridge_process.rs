//! The real `smtplab` bridge binary as a child process.
//!
//! The binary is found once per test process: `SMTPLAB_BIN` if set (CI can
//! point it at a release build), otherwise `cargo build -p smtplab-bridge
//! --bin smtplab` is run through `escargot`, which reads the artifact path
//! from cargo's JSON messages (and honours `CARGO_TARGET_DIR`). A separate
//! package cannot use `CARGO_BIN_EXE_smtplab`, which cargo only sets for the
//! binary's own package.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use crate::token;

/// How long the bridge gets to print its listening line.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the bridge could not be built or started.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BridgeError {
    /// `cargo build` of the binary failed (the message has cargo's output).
    #[error("cannot build the smtplab binary: {0}")]
    Build(String),
    /// The process could not be spawned.
    #[error("cannot spawn {path}: {message}")]
    Spawn {
        /// The binary.
        path: String,
        /// The OS error.
        message: String,
    },
    /// The process exited or stayed silent instead of printing its URL.
    #[error("the bridge printed no `http://` URL: {detail}")]
    NoUrl {
        /// Exit status or timeout, and its stderr.
        detail: String,
    },
}

/// A running `smtplab` bridge, killed on drop.
#[derive(Debug)]
pub struct Bridge {
    /// The child process.
    child: Child,
    /// The URL it printed, `http://HOST:PORT/?token=TOKEN`.
    url: String,
    /// The token passed with `--token`.
    token: String,
    /// Everything the bridge wrote to stderr so far (its logs), for failure
    /// messages; filled by a reader thread.
    stderr: Arc<Mutex<String>>,
    /// Every line the bridge printed on stdout so far.
    stdout: Arc<Mutex<String>>,
    /// The address from the `SMTP sandbox on ADDR …` line, once printed.
    sandbox: Arc<Mutex<Option<SocketAddr>>>,
}

impl Bridge {
    /// Starts the bridge on `127.0.0.1:0` with a random token, allowing
    /// connections to `allowed_port`, plus `extra_args`.
    ///
    /// # Errors
    /// A [`BridgeError`] when the binary cannot be built or started.
    pub fn spawn(allowed_port: u16, extra_args: &[&str]) -> Result<Self, BridgeError> {
        let token = token::random_hex(16).map_err(|e| BridgeError::Spawn {
            path: "/dev/urandom".into(),
            message: e.to_string(),
        })?;
        let path = binary()?;
        let mut command = Command::new(&path);
        command
            .args(["--listen", "127.0.0.1:0", "--token", &token])
            .args(["--allow-port", &allowed_port.to_string()])
            .args(extra_args)
            // No browser window from a test, whatever the environment has.
            .env("SMTPLAB_NO_BROWSER", "1");
        Self::spawn_command(command, token, STARTUP_TIMEOUT)
    }

    /// Starts `command` (a bridge however it is launched: a copied
    /// portable file, under Wine…) with piped output, and waits up to
    /// `startup` for its URL line. `token` is the token it will print
    /// (empty when it makes its own: it is then read from the URL).
    ///
    /// # Errors
    /// A [`BridgeError`] when it cannot be spawned or prints no URL in time.
    pub fn spawn_command(
        mut command: Command,
        token: String,
        startup: Duration,
    ) -> Result<Self, BridgeError> {
        let path = command.get_program().to_string_lossy().into_owned();
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| BridgeError::Spawn {
                path,
                message: e.to_string(),
            })?;
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(pipe) = child.stderr.take() {
            let sink = Arc::clone(&stderr);
            thread::spawn(move || collect(pipe, &sink));
        }
        let (tx, rx) = mpsc::channel();
        let sandbox = Arc::new(Mutex::new(None));
        let stdout = Arc::new(Mutex::new(String::new()));
        if let Some(pipe) = child.stdout.take() {
            let sandbox = Arc::clone(&sandbox);
            let stdout = Arc::clone(&stdout);
            // Keeps reading after the URL so the pipe never fills up.
            thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if let Ok(mut text) = stdout.lock() {
                        text.push_str(&line);
                        text.push('\n');
                    }
                    if let Some(url) = first_http_url(&line) {
                        let _ = tx.send(url);
                    } else if let Some(addr) = sandbox_addr_in(&line) {
                        if let Ok(mut slot) = sandbox.lock() {
                            *slot = Some(addr);
                        }
                    }
                }
            });
        }
        let mut bridge = Self {
            child,
            url: String::new(),
            token,
            stderr,
            stdout,
            sandbox,
        };
        match rx.recv_timeout(startup) {
            Ok(url) => {
                if bridge.token.is_empty() {
                    bridge.token = url
                        .split_once("token=")
                        .map(|(_, t)| t.to_owned())
                        .unwrap_or_default();
                }
                bridge.url = url;
                Ok(bridge)
            }
            Err(_) => {
                let status = match bridge.child.try_wait() {
                    Ok(Some(status)) => status.to_string(),
                    _ => format!("still silent after {startup:?}"),
                };
                Err(BridgeError::NoUrl {
                    detail: format!("{status}; stderr:\n{}", bridge.stderr()),
                })
            }
        }
    }

    /// The URL the bridge printed, `http://HOST:PORT/?token=TOKEN`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The WebSocket endpoint, `ws://HOST:PORT/ws?token=TOKEN`.
    pub fn ws_url(&self) -> String {
        crate::ws_driver::ws_endpoint(&self.url)
    }

    /// The token the bridge requires.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Where the bridge's embedded SMTP sandbox listens, from the
    /// `SMTP sandbox on ADDR (…)` line it prints after its URL (waits up to
    /// 5 s for it); `None` when it printed none (`--no-sandbox`, port taken).
    pub fn sandbox_addr(&self) -> Option<SocketAddr> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(addr) = self.sandbox.lock().ok().and_then(|slot| *slot) {
                return Some(addr);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the bridge logged to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// What the bridge printed on stdout so far (its URL, sandbox and
    /// start-up lines).
    pub fn stdout(&self) -> String {
        self.stdout.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The address the bridge listens on, from its URL.
    pub fn addr(&self) -> Option<SocketAddr> {
        let rest = self.url.split_once("://")?.1;
        rest.split('/').next()?.parse().ok()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The path of the `smtplab` binary, built at most once per process.
///
/// # Errors
/// [`BridgeError::Build`] when cargo fails; the failure is cached too.
pub fn binary() -> Result<PathBuf, BridgeError> {
    static BINARY: OnceLock<Result<PathBuf, BridgeError>> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("SMTPLAB_BIN") {
                return Ok(PathBuf::from(path));
            }
            escargot::CargoBuild::new()
                .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
                .package("smtplab-bridge")
                .bin("smtplab")
                .run()
                .map(|run| run.path().to_path_buf())
                .map_err(|e| BridgeError::Build(e.to_string()))
        })
        .clone()
}

/// The first `http://…` token of a line.
fn first_http_url(line: &str) -> Option<String> {
    let start = line.find("http://")?;
    let url = line[start..].split_whitespace().next()?;
    Some(url.to_owned())
}

/// The address of a `SMTP sandbox on ADDR (user …, password …)` line.
fn sandbox_addr_in(line: &str) -> Option<SocketAddr> {
    let rest = line.trim().strip_prefix("SMTP sandbox on ")?;
    rest.split_whitespace().next()?.parse().ok()
}

fn collect(mut pipe: impl Read, sink: &Mutex<String>) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = pipe.read(&mut buf) {
        if n == 0 {
            break;
        }
        if let Ok(mut text) = sink.lock() {
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_url_in_the_listening_line() {
        assert_eq!(
            first_http_url("smtplab listening on http://127.0.0.1:4321/?token=ab12").as_deref(),
            Some("http://127.0.0.1:4321/?token=ab12")
        );
        assert_eq!(first_http_url("no url here"), None);
    }

    #[test]
    fn finds_the_sandbox_address_in_its_line() {
        assert_eq!(
            sandbox_addr_in("SMTP sandbox on 127.0.0.1:40123 (user demo@sandbox.smtplab, password smtplab-demo)"),
            Some(SocketAddr::from(([127, 0, 0, 1], 40123)))
        );
        assert_eq!(
            sandbox_addr_in("smtplab listening on http://127.0.0.1:4321/?token=ab12"),
            None
        );
    }
}
