//! The replies the sandbox sends: each a code, an enhanced status code
//! (RFC 3463; the sandbox offers ENHANCEDSTATUSCODES, so every reply after
//! the greeting carries one) and a text, written by `smtp-proto`.
//! <https://www.rfc-editor.org/rfc/rfc2034>

use std::fmt::Display;

/// A reply with fixed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reply {
    /// The three-digit reply code.
    pub(crate) code: u16,
    /// The enhanced status code's three numbers.
    pub(crate) esc: [u8; 3],
    /// The text after the codes.
    pub(crate) text: &'static str,
}

impl Reply {
    const fn new(code: u16, esc: [u8; 3], text: &'static str) -> Self {
        Self { code, esc, text }
    }

    /// Appends the reply line to `out`.
    pub(crate) fn write_to(self, out: &mut Vec<u8>) {
        write_reply(out, self.code, self.esc, self.text);
    }
}

/// Appends one reply line with any text to `out`. The text must not hold
/// CR or LF; callers pass their own words or numbers, never peer input.
pub(crate) fn write_reply(out: &mut Vec<u8>, code: u16, esc: [u8; 3], text: impl Display) {
    let [a, b, c] = esc;
    // Writing to a Vec cannot fail.
    let _ = smtp_proto::Response::new(code, a, b, c, text).write(&mut *out);
}

pub(crate) const OK: Reply = Reply::new(250, [2, 0, 0], "Ok");
pub(crate) const SENDER_OK: Reply = Reply::new(250, [2, 1, 0], "Sender ok");
pub(crate) const RECIPIENT_OK: Reply = Reply::new(
    250,
    [2, 1, 5],
    "Recipient ok (the sandbox accepts any recipient)",
);
pub(crate) const BYE: Reply = Reply::new(221, [2, 0, 0], "Bye");
pub(crate) const VRFY: Reply = Reply::new(
    252,
    [2, 5, 0],
    "Cannot VRFY user, but will accept the message",
);
pub(crate) const AUTH_OK: Reply = Reply::new(235, [2, 7, 0], "Authentication successful");
pub(crate) const START_DATA: Reply = Reply::new(354, [2, 0, 0], "End data with <CR><LF>.<CR><LF>");

pub(crate) const IDLE_TIMEOUT: Reply =
    Reply::new(421, [4, 4, 2], "Idle timeout, closing connection");
pub(crate) const TIME_LIMIT: Reply = Reply::new(
    421,
    [4, 4, 2],
    "Connection time limit reached, closing connection",
);
pub(crate) const SHUTTING_DOWN: Reply =
    Reply::new(421, [4, 3, 2], "Sandbox shutting down, closing connection");
pub(crate) const BUSY: Reply = Reply::new(
    421,
    [4, 7, 0],
    "Too many connections to the sandbox, try again later",
);
pub(crate) const TOO_MANY_AUTH_FAILURES: Reply = Reply::new(
    421,
    [4, 7, 0],
    "Too many failed authentication attempts, closing connection",
);
pub(crate) const TOO_MANY_RECIPIENTS: Reply = Reply::new(452, [4, 5, 3], "Too many recipients");

pub(crate) const UNKNOWN_COMMAND: Reply =
    Reply::new(500, [5, 5, 2], "Syntax error, command unrecognized");
pub(crate) const LINE_TOO_LONG: Reply = Reply::new(500, [5, 5, 2], "Line too long");
pub(crate) const BAD_SENDER: Reply = Reply::new(501, [5, 1, 7], "Bad sender address syntax");
pub(crate) const BAD_RECIPIENT: Reply = Reply::new(501, [5, 1, 3], "Bad recipient address syntax");
pub(crate) const AUTH_CANCELLED: Reply = Reply::new(501, [5, 0, 0], "Authentication cancelled");
pub(crate) const AUTH_UNREADABLE: Reply =
    Reply::new(501, [5, 5, 2], "Cannot decode the authentication response");
pub(crate) const NOT_IMPLEMENTED: Reply = Reply::new(502, [5, 5, 1], "Command not implemented");
pub(crate) const NO_STARTTLS: Reply = Reply::new(
    502,
    [5, 5, 1],
    "STARTTLS not offered: the sandbox speaks plaintext on loopback only",
);
pub(crate) const HELLO_FIRST: Reply = Reply::new(503, [5, 5, 1], "Send EHLO or HELO first");
pub(crate) const NESTED_MAIL: Reply = Reply::new(503, [5, 5, 1], "Sender already given");
pub(crate) const MAIL_FIRST: Reply = Reply::new(503, [5, 5, 1], "Send MAIL FROM first");
pub(crate) const ALREADY_AUTHENTICATED: Reply = Reply::new(503, [5, 5, 1], "Already authenticated");
pub(crate) const AUTH_IN_TRANSACTION: Reply =
    Reply::new(503, [5, 5, 1], "AUTH not allowed during a mail transaction");
pub(crate) const MIXED_DATA_BDAT: Reply =
    Reply::new(503, [5, 5, 1], "DATA after BDAT is not allowed");
pub(crate) const MECHANISM_UNSUPPORTED: Reply = Reply::new(
    504,
    [5, 5, 4],
    "Unsupported authentication mechanism; use LOGIN, PLAIN, XOAUTH2 or OAUTHBEARER",
);
pub(crate) const AUTH_REQUIRED: Reply = Reply::new(530, [5, 7, 0], "Authentication required");
pub(crate) const AUTH_FAILED: Reply =
    Reply::new(535, [5, 7, 8], "Authentication credentials invalid");
/// `552 5.3.4`: the message is over the size limit (RFC 1870 §6).
/// <https://www.rfc-editor.org/rfc/rfc1870#section-6>
pub(crate) const TOO_BIG: Reply = Reply::new(
    552,
    [5, 3, 4],
    "Message too big for the sandbox (see SIZE in the EHLO reply)",
);
pub(crate) const NO_RECIPIENTS: Reply = Reply::new(554, [5, 5, 1], "No valid recipients");

/// The `334` challenge for AUTH LOGIN's user name (`Username:` in base64).
pub(crate) const LOGIN_USERNAME: &[u8] = b"334 VXNlcm5hbWU6\r\n";
/// The `334` challenge for AUTH LOGIN's password (`Password:` in base64).
pub(crate) const LOGIN_PASSWORD: &[u8] = b"334 UGFzc3dvcmQ6\r\n";
/// The empty `334` challenge for AUTH PLAIN without an initial response.
pub(crate) const PLAIN_CHALLENGE: &[u8] = b"334 \r\n";
/// The error challenge of a refused XOAUTH2/OAUTHBEARER token: base64 of
/// `{"status":"401","schemes":"bearer","scope":"smtp"}`.
pub(crate) const OAUTH_ERROR_CHALLENGE: &[u8] =
    b"334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJzbXRwIn0=\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_carry_the_enhanced_code() {
        let mut out = Vec::new();
        AUTH_FAILED.write_to(&mut out);
        write_reply(
            &mut out,
            250,
            [2, 0, 0],
            format_args!("Ok: queued as {}", "SBX000001"),
        );
        assert_eq!(
            String::from_utf8(out).expect("ascii"),
            "535 5.7.8 Authentication credentials invalid\r\n250 2.0.0 Ok: queued as SBX000001\r\n"
        );
    }
}
