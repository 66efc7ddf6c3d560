//! Other WebSocket-to-TCP relays run beside smtplab for comparison:
//! websocat (one process, Rust) and websockify (Python, one forked process
//! per connection). Each instance relays every WebSocket it accepts to one
//! fixed TCP server and speaks no control protocol.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

/// Which relay program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayKind {
    /// `websocat --binary ws-l:ADDR tcp:TARGET`.
    Websocat,
    /// `websockify ADDR TARGET`.
    Websockify,
}

impl RelayKind {
    /// The program's name, as in the table.
    pub fn name(self) -> &'static str {
        match self {
            Self::Websocat => "websocat",
            Self::Websockify => "websockify",
        }
    }

    /// Whether it forks a process per connection (its memory is then
    /// summed over the process tree, as PSS).
    pub fn forks(self) -> bool {
        self == Self::Websockify
    }
}

/// One relay program found on this machine.
#[derive(Debug, Clone)]
pub struct RelayProgram {
    /// Which relay.
    pub kind: RelayKind,
    /// Its executable.
    pub path: PathBuf,
    /// Its `--version` line.
    pub version: String,
}

impl RelayProgram {
    /// Finds `kind` at `path`, or on `PATH` when `path` is `None`, and asks
    /// its version; `None` when it is not there or does not run.
    pub fn find(kind: RelayKind, path: Option<&Path>) -> Option<Self> {
        let path = match path {
            Some(p) => p.to_owned(),
            None => which(kind.name())?,
        };
        let out = std::process::Command::new(&path)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .ok()?;
        let text = if out.stdout.is_empty() {
            out.stderr
        } else {
            out.stdout
        };
        let mut version = String::from_utf8_lossy(&text)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        if version.is_empty() || version.starts_with("Usage") {
            // websockify has no --version; ask the package manager.
            version = std::process::Command::new("dpkg-query")
                .args(["-W", "-f", "${Version}", kind.name()])
                .output()
                .ok()
                .map(|o| {
                    format!(
                        "{} {}",
                        kind.name(),
                        String::from_utf8_lossy(&o.stdout).trim()
                    )
                })
                .unwrap_or_else(|| format!("{} (version unknown)", kind.name()));
        }
        Some(Self {
            kind,
            path,
            version,
        })
    }

    /// Starts an instance relaying to `target`.
    ///
    /// # Errors
    /// When it cannot start or does not accept connections within 20 s.
    pub async fn spawn(&self, target: SocketAddr) -> anyhow::Result<RelayProcess> {
        let port = free_port().await?;
        let listen = format!("127.0.0.1:{port}");
        let mut command = Command::new(&self.path);
        match self.kind {
            RelayKind::Websocat => command.args([
                "--binary".to_owned(),
                format!("ws-l:{listen}"),
                format!("tcp:{target}"),
            ]),
            RelayKind::Websockify => command.args([listen.clone(), target.to_string()]),
        };
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", self.path.display()))?;
        let pid = child.id().context("relay pid")?;
        let started = Instant::now();
        loop {
            if TcpStream::connect(&listen).await.is_ok() {
                break;
            }
            if let Some(status) = child.try_wait()? {
                bail!("{} exited at start: {status}", self.kind.name());
            }
            if started.elapsed() > Duration::from_secs(20) {
                bail!("{} did not listen within 20 s", self.kind.name());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(RelayProcess {
            kind: self.kind,
            child,
            pid,
            url: format!("ws://{listen}/"),
        })
    }
}

/// A running relay instance (killed with its children when dropped).
#[derive(Debug)]
pub struct RelayProcess {
    /// Which relay.
    kind: RelayKind,
    /// The child.
    child: Child,
    /// Its process id.
    pid: u32,
    /// Where clients connect.
    url: String,
}

impl RelayProcess {
    /// Its process id (the parent, for a forking relay).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// `ws://127.0.0.1:PORT/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Which relay.
    pub fn kind(&self) -> RelayKind {
        self.kind
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        // A forking relay's children would outlive a killed parent.
        let children: Vec<String> = crate::resources::process_tree(self.pid)
            .into_iter()
            .skip(1)
            .map(|pid| pid.to_string())
            .collect();
        if !children.is_empty() {
            let _ = std::process::Command::new("kill")
                .arg("-KILL")
                .args(&children)
                .status();
        }
        let _ = self.child.start_kill();
    }
}

/// A port free on 127.0.0.1 right now.
async fn free_port() -> std::io::Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").await?;
    Ok(l.local_addr()?.port())
}

/// The first `name` on `PATH`.
fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}
