//! The form's own tests, and [`filled`] for the other modules' tests.

use super::*;

/// A form that makes a valid spec: 127.0.0.1:2525, one recipient.
pub(crate) fn filled() -> Form {
    let mut form = Form::default();
    form.set(Field::Host, " 127.0.0.1 ".into());
    form.set(Field::Port, "2525".into());
    form.set(Field::MailFrom, "a@example.test".into());
    form.set(Field::Rcpt(0), "b@example.test".into());
    form
}

#[test]
fn recipients_stay_at_least_one_and_stop_after_parses() {
    let mut form = Form::default();
    form.remove_rcpt(0);
    assert_eq!(form.rcpt_to.len(), 1);
    form.add_rcpt();
    form.set(Field::Rcpt(1), "x@y".into());
    form.remove_rcpt(0);
    assert_eq!(form.rcpt_to, vec!["x@y".to_owned()]);
    form.set(Field::StopAfter, "rcpt".into());
    assert_eq!(form.stop_after, Stage::Rcpt);
    form.set(Field::StopAfter, "bogus".into());
    assert_eq!(form.stop_after, Stage::Rcpt);
    for stage in STAGES {
        assert_eq!(parse_stage(stage_value(stage)), Some(stage));
    }
}

#[test]
fn a_spec_fills_the_form_back_including_a_japanese_subject() {
    let mut form = filled();
    form.set(Field::Subject, "テスト送信".into());
    form.set(Field::Body, "本文\n2 行目".into());
    form.set(Field::Auth, "login".into());
    form.set(Field::Username, "kim".into());
    form.set(Field::Password, "pw".into());
    form.add_rcpt();
    form.set(Field::Rcpt(1), "c@example.test".into());
    form.set(Field::StopAfter, "rcpt".into());
    let spec = form.to_spec(None, "d", "m").expect("valid");
    assert_eq!(
        Form::from_spec(&spec),
        Form {
            host: "127.0.0.1".into(),
            tls_chosen: true,
            ..form
        }
    );
}

#[test]
fn the_password_never_shows_in_debug() {
    let mut form = filled();
    form.set(Field::Password, "pw-secret".into());
    assert_eq!(form.password.expose(), "pw-secret");
    let text = format!("{form:?}");
    assert!(!text.contains("pw-secret"), "{text}");
}

#[test]
fn message_id_domain_prefers_the_sender() {
    let mut form = filled();
    assert_eq!(form.message_id_domain(), "example.test");
    form.set(Field::MailFrom, String::new());
    assert_eq!(form.message_id_domain(), "smtplab.localhost");
}

#[test]
fn a_port_typed_through_465_does_not_keep_its_suggestion() {
    let mut form = Form::default();
    for port in ["4", "46", "465"] {
        form.set(Field::Port, port.into());
    }
    assert_eq!(form.tls, TlsMode::Implicit, "465 suggests implicit TLS");
    for port in ["4651", "46519"] {
        form.set(Field::Port, port.into());
    }
    assert_eq!(form.tls, TlsMode::None, "46519 is no 465");
    for port in ["5", "58", "587"] {
        form.set(Field::Port, port.into());
    }
    assert_eq!(form.tls, TlsMode::StartTls);
    form.set(Field::Port, "58".into());
    assert_eq!(form.tls, TlsMode::None, "deleting back over 587 too");
    form.set(Field::Port, "587".into());
    form.set(Field::Port, "25".into());
    assert_eq!(
        form.tls,
        TlsMode::StartTls,
        "another port keeps the suggestion"
    );
}

#[test]
fn a_chosen_tls_mode_survives_any_port_and_a_mismatch_is_pointed_out() {
    let mut form = filled();
    form.set(Field::Tls, "implicit".into());
    for port in ["2", "24", "246", "2465"] {
        form.set(Field::Port, port.into());
    }
    assert_eq!(
        form.tls,
        TlsMode::Implicit,
        "typing 2465 keeps implicit TLS"
    );
    assert_eq!(form.port_tls_mismatch(), None);
    form.set(Field::Port, "587".into());
    assert_eq!(
        form.tls,
        TlsMode::Implicit,
        "587 does not override a choice"
    );
    assert_eq!(
        form.port_tls_mismatch(),
        Some(PortTlsMismatch::ExpectsStartTls(587))
    );
    form.set(Field::Tls, "none".into());
    form.set(Field::Port, "465".into());
    assert_eq!(form.tls, TlsMode::None, "465 does not override a choice");
    assert_eq!(
        form.port_tls_mismatch(),
        Some(PortTlsMismatch::ExpectsImplicit(465))
    );
    form.set(Field::Port, "2465".into());
    assert_eq!(
        form.port_tls_mismatch(),
        Some(PortTlsMismatch::ExpectsImplicit(2465))
    );
    form.set(Field::Port, "587".into());
    assert_eq!(
        form.port_tls_mismatch(),
        Some(PortTlsMismatch::ExpectsStartTls(587))
    );
    form.set(Field::Tls, "start_tls_if_offered".into());
    assert_eq!(form.port_tls_mismatch(), None);
    form.set(Field::Port, "25".into());
    form.set(Field::Tls, "none".into());
    assert_eq!(form.port_tls_mismatch(), None);
    for lang in [crate::i18n::Lang::En, crate::i18n::Lang::Ja] {
        let words = PortTlsMismatch::ExpectsImplicit(2465).describe(lang);
        assert!(words.contains("2465"), "{words}");
    }
}

#[test]
fn ports_preselect_the_tls_mode_and_the_choices_reach_the_spec() {
    let mut form = filled();
    form.set(Field::Port, "465".into());
    assert_eq!(form.tls, TlsMode::Implicit);
    form.set(Field::Port, "587".into());
    assert_eq!(form.tls, TlsMode::StartTls);
    form.set(Field::Port, "25".into());
    assert_eq!(form.tls, TlsMode::StartTls, "another port keeps STARTTLS");
    form.set(Field::Port, "465".into());
    form.set(Field::Port, "2525".into());
    assert_eq!(
        form.tls,
        TlsMode::Implicit,
        "another port keeps implicit TLS"
    );
    form.set(Field::Tls, "start_tls_if_offered".into());
    form.set(Field::Tls, "bogus".into());
    assert_eq!(
        form.to_spec(None, "d", "m").expect("valid").tls,
        TlsMode::StartTlsIfOffered
    );
    assert!(form.tls_options().verify);
    form.set(Field::TlsVerify, "false".into());
    form.set(Field::CaPem, "-----BEGIN CERTIFICATE-----".into());
    let options = form.tls_options();
    assert!(!options.verify && options.mozilla_roots);
    assert_eq!(options.extra_ca_pem, "-----BEGIN CERTIFICATE-----");
}
