//! Checks of the Postfix fixture on its own, without the bridge or the
//! engine: it greets, offers AUTH, accepts mail from swaks, and two instances
//! run side by side.
//!
//! One [`MailServer`] serves every trial; libtest-mimic runs them so the
//! server is dropped (Postfix and Dovecot stopped) before the process exits.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use smtplab_e2e::postfix::OTHER_USER;
use smtplab_e2e::MailServer;

fn main() {
    let args = Arguments::from_args();
    let server = match MailServer::start() {
        Ok(server) => Arc::new(server),
        Err(e) => {
            eprintln!("cannot start the mail server fixture: {e}");
            std::process::exit(101);
        }
    };
    let with = |name: &str, test: fn(&MailServer) -> Result<(), Failed>| {
        let server = Arc::clone(&server);
        Trial::test(name, move || test(&server))
    };
    let swaks_missing = !Command::new("swaks")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let trials = vec![
        with(
            "greets_and_offers_auth_plain_and_login",
            greets_and_offers_auth_plain_and_login,
        ),
        with(
            "swaks_delivers_to_the_maildir",
            swaks_delivers_to_the_maildir,
        )
        .with_ignored_flag(swaks_missing),
        with(
            "swaks_wrong_password_gets_535",
            swaks_wrong_password_gets_535,
        )
        .with_ignored_flag(swaks_missing),
        Trial::test(
            "instances_started_together_do_not_collide",
            instances_started_together_do_not_collide,
        ),
    ];
    let conclusion = libtest_mimic::run(&args, trials);
    drop(server);
    conclusion.exit();
}

/// A raw EHLO exchange: 220 greeting, then a 250 list naming both mechanisms.
fn greets_and_offers_auth_plain_and_login(server: &MailServer) -> Result<(), Failed> {
    let stream = TcpStream::connect(server.addr())?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let greeting = read_reply(&mut reader)?;
    if !greeting[0].starts_with("220 ") {
        return Err(format!("greeting {greeting:?}").into());
    }
    writer.write_all(b"EHLO fixture.test\r\n")?;
    let ehlo = read_reply(&mut reader)?;
    let auth = ehlo
        .iter()
        .find(|l| l.get(4..).is_some_and(|t| t.starts_with("AUTH ")))
        .ok_or_else(|| format!("no AUTH in {ehlo:?}"))?;
    if !(auth.contains("PLAIN") && auth.contains("LOGIN")) {
        return Err(format!("AUTH line {auth:?}").into());
    }
    writer.write_all(b"QUIT\r\n")?;
    let bye = read_reply(&mut reader)?;
    if !bye[0].starts_with("221") {
        return Err(format!("QUIT answered {bye:?}").into());
    }
    Ok(())
}

fn swaks_delivers_to_the_maildir(server: &MailServer) -> Result<(), Failed> {
    let needle = format!("swaks-{}", server.port());
    let output = swaks(server, server.password(), &format!("{needle}\n.dot line\n"))?;
    if !output.status.success() {
        return Err(format!("swaks failed: {}", String::from_utf8_lossy(&output.stdout)).into());
    }
    let message = server.wait_for_message(OTHER_USER, &needle, Duration::from_secs(10))?;
    if !message.lines().any(|l| l == ".dot line") {
        return Err(format!("dot line not un-stuffed in:\n{message}").into());
    }
    Ok(())
}

fn swaks_wrong_password_gets_535(server: &MailServer) -> Result<(), Failed> {
    let output = swaks(server, "not-the-password", "never delivered")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if output.status.success() || !text.contains("535 5.7.8") {
        return Err(format!("expected 535 5.7.8, swaks said:\n{text}").into());
    }
    Ok(())
}

/// Starts two more instances at the same moment, while the shared one runs:
/// distinct ports and directories, all greeting, and a dropped one leaves
/// nothing behind.
fn instances_started_together_do_not_collide() -> Result<(), Failed> {
    let other = std::thread::spawn(MailServer::start);
    let a = MailServer::start()?;
    let b = other.join().map_err(|_| "start thread panicked")??;
    if a.port() == b.port() || a.base_dir() == b.base_dir() {
        return Err("instances share a port or directory".into());
    }
    for server in [&a, &b] {
        let mut reader = BufReader::new(TcpStream::connect(server.addr())?);
        let greeting = read_reply(&mut reader)?;
        if !greeting[0].starts_with("220 ") {
            return Err(format!("greeting {greeting:?}").into());
        }
    }
    let base = a.base_dir().to_path_buf();
    drop(a);
    if base.exists() {
        return Err(format!("{} left behind", base.display()).into());
    }
    Ok(())
}

fn swaks(server: &MailServer, password: &str, body: &str) -> Result<std::process::Output, Failed> {
    Ok(Command::new("swaks")
        .args(["--server", &server.addr().to_string()])
        .args([
            "--auth",
            "LOGIN",
            "--auth-user",
            server.user(),
            "--auth-password",
            password,
        ])
        .args(["--from", server.user(), "--to", OTHER_USER, "--body", body])
        .args(["--timeout", "20"])
        .output()?)
}

/// Reads one (possibly multi-line) reply as its lines.
fn read_reply(reader: &mut impl BufRead) -> Result<Vec<String>, Failed> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(format!("connection closed after {lines:?}").into());
        }
        let line = line.trim_end().to_owned();
        let last = line.as_bytes().get(3) != Some(&b'-');
        lines.push(line);
        if last {
            return Ok(lines);
        }
    }
}
