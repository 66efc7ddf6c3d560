//! What the engine reports to its driver: the steps of a session and the
//! events emitted while it runs.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::extras::ProbeVerb;
use super::outcome::Outcome;
use crate::smtp::reply::Reply;
use crate::tls::TlsReport;

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

/// A line the engine sent, for the transcript.
///
/// Deliberately not `Serialize`: `text` holds AUTH payloads, which must not
/// end up in exported logs by accident; export `display`.
#[derive(Clone, PartialEq, Eq)]
pub struct SentLine {
    /// The line as sent, without CRLF (AUTH payloads included). For the
    /// message content: the same summary as `display`.
    pub text: String,
    /// True for lines that carry credentials.
    pub secret: bool,
    /// What to show: `text`, or its masked form (`AUTH PLAIN ********`,
    /// `********`).
    pub display: String,
}

impl fmt::Debug for SentLine {
    /// Shows `display` only, so `{:?}` of an event never leaks a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentLine")
            .field("display", &self.display)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

/// Something the driver should show or record, drained with
/// [`Session::poll_event`](super::Session::poll_event).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A step began (its first line is about to be sent, or the TCP side is up).
    StepStarted {
        /// The step.
        step: Step,
        /// When, on the driver's clock.
        at: Duration,
    },
    /// A line was queued for sending: one per command line, one summary for
    /// the message content and one for its final `.`.
    Sent {
        /// The step it belongs to.
        step: Step,
        /// The line.
        line: SentLine,
    },
    /// A complete reply arrived.
    Reply {
        /// The step it answers.
        step: Step,
        /// The reply.
        reply: Reply,
        /// False if the engine did not expect this reply here (a failure, or
        /// the EHLO refusal that triggers the HELO fallback).
        expected: bool,
        /// When, on the driver's clock.
        at: Duration,
    },
    /// A step ended.
    StepFinished {
        /// The step.
        step: Step,
        /// True if the step got the reply it needed.
        ok: bool,
        /// Time from `StepStarted` to now.
        elapsed: Duration,
    },
    /// The TLS handshake finished (after STARTTLS, or at connect for
    /// implicit TLS). Every [`Event::Sent`] and [`Event::Reply`] after this
    /// one travelled encrypted; every one before it in plaintext. With
    /// verification skipped, the report's `verification` says what the
    /// check would have found.
    TlsEstablished(TlsReport),
    /// STARTTLS was wanted "if offered" but is not available (not
    /// advertised, or refused with 4xx/5xx): the session goes on in
    /// plaintext.
    TlsSkipped {
        /// Why, fit to show the user.
        reason: String,
    },
    /// Plaintext that arrived after the 220 to STARTTLS, before the
    /// handshake, was thrown away unread: a server may not send anything
    /// there, so it is likely injected by a man in the middle (the client
    /// side of CVE-2011-0411).
    PlaintextDiscarded {
        /// The step it arrived in ([`Step::StartTls`]).
        step: Step,
        /// How many bytes were dropped.
        bytes: usize,
        /// The start of them, lossily decoded, for the transcript.
        text: String,
    },
    /// The session is over; always the last event, emitted once. The driver
    /// closes the connection now.
    Finished(Outcome),
}
