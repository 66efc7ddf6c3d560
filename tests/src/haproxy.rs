//! A throw-away HAProxy (Debian's `haproxy`) on a free 127.0.0.1 port in
//! front of `smtplab` replicas on loopback: the "organisation's proxy" of a
//! team deployment (docs/deploy.md), with a stub of its single sign-on.
//!
//! - WebSocket upgrades are balanced round-robin over the replicas
//!   (`balance roundrobin`); an upgraded connection is a tunnel
//!   (`timeout tunnel`), so one session stays on one replica.
//! - Health checks ask each replica's `GET /readyz` every 200 ms; one
//!   failure takes it out of the rotation (a draining replica answers
//!   503), and an upgrade that a replica answers 503 is retried on another
//!   (`retry-on 503 conn-failure`, `option redispatch`).
//! - The stub SSO: a request without [`STUB_SSO_HEADER`] is denied with
//!   401, as an authenticating proxy denies an unauthenticated user;
//!   whatever [`USER_HEADER`] the client sent is removed, and the proxy
//!   sets [`USER_HEADER`] to the value of [`STUB_SSO_HEADER`] (the user the
//!   "SSO" authenticated), then removes the stub header.
//!
//! Everything lives in one fresh directory under the temp dir (the config,
//! HAProxy's stderr), removed on drop; the process runs in the foreground
//! (`-db`) and is killed on drop. Only std and thiserror: the bench crate
//! includes this file by `#[path]`.

use std::fs;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The header the replicas trust for the user name (`--trust-proxy-header`).
pub const USER_HEADER: &str = "X-Forwarded-User";
/// The header a test sends to "log in" at the stub SSO: its value becomes
/// [`USER_HEADER`] upstream.
pub const STUB_SSO_HEADER: &str = "X-Test-Sso-User";

/// How long HAProxy gets to accept connections after its start.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// Why HAProxy could not be started.
#[derive(Debug, thiserror::Error)]
pub enum HaproxyError {
    /// The binary is missing.
    #[error("haproxy is not installed (Debian package `haproxy`; scripts/setup.sh installs it)")]
    Missing,
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The OS error.
        source: io::Error,
    },
    /// HAProxy refused its config or exited.
    #[error("haproxy did not start: {detail}")]
    Start {
        /// Exit status or timeout, and its stderr.
        detail: String,
    },
}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> HaproxyError {
    let what = what.into();
    move |source| HaproxyError::Io { what, source }
}

/// What to put in front of the replicas.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// The replicas' main listeners (WebSocket and `/readyz`).
    pub replicas: Vec<SocketAddr>,
    /// The `Host` header of the health checks: one every replica accepts
    /// (the proxy's own `127.0.0.1:PORT`, which their `--allow-origin` names).
    pub check_host: String,
    /// The port to listen on (`127.0.0.1:PORT`): chosen beforehand with
    /// [`free_port`], as the replicas' `--allow-origin` must name it.
    pub port: u16,
    /// The health check's path (`/readyz`); `None`: no health checks, every
    /// replica is taken as up (for a bridge without `/readyz`).
    pub check_path: Option<String>,
}

/// A running HAProxy; killed and its directory removed on drop.
#[derive(Debug)]
pub struct Haproxy {
    /// The foreground process.
    child: Child,
    /// Where it listens.
    addr: SocketAddr,
    /// Its config and stderr; removed on drop.
    dir: PathBuf,
}

impl Haproxy {
    /// Writes the config and starts HAProxy on `127.0.0.1:config.port`,
    /// waiting until it accepts connections.
    ///
    /// # Errors
    /// A [`HaproxyError`] when it is missing, refuses its config, or does not
    /// listen in time (its stderr is in the message).
    pub fn start(config: &ProxyConfig) -> Result<Self, HaproxyError> {
        let binary = find_haproxy().ok_or(HaproxyError::Missing)?;
        let dir = fresh_dir()?;
        let cfg = dir.join("haproxy.cfg");
        fs::write(&cfg, render(config)).map_err(io_err("writing haproxy.cfg"))?;
        let errors = fs::File::create(dir.join("stderr.log"))
            .map_err(io_err("creating haproxy's stderr file"))?;
        let child = Command::new(&binary)
            .args(["-db", "-f"])
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(errors)
            .spawn()
            .map_err(io_err(format!("starting {}", binary.display())))?;
        let mut proxy = Self {
            child,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, config.port)),
            dir,
        };
        // On failure the proxy is dropped: killed, its directory removed.
        proxy
            .wait_listening()
            .map_err(|detail| HaproxyError::Start { detail })?;
        Ok(proxy)
    }

    /// `127.0.0.1:PORT`, where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What HAProxy wrote to stderr so far (alerts, warnings).
    pub fn stderr(&self) -> String {
        fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    /// The process id (for `/proc` figures).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_listening(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}; stderr:\n{}", self.stderr()));
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "not listening on {} after {STARTUP_TIMEOUT:?}; stderr:\n{}",
                    self.addr,
                    self.stderr()
                ));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The HAProxy config for `config` (see the module doc for what it does).
pub fn render(config: &ProxyConfig) -> String {
    let checks = config.check_path.as_ref().map_or_else(String::new, |path| {
        format!(
            "    option httpchk\n    \
             http-check send meth GET uri {path} ver HTTP/1.1 hdr Host {host}\n    \
             http-check expect status 200\n    \
             default-server check inter 200ms fall 1 rise 1\n",
            host = config.check_host
        )
    });
    let servers: String = config
        .replicas
        .iter()
        .enumerate()
        .map(|(i, addr)| format!("    server replica{i} {addr}\n"))
        .collect();
    format!(
        "\
global
    maxconn 5000

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # An upgraded WebSocket is a tunnel: idle SMTP sessions stay open.
    timeout tunnel 1h
    timeout http-request 10s
    retries 3
    option redispatch
    retry-on 503 conn-failure

frontend smtplab
    bind 127.0.0.1:{port}
    maxconn 5000
    # The stub SSO: no login, no entry; the user header is the proxy's only.
    http-request deny deny_status 401 if !{{ req.hdr({sso}) -m found }}
    http-request del-header {user}
    http-request set-header {user} %[req.hdr({sso})]
    http-request del-header {sso}
    default_backend replicas

backend replicas
    balance roundrobin
    default-server maxconn 5000
{checks}{servers}",
        port = config.port,
        sso = STUB_SSO_HEADER,
        user = USER_HEADER,
    )
}

/// A port free on 127.0.0.1 at the moment of asking.
///
/// # Errors
/// When no probe socket can be bound.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

fn find_haproxy() -> Option<PathBuf> {
    [
        "/usr/sbin/haproxy",
        "/usr/bin/haproxy",
        "/usr/local/sbin/haproxy",
    ]
    .iter()
    .map(Path::new)
    .find(|p| p.is_file())
    .map(Path::to_path_buf)
}

fn fresh_dir() -> Result<PathBuf, HaproxyError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for i in 0..100u32 {
        let dir = std::env::temp_dir().join(format!(
            "smtplab-haproxy-{}-{nanos}-{i}",
            std::process::id()
        ));
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err("creating haproxy's directory")(e)),
        }
    }
    Err(io_err("creating haproxy's directory")(io::Error::from(
        io::ErrorKind::AlreadyExists,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_balances_checks_readyz_and_sets_the_user_header_itself() {
        let text = render(&ProxyConfig {
            replicas: vec![
                "127.0.0.1:4001".parse().expect("addr"),
                "127.0.0.1:4002".parse().expect("addr"),
            ],
            check_host: "127.0.0.1:4000".into(),
            port: 4000,
            check_path: Some("/readyz".into()),
        });
        assert!(text.contains("bind 127.0.0.1:4000"));
        assert!(text.contains("balance roundrobin"));
        assert!(text.contains(
            "    option httpchk\n    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host 127.0.0.1:4000\n"
        ));
        assert!(text.contains("server replica0 127.0.0.1:4001"));
        assert!(text.contains("server replica1 127.0.0.1:4002"));
        // The client's own user header never passes: deleted before set.
        let del = text.find("del-header X-Forwarded-User").expect("deleted");
        let set = text.find("set-header X-Forwarded-User").expect("set");
        assert!(del < set);
    }
}
