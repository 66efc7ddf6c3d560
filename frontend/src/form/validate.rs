//! From the form as typed to what can be run: the checked port, the
//! bridge's port policy, the console's target, and the [`SessionSpec`]
//! (a draft for saving, validated for running, sharing and exporting).
//! [`FormError`] says why not, before anything is sent.

use smtplab_shared::smtp::{
    compose_message, AuthMechanism, AuthSpec, SessionSpec, SpecError, Timeouts,
};
use smtplab_shared::wire::PolicyInfo;

use super::{AuthChoice, Form};

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

    /// The spec as typed, not validated (a saved draft may be incomplete);
    /// only the port must be a number.
    ///
    /// # Errors
    /// [`FormError::BadPort`].
    pub(crate) fn to_draft_spec(
        &self,
        date: &str,
        message_id: &str,
    ) -> Result<SessionSpec, FormError> {
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
                password: self.password.clone(),
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
            envelope: Default::default(),
        })
    }

    /// Builds and validates the spec. `policy` (from the bridge's `hello`)
    /// refuses a port the bridge would refuse; `date` and `message_id` go
    /// into the composed message's headers.
    ///
    /// # Errors
    /// The first problem, as a [`FormError`]; nothing has been sent then.
    pub(crate) fn to_spec(
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
    use crate::form::tests::filled;
    use crate::form::Field;

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
}
