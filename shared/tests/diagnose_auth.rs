//! The checks with credentials against a server that offers AUTH only
//! after STARTTLS (Exim's and OpenSMTPD's usual setup): in plaintext the
//! checks must not send AUTH that was not advertised, must say that AUTH is
//! offered only after STARTTLS, and the advice must match the code the
//! server actually gave (503 is not "the credentials were refused").

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[allow(dead_code)]
mod diagnose {
    pub(crate) mod driver;
}

use diagnose::driver::Run;
use smtplab_shared::diagnose::{
    can_send_session, delivery_session, evaluate_can_send, evaluate_delivery, CheckInput,
    CheckVerdict,
};
use smtplab_shared::smtp::{AuthMechanism, AuthSpec};

fn input() -> CheckInput {
    let mut input = CheckInput::new("127.0.0.1", 2525, "client.example.org");
    input.domain = "example.com".into();
    input.user_address = "ted@example.com".into();
    input.from_address = "kim@example.org".into();
    input.date_rfc2822 = "Sun, 1 Jun 2025 12:00:00 +0000".into();
    input.message_id = "<1@client.example.org>".into();
    input.auth = Some(AuthSpec {
        mechanism: AuthMechanism::Plain,
        username: "kim".into(),
        password: "pw".into(),
    });
    input
}

/// Exim's plaintext EHLO: STARTTLS, no AUTH.
const EXIM_EHLO: &str =
    "250-mx Hello client [127.0.0.1]\n250-SIZE 52428800\n250-PIPELINING\n250-STARTTLS\n250 HELP";

#[test]
fn can_send_never_sends_auth_that_is_not_advertised() {
    let input = input();
    let plan = can_send_session(&input).expect("valid");
    let mut run = Run::connected(&plan, 1.0);
    run.server(5, "220 mx ESMTP Exim 4.96")
        .expect("EHLO client.example.org")
        .server(5, EXIM_EHLO)
        // No AUTH PLAIN: straight to QUIT.
        .expect("QUIT")
        .server(5, "221 mx closing connection");
    let record = run.finish();
    let result = evaluate_can_send(&input, &record);
    assert_eq!(result.verdict, CheckVerdict::Fail, "{result:?}");
    assert!(
        result
            .summary
            .contains("AUTH is offered only after STARTTLS"),
        "{}",
        result.summary
    );
    assert!(!result.advice.contains("535"), "{}", result.advice);
    assert!(result.advice.contains("TLS"), "{}", result.advice);
}

#[test]
fn delivery_never_sends_auth_that_is_not_advertised() {
    let input = input();
    let plan = delivery_session(&input).expect("valid");
    let mut run = Run::connected(&plan, 1.0);
    run.server(5, "220 mx ESMTP Exim 4.96")
        .expect("EHLO client.example.org")
        .server(5, EXIM_EHLO)
        .expect("QUIT")
        .server(5, "221 mx closing connection");
    let record = run.finish();
    let result = evaluate_delivery(&input, &record);
    assert_eq!(result.verdict, CheckVerdict::Fail, "{result:?}");
    assert!(
        result
            .summary
            .contains("AUTH is offered only after STARTTLS"),
        "{}",
        result.summary
    );
}

#[test]
fn without_starttls_either_it_says_the_server_offers_no_auth() {
    let input = input();
    let plan = can_send_session(&input).expect("valid");
    let mut run = Run::connected(&plan, 1.0);
    run.server(5, "220 mx ESMTP")
        .expect("EHLO client.example.org")
        .server(5, "250-mx\n250 PIPELINING")
        .expect("QUIT")
        .server(5, "221 Bye");
    let result = evaluate_can_send(&input, &run.finish());
    assert_eq!(result.verdict, CheckVerdict::Fail, "{result:?}");
    assert!(
        result.summary.contains("does not offer AUTH"),
        "{}",
        result.summary
    );
}

#[test]
fn advice_matches_the_code_the_server_gave() {
    let input = input();
    let plan = can_send_session(&input).expect("valid");
    for (answer, wanted, unwanted) in [
        (
            "503 AUTH command used when not advertised",
            "not advertised",
            "credentials were refused",
        ),
        (
            "535 Incorrect authentication data",
            "credentials were refused",
            "TLS",
        ),
        (
            "454 4.7.0 Temporary authentication failure",
            "temporar",
            "credentials were refused",
        ),
    ] {
        let mut run = Run::connected(&plan, 1.0);
        run.server(5, "220 mx ESMTP")
            .expect("EHLO client.example.org")
            .server(5, "250-mx\n250 AUTH PLAIN LOGIN")
            .expect("AUTH PLAIN AGtpbQBwdw==")
            .server(5, answer)
            .expect("QUIT")
            .server(5, "221 Bye");
        let result = evaluate_can_send(&input, &run.finish());
        assert!(
            result.advice.contains(wanted) && !result.advice.contains(unwanted),
            "{answer}: {}",
            result.advice
        );
    }
}

#[test]
fn a_certificate_that_does_not_verify_gets_certificate_advice() {
    use smtplab_shared::diagnose::SessionRecord;
    use smtplab_shared::smtp::{
        Event, FailReason, Outcome, Step, TlsFailure, TlsFailureKind, Verdict,
    };
    let input = input();
    // A real greeting and EHLO, then the end a failed STARTTLS handshake
    // gives (the scripted server here speaks no TLS).
    let plan = can_send_session(&input).expect("valid");
    let mut run = Run::connected(&plan, 1.0);
    run.server(5, "220 mx ESMTP Postfix")
        .expect("EHLO client.example.org")
        .server(5, EXIM_EHLO)
        .expect("QUIT")
        .server(5, "221 Bye");
    let mut record: SessionRecord = run.finish();
    record.events.retain(|e| !matches!(e, Event::Finished(_)));
    let failure = TlsFailure {
        kind: TlsFailureKind::UnknownIssuer,
        detail: "invalid peer certificate: UnknownIssuer".into(),
    };
    record.push(Event::Finished(Outcome {
        verdict: Verdict::Failed {
            step: Step::StartTls,
            reason: FailReason::Tls(failure),
        },
        queue_id: None,
        capabilities: None,
        steps: Vec::new(),
        tls: None,
        refused_recipients: Vec::new(),
        pipelined_flights: Vec::new(),
    }));
    let result = evaluate_can_send(&input, &record);
    assert_eq!(result.verdict, CheckVerdict::Fail, "{result:?}");
    assert!(
        result.advice.contains("CA field") && !result.advice.contains("broke the protocol"),
        "{}",
        result.advice
    );
}
