//! From the form as typed to what can be run: the checked port, the
//! bridge's port policy, the console's target, and the [`SessionSpec`]
//! (a draft for saving, validated for running, sharing and exporting).
//! [`FormError`] says why not, before anything is sent.

use smtplab_shared::smtp::{AuthSpec, SessionSpec, SpecError, Timeouts};
use smtplab_shared::wire::PolicyInfo;

use super::idn::{ascii_domain, ascii_host, platform};
use super::message::ToAscii;
use super::mime::ComposeError;
use super::{Form, HeaderProblem};

/// Why the form cannot be run; every message is fit to show as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormError {
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
    Spec(SpecError),
    /// The TLS settings cannot be used (the pasted CA text, mostly).
    TlsSetup(smtplab_shared::tls::TlsSetupError),
    /// A custom header row is wrong.
    Header {
        /// Its index.
        row: usize,
        /// What is wrong.
        problem: HeaderProblem,
    },
    /// Whole-message mode with nothing pasted.
    EmptyMessage,
    /// The message could not be composed.
    Compose(ComposeError),
    /// The BDAT chunk size is not a number from 1 to 4294967295.
    BadChunk(String),
    /// NOTIFY=NEVER ticked with another NOTIFY value.
    NotifyNeverAlone,
    /// The ENVID is not 1 to 100 printable ASCII characters.
    BadEnvid,
    /// An international domain the browser cannot convert to A-labels.
    BadIdn(String),
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
            Self::Header { row, problem } => write!(f, "header row {}: {problem:?}", row + 1),
            Self::EmptyMessage => f.write_str("the whole message is empty"),
            Self::Compose(why) => write!(f, "the message cannot be composed: {why}"),
            Self::BadChunk(c) => write!(f, "the BDAT chunk size {c:?} is not a number from 1 to 4294967295"),
            Self::NotifyNeverAlone => f.write_str("NOTIFY=NEVER cannot be combined with other NOTIFY values"),
            Self::BadEnvid => f.write_str("ENVID must be 1 to 100 printable ASCII characters"),
            Self::BadIdn(d) => write!(f, "the domain {d:?} cannot be converted to ASCII (IDNA)"),
        }
    }
}

impl Form {
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
    pub(crate) fn console_target(
        &self,
        policy: Option<&PolicyInfo>,
    ) -> Result<(String, u16), FormError> {
        let host = self.host.trim();
        if host.is_empty() {
            return Err(FormError::Spec(SpecError::EmptyHost));
        }
        let port = self.parse_port()?;
        Self::check_policy(port, policy)?;
        Ok((host.to_owned(), port))
    }

    /// The spec as typed, not validated (a saved draft may be incomplete):
    /// only the port must be a number; bad header rows and extension
    /// choices are left out. Never carries the attachments.
    ///
    /// # Errors
    /// [`FormError::BadPort`].
    pub(crate) fn to_draft_spec(
        &self,
        date: &str,
        message_id: &str,
    ) -> Result<SessionSpec, FormError> {
        let message = self
            .message(date, message_id, false, false, &platform)
            .or_else(|_| {
                // A draft with what a composed message cannot carry (a
                // UTF-8 user name): its text and headers are kept, its
                // From and To are made again at run time anyway.
                let mut ascii = self.clone();
                ascii.mail_from.clear();
                ascii.rcpt_to.clear();
                ascii.message(date, message_id, false, false, &platform)
            })?;
        let mut spec = self.base_spec(message)?;
        spec.envelope = self.ext.to_draft_options();
        Ok(spec)
    }

    /// Everything but the message and the envelope options.
    fn base_spec(&self, message: Vec<u8>) -> Result<SessionSpec, FormError> {
        let port = self.parse_port()?;
        let auth = self.auth.mechanism().map(|mechanism| AuthSpec {
            mechanism,
            username: self.username.clone(),
            password: if mechanism.uses_token() {
                self.token.clone()
            } else {
                self.password.clone()
            },
        });
        Ok(SessionSpec {
            host: self.host.trim().to_owned(),
            port,
            ehlo_name: self.ehlo_name.trim().to_owned(),
            auth,
            mail_from: self.mail_from.trim().to_owned(),
            rcpt_to: self.recipients(),
            message,
            stop_after: self.stop_after,
            timeouts: Timeouts::default(),
            tls: self.tls,
            envelope: Default::default(),
        })
    }

    /// Builds and validates the spec, without the attachments: what a
    /// share link or session file carries. `policy` (from the bridge's
    /// `hello`) refuses a port the bridge would refuse; `date` and
    /// `message_id` go into the composed message's headers.
    ///
    /// # Errors
    /// The first problem, as a [`FormError`]; nothing has been sent then.
    pub(crate) fn to_spec(
        &self,
        policy: Option<&PolicyInfo>,
        date: &str,
        message_id: &str,
    ) -> Result<SessionSpec, FormError> {
        self.checked_spec(policy, date, message_id, false, &platform)
    }

    fn checked_spec(
        &self,
        policy: Option<&PolicyInfo>,
        date: &str,
        message_id: &str,
        attachments: bool,
        to_ascii: ToAscii<'_>,
    ) -> Result<SessionSpec, FormError> {
        let envelope = self.ext.to_options()?;
        let message = self.message(date, message_id, attachments, true, to_ascii)?;
        let mut spec = self.base_spec(message)?;
        spec.envelope = envelope;
        spec.validate().map_err(FormError::Spec)?;
        Self::check_policy(spec.port, policy)?;
        Ok(spec)
    }

    /// The spec to run: [`Self::to_spec`] with the attachments, and the
    /// international domains of the addresses and EHLO name converted to
    /// A-labels by `to_ascii` (the browser's URL parser); UTF-8 user
    /// names stay (the engine asks for SMTPUTF8).
    ///
    /// # Errors
    /// As [`Self::to_spec`], and [`FormError::BadIdn`].
    pub(crate) fn to_run_spec(
        &self,
        policy: Option<&PolicyInfo>,
        date: &str,
        message_id: &str,
        to_ascii: ToAscii<'_>,
    ) -> Result<SessionSpec, FormError> {
        let mut spec = self.checked_spec(policy, date, message_id, true, to_ascii)?;
        spec.ehlo_name = ascii_host(&spec.ehlo_name, to_ascii).map_err(FormError::BadIdn)?;
        if !spec.mail_from.is_empty() {
            spec.mail_from = ascii_domain(&spec.mail_from, to_ascii).map_err(FormError::BadIdn)?;
        }
        for rcpt in &mut spec.rcpt_to {
            *rcpt = ascii_domain(rcpt, to_ascii).map_err(FormError::BadIdn)?;
        }
        spec.validate().map_err(FormError::Spec)?;
        Ok(spec)
    }
}

#[cfg(test)]
mod tests;
