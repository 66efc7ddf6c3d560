//! The choices the form's controls offer: port presets and the TLS mode
//! a port suggests, the AUTH mechanisms, the "stop after" stages, and
//! their `<option>` values.

use smtplab_shared::smtp::{Stage, TlsMode};

/// The TLS mode a port suggests: implicit TLS on 465 (RFC 8314), STARTTLS
/// on 587; another port keeps `current`, except that implicit TLS, which
/// only 465 speaks, falls back to none.
pub(crate) fn tls_for_port(port: &str, current: TlsMode) -> TlsMode {
    match port {
        "465" => TlsMode::Implicit,
        "587" => TlsMode::StartTls,
        _ if current == TlsMode::Implicit => TlsMode::None,
        _ => current,
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
}

impl AuthChoice {
    /// The `<option>` value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Login => "login",
            Self::Plain => "plain",
        }
    }

    /// Parses an `<option>` value; anything unknown is `None`.
    pub(crate) fn parse(value: &str) -> Self {
        match value {
            "login" => Self::Login,
            "plain" => Self::Plain,
            _ => Self::None,
        }
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
        for choice in [AuthChoice::None, AuthChoice::Login, AuthChoice::Plain] {
            assert_eq!(AuthChoice::parse(choice.as_str()), choice);
        }
        assert_eq!(AuthChoice::parse("cram-md5"), AuthChoice::None);
    }
}
