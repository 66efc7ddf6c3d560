//! The transcript model: entries (lines sent, replies, notes), their ids,
//! and the shared list that holds them.
//!
//! Entries are shown as telnet-like lines with swaks' markers (`->` client,
//! `<-` server, `<**` unexpected reply, `~>` / `<~` / `<~*` the same over
//! TLS, `===` info, `***` error), a timestamp, decoded 334 challenges, a
//! one-line explanation under every reply (in the page's language), and
//! credentials masked unless revealed. The same lines feed the on-page view
//! and the text and JSON exports, so what is exported is what is shown.
//!
//! # Layout
//! - this file: [`Entry`], [`EntryKind`], [`EntryIds`], [`Transcript`].
//! - [`line`]: one printable [`Line`](line::Line) and its [`Marker`].
//! - [`lines`]: an entry's printable lines, with explanations.
//! - `unparsed`: what arrived of a refused reply, escaped.
//! - [`export`]: the text and JSON exports.
//! - [`console`]: how a line typed in the raw console is shown (masking).

mod console;
mod export;
mod line;
mod lines;
pub(crate) mod sequence;
mod unparsed;

pub(crate) use console::console_display;
pub(crate) use export::{to_json, to_text};
pub(crate) use lines::{entry_lines_to, reply_targets, timestamp, Marker};

use smtplab_shared::smtp::{ProtocolError, Reply, Unparsed};

use crate::append_log::AppendLog;
use crate::note::Note;

/// What every masked credential shows (the engine's own mask).
pub(crate) const MASK: &str = "********";

/// One transcript entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// Stable key for the view.
    pub(crate) id: u64,
    /// Milliseconds since the session (or console connection) started.
    pub(crate) at_ms: u64,
    /// What happened.
    pub(crate) kind: EntryKind,
}

/// A transcript: its entries, oldest first. Cloning one (as every state
/// clone does) copies no entry, and neither does appending to the clone.
pub(crate) type Transcript = AppendLog<Entry>;

/// Hands out entry ids: unique across the guided and the console
/// transcripts, increasing, so the view keys rows by them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EntryIds {
    /// The next id to hand out.
    next: u64,
}

impl Default for EntryIds {
    fn default() -> Self {
        Self { next: 1 }
    }
}

impl EntryIds {
    /// A fresh id.
    pub(crate) fn take(&mut self) -> u64 {
        let id = self.next;
        self.next += 1;
        id
    }
}

/// What a transcript entry records.
#[derive(Clone, PartialEq)]
pub(crate) enum EntryKind {
    /// A line the client sent.
    Sent {
        /// The line as sent (may hold a credential).
        text: String,
        /// What to show while secrets are hidden.
        display: String,
        /// True if `text` holds a credential.
        secret: bool,
        /// Sent over TLS (shown with `~>`).
        encrypted: bool,
    },
    /// A complete server reply.
    Reply {
        /// The reply.
        reply: Reply,
        /// False if the engine did not expect it (shown with `<**`).
        expected: bool,
        /// Received over TLS (shown with `<~`).
        encrypted: bool,
    },
    /// What arrived of a reply the engine refused (garbage, an over-long
    /// reply), shown escaped and folded, then why it was refused.
    Unparsed {
        /// The lines as received (the engine keeps the first 200) and how
        /// many more arrived.
        received: Unparsed,
        /// Why they are no reply.
        error: ProtocolError,
    },
    /// Something about the connection.
    Info(Note),
    /// A failure.
    Error(Note),
}

impl std::fmt::Debug for EntryKind {
    /// Never prints a secret line's text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sent {
                display,
                secret,
                encrypted,
                ..
            } => f
                .debug_struct("Sent")
                .field("display", display)
                .field("secret", secret)
                .field("encrypted", encrypted)
                .finish_non_exhaustive(),
            Self::Reply {
                reply,
                expected,
                encrypted,
            } => f
                .debug_struct("Reply")
                .field("reply", reply)
                .field("expected", expected)
                .field("encrypted", encrypted)
                .finish(),
            Self::Unparsed { received, error } => f
                .debug_struct("Unparsed")
                .field("received", received)
                .field("error", error)
                .finish(),
            Self::Info(note) => f.debug_tuple("Info").field(note).finish(),
            Self::Error(note) => f.debug_tuple("Error").field(note).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn reply(lines: &[&str]) -> Reply {
        Reply::from_lines(lines).expect("valid reply")
    }

    pub(super) fn entry(id: u64, at_ms: u64, kind: EntryKind) -> Entry {
        Entry { id, at_ms, kind }
    }

    pub(super) fn sent(text: &str, encrypted: bool) -> EntryKind {
        EntryKind::Sent {
            text: text.into(),
            display: text.into(),
            secret: false,
            encrypted,
        }
    }

    #[test]
    fn debug_never_prints_a_secret_line() {
        let sent = EntryKind::Sent {
            text: "AUTH PLAIN AGtpbQBodW50ZXIy".into(),
            display: "AUTH PLAIN ********".into(),
            secret: true,
            encrypted: false,
        };
        let text = format!("{sent:?}");
        assert!(
            !text.contains("AGtpbQ") && text.contains("********"),
            "{text}"
        );
    }

    #[test]
    fn ids_are_unique_and_increasing() {
        let mut ids = EntryIds::default();
        let (a, b) = (ids.take(), ids.take());
        assert!(0 < a && a < b);
    }
}
