//! The checked spec's tests.

use super::*;
use crate::form::tests::filled;
use crate::form::{ComposerField, Field};
use smtplab_shared::smtp::AuthMechanism;

fn policy(ports: &[u16]) -> PolicyInfo {
    PolicyInfo {
        allowed_ports: ports.to_vec(),
        connect_timeout_ms: 10_000,
        idle_timeout_ms: 300_000,
        max_frame_bytes: 65_536,
        max_sessions: 8,
    }
}

#[test]
fn a_filled_form_becomes_a_spec_with_composed_headers() {
    let spec = filled()
        .to_spec(None, "Sat, 1 Nov 2025 10:00:00 +0000", "1.abc@example.test")
        .expect("valid");
    assert_eq!(spec.host, "127.0.0.1");
    assert_eq!(spec.port, 2525);
    assert_eq!(spec.rcpt_to, vec!["b@example.test".to_owned()]);
    assert!(spec.auth.is_none());
    let message = String::from_utf8(spec.message).expect("UTF-8");
    assert!(
        message.contains("Subject: smtplab test message\r\n"),
        "{message}"
    );
    assert!(message.contains("Date: Sat, 1 Nov 2025 10:00:00 +0000\r\n"));
    assert!(message.contains("Message-ID: <1.abc@example.test>\r\n"));
    assert!(message.contains("To: <b@example.test>\r\n"));
}

#[test]
fn bad_port_and_bad_addresses_are_refused_before_sending() {
    let mut form = filled();
    form.set(Field::Port, "70000".into());
    assert_eq!(
        form.to_spec(None, "d", "m"),
        Err(FormError::BadPort("70000".into()))
    );
    form.set(Field::Port, "0".into());
    assert!(matches!(
        form.to_spec(None, "d", "m"),
        Err(FormError::BadPort(_))
    ));
    let mut form = filled();
    form.set(Field::Rcpt(0), "no-at-sign".into());
    let err = form.to_spec(None, "d", "m").expect_err("invalid");
    assert!(
        matches!(err, FormError::Spec(SpecError::BadAddress { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("has no @"), "{err}");
    let mut form = filled();
    form.set(Field::Rcpt(0), "  ".into());
    assert_eq!(
        form.to_spec(None, "d", "m"),
        Err(FormError::Spec(SpecError::NoRecipients))
    );
}

#[test]
fn auth_needs_a_user_name_and_carries_the_mechanism() {
    let mut form = filled();
    form.set(Field::Auth, "plain".into());
    assert_eq!(
        form.to_spec(None, "d", "m"),
        Err(FormError::Spec(SpecError::EmptyUsername))
    );
    form.set(Field::Username, "kim".into());
    form.set(Field::Password, "hunter2".into());
    let spec = form.to_spec(None, "d", "m").expect("valid");
    let auth = spec.auth.expect("auth set");
    assert_eq!(auth.mechanism, AuthMechanism::Plain);
    assert_eq!(auth.password.expose(), "hunter2");
    form.set(Field::Auth, "login".into());
    let spec = form.to_spec(None, "d", "m").expect("valid");
    assert_eq!(spec.auth.map(|a| a.mechanism), Some(AuthMechanism::Login));
    form.set(Field::Auth, "cram_md5".into());
    let spec = form.to_spec(None, "d", "m").expect("valid");
    assert_eq!(spec.auth.map(|a| a.mechanism), Some(AuthMechanism::CramMd5));
}

#[test]
fn oauth_sends_the_token_not_the_password() {
    let mut form = filled();
    form.set(Field::Auth, "oauthbearer".into());
    form.set(Field::Username, "kim@example.test".into());
    form.set(Field::Password, "the-password".into());
    assert_eq!(
        form.to_spec(None, "d", "m"),
        Err(FormError::Spec(SpecError::EmptyToken))
    );
    form.set(Field::Token, "ya29.bearer".into());
    let auth = form
        .to_spec(None, "d", "m")
        .expect("valid")
        .auth
        .expect("auth");
    assert_eq!(auth.mechanism, AuthMechanism::OAuthBearer);
    assert_eq!(auth.password.expose(), "ya29.bearer");
    let text = format!("{form:?}");
    assert!(!text.contains("ya29.bearer"), "{text}");
}

#[test]
fn a_run_converts_international_domains_only_there() {
    let to_ascii = |d: &str| (d == "bücher.example").then(|| "xn--bcher-kva.example".to_owned());
    let mut form = filled();
    form.set(Field::MailFrom, "kim@bücher.example".into());
    form.set(Field::Rcpt(0), "b@bücher.example".into());
    form.set(Field::EhloName, "bücher.example".into());
    let run = form.to_run_spec(None, "d", "m", &to_ascii).expect("valid");
    assert_eq!(run.mail_from, "kim@xn--bcher-kva.example");
    assert_eq!(run.rcpt_to, vec!["b@xn--bcher-kva.example".to_owned()]);
    assert_eq!(run.ehlo_name, "xn--bcher-kva.example");
    let text = String::from_utf8(run.message).expect("UTF-8");
    assert!(text.contains("kim@xn--bcher-kva.example"), "{text}");
    form.set(Field::MailFrom, "jörg@bücher.example".into());
    assert!(
        matches!(
            form.to_run_spec(None, "d", "m", &to_ascii),
            Err(FormError::Compose(ComposeError::NonAsciiAddress { .. }))
        ),
        "a composed message cannot carry a UTF-8 user name"
    );
    assert!(form.to_draft_spec("d", "m").is_ok(), "a draft still saves");
    form.set(Field::Composer(ComposerField::Whole), "true".into());
    form.set(
        Field::Composer(ComposerField::Raw),
        "Subject: x\n\nbody\n".into(),
    );
    let run = form.to_run_spec(None, "d", "m", &to_ascii).expect("valid");
    assert_eq!(
        run.mail_from, "jörg@xn--bcher-kva.example",
        "the user name stays"
    );
    let shared = form.to_spec(None, "d", "m").expect("valid");
    assert_eq!(
        shared.mail_from, "jörg@bücher.example",
        "a share keeps what was typed"
    );
    form.set(Field::Rcpt(0), "b@unknown.ü".into());
    assert_eq!(
        form.to_run_spec(None, "d", "m", &to_ascii),
        Err(FormError::BadIdn("unknown.ü".into()))
    );
}

#[test]
fn the_bridge_policy_refuses_other_ports_with_a_hint() {
    let form = filled();
    let err = form
        .to_spec(Some(&policy(&[25, 587])), "d", "m")
        .expect_err("refused");
    assert_eq!(
        err,
        FormError::PortNotAllowed {
            port: 2525,
            allowed: vec![25, 587]
        }
    );
    assert!(err.to_string().contains("--allow-port 2525"), "{err}");
    assert!(form.to_spec(Some(&policy(&[2525])), "d", "m").is_ok());
}

#[test]
fn console_target_is_checked_like_the_session() {
    let form = filled();
    assert_eq!(
        form.console_target(None),
        Ok(("127.0.0.1".to_owned(), 2525))
    );
    assert!(matches!(
        form.console_target(Some(&policy(&[25]))),
        Err(FormError::PortNotAllowed { .. })
    ));
    let mut empty = form.clone();
    empty.set(Field::Host, " ".into());
    assert_eq!(
        empty.console_target(None),
        Err(FormError::Spec(SpecError::EmptyHost))
    );
}
