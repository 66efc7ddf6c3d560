//! The Diagnostics checks driven by scripted servers: for each check a
//! passing and a failing case, the engine's probes and RSET-before-QUIT,
//! greet-pause detection, nothing sent before the final 220, and the
//! domain orchestrator with MX records, without them (A fallback), and
//! with NXDOMAIN.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod diagnose {
    pub(crate) mod checks;
    pub(crate) mod domain;
    pub(crate) mod driver;
    pub(crate) mod engine;
}

use smtplab_shared::diagnose::{CheckInput, CheckKind, CheckVerdict, Report};
use smtplab_shared::smtp::{AuthMechanism, AuthSpec};

/// The input most tests start from.
pub(crate) fn input() -> CheckInput {
    let mut input = CheckInput::new("127.0.0.1", 2525, "client.example.org");
    input.domain = "example.com".into();
    input.user_address = "ted@example.com".into();
    input.from_address = "kim@example.org".into();
    input
}

#[test]
fn report_renders_text_and_json_without_the_password() {
    let mut input = input();
    input.auth = Some(AuthSpec {
        mechanism: AuthMechanism::Plain,
        username: "kim".into(),
        password: "s3cret-pw".into(),
    });
    let mut report = Report::new(&input, "2025-06-01T12:00:00Z");
    report.push(smtplab_shared::diagnose::CheckResult::new(
        CheckKind::OpenRelay,
        CheckVerdict::Pass,
        "relaying is refused",
        vec!["S: 554 5.7.1 Relay access denied".into()],
        "fine",
    ));
    report.push(smtplab_shared::diagnose::CheckResult::new(
        CheckKind::Reachability,
        CheckVerdict::Warn,
        "slow",
        Vec::new(),
        "wait",
    ));
    assert_eq!(report.overall(), Some(CheckVerdict::Warn));
    let text = report.to_text();
    assert!(text.contains("server:    127.0.0.1:2525"), "{text}");
    assert!(text.contains("1. [PASS] Open relay"), "{text}");
    assert!(
        text.contains("     S: 554 5.7.1 Relay access denied"),
        "{text}"
    );
    assert!(
        text.contains("AUTH user: kim (password not included)"),
        "{text}"
    );
    let json = report.to_json();
    assert!(!json.contains("s3cret-pw") && !text.contains("s3cret-pw"));
    let back: Report = serde_json::from_str(&json).expect("round trip");
    assert_eq!(back, report);
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(value["results"][0]["kind"], "open_relay");
    assert_eq!(value["results"][1]["verdict"], "warn");
}
