//! The session engine with TLS, against an in-memory rustls server: bytes
//! are pumped between the client `Session` and a scripted SMTP server on
//! `rustls::ServerConnection`, both sans-IO, with certificates made by
//! rcgen and judged at a fixed time. STARTTLS and implicit TLS, every
//! verification outcome, "continue without verification", STARTTLS not
//! offered or refused, injected plaintext, and no password on the wire.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod tls {
    pub(crate) mod pki;
    pub(crate) mod run;
    pub(crate) mod server;
}

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use smtplab_shared::smtp::{
    AuthMechanism, Event, FailReason, Session, Stage, Step, TlsContext, TlsFailureKind, TlsMode,
    TlsOptions, TlsSetupError, TlsSkipReason, Verdict,
};
use tls::pki::{self, TestCa, NOW_UNIX, VALID_FROM, VALID_UNTIL};
use tls::run::{contains, context, run_with, spec, trusting, Run, CHUNKINGS, HOST};
use tls::server::{Script, SmtpServer, PASSWORD, USER};

#[test]
fn starttls_then_ehlo_again_with_the_capabilities_offered_under_tls() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    for chunk in CHUNKINGS {
        let run = run_with(
            TlsMode::StartTls,
            trusting(&ca),
            Script::default(),
            &identity,
            chunk,
        );
        let outcome = run.outcome();
        assert_eq!(outcome.verdict, Verdict::Delivered, "chunk {chunk}");
        assert_eq!(
            outcome.queue_id.as_deref(),
            Some("2.0.0 Ok: queued as TLS4242")
        );
        assert!(run.session.is_encrypted());
        // The plaintext EHLO had no AUTH (auth only under TLS), the
        // capabilities kept are the second EHLO's.
        let caps = outcome.capabilities.as_ref().expect("EHLO capabilities");
        assert!(caps.has("AUTH") && !caps.has("STARTTLS"), "{caps:?}");
        assert_eq!(
            run.steps(),
            vec![
                (Step::Connect, true),
                (Step::Ehlo, true),
                (Step::StartTls, true),
                (Step::Ehlo, true),
                (Step::Auth, true),
                (Step::Mail, true),
                (Step::Rcpt(0), true),
                (Step::Data, true),
                (Step::Message, true),
                (Step::Quit, true),
            ]
        );
        // What the events call encrypted is what the server received under TLS.
        let sent = run.sent_lines();
        assert_eq!(sent, run.server.lines, "chunk {chunk}");
        assert_eq!(sent[0], (false, "EHLO client.test.example".to_owned()));
        assert_eq!(sent[1], (false, "STARTTLS".to_owned()));
        assert_eq!(sent[2], (true, "EHLO client.test.example".to_owned()));
        assert_eq!(sent.last(), Some(&(true, "QUIT".to_owned())));
        assert_eq!(run.server.data, vec!["Subject: over TLS", "", "Hello Ted."]);
        // The 220 to STARTTLS came in plaintext, before the marker.
        let marker = run
            .events
            .iter()
            .position(|e| matches!(e, Event::TlsEstablished(_)));
        let ready = run.events.iter().position(|e| {
            matches!(e, Event::Reply { step: Step::StartTls, reply, .. } if reply.code.as_u16() == 220)
        });
        assert!(ready < marker && marker.is_some());
        assert_eq!(run.established().len(), 1);
        assert_eq!(outcome.tls.as_ref(), Some(run.established()[0]));
    }
}

#[test]
fn the_tls_report_describes_the_session_and_the_chain() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST, "127.0.0.1"], VALID_FROM, VALID_UNTIL);
    let run = run_with(
        TlsMode::StartTls,
        trusting(&ca),
        Script::default(),
        &identity,
        usize::MAX,
    );
    let report = run.outcome().tls.as_ref().expect("TLS report");
    assert_eq!(report.server_name, HOST);
    assert_eq!(report.protocol.as_deref(), Some("TLSv1.3"));
    assert!(
        report
            .cipher_suite
            .as_deref()
            .is_some_and(|s| s.starts_with("TLS13_")),
        "{report:?}"
    );
    assert!(report.key_exchange.is_some());
    assert_eq!(report.checked_at_unix, Some(NOW_UNIX));
    let verification = report.verification.as_ref().expect("checked");
    assert!(verification.enforced && verification.is_trusted());
    assert_eq!(report.chain.len(), 1);
    let cert = &report.chain[0];
    assert_eq!(cert.subject, format!("CN={HOST}"));
    assert_eq!(cert.issuer, "CN=smtplab test CA");
    assert_eq!(
        cert.sans,
        vec![format!("DNS:{HOST}"), "IP:127.0.0.1".to_owned()]
    );
    assert_eq!(cert.not_before, "2024-01-01 00:00:00 UTC");
    assert_eq!(cert.not_after, "2030-01-01 00:00:00 UTC");
    // 2025-06-01 to 2030-01-01.
    assert_eq!(cert.days_left, Some(1675));
    assert_eq!(
        (cert.key_type.as_str(), cert.key_bits),
        ("EC P-256", Some(256))
    );
    assert!(!cert.self_issued);
    let digest: Vec<String> = Sha256::digest(identity.chain[0].as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(cert.sha256, digest.join(":"));
}

#[test]
fn auth_after_starttls_never_puts_the_password_on_the_wire() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let plain_response = STANDARD.encode(format!("\0{USER}\0{PASSWORD}"));
    for mechanism in [AuthMechanism::Login, AuthMechanism::Plain] {
        let mut spec = spec(TlsMode::StartTls);
        if let Some(auth) = spec.auth.as_mut() {
            auth.mechanism = mechanism;
        }
        let session = Session::with_tls(spec, trusting(&ca));
        let run = Run::new(
            session,
            SmtpServer::new(Script::default(), &identity),
            usize::MAX,
        );
        assert_eq!(run.outcome().verdict, Verdict::Delivered, "{mechanism:?}");
        // The server did get the credentials, under TLS…
        assert!(run
            .server
            .lines
            .iter()
            .any(|(tls, line)| *tls && line.starts_with("AUTH")));
        // …and no form of them crossed the wire in the clear.
        let starttls = b"STARTTLS\r\n";
        let after = run
            .client_wire
            .windows(starttls.len())
            .position(|w| w == starttls)
            .map(|i| &run.client_wire[i + starttls.len()..])
            .expect("STARTTLS was sent");
        assert!(after.len() > 200, "ciphertext was sent after STARTTLS");
        for secret in [
            PASSWORD.to_owned(),
            STANDARD.encode(PASSWORD),
            STANDARD.encode(USER),
            plain_response.clone(),
        ] {
            assert!(
                !contains(&run.client_wire, secret.as_bytes()),
                "{secret} on the wire"
            );
        }
        assert!(!contains(after, b"AUTH") && !contains(after, b"MAIL FROM"));
    }
}

#[test]
fn implicit_tls_handshakes_before_the_greeting() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let script = Script {
        implicit: true,
        offer_starttls: false,
        ..Script::default()
    };
    for chunk in CHUNKINGS {
        let run = run_with(
            TlsMode::Implicit,
            trusting(&ca),
            script.clone(),
            &identity,
            chunk,
        );
        assert_eq!(run.outcome().verdict, Verdict::Delivered, "chunk {chunk}");
        let marker = run
            .events
            .iter()
            .position(|e| matches!(e, Event::TlsEstablished(_)));
        let greeting = run.events.iter().position(|e| {
            matches!(
                e,
                Event::Reply {
                    step: Step::Connect,
                    ..
                }
            )
        });
        assert!(marker.is_some() && marker < greeting, "chunk {chunk}");
        assert!(run.sent_lines().iter().all(|(encrypted, _)| *encrypted));
        assert!(run.server.lines.iter().all(|(tls, _)| *tls));
        assert_eq!(
            run.steps()[..2],
            [(Step::Connect, true), (Step::Ehlo, true)]
        );
        assert!(!run.client_wire.starts_with(b"EHLO"));
    }
}

#[test]
fn a_ca_not_trusted_fails_as_unknown_issuer_with_the_chain_reported() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let run = run_with(
        TlsMode::StartTls,
        context(&TlsOptions::default()),
        Script::default(),
        &identity,
        7,
    );
    assert_eq!(
        run.tls_failure(Step::StartTls),
        TlsFailureKind::UnknownIssuer
    );
    let report = run
        .outcome()
        .tls
        .as_ref()
        .expect("report of the failed handshake");
    assert_eq!(report.chain.len(), 1);
    assert_eq!(report.chain[0].issuer, "CN=smtplab test CA");
    let verification = report.verification.as_ref().expect("checked");
    assert!(verification.enforced);
    assert_eq!(
        verification.problem.as_ref().map(|p| p.kind),
        Some(TlsFailureKind::UnknownIssuer)
    );
    // No QUIT over a broken TLS; nothing after STARTTLS in the transcript.
    assert!(run.established().is_empty());
    assert_eq!(
        run.sent_lines().last().map(|l| l.1.as_str()),
        Some("STARTTLS")
    );
    assert_eq!(run.steps().last(), Some(&(Step::StartTls, false)));
    // The server heard why: rustls's alert reached it.
    assert!(run.server.tls_error.is_some());
}

#[test]
fn the_pasted_ca_is_what_makes_the_certificate_verify() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    // Only the pasted CA, amid other text: still verifies.
    let options = TlsOptions {
        mozilla_roots: false,
        extra_ca_pem: format!("my private CA:\n{}\n", ca.pem),
        ..TlsOptions::default()
    };
    let context = context(&options);
    assert_eq!(context.extra_ca_count(), 1);
    let run = run_with(
        TlsMode::StartTls,
        context,
        Script::default(),
        &identity,
        usize::MAX,
    );
    assert_eq!(run.outcome().verdict, Verdict::Delivered);
    // Another CA's certificate pasted instead: unknown issuer.
    let other = TestCa::named("some other CA");
    let run = run_with(
        TlsMode::StartTls,
        trusting(&other),
        Script::default(),
        &identity,
        usize::MAX,
    );
    assert_eq!(
        run.tls_failure(Step::StartTls),
        TlsFailureKind::UnknownIssuer
    );
}

#[test]
fn a_host_the_certificate_does_not_name_is_a_name_mismatch() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let mut spec = spec(TlsMode::StartTls);
    spec.host = "smtp.elsewhere.example".into();
    let run = Run::new(
        Session::with_tls(spec, trusting(&ca)),
        SmtpServer::new(Script::default(), &identity),
        usize::MAX,
    );
    assert_eq!(
        run.tls_failure(Step::StartTls),
        TlsFailureKind::NameMismatch
    );
    let (_, reason) = run.failure();
    assert!(reason.to_string().contains(HOST), "{reason}");
}

#[test]
fn an_ip_literal_host_is_checked_against_ip_sans() {
    let ca = TestCa::new();
    for (names, ok) in [(&[HOST, "127.0.0.1"][..], true), (&[HOST][..], false)] {
        let identity = ca.server(names, VALID_FROM, VALID_UNTIL);
        let mut spec = spec(TlsMode::StartTls);
        spec.host = "127.0.0.1".into();
        let run = Run::new(
            Session::with_tls(spec, trusting(&ca)),
            SmtpServer::new(Script::default(), &identity),
            usize::MAX,
        );
        if ok {
            assert_eq!(run.outcome().verdict, Verdict::Delivered);
        } else {
            assert_eq!(
                run.tls_failure(Step::StartTls),
                TlsFailureKind::NameMismatch
            );
        }
    }
}

#[test]
fn validity_dates_are_judged_by_the_drivers_clock() {
    let ca = TestCa::new();
    let expired = ca.server(&[HOST], VALID_FROM, (2025, 1, 1));
    let run = run_with(
        TlsMode::StartTls,
        trusting(&ca),
        Script::default(),
        &expired,
        usize::MAX,
    );
    assert_eq!(run.tls_failure(Step::StartTls), TlsFailureKind::Expired);
    let report = run.outcome().tls.as_ref().expect("report");
    // 2025-01-01 is 151 days before 2025-06-01.
    assert_eq!(report.chain[0].days_left, Some(-151));
    let early = ca.server(&[HOST], (2026, 1, 1), VALID_UNTIL);
    let run = run_with(
        TlsMode::StartTls,
        trusting(&ca),
        Script::default(),
        &early,
        usize::MAX,
    );
    assert_eq!(run.tls_failure(Step::StartTls), TlsFailureKind::NotYetValid);
}

#[test]
fn a_self_signed_certificate_is_named_as_such() {
    let identity = pki::self_signed(&[HOST]);
    let run = run_with(
        TlsMode::StartTls,
        context(&TlsOptions::default()),
        Script::default(),
        &identity,
        usize::MAX,
    );
    assert_eq!(run.tls_failure(Step::StartTls), TlsFailureKind::SelfSigned);
    let report = run.outcome().tls.as_ref().expect("report");
    assert!(report.chain[0].self_issued);
}

#[test]
fn without_verification_the_session_goes_on_and_says_what_was_wrong() {
    let ca = TestCa::new();
    let expired = ca.server(&[HOST], VALID_FROM, (2025, 1, 1));
    let options = TlsOptions {
        verify: false,
        extra_ca_pem: ca.pem.clone(),
        ..TlsOptions::default()
    };
    let run = run_with(
        TlsMode::StartTls,
        context(&options),
        Script::default(),
        &expired,
        usize::MAX,
    );
    let outcome = run.outcome();
    assert_eq!(outcome.verdict, Verdict::Delivered);
    let problem = outcome
        .unverified_tls()
        .expect("the skipped check's finding");
    assert_eq!(problem.kind, TlsFailureKind::Expired);
    let report = run.established()[0];
    let verification = report.verification.as_ref().expect("checked");
    assert!(!verification.enforced && !verification.is_trusted());
    assert!(
        verification
            .to_string()
            .starts_with("NOT verified (verification skipped)"),
        "{verification}"
    );
    // A self-signed certificate likewise.
    let identity = pki::self_signed(&[HOST]);
    let options = TlsOptions {
        verify: false,
        ..TlsOptions::default()
    };
    let run = run_with(
        TlsMode::Implicit,
        context(&options),
        Script {
            implicit: true,
            ..Script::default()
        },
        &identity,
        usize::MAX,
    );
    assert_eq!(run.outcome().verdict, Verdict::Delivered);
    assert_eq!(
        run.outcome().unverified_tls().map(|p| p.kind),
        Some(TlsFailureKind::SelfSigned)
    );
    // With verification on and nothing wrong, nothing is flagged.
    let good = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let run = run_with(
        TlsMode::StartTls,
        trusting(&ca),
        Script::default(),
        &good,
        usize::MAX,
    );
    assert_eq!(run.outcome().unverified_tls(), None);
}

#[test]
fn starttls_required_but_not_offered_fails_and_quits() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let script = Script {
        offer_starttls: false,
        auth_only_under_tls: false,
        ..Script::default()
    };
    let run = run_with(
        TlsMode::StartTls,
        trusting(&ca),
        script,
        &identity,
        usize::MAX,
    );
    assert_eq!(run.tls_failure(Step::StartTls), TlsFailureKind::NotOffered);
    let lines: Vec<String> = run.sent_lines().into_iter().map(|l| l.1).collect();
    assert_eq!(lines, vec!["EHLO client.test.example", "QUIT"]);
    assert!(run.outcome().tls.is_none());
}

#[test]
fn starttls_if_offered_goes_on_in_plaintext_when_it_is_not() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let script = Script {
        offer_starttls: false,
        auth_only_under_tls: false,
        ..Script::default()
    };
    let run = run_with(
        TlsMode::StartTlsIfOffered,
        trusting(&ca),
        script,
        &identity,
        usize::MAX,
    );
    assert_eq!(run.outcome().verdict, Verdict::Delivered);
    assert!(run.events.iter().any(|e| matches!(
        e,
        Event::TlsSkipped {
            reason: TlsSkipReason::NotAdvertised
        }
    )));
    assert!(run.established().is_empty() && run.outcome().tls.is_none());
    assert!(!run.session.is_encrypted());
    assert!(run.sent_lines().iter().all(|(encrypted, _)| !encrypted));
    // When it is offered, it is used.
    let run = run_with(
        TlsMode::StartTlsIfOffered,
        trusting(&ca),
        Script::default(),
        &identity,
        usize::MAX,
    );
    assert_eq!(run.outcome().verdict, Verdict::Delivered);
    assert_eq!(run.established().len(), 1);
}

#[test]
fn a_refused_starttls_fails_or_falls_back_as_the_mode_says() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let script = Script {
        starttls_reply: "454 4.7.0 TLS not available due to local problem",
        auth_only_under_tls: false,
        ..Script::default()
    };
    let run = run_with(
        TlsMode::StartTls,
        trusting(&ca),
        script.clone(),
        &identity,
        usize::MAX,
    );
    match run.failure() {
        (Step::StartTls, FailReason::UnexpectedReply(reply)) => {
            assert_eq!(reply.code.as_u16(), 454)
        }
        other => panic!("expected the 454 as the reason, got {other:?}"),
    }
    assert_eq!(run.sent_lines().last().map(|l| l.1.as_str()), Some("QUIT"));
    let run = run_with(
        TlsMode::StartTlsIfOffered,
        trusting(&ca),
        script,
        &identity,
        usize::MAX,
    );
    assert_eq!(run.outcome().verdict, Verdict::Delivered);
    assert!(run
        .events
        .iter()
        .any(|e| matches!(e, Event::TlsSkipped { reason: TlsSkipReason::Refused { reply } } if reply.code.as_u16() == 454)));
    assert!(run.steps().contains(&(Step::StartTls, false)));
}

#[test]
fn plaintext_injected_after_the_220_is_discarded_and_reported() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let injected: &[u8] = b"250-mx.test.example\r\n250 AUTH PLAIN\r\n";
    let script = Script {
        inject_after_starttls: injected,
        ..Script::default()
    };
    let run = run_with(
        TlsMode::StartTls,
        trusting(&ca),
        script.clone(),
        &identity,
        usize::MAX,
    );
    assert_eq!(run.outcome().verdict, Verdict::Delivered);
    let discarded: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::PlaintextDiscarded { step, bytes, text } => Some((*step, *bytes, text.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        discarded,
        vec![(
            Step::StartTls,
            injected.len(),
            String::from_utf8_lossy(injected).into_owned()
        )]
    );
    // The injected "reply" answered nothing: the second EHLO got the real one.
    assert_eq!(
        run.events
            .iter()
            .filter(|e| matches!(
                e,
                Event::Reply {
                    step: Step::Ehlo,
                    ..
                }
            ))
            .count(),
        2
    );
    // Arriving in a later read, the same bytes reach the TLS layer, which
    // refuses them: the session fails instead of believing them.
    let run = run_with(TlsMode::StartTls, trusting(&ca), script, &identity, 1);
    assert_eq!(run.tls_failure(Step::StartTls), TlsFailureKind::NotTls);
}

#[test]
fn implicit_tls_against_a_plaintext_port_says_it_is_not_tls() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let run = run_with(
        TlsMode::Implicit,
        trusting(&ca),
        Script::default(),
        &identity,
        usize::MAX,
    );
    assert_eq!(run.tls_failure(Step::Connect), TlsFailureKind::NotTls);
    let (_, reason) = run.failure();
    assert!(
        reason.to_string().contains("220 mx.test.example"),
        "{reason}"
    );
}

#[test]
fn stopping_after_ehlo_still_runs_starttls_and_the_second_ehlo() {
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let mut spec = spec(TlsMode::StartTls);
    spec.stop_after = Stage::Ehlo;
    let run = Run::new(
        Session::with_tls(spec, trusting(&ca)),
        SmtpServer::new(Script::default(), &identity),
        usize::MAX,
    );
    assert_eq!(
        run.outcome().verdict,
        Verdict::Completed { stage: Stage::Ehlo }
    );
    let lines: Vec<(bool, String)> = run.sent_lines();
    assert_eq!(
        lines,
        vec![
            (false, "EHLO client.test.example".to_owned()),
            (false, "STARTTLS".to_owned()),
            (true, "EHLO client.test.example".to_owned()),
            (true, "QUIT".to_owned()),
        ]
    );
}

#[test]
fn tls_without_a_context_aborts_and_bad_options_are_refused() {
    let mut session = Session::new(spec(TlsMode::StartTls));
    session.handle_connected(Duration::ZERO);
    let mut finished = None;
    while let Some(event) = session.poll_event() {
        if let Event::Finished(outcome) = event {
            finished = Some(outcome);
        }
    }
    assert!(matches!(
        finished.map(|o| o.verdict),
        Some(Verdict::Failed {
            step: Step::Connect,
            reason: FailReason::Aborted(_)
        })
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let none = TlsOptions {
        mozilla_roots: false,
        ..TlsOptions::default()
    };
    assert_eq!(
        TlsContext::new(provider.clone(), pki::clock(), &none, &[]).err(),
        Some(TlsSetupError::NoTrustAnchors)
    );
    let garbage = TlsOptions {
        extra_ca_pem: "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
            .into(),
        ..TlsOptions::default()
    };
    assert!(matches!(
        TlsContext::new(
            provider,
            pki::clock(),
            &garbage,
            webpki_roots::TLS_SERVER_ROOTS
        )
        .err(),
        Some(TlsSetupError::BadCa { index: 1, .. })
    ));
}

/// Pumps a raw link (the console) and the scripted server: every typed
/// line, every server byte and every event, until the server is quiet.
fn pump_raw(
    link: &mut smtplab_shared::link::Link,
    server: &mut SmtpServer,
    events: &mut Vec<smtplab_shared::link::LinkEvent>,
) {
    let mut now = Duration::ZERO;
    loop {
        let mut to_server = Vec::new();
        while let Some(bytes) = link.poll_transmit() {
            to_server.extend(bytes);
        }
        while link.poll_control().is_some() {}
        events.extend(std::iter::from_fn(|| link.poll_event()));
        if !to_server.is_empty() {
            server.receive(&to_server);
        }
        let from_server = server.take_output();
        if from_server.is_empty() && to_server.is_empty() {
            return;
        }
        now += Duration::from_millis(5);
        if !from_server.is_empty() {
            link.handle_bytes(now, &from_server);
        }
    }
}

/// A raw link connected through a pretend bridge.
fn raw_connected(tls: TlsContext, implicit: bool) -> smtplab_shared::link::Link {
    use smtplab_shared::wire::{PolicyInfo, ServerMessage, PROTOCOL_VERSION};
    let mut link = smtplab_shared::link::Link::raw_with_tls(HOST, 587, tls, implicit);
    link.handle_server_message(
        Duration::ZERO,
        ServerMessage::Hello {
            version: PROTOCOL_VERSION,
            policy: PolicyInfo {
                allowed_ports: vec![587],
                connect_timeout_ms: 1000,
                idle_timeout_ms: 1000,
                max_frame_bytes: 65536,
                max_sessions: 1,
            },
        },
    );
    link.handle_server_message(
        Duration::ZERO,
        ServerMessage::Connected {
            peer: "127.0.0.1:587".into(),
            connect_ms: 1.0,
        },
    );
    link
}

fn received_text(events: &[smtplab_shared::link::LinkEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            smtplab_shared::link::LinkEvent::Received(bytes) => {
                Some(String::from_utf8_lossy(bytes).into_owned())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_console_runs_starttls_itself_and_goes_on_encrypted() {
    use smtplab_shared::link::LinkEvent;
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let mut server = SmtpServer::new(Script::default(), &identity);
    let mut link = raw_connected(trusting(&ca), false);
    let mut events = Vec::new();
    pump_raw(&mut link, &mut server, &mut events);
    assert!(link.send(b"EHLO console.test\r\n"));
    pump_raw(&mut link, &mut server, &mut events);
    assert!(link.send(b"STARTTLS\r\n"));
    pump_raw(&mut link, &mut server, &mut events);
    assert!(received_text(&events).contains("220 2.0.0 Ready to start TLS"));
    assert!(!link.is_encrypted());
    assert!(link.start_tls(), "the driver starts TLS after the 220");
    pump_raw(&mut link, &mut server, &mut events);
    assert!(link.is_encrypted() && server.is_encrypted());
    let report = events.iter().find_map(|e| match e {
        LinkEvent::TlsEstablished(report) => Some(report),
        _ => None,
    });
    assert!(
        report.is_some_and(|r| r.verification.as_ref().is_some_and(|v| v.problem.is_none())),
        "{report:?}"
    );
    events.clear();
    assert!(link.send(b"EHLO console.test\r\n"));
    pump_raw(&mut link, &mut server, &mut events);
    let text = received_text(&events);
    assert!(text.contains("AUTH"), "AUTH is offered under TLS: {text}");
    assert_eq!(
        server.lines.last(),
        Some(&(true, "EHLO console.test".to_owned())),
        "the second EHLO crossed the wire encrypted"
    );
    assert!(!link.start_tls(), "TLS runs once");
}

#[test]
fn the_console_speaks_implicit_tls_and_reports_a_refused_certificate() {
    use smtplab_shared::link::{LinkEvent, LinkState};
    use smtplab_shared::smtp::TlsFailureKind;
    let ca = TestCa::new();
    let identity = ca.server(&[HOST], VALID_FROM, VALID_UNTIL);
    let script = Script {
        implicit: true,
        ..Script::default()
    };
    let mut server = SmtpServer::new(script.clone(), &identity);
    let mut link = raw_connected(trusting(&ca), true);
    let mut events = Vec::new();
    pump_raw(&mut link, &mut server, &mut events);
    assert!(link.is_encrypted());
    assert!(
        received_text(&events).starts_with("220 "),
        "the greeting, decrypted"
    );

    let mut server = SmtpServer::new(script, &identity);
    let mut untrusted = raw_connected(context(&TlsOptions::default()), true);
    let mut events = Vec::new();
    pump_raw(&mut untrusted, &mut server, &mut events);
    let failure = events.iter().find_map(|e| match e {
        LinkEvent::TlsFailed(failure) => Some(failure.kind),
        _ => None,
    });
    assert_eq!(failure, Some(TlsFailureKind::UnknownIssuer));
    assert_eq!(untrusted.state(), LinkState::Done);
}
