//! The shared SMTP engine, driven through the real `smtplab` bridge binary,
//! against a real Postfix: deliveries land in the Maildir, failures carry
//! Postfix's own replies in the verdict.
//!
//! One [`MailServer`] and one [`Bridge`] serve every trial; libtest-mimic
//! runs them so both are stopped before the process exits.

use std::future::Future;

use std::time::Duration;

use libtest_mimic::Failed;
use smtplab_e2e::bridge_process::Bridge;
use smtplab_e2e::postfix::OTHER_USER;
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::ws_driver::{run_session, SessionReport};
use smtplab_e2e::MailServer;
use smtplab_shared::smtp::{
    base64_encode, compose_message, plain_initial_response, AbortReason, AuthMechanism, Event,
    FailReason, Mechanism, Reply, Secret, SessionSpec, Stage, Step, Verdict,
};
use smtplab_shared::wire::{ErrorCode, ServerMessage};

/// Shared by every trial.
struct Rig {
    server: MailServer,
    bridge: Bridge,
}

fn main() {
    run_with_rig(
        "e2e",
        start_rig,
        &[
            (
                "auth_login_delivers_and_postfix_unstuffs_the_dot_line",
                auth_login_delivers,
            ),
            ("auth_plain_delivers", auth_plain_delivers),
            (
                "wrong_password_fails_at_auth_with_535",
                wrong_password_fails_at_auth,
            ),
            (
                "unknown_recipient_fails_at_rcpt_with_550_5_1_1",
                unknown_recipient_fails_at_rcpt,
            ),
            (
                "unauthenticated_relay_fails_at_rcpt_with_554_5_7_1",
                relay_is_denied_at_rcpt,
            ),
            (
                "stop_after_ehlo_completes_with_auth_offered",
                stop_after_ehlo_completes,
            ),
            (
                "port_outside_the_bridge_policy_fails_at_connect",
                forbidden_port_fails_at_connect,
            ),
            (
                "pipelining_cuts_the_round_trips",
                extensions::pipelining_cuts_the_round_trips,
            ),
            (
                "bdat_delivers_in_chunks",
                extensions::bdat_delivers_in_chunks,
            ),
            (
                "smtputf8_delivers_to_a_utf8_mailbox",
                extensions::smtputf8_delivers_to_a_utf8_mailbox,
            ),
            (
                "a_latin1_whole_message_arrives_byte_identical",
                extensions::a_latin1_whole_message_arrives_byte_identical,
            ),
            (
                "cram_md5_authenticates_against_dovecot",
                extensions::cram_md5_authenticates_against_dovecot,
            ),
            (
                "one_unknown_among_three_recipients_delivers_to_two",
                extensions::one_unknown_among_three_recipients_delivers_to_two,
            ),
        ],
    );
}

#[path = "session/extensions.rs"]
mod extensions;

fn start_rig() -> Result<Rig, String> {
    let server = MailServer::start().map_err(|e| e.to_string())?;
    let bridge = Bridge::spawn(server.port(), &[]).map_err(|e| e.to_string())?;
    Ok(Rig { server, bridge })
}

/// Sends `body` from the test user to bob over AUTH `mechanism`, checks the
/// verdict, the queue id, the stored message and the Postfix log.
fn delivers_with(rig: &Rig, mechanism: AuthMechanism, tag: &str) -> Result<(), Failed> {
    let needle = format!("needle-{tag}-{}", rig.server.port());
    let body = format!(
        "Hello from the smtplab e2e suite.\n.leading dot must arrive as one dot\n..two dots stay two\n{needle}\n"
    );
    let mut spec = spec(rig, Some(mechanism), vec![OTHER_USER.to_owned()]);
    spec.message = compose_message(
        rig.server.user(),
        &spec.rcpt_to,
        &format!("e2e {tag}"),
        &body,
        "Mon, 01 Jan 2024 00:00:00 +0000",
        &format!("<{needle}@smtplab.test>"),
    );
    let report = run(rig, spec)?;
    if report.outcome.verdict != Verdict::Delivered {
        return Err(failure("verdict Delivered", &report));
    }
    let queued = report.outcome.queue_id.clone().unwrap_or_default();
    let queue_id = queued
        .split_once("queued as ")
        .map(|(_, id)| id.trim().to_owned())
        .ok_or_else(|| failure("a queue id with \"queued as\"", &report))?;

    let message = rig
        .server
        .wait_for_message(OTHER_USER, &needle, Duration::from_secs(15))?;
    let lines: Vec<&str> = message.lines().collect();
    for expected in [
        ".leading dot must arrive as one dot",
        "..two dots stay two",
        "Hello from the smtplab e2e suite.",
    ] {
        if !lines.contains(&expected) {
            return Err(format!("line {expected:?} not stored as sent:\n{message}").into());
        }
    }
    if !message.contains(&format!("Subject: e2e {tag}")) {
        return Err(format!("subject missing:\n{message}").into());
    }
    let log = rig.server.log_tail(200);
    if !log
        .lines()
        .any(|l| l.contains(&format!("{queue_id}: to=<{OTHER_USER}>")) && l.contains("status=sent"))
    {
        return Err(format!("queue id {queue_id} not delivered in the postfix log:\n{log}").into());
    }
    check_no_secret_in_transcript(rig, &report)
}

fn auth_login_delivers(rig: &Rig) -> Result<(), Failed> {
    delivers_with(rig, AuthMechanism::Login, "login")
}

fn auth_plain_delivers(rig: &Rig) -> Result<(), Failed> {
    delivers_with(rig, AuthMechanism::Plain, "plain")
}

fn wrong_password_fails_at_auth(rig: &Rig) -> Result<(), Failed> {
    let mut spec = spec(rig, Some(AuthMechanism::Login), vec![OTHER_USER.to_owned()]);
    if let Some(auth) = spec.auth.as_mut() {
        auth.password = Secret::new("not-the-password");
    }
    let report = run(rig, spec)?;
    let reply = failed_reply(&report, Step::Auth)?;
    expect_reply(&report, reply, 535, "5.7.8", "authentication failed")
}

fn unknown_recipient_fails_at_rcpt(rig: &Rig) -> Result<(), Failed> {
    let spec = spec(
        rig,
        Some(AuthMechanism::Plain),
        vec!["nobody@smtplab.test".to_owned()],
    );
    let report = run(rig, spec)?;
    let reply = failed_reply(&report, Step::Rcpt(0))?;
    expect_reply(
        &report,
        reply,
        550,
        "5.1.1",
        "User unknown in virtual mailbox table",
    )
}

fn relay_is_denied_at_rcpt(rig: &Rig) -> Result<(), Failed> {
    let mut spec = spec(rig, None, vec!["friend@elsewhere.example".to_owned()]);
    spec.mail_from = "someone@outside.example".to_owned();
    let report = run(rig, spec)?;
    let reply = failed_reply(&report, Step::Rcpt(0))?;
    expect_reply(&report, reply, 554, "5.7.1", "Relay access denied")
}

fn stop_after_ehlo_completes(rig: &Rig) -> Result<(), Failed> {
    let mut spec = spec(rig, None, vec![OTHER_USER.to_owned()]);
    spec.stop_after = Stage::Ehlo;
    let report = run(rig, spec)?;
    if report.outcome.verdict != (Verdict::Completed { stage: Stage::Ehlo }) {
        return Err(failure("Completed after EHLO", &report));
    }
    let mechanisms = report
        .outcome
        .capabilities
        .as_ref()
        .map(|c| c.auth_mechanisms())
        .unwrap_or_default();
    if !(mechanisms.contains(&Mechanism::Plain) && mechanisms.contains(&Mechanism::Login)) {
        return Err(failure("AUTH PLAIN LOGIN among the capabilities", &report));
    }
    if report.transcript.iter().any(|l| l.starts_with("C: MAIL")) {
        return Err(failure("no MAIL FROM after stopping at EHLO", &report));
    }
    Ok(())
}

fn forbidden_port_fails_at_connect(rig: &Rig) -> Result<(), Failed> {
    let mut spec = spec(rig, None, vec![OTHER_USER.to_owned()]);
    // Loopback, but not the port the bridge was told to allow.
    spec.port = rig.server.port().wrapping_add(1).max(1);
    let spec_port = spec.port;
    let report = run(rig, spec)?;
    let forbidden = report.bridge_messages.iter().any(|m| {
        matches!(
            m,
            ServerMessage::Error {
                code: ErrorCode::Forbidden,
                ..
            }
        )
    });
    match &report.outcome.verdict {
        Verdict::Failed {
            step: Step::Connect,
            reason:
                FailReason::Aborted(AbortReason::Bridge {
                    error: ErrorCode::Forbidden,
                    port,
                    ..
                }),
        } if forbidden && *port == spec_port => Ok(()),
        _ => Err(failure(
            "Failed at connect after a `forbidden` error",
            &report,
        )),
    }
}

/// A spec from the test user to `rcpt_to`, authenticating with `mechanism`.
fn spec(rig: &Rig, mechanism: Option<AuthMechanism>, rcpt_to: Vec<String>) -> SessionSpec {
    let message = compose_message(
        rig.server.user(),
        &rcpt_to,
        "e2e",
        "A short body.\n",
        "Mon, 01 Jan 2024 00:00:00 +0000",
        "<e2e@smtplab.test>",
    );
    rig.server
        .session_spec("e2e.smtplab.test", mechanism, rcpt_to, message)
}

/// Runs one session on a fresh single-threaded runtime and checks the event
/// stream ends with exactly one `Finished`.
fn run(rig: &Rig, spec: SessionSpec) -> Result<SessionReport, Failed> {
    let report = block_on(run_session(&rig.bridge.ws_url(), spec))?
        .map_err(|e| format!("{e}\nbridge stderr:\n{}", rig.bridge.stderr()))?;
    let finished = report
        .events
        .iter()
        .filter(|e| matches!(e, Event::Finished(_)))
        .count();
    if finished != 1 || !matches!(report.events.last(), Some(Event::Finished(_))) {
        return Err(failure("exactly one Finished, last", &report));
    }
    Ok(report)
}

fn block_on<F: Future>(future: F) -> Result<F::Output, Failed> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(future))
}

/// The reply in a `Failed { step, UnexpectedReply }` verdict.
fn failed_reply(report: &SessionReport, step: Step) -> Result<&Reply, Failed> {
    match &report.outcome.verdict {
        Verdict::Failed {
            step: at,
            reason: FailReason::UnexpectedReply(reply),
        } if *at == step => Ok(reply),
        _ => Err(failure(
            &format!("Failed at {step} with a server reply"),
            report,
        )),
    }
}

fn expect_reply(
    report: &SessionReport,
    reply: &Reply,
    code: u16,
    enhanced: &str,
    text: &str,
) -> Result<(), Failed> {
    let enhanced_ok = reply.enhanced.is_some_and(|e| e.to_string() == enhanced);
    if reply.code.as_u16() != code || !enhanced_ok || !reply.text().contains(text) {
        return Err(failure(&format!("{code} {enhanced} ... {text}"), report));
    }
    Ok(())
}

/// The password, in clear or base64 (alone or in a PLAIN blob), never shows.
fn check_no_secret_in_transcript(rig: &Rig, report: &SessionReport) -> Result<(), Failed> {
    let password = rig.server.password();
    let plain = plain_initial_response(rig.server.user(), password);
    let forbidden = [password.to_owned(), base64_encode(password), plain];
    let leaked = report
        .transcript
        .iter()
        .any(|line| forbidden.iter().any(|f| line.contains(f.as_str())));
    if leaked {
        return Err(failure("no credential in the transcript", report));
    }
    Ok(())
}

fn failure(expected: &str, report: &SessionReport) -> Failed {
    format!(
        "expected {expected}; verdict: {}; queue id: {:?}\ntranscript:\n{}",
        report.outcome.verdict,
        report.outcome.queue_id,
        report.transcript.join("\n")
    )
    .into()
}
