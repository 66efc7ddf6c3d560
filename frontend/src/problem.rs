//! Failures outside SMTP, in words: the bridge cannot be reached, refuses the
//! token, or reports a wire `error` (policy, DNS, refused, timeout, …).

use smtplab_shared::wire::{ClosedBy, ErrorCode};

/// Why the tab cannot talk to the bridge at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BridgeProblem {
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
    /// A sentence for the user.
    pub fn describe(&self) -> String {
        match self {
            Self::Unreachable => {
                "The smtplab bridge is unreachable: is `smtplab` still running? Start it again and open the address it prints.".to_owned()
            }
            Self::TokenRejected => {
                "The bridge refused the access token (401). Open the exact address the bridge printed at start, including ?token=…; the token changes at every start.".to_owned()
            }
            Self::Forbidden => {
                "The bridge refused this page's address (403): open it as http://127.0.0.1:PORT/ exactly as printed, not through another host name.".to_owned()
            }
            Self::WebSocketFailed => {
                "The WebSocket to the bridge failed although the bridge answers; a proxy or browser extension may block WebSockets.".to_owned()
            }
            Self::Busy(message) => format!("The bridge is busy: {message}"),
            Self::Version(v) => format!("The bridge speaks protocol version {v}, this page expects 1: reload the page."),
        }
    }
}

/// A wire `error` in words, with the target for context and the bridge's
/// own sentence appended.
pub fn describe_error(code: ErrorCode, message: &str, host: &str, port: u16) -> String {
    let words = match code {
        ErrorCode::Dns => format!("DNS failure: the name {host:?} did not resolve. Check the server name."),
        ErrorCode::Refused => format!(
            "Connection refused by {host}:{port}: nothing listens on that port, or a firewall rejects the connection."
        ),
        ErrorCode::Timeout => format!(
            "Timeout: no answer from {host}:{port} within the connect timeout. A firewall may drop the packets (many networks block outgoing port 25)."
        ),
        ErrorCode::Unreachable => format!("No route to {host}: the host or its network is unreachable from the bridge."),
        ErrorCode::Reset => format!("The connection to {host}:{port} was reset."),
        ErrorCode::Forbidden => format!(
            "Refused by the bridge's policy: {host}:{port} is not an allowed target (start the bridge with --allow-port {port} to allow this port)."
        ),
        ErrorCode::Limit => "A bridge limit was reached.".to_owned(),
        ErrorCode::BadRequest => "The bridge rejected a request from this page.".to_owned(),
        ErrorCode::Internal => "The bridge hit an internal error.".to_owned(),
    };
    if message.is_empty() {
        words
    } else {
        format!("{words} (bridge: {message})")
    }
}

/// A wire `closed` in words.
pub fn describe_closed(by: ClosedBy, reason: &str) -> String {
    match by {
        ClosedBy::Server => format!("connection closed by the server ({reason})"),
        ClosedBy::Bridge => format!("connection closed by the bridge ({reason})"),
        ClosedBy::Client => format!("connection closed ({reason})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_connect_failure_has_its_own_words() {
        let dns = describe_error(ErrorCode::Dns, "", "mx.invalid", 25);
        assert!(dns.starts_with("DNS failure") && dns.contains("\"mx.invalid\""), "{dns}");
        let refused = describe_error(ErrorCode::Refused, "connection refused", "127.0.0.1", 2525);
        assert!(refused.starts_with("Connection refused by 127.0.0.1:2525"), "{refused}");
        assert!(refused.ends_with("(bridge: connection refused)"), "{refused}");
        let timeout = describe_error(ErrorCode::Timeout, "", "h", 25);
        assert!(timeout.starts_with("Timeout"), "{timeout}");
        let policy = describe_error(ErrorCode::Forbidden, "port 26 is not allowed", "h", 26);
        assert!(policy.contains("policy") && policy.contains("--allow-port 26"), "{policy}");
    }

    #[test]
    fn bridge_problems_say_what_to_do() {
        assert!(BridgeProblem::TokenRejected.describe().contains("token"));
        assert!(BridgeProblem::Unreachable.describe().contains("unreachable"));
        assert!(describe_closed(ClosedBy::Server, "eof").contains("by the server"));
    }
}
