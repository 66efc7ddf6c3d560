//! The real `smtplab` binary as a child process on 127.0.0.1: started with
//! a fixed token and the caller's flags, its address read from the URL line
//! it prints, its `/status` read over plain HTTP, and a SIGTERM stop.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context as _};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// The token every bridge started here uses.
pub const TOKEN: &str = "bench-token";

/// A running bridge child process (killed when dropped).
#[derive(Debug)]
pub struct BridgeProcess {
    /// The child; `kill_on_drop` is set.
    child: Child,
    /// Its process id, for `/proc`.
    pid: u32,
    /// `127.0.0.1:PORT` from its URL line.
    authority: String,
}

impl BridgeProcess {
    /// Starts `binary --listen 127.0.0.1:0 --token TOKEN ARGS…` with
    /// `RUST_LOG=warn`, and waits for its URL line.
    ///
    /// # Errors
    /// When it cannot be started or prints no URL line.
    pub async fn spawn(binary: &Path, args: &[String]) -> anyhow::Result<Self> {
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--token", TOKEN])
            .args(args)
            .env("RUST_LOG", "warn")
            .env("SMTPLAB_NO_BROWSER", "1")
            .env_remove("SMTPLAB_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id().context("bridge pid")?;
        let mut line = String::new();
        let stdout = child.stdout.take().context("stdout")?;
        tokio::time::timeout(
            Duration::from_secs(20),
            BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .context("no URL line within 20 s")??;
        let authority = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .with_context(|| format!("no URL in {line:?}"))?
            .to_owned();
        Ok(Self {
            child,
            pid,
            authority,
        })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// `127.0.0.1:PORT`.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The WebSocket URL with the token.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws?token={TOKEN}", self.authority)
    }

    /// `GET /status`: open sessions and live tasks as JSON (the fds this
    /// opens are closed before it returns: `Connection: close` and a full
    /// read).
    ///
    /// # Errors
    /// When the request fails or the body is not JSON.
    pub async fn status(&self) -> anyhow::Result<serde_json::Value> {
        let authority = &self.authority;
        let mut tcp = TcpStream::connect(authority).await?;
        let request = format!(
            "GET /status?token={TOKEN} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
        );
        tcp.write_all(request.as_bytes()).await?;
        let mut raw = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut raw)).await??;
        let text = String::from_utf8_lossy(&raw);
        let body = text.split("\r\n\r\n").nth(1).context("no body")?;
        Ok(serde_json::from_str(body)?)
    }

    /// Sends SIGTERM and waits up to 15 s for the exit status.
    ///
    /// # Errors
    /// When it does not exit in time.
    pub async fn stop(mut self) -> anyhow::Result<std::process::ExitStatus> {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        match tokio::time::timeout(Duration::from_secs(15), self.child.wait()).await {
            Ok(status) => Ok(status?),
            Err(_) => bail!("the bridge did not exit within 15 s of SIGTERM"),
        }
    }
}

/// The `smtplab` binary next to the running program (both are built into
/// the same target directory), or `explicit` when given.
///
/// # Errors
/// When the running program's path is unknown.
pub fn binary_path(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    match explicit {
        Some(p) => Ok(p.to_owned()),
        None => Ok(std::env::current_exe()?
            .parent()
            .context("no parent dir")?
            .join("smtplab")),
    }
}
