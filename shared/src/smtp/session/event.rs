//! What the engine reports to its driver while it runs: the lines it sent
//! and the events to show.

use std::fmt;
use std::time::Duration;

use super::outcome::Outcome;
use super::reason::TlsSkipReason;
use super::step::Step;
use crate::smtp::capability::Capabilities;
use crate::smtp::reply::Reply;
use crate::tls::TlsReport;

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
// `Finished` carries the whole outcome and is emitted once per session;
// boxing it would only add an allocation and a deref at every match.
#[allow(clippy::large_enum_variant)]
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
    /// The EHLO reply was understood: what the server offers (after
    /// STARTTLS, the second EHLO's list replaces the first). Comes right
    /// after that reply's [`Event::Reply`].
    Capabilities(Capabilities),
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
        /// Why: typed, put in words by the driver.
        reason: TlsSkipReason,
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
    /// Commands went out in one flight (RFC 2920 PIPELINING): `commands`
    /// lines sent before the first reply, saving `commands - 1` round
    /// trips. Their replies come as usual, each with its step.
    Pipelined {
        /// How many commands the flight holds.
        commands: usize,
    },
    /// PIPELINING was asked for but the EHLO reply does not offer it: the
    /// commands go one by one.
    PipeliningNotOffered,
    /// The session is over; always the last event, emitted once. The driver
    /// closes the connection now.
    Finished(Outcome),
}
