//! The engine's TLS report in the user's words: the verification result
//! (trusted, failed and why, or NOT verified and what the check found),
//! each certificate of the chain with its validity in days, failure kinds
//! explained, and the STARTTLS hint for a server that requires it.
//!
//! Plain functions over `smtplab_shared::tls` types, in the page's
//! language, unit-tested natively; the `TlsPanel` component only lays them
//! out.
//!
//! # Layout
//! - this file: the TLS modes of the form, and the STARTTLS hint.
//! - [`failure`]: failure kinds and setup errors in words.
//! - [`report`]: the verification result and the negotiated parameters.
//! - [`cert`]: one certificate of the chain, with its validity.
//! - [`chain`]: the geometry of the chain picture (boxes, validity bars,
//!   the today marker).

mod cert;
pub(crate) mod chain;
mod failure;
mod report;

use smtplab_shared::smtp::{Reply, TlsMode};

use crate::i18n::{t, Lang, Msg};

pub(crate) use cert::cert_view;
pub(crate) use failure::{failure_words, setup_error_words};
pub(crate) use report::{parameter_rows, pinned_words, skipped_words, verification_view};

/// Every TLS mode, in the form's order.
pub(crate) const TLS_MODES: [TlsMode; 4] = [
    TlsMode::None,
    TlsMode::StartTls,
    TlsMode::StartTlsIfOffered,
    TlsMode::Implicit,
];

/// A mode's `<option>` value (as the session file spells it).
pub(crate) fn mode_value(mode: TlsMode) -> &'static str {
    match mode {
        TlsMode::None => "none",
        TlsMode::StartTls => "start_tls",
        TlsMode::StartTlsIfOffered => "start_tls_if_offered",
        TlsMode::Implicit => "implicit",
    }
}

/// Parses a mode's `<option>` value.
pub(crate) fn parse_mode(value: &str) -> Option<TlsMode> {
    TLS_MODES.into_iter().find(|m| mode_value(*m) == value)
}

/// A mode's label in the form.
pub(crate) fn mode_label(mode: TlsMode, lang: Lang) -> &'static str {
    let msg = match mode {
        TlsMode::None => Msg::TlsModeNone,
        TlsMode::StartTls => Msg::TlsModeStartTls,
        TlsMode::StartTlsIfOffered => Msg::TlsModeIfOffered,
        TlsMode::Implicit => Msg::TlsModeImplicit,
    };
    t(lang, msg)
}

/// True when `reply` says the server wants STARTTLS first (530 naming
/// STARTTLS or TLS, or 538 "encryption required") on a session that did
/// not use TLS: then the UI suggests the STARTTLS mode.
pub(crate) fn needs_starttls(reply: &Reply, encrypted: bool) -> bool {
    if encrypted {
        return false;
    }
    match reply.code.as_u16() {
        538 => true,
        530 => reply
            .lines
            .iter()
            .any(|l| l.to_ascii_uppercase().contains("TLS")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::tls::{TlsFailure, TlsFailureKind};

    pub(super) fn failure(kind: TlsFailureKind) -> TlsFailure {
        TlsFailure {
            kind,
            detail: "rustls says why".into(),
        }
    }

    #[test]
    fn a_server_that_requires_starttls_gets_the_hint() {
        let reply = |line: &str| Reply::from_lines(&[line]).expect("reply");
        assert!(needs_starttls(
            &reply("530 5.7.0 Must issue a STARTTLS command first"),
            false
        ));
        assert!(needs_starttls(
            &reply("538 5.7.11 Encryption required for requested authentication mechanism"),
            false
        ));
        assert!(!needs_starttls(
            &reply("530 5.7.0 Authentication required"),
            false
        ));
        assert!(!needs_starttls(
            &reply("538 5.7.11 Encryption required"),
            true
        ));
        assert!(!needs_starttls(
            &reply("554 5.7.1 Relay access denied"),
            false
        ));
    }

    #[test]
    fn modes_round_trip_through_their_option_values() {
        for mode in TLS_MODES {
            assert_eq!(parse_mode(mode_value(mode)), Some(mode));
            assert_ne!(mode_label(mode, Lang::En), mode_label(mode, Lang::Ja));
        }
        assert_eq!(parse_mode("tls"), None);
    }
}
