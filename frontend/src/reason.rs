//! The engine's and the link's typed reasons in words, in the page's
//! language, at render time: an aborted session, a protocol error, a
//! skipped STARTTLS. (Exports carry the codes and shared's English text.)

use smtplab_shared::smtp::{
    AbortReason, FailReason, ParseError, ProtocolError, Requirement, TlsSkipReason,
};

use crate::form::describe_spec_error;
use crate::i18n::{t, tf, Lang, Msg};
use crate::problem::{describe_error, BridgeProblem};
use crate::tls_view::failure_words;

/// Why the session was aborted, in words.
pub(crate) fn abort_words(reason: &AbortReason, lang: Lang) -> String {
    match reason {
        AbortReason::Cancelled => t(lang, Msg::CancelledByUser).to_owned(),
        AbortReason::Bridge {
            host,
            port,
            error,
            message,
        } => describe_error(lang, *error, message, host, *port),
        AbortReason::VersionMismatch { found, .. } => BridgeProblem::Version(*found).describe(lang),
        AbortReason::BridgeProtocol { detail } => tf(lang, Msg::AbortBridgeProtocol, &[detail]),
        AbortReason::BridgeGone => t(lang, Msg::AbortBridgeGone).to_owned(),
        AbortReason::InvalidSpec(error) => tf(
            lang,
            Msg::AbortInvalidSpec,
            &[&describe_spec_error(error, lang)],
        ),
        AbortReason::Unencodable { detail } => tf(lang, Msg::AbortUnencodable, &[detail]),
        AbortReason::NoTlsContext => t(lang, Msg::AbortNoTlsContext).to_owned(),
        AbortReason::TlsSetup { detail } => tf(lang, Msg::AbortTlsSetup, &[detail]),
    }
}

/// How the server broke SMTP, in words.
pub(crate) fn protocol_words(error: &ProtocolError, lang: Lang) -> String {
    match error {
        ProtocolError::Parse { error, .. } => match error {
            ParseError::LineTooLong { limit } => {
                tf(lang, Msg::ParseLineTooLong, &[&limit.to_string()])
            }
            ParseError::ReplyTooLong { limit } => {
                tf(lang, Msg::ParseReplyTooLong, &[&limit.to_string()])
            }
            ParseError::TooManyLines { limit } => {
                tf(lang, Msg::ParseTooManyLines, &[&limit.to_string()])
            }
            ParseError::BadCode { line } => tf(lang, Msg::ParseBadCode, &[&format!("{line:?}")]),
            ParseError::MismatchedContinuation { expected, found } => tf(
                lang,
                Msg::ParseMismatched,
                &[&expected.to_string(), &found.to_string()],
            ),
            ParseError::Incomplete => t(lang, Msg::ParseIncomplete).to_owned(),
        },
        ProtocolError::Unsolicited => t(lang, Msg::ProtocolUnsolicited).to_owned(),
    }
}

/// Why STARTTLS was not used, in words.
pub(crate) fn tls_skip_words(reason: &TlsSkipReason, lang: Lang) -> String {
    match reason {
        TlsSkipReason::NotAdvertised => t(lang, Msg::TlsSkipNotAdvertised).to_owned(),
        TlsSkipReason::HeloOnly => t(lang, Msg::TlsSkipHeloOnly).to_owned(),
        TlsSkipReason::Refused { reply } => tf(
            lang,
            Msg::TlsSkipRefused,
            &[reply.lines.first().map_or("", String::as_str)],
        ),
    }
}

/// Why the session failed, in words.
pub(crate) fn reason_words(reason: &FailReason, lang: Lang) -> String {
    match reason {
        FailReason::UnexpectedReply(reply) => {
            let msg = if reply.code.as_u16() >= 500 {
                Msg::AnsweredPermanent
            } else if reply.code.as_u16() >= 400 {
                Msg::AnsweredTemporary
            } else {
                Msg::AnsweredUnexpected
            };
            tf(lang, msg, &[&reply.code.to_string()])
        }
        FailReason::Timeout => t(lang, Msg::ReasonTimeout).to_owned(),
        FailReason::ConnectionClosed => t(lang, Msg::ReasonConnectionClosed).to_owned(),
        FailReason::Protocol(error) => {
            tf(lang, Msg::ReasonProtocol, &[&protocol_words(error, lang)])
        }
        FailReason::Aborted(reason) => abort_words(reason, lang),
        FailReason::Tls(failure) => tf(lang, Msg::ReasonTls, &[&failure_words(failure, lang)]),
        FailReason::NotOffered(requirement) => tf(
            lang,
            Msg::ReasonNotOffered,
            &[t(lang, requirement_msg(*requirement))],
        ),
    }
}

/// The sentence for an extension the session needed and did not get.
fn requirement_msg(requirement: Requirement) -> Msg {
    match requirement {
        Requirement::EightBitMime => Msg::ReqEightBitMime,
        Requirement::SmtpUtf8 => Msg::ReqSmtpUtf8,
        Requirement::Chunking => Msg::ReqChunking,
        Requirement::Dsn => Msg::ReqDsn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::smtp::SpecError;
    use smtplab_shared::wire::ErrorCode;

    #[test]
    fn every_reason_has_words_in_both_languages() {
        let reasons = [
            AbortReason::Cancelled,
            AbortReason::Bridge {
                host: "127.0.0.1".into(),
                port: 25,
                error: ErrorCode::Refused,
                message: "connection refused".into(),
            },
            AbortReason::VersionMismatch {
                expected: 1,
                found: 2,
            },
            AbortReason::BridgeProtocol {
                detail: "a second hello".into(),
            },
            AbortReason::BridgeGone,
            AbortReason::InvalidSpec(SpecError::NoRecipients),
            AbortReason::Unencodable { detail: "x".into() },
            AbortReason::NoTlsContext,
            AbortReason::TlsSetup { detail: "x".into() },
        ];
        for reason in &reasons {
            let en = abort_words(reason, Lang::En);
            let ja = abort_words(reason, Lang::Ja);
            assert!(!en.is_empty() && en != ja, "{reason:?}: {en} / {ja}");
            assert!(!en.contains('{'), "{en}");
        }
        let en = protocol_words(&ParseError::TooManyLines { limit: 1000 }.into(), Lang::En);
        assert_eq!(en, "a reply has more than 1000 lines");
        let ja = tls_skip_words(&TlsSkipReason::NotAdvertised, Lang::Ja);
        assert!(ja.contains("STARTTLS"), "{ja}");
    }
}
