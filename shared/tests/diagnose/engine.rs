//! The engine additions the checks rely on: probes after EHLO (replies are
//! data), RSET before QUIT, the greeting delay, nothing sent before the
//! final 220.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::time::Duration;

use smtplab_shared::diagnose::{PlannedSession, Probe, ProbeVerb, SessionExtras};
use smtplab_shared::smtp::{Event, FailReason, Stage, Step, Verdict};

use super::driver::Run;
use crate::input;

fn plan(stop_after: Stage, extras: SessionExtras) -> PlannedSession {
    let mut spec = smtplab_shared::diagnose::reachability_session(&input())
        .expect("valid")
        .spec;
    spec.stop_after = stop_after;
    spec.mail_from = "kim@example.org".into();
    spec.rcpt_to = vec!["ted@example.com".into()];
    PlannedSession {
        label: "t".into(),
        spec,
        extras,
        connect_host: None,
    }
}

#[test]
fn probes_run_after_ehlo_and_their_refusals_are_data() {
    let extras = SessionExtras {
        probes: vec![
            Probe::Help,
            Probe::Noop,
            Probe::Rset,
            Probe::Vrfy("ted".into()),
            Probe::Expn("staff".into()),
        ],
        rset_before_quit: false,
        ..SessionExtras::default()
    };
    let plan = plan(Stage::Mail, extras);
    let record = Run::connected(&plan, 1.0)
        .server(5, "220 mx ESMTP")
        .expect("EHLO client.example.org")
        .server(5, "250-mx\n250 8BITMIME")
        .expect("HELP")
        .server(5, "214 see RFC 5321")
        .expect("NOOP")
        .server(5, "250 2.0.0 Ok")
        .expect("RSET")
        .server(5, "250 2.0.0 Ok")
        .expect("VRFY ted")
        .server(5, "502 5.5.1 VRFY command is disabled")
        .expect("EXPN staff")
        .server(5, "550 5.7.1 no")
        .expect("MAIL FROM:<kim@example.org>")
        .server(5, "250 2.1.0 Ok")
        .expect("QUIT")
        .server(5, "221 Bye")
        .finish();
    assert_eq!(
        record.verdict(),
        Some(&Verdict::Completed { stage: Stage::Mail })
    );
    let probe_steps: Vec<(Step, bool)> = record
        .events
        .iter()
        .filter_map(|e| match e {
            Event::StepFinished {
                step: step @ Step::Probe { .. },
                ok,
                ..
            } => Some((*step, *ok)),
            _ => None,
        })
        .collect();
    let verbs = [
        ProbeVerb::Help,
        ProbeVerb::Noop,
        ProbeVerb::Rset,
        ProbeVerb::Vrfy,
        ProbeVerb::Expn,
    ];
    let expected: Vec<(Step, bool)> = verbs
        .iter()
        .enumerate()
        .map(|(index, verb)| (Step::Probe { index, verb: *verb }, true))
        .collect();
    assert_eq!(probe_steps, expected);
    assert_eq!(
        Step::Probe {
            index: 3,
            verb: ProbeVerb::Vrfy
        }
        .to_string(),
        "VRFY"
    );
    let vrfy = record
        .reply(Step::Probe {
            index: 3,
            verb: ProbeVerb::Vrfy,
        })
        .expect("VRFY reply");
    assert_eq!(vrfy.code.as_u16(), 502);
}

#[test]
fn probes_run_with_stop_after_ehlo_and_a_421_still_ends_the_session() {
    let extras = SessionExtras {
        probes: vec![Probe::Noop, Probe::Help],
        rset_before_quit: false,
        ..SessionExtras::default()
    };
    let plan = plan(Stage::Ehlo, extras);
    let record = Run::connected(&plan, 1.0)
        .server(5, "220 mx ESMTP")
        .expect("EHLO client.example.org")
        .server(5, "250 mx")
        .expect("NOOP")
        .server(5, "421 4.3.2 shutting down")
        .finish();
    let (step, reason) = record.failure().expect("failed");
    assert_eq!(
        step,
        Step::Probe {
            index: 0,
            verb: ProbeVerb::Noop
        }
    );
    assert!(matches!(reason, FailReason::UnexpectedReply(r) if r.code.as_u16() == 421));
}

#[test]
fn rset_goes_between_the_last_stage_and_quit_without_data() {
    let extras = SessionExtras {
        probes: Vec::new(),
        rset_before_quit: true,
        ..SessionExtras::default()
    };
    let plan = plan(Stage::Rcpt, extras);
    let record = Run::connected(&plan, 1.0)
        .server(5, "220 mx ESMTP")
        .expect("EHLO client.example.org")
        .server(5, "250 mx")
        .expect("MAIL FROM:<kim@example.org>")
        .server(5, "250 2.1.0 Ok")
        .expect("RCPT TO:<ted@example.com>")
        .server(5, "250 2.1.5 Ok")
        .expect("RSET")
        .server(5, "250 2.0.0 Ok")
        .expect("QUIT")
        .server(5, "221 Bye")
        .finish();
    assert_eq!(
        record.verdict(),
        Some(&Verdict::Completed { stage: Stage::Rcpt })
    );
    assert!(!record.transcript().iter().any(|l| l.contains("DATA")));
    // A refused RSET does not change the verdict reached.
    let plan2 = plan_rset_refused();
    assert_eq!(
        plan2.verdict(),
        Some(&Verdict::Completed { stage: Stage::Mail })
    );
}

fn plan_rset_refused() -> smtplab_shared::diagnose::SessionRecord {
    let extras = SessionExtras {
        probes: Vec::new(),
        rset_before_quit: true,
        ..SessionExtras::default()
    };
    let plan = plan(Stage::Mail, extras);
    Run::connected(&plan, 1.0)
        .server(5, "220 mx ESMTP")
        .expect("EHLO client.example.org")
        .server(5, "250 mx")
        .expect("MAIL FROM:<kim@example.org>")
        .server(5, "250 Ok")
        .expect("RSET")
        .server(5, "500 what")
        .expect("QUIT")
        .server(5, "221 Bye")
        .finish()
}

#[test]
fn extras_json_has_documented_defaults() {
    let extras: SessionExtras = serde_json::from_str("{}").expect("defaults");
    assert_eq!(extras, SessionExtras::default());
    let extras: SessionExtras = serde_json::from_str(
        r#"{"probes":["help","noop","rset",{"vrfy":"postmaster"},{"expn":"staff"}],"rset_before_quit":true}"#,
    )
    .expect("valid");
    assert_eq!(extras.probes[3], Probe::Vrfy("postmaster".into()));
    assert!(extras.rset_before_quit);
}

#[test]
fn a_greeting_trickled_over_seconds_gets_nothing_sent_before_its_final_line() {
    let plan = plan(Stage::Ehlo, SessionExtras::default());
    let mut run = Run::connected(&plan, 1.0);
    run.silent();
    // Postscreen style: a first line at once, the rest over six seconds,
    // the final line itself split mid-way.
    run.server(50, "220-mx.example.com ESMTP").silent();
    run.server(3_000, "220-please wait").silent();
    run.raw(2_000, b"220 mx.examp").silent();
    run.raw(1_000, b"le.com ready\r").silent();
    run.raw(10, b"\n");
    run.expect("EHLO client.example.org")
        .server(5, "250 mx")
        .expect("QUIT")
        .server(5, "221 Bye");
    let record = run.finish();
    assert!(!record.sent_before_greeting());
    let (greeting, delay) = record.greeting().expect("greeting");
    assert_eq!(greeting.lines.len(), 3);
    assert_eq!(delay, Duration::from_millis(6_060));
    assert_eq!(
        record.greeting_first_byte_at,
        Some(Duration::from_millis(50))
    );
    let outcome = record.outcome().expect("finished");
    assert_eq!(outcome.greeting_time(), Some(Duration::from_millis(6_060)));
}
