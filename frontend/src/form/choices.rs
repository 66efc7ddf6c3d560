//! The choices the form's controls offer: port presets and the TLS mode
//! a port suggests, the AUTH mechanisms, the "stop after" stages, and
//! their `<option>` values.

use smtplab_shared::smtp::{AuthMechanism, Stage, TlsMode};

/// The TLS mode a port suggests while the user has not chosen one:
/// implicit TLS on 465 (RFC 8314), STARTTLS on 587; another port keeps
/// `current` (a mode is never dropped because a port was typed).
pub(crate) fn tls_for_port(port: &str, current: TlsMode) -> TlsMode {
    match port {
        "465" => TlsMode::Implicit,
        "587" => TlsMode::StartTls,
        _ => current,
    }
}

/// A port and a TLS mode that do not go together, pointed out next to the
/// port (the mode itself is left as chosen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PortTlsMismatch {
    /// A 465-looking port (465, 2465, …) without implicit TLS: such a
    /// server waits for a TLS handshake and sends no greeting.
    ExpectsImplicit(u16),
    /// Port 587 (submission) without STARTTLS: it greets in plaintext
    /// and usually offers AUTH only after STARTTLS.
    ExpectsStartTls(u16),
}

/// The mismatch between `port` (as typed) and `tls`, if any.
pub(crate) fn port_tls_mismatch(port: &str, tls: TlsMode) -> Option<PortTlsMismatch> {
    let number: u16 = port.trim().parse().ok()?;
    let starttls = matches!(tls, TlsMode::StartTls | TlsMode::StartTlsIfOffered);
    if number.to_string().ends_with("465") && tls != TlsMode::Implicit {
        Some(PortTlsMismatch::ExpectsImplicit(number))
    } else if number == 587 && !starttls {
        Some(PortTlsMismatch::ExpectsStartTls(number))
    } else {
        None
    }
}

/// Port presets offered next to the port field: SMTP relay (25), submission
/// (587), submission over implicit TLS (465), and the common alternative 2525.
pub(crate) const PORT_PRESETS: [u16; 4] = [25, 587, 465, 2525];

/// Every stage the "stop after" choice offers, in order.
pub(crate) const STAGES: [Stage; 6] = [
    Stage::Connect,
    Stage::Ehlo,
    Stage::Auth,
    Stage::Mail,
    Stage::Rcpt,
    Stage::Data,
];

/// The AUTH choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthChoice {
    /// No AUTH.
    None,
    /// AUTH LOGIN.
    Login,
    /// AUTH PLAIN.
    Plain,
    /// AUTH CRAM-MD5.
    CramMd5,
    /// AUTH XOAUTH2 (a bearer token).
    XOAuth2,
    /// AUTH OAUTHBEARER (a bearer token).
    OAuthBearer,
}

impl AuthChoice {
    /// Every choice, in the select's order.
    pub(crate) const ALL: [Self; 6] = [
        Self::None,
        Self::Login,
        Self::Plain,
        Self::CramMd5,
        Self::XOAuth2,
        Self::OAuthBearer,
    ];

    /// The `<option>` value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Login => "login",
            Self::Plain => "plain",
            Self::CramMd5 => "cram_md5",
            Self::XOAuth2 => "xoauth2",
            Self::OAuthBearer => "oauthbearer",
        }
    }

    /// Parses an `<option>` value; anything unknown is `None`.
    pub(crate) fn parse(value: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == value)
            .unwrap_or(Self::None)
    }

    /// The engine's mechanism; `None` for no AUTH.
    pub(crate) fn mechanism(self) -> Option<AuthMechanism> {
        match self {
            Self::None => None,
            Self::Login => Some(AuthMechanism::Login),
            Self::Plain => Some(AuthMechanism::Plain),
            Self::CramMd5 => Some(AuthMechanism::CramMd5),
            Self::XOAuth2 => Some(AuthMechanism::XOAuth2),
            Self::OAuthBearer => Some(AuthMechanism::OAuthBearer),
        }
    }

    /// The choice showing `mechanism`.
    pub(crate) fn of(mechanism: AuthMechanism) -> Self {
        match mechanism {
            AuthMechanism::Login => Self::Login,
            AuthMechanism::Plain => Self::Plain,
            AuthMechanism::CramMd5 => Self::CramMd5,
            AuthMechanism::XOAuth2 => Self::XOAuth2,
            AuthMechanism::OAuthBearer => Self::OAuthBearer,
        }
    }

    /// The secret is a bearer token (the form shows "Bearer token").
    pub(crate) fn uses_token(self) -> bool {
        self.mechanism().is_some_and(AuthMechanism::uses_token)
    }
}

/// The `<option>` value of a stage.
pub(crate) fn stage_value(stage: Stage) -> &'static str {
    match stage {
        Stage::Connect => "connect",
        Stage::Ehlo => "ehlo",
        Stage::Auth => "auth",
        Stage::Mail => "mail",
        Stage::Rcpt => "rcpt",
        Stage::Data => "data",
    }
}

/// Parses a stage `<option>` value.
pub(crate) fn parse_stage(value: &str) -> Option<Stage> {
    STAGES.into_iter().find(|s| stage_value(*s) == value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_and_auth_choices_round_trip_through_their_option_values() {
        for stage in STAGES {
            assert_eq!(parse_stage(stage_value(stage)), Some(stage));
        }
        assert_eq!(parse_stage("bogus"), None);
        for choice in AuthChoice::ALL {
            assert_eq!(AuthChoice::parse(choice.as_str()), choice);
            if let Some(mechanism) = choice.mechanism() {
                assert_eq!(AuthChoice::of(mechanism), choice);
            }
        }
        assert_eq!(AuthChoice::parse("cram-md5"), AuthChoice::None);
        assert!(AuthChoice::XOAuth2.uses_token() && AuthChoice::OAuthBearer.uses_token());
        assert!(!AuthChoice::CramMd5.uses_token() && !AuthChoice::None.uses_token());
    }
}
