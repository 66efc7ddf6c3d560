//! The choices the form's controls offer: port presets and the TLS mode
//! a port suggests, the AUTH mechanisms, the "stop after" stages, and
//! their `<option>` values.

use smtplab_shared::smtp::{Stage, TlsMode};

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
