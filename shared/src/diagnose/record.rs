//! What a driver collects from one session run for a check: the bridge's
//! answer to `connect` and every engine event, in order.

use std::time::Duration;

use crate::smtp::{Capabilities, Event, Outcome, Reply, Step, Verdict};
use crate::wire::ErrorCode;

/// How the bridge answered `connect`.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectAttempt {
    /// `connected`: the TCP connection is up.
    Connected {
        /// The address connected to, `ip:port`.
        peer: String,
        /// Connect time as the bridge measured it (DNS included).
        connect_ms: f64,
    },
    /// `error`: nothing was connected.
    Failed {
        /// The bridge's code (`refused`, `timeout`, `dns`, …).
        code: ErrorCode,
        /// The bridge's sentence.
        message: String,
    },
}

/// One session as a check sees it. The driver makes it with
/// [`connected`](Self::connected) or [`failed`](Self::failed), pushes every
/// event it drains from the [`Session`](crate::smtp::Session) (on a failed
/// connect: after `abort`), and may copy
/// [`Session::greeting_first_byte_at`](crate::smtp::Session::greeting_first_byte_at).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// The bridge's answer to `connect`.
    pub connect: ConnectAttempt,
    /// The engine's events, in order; the last is `Finished`.
    pub events: Vec<Event>,
    /// When the first greeting byte arrived (session clock), if known.
    pub greeting_first_byte_at: Option<Duration>,
}

impl SessionRecord {
    /// A record of a session whose connect succeeded.
    pub fn connected(peer: impl Into<String>, connect_ms: f64) -> Self {
        Self::new(ConnectAttempt::Connected {
            peer: peer.into(),
            connect_ms,
        })
    }

    /// A record of a session whose connect failed with `code`.
    pub fn failed(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(ConnectAttempt::Failed {
            code,
            message: message.into(),
        })
    }

    fn new(connect: ConnectAttempt) -> Self {
        Self {
            connect,
            events: Vec::new(),
            greeting_first_byte_at: None,
        }
    }

    /// Appends one engine event.
    pub fn push(&mut self, event: Event) {
        self.events.push(event);
    }

    /// The outcome, once `Finished` was pushed.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.events.iter().rev().find_map(|e| match e {
            Event::Finished(outcome) => Some(outcome),
            _ => None,
        })
    }

    /// The session's verdict, once finished.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.outcome().map(|o| &o.verdict)
    }

    /// The EHLO capabilities, if EHLO succeeded.
    pub fn capabilities(&self) -> Option<&Capabilities> {
        self.outcome().and_then(|o| o.capabilities.as_ref())
    }

    /// The last reply received in `step`.
    pub fn reply(&self, step: Step) -> Option<&Reply> {
        self.events.iter().rev().find_map(|e| match e {
            Event::Reply { step: s, reply, .. } if *s == step => Some(reply),
            _ => None,
        })
    }

    /// Every step that got a reply, with it, in order.
    pub fn replies(&self) -> impl Iterator<Item = (Step, &Reply)> {
        self.events.iter().filter_map(|e| match e {
            Event::Reply { step, reply, .. } => Some((*step, reply)),
            _ => None,
        })
    }

    /// The final 220 greeting and the time from connect to it.
    pub fn greeting(&self) -> Option<(&Reply, Duration)> {
        let started = self.events.iter().find_map(|e| match e {
            Event::StepStarted {
                step: Step::Connect,
                at,
            } => Some(*at),
            _ => None,
        })?;
        self.events.iter().find_map(|e| match e {
            Event::Reply {
                step: Step::Connect,
                reply,
                expected: true,
                at,
            } => Some((reply, at.saturating_sub(started))),
            _ => None,
        })
    }

    /// True if the engine sent anything before the greeting's final line
    /// (it never does; the checks show it as evidence).
    pub fn sent_before_greeting(&self) -> bool {
        for event in &self.events {
            match event {
                Event::Reply {
                    step: Step::Connect,
                    ..
                } => return false,
                Event::Sent { .. } => return true,
                _ => {}
            }
        }
        false
    }

    /// The whole transcript: `C: ` lines as displayed (secrets masked) and
    /// `S: ` reply lines.
    pub fn transcript(&self) -> Vec<String> {
        self.lines(|_| true)
    }

    /// The transcript lines of the steps `keep` selects.
    pub fn lines(&self, keep: impl Fn(Step) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        for event in &self.events {
            match event {
                Event::Sent { step, line } if keep(*step) => {
                    out.push(format!("C: {}", line.display));
                }
                Event::Reply { step, reply, .. } if keep(*step) => {
                    out.extend(reply.lines.iter().map(|l| format!("S: {l}")));
                }
                _ => {}
            }
        }
        out
    }

    /// True if a TLS handshake finished in this session.
    pub fn encrypted(&self) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, Event::TlsEstablished(_)))
    }

    /// The failed step and why, if the session failed.
    pub fn failure(&self) -> Option<(Step, &crate::smtp::FailReason)> {
        match self.verdict()? {
            Verdict::Failed { step, reason } => Some((*step, reason)),
            _ => None,
        }
    }

    /// One line about the connect, for evidence.
    pub fn connect_line(&self) -> String {
        match &self.connect {
            ConnectAttempt::Connected { peer, connect_ms } => {
                format!("bridge: connected to {peer} in {connect_ms:.1} ms")
            }
            ConnectAttempt::Failed { code, message } => {
                format!("bridge: error {}: {message}", code.as_str())
            }
        }
    }
}
