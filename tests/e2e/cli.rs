//! `smtplab send` and `smtplab check` end to end: the real `smtplab` binary
//! (no bridge, no browser) against the real Postfix + Dovecot with its TLS
//! listeners, each exit code compared with swaks' own for the same case, the
//! same sessions run by swaks and by `smtplab send` compared reply by reply,
//! and the Diagnostics checks with a dnsmasq for the MX records.
//!
//! One rig (the test CA, Postfix with plaintext, submission and smtps
//! listeners, dnsmasq) serves every trial; libtest-mimic runs them so
//! Postfix and dnsmasq are stopped before the process exits.

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use serde_json::Value;
use smtplab_e2e::bridge_process::binary;
use smtplab_e2e::dnsmasq::Dnsmasq;
use smtplab_e2e::finished::Finished;
use smtplab_e2e::postfix::{TlsPorts, OTHER_USER};
use smtplab_e2e::test_ca::TestCa;
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::MailServer;
use smtplab_shared::smtp::{
    compose_message, AuthMechanism, AuthSpec, Secret, SessionSpec, Stage, Timeouts, TlsMode,
};
use tempfile::TempDir;

/// The name the test certificate is for (and that resolves to 127.0.0.1).
const HOST: &str = "localhost";
/// The EHLO name both clients send.
const EHLO: &str = "cli.smtplab.test";

fn main() {
    run_with_rig(
        "e2e CLI",
        Rig::start,
        &[
            (
                "send_starttls_auth_login_verified_delivers_to_the_maildir",
                starttls_delivers,
            ),
            (
                "send_implicit_tls_delivers_with_a_json_report",
                implicit_delivers,
            ),
            (
                "send_session_file_from_the_tab_delivers",
                session_file_delivers,
            ),
            ("exit_wrong_password_is_28_as_swaks", wrong_password),
            ("exit_unknown_recipient_is_24_as_swaks", unknown_recipient),
            ("exit_relay_denied_is_24_as_swaks", relay_denied),
            ("exit_connection_refused_is_2_as_swaks", connection_refused),
            (
                "exit_starttls_required_but_not_offered_is_29_as_swaks",
                starttls_not_offered,
            ),
            ("exit_bad_command_line_is_1_as_swaks", bad_command_line),
            (
                "swaks_cross_check_same_reply_codes_plaintext_auth",
                cross_check_plaintext,
            ),
            (
                "swaks_cross_check_same_reply_codes_starttls_auth",
                cross_check_starttls,
            ),
            ("help_send_has_examples_and_exit_codes", help_send),
            (
                "check_server_verdicts_as_the_tab_pass_and_warn_exit_1",
                check_server_passes,
            ),
            (
                "check_server_unknown_user_and_wrong_password_fail_exit_2",
                check_server_fails,
            ),
            (
                "check_domain_mx_via_dnsmasq_warns_dead_and_missing_fail",
                check_domains,
            ),
            (
                "timing_seed_session_send_vs_swaks_median_of_10",
                timing_seed_session,
            ),
        ],
    );
}

/// Shared by every trial.
struct Rig {
    /// Postfix with the plaintext, submission and smtps listeners.
    server: MailServer,
    /// The TLS listeners.
    ports: TlsPorts,
    /// The `smtplab` binary.
    smtplab: PathBuf,
    /// Holds the test CA's PEM file.
    dir: TempDir,
    /// Serves the `check` trials' MX records.
    dns: Dnsmasq,
}

impl Rig {
    fn start() -> Result<Self, String> {
        let ca = TestCa::new("smtplab cli test CA").map_err(|e| format!("test CA: {e}"))?;
        let (server, ports) = MailServer::start_with_tls_from(&ca)?;
        let smtplab = binary().map_err(|e| e.to_string())?;
        let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).map_err(|e| format!("ca.pem: {e}"))?;
        let dns = Dnsmasq::start(&[
            "--mx-host=smtplab.test,mx1.smtplab.test,10",
            "--host-record=mx1.smtplab.test,127.0.0.1",
            "--mx-host=dead.test,mx.dead.test,10",
            "--host-record=mx.dead.test,127.0.0.5",
        ])?;
        Ok(Self {
            server,
            ports,
            smtplab,
            dir,
            dns,
        })
    }

    fn ca_path(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn plain_server(&self) -> String {
        format!("127.0.0.1:{}", self.server.port())
    }

    /// A needle unique to this instance and `tag`.
    fn needle(&self, tag: &str) -> String {
        format!("cli-needle-{tag}-{}", self.server.port())
    }

    /// Runs `smtplab send ARGS` with the password in the environment (when
    /// given) and no terminal.
    fn smtplab(&self, args: &[&str], password: Option<&str>) -> Result<Finished, Failed> {
        let mut command = Command::new(&self.smtplab);
        command.arg("send").args(args);
        command.env_remove("SMTPLAB_AUTH_PASSWORD");
        if let Some(p) = password {
            command.env("SMTPLAB_AUTH_PASSWORD", p);
        }
        Finished::of(command, "smtplab send")
    }

    /// Runs `swaks ARGS`.
    fn swaks(&self, args: &[&str]) -> Result<Finished, Failed> {
        let mut command = Command::new("swaks");
        command.args(args);
        Finished::of(command, "swaks")
    }

    /// The options both clients share: server, EHLO, envelope, timeout.
    fn common<'a>(&'a self, server: &'a str, from: &'a str, to: &'a str) -> Vec<&'a str> {
        vec![
            "--server",
            server,
            "--ehlo",
            EHLO,
            "--from",
            from,
            "--to",
            to,
            "--timeout",
            "15",
        ]
    }

    /// Both clients in the same case: their exit codes must be `expected`.
    fn both_exit(
        &self,
        args: &[&str],
        password: Option<&str>,
        expected: i32,
    ) -> Result<(), Failed> {
        let mut swaks_args: Vec<&str> = args.to_vec();
        if let Some(p) = password {
            swaks_args.extend(["--auth-password", p]);
        }
        let ours = self.smtplab(args, password)?;
        let theirs = self.swaks(&swaks_args)?;
        if ours.code != Some(expected) || theirs.code != Some(expected) {
            return Err(format!(
                "expected exit {expected} from both; smtplab send: {:?}, swaks: {:?}\n{}",
                ours.code,
                theirs.code,
                side_by_side(&ours.stdout_and_err(), &theirs.stdout_and_err())
            )
            .into());
        }
        println!(
            "exit {expected}: smtplab send {:?}, swaks {:?}",
            ours.code, theirs.code
        );
        Ok(())
    }
}

/// STARTTLS on submission by name, the certificate verified against the
/// test CA (`--tls-verify --tls-ca-path`), AUTH LOGIN after the second
/// EHLO, the message in bob's Maildir, the password nowhere in the output.
fn starttls_delivers(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("starttls");
    let server = format!("{HOST}:{}", rig.ports.submission);
    let ca = rig.ca_path();
    let ca = ca.to_string_lossy();
    let subject = format!("Subject: {needle}");
    let mut args = rig.common(&server, rig.server.user(), OTHER_USER);
    args.extend([
        "--tls",
        "--tls-verify",
        "--tls-ca-path",
        &ca,
        "--auth",
        "LOGIN",
        "--auth-user",
        rig.server.user(),
        "--header",
        &subject,
        "--body",
        "Sent by smtplab send over STARTTLS.",
    ]);
    let run = rig.smtplab(&args, Some(rig.server.password()))?;
    run.expect_ok("smtplab send --tls")?;
    let out = &run.stdout;
    for wanted in [
        " -> STARTTLS",
        "=== TLS started: ",
        "certificate verified",
        " ~> EHLO cli.smtplab.test",
        " ~> AUTH LOGIN",
        "<~  235 ",
        "=== delivered: ",
        "=== steps: connect ",
    ] {
        if !out.contains(wanted) {
            return Err(format!("{wanted:?} missing in:\n{out}").into());
        }
    }
    if out.contains(rig.server.password()) || run.stderr.contains(rig.server.password()) {
        return Err(format!("the password is in the output:\n{out}").into());
    }
    let message = rig
        .server
        .wait_for_message(OTHER_USER, &needle, Duration::from_secs(15))?;
    if !message.contains("Sent by smtplab send over STARTTLS.") {
        return Err(format!("the body is not in the stored message:\n{message}").into());
    }
    println!("{out}");
    Ok(())
}

/// Implicit TLS on the smtps port with `--json`: the report's exit code,
/// typed verdict, steps and encrypted entries; the message arrives.
fn implicit_delivers(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("implicit");
    let server = format!("{HOST}:{}", rig.ports.smtps);
    let ca = rig.ca_path();
    let ca = ca.to_string_lossy();
    let mut args = rig.common(&server, rig.server.user(), OTHER_USER);
    args.extend([
        "--tls-on-connect",
        "--tls-verify",
        "--tls-ca-path",
        &ca,
        "--auth",
        "PLAIN",
        "--auth-user",
        rig.server.user(),
        "--body",
        &needle,
        "--json",
    ]);
    let run = rig.smtplab(&args, Some(rig.server.password()))?;
    run.expect_ok("smtplab send --tls-on-connect --json")?;
    let report: Value = serde_json::from_str(&run.stdout)
        .map_err(|e| format!("not JSON ({e}):\n{}", run.stdout))?;
    let check = |ok: bool, what: &str| -> Result<(), Failed> {
        if ok {
            Ok(())
        } else {
            Err(format!("{what}:\n{}", run.stdout).into())
        }
    };
    check(report["exit_code"] == 0, "exit_code 0")?;
    check(
        report["outcome"]["verdict"] == "Delivered",
        "verdict Delivered",
    )?;
    check(
        report["outcome"]["tls"]["verification"]["problem"].is_null(),
        "a verified certificate",
    )?;
    let steps = report["steps"].as_array().cloned().unwrap_or_default();
    check(
        steps.first().is_some_and(|s| s["step"] == "connect") && steps.len() >= 6,
        "the steps from connect on",
    )?;
    let entries = report["entries"].as_array().cloned().unwrap_or_default();
    check(
        entries
            .iter()
            .filter(|e| e["kind"] == "reply")
            .all(|e| e["encrypted"] == true),
        "every reply encrypted",
    )?;
    check(
        entries
            .iter()
            .any(|e| e["kind"] == "sent" && e["masked"] == true),
        "the AUTH payload masked",
    )?;
    check(!run.stdout.contains(rig.server.password()), "no password")?;
    rig.server
        .wait_for_message(OTHER_USER, &needle, Duration::from_secs(15))?;
    Ok(())
}

/// A session file as the tab exports it (the spec's JSON, the password
/// left out), replayed with the password from the environment.
fn session_file_delivers(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("session-file");
    let rcpt_to = vec![OTHER_USER.to_owned()];
    let spec = SessionSpec {
        host: "127.0.0.1".to_owned(),
        port: rig.server.port(),
        ehlo_name: EHLO.to_owned(),
        auth: Some(AuthSpec {
            mechanism: AuthMechanism::Login,
            username: rig.server.user().to_owned(),
            password: Secret::new(String::new()),
        }),
        mail_from: rig.server.user().to_owned(),
        message: compose_message(
            rig.server.user(),
            &rcpt_to,
            "from a session file",
            &format!("Exported by the tab, replayed by smtplab send.\n{needle}\n"),
            "Mon, 01 Jan 2024 00:00:00 +0000",
            &format!("<{needle}@smtplab.test>"),
        ),
        rcpt_to,
        stop_after: Stage::Data,
        timeouts: Timeouts::default(),
        tls: TlsMode::None,
        envelope: Default::default(),
    };
    let path = rig.dir.path().join("session.json");
    let text = serde_json::to_string_pretty(&spec).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    let path = path.to_string_lossy();
    let run = rig.smtplab(&["--session", &path], Some(rig.server.password()))?;
    run.expect_ok("smtplab send --session")?;
    if !run.stdout.contains(" -> AUTH LOGIN") || !run.stdout.contains("=== delivered") {
        return Err(format!("AUTH LOGIN and delivered expected:\n{}", run.stdout).into());
    }
    let message = rig
        .server
        .wait_for_message(OTHER_USER, &needle, Duration::from_secs(15))?;
    if !message.contains(&format!("<{needle}@smtplab.test>")) {
        return Err(format!("the file's Message-ID is not in:\n{message}").into());
    }
    // Without a password anywhere (and no terminal to ask on): exit 1.
    let run = rig.smtplab(&["--session", &path], None)?;
    if run.code != Some(1) || !run.stderr.contains("SMTPLAB_AUTH_PASSWORD") {
        return Err(format!(
            "no password: expected exit 1 naming SMTPLAB_AUTH_PASSWORD, got {:?}\n{}",
            run.code,
            run.stdout_and_err()
        )
        .into());
    }
    Ok(())
}

fn wrong_password(rig: &Rig) -> Result<(), Failed> {
    let server = rig.plain_server();
    let mut args = rig.common(&server, rig.server.user(), OTHER_USER);
    args.extend(["--auth", "LOGIN", "--auth-user", rig.server.user()]);
    rig.both_exit(&args, Some("not-the-password"), 28)
}

fn unknown_recipient(rig: &Rig) -> Result<(), Failed> {
    let server = rig.plain_server();
    let args = rig.common(&server, rig.server.user(), "nobody@smtplab.test");
    rig.both_exit(&args, None, 24)
}

fn relay_denied(rig: &Rig) -> Result<(), Failed> {
    let server = rig.plain_server();
    let args = rig.common(&server, rig.server.user(), "someone@example.org");
    rig.both_exit(&args, None, 24)
}

fn connection_refused(rig: &Rig) -> Result<(), Failed> {
    // A loopback port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("free port: {e}"))?
        .port();
    let server = format!("127.0.0.1:{port}");
    let args = rig.common(&server, rig.server.user(), OTHER_USER);
    rig.both_exit(&args, None, 2)?;
    let run = rig.smtplab(&args, None)?;
    if !run.stdout.contains("connection refused") {
        return Err(format!("the message should say refused:\n{}", run.stdout).into());
    }
    Ok(())
}

fn starttls_not_offered(rig: &Rig) -> Result<(), Failed> {
    let server = rig.plain_server();
    let mut args = rig.common(&server, rig.server.user(), OTHER_USER);
    args.push("--tls");
    rig.both_exit(&args, None, 29)
}

fn bad_command_line(rig: &Rig) -> Result<(), Failed> {
    let server = rig.plain_server();
    let mut args = rig.common(&server, rig.server.user(), OTHER_USER);
    args.push("--no-such-option");
    rig.both_exit(&args, None, 1)
}

/// The reply codes of a swaks transcript, one per reply (its last line):
/// `<-  250 …`, `<~  250 …`, `<** 550 …`, `<~* 550 …`.
fn swaks_codes(transcript: &str) -> Vec<u16> {
    transcript
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix('<')?;
            let rest = rest.trim_start_matches(['-', '~', '*']).trim_start();
            let (code, after) = rest.split_at_checked(3)?;
            if !after.starts_with(' ') && !after.is_empty() {
                return None;
            }
            code.parse().ok()
        })
        .collect()
}

/// The reply codes of a `smtplab send --json` report.
fn report_codes(report: &Value) -> Vec<u16> {
    report["entries"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["kind"] == "reply")
                .filter_map(|e| e["code"].as_u64())
                .filter_map(|c| u16::try_from(c).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Two texts in two columns, for a failure message.
fn side_by_side(left: &str, right: &str) -> String {
    let l: Vec<&str> = left.lines().collect();
    let r: Vec<&str> = right.lines().collect();
    let mut out = format!("{:<70} | {}\n", "smtplab send", "swaks");
    for i in 0..l.len().max(r.len()) {
        let a: String = l.get(i).copied().unwrap_or("").chars().take(70).collect();
        let _ = writeln!(out, "{a:<70} | {}", r.get(i).copied().unwrap_or(""));
    }
    out
}

/// The same session by swaks and by `smtplab send`: the same reply code at
/// every step, and both messages arrive.
fn cross_check(rig: &Rig, server: &str, tag: &str, extra: &[&str]) -> Result<(), Failed> {
    let ours_needle = rig.needle(&format!("{tag}-smtplab"));
    let theirs_needle = rig.needle(&format!("{tag}-swaks"));
    let mut base = rig.common(server, rig.server.user(), OTHER_USER);
    base.extend(["--auth", "LOGIN", "--auth-user", rig.server.user()]);
    base.extend(extra);
    let mut ours_args = base.clone();
    ours_args.extend(["--body", &ours_needle, "--json"]);
    let ours = rig.smtplab(&ours_args, Some(rig.server.password()))?;
    let mut theirs_args = base.clone();
    theirs_args.extend([
        "--body",
        &theirs_needle,
        "--auth-password",
        rig.server.password(),
    ]);
    let theirs = rig.swaks(&theirs_args)?;
    let report: Value = serde_json::from_str(&ours.stdout)
        .map_err(|e| format!("not JSON ({e}):\n{}", ours.stdout_and_err()))?;
    let ours_codes = report_codes(&report);
    let theirs_codes = swaks_codes(&theirs.stdout);
    if ours_codes != theirs_codes || ours.code != Some(0) || theirs.code != Some(0) {
        // Our side as text too (stopped before DATA: no second message).
        let ours_text = rig
            .smtplab(
                &[&base[..], &["--quit-after", "RCPT"]].concat(),
                Some(rig.server.password()),
            )
            .map(|r| r.stdout)
            .unwrap_or_default();
        return Err(format!(
            "reply codes differ: smtplab send {ours_codes:?} (exit {:?}), swaks {theirs_codes:?} (exit {:?})\n{}",
            ours.code,
            theirs.code,
            side_by_side(&ours_text, &theirs.stdout)
        )
        .into());
    }
    println!("both: {ours_codes:?}");
    rig.server
        .wait_for_message(OTHER_USER, &ours_needle, Duration::from_secs(15))?;
    rig.server
        .wait_for_message(OTHER_USER, &theirs_needle, Duration::from_secs(15))?;
    Ok(())
}

fn cross_check_plaintext(rig: &Rig) -> Result<(), Failed> {
    cross_check(rig, &rig.plain_server(), "plain", &[])
}

fn cross_check_starttls(rig: &Rig) -> Result<(), Failed> {
    let server = format!("{HOST}:{}", rig.ports.submission);
    cross_check(rig, &server, "starttls", &["--tls"])
}

fn help_send(rig: &Rig) -> Result<(), Failed> {
    let mut command = Command::new(&rig.smtplab);
    command.args(["help", "send"]);
    let run = Finished::of(command, "smtplab help send")?;
    run.expect_ok("smtplab help send")?;
    for wanted in [
        "Examples:",
        "--tls-on-connect",
        "Exit codes",
        "  29  ",
        "  24  ",
    ] {
        if !run.stdout.contains(wanted) {
            return Err(format!("{wanted:?} missing in:\n{}", run.stdout).into());
        }
    }
    Ok(())
}

/// The seed session (plaintext, EHLO, AUTH LOGIN, MAIL, RCPT, DATA) by
/// `smtplab send` and by swaks, alternating after one warm-up each: the
/// whole process by the wall clock, median of 10. Printed, not asserted
/// (a loaded CI machine must not fail the suite).
fn timing_seed_session(rig: &Rig) -> Result<(), Failed> {
    let server = rig.plain_server();
    let mut base = rig.common(&server, rig.server.user(), OTHER_USER);
    base.extend([
        "--auth",
        "LOGIN",
        "--auth-user",
        rig.server.user(),
        "--header",
        "Subject: smtplab seed session",
        "--body",
        "The seed session, timed.",
    ]);
    let mut swaks_args = base.clone();
    swaks_args.extend(["--auth-password", rig.server.password()]);
    let time = |f: &dyn Fn() -> Result<Finished, Failed>| -> Result<f64, Failed> {
        let start = Instant::now();
        let run = f()?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        run.expect_ok("the seed session")?;
        Ok(ms)
    };
    let ours = || rig.smtplab(&base, Some(rig.server.password()));
    let theirs = || rig.swaks(&swaks_args);
    time(&ours)?;
    time(&theirs)?;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        a.push(time(&ours)?);
        b.push(time(&theirs)?);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[4] + v[5]) / 2.0
    };
    println!(
        "seed session, whole process, median of 10: smtplab send {:.1} ms, swaks {:.1} ms",
        median(&mut a),
        median(&mut b)
    );
    Ok(())
}

/// What `smtplab check` did: its exit code, each check's (kind, verdict)
/// and the report's text.
type Checked = (Option<i32>, Vec<(String, String)>, String);

/// `smtplab check ARGS --json` with the password in the environment: the
/// exit code and each check's verdict by its serde name.
fn check(rig: &Rig, args: &[&str], password: Option<&str>) -> Result<Checked, Failed> {
    let mut command = Command::new(&rig.smtplab);
    command.arg("check").args(args).arg("--json");
    command.env_remove("SMTPLAB_AUTH_PASSWORD");
    if let Some(p) = password {
        command.env("SMTPLAB_AUTH_PASSWORD", p);
    }
    let run = Finished::of(command, "smtplab check")?;
    let report: Value = serde_json::from_str(&run.stdout)
        .map_err(|e| format!("not JSON ({e}):\n{}", run.stdout_and_err()))?;
    let verdicts = report["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| {
                    (
                        r["kind"].as_str().unwrap_or("").to_owned(),
                        r["verdict"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok((run.code, verdicts, run.stdout))
}

fn expect_verdicts(got: &Checked, code: i32, wanted: &[(&str, &str)]) -> Result<(), Failed> {
    let (exit, verdicts, text) = got;
    let wanted: Vec<(String, String)> = wanted
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if *exit != Some(code) || *verdicts != wanted {
        return Err(format!(
            "expected exit {code} and {wanted:?}; got exit {exit:?} and {verdicts:?}\n{text}"
        )
        .into());
    }
    println!("exit {code}: {verdicts:?}");
    Ok(())
}

/// The server checks against the plaintext listener, as the tab's
/// Diagnostics run them (tests/e2e/diagnostics.rs expects the same of a
/// Postfix without STARTTLS): reachability, user, AUTH, delivery and open
/// relay pass, the service warns (no STARTTLS); exit 1, the worst verdict.
fn check_server_passes(rig: &Rig) -> Result<(), Failed> {
    let server = rig.plain_server();
    let got = check(
        rig,
        &[
            &server,
            "--ehlo",
            EHLO,
            "--user",
            OTHER_USER,
            "--from",
            rig.server.user(),
            "--auth-user",
            rig.server.user(),
            "--check",
            "reachability",
            "--check",
            "service",
            "--check",
            "delivery",
            "--check",
            "user-receives",
            "--check",
            "can-send",
            "--check",
            "open-relay",
        ],
        Some(rig.server.password()),
    )?;
    expect_verdicts(
        &got,
        1,
        &[
            ("reachability", "pass"),
            ("service", "warn"),
            ("delivery", "pass"),
            ("user_receives", "pass"),
            ("can_send", "pass"),
            ("open_relay", "pass"),
        ],
    )?;
    if got.2.contains(rig.server.password()) {
        return Err("the password is in the report".into());
    }
    rig.server.wait_for_message(
        OTHER_USER,
        "Subject: smtplab delivery test",
        Duration::from_secs(15),
    )?;
    Ok(())
}

/// An unknown mailbox and a wrong password fail, as in the tab; exit 2.
fn check_server_fails(rig: &Rig) -> Result<(), Failed> {
    let server = rig.plain_server();
    let got = check(
        rig,
        &[
            &server,
            "--ehlo",
            EHLO,
            "--user",
            "nobody@smtplab.test",
            "--from",
            rig.server.user(),
            "--auth-user",
            rig.server.user(),
        ],
        Some("not-the-password"),
    )?;
    expect_verdicts(
        &got,
        2,
        &[
            ("reachability", "pass"),
            ("service", "warn"),
            ("user_receives", "fail"),
            ("can_send", "fail"),
            ("open_relay", "pass"),
        ],
    )?;
    if !got.2.contains("550 5.1.1") || !got.2.contains("535 5.7.8") {
        return Err(format!("550 5.1.1 and 535 5.7.8 expected in:\n{}", got.2).into());
    }
    // A port nobody listens on: reachability fails.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("free port: {e}"))?
        .port();
    let closed = format!("127.0.0.1:{port}");
    let got = check(rig, &[&closed, "--check", "reachability"], None)?;
    expect_verdicts(&got, 2, &[("reachability", "fail")])
}

/// Domain checks with dnsmasq as `--dns`: `smtplab.test`'s MX is the
/// Postfix (it answers EHLO, without STARTTLS: warn; no postmaster mailbox:
/// fail), `dead.test`'s MX refuses (fail), `missing.test` does not exist
/// (fail), as the tab's Diagnostics test expects of the same zones.
fn check_domains(rig: &Rig) -> Result<(), Failed> {
    let dns = rig.dns.addr.to_string();
    let port = rig.server.port().to_string();
    let common = [
        "--dns",
        &dns,
        "--port",
        &port,
        "--ehlo",
        EHLO,
        "--timeout",
        "10",
    ];
    // The two domain checks only: the domain report has its own trials
    // (tests/e2e/cli_report.rs) against the posture lab.
    let common = [
        &common[..],
        &["--check", "domain-servers", "--check", "domain-receives"],
    ]
    .concat();
    // This fixture offers no STARTTLS on port P and has no postmaster
    // mailbox: the tab words both the same way (warn, then 550 5.1.1).
    let got = check(rig, &[&["smtplab.test"][..], &common].concat(), None)?;
    expect_verdicts(
        &got,
        2,
        &[("domain_servers", "warn"), ("domain_receives", "fail")],
    )?;
    for wanted in [
        "DNS: smtplab.test MX 10 mx1.smtplab.test",
        "no STARTTLS offered",
        "550 5.1.1 <postmaster@smtplab.test>",
    ] {
        if !got.2.contains(wanted) {
            return Err(format!("{wanted:?} missing in:\n{}", got.2).into());
        }
    }
    for domain in ["dead.test", "missing.test"] {
        let got = check(rig, &[&[domain][..], &common].concat(), None)?;
        expect_verdicts(
            &got,
            2,
            &[("domain_servers", "fail"), ("domain_receives", "fail")],
        )?;
    }
    Ok(())
}
