//! The guided-session form as the user typed it (strings, so a half-typed
//! port is not lost) and its conversion to a [`SessionSpec`], checked before
//! anything is sent.
//!
//! # Layout
//! - this file: [`Form`], its [`Field`]s, editing, and filling it from a spec.
//! - [`choices`]: port presets, AUTH mechanisms, stages and their `<option>` values.
//! - [`validate`]: the checked spec, the console's target, and [`FormError`].
//! - [`words`]: the form's errors and stage labels in the page's language.
//! - [`rfc2047`]: a composed subject read back as typed.

mod choices;
mod rfc2047;
mod validate;
mod words;

use smtplab_shared::smtp::{message_parts, AuthMechanism, Secret, SessionSpec, Stage, TlsMode};
use smtplab_shared::tls::TlsOptions;

pub(crate) use choices::{
    parse_stage, port_tls_mismatch, stage_value, tls_for_port, AuthChoice, PortTlsMismatch,
    PORT_PRESETS, STAGES,
};
pub(crate) use validate::FormError;
pub(crate) use words::{describe_spec_error, stage_label};

/// One editable field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// Server host name or address.
    Host,
    /// Server port, as typed.
    Port,
    /// EHLO name.
    EhloName,
    /// AUTH choice (`none` / `login` / `plain`).
    Auth,
    /// AUTH user name.
    Username,
    /// AUTH password.
    Password,
    /// MAIL FROM address.
    MailFrom,
    /// The RCPT TO address at this index.
    Rcpt(usize),
    /// Subject header.
    Subject,
    /// Message body.
    Body,
    /// Stop-after stage value.
    StopAfter,
    /// TLS mode value (`none` / `start_tls` / `start_tls_if_offered` / `implicit`).
    Tls,
    /// Verify the certificate: `true` / `false`.
    TlsVerify,
    /// Pasted (or loaded) private CA certificates, PEM.
    CaPem,
}

/// The form's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Form {
    /// Server host.
    pub(crate) host: String,
    /// Server port as typed (parsed on submit).
    pub(crate) port: String,
    /// EHLO name.
    pub(crate) ehlo_name: String,
    /// AUTH choice.
    pub(crate) auth: AuthChoice,
    /// AUTH user name.
    pub(crate) username: String,
    /// AUTH password: a [`Secret`], so `Debug` never prints it; only ever
    /// shown in a password field.
    pub(crate) password: Secret,
    /// Sender address.
    pub(crate) mail_from: String,
    /// Recipient addresses; the form always shows at least one field.
    pub(crate) rcpt_to: Vec<String>,
    /// Subject.
    pub(crate) subject: String,
    /// Body text.
    pub(crate) body: String,
    /// Last stage to run.
    pub(crate) stop_after: Stage,
    /// TLS mode (port 465 preselects implicit TLS, 587 STARTTLS, until
    /// the user chooses a mode).
    pub(crate) tls: TlsMode,
    /// The user chose the TLS mode (or it came with a loaded session): a
    /// port no longer changes it.
    pub(crate) tls_chosen: bool,
    /// Stop the session when the certificate does not verify (off:
    /// "continue without verification", said in the verdict).
    pub(crate) tls_verify: bool,
    /// Extra trusted CA certificates, PEM (a private CA). Not part of the
    /// session spec: kept in the form when another session is loaded.
    pub(crate) ca_pem: String,
}

impl Default for Form {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: "25".to_owned(),
            ehlo_name: "smtplab.localhost".to_owned(),
            auth: AuthChoice::None,
            username: String::new(),
            password: Secret::default(),
            mail_from: String::new(),
            rcpt_to: vec![String::new()],
            subject: "smtplab test message".to_owned(),
            body: "This is a test message sent with smtplab.".to_owned(),
            stop_after: Stage::Data,
            tls: TlsMode::None,
            tls_chosen: false,
            tls_verify: true,
            ca_pem: String::new(),
        }
    }
}

impl Form {
    /// The form showing `spec`: its subject and body are read back from
    /// the message (other headers are composed again at run time).
    pub(crate) fn from_spec(spec: &SessionSpec) -> Self {
        let parts = message_parts(&String::from_utf8_lossy(&spec.message));
        let (auth, username, password) = match &spec.auth {
            None => (AuthChoice::None, String::new(), Secret::default()),
            Some(a) => (
                if a.mechanism == AuthMechanism::Login {
                    AuthChoice::Login
                } else {
                    AuthChoice::Plain
                },
                a.username.clone(),
                a.password.clone(),
            ),
        };
        let mut rcpt_to = spec.rcpt_to.clone();
        if rcpt_to.is_empty() {
            rcpt_to.push(String::new());
        }
        Self {
            host: spec.host.clone(),
            port: spec.port.to_string(),
            ehlo_name: spec.ehlo_name.clone(),
            auth,
            username,
            password,
            mail_from: spec.mail_from.clone(),
            rcpt_to,
            subject: parts
                .subject
                .as_deref()
                .map(rfc2047::decode_subject)
                .unwrap_or_default(),
            body: parts.body,
            stop_after: spec.stop_after,
            tls: spec.tls,
            tls_chosen: true,
            tls_verify: true,
            ca_pem: String::new(),
        }
    }

    /// The port and the TLS mode do not go together (a 465-looking port
    /// without implicit TLS, 587 without STARTTLS).
    pub(crate) fn port_tls_mismatch(&self) -> Option<PortTlsMismatch> {
        port_tls_mismatch(&self.port, self.tls)
    }

    /// Stores a new value for `field`.
    pub(crate) fn set(&mut self, field: Field, value: String) {
        match field {
            Field::Host => self.host = value,
            Field::Port => {
                if !self.tls_chosen {
                    self.tls = tls_for_port(value.trim(), self.tls);
                }
                self.port = value;
            }
            Field::EhloName => self.ehlo_name = value,
            Field::Auth => self.auth = AuthChoice::parse(&value),
            Field::Username => self.username = value,
            Field::Password => self.password = Secret::new(value),
            Field::MailFrom => self.mail_from = value,
            Field::Rcpt(i) => {
                if let Some(slot) = self.rcpt_to.get_mut(i) {
                    *slot = value;
                }
            }
            Field::Subject => self.subject = value,
            Field::Body => self.body = value,
            Field::StopAfter => {
                if let Some(stage) = parse_stage(&value) {
                    self.stop_after = stage;
                }
            }
            Field::Tls => {
                if let Some(mode) = crate::tls_view::parse_mode(&value) {
                    self.tls = mode;
                    self.tls_chosen = true;
                }
            }
            Field::TlsVerify => self.tls_verify = value == "true",
            Field::CaPem => self.ca_pem = value,
        }
    }

    /// The TLS choices for the engine's `TlsContext`: Mozilla's roots plus
    /// the pasted CA.
    pub(crate) fn tls_options(&self) -> TlsOptions {
        TlsOptions {
            verify: self.tls_verify,
            mozilla_roots: true,
            extra_ca_pem: self.ca_pem.clone(),
        }
    }

    /// Adds an empty recipient field.
    pub(crate) fn add_rcpt(&mut self) {
        self.rcpt_to.push(String::new());
    }

    /// Removes a recipient field, keeping at least one.
    pub(crate) fn remove_rcpt(&mut self, index: usize) {
        if self.rcpt_to.len() > 1 && index < self.rcpt_to.len() {
            self.rcpt_to.remove(index);
        }
    }

    /// The domain used for the Message-ID: the sender's, else the EHLO name.
    pub(crate) fn message_id_domain(&self) -> &str {
        match self.mail_from.trim().rsplit_once('@') {
            Some((_, domain)) if !domain.is_empty() => domain,
            _ => self.ehlo_name.trim(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
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
}
