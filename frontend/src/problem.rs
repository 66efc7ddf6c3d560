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
        ErrorCode::Forbidden => forbidden_words(lang, message, host, &target),
        ErrorCode::Limit => t(lang, Msg::ErrLimit).to_owned(),
        ErrorCode::BadRequest => t(lang, Msg::ErrBadRequest).to_owned(),
        ErrorCode::Internal => t(lang, Msg::ErrInternal).to_owned(),
        ErrorCode::Nxdomain => tf(lang, Msg::ErrNxdomain, &[host]),
        ErrorCode::NoRecords => tf(lang, Msg::ErrNoRecords, &[host]),
        ErrorCode::Servfail => tf(lang, Msg::ErrServfail, &[host]),
        ErrorCode::Dnssec => tf(lang, Msg::ErrDnssec, &[host]),
        ErrorCode::Https => tf(lang, Msg::ErrHttps, &[host]),
    };
    if message.is_empty() {
        words
    } else {
        tf(lang, Msg::ErrWithBridgeWords, &[&words, message])
    }
}

/// A policy refusal in words: the bridge's sentence says which rule refused
/// the target (the port list, a `--deny-target` rule or the internal ranges),
/// so the advice names the flag that changes that rule, not always the port.
fn forbidden_words(lang: Lang, message: &str, host: &str, target: &[&str; 2]) -> String {
    if message.contains("internal address") {
        tf(lang, Msg::ErrForbiddenInternal, target)
    } else if message.contains("denied by the bridge's rule") {
        tf(lang, Msg::ErrForbiddenRule, target)
    } else if message.contains("cannot be connected to") {
        tf(lang, Msg::ErrForbiddenAddress, &[host])
    } else {
        tf(lang, Msg::ErrForbidden, target)
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
    fn a_refused_internal_address_is_not_blamed_on_the_port() {
        let bridge = "127.0.0.1 is an internal address (loopback, private or link-local) and this bridge refuses those (--deny-internal true); start the bridge with --allow-target 127.0.0.1 to allow this address, or --deny-internal false to allow every internal address";
        for lang in [Lang::En, Lang::Ja] {
            let words = describe_error(lang, ErrorCode::Forbidden, bridge, "127.0.0.1", 3525);
            let ours = words.split(bridge).next().unwrap_or_default();
            assert!(!words.contains("--allow-port"), "{words}");
            assert!(
                ours.contains("--deny-internal") && ours.contains("--allow-target 127.0.0.1"),
                "{words}"
            );
        }
        let en = describe_error(Lang::En, ErrorCode::Forbidden, bridge, "127.0.0.1", 3525);
        assert!(en.contains("internal address"), "{en}");
        let rule = "192.0.2.7 is denied by the bridge's rule 192.0.2.0/24 (--deny-target); start the bridge with --allow-target 192.0.2.7 to make an exception";
        let words = describe_error(Lang::En, ErrorCode::Forbidden, rule, "mx.example", 25);
        assert!(!words.contains("--allow-port"), "{words}");
        assert!(words.contains("deny-target"), "{words}");
        // A refused port keeps its own advice.
        let port = describe_error(
            Lang::En,
            ErrorCode::Forbidden,
            "port 26 is not allowed (allowed: [25]; the bridge's --allow-port adds one)",
            "h",
            26,
        );
        assert!(port.contains("--allow-port 26"), "{port}");
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
