//! TLS end to end: the shared engine with rustls (native `ring` provider,
//! the system clock) through the real `smtplab` bridge binary, against a
//! real Postfix whose certificate comes from a test CA made at set-up.
//!
//! Postfix listens on three ports (see `tests/src/postfix/tls_listeners.rs`):
//! plaintext (no STARTTLS offered), submission (STARTTLS required, AUTH only
//! after it) and smtps (implicit TLS). The certificate names `localhost`
//! and `mail.smtplab.test`, not `127.0.0.1`.
//!
//! One rig serves every trial; libtest-mimic runs them so Postfix and the
//! bridge are stopped before the process exits.

#[path = "tls/checks.rs"]
mod checks;
#[path = "tls/credentials.rs"]
mod credentials;
#[path = "tls/rig.rs"]
mod rig;
#[path = "tls/timing.rs"]
mod timing;

use libtest_mimic::Failed;
use smtplab_e2e::trials::run_with_rig;
use smtplab_shared::smtp::{
    explain_code, explain_enhanced, AuthMechanism, Event, FailReason, Mechanism, Step,
    TlsFailureKind, TlsMode, TlsSkipReason, Verdict,
};

use checks::{expect_tls_failure, expect_verified_report, handshake_time, sent_lines};
use credentials::{credentials_only_encrypted, credentials_visible_in_plaintext};
use rig::{failure, Rig, HOST, IP};
use timing::measure_handshakes;

fn main() {
    run_with_rig(
        "e2e TLS",
        Rig::start,
        &[
            (
                "starttls_verifies_then_ehlo_again_auth_login_and_delivers",
                starttls_delivers,
            ),
            ("implicit_tls_verifies_and_delivers", implicit_delivers),
            (
                "without_the_ca_starttls_fails_with_unknown_issuer",
                unknown_issuer_fails,
            ),
            (
                "without_the_ca_and_verify_off_delivers_and_says_unverified",
                unverified_delivers,
            ),
            ("connecting_by_ip_is_a_name_mismatch", ip_is_a_name_mismatch),
            (
                "starttls_required_but_not_offered_fails_if_offered_goes_on",
                not_offered,
            ),
            (
                "tls_required_listener_answers_530_without_starttls",
                must_issue_starttls_first,
            ),
            (
                "no_credential_crosses_the_bridge_in_clear_over_starttls",
                credentials_only_encrypted,
            ),
            (
                "credentials_do_cross_the_bridge_in_clear_without_tls",
                credentials_visible_in_plaintext,
            ),
            ("handshake_time_native", measure_handshakes),
        ],
    );
}

/// STARTTLS on submission by name, CA pasted: EHLO (no AUTH offered yet),
/// STARTTLS, handshake, EHLO again (AUTH offered now), AUTH LOGIN, mail.
fn starttls_delivers(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("starttls");
    let spec = rig.spec(
        HOST,
        rig.ports.submission,
        TlsMode::StartTls,
        Some(AuthMechanism::Login),
        &needle,
    );
    let report = rig.run(spec, Some(rig.context(true, true)?))?;
    let message = rig.expect_delivered(&report, &needle)?;

    let tls_at = report
        .events
        .iter()
        .position(|e| matches!(e, Event::TlsEstablished(_)))
        .ok_or_else(|| failure("a TlsEstablished event", &report))?;
    let (before, after) = report.events.split_at(tls_at);
    let ehlo = "EHLO e2e.smtplab.test";
    if sent_lines(before) != [ehlo, "STARTTLS"] {
        return Err(failure(
            "EHLO, STARTTLS in plaintext and nothing else",
            &report,
        ));
    }
    let after_lines = sent_lines(after);
    if after_lines.first().map(String::as_str) != Some(ehlo)
        || !after_lines.iter().any(|l| l.starts_with("AUTH LOGIN"))
    {
        return Err(failure("EHLO again, then AUTH LOGIN, after TLS", &report));
    }
    let auth_before_tls = before.iter().any(|e| match e {
        Event::Reply {
            step: Step::Ehlo,
            reply,
            ..
        } => reply.lines.iter().any(|l| l.contains("AUTH")),
        _ => false,
    });
    let mechanisms = report
        .outcome
        .capabilities
        .as_ref()
        .map(|c| c.auth_mechanisms())
        .unwrap_or_default();
    if auth_before_tls || !mechanisms.contains(&Mechanism::Login) {
        return Err(failure(
            "AUTH offered only in the EHLO after STARTTLS (smtpd_tls_auth_only)",
            &report,
        ));
    }

    let tls = expect_verified_report(rig, &report, HOST)?;
    let protocol = tls.protocol.clone().unwrap_or_default();
    // Postfix's own view of the same handshake: its log line and the
    // Received header it added.
    let log = rig.server.log_tail(400);
    let logged = log.lines().any(|l| {
        l.contains("/submission/smtpd")
            && l.contains("TLS connection established")
            && l.contains(&format!(": {protocol} with cipher"))
    });
    if !logged {
        return Err(format!("no {protocol} handshake in the submission log:\n{log}").into());
    }
    if !message.contains(&format!("(using {protocol} with cipher")) {
        return Err(format!("no `using {protocol}` in the Received header:\n{message}").into());
    }
    if let Some(time) = handshake_time(&report, Step::StartTls) {
        println!("    STARTTLS handshake (220 -> TlsEstablished): {time:?}; {protocol}");
    }
    Ok(())
}

/// Implicit TLS on smtps by name: the handshake first, the 220 encrypted.
fn implicit_delivers(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("implicit");
    let spec = rig.spec(
        HOST,
        rig.ports.smtps,
        TlsMode::Implicit,
        Some(AuthMechanism::Plain),
        &needle,
    );
    let report = rig.run(spec, Some(rig.context(true, true)?))?;
    rig.expect_delivered(&report, &needle)?;
    let tls_at = report
        .events
        .iter()
        .position(|e| matches!(e, Event::TlsEstablished(_)));
    let first_reply = report
        .events
        .iter()
        .position(|e| matches!(e, Event::Reply { .. }));
    if !matches!((tls_at, first_reply), (Some(t), Some(r)) if t < r) {
        return Err(failure("TlsEstablished before the 220 greeting", &report));
    }
    if sent_lines(&report.events).iter().any(|l| l == "STARTTLS") {
        return Err(failure("no STARTTLS with implicit TLS", &report));
    }
    expect_verified_report(rig, &report, HOST)?;
    if let Some(time) = handshake_time(&report, Step::Connect) {
        println!("    implicit TLS handshake (connected -> TlsEstablished): {time:?}");
    }
    Ok(())
}

/// Mozilla's roots only: the test CA is unknown, the session stops at
/// STARTTLS before any AUTH, and the report still shows the chain.
fn unknown_issuer_fails(rig: &Rig) -> Result<(), Failed> {
    let spec = rig.spec(
        HOST,
        rig.ports.submission,
        TlsMode::StartTls,
        Some(AuthMechanism::Login),
        &rig.needle("unknown-issuer"),
    );
    let report = rig.run(spec, Some(rig.context(false, true)?))?;
    let tls = expect_tls_failure(&report, Step::StartTls, TlsFailureKind::UnknownIssuer)?;
    if sent_lines(&report.events)
        .iter()
        .any(|l| l.starts_with("AUTH"))
    {
        return Err(failure("no AUTH after a failed verification", &report));
    }
    let text = report.outcome.verdict.to_string();
    if !text.contains("certificate issuer unknown") {
        return Err(failure(
            "a verdict saying `certificate issuer unknown`",
            &report,
        ));
    }
    let shown = tls
        .chain
        .first()
        .is_some_and(|c| c.issuer.contains("smtplab e2e test CA"));
    if !shown {
        return Err(failure("the failing chain in the report", &report));
    }
    println!("    verdict: {text}");
    Ok(())
}

/// Same, with "continue without verification": delivered, and the outcome
/// says the certificate was not verified and why.
fn unverified_delivers(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("unverified");
    let spec = rig.spec(
        HOST,
        rig.ports.submission,
        TlsMode::StartTls,
        Some(AuthMechanism::Login),
        &needle,
    );
    let report = rig.run(spec, Some(rig.context(false, false)?))?;
    rig.expect_delivered(&report, &needle)?;
    let problem = report
        .outcome
        .unverified_tls()
        .ok_or_else(|| failure("an unverified-TLS problem in the outcome", &report))?;
    if problem.kind != TlsFailureKind::UnknownIssuer {
        return Err(failure("unverified because of an unknown issuer", &report));
    }
    let verification = report
        .outcome
        .tls
        .as_ref()
        .and_then(|t| t.verification.as_ref())
        .map(ToString::to_string)
        .unwrap_or_default();
    if !verification.starts_with("NOT verified") {
        return Err(failure("`NOT verified …` in the report", &report));
    }
    println!("    {verification}");
    Ok(())
}

/// By `127.0.0.1`, CA pasted: the certificate names no IP address, so both
/// STARTTLS and implicit TLS fail with a name mismatch.
fn ip_is_a_name_mismatch(rig: &Rig) -> Result<(), Failed> {
    for (port, mode, step) in [
        (rig.ports.submission, TlsMode::StartTls, Step::StartTls),
        (rig.ports.smtps, TlsMode::Implicit, Step::Connect),
    ] {
        let spec = rig.spec(IP, port, mode, None, &rig.needle("by-ip"));
        let report = rig.run(spec, Some(rig.context(true, true)?))?;
        let tls = expect_tls_failure(&report, step, TlsFailureKind::NameMismatch)?;
        if tls.server_name != IP {
            return Err(failure("the report names 127.0.0.1 as the server", &report));
        }
    }
    Ok(())
}

/// The plaintext listener offers no STARTTLS: required, the session fails
/// at STARTTLS (`not_offered`); "if offered", it goes on and delivers.
fn not_offered(rig: &Rig) -> Result<(), Failed> {
    let port = rig.server.port();
    let spec = rig.spec(HOST, port, TlsMode::StartTls, None, &rig.needle("required"));
    let report = rig.run(spec, Some(rig.context(true, true)?))?;
    match &report.outcome.verdict {
        Verdict::Failed {
            step: Step::StartTls,
            reason: FailReason::Tls(f),
        } if f.kind == TlsFailureKind::NotOffered && report.outcome.tls.is_none() => {}
        _ => return Err(failure("Failed at STARTTLS: not offered", &report)),
    }
    if sent_lines(&report.events)
        .iter()
        .any(|l| l.starts_with("MAIL"))
    {
        return Err(failure("no MAIL FROM after STARTTLS was missing", &report));
    }
    println!("    required: {}", report.outcome.verdict);

    let needle = rig.needle("if-offered");
    let spec = rig.spec(
        HOST,
        port,
        TlsMode::StartTlsIfOffered,
        Some(AuthMechanism::Plain),
        &needle,
    );
    let report = rig.run(spec, Some(rig.context(true, true)?))?;
    rig.expect_delivered(&report, &needle)?;
    let skipped = report.events.iter().find_map(|e| match e {
        Event::TlsSkipped { reason } => Some(reason.clone()),
        _ => None,
    });
    let Some(reason) = skipped else {
        return Err(failure("a TlsSkipped event", &report));
    };
    if report.outcome.tls.is_some() || reason != TlsSkipReason::NotAdvertised {
        return Err(failure("plaintext, skipped because not offered", &report));
    }
    println!("    if offered: {reason}");
    Ok(())
}

/// On the STARTTLS-required listener, a plaintext session gets Postfix's
/// `530 5.7.0 Must issue a STARTTLS command first` at MAIL FROM (no AUTH)
/// and at AUTH, and the verdict quotes it.
fn must_issue_starttls_first(rig: &Rig) -> Result<(), Failed> {
    for (mechanism, step) in [(None, Step::Mail), (Some(AuthMechanism::Login), Step::Auth)] {
        let spec = rig.spec(
            HOST,
            rig.ports.submission,
            TlsMode::None,
            mechanism,
            &rig.needle("530"),
        );
        let report = rig.run(spec, None)?;
        let reply = match &report.outcome.verdict {
            Verdict::Failed {
                step: at,
                reason: FailReason::UnexpectedReply(reply),
            } if *at == step => reply,
            _ => return Err(failure(&format!("Failed at {step} with a reply"), &report)),
        };
        let enhanced = reply.enhanced.map(|e| e.to_string());
        if reply.code.as_u16() != 530
            || enhanced.as_deref() != Some("5.7.0")
            || !reply.text().contains("Must issue a STARTTLS command first")
        {
            return Err(failure(
                "530 5.7.0 Must issue a STARTTLS command first",
                &report,
            ));
        }
        let verdict = report.outcome.verdict.to_string();
        if !verdict.contains("STARTTLS") {
            return Err(failure("a verdict that names STARTTLS", &report));
        }
        println!("    {step}: {verdict}");
        println!(
            "      explain_code(530): {}; explain_enhanced(5.7.0): {}",
            explain_code(reply.code),
            reply.enhanced.and_then(explain_enhanced).unwrap_or("-")
        );
    }
    Ok(())
}
