//! How a session ended: the verdict, the queue id and per-step timings.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::reason::{AbortReason, ProtocolError};
use super::step::Step;
use crate::smtp::capability::Capabilities;
use crate::smtp::envelope::Requirement;
use crate::smtp::reply::Reply;
use crate::smtp::spec::Stage;
use crate::tls::{TlsFailure, TlsReport};

/// The summary of a finished session, carried by
/// [`Event::Finished`](super::Event::Finished).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Success or the first failure.
    pub verdict: Verdict,
    /// The text of the final 250 after the message (e.g.
    /// `2.0.0 Ok: queued as 4Xyz`), when it arrived.
    pub queue_id: Option<String>,
    /// The EHLO capabilities, if EHLO succeeded (`None` after HELO).
    pub capabilities: Option<Capabilities>,
    /// Every step that started, in order, with its duration.
    pub steps: Vec<StepTiming>,
    /// The TLS facts when a handshake started: after success as in
    /// [`Event::TlsEstablished`](super::Event::TlsEstablished) (check
    /// `verification` for "skipped"), after a failed handshake what was
    /// known (the chain, what the check found). `None` in plaintext.
    #[serde(default)]
    pub tls: Option<TlsReport>,
    /// Recipients the server refused while the session went on with the
    /// others (the default; see
    /// [`EnvelopeOptions::strict_recipients`](crate::smtp::EnvelopeOptions::strict_recipients)).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused_recipients: Vec<RefusedRecipient>,
    /// Commands sent in one flight with PIPELINING, each flight counted by
    /// its commands: a flight of `n` saved `n - 1` round trips.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pipelined_flights: Vec<usize>,
}

/// A recipient the server refused, with its reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefusedRecipient {
    /// Its index in the spec's `rcpt_to`.
    pub index: usize,
    /// The address as sent.
    pub address: String,
    /// The refusal.
    pub reply: Reply,
}

impl Outcome {
    /// Time from the TCP connect ([`Session::handle_connected`]) to the
    /// final line of the 220 greeting: the greeting delay (a deliberate
    /// greet pause on many MTAs). With implicit TLS the handshake is
    /// included. `None` if no 220 arrived.
    ///
    /// [`Session::handle_connected`]: super::Session::handle_connected
    pub fn greeting_time(&self) -> Option<Duration> {
        self.steps
            .iter()
            .find(|t| t.step == Step::Connect)
            .filter(|t| t.ok)
            .map(|t| t.elapsed)
    }

    /// The certificate problem the session went on despite (verification
    /// skipped by the user), if any.
    pub fn unverified_tls(&self) -> Option<&TlsFailure> {
        let verification = self.tls.as_ref()?.verification.as_ref()?;
        if verification.enforced {
            None
        } else {
            verification.problem.as_ref()
        }
    }
}

/// How long one step took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepTiming {
    /// The step.
    pub step: Step,
    /// From its start to its final reply (or to the failure that ended it).
    pub elapsed: Duration,
    /// True if it got the reply it needed.
    pub ok: bool,
}

/// The result of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Verdict {
    /// The server accepted the message (final 250 after the `.`).
    Delivered,
    /// Every stage up to `stop_after` succeeded and the session stopped there.
    Completed {
        /// The spec's `stop_after`.
        stage: Stage,
    },
    /// The session failed.
    Failed {
        /// The step that failed.
        step: Step,
        /// Why.
        reason: FailReason,
    },
}

impl Verdict {
    /// True for `Delivered` and `Completed`.
    pub fn is_success(&self) -> bool {
        !matches!(self, Self::Failed { .. })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Delivered => f.write_str("delivered"),
            Self::Completed { stage } => write!(f, "completed (stopped after {stage:?})"),
            Self::Failed { step, reason } => write!(f, "failed at {step}: {reason}"),
        }
    }
}

/// Why a session failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FailReason {
    /// The server answered with a reply the step cannot go on with.
    UnexpectedReply(Reply),
    /// No (complete) reply within the timeout.
    Timeout,
    /// The TCP connection closed before the session was over.
    ConnectionClosed,
    /// The server broke the protocol (bytes that are no reply, a reply
    /// nobody asked for, a bound exceeded).
    Protocol(ProtocolError),
    /// The driver gave up (connect failed, the user cancelled) or the
    /// session could not start (an invalid spec, no TLS context).
    Aborted(AbortReason),
    /// TLS failed: STARTTLS required but not offered, the certificate did
    /// not verify (with verification on), or the handshake broke.
    Tls(TlsFailure),
    /// The session needs an extension the server does not offer (8-bit
    /// message without 8BITMIME, UTF-8 address without SMTPUTF8, BDAT
    /// without CHUNKING, DSN without DSN): refused before MAIL, then QUIT.
    NotOffered(Requirement),
}

impl fmt::Display for FailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedReply(reply) => {
                write!(
                    f,
                    "server replied {}",
                    reply.lines.first().map_or("", String::as_str)
                )
            }
            Self::Timeout => f.write_str("timed out waiting for the server"),
            Self::ConnectionClosed => f.write_str("the connection closed"),
            Self::Protocol(why) => write!(f, "protocol error: {why}"),
            Self::Aborted(why) => write!(f, "aborted: {why}"),
            Self::Tls(failure) => write!(f, "TLS: {failure}"),
            Self::NotOffered(requirement) => write!(f, "not sent: {requirement}"),
        }
    }
}
