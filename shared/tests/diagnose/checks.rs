//! Checks 1, 2, 3, 5, 7 and 8: a passing and a failing case each, judged
//! from scripted sessions.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use smtplab_shared::diagnose::Action;
use smtplab_shared::diagnose::{
    can_send_session, delivery_session, evaluate_can_send, evaluate_delivery, evaluate_open_relay,
    evaluate_reachability, evaluate_service, evaluate_user_receives, open_relay_session,
    reachability_session, service_session, user_receives_session, Check, CheckError, CheckKind,
    CheckVerdict, InputError,
};
use smtplab_shared::smtp::{AuthMechanism, AuthSpec};
use smtplab_shared::wire::ErrorCode;

use super::driver::Run;
use crate::input;

const EHLO_OK: &str =
    "250-mx.example.com\n250-PIPELINING\n250-SIZE 10240000\n250-STARTTLS\n250 8BITMIME";

// ---- 1. reachability ----

#[test]
fn reachability_passes_with_connect_time_and_banner() {
    let input = input();
    let plan = reachability_session(&input).expect("valid");
    let record = Run::connected(&plan, 12.0)
        .server(40, "220 mx.example.com ESMTP Postfix")
        .expect("QUIT")
        .server(5, "221 Bye")
        .finish();
    let result = evaluate_reachability(&input, &record);
    assert_eq!(result.verdict, CheckVerdict::Pass, "{result:?}");
    assert!(result.summary.contains("(12 ms)"), "{}", result.summary);
    assert!(result
        .evidence
        .contains(&"S: 220 mx.example.com ESMTP Postfix".to_owned()));
    assert!(result
        .details
        .iter()
        .any(|f| f.label == "sent before the greeting" && f.value == "nothing"));
}

#[test]
fn reachability_tells_refused_timeout_dns_and_no_banner_apart() {
    let input = input();
    let plan = reachability_session(&input).expect("valid");
    let cases = [
        (ErrorCode::Refused, "refused: nothing listens"),
        (ErrorCode::Timeout, "likely filtered by a firewall"),
        (ErrorCode::Dns, "DNS failure"),
        (ErrorCode::Reset, "reset"),
    ];
    for (code, words) in cases {
        let record = Run::refused(&plan, code, "x");
        let result = evaluate_reachability(&input, &record);
        assert_eq!(result.verdict, CheckVerdict::Fail);
        assert!(
            result.summary.contains(words),
            "{code:?}: {}",
            result.summary
        );
    }
    let silent = Run::connected(&plan, 3.0).time_out().finish();
    let result = evaluate_reachability(&input, &silent);
    assert_eq!(result.verdict, CheckVerdict::Fail);
    assert!(
        result
            .summary
            .contains("connected but no banner within 30000 ms"),
        "{}",
        result.summary
    );
    let dropped = Run::connected(&plan, 3.0).close().finish();
    let result = evaluate_reachability(&input, &dropped);
    assert!(
        result.summary.contains("closed without a banner"),
        "{}",
        result.summary
    );
    let blocked = Run::connected(&plan, 3.0)
        .server(5, "554 5.7.1 your IP is listed")
        .expect("QUIT")
        .server(5, "221 Bye")
        .finish();
    let result = evaluate_reachability(&input, &blocked);
    assert_eq!(result.verdict, CheckVerdict::Fail);
    assert!(
        result.summary.contains("refuses service: 554 5.7.1"),
        "{}",
        result.summary
    );
}

#[test]
fn a_greet_pause_is_named_as_such_not_slowness() {
    let mut input = input();
    input.port = 25;
    let plan = reachability_session(&input).expect("valid");
    let record = Run::connected(&plan, 2.0)
        .server(50, "220-mx.example.com ESMTP")
        .silent()
        .server(6_000, "220 mx.example.com ready")
        .expect("QUIT")
        .server(5, "221 Bye")
        .finish();
    let result = evaluate_reachability(&input, &record);
    assert_eq!(result.verdict, CheckVerdict::Pass, "{result:?}");
    assert!(result.summary.contains("greet pause"), "{}", result.summary);
    assert!(result.summary.contains("not slowness"));
    assert!(result.summary.contains("6.0 s"), "{}", result.summary);
    assert!(result.details.iter().any(|f| f.label == "greeting spread"));
    // On a submission port the same pause is a warning.
    input.port = 587;
    let result = evaluate_reachability(&input, &record);
    assert_eq!(result.verdict, CheckVerdict::Warn);
}

// ---- 2. service ----

fn service_script(vrfy: &str) -> smtplab_shared::diagnose::SessionRecord {
    let input = input();
    let plan = service_session(&input).expect("valid");
    Run::connected(&plan, 1.0)
        .server(5, "220 mx.example.com ESMTP")
        .expect("EHLO client.example.org")
        .server(5, EHLO_OK)
        .expect("HELP")
        .server(5, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA")
        .expect("NOOP")
        .server(5, "250 2.0.0 Ok")
        .expect("RSET")
        .server(5, "250 2.0.0 Ok")
        .expect("VRFY ted@example.com")
        .server(5, vrfy)
        .expect("EXPN postmaster")
        .server(5, "502 5.5.1 EXPN not available")
        .expect("QUIT")
        .server(5, "221 Bye")
        .finish()
}

#[test]
fn service_passes_when_vrfy_is_refused_and_explains_capabilities() {
    let result = evaluate_service(&input(), &service_script("252 2.0.0 Cannot VRFY user"));
    assert_eq!(result.verdict, CheckVerdict::Pass, "{result:?}");
    assert!(result
        .details
        .iter()
        .any(|f| f.label == "VRFY" && f.value.contains("good practice")));
    assert!(result
        .details
        .iter()
        .any(|f| f.label == "EHLO SIZE" && f.value.contains("up to")));
    assert!(result
        .evidence
        .contains(&"C: VRFY ted@example.com".to_owned()));
}

#[test]
fn service_warns_when_vrfy_confirms_a_user_and_fails_without_ehlo_or_helo() {
    let result = evaluate_service(&input(), &service_script("250 2.0.0 Ted <ted@example.com>"));
    assert_eq!(result.verdict, CheckVerdict::Warn);
    assert!(result.advice.contains("enumerate"), "{}", result.advice);
    let plan = service_session(&input()).expect("valid");
    let record = Run::connected(&plan, 1.0)
        .server(5, "220 mx ESMTP")
        .expect("EHLO client.example.org")
        .server(5, "502 5.5.2 no EHLO")
        .expect("HELO client.example.org")
        .server(5, "550 5.7.1 go away")
        .expect("QUIT")
        .server(5, "221 Bye")
        .finish();
    let result = evaluate_service(&input(), &record);
    assert_eq!(result.verdict, CheckVerdict::Fail);
    assert!(
        result.summary.contains("refuses EHLO and HELO"),
        "{}",
        result.summary
    );
}

// ---- 3. delivery ----

#[test]
fn delivery_needs_the_drivers_date_and_passes_with_a_queue_id() {
    let mut input = input();
    assert_eq!(
        delivery_session(&input),
        Err(InputError::MissingMessageHeaders)
    );
    input.date_rfc2822 = "Sun, 01 Jun 2025 12:00:00 +0000".into();
    input.message_id = "t1@client.example.org".into();
    let plan = delivery_session(&input).expect("valid");
    assert!(
        String::from_utf8_lossy(&plan.spec.message).contains("Message-ID: <t1@client.example.org>")
    );
    let mut run = Run::connected(&plan, 1.0);
    run.server(5, "220 mx ESMTP")
        .expect("EHLO client.example.org")
        .server(5, "250 mx")
        .expect("MAIL FROM:<kim@example.org>")
        .server(5, "250 2.1.0 Ok")
        .expect("RCPT TO:<ted@example.com>")
        .server(5, "250 2.1.5 Ok")
        .expect("DATA")
        .server(5, "354 go ahead");
    let message = smtplab_shared::smtp::encode_data(&plan.spec.message);
    let body = String::from_utf8(message).expect("ascii");
    run.expect(&body)
        .server(5, "250 2.0.0 Ok: queued as 4Xyz")
        .expect("QUIT")
        .server(5, "221 Bye");
    let result = evaluate_delivery(&input, &run.finish());
    assert_eq!(result.verdict, CheckVerdict::Pass, "{result:?}");
    assert!(result.summary.contains("queued as 4Xyz"));
}

#[test]
fn delivery_fails_on_an_unknown_recipient() {
    let mut input = input();
    input.date_rfc2822 = "Sun, 01 Jun 2025 12:00:00 +0000".into();
    input.message_id = "t2@client.example.org".into();
    let plan = delivery_session(&input).expect("valid");
    let record = Run::connected(&plan, 1.0)
        .server(5, "220 mx ESMTP")
        .expect("EHLO client.example.org")
        .server(5, "250 mx")
        .expect("MAIL FROM:<kim@example.org>")
        .server(5, "250 2.1.0 Ok")
        .expect("RCPT TO:<ted@example.com>")
        .server(
            5,
            "550 5.1.1 <ted@example.com>: Recipient address rejected: User unknown",
        )
        .expect("QUIT")
        .server(5, "221 Bye")
        .finish();
    let result = evaluate_delivery(&input, &record);
    assert_eq!(result.verdict, CheckVerdict::Fail);
    assert!(
        result.summary.starts_with("RCPT TO refused: 550 5.1.1"),
        "{}",
        result.summary
    );
}

// ---- 5. user receives ----

fn rcpt_script(
    plan: &smtplab_shared::diagnose::PlannedSession,
    mail_from: &str,
    rcpt: &str,
    answer: &str,
) -> smtplab_shared::diagnose::SessionRecord {
    let mut run = Run::connected(plan, 1.0);
    run.server(5, "220 mx ESMTP")
        .expect("EHLO client.example.org")
        .server(5, "250 mx")
        .expect(&format!("MAIL FROM:<{mail_from}>"))
        .server(5, "250 2.1.0 Ok")
        .expect(&format!("RCPT TO:<{rcpt}>"))
        .server(5, answer);
    if answer.starts_with('2') {
        run.expect("RSET").server(5, "250 2.0.0 Ok");
    }
    run.expect("QUIT").server(5, "221 Bye");
    run.finish()
}

#[test]
fn user_receives_passes_with_rset_and_no_data_and_fails_or_warns_otherwise() {
    let input = input();
    let plan = user_receives_session(&input).expect("valid");
    let ok = rcpt_script(&plan, "kim@example.org", "ted@example.com", "250 2.1.5 Ok");
    let result = evaluate_user_receives(&input, &ok);
    assert_eq!(result.verdict, CheckVerdict::Pass, "{result:?}");
    assert!(result.evidence.contains(&"C: RSET".to_owned()));
    assert!(!result.evidence.iter().any(|l| l == "C: DATA"));
    let unknown = rcpt_script(
        &plan,
        "kim@example.org",
        "ted@example.com",
        "550 5.1.1 User unknown",
    );
    assert_eq!(
        evaluate_user_receives(&input, &unknown).verdict,
        CheckVerdict::Fail
    );
    let grey = rcpt_script(
        &plan,
        "kim@example.org",
        "ted@example.com",
        "450 4.7.1 Greylisted, try later",
    );
    let result = evaluate_user_receives(&input, &grey);
    assert_eq!(result.verdict, CheckVerdict::Warn);
    assert!(result.advice.contains("greylisting"), "{}", result.advice);
}

// ---- 7. can send ----

#[test]
fn can_send_passes_with_auth_and_fails_on_bad_credentials() {
    let mut input = input();
    input.auth = Some(AuthSpec {
        mechanism: AuthMechanism::Plain,
        username: "kim".into(),
        password: "pw".into(),
    });
    let plan = can_send_session(&input).expect("valid");
    let script = |answer: &str| {
        let mut run = Run::connected(&plan, 1.0);
        run.server(5, "220 mx ESMTP")
            .expect("EHLO client.example.org")
            .server(5, "250-mx\n250 AUTH PLAIN LOGIN")
            .expect("AUTH PLAIN AGtpbQBwdw==")
            .server(5, answer);
        if answer.starts_with("235") {
            run.expect("MAIL FROM:<kim@example.org>")
                .server(5, "250 2.1.0 Ok")
                .expect("RSET")
                .server(5, "250 Ok");
        }
        run.expect("QUIT").server(5, "221 Bye");
        run.finish()
    };
    let ok = script("235 2.7.0 Authentication successful");
    let result = evaluate_can_send(&input, &ok);
    assert_eq!(result.verdict, CheckVerdict::Pass, "{result:?}");
    assert!(
        result
            .evidence
            .contains(&"C: AUTH PLAIN ********".to_owned()),
        "{:?}",
        result.evidence
    );
    let bad = script("535 5.7.8 Error: authentication failed");
    let result = evaluate_can_send(&input, &bad);
    assert_eq!(result.verdict, CheckVerdict::Fail);
    assert!(
        result.summary.starts_with("AUTH refused: 535 5.7.8"),
        "{}",
        result.summary
    );
}

// ---- 8. open relay ----

#[test]
fn open_relay_fails_when_the_outside_rcpt_is_accepted_and_passes_on_554() {
    let input = input();
    let plan = open_relay_session(&input).expect("valid");
    assert_eq!(plan.spec.rcpt_to, vec!["relay-test@example.net".to_owned()]);
    assert!(plan.spec.auth.is_none());
    let open = rcpt_script(
        &plan,
        "kim@example.org",
        "relay-test@example.net",
        "250 2.1.5 Ok",
    );
    let result = evaluate_open_relay(&input, &open);
    assert_eq!(result.verdict, CheckVerdict::Fail, "{result:?}");
    assert!(result.summary.starts_with("OPEN RELAY"));
    let closed = rcpt_script(
        &plan,
        "kim@example.org",
        "relay-test@example.net",
        "554 5.7.1 <relay-test@example.net>: Relay access denied",
    );
    assert_eq!(
        evaluate_open_relay(&input, &closed).verdict,
        CheckVerdict::Pass
    );
    let deferred = rcpt_script(
        &plan,
        "kim@example.org",
        "relay-test@example.net",
        "451 4.3.0 try later",
    );
    assert_eq!(
        evaluate_open_relay(&input, &deferred).verdict,
        CheckVerdict::Warn
    );
    let mut local = input.clone();
    local.outside_address = "someone@example.com".into();
    assert!(matches!(
        open_relay_session(&local),
        Err(InputError::OutsideIsLocal(_))
    ));
}

// ---- the one-loop runner ----

#[test]
fn check_runs_one_session_and_refuses_unexpected_answers() {
    let input = input();
    let mut check = Check::new(CheckKind::OpenRelay, &input).expect("valid");
    let Some(Action::RunSession(plan)) = check.poll_action() else {
        panic!("a session first")
    };
    assert_eq!(check.poll_action(), None);
    assert!(matches!(
        check.handle_session("other", &Run::refused(&plan, ErrorCode::Refused, "x")),
        Err(CheckError::UnexpectedSession { .. })
    ));
    let record = rcpt_script(
        &plan,
        "kim@example.org",
        "relay-test@example.net",
        "554 5.7.1 Relay access denied",
    );
    check
        .handle_session(&plan.label, &record)
        .expect("expected");
    assert_eq!(check.result().map(|r| r.verdict), Some(CheckVerdict::Pass));
    assert!(check.handle_session(&plan.label, &record).is_err());
    let mut missing = input.clone();
    missing.user_address.clear();
    assert_eq!(
        Check::new(CheckKind::UserReceives, &missing).err(),
        Some(InputError::MissingUser)
    );
}
