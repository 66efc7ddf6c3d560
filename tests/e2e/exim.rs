//! The second MTA: a real Exim 4.96 (Debian's packages, unpacked under
//! `target/`, see `tests/src/exim.rs`) with a `CA:TRUE` self-signed
//! certificate and AUTH only after STARTTLS. The engine and the
//! diagnostics are driven straight over TCP (no bridge): what is proven here
//! is how they meet a server other than Postfix.
//!
//! - issue 15 item 1: the stock self-signed certificate is refused in
//!   words (a CA certificate used as the server's own; self-signed) and
//!   verifies when pasted or pinned by its SHA-256;
//! - issue 15 item 3: the diagnostics never send AUTH that is not
//!   advertised ("AUTH is offered only after STARTTLS"), and with STARTTLS
//!   when offered (and the pin) the credentials are tested for real.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::Failed;
use smtplab_e2e::exim::{Exim, DOMAIN};
use smtplab_e2e::tcp_driver::{run_check, run_tcp};
use smtplab_e2e::trials::run_with_rig;
use smtplab_shared::diagnose::{CheckInput, CheckKind, CheckVerdict};
use smtplab_shared::smtp::{
    AuthMechanism, AuthSpec, Event, FailReason, Outcome, Session, SessionSpec, Stage, Step,
    Timeouts, TlsContext, TlsFailureKind, TlsMode, TlsOptions, Verdict,
};
use smtplab_shared::tls::fingerprint;

fn main() {
    run_with_rig(
        "Exim",
        Exim::start,
        &[
            (
                "exim_offers_auth_only_after_starttls_with_its_own_replies",
                fixture_replies,
            ),
            (
                "ca_true_self_signed_certificate_is_refused_in_words",
                refused_in_words,
            ),
            (
                "the_pasted_certificate_is_trusted_exactly_and_delivers",
                pasted_certificate_delivers,
            ),
            (
                "a_sha256_pin_from_the_report_verifies_and_delivers",
                pin_delivers,
            ),
            (
                "plaintext_diagnostics_never_send_auth_that_is_not_advertised",
                plaintext_diagnostics,
            ),
            (
                "diagnostics_with_starttls_when_offered_test_the_credentials",
                starttls_diagnostics,
            ),
            (
                "diagnostics_with_a_wrong_password_advise_on_535",
                wrong_password_diagnostics,
            ),
        ],
    )
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), Failed> {
    if ok {
        Ok(())
    } else {
        Err(what().into())
    }
}

fn context(options: &TlsOptions) -> TlsContext {
    TlsContext::new(
        Arc::new(rustls::crypto::ring::default_provider()),
        Arc::new(rustls::time_provider::DefaultTimeProvider),
        options,
        webpki_roots::TLS_SERVER_ROOTS,
    )
    .expect("usable TLS options")
}

fn spec(exim: &Exim, mechanism: AuthMechanism) -> SessionSpec {
    SessionSpec {
        host: "127.0.0.1".into(),
        port: exim.port(),
        ehlo_name: "client.smtplab.test".into(),
        auth: Some(AuthSpec {
            mechanism,
            username: exim.user().into(),
            password: exim.password().into(),
        }),
        mail_from: exim.user().into(),
        rcpt_to: vec![format!("postmaster@{DOMAIN}")],
        message: "Subject: pinned\r\n\r\nHello over a pinned certificate.\r\n".into(),
        stop_after: Stage::Data,
        timeouts: Timeouts::default(),
        tls: TlsMode::StartTls,
        envelope: Default::default(),
    }
}

fn outcome(events: &[Event]) -> &Outcome {
    match events.last() {
        Some(Event::Finished(outcome)) => outcome,
        other => panic!("last event {other:?}"),
    }
}

/// A raw plaintext conversation: (command, first reply line).
fn converse(exim: &Exim, commands: &[&str]) -> Vec<(String, String)> {
    let stream = TcpStream::connect(exim.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut read_reply = || {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("a reply line");
            let done = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line.trim_end().to_owned());
            if done {
                return lines.join("\n");
            }
        }
    };
    let mut out = vec![("(greeting)".to_owned(), read_reply())];
    for command in commands {
        (&stream)
            .write_all(format!("{command}\r\n").as_bytes())
            .expect("send");
        out.push(((*command).to_owned(), read_reply()));
    }
    out
}

fn fixture_replies(exim: &Exim) -> Result<(), Failed> {
    let replies = converse(
        exim,
        &[
            "EHLO client.smtplab.test",
            "AUTH PLAIN AGFsaWNlAHg=",
            "MAIL FROM:<kim@example.org>",
            "RCPT TO:<nobody@exim.smtplab.test>",
            "RCPT TO:<friend@elsewhere.example>",
            "RCPT TO:<alice@exim.smtplab.test>",
            "QUIT",
        ],
    );
    let reply = |i: usize| replies[i].1.as_str();
    check(
        reply(0).starts_with("220 ") && reply(0).contains("Exim"),
        || format!("{replies:?}"),
    )?;
    check(
        reply(1).contains("STARTTLS") && !reply(1).contains("AUTH"),
        || format!("plaintext EHLO: {}", reply(1)),
    )?;
    check(
        reply(2) == "503 AUTH command used when not advertised",
        || reply(2).to_owned(),
    )?;
    check(reply(4) == "550 Unrouteable address", || {
        reply(4).to_owned()
    })?;
    check(reply(5) == "550 relay not permitted", || {
        reply(5).to_owned()
    })?;
    check(reply(6).starts_with("250 "), || reply(6).to_owned())
}

fn refused_in_words(exim: &Exim) -> Result<(), Failed> {
    let events = run_tcp(
        exim.addr(),
        Session::with_tls(
            spec(exim, AuthMechanism::Plain),
            context(&TlsOptions::default()),
        ),
        Duration::from_secs(30),
    );
    let outcome = outcome(&events);
    let Verdict::Failed {
        step: Step::StartTls,
        reason: FailReason::Tls(failure),
    } = &outcome.verdict
    else {
        return Err(format!("expected a TLS failure: {:?}", outcome.verdict).into());
    };
    let sha = fingerprint(exim.cert_der());
    check(failure.kind == TlsFailureKind::SelfSigned, || {
        format!("{failure:?}")
    })?;
    check(
        failure.detail.contains("CA certificate")
            && failure.detail.contains("server's own certificate")
            && failure.detail.contains(&sha)
            && !failure.detail.contains("OtherError"),
        || failure.detail.clone(),
    )?;
    let report = outcome.tls.as_ref().ok_or("no TLS report")?;
    check(
        report.chain.first().map(|c| c.sha256.as_str()) == Some(sha.as_str()),
        || format!("{:?}", report.chain),
    )?;
    check(report.chain[0].self_issued, || "not self-issued".into())
}

fn delivered(events: &[Event], sha: &str) -> Result<(), Failed> {
    let outcome = outcome(events);
    check(outcome.verdict == Verdict::Delivered, || {
        format!("{:?}", outcome.verdict)
    })?;
    let queue = outcome.queue_id.clone().unwrap_or_default();
    check(!queue.is_empty(), || {
        "no queue id in the 250 after DATA".into()
    })?;
    let report = outcome.tls.as_ref().ok_or("no TLS report")?;
    check(report.pinned_sha256.as_deref() == Some(sha), || {
        format!("pinned: {:?}", report.pinned_sha256)
    })?;
    check(
        report.verification.as_ref().is_some_and(|v| v.is_trusted()),
        || format!("{:?}", report.verification),
    )?;
    // AUTH went only after the handshake.
    let mut encrypted = false;
    for event in events {
        match event {
            Event::TlsEstablished(_) => encrypted = true,
            Event::Sent {
                step: Step::Auth, ..
            } if !encrypted => return Err("AUTH sent before TLS".into()),
            _ => {}
        }
    }
    Ok(())
}

fn pasted_certificate_delivers(exim: &Exim) -> Result<(), Failed> {
    let options = TlsOptions {
        extra_ca_pem: exim.cert_pem().to_owned(),
        ..TlsOptions::default()
    };
    let events = run_tcp(
        exim.addr(),
        Session::with_tls(spec(exim, AuthMechanism::Plain), context(&options)),
        Duration::from_secs(30),
    );
    delivered(&events, &fingerprint(exim.cert_der()))
}

fn pin_delivers(exim: &Exim) -> Result<(), Failed> {
    let sha = fingerprint(exim.cert_der());
    let options = TlsOptions {
        extra_ca_pem: format!("sha256 {sha}\n"),
        ..TlsOptions::default()
    };
    let events = run_tcp(
        exim.addr(),
        Session::with_tls(spec(exim, AuthMechanism::Login), context(&options)),
        Duration::from_secs(30),
    );
    delivered(&events, &sha)
}

fn input(exim: &Exim, tls: TlsMode, password: &str) -> CheckInput {
    let mut input = CheckInput::new("127.0.0.1", exim.port(), "client.smtplab.test");
    input.domain = DOMAIN.into();
    input.user_address = format!("postmaster@{DOMAIN}");
    input.from_address = exim.user().into();
    input.auth = Some(AuthSpec {
        mechanism: AuthMechanism::Plain,
        username: exim.user().into(),
        password: password.into(),
    });
    input.tls = tls;
    input.date_rfc2822 = "Sun, 6 Dec 2026 06:00:00 +0000".into();
    input.message_id = "<exim-check@client.smtplab.test>".into();
    input
}

fn plaintext_diagnostics(exim: &Exim) -> Result<(), Failed> {
    let input = input(exim, TlsMode::None, exim.password());
    for kind in [CheckKind::CanSend, CheckKind::Delivery] {
        let (result, _) = run_check(kind, &input, exim.addr(), None);
        check(result.verdict == CheckVerdict::Fail, || {
            format!("{result:?}")
        })?;
        check(
            result
                .summary
                .contains("AUTH is offered only after STARTTLS"),
            || result.summary.clone(),
        )?;
        check(
            !result.evidence.iter().any(|l| l.starts_with("C: AUTH")),
            || format!("AUTH was sent: {:?}", result.evidence),
        )?;
        check(
            !result.advice.contains("535") && result.advice.contains("TLS"),
            || result.advice.clone(),
        )?;
    }
    Ok(())
}

fn pinned(exim: &Exim) -> TlsContext {
    context(&TlsOptions {
        extra_ca_pem: format!("sha256 {}\n", fingerprint(exim.cert_der())),
        ..TlsOptions::default()
    })
}

fn starttls_diagnostics(exim: &Exim) -> Result<(), Failed> {
    let input = input(exim, TlsMode::StartTlsIfOffered, exim.password());
    let tls = pinned(exim);
    for kind in [CheckKind::CanSend, CheckKind::Delivery] {
        let (result, records) = run_check(kind, &input, exim.addr(), Some(&tls));
        check(result.verdict == CheckVerdict::Pass, || {
            format!("{result:?}")
        })?;
        check(records.iter().all(|r| r.encrypted()), || {
            "a session without TLS".into()
        })?;
    }
    // Exim's own refusals, over TLS too.
    let mut unknown = input.clone();
    unknown.user_address = format!("nobody@{DOMAIN}");
    let (result, _) = run_check(CheckKind::UserReceives, &unknown, exim.addr(), Some(&tls));
    check(
        result.verdict == CheckVerdict::Fail && result.summary.contains("550 Unrouteable address"),
        || format!("{result:?}"),
    )?;
    let (result, _) = run_check(CheckKind::OpenRelay, &input, exim.addr(), Some(&tls));
    check(
        result.verdict == CheckVerdict::Pass && result.summary.contains("relay not permitted"),
        || format!("{result:?}"),
    )
}

fn wrong_password_diagnostics(exim: &Exim) -> Result<(), Failed> {
    let input = input(exim, TlsMode::StartTlsIfOffered, "not-the-password");
    let (result, _) = run_check(CheckKind::CanSend, &input, exim.addr(), Some(&pinned(exim)));
    check(
        result.verdict == CheckVerdict::Fail
            && result.summary.contains("535 Incorrect authentication data")
            && result.advice.contains("credentials were refused"),
        || format!("{result:?}"),
    )
}
