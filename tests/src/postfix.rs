//! A throw-away Postfix instance on a loopback high port, with its own
//! Dovecot for SASL and a virtual mailbox domain delivering to Maildirs.
//!
//! Everything lives under one fresh directory in `/var/tmp` (Postfix insists
//! that `maillog_file` lie under `/var`): config, queue, data, logs, Dovecot's
//! sockets and the mailboxes. Nothing under `/etc` is touched, so a system
//! Postfix keeps running undisturbed, and several instances run side by side
//! (own port, directories, Dovecot `base_dir`, `syslog_name`). The configs are
//! the templates in `tests/fixtures/`; mail for other domains goes to Postfix's
//! `error` transport, and DNS lookups are off, so nothing leaves loopback.
//!
//! [`MailServer::start_with`] with a [`ServerIdentity`] adds two TLS
//! listeners to the same instance (see [`tls_listeners`]): submission with
//! STARTTLS required, and implicit TLS (`smtps`). The plaintext listener is
//! the same either way.
//!
//! [`MailServer::start_with_starttls_listeners`] adds listeners on other
//! loopback addresses (`127.0.0.2`…), all on one port, each with its own
//! host name and certificate and STARTTLS offered (not required): several
//! "MX hosts" served by one instance.

mod session_spec;
mod tls_listeners;

use std::fs;
use std::io::{self, BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::dovecot::{self, DovecotAuth};
pub use crate::fixture_error::FixtureError;
use crate::test_ca::ServerIdentity;
use crate::{pidfile, program, token};
pub use tls_listeners::{StarttlsListener, TlsPorts};

/// The virtual mailbox domain the instance accepts mail for.
pub const DOMAIN: &str = "smtplab.test";
/// The user that can authenticate (and receive mail).
pub const USER: &str = "alice@smtplab.test";
/// A second mailbox, the usual recipient in tests.
pub const OTHER_USER: &str = "bob@smtplab.test";
/// A mailbox with a UTF-8 local part, for SMTPUTF8 (RFC 6531); its
/// Maildir is named after the local part, as the others are.
pub const UTF8_USER: &str = "ユーザー@smtplab.test";
/// Postfix's own default `message_size_limit` (10 240 000 bytes).
pub const DEFAULT_SIZE_LIMIT: u64 = 10_240_000;

/// Debian's `nobody`/`nogroup`: the owner of delivered mail. The virtual
/// delivery agent refuses root, and `nobody` owns nothing else.
const MAIL_ID: u32 = 65_534;
/// How long Postfix gets from `postfix start` to a 220 greeting.
const GREETING_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a port race (another process took the probed port) is retried.
const START_ATTEMPTS: usize = 3;

const MAIN_CF: &str = include_str!("../fixtures/main.cf");
const MASTER_CF: &str = include_str!("../fixtures/master.cf");
const DOVECOT_CONF: &str = include_str!("../fixtures/dovecot.conf");
const MAIN_TLS_CF: &str = include_str!("../fixtures/main-tls.cf");
const MASTER_TLS_CF: &str = include_str!("../fixtures/master-tls.cf");

/// What to start beyond the plaintext listener; the default is nothing more.
#[derive(Debug, Clone, Default)]
pub struct MailOptions {
    /// With a certificate and key: the STARTTLS submission and implicit-TLS
    /// listeners, presenting them.
    pub tls: Option<ServerIdentity>,
    /// `message_size_limit` in bytes (advertised as SIZE); `None` keeps
    /// Postfix's default, [`DEFAULT_SIZE_LIMIT`].
    pub message_size_limit: Option<u64>,
}

/// A running Postfix + Dovecot pair; stopped and deleted on drop.
#[derive(Debug)]
pub struct MailServer {
    /// The loopback port of the plaintext smtpd listener.
    port: u16,
    /// The TLS listeners' ports, when started with a certificate.
    tls_ports: Option<TlsPorts>,
    /// The one port of the extra STARTTLS listeners, when there are any.
    starttls_port: Option<u16>,
    /// The password of [`USER`], random per instance.
    password: String,
    /// Path of the `postfix` binary, to stop the instance.
    postfix_bin: PathBuf,
    /// Set once `postfix start` succeeded; cleared when stopped.
    postfix_running: bool,
    /// Dropped after Postfix is stopped (field order is drop order).
    dovecot: Option<DovecotAuth>,
    /// Removed last, once nothing writes to it any more.
    base: TempDir,
}

impl MailServer {
    /// Creates a fresh instance with its plaintext listener only and waits
    /// until it greets with 220.
    ///
    /// # Errors
    /// A [`FixtureError`] naming what is missing or what failed, with logs.
    pub fn start() -> Result<Self, FixtureError> {
        Self::start_with(&MailOptions::default())
    }

    /// Creates a fresh instance with what `options` asks for and waits
    /// until every listener is ready (the plaintext ones greet with 220, the
    /// submission one offers STARTTLS, the smtps one accepts connections).
    ///
    /// # Errors
    /// A [`FixtureError`] naming what is missing or what failed, with logs.
    pub fn start_with(options: &MailOptions) -> Result<Self, FixtureError> {
        Self::start_with_starttls_listeners(options, &[])
    }

    /// As [`MailServer::start_with`], plus `listeners`: one smtpd per
    /// listener on its own loopback address, all on one port free on every
    /// one of them ([`MailServer::starttls_port`]), each greeting with its
    /// host name and offering STARTTLS with its certificate. Waits until
    /// every one offers STARTTLS.
    ///
    /// # Errors
    /// A [`FixtureError`] naming what is missing or what failed, with logs.
    pub fn start_with_starttls_listeners(
        options: &MailOptions,
        listeners: &[StarttlsListener],
    ) -> Result<Self, FixtureError> {
        let postfix_bin = require("postfix", "postfix")?;
        let dovecot_bin = require("dovecot", "dovecot-core")?;
        let uid = effective_uid();
        if uid != 0 {
            return Err(FixtureError::NotRoot { uid });
        }
        let mut attempt = 1;
        loop {
            match Self::start_once(&postfix_bin, &dovecot_bin, options, listeners) {
                Err(FixtureError::PostfixStart { detail })
                    if detail.contains("in use") && attempt < START_ATTEMPTS =>
                {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn start_once(
        postfix_bin: &Path,
        dovecot_bin: &Path,
        options: &MailOptions,
        listeners: &[StarttlsListener],
    ) -> Result<Self, FixtureError> {
        let port = free_port()?;
        let starttls_port = match listeners {
            [] => None,
            _ => Some(free_port_on(listeners.iter().map(|l| l.addr))?),
        };
        let tls_ports = match options.tls {
            Some(_) => Some(TlsPorts {
                submission: free_port()?,
                smtps: free_port()?,
            }),
            None => None,
        };
        let base = tempfile::Builder::new()
            .prefix("smtplab-test-")
            .tempdir_in("/var/tmp")
            .map_err(|e| FixtureError::io("create a temp dir in /var/tmp", e))?;
        let password =
            token::random_hex(12).map_err(|e| FixtureError::io("read /dev/urandom", e))?;
        let tls = tls_ports.zip(options.tls.as_ref());
        let size_limit = options.message_size_limit.unwrap_or(DEFAULT_SIZE_LIMIT);
        write_config(base.path(), port, &password, tls, size_limit)?;
        if let Some(starttls_port) = starttls_port {
            tls_listeners::write_starttls_listeners(base.path(), starttls_port, listeners)
                .map_err(|e| FixtureError::io("write the STARTTLS listeners", e))?;
        }
        let mut server = Self {
            port,
            tls_ports,
            starttls_port,
            password,
            postfix_bin: postfix_bin.to_path_buf(),
            postfix_running: false,
            dovecot: None,
            base,
        };
        let base = server.base.path();
        server.dovecot = Some(DovecotAuth::start(
            dovecot_bin,
            &base.join("dovecot/dovecot.conf"),
            &dovecot::run_dir(base),
            &base.join("log/dovecot.log"),
        )?);
        let (status, output) = program::run_starter(
            Command::new(postfix_bin)
                .arg("-c")
                .arg(base.join("etc"))
                .arg("start"),
            &base.join("log/postfix.start"),
        )
        .map_err(|e| FixtureError::io("run postfix start", e))?;
        if !status.success() {
            return Err(FixtureError::PostfixStart {
                detail: format!(
                    "{status}: {output}\npostfix log tail:\n{}",
                    server.log_tail(20)
                ),
            });
        }
        server.postfix_running = true;
        server.wait_for_greeting()?;
        if let Some(ports) = server.tls_ports {
            tls_listeners::wait_ready(ports, GREETING_TIMEOUT).map_err(|e| {
                FixtureError::NoGreeting {
                    addr: e.addr,
                    detail: format!("{}\npostfix log tail:\n{}", e.detail, server.log_tail(20)),
                }
            })?;
        }
        if let Some(starttls_port) = starttls_port {
            let addrs = listeners
                .iter()
                .map(|l| SocketAddr::from((l.addr, starttls_port)));
            tls_listeners::wait_starttls(addrs, GREETING_TIMEOUT).map_err(|e| {
                FixtureError::NoGreeting {
                    addr: e.addr,
                    detail: format!("{}\npostfix log tail:\n{}", e.detail, server.log_tail(20)),
                }
            })?;
        }
        Ok(server)
    }

    /// The smtpd address, `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The plaintext smtpd port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The TLS listeners' ports; `None` unless started with a certificate.
    pub fn tls_ports(&self) -> Option<TlsPorts> {
        self.tls_ports
    }

    /// An instance whose TLS listeners (STARTTLS submission, implicit TLS)
    /// present a certificate for `localhost` from `ca`, and their ports.
    ///
    /// # Errors
    /// The certificate, the start, or listeners missing, in words.
    pub fn start_with_tls_from(ca: &crate::TestCa) -> Result<(Self, TlsPorts), String> {
        let identity = ca
            .server_identity()
            .map_err(|e| format!("server certificate: {e}"))?;
        let server = Self::start_with(&MailOptions {
            tls: Some(identity),
            ..MailOptions::default()
        })
        .map_err(|e| e.to_string())?;
        let ports = server
            .tls_ports()
            .ok_or("the server started without TLS listeners")?;
        Ok((server, ports))
    }

    /// The one port of the extra STARTTLS listeners; `None` unless started
    /// with [`MailServer::start_with_starttls_listeners`] and some listeners.
    pub fn starttls_port(&self) -> Option<u16> {
        self.starttls_port
    }

    /// Every listening port: the plaintext one, then the TLS ones, then the
    /// extra STARTTLS listeners' port.
    pub fn ports(&self) -> Vec<u16> {
        let mut ports = vec![self.port];
        if let Some(tls) = self.tls_ports {
            ports.extend([tls.submission, tls.smtps]);
        }
        ports.extend(self.starttls_port);
        ports
    }

    /// The user that can authenticate, [`USER`].
    pub fn user(&self) -> &str {
        USER
    }

    /// The password of [`USER`].
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The accepted mail domain, [`DOMAIN`].
    pub fn domain(&self) -> &str {
        DOMAIN
    }

    /// The instance's base directory (config, queue, logs, mail).
    pub fn base_dir(&self) -> &Path {
        self.base.path()
    }

    /// The last `lines` lines of the Postfix log, for failure messages.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read_to_string(self.base.path().join("log/postfix.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Polls the Maildir `new/` directory of `mailbox` (an address of
    /// [`DOMAIN`] or its local part) until a message containing `needle`
    /// arrives, and returns that message's raw text.
    ///
    /// # Errors
    /// [`FixtureError::MessageTimeout`] when none arrives within `timeout`.
    pub fn wait_for_message(
        &self,
        mailbox: &str,
        needle: &str,
        timeout: Duration,
    ) -> Result<String, FixtureError> {
        self.wait_for_message_bytes(mailbox, needle.as_bytes(), timeout)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The bytes of the first message in `mailbox` that contain `needle`,
    /// as delivered (for messages that need not be UTF-8). Waits up to
    /// `timeout`.
    ///
    /// # Errors
    /// [`FixtureError::MessageTimeout`] when none arrives within `timeout`.
    pub fn wait_for_message_bytes(
        &self,
        mailbox: &str,
        needle: &[u8],
        timeout: Duration,
    ) -> Result<Vec<u8>, FixtureError> {
        let local = mailbox.split('@').next().unwrap_or(mailbox);
        let dir = self
            .base
            .path()
            .join("mail")
            .join(DOMAIN)
            .join(local)
            .join("new");
        let start = Instant::now();
        loop {
            for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
                if let Ok(bytes) = fs::read(entry.path()) {
                    if needle.is_empty() || bytes.windows(needle.len()).any(|w| w == needle) {
                        return Ok(bytes);
                    }
                }
            }
            if start.elapsed() >= timeout {
                return Err(FixtureError::MessageTimeout {
                    mailbox: mailbox.to_owned(),
                    needle: String::from_utf8_lossy(needle).into_owned(),
                    waited: start.elapsed(),
                    log: self.log_tail(20),
                });
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Connects until smtpd sends a complete 220 reply.
    fn wait_for_greeting(&self) -> Result<(), FixtureError> {
        let addr = self.addr();
        let deadline = Instant::now() + GREETING_TIMEOUT;
        let mut last = String::from("never connected");
        while Instant::now() < deadline {
            match read_greeting(addr) {
                Ok(line) if line.starts_with("220 ") => return Ok(()),
                Ok(line) => last = format!("unexpected greeting {line:?}"),
                Err(e) => last = e.to_string(),
            }
            thread::sleep(Duration::from_millis(50));
        }
        Err(FixtureError::NoGreeting {
            addr,
            detail: format!("{last}\npostfix log tail:\n{}", self.log_tail(20)),
        })
    }

    fn stop_postfix(&mut self) {
        if !std::mem::take(&mut self.postfix_running) {
            return;
        }
        let etc = self.base.path().join("etc");
        let master = pidfile::read_pid(&self.base.path().join("spool/pid/master.pid"));
        let capture = self.base.path().join("log/postfix.stop");
        let _ = program::run_starter(
            Command::new(&self.postfix_bin)
                .arg("-c")
                .arg(&etc)
                .arg("stop"),
            &capture,
        );
        if let Some(pid) = master {
            if !pidfile::wait_gone(pid, Duration::from_secs(10)) {
                let _ = program::run_starter(
                    Command::new(&self.postfix_bin)
                        .arg("-c")
                        .arg(&etc)
                        .arg("abort"),
                    &capture,
                );
                pidfile::wait_gone(pid, Duration::from_secs(5));
            }
        }
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        self.stop_postfix();
        // Dovecot, then the directory, go with the remaining fields.
    }
}

/// Writes every config file and creates the directories Postfix does not
/// create itself (it fills the queue directory and makes its data directory
/// on start).
///
/// With `tls`, the TLS fixtures are appended to `main.cf` and `master.cf`
/// and the key and certificate go to `etc/tls/server.pem` (root only).
fn write_config(
    base: &Path,
    port: u16,
    password: &str,
    tls: Option<(TlsPorts, &ServerIdentity)>,
    size_limit: u64,
) -> Result<(), FixtureError> {
    let io = |what: &str| {
        let what = format!("{what} under {}", base.display());
        move |e| FixtureError::io(what, e)
    };
    // Postfix and Dovecot drop privileges and must traverse the base dir.
    fs::set_permissions(base, fs::Permissions::from_mode(0o755))
        .map_err(io("chmod the base dir"))?;
    for dir in ["etc", "log", "mail", "dovecot", "spool"] {
        fs::create_dir_all(base.join(dir)).map_err(io("create a directory"))?;
    }
    std::os::unix::fs::chown(base.join("mail"), Some(MAIL_ID), Some(MAIL_ID))
        .map_err(io("chown the mail dir"))?;
    let name = format!("smtplab-{port}");
    let (submission, smtps) = tls.map_or((0, 0), |(p, _)| (p.submission, p.smtps));
    let render = |template: &str| {
        template
            .replace("@BASE@", &base.display().to_string())
            .replace("@PORT@", &port.to_string())
            .replace("@SUBMISSION_PORT@", &submission.to_string())
            .replace("@SMTPS_PORT@", &smtps.to_string())
            .replace("@NAME@", &name)
            .replace("@VUID@", &MAIL_ID.to_string())
            .replace("@VGID@", &MAIL_ID.to_string())
            .replace("@SIZE_LIMIT@", &size_limit.to_string())
    };
    let (mut main_cf, mut master_cf) = (render(MAIN_CF), render(MASTER_CF));
    if let Some((_, identity)) = tls {
        main_cf.push_str(&render(MAIN_TLS_CF));
        master_cf.push_str(&render(MASTER_TLS_CF));
        tls_listeners::write_identity(&base.join("etc/tls"), identity)
            .map_err(io("write the TLS key and certificate"))?;
    }
    let files = [
        ("etc/main.cf", main_cf),
        ("etc/master.cf", master_cf),
        (
            "etc/vmailbox",
            format!(
                "{USER} {DOMAIN}/alice/\n{OTHER_USER} {DOMAIN}/bob/\n{UTF8_USER} {DOMAIN}/{}/\n",
                UTF8_USER.split('@').next().unwrap_or_default()
            ),
        ),
        ("dovecot/dovecot.conf", render(DOVECOT_CONF)),
        ("dovecot/users", format!("{USER}:{{PLAIN}}{password}\n")),
    ];
    for (path, text) in files {
        fs::write(base.join(path), text).map_err(io("write a config file"))?;
    }
    Ok(())
}

/// Asks the kernel for a free loopback port. Another process may take it
/// before Postfix binds; [`MailServer::start`] retries that case.
fn free_port() -> Result<u16, FixtureError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| FixtureError::io("bind a probe port on 127.0.0.1", e))?;
    let port = listener
        .local_addr()
        .map_err(|e| FixtureError::io("read the probe port", e))?
        .port();
    Ok(port)
}

/// A port free on every one of `addrs` (loopback addresses) at the moment
/// of asking; [`MailServer::start`] retries when one is taken before
/// Postfix binds.
fn free_port_on(addrs: impl Iterator<Item = Ipv4Addr> + Clone) -> Result<u16, FixtureError> {
    for _ in 0..50 {
        let port = free_port()?;
        if addrs
            .clone()
            .all(|addr| TcpListener::bind((addr, port)).is_ok())
        {
            return Ok(port);
        }
    }
    Err(FixtureError::io(
        "find a port free on every STARTTLS listener address",
        io::Error::from(io::ErrorKind::AddrInUse),
    ))
}

/// Reads the first complete reply line from a fresh connection.
fn read_greeting(addr: SocketAddr) -> io::Result<String> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "closed before 220",
            ));
        }
        // A multi-line greeting ends with "220 "; "220-" lines continue.
        if !line.starts_with("220-") {
            return Ok(line.trim_end().to_owned());
        }
    }
}

fn require(name: &'static str, package: &'static str) -> Result<PathBuf, FixtureError> {
    program::find_program(name).ok_or(FixtureError::MissingProgram {
        program: name,
        package,
    })
}

/// The effective uid, from `/proc/self/status` (std has no getuid).
fn effective_uid() -> u32 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Uid:"))?;
            line.split_whitespace().nth(2)?.parse().ok()
        })
        .unwrap_or(u32::MAX)
}
