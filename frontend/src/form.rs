//! The guided-session form as the user typed it (strings, so a half-typed
//! port is not lost) and its conversion to a [`SessionSpec`], checked before
//! anything is sent.
//!
//! # Layout
//! - this file: [`Form`], its [`Field`]s, editing, and filling it from a spec.
//! - [`choices`]: port presets, AUTH mechanisms, stages and their `<option>` values.
//! - [`validate`]: the checked spec, the console's target, and [`FormError`].
//! - [`words`]: the form's errors and stage labels in the page's language.
//! - [`composer`]: custom header rows, the HTML alternative, attachments,
//!   whole-message mode; [`message`]: the message built from them, its
//!   size and warnings; [`restore`]: the form read back from a spec.
//! - [`extensions`]: PIPELINING, BDAT, 8BITMIME, DSN, strict recipients.
//! - [`idn`]: international domains to A-labels before a run.
//! - [`rfc2047`]: a composed subject read back as typed.

mod choices;
pub(crate) mod composer;
pub(crate) mod extensions;
pub(crate) mod idn;
pub(crate) mod message;
mod restore;
mod rfc2047;
mod validate;
mod words;

use smtplab_shared::smtp::{Secret, Stage, TlsMode};
use smtplab_shared::tls::TlsOptions;

pub(crate) use composer::{AttachmentFile, Composer, ComposerField, HeaderProblem};
pub(crate) use extensions::{ExtField, Extensions};
use smtplab_shared::mime;

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
    /// Bearer token (XOAUTH2, OAUTHBEARER).
    Token,
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
    /// A part of the message composer.
    Composer(ComposerField),
    /// An extension choice.
    Ext(ExtField),
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
    /// Bearer token for XOAUTH2/OAUTHBEARER: kept apart from the password
    /// (switching mechanisms sends neither as the other), and like it a
    /// [`Secret`] that goes where the spec's password goes.
    pub(crate) token: Secret,
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
    /// The port as typed when it last suggested the TLS mode, and the mode
    /// before: typing on from it, or back over it (`465` → `46519`, or
    /// `46`), takes the suggestion back, since the field changes key by key.
    pub(crate) tls_suggested_by: Option<(String, TlsMode)>,
    /// Stop the session when the certificate does not verify (off:
    /// "continue without verification", said in the verdict).
    pub(crate) tls_verify: bool,
    /// Extra trusted CA certificates, PEM (a private CA). Not part of the
    /// session spec: kept in the form when another session is loaded.
    pub(crate) ca_pem: String,
    /// Header rows, HTML alternative, attachments, whole-message mode.
    pub(crate) composer: Composer,
    /// PIPELINING, BDAT, 8BITMIME, DSN, strict recipients.
    pub(crate) ext: Extensions,
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
            token: Secret::default(),
            mail_from: String::new(),
            rcpt_to: vec![String::new()],
            subject: "smtplab test message".to_owned(),
            body: "This is a test message sent with smtplab.".to_owned(),
            stop_after: Stage::Data,
            tls: TlsMode::None,
            tls_chosen: false,
            tls_suggested_by: None,
            tls_verify: true,
            ca_pem: String::new(),
            composer: Composer::default(),
            ext: Extensions::default(),
        }
    }
}

impl Form {
    /// The TLS mode `typed` suggests (the user has not chosen one), the
    /// suggestion the port made on the way to `typed` taken back.
    fn suggest_tls(&mut self, typed: &str) {
        if let Some((by, before)) = self.tls_suggested_by.take() {
            let passed = typed != by && (typed.starts_with(&by) || by.starts_with(typed));
            if passed {
                self.tls = before;
            } else {
                self.tls_suggested_by = Some((by, before));
            }
        }
        let suggested = tls_for_port(typed, self.tls);
        if suggested != self.tls {
            self.tls_suggested_by = Some((typed.to_owned(), self.tls));
            self.tls = suggested;
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
                    self.suggest_tls(value.trim());
                }
                self.port = value;
            }
            Field::EhloName => self.ehlo_name = value,
            Field::Auth => self.auth = AuthChoice::parse(&value),
            Field::Username => self.username = value,
            Field::Password => self.password = Secret::new(value),
            Field::Token => self.token = Secret::new(value),
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
            Field::Composer(part) => self.composer.set(part, value),
            Field::Ext(choice) => self.ext.set(choice, &value),
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
pub(crate) mod tests;
