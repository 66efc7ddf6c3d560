//! The benchmark's servers (the TCP peers and the SMTP sandbox) in a
//! process of their own, as a mail server is in real use: direct TCP then
//! crosses one process boundary each way, a relay two, and the servers do
//! not share the client's runtime threads.
//!
//! The child is the bench program itself with `--serve`: it prints
//! `peer ADDR` and `smtp ADDR` and serves until its standard input closes.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::process::{Child, Command};

use crate::peer::Peer;

/// The child side: starts the peer and the sandbox on 127.0.0.1, prints
/// their addresses and serves until standard input ends.
///
/// # Errors
/// When either cannot start.
pub async fn serve() -> anyhow::Result<()> {
    let peer = Peer::start().await?;
    let sandbox = smtplab_sandbox::start(
        smtplab_sandbox::SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..smtplab_sandbox::SandboxConfig::default()
        },
        std::future::pending(),
    )
    .await?;
    println!("peer {}\nsmtp {}", peer.addr(), sandbox.addr());
    let mut rest = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut rest).await;
    sandbox.shutdown();
    Ok(())
}

/// The running server process (killed when dropped).
#[derive(Debug)]
pub struct ServerProcess {
    /// The child; its standard input is held open.
    _child: Child,
    /// The peers' address.
    peer: SocketAddr,
    /// The sandbox's address.
    smtp: SocketAddr,
}

impl ServerProcess {
    /// Starts `exe --serve` and reads the two addresses.
    ///
    /// # Errors
    /// When it cannot start or prints no addresses within 20 s.
    pub async fn spawn(exe: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(exe)
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {} --serve", exe.display()))?;
        let mut lines = BufReader::new(child.stdout.take().context("stdout")?).lines();
        let mut read = async |name: &str| -> anyhow::Result<SocketAddr> {
            let line = lines.next_line().await?.context("server process ended")?;
            let addr = line
                .strip_prefix(name)
                .with_context(|| format!("expected {name}, got {line:?}"))?;
            Ok(addr.trim().parse()?)
        };
        let (peer, smtp) = tokio::time::timeout(Duration::from_secs(20), async {
            anyhow::Ok((read("peer").await?, read("smtp").await?))
        })
        .await
        .context("no addresses from the server process within 20 s")??;
        Ok(Self {
            _child: child,
            peer,
            smtp,
        })
    }

    /// The TCP peers (tags as in [`crate::peer`]).
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// The SMTP sandbox.
    pub fn smtp(&self) -> SocketAddr {
        self.smtp
    }
}
