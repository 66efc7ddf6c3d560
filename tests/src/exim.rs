//! A throw-away Exim 4 on a loopback high port: the second MTA of the
//! fixtures, so the engine, the explanations and the diagnostics are proven
//! against two mail servers, not one.
//!
//! Exim is not apt-installed (its packages conflict with postfix as
//! `mail-transport-agent`): Debian's `exim4-daemon-light`, `exim4-base`,
//! `exim4-config` and `libidn12` are fetched once with `apt-get download`,
//! unpacked with `dpkg-deb -x` under `target/exim-debian/root/` (cached
//! between runs), and the daemon runs from there with its own config
//! (`tests/fixtures/exim.conf`, `-C`), in the foreground (`-bdf`), as root
//! (it drops to `Debian-exim`, the user its binary is built for; the
//! fixture creates that system user if it is missing, as the package's
//! postinst would).
//!
//! What this Exim is like (what the tests assert):
//! - STARTTLS with a self-signed certificate made the way `openssl req
//!   -x509` makes one by default: `basicConstraints = critical, CA:TRUE`
//!   (plus SANs `IP:127.0.0.1` and `DNS:localhost`);
//! - AUTH PLAIN and LOGIN (plaintext server-side, one fixed user with a
//!   random password) advertised only after STARTTLS: in plaintext AUTH
//!   gets `503 AUTH command used when not advertised`;
//! - its own replies: unknown user `550 Unrouteable address`, relay
//!   `550 relay not permitted`, wrong password `535 Incorrect
//!   authentication data`; accepted mail is only queued (`queue_only`).

use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
use tempfile::TempDir;

use crate::token;

/// The domain this Exim accepts mail for.
pub const DOMAIN: &str = "exim.smtplab.test";
/// The user that can authenticate (and receive mail).
pub const USER: &str = "alice@exim.smtplab.test";
/// The packages unpacked (libidn12: a library exim4 links that a system
/// without Exim may lack).
const PACKAGES: [&str; 4] = [
    "exim4-daemon-light",
    "exim4-base",
    "exim4-config",
    "libidn12",
];
/// The user the Debian binary is built to drop to.
const EXIM_USER: &str = "Debian-exim";
/// How long the daemon gets to greet.
const GREETING_TIMEOUT: Duration = Duration::from_secs(30);
const CONFIG: &str = include_str!("../fixtures/exim.conf");

/// Why the Exim fixture could not start.
#[derive(Debug, thiserror::Error)]
pub enum EximError {
    /// Exim must start as root (it drops privileges itself).
    #[error("the Exim fixture must run as root (effective uid {0})")]
    NotRoot(u32),
    /// A step failed (download, unpack, config, start), with its output.
    #[error("Exim fixture: {0}")]
    Setup(String),
    /// A file system operation failed.
    #[error("Exim fixture: {what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: io::Error,
    },
}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> EximError {
    let what = what.into();
    move |source| EximError::Io { what, source }
}

/// A running Exim daemon; killed and its directory removed on drop.
#[derive(Debug)]
pub struct Exim {
    port: u16,
    password: String,
    cert_pem: String,
    cert_der: Vec<u8>,
    child: Option<Child>,
    /// Removed last.
    base: TempDir,
}

impl Exim {
    /// Unpacks Exim if needed, writes a fresh config and certificate,
    /// starts the daemon and waits for its 220.
    ///
    /// # Errors
    /// An [`EximError`] saying what failed, with Exim's output and log.
    pub fn start() -> Result<Self, EximError> {
        let uid = effective_uid();
        if uid != 0 {
            return Err(EximError::NotRoot(uid));
        }
        let root = unpacked()?;
        ensure_exim_user()?;
        let base = tempfile::Builder::new()
            .prefix("smtplab-exim-")
            .tempdir_in("/var/tmp")
            .map_err(io_err("create a temp dir in /var/tmp"))?;
        let dir = base.path();
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
            .map_err(io_err("chmod the base dir"))?;
        for sub in ["spool", "log", "tls"] {
            fs::create_dir(dir.join(sub)).map_err(io_err(format!("create {sub}/")))?;
        }
        chown_to_exim(&[dir.join("spool"), dir.join("log")])?;
        let (cert_pem, cert_der, key_pem) = ca_true_self_signed()?;
        fs::write(dir.join("tls/cert.pem"), &cert_pem).map_err(io_err("write cert.pem"))?;
        fs::write(dir.join("tls/key.pem"), key_pem).map_err(io_err("write key.pem"))?;
        // Exim reads the key after dropping to Debian-exim.
        chown_to_exim(&[dir.join("tls/key.pem")])?;
        fs::set_permissions(dir.join("tls/key.pem"), fs::Permissions::from_mode(0o600))
            .map_err(io_err("chmod key.pem"))?;
        let password = token::random_hex(12).map_err(io_err("read /dev/urandom"))?;
        let port = free_port()?;
        let config = CONFIG
            .replace("@BASE@", &dir.to_string_lossy())
            .replace("@PORT@", &port.to_string())
            .replace("@DOMAIN@", DOMAIN)
            .replace("@USER@", USER)
            .replace("@PASSWORD@", &password);
        let config_path = dir.join("exim.conf");
        fs::write(&config_path, config).map_err(io_err("write exim.conf"))?;
        fs::set_permissions(&config_path, fs::Permissions::from_mode(0o644))
            .map_err(io_err("chmod exim.conf"))?;
        let out = fs::File::create(dir.join("log/daemon.out")).map_err(io_err("daemon.out"))?;
        let child = Command::new(root.join("usr/sbin/exim4"))
            .env("LD_LIBRARY_PATH", root.join("usr/lib/x86_64-linux-gnu"))
            .arg("-C")
            .arg(&config_path)
            .args(["-bdf", "-oX"])
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(out.try_clone().map_err(io_err("daemon.out"))?)
            .stderr(out)
            .spawn()
            .map_err(io_err("start exim4"))?;
        let mut exim = Self {
            port,
            password,
            cert_pem,
            cert_der,
            child: Some(child),
            base,
        };
        exim.wait_for_greeting()?;
        Ok(exim)
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The SMTP port (STARTTLS offered, AUTH only after it).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user that can authenticate, [`USER`].
    pub fn user(&self) -> &str {
        USER
    }

    /// Its password (random per instance).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The server's certificate (CA:TRUE, self-signed) as PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The certificate's DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The instance's directory (config, spool, logs).
    pub fn base_dir(&self) -> &Path {
        self.base.path()
    }

    /// The end of Exim's main log and the daemon's output.
    pub fn log_tail(&self, lines: usize) -> String {
        let mut text = String::new();
        for file in [
            "log/mainlog",
            "log/paniclog",
            "log/rejectlog",
            "log/daemon.out",
        ] {
            let body = fs::read_to_string(self.base.path().join(file)).unwrap_or_default();
            let all: Vec<&str> = body.lines().collect();
            if !all.is_empty() {
                text.push_str(&format!("== {file}\n"));
                text.push_str(&all[all.len().saturating_sub(lines)..].join("\n"));
                text.push('\n');
            }
        }
        text
    }

    fn wait_for_greeting(&mut self) -> Result<(), EximError> {
        let deadline = Instant::now() + GREETING_TIMEOUT;
        let mut last = String::from("never connected");
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(EximError::Setup(format!(
                        "exim4 exited with {status}\n{}",
                        self.log_tail(20)
                    )));
                }
            }
            match read_greeting(self.addr()) {
                Ok(line) if line.starts_with("220 ") => return Ok(()),
                Ok(line) => last = format!("unexpected greeting {line:?}"),
                Err(e) => last = e.to_string(),
            }
            thread::sleep(Duration::from_millis(50));
        }
        Err(EximError::Setup(format!(
            "no 220 on {}: {last}\n{}",
            self.addr(),
            self.log_tail(20)
        )))
    }
}

impl Drop for Exim {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A self-signed certificate as `openssl req -x509` makes it by default
/// (`basicConstraints = critical, CA:TRUE`, no key usage or extended key
/// usage), naming `IP:127.0.0.1` and `DNS:localhost`: (PEM, DER, key PEM).
fn ca_true_self_signed() -> Result<(String, Vec<u8>, String), EximError> {
    let failed = |e: rcgen::Error| EximError::Setup(format!("make the certificate: {e}"));
    let key = KeyPair::generate().map_err(failed)?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).map_err(failed)?;
    params
        .subject_alt_names
        .push(SanType::IpAddress(Ipv4Addr::LOCALHOST.into()));
    params.distinguished_name.push(DnType::CommonName, DOMAIN);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).map_err(failed)?;
    Ok((cert.pem(), cert.der().to_vec(), key.serialize_pem()))
}

/// The cache directory: `$CARGO_TARGET_DIR` or the workspace's `target/`.
fn cache_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("exim-debian")
}

/// The unpacked packages' root, downloading and unpacking them on first
/// use. Several test processes may race: each unpacks into its own
/// directory and renames it into place; the loser drops its copy.
fn unpacked() -> Result<PathBuf, EximError> {
    let cache = cache_dir();
    let root = cache.join("root");
    if root.join("usr/sbin/exim4").is_file() {
        return Ok(root);
    }
    fs::create_dir_all(&cache).map_err(io_err("create target/exim-debian"))?;
    let work = tempfile::Builder::new()
        .prefix("unpack-")
        .tempdir_in(&cache)
        .map_err(io_err("create an unpack dir"))?;
    let debs = work.path().join("debs");
    let tree = work.path().join("root");
    fs::create_dir_all(&debs).map_err(io_err("create debs/"))?;
    let output = Command::new("apt-get")
        .arg("download")
        .args(PACKAGES)
        .current_dir(&debs)
        .output()
        .map_err(io_err("run apt-get download"))?;
    if !output.status.success() {
        return Err(EximError::Setup(format!(
            "apt-get download {}: {}\n{}",
            PACKAGES.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    for entry in fs::read_dir(&debs).map_err(io_err("list debs/"))? {
        let deb = entry.map_err(io_err("list debs/"))?.path();
        let output = Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(&tree)
            .output()
            .map_err(io_err("run dpkg-deb -x"))?;
        if !output.status.success() {
            return Err(EximError::Setup(format!(
                "dpkg-deb -x {}: {}",
                deb.display(),
                String::from_utf8_lossy(&output.stderr)
            )));
        }
    }
    match fs::rename(&tree, &root) {
        Ok(()) => Ok(root),
        Err(_) if root.join("usr/sbin/exim4").is_file() => Ok(root),
        Err(e) => Err(io_err("move the unpacked tree into place")(e)),
    }
}

/// Creates the `Debian-exim` system user (and group) if it is missing.
fn ensure_exim_user() -> Result<(), EximError> {
    let known = Command::new("getent")
        .args(["passwd", EXIM_USER])
        .stdout(Stdio::null())
        .status()
        .map_err(io_err("run getent"))?;
    if known.success() {
        return Ok(());
    }
    let output = Command::new("useradd")
        .args([
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            EXIM_USER,
        ])
        .output()
        .map_err(io_err("run useradd"))?;
    // Another process may have created it meanwhile (exit 9: exists).
    if output.status.success() || output.status.code() == Some(9) {
        Ok(())
    } else {
        Err(EximError::Setup(format!(
            "useradd {EXIM_USER}: {}",
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

fn chown_to_exim(paths: &[PathBuf]) -> Result<(), EximError> {
    let output = Command::new("chown")
        .arg("-R")
        .arg(format!("{EXIM_USER}:{EXIM_USER}"))
        .args(paths)
        .output()
        .map_err(io_err("run chown"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(EximError::Setup(format!(
            "chown: {}",
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

fn free_port() -> Result<u16, EximError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(io_err("bind a probe port on 127.0.0.1"))?;
    Ok(listener
        .local_addr()
        .map_err(io_err("read the probe port"))?
        .port())
}

fn read_greeting(addr: SocketAddr) -> io::Result<String> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let _ = (&stream).write_all(b"QUIT\r\n");
    Ok(line)
}

/// The effective uid, from `/proc/self/status`.
fn effective_uid() -> u32 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Uid:"))?;
            line.split_whitespace().nth(2)?.parse().ok()
        })
        .unwrap_or(u32::MAX)
}
