//! The raw console in the state: its connection, transcript, the line
//! being typed, and whether the next line answers an AUTH challenge (and so
//! is a credential). [`ConsoleAction`]s come from the `use_bridge` hook and
//! the console's input.

use smtplab_shared::smtp::Reply;

use crate::note::Note;
use crate::transcript::{console_display, Entry, EntryIds, EntryKind, Transcript};

/// The raw console's connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConsoleStatus {
    /// No connection.
    Disconnected,
    /// Connecting to this `host:port`.
    Connecting(String),
    /// Connected to this `host:port`.
    Connected(String),
}

/// The raw console.
#[derive(Clone, PartialEq)]
pub(crate) struct ConsoleState {
    /// The connection.
    pub(crate) status: ConsoleStatus,
    /// What was typed and received (shared between state versions, not
    /// copied).
    pub(crate) transcript: Transcript,
    /// The input line being edited (the AUTH helper writes here too), so
    /// it may hold a credential: `Debug` never prints it.
    pub(crate) input: String,
    /// True after a 334: the next typed line is a credential.
    pub(crate) answering_challenge: bool,
    /// Connect with implicit TLS (the handshake before the greeting).
    pub(crate) implicit_tls: bool,
}

impl Default for ConsoleState {
    fn default() -> Self {
        Self {
            status: ConsoleStatus::Disconnected,
            transcript: Transcript::new(),
            input: String::new(),
            answering_challenge: false,
            implicit_tls: false,
        }
    }
}

impl std::fmt::Debug for ConsoleState {
    /// The transcript masks its own credentials; the input line is left out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleState")
            .field("status", &self.status)
            .field("transcript", &self.transcript)
            .field("answering_challenge", &self.answering_challenge)
            .field("implicit_tls", &self.implicit_tls)
            .finish_non_exhaustive()
    }
}

/// Everything that changes the console.
#[derive(Clone, PartialEq)]
pub(crate) enum ConsoleAction {
    /// The connection changed.
    Status(ConsoleStatus),
    /// The input line was edited.
    Input(String),
    /// The "implicit TLS" choice for the next connection.
    ImplicitTls(bool),
    /// A line was sent (local echo).
    Sent {
        /// Time since the console connected.
        at_ms: u64,
        /// The line as sent, without CRLF.
        text: String,
        /// It crossed the wire encrypted (TLS was up).
        encrypted: bool,
    },
    /// A reply was received.
    Reply {
        /// Time since the console connected.
        at_ms: u64,
        /// The parsed reply.
        reply: Reply,
        /// It crossed the wire encrypted.
        encrypted: bool,
    },
    /// A connection note for the console transcript.
    Note {
        /// Time since the console connected.
        at_ms: u64,
        /// Shown with `***` rather than `===`.
        error: bool,
        /// What happened.
        note: Note,
    },
}

impl std::fmt::Debug for ConsoleAction {
    /// Typed and sent lines may be credentials: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Status(status) => f.debug_tuple("Status").field(status).finish(),
            Self::Input(_) => f.debug_tuple("Input").finish_non_exhaustive(),
            Self::ImplicitTls(on) => f.debug_tuple("ImplicitTls").field(on).finish(),
            Self::Sent { at_ms, .. } => f
                .debug_struct("Sent")
                .field("at_ms", at_ms)
                .finish_non_exhaustive(),
            Self::Reply {
                at_ms,
                reply,
                encrypted,
            } => f
                .debug_struct("Reply")
                .field("at_ms", at_ms)
                .field("reply", reply)
                .field("encrypted", encrypted)
                .finish(),
            Self::Note { at_ms, error, note } => f
                .debug_struct("Note")
                .field("at_ms", at_ms)
                .field("error", error)
                .field("note", note)
                .finish(),
        }
    }
}

impl ConsoleState {
    /// Applies one action; new transcript entries take their ids from `ids`.
    pub(crate) fn apply(&mut self, action: ConsoleAction, ids: &mut EntryIds) {
        match action {
            ConsoleAction::Status(status) => {
                if status == ConsoleStatus::Disconnected {
                    self.answering_challenge = false;
                }
                if matches!(status, ConsoleStatus::Connecting(_)) {
                    self.transcript = Transcript::new();
                }
                self.status = status;
            }
            ConsoleAction::Input(text) => self.input = text,
            ConsoleAction::ImplicitTls(on) => self.implicit_tls = on,
            ConsoleAction::Sent {
                at_ms,
                text,
                encrypted,
            } => {
                let (display, secret) = console_display(&text, self.answering_challenge);
                self.push(
                    ids,
                    at_ms,
                    EntryKind::Sent {
                        text,
                        display,
                        secret,
                        encrypted,
                    },
                );
            }
            ConsoleAction::Reply {
                at_ms,
                reply,
                encrypted,
            } => {
                self.answering_challenge = reply.code.as_u16() == 334;
                self.push(
                    ids,
                    at_ms,
                    EntryKind::Reply {
                        reply,
                        expected: true,
                        encrypted,
                    },
                );
            }
            ConsoleAction::Note { at_ms, error, note } => {
                let kind = if error {
                    EntryKind::Error(note)
                } else {
                    EntryKind::Info(note)
                };
                self.push(ids, at_ms, kind);
            }
        }
    }

    fn push(&mut self, ids: &mut EntryIds, at_ms: u64, kind: EntryKind) {
        let id = ids.take();
        self.transcript.push(Entry { id, at_ms, kind });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(lines: &[&str]) -> Reply {
        Reply::from_lines(lines).expect("reply")
    }

    #[test]
    fn console_masks_lines_that_answer_a_challenge() {
        let mut console = ConsoleState::default();
        let mut ids = EntryIds::default();
        let mut apply = |console: &mut ConsoleState, action| console.apply(action, &mut ids);
        apply(
            &mut console,
            ConsoleAction::Status(ConsoleStatus::Connecting("h:25".into())),
        );
        apply(
            &mut console,
            ConsoleAction::Sent {
                at_ms: 1,
                text: "AUTH LOGIN".into(),
                encrypted: false,
            },
        );
        apply(
            &mut console,
            ConsoleAction::Reply {
                at_ms: 2,
                reply: reply(&["334 VXNlcm5hbWU6"]),
                encrypted: false,
            },
        );
        apply(
            &mut console,
            ConsoleAction::Sent {
                at_ms: 3,
                text: "a2lt".into(),
                encrypted: false,
            },
        );
        let last = console.transcript.items().last().cloned().expect("entry");
        assert!(
            matches!(&last.kind, EntryKind::Sent { display, secret: true, .. } if display == "********")
        );
        apply(
            &mut console,
            ConsoleAction::Reply {
                at_ms: 4,
                reply: reply(&["235 2.7.0 ok"]),
                encrypted: false,
            },
        );
        apply(
            &mut console,
            ConsoleAction::Sent {
                at_ms: 5,
                text: "NOOP".into(),
                encrypted: false,
            },
        );
        let last = console.transcript.items().last().cloned().expect("entry");
        assert!(matches!(&last.kind, EntryKind::Sent { secret: false, .. }));
    }

    #[test]
    fn typed_lines_never_show_in_debug() {
        let typed = "AUTH PLAIN AGtpbQBodW50ZXIy";
        let console = ConsoleState {
            input: typed.into(),
            ..ConsoleState::default()
        };
        for text in [
            format!("{console:?}"),
            format!("{:?}", ConsoleAction::Input(typed.into())),
            format!(
                "{:?}",
                ConsoleAction::Sent {
                    at_ms: 1,
                    text: typed.into(),
                    encrypted: false,
                }
            ),
        ] {
            assert!(!text.contains("AGtpbQ"), "{text}");
        }
    }
}
