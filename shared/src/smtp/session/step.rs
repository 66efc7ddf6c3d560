//! The steps of a session: one command/reply exchange each (or the
//! greeting, or the message), the unit the engine times and reports.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::extras::ProbeVerb;

/// One command/reply exchange of a session (or the greeting, or the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Step {
    /// From the TCP connect to the final line of the 220 greeting.
    Connect,
    /// `EHLO`.
    Ehlo,
    /// `HELO`, after EHLO was refused with 500/502.
    Helo,
    /// The whole AUTH exchange (every 334 round included).
    Auth,
    /// `MAIL FROM`.
    Mail,
    /// `RCPT TO` for `rcpt_to[index]`: the index is 0-based, the display
    /// 1-based (`Rcpt(0)` shows as `RCPT TO #1`).
    Rcpt(usize),
    /// `DATA`, answered by 354.
    Data,
    /// The message content and the final `.`, answered by 250.
    Message,
    /// `QUIT`.
    Quit,
    /// `STARTTLS`, its 220 and the TLS handshake (RFC 3207). With implicit
    /// TLS the handshake is part of [`Step::Connect`] instead.
    StartTls,
    /// A command probed after EHLO: `SessionExtras::probes[index]`, whose
    /// verb is `verb`. Its reply is data; the step is ok whatever it says.
    Probe {
        /// 0-based index into the probe list.
        index: usize,
        /// The command's verb.
        verb: ProbeVerb,
    },
    /// `RSET` before `QUIT` (`SessionExtras::rset_before_quit`).
    Rset,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connect => f.write_str("connect"),
            Self::Ehlo => f.write_str("EHLO"),
            Self::Helo => f.write_str("HELO"),
            Self::Auth => f.write_str("AUTH"),
            Self::Mail => f.write_str("MAIL FROM"),
            Self::Rcpt(index) => write!(f, "RCPT TO #{}", index + 1),
            Self::Data => f.write_str("DATA"),
            Self::Message => f.write_str("message"),
            Self::Quit => f.write_str("QUIT"),
            Self::StartTls => f.write_str("STARTTLS"),
            Self::Probe { verb, .. } => write!(f, "{verb}"),
            Self::Rset => f.write_str("RSET"),
        }
    }
}
