//! The TLS side of a test Postfix: the two extra listeners' ports, the key
//! and certificate file they present, and the readiness check run after
//! `postfix start`.
//!
//! The listeners themselves are `tests/fixtures/master-tls.cf`: submission
//! with `smtpd_tls_security_level=encrypt` and `smtpd_tls_auth_only=yes`,
//! and `smtps` with `smtpd_tls_wrappermode=yes`. Both load
//! `smtpd_tls_chain_files` from `tests/fixtures/main-tls.cf`.

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
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dir.join("server.pem"))?;
    file.write_all(identity.key_pem.as_bytes())?;
    file.write_all(identity.cert_pem.as_bytes())?;
    file.sync_all()
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
