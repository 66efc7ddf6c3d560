//! Checks 4 and 6: the `DomainCheck` orchestrator with MX records, without
//! them (the A fallback of RFC 5321 §5.1), with NXDOMAIN and a null MX, and
//! the postmaster test.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use smtplab_shared::diagnose::{
    Action, CheckError, CheckKind, CheckVerdict, DomainCheck, PlannedSession, SessionRecord,
};
use smtplab_shared::wire::{DnsRecord, ErrorCode, RecordType};

use super::driver::Run;
use crate::input;

fn mx(preference: u16, exchange: &str) -> DnsRecord {
    DnsRecord::Mx {
        preference,
        exchange: exchange.into(),
    }
}

fn addr(text: &str) -> DnsRecord {
    DnsRecord::Address {
        address: text.parse().expect("literal"),
    }
}

fn expect_resolve(check: &mut DomainCheck, name: &str, rtype: RecordType) {
    assert_eq!(
        check.poll_action(),
        Some(Action::Resolve {
            name: name.into(),
            rtype
        }),
        "next action"
    );
    assert_eq!(check.poll_action(), None, "one action at a time");
}

fn expect_session(check: &mut DomainCheck, host: &str) -> PlannedSession {
    match check.poll_action() {
        Some(Action::RunSession(plan)) => {
            assert_eq!(plan.spec.host, host);
            *plan
        }
        other => panic!("expected a session on {host}, got {other:?}"),
    }
}

/// Connect + EHLO + QUIT on a healthy server.
fn healthy(plan: &PlannedSession, starttls: bool) -> SessionRecord {
    let ehlo = if starttls {
        "250-mx\n250 STARTTLS"
    } else {
        "250 mx"
    };
    Run::connected(plan, 4.0)
        .server(5, &format!("220 {} ESMTP", plan.spec.host))
        .expect("EHLO client.example.org")
        .server(5, ehlo)
        .expect("QUIT")
        .server(5, "221 Bye")
        .finish()
}

#[test]
fn mx_hosts_are_tested_in_preference_order_and_tabled() {
    let mut check = DomainCheck::new(CheckKind::DomainServers, &input()).expect("valid");
    expect_resolve(&mut check, "example.com", RecordType::Mx);
    // Answers out of order, with trailing dots.
    check
        .handle_resolved(
            "example.com",
            RecordType::Mx,
            &[mx(20, "mx2.example.com."), mx(10, "MX1.example.com.")],
        )
        .expect("asked");
    expect_resolve(&mut check, "mx1.example.com", RecordType::A);
    check
        .handle_resolved("mx1.example.com", RecordType::A, &[addr("192.0.2.1")])
        .expect("asked");
    expect_resolve(&mut check, "mx1.example.com", RecordType::Aaaa);
    check
        .handle_resolve_error(
            "mx1.example.com",
            RecordType::Aaaa,
            ErrorCode::NoRecords,
            "none",
        )
        .expect("asked");
    expect_resolve(&mut check, "mx2.example.com", RecordType::A);
    // A wrong answer is misuse.
    assert!(matches!(
        check.handle_resolved("mx1.example.com", RecordType::A, &[]),
        Err(CheckError::UnexpectedResolve { .. })
    ));
    check
        .handle_resolved("mx2.example.com", RecordType::A, &[addr("192.0.2.2")])
        .expect("asked");
    expect_resolve(&mut check, "mx2.example.com", RecordType::Aaaa);
    check
        .handle_resolved("mx2.example.com", RecordType::Aaaa, &[addr("2001:db8::2")])
        .expect("asked");
    let first = expect_session(&mut check, "mx1.example.com");
    assert_eq!(first.spec.port, 2525);
    check
        .handle_session(&first.label, &healthy(&first, true))
        .expect("asked");
    let second = expect_session(&mut check, "mx2.example.com");
    let refused = Run::refused(&second, ErrorCode::Timeout, "connect timed out");
    check
        .handle_session(&second.label, &refused)
        .expect("asked");
    let result = check.result().expect("done").clone();
    assert_eq!(result.kind, CheckKind::DomainServers);
    assert_eq!(result.verdict, CheckVerdict::Warn, "{result:?}");
    assert!(
        result.summary.contains("1 of 2 MX hosts"),
        "{}",
        result.summary
    );
    let hosts: Vec<(&str, Option<u16>, bool)> = result
        .servers
        .iter()
        .map(|r| (r.host.as_str(), r.preference, r.ok()))
        .collect();
    assert_eq!(
        hosts,
        vec![
            ("mx1.example.com", Some(10), true),
            ("mx2.example.com", Some(20), false)
        ]
    );
    assert!(result.servers[0].starttls);
    assert_eq!(
        result.servers[0].banner.as_deref(),
        Some("220 mx1.example.com ESMTP")
    );
    assert_eq!(result.servers[1].addresses.len(), 2);
    assert!(result.servers[1]
        .problem
        .as_deref()
        .is_some_and(|p| p.contains("timeout")));
    assert!(result
        .evidence
        .contains(&"DNS: example.com MX 10 mx1.example.com".to_owned()));
    assert_eq!(check.poll_action(), None);
}

#[test]
fn without_mx_the_domain_address_is_the_implicit_mx() {
    let mut check = DomainCheck::new(CheckKind::DomainServers, &input()).expect("valid");
    expect_resolve(&mut check, "example.com", RecordType::Mx);
    check
        .handle_resolve_error("example.com", RecordType::Mx, ErrorCode::NoRecords, "no MX")
        .expect("asked");
    expect_resolve(&mut check, "example.com", RecordType::A);
    check
        .handle_resolved("example.com", RecordType::A, &[addr("127.0.0.1")])
        .expect("asked");
    expect_resolve(&mut check, "example.com", RecordType::Aaaa);
    check
        .handle_resolve_error(
            "example.com",
            RecordType::Aaaa,
            ErrorCode::NoRecords,
            "none",
        )
        .expect("asked");
    let plan = expect_session(&mut check, "example.com");
    check
        .handle_session(&plan.label, &healthy(&plan, true))
        .expect("asked");
    let result = check.result().expect("done");
    assert_eq!(result.verdict, CheckVerdict::Pass, "{result:?}");
    assert_eq!(result.servers[0].preference, None);
    assert!(result.summary.contains("implicit MX"), "{}", result.summary);
    assert!(result.evidence.iter().any(|l| l.contains("RFC 5321 §5.1")));
}

#[test]
fn no_mx_and_no_address_fails() {
    let mut check = DomainCheck::new(CheckKind::DomainServers, &input()).expect("valid");
    let _ = check.poll_action();
    check
        .handle_resolve_error("example.com", RecordType::Mx, ErrorCode::NoRecords, "no MX")
        .expect("asked");
    let _ = check.poll_action();
    check
        .handle_resolve_error("example.com", RecordType::A, ErrorCode::NoRecords, "none")
        .expect("asked");
    let _ = check.poll_action();
    check
        .handle_resolve_error(
            "example.com",
            RecordType::Aaaa,
            ErrorCode::NoRecords,
            "none",
        )
        .expect("asked");
    let result = check.result().expect("done");
    assert_eq!(result.verdict, CheckVerdict::Fail);
    assert!(
        result.summary.contains("cannot receive mail"),
        "{}",
        result.summary
    );
}

#[test]
fn nxdomain_and_null_mx_fail_at_once() {
    let mut check = DomainCheck::new(CheckKind::DomainServers, &input()).expect("valid");
    let _ = check.poll_action();
    check
        .handle_resolve_error(
            "example.com.",
            RecordType::Mx,
            ErrorCode::Nxdomain,
            "no such domain",
        )
        .expect("asked");
    let result = check.result().expect("done");
    assert_eq!(result.verdict, CheckVerdict::Fail);
    assert!(
        result.summary.contains("does not exist"),
        "{}",
        result.summary
    );
    assert!(result.evidence.iter().any(|l| l.contains("nxdomain")));
    assert_eq!(check.poll_action(), None);

    let mut check = DomainCheck::new(CheckKind::DomainServers, &input()).expect("valid");
    let _ = check.poll_action();
    check
        .handle_resolved("example.com", RecordType::Mx, &[mx(0, ".")])
        .expect("asked");
    let result = check.result().expect("done");
    assert_eq!(result.verdict, CheckVerdict::Fail);
    assert!(result.summary.contains("null MX"), "{}", result.summary);
}

fn receives_until_postmaster(check: &mut DomainCheck) -> PlannedSession {
    let _ = check.poll_action();
    check
        .handle_resolved("example.com", RecordType::Mx, &[mx(10, "mx1.example.com")])
        .expect("asked");
    let _ = check.poll_action();
    check
        .handle_resolved("mx1.example.com", RecordType::A, &[addr("127.0.0.1")])
        .expect("asked");
    let _ = check.poll_action();
    check
        .handle_resolve_error(
            "mx1.example.com",
            RecordType::Aaaa,
            ErrorCode::NoRecords,
            "none",
        )
        .expect("asked");
    let plan = expect_session(check, "mx1.example.com");
    check
        .handle_session(&plan.label, &healthy(&plan, true))
        .expect("asked");
    let plan = expect_session(check, "mx1.example.com");
    assert_eq!(plan.label, "postmaster");
    assert_eq!(plan.spec.rcpt_to, vec!["postmaster@example.com".to_owned()]);
    assert!(plan.extras.rset_before_quit);
    plan
}

fn postmaster_run(plan: &PlannedSession, answer: &str) -> SessionRecord {
    let mut run = Run::connected(plan, 2.0);
    run.server(5, "220 mx1 ESMTP")
        .expect("EHLO client.example.org")
        .server(5, "250 mx1")
        .expect("MAIL FROM:<kim@example.org>")
        .server(5, "250 Ok")
        .expect("RCPT TO:<postmaster@example.com>")
        .server(5, answer);
    if answer.starts_with('2') {
        run.expect("RSET").server(5, "250 Ok");
    }
    run.expect("QUIT").server(5, "221 Bye");
    run.finish()
}

#[test]
fn domain_receives_tests_postmaster_on_the_primary_mx() {
    let mut check = DomainCheck::new(CheckKind::DomainReceives, &input()).expect("valid");
    let plan = receives_until_postmaster(&mut check);
    check
        .handle_session("postmaster", &postmaster_run(&plan, "250 2.1.5 Ok"))
        .expect("asked");
    let result = check.result().expect("done");
    assert_eq!(result.kind, CheckKind::DomainReceives);
    assert_eq!(result.verdict, CheckVerdict::Pass, "{result:?}");
    assert!(
        result
            .summary
            .contains("postmaster@example.com is accepted"),
        "{}",
        result.summary
    );

    let mut check = DomainCheck::new(CheckKind::DomainReceives, &input()).expect("valid");
    let plan = receives_until_postmaster(&mut check);
    check
        .handle_session(
            "postmaster",
            &postmaster_run(&plan, "550 5.1.1 User unknown"),
        )
        .expect("asked");
    let result = check.result().expect("done");
    assert_eq!(result.verdict, CheckVerdict::Fail);
    assert!(
        result.advice.contains("postmaster (RFC 5321 §4.5.1)"),
        "{}",
        result.advice
    );
}
