//! The TLS side of a test Postfix: the two extra listeners' ports, the key
//! and certificate file they present, and the readiness check run after
//! `postfix start`.
//!
//! The listeners themselves are `tests/fixtures/master-tls.cf`: submission
//! with `smtpd_tls_security_level=encrypt` and `smtpd_tls_auth_only=yes`,
//! and `smtps` with `smtpd_tls_wrappermode=yes`. Both load
//! `smtpd_tls_chain_files` from `tests/fixtures/main-tls.cf`.
//!
//! The extra STARTTLS listeners ([`StarttlsListener`]) are written here
//! instead, one `master.cf` entry each with its own `-o` overrides: address,
//! `myhostname`, `smtpd_tls_security_level=may` and its own
//! `smtpd_tls_chain_files`.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use crate::test_ca::ServerIdentity;

/// The ports of the TLS listeners, both on 127.0.0.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsPorts {
    /// Submission-style: plaintext 220, STARTTLS required before MAIL and
    /// AUTH (530 5.7.0), AUTH offered only after STARTTLS.
    pub submission: u16,
    /// Implicit TLS (RFC 8314, like port 465): the handshake comes first.
    pub smtps: u16,
}

/// One more smtpd on its own loopback address (all of them share one
/// port), greeting as `hostname` and offering STARTTLS with `identity`.
#[derive(Debug, Clone)]
pub struct StarttlsListener {
    /// The loopback address it listens on (`127.0.0.2`…).
    pub addr: Ipv4Addr,
    /// Its `myhostname`: the name in its 220 greeting and EHLO reply.
    pub hostname: String,
    /// The certificate and key it presents after STARTTLS.
    pub identity: ServerIdentity,
}

/// A listener that did not become ready.
#[derive(Debug)]
pub(super) struct NotReady {
    /// The listener.
    pub(super) addr: SocketAddr,
    /// The last thing that went wrong.
    pub(super) detail: String,
}

/// Writes `identity` as `dir/server.pem`, key first then the certificate
/// (the order `smtpd_tls_chain_files` wants in one file), readable by root
/// only: smtpd reads it before dropping privileges.
pub(super) fn write_identity(dir: &Path, identity: &ServerIdentity) -> io::Result<()> {
    write_identity_as(dir, "server.pem", identity)
}

/// [`write_identity`] under another file name.
fn write_identity_as(dir: &Path, file_name: &str, identity: &ServerIdentity) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dir.join(file_name))?;
    file.write_all(identity.key_pem.as_bytes())?;
    file.write_all(identity.cert_pem.as_bytes())?;
    file.sync_all()
}

/// Writes each listener's key and certificate as
/// `etc/tls/starttls-ADDR.pem` and appends its `master.cf` entry, all on
/// `port`.
pub(super) fn write_starttls_listeners(
    base: &Path,
    port: u16,
    listeners: &[StarttlsListener],
) -> io::Result<()> {
    let tls_dir = base.join("etc/tls");
    let mut entries =
        String::from("# --- STARTTLS listeners (MailServer::start_with_starttls_listeners) ---\n");
    for listener in listeners {
        let file_name = format!("starttls-{}.pem", listener.addr);
        write_identity_as(&tls_dir, &file_name, &listener.identity)?;
        // Infallible: writing to a String.
        let _ = write!(
            entries,
            "{addr}:{port} inet n - n - - smtpd\n  \
             -o syslog_name=smtplab-{port}/{addr}\n  \
             -o myhostname={host}\n  \
             -o smtpd_tls_security_level=may\n  \
             -o smtpd_tls_chain_files={chain}\n  \
             -o smtpd_tls_loglevel=1\n",
            addr = listener.addr,
            host = listener.hostname,
            chain = tls_dir.join(file_name).display(),
        );
    }
    let mut master = fs::OpenOptions::new()
        .append(true)
        .open(base.join("etc/master.cf"))?;
    master.write_all(entries.as_bytes())
}

/// Waits until every one of `addrs` greets and its EHLO offers STARTTLS.
pub(super) fn wait_starttls(
    addrs: impl IntoIterator<Item = SocketAddr>,
    timeout: Duration,
) -> Result<(), NotReady> {
    let deadline = Instant::now() + timeout;
    for addr in addrs {
        poll(addr, deadline, || offers_starttls(addr))?;
    }
    Ok(())
}

/// Waits until the submission listener greets and its EHLO offers STARTTLS
/// (smtpd loaded the certificate), and the smtps listener accepts TCP.
pub(super) fn wait_ready(ports: TlsPorts, timeout: Duration) -> Result<(), NotReady> {
    let deadline = Instant::now() + timeout;
    let submission = SocketAddr::from((Ipv4Addr::LOCALHOST, ports.submission));
    poll(submission, deadline, || offers_starttls(submission))?;
    let smtps = SocketAddr::from((Ipv4Addr::LOCALHOST, ports.smtps));
    poll(smtps, deadline, || {
        TcpStream::connect_timeout(&smtps, Duration::from_secs(2))
            .map(drop)
            .map_err(|e| e.to_string())
    })
}

fn poll(
    addr: SocketAddr,
    deadline: Instant,
    mut check: impl FnMut() -> Result<(), String>,
) -> Result<(), NotReady> {
    loop {
        match check() {
            Ok(()) => return Ok(()),
            Err(detail) if Instant::now() >= deadline => return Err(NotReady { addr, detail }),
            Err(_) => thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Greeting, `EHLO`, and a `STARTTLS` line in the reply; then `QUIT`.
fn offers_starttls(addr: SocketAddr) -> Result<(), String> {
    let stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let greeting = read_reply(&mut reader)?;
    if !greeting.first().is_some_and(|l| l.starts_with("220")) {
        return Err(format!("unexpected greeting {greeting:?}"));
    }
    writer
        .write_all(b"EHLO ready.smtplab.test\r\n")
        .map_err(|e| e.to_string())?;
    let ehlo = read_reply(&mut reader)?;
    let _ = writer.write_all(b"QUIT\r\n");
    if ehlo.iter().any(|l| l.get(4..) == Some("STARTTLS")) {
        Ok(())
    } else {
        Err(format!("EHLO does not offer STARTTLS: {ehlo:?}"))
    }
}

/// The lines of one (multi-line) reply.
fn read_reply(reader: &mut impl BufRead) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err(format!("closed after {lines:?}"));
        }
        let line = line.trim_end().to_owned();
        let last = line.as_bytes().get(3) != Some(&b'-');
        lines.push(line);
        if last {
            return Ok(lines);
        }
    }
}
