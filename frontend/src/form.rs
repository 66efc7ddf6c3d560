//! The guided-session form as the user typed it (strings, so a half-typed
//! port is not lost) and its conversion to a [`SessionSpec`], checked before
//! anything is sent.

use smtplab_shared::smtp::{
    compose_message, decode_challenge, message_parts, AddressField, AddressProblem, AuthMechanism,
    AuthSpec, Secret, SessionSpec, SpecError, Stage, Timeouts, TlsMode,
};
use smtplab_shared::tls::TlsOptions;
use smtplab_shared::wire::PolicyInfo;

use crate::i18n::{t, tf, Lang, Msg};

/// The TLS mode a port suggests: implicit TLS on 465 (RFC 8314), STARTTLS
/// on 587; another port keeps `current`, except that implicit TLS, which
/// only 465 speaks, falls back to none.
pub fn tls_for_port(port: &str, current: TlsMode) -> TlsMode {
    match port {
        "465" => TlsMode::Implicit,
        "587" => TlsMode::StartTls,
        _ if current == TlsMode::Implicit => TlsMode::None,
        _ => current,
    }
}

/// Port presets offered next to the port field: SMTP relay (25), submission
/// (587), submission over implicit TLS (465), and the common alternative 2525.
pub const PORT_PRESETS: [u16; 4] = [25, 587, 465, 2525];

/// Every stage the "stop after" choice offers, in order.
pub const STAGES: [Stage; 6] = [
    Stage::Connect,
    Stage::Ehlo,
    Stage::Auth,
    Stage::Mail,
    Stage::Rcpt,
    Stage::Data,
];

/// The AUTH choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthChoice {
    /// No AUTH.
    None,
    /// AUTH LOGIN.
    Login,
    /// AUTH PLAIN.
    Plain,
}

impl AuthChoice {
    /// The `<option>` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Login => "login",
            Self::Plain => "plain",
        }
    }

    /// Parses an `<option>` value; anything unknown is `None`.
    pub fn parse(value: &str) -> Self {
        match value {
            "login" => Self::Login,
            "plain" => Self::Plain,
            _ => Self::None,
        }
    }
}

/// The `<option>` value of a stage.
pub fn stage_value(stage: Stage) -> &'static str {
    match stage {
        Stage::Connect => "connect",
        Stage::Ehlo => "ehlo",
        Stage::Auth => "auth",
        Stage::Mail => "mail",
        Stage::Rcpt => "rcpt",
        Stage::Data => "data",
    }
}

/// The label of a stage in the "stop after" list.
pub fn stage_label(stage: Stage, lang: Lang) -> &'static str {
    let msg = match stage {
        Stage::Connect => Msg::StageConnect,
        Stage::Ehlo => Msg::StageEhlo,
        Stage::Auth => Msg::StageAuth,
        Stage::Mail => Msg::StageMail,
        Stage::Rcpt => Msg::StageRcpt,
        Stage::Data => Msg::StageData,
    };
    t(lang, msg)
}

/// Parses a stage `<option>` value.
pub fn parse_stage(value: &str) -> Option<Stage> {
    STAGES.into_iter().find(|s| stage_value(*s) == value)
}

/// One editable field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
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
pub struct Form {
    /// Server host.
    pub host: String,
    /// Server port as typed (parsed on submit).
    pub port: String,
    /// EHLO name.
    pub ehlo_name: String,
    /// AUTH choice.
    pub auth: AuthChoice,
    /// AUTH user name.
    pub username: String,
    /// AUTH password; only ever shown in a password field.
    pub password: String,
    /// Sender address.
    pub mail_from: String,
    /// Recipient addresses; the form always shows at least one field.
    pub rcpt_to: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Body text.
    pub body: String,
    /// Last stage to run.
    pub stop_after: Stage,
    /// TLS mode (port 465 preselects implicit TLS, 587 STARTTLS).
    pub tls: TlsMode,
    /// Stop the session when the certificate does not verify (off:
    /// "continue without verification", said in the verdict).
    pub tls_verify: bool,
    /// Extra trusted CA certificates, PEM (a private CA). Not part of the
    /// session spec: kept in the form when another session is loaded.
    pub ca_pem: String,
}

impl Default for Form {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: "25".to_owned(),
            ehlo_name: "smtplab.localhost".to_owned(),
            auth: AuthChoice::None,
            username: String::new(),
            password: String::new(),
            mail_from: String::new(),
            rcpt_to: vec![String::new()],
            subject: "smtplab test message".to_owned(),
            body: "This is a test message sent with smtplab.".to_owned(),
            stop_after: Stage::Data,
            tls: TlsMode::None,
            tls_verify: true,
            ca_pem: String::new(),
        }
    }
}

/// Why the form cannot be run; every message is fit to show as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// The port is not a number from 1 to 65535.
    BadPort(String),
    /// The bridge's policy does not allow this port.
    PortNotAllowed {
        /// The port asked for.
        port: u16,
        /// What the bridge allows.
        allowed: Vec<u16>,
    },
    /// The spec is invalid (shared's validation).
    Spec(smtplab_shared::smtp::SpecError),
    /// The TLS settings cannot be used (the pasted CA text, mostly).
    TlsSetup(smtplab_shared::tls::TlsSetupError),
}

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadPort(p) => write!(f, "the port {p:?} is not a number from 1 to 65535"),
            Self::PortNotAllowed { port, allowed } => write!(
                f,
                "this bridge does not allow port {port}; allowed: {} (start the bridge with --allow-port {port} to add it)",
                allowed.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
            ),
            Self::Spec(e) => write!(f, "{e}"),
            Self::TlsSetup(e) => write!(f, "{e}"),
        }
    }
}

impl FormError {
    /// The error in words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Self::BadPort(p) => tf(lang, Msg::BadPort, &[p]),
            Self::PortNotAllowed { port, allowed } => tf(
                lang,
                Msg::PortNotAllowed,
                &[
                    &port.to_string(),
                    &allowed
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                ],
            ),
            Self::Spec(e) => describe_spec_error(e, lang),
            Self::TlsSetup(e) => crate::tls_view::setup_error_words(e, lang),
        }
    }
}

/// A spec validation error in words, in `lang` (shared's `Display` is the
/// English text).
pub fn describe_spec_error(error: &SpecError, lang: Lang) -> String {
    match error {
        SpecError::EmptyHost => t(lang, Msg::SpecEmptyHost).to_owned(),
        SpecError::ZeroPort => t(lang, Msg::SpecZeroPort).to_owned(),
        SpecError::EmptyEhloName => t(lang, Msg::SpecEmptyEhloName).to_owned(),
        SpecError::BadEhloName => t(lang, Msg::SpecBadEhloName).to_owned(),
        SpecError::NoRecipients => t(lang, Msg::SpecNoRecipients).to_owned(),
        SpecError::BadAddress {
            field,
            address,
            problem,
        } => {
            let field = match field {
                AddressField::MailFrom => t(lang, Msg::FieldSender).to_owned(),
                AddressField::RcptTo(i) => tf(lang, Msg::FieldRecipient, &[&(i + 1).to_string()]),
            };
            let problem = t(
                lang,
                match problem {
                    AddressProblem::Empty => Msg::AddrEmpty,
                    AddressProblem::LineBreak => Msg::AddrLineBreak,
                    AddressProblem::Spaces => Msg::AddrSpaces,
                    AddressProblem::Brackets => Msg::AddrBrackets,
                    AddressProblem::NoAt => Msg::AddrNoAt,
                    AddressProblem::NothingBeforeAt => Msg::AddrNothingBeforeAt,
                    AddressProblem::NoDomain => Msg::AddrNoDomain,
                },
            );
            tf(lang, Msg::SpecBadAddress, &[&field, address, problem])
        }
        SpecError::EmptyUsername => t(lang, Msg::SpecEmptyUsername).to_owned(),
        SpecError::NulInCredentials => t(lang, Msg::SpecNulInCredentials).to_owned(),
    }
}

/// `=?UTF-8?B?…?=` (what `compose_message` writes for a non-ASCII subject)
/// decoded; anything else as it is.
fn decode_subject(subject: &str) -> String {
    let encoded = subject
        .strip_prefix("=?")
        .and_then(|s| s.strip_suffix("?="))
        .and_then(|s| s.split_once('?'))
        .filter(|(charset, _)| charset.eq_ignore_ascii_case("utf-8"))
        .and_then(|(_, rest)| rest.strip_prefix("B?").or_else(|| rest.strip_prefix("b?")));
    match encoded.map(decode_challenge) {
        Some(Ok(text)) => text,
        _ => subject.to_owned(),
    }
}

impl Form {
    /// The form showing `spec`: its subject and body are read back from
    /// the message (other headers are composed again at run time).
    pub fn from_spec(spec: &SessionSpec) -> Self {
        let parts = message_parts(&spec.message);
        let (auth, username, password) = match &spec.auth {
            None => (AuthChoice::None, String::new(), String::new()),
            Some(a) => (
                if a.mechanism == AuthMechanism::Login {
                    AuthChoice::Login
                } else {
                    AuthChoice::Plain
                },
                a.username.clone(),
                a.password.expose().to_owned(),
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
                .map(decode_subject)
                .unwrap_or_default(),
            body: parts.body,
            stop_after: spec.stop_after,
            tls: spec.tls,
            tls_verify: true,
            ca_pem: String::new(),
        }
    }

    /// Stores a new value for `field`.
    pub fn set(&mut self, field: Field, value: String) {
        match field {
            Field::Host => self.host = value,
            Field::Port => {
                self.tls = tls_for_port(value.trim(), self.tls);
                self.port = value;
            }
            Field::EhloName => self.ehlo_name = value,
            Field::Auth => self.auth = AuthChoice::parse(&value),
            Field::Username => self.username = value,
            Field::Password => self.password = value,
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
                }
            }
            Field::TlsVerify => self.tls_verify = value == "true",
            Field::CaPem => self.ca_pem = value,
        }
    }

    /// The TLS choices for the engine's `TlsContext`: Mozilla's roots plus
    /// the pasted CA.
    pub fn tls_options(&self) -> TlsOptions {
        TlsOptions {
            verify: self.tls_verify,
            mozilla_roots: true,
            extra_ca_pem: self.ca_pem.clone(),
        }
    }

    /// Adds an empty recipient field.
    pub fn add_rcpt(&mut self) {
        self.rcpt_to.push(String::new());
    }

    /// Removes a recipient field, keeping at least one.
    pub fn remove_rcpt(&mut self, index: usize) {
        if self.rcpt_to.len() > 1 && index < self.rcpt_to.len() {
            self.rcpt_to.remove(index);
        }
    }

    /// The domain used for the Message-ID: the sender's, else the EHLO name.
    pub fn message_id_domain(&self) -> &str {
        match self.mail_from.trim().rsplit_once('@') {
            Some((_, domain)) if !domain.is_empty() => domain,
            _ => self.ehlo_name.trim(),
        }
    }

    /// The port as typed, checked.
    fn parse_port(&self) -> Result<u16, FormError> {
        let text = self.port.trim();
        text.parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| FormError::BadPort(text.to_owned()))
    }

    /// Refuses a port the bridge's policy (from `hello`) would refuse.
    fn check_policy(port: u16, policy: Option<&PolicyInfo>) -> Result<(), FormError> {
        match policy {
            Some(policy) if !policy.allowed_ports.contains(&port) => {
                Err(FormError::PortNotAllowed {
                    port,
                    allowed: policy.allowed_ports.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Host and port for the raw console, checked like the guided session's.
    ///
    /// # Errors
    /// An empty host, a bad port, or a port the policy refuses.
    pub fn console_target(&self, policy: Option<&PolicyInfo>) -> Result<(String, u16), FormError> {
        let host = self.host.trim();
        if host.is_empty() {
            return Err(FormError::Spec(smtplab_shared::smtp::SpecError::EmptyHost));
        }
        let port = self.parse_port()?;
        Self::check_policy(port, policy)?;
        Ok((host.to_owned(), port))
    }

    /// The spec as typed, not validated (a saved draft may be incomplete);
    /// only the port must be a number.
    ///
    /// # Errors
    /// [`FormError::BadPort`].
    pub fn to_draft_spec(&self, date: &str, message_id: &str) -> Result<SessionSpec, FormError> {
        let port = self.parse_port()?;
        let rcpt_to: Vec<String> = self
            .rcpt_to
            .iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect();
        let mail_from = self.mail_from.trim().to_owned();
        let auth = match self.auth {
            AuthChoice::None => None,
            AuthChoice::Login | AuthChoice::Plain => Some(AuthSpec {
                mechanism: if self.auth == AuthChoice::Login {
                    AuthMechanism::Login
                } else {
                    AuthMechanism::Plain
                },
                username: self.username.clone(),
                password: Secret::new(self.password.clone()),
            }),
        };
        let message = compose_message(
            &mail_from,
            &rcpt_to,
            &self.subject,
            &self.body,
            date,
            message_id,
        );
        Ok(SessionSpec {
            host: self.host.trim().to_owned(),
            port,
            ehlo_name: self.ehlo_name.trim().to_owned(),
            auth,
            mail_from,
            rcpt_to,
            message,
            stop_after: self.stop_after,
            timeouts: Timeouts::default(),
            tls: self.tls,
        })
    }

    /// Builds and validates the spec. `policy` (from the bridge's `hello`)
    /// refuses a port the bridge would refuse; `date` and `message_id` go
    /// into the composed message's headers.
    ///
    /// # Errors
    /// The first problem, as a [`FormError`]; nothing has been sent then.
    pub fn to_spec(
        &self,
        policy: Option<&PolicyInfo>,
        date: &str,
        message_id: &str,
    ) -> Result<SessionSpec, FormError> {
        let spec = self.to_draft_spec(date, message_id)?;
        spec.validate().map_err(FormError::Spec)?;
        Self::check_policy(spec.port, policy)?;
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::smtp::SpecError;

    fn filled() -> Form {
        let mut form = Form::default();
        form.set(Field::Host, " 127.0.0.1 ".into());
        form.set(Field::Port, "2525".into());
        form.set(Field::MailFrom, "a@example.test".into());
        form.set(Field::Rcpt(0), "b@example.test".into());
        form
    }

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
        assert!(
            spec.message.contains("Subject: smtplab test message\r\n"),
            "{}",
            spec.message
        );
        assert!(spec
            .message
            .contains("Date: Sat, 1 Nov 2025 10:00:00 +0000\r\n"));
        assert!(spec
            .message
            .contains("Message-ID: <1.abc@example.test>\r\n"));
        assert!(spec.message.contains("To: <b@example.test>\r\n"));
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
                ..form
            }
        );
    }

    #[test]
    fn errors_are_worded_in_both_languages() {
        let mut form = filled();
        form.set(Field::Rcpt(0), "no-at-sign".into());
        let err = form.to_spec(None, "d", "m").expect_err("invalid");
        assert_eq!(err.describe(Lang::En), err.to_string());
        assert_eq!(
            err.describe(Lang::Ja),
            "宛先 #1 のアドレス「no-at-sign」は@ がありません"
        );
        let port = FormError::PortNotAllowed {
            port: 26,
            allowed: vec![25, 587],
        };
        assert!(port.describe(Lang::Ja).contains("--allow-port 26"));
        assert_eq!(stage_label(Stage::Data, Lang::Ja), "DATA（配送）");
    }

    #[test]
    fn message_id_domain_prefers_the_sender() {
        let mut form = filled();
        assert_eq!(form.message_id_domain(), "example.test");
        form.set(Field::MailFrom, String::new());
        assert_eq!(form.message_id_domain(), "smtplab.localhost");
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
        assert_eq!(form.tls, TlsMode::None, "implicit TLS is only for 465");
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
