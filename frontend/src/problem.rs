//! Failures outside SMTP, in words: the bridge cannot be reached, refuses the
//! token, or reports a wire `error` (policy, DNS, refused, timeout, …).

use smtplab_shared::wire::{ClosedBy, ErrorCode};

use crate::i18n::{t, tf, Lang, Msg};

/// Why the tab cannot talk to the bridge at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BridgeProblem {
    /// Nothing answers at the page's own address.
    Unreachable,
    /// The bridge answered 401: the token in the address is wrong or missing.
    TokenRejected,
    /// The bridge answered 403: the Host or Origin is not accepted.
    Forbidden,
    /// The page answers but the WebSocket still failed.
    WebSocketFailed,
    /// The bridge serves the maximum number of sessions.
    Busy(String),
    /// The bridge speaks another protocol version.
    Version(u32),
}

impl BridgeProblem {
    /// A sentence for the user, in `lang`.
    pub(crate) fn describe(&self, lang: Lang) -> String {
        match self {
            Self::Unreachable => t(lang, Msg::ProblemUnreachable).to_owned(),
            Self::TokenRejected => t(lang, Msg::ProblemTokenRejected).to_owned(),
            Self::Forbidden => t(lang, Msg::ProblemForbidden).to_owned(),
            Self::WebSocketFailed => t(lang, Msg::ProblemWebSocketFailed).to_owned(),
            Self::Busy(message) => tf(lang, Msg::ProblemBusy, &[message]),
            Self::Version(v) => tf(lang, Msg::ProblemVersion, &[&v.to_string()]),
        }
    }
}

/// A wire `error` in words, with the target for context and the bridge's
/// own sentence appended.
pub(crate) fn describe_error(
    lang: Lang,
    code: ErrorCode,
    message: &str,
    host: &str,
    port: u16,
) -> String {
    let port = port.to_string();
    let target = [host, port.as_str()];
    let words = match code {
        ErrorCode::Dns => tf(lang, Msg::ErrDns, &[host]),
        ErrorCode::Refused => tf(lang, Msg::ErrRefused, &target),
        ErrorCode::Timeout => tf(lang, Msg::ErrTimeout, &target),
        ErrorCode::Unreachable => tf(lang, Msg::ErrUnreachable, &[host]),
        ErrorCode::Reset => tf(lang, Msg::ErrReset, &target),
        ErrorCode::Forbidden => tf(lang, Msg::ErrForbidden, &target),
        ErrorCode::Limit => t(lang, Msg::ErrLimit).to_owned(),
        ErrorCode::BadRequest => t(lang, Msg::ErrBadRequest).to_owned(),
        ErrorCode::Internal => t(lang, Msg::ErrInternal).to_owned(),
        ErrorCode::Nxdomain => tf(lang, Msg::ErrNxdomain, &[host]),
        ErrorCode::NoRecords => tf(lang, Msg::ErrNoRecords, &[host]),
        ErrorCode::Servfail => tf(lang, Msg::ErrServfail, &[host]),
    };
    if message.is_empty() {
        words
    } else {
        tf(lang, Msg::ErrWithBridgeWords, &[&words, message])
    }
}

/// A wire `closed` in words.
pub(crate) fn describe_closed(lang: Lang, by: ClosedBy, reason: &str) -> String {
    let msg = match by {
        ClosedBy::Server => Msg::ClosedByServer,
        ClosedBy::Bridge => Msg::ClosedByBridge,
        ClosedBy::Client => Msg::ClosedByClient,
    };
    tf(lang, msg, &[reason])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_connect_failure_has_its_own_words() {
        let dns = describe_error(Lang::En, ErrorCode::Dns, "", "mx.invalid", 25);
        assert!(
            dns.starts_with("DNS failure") && dns.contains("\"mx.invalid\""),
            "{dns}"
        );
        let refused = describe_error(
            Lang::En,
            ErrorCode::Refused,
            "connection refused",
            "127.0.0.1",
            2525,
        );
        assert!(
            refused.starts_with("Connection refused by 127.0.0.1:2525"),
            "{refused}"
        );
        assert!(
            refused.ends_with("(bridge: connection refused)"),
            "{refused}"
        );
        let timeout = describe_error(Lang::En, ErrorCode::Timeout, "", "h", 25);
        assert!(timeout.starts_with("Timeout"), "{timeout}");
        let policy = describe_error(
            Lang::En,
            ErrorCode::Forbidden,
            "port 26 is not allowed",
            "h",
            26,
        );
        assert!(
            policy.contains("policy") && policy.contains("--allow-port 26"),
            "{policy}"
        );
    }

    #[test]
    fn bridge_problems_say_what_to_do() {
        assert!(BridgeProblem::TokenRejected
            .describe(Lang::En)
            .contains("token"));
        assert!(BridgeProblem::Unreachable
            .describe(Lang::En)
            .contains("unreachable"));
        assert!(describe_closed(Lang::En, ClosedBy::Server, "eof").contains("by the server"));
        assert!(BridgeProblem::TokenRejected
            .describe(Lang::Ja)
            .contains("トークン"));
        let ja = describe_error(Lang::Ja, ErrorCode::Refused, "", "127.0.0.1", 2525);
        assert!(ja.contains("127.0.0.1:2525") && ja.contains("拒否"), "{ja}");
    }
}
