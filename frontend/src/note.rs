//! Transcript notes (`===` and `***` lines) as data, put in words only when
//! shown, so a transcript follows the language the user picks.

use smtplab_shared::smtp::TlsSkipReason;
use smtplab_shared::tls::TlsFailure;
use smtplab_shared::wire::{ClosedBy, ErrorCode};

use crate::form::FormError;
use crate::i18n::{t, tf, Lang, Msg};
use crate::problem::{describe_closed, describe_error, BridgeProblem};
use crate::reason::tls_skip_words;
use crate::tls_view::failure_words;

/// Something about a connection worth a transcript line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Note {
    /// The WebSocket to the bridge is opening.
    OpeningWebSocket,
    /// The bridge was asked to connect to `host:port`.
    ConnectingVia(String),
    /// The bridge is connected.
    Connected {
        /// The peer address the bridge reached.
        peer: String,
        /// TCP connect time.
        connect_ms: u64,
    },
    /// The bridge reported a closed TCP connection.
    Closed {
        /// Which side closed it.
        by: ClosedBy,
        /// The bridge's reason.
        reason: String,
    },
    /// The bridge reported an error.
    BridgeError {
        /// Its code.
        code: ErrorCode,
        /// The bridge's sentence.
        message: String,
        /// The target host.
        host: String,
        /// The target port.
        port: u16,
    },
    /// The bridge cannot be used.
    Problem(BridgeProblem),
    /// The WebSocket closed with this code.
    WebSocketClosed(u16),
    /// A control message that could not be decoded.
    Malformed(String),
    /// Console bytes that are not a valid reply.
    NotAReply(String),
    /// A console line typed while disconnected.
    NotConnected,
    /// TLS is up.
    TlsEstablished {
        /// The protocol version, if known.
        protocol: Option<String>,
        /// The cipher suite, if known.
        cipher: Option<String>,
    },
    /// STARTTLS was optional and is not used.
    TlsSkipped(TlsSkipReason),
    /// The console's TLS failed (the handshake or the certificate).
    TlsFailed(TlsFailure),
    /// Plaintext after STARTTLS was dropped.
    PlaintextDiscarded {
        /// How many bytes.
        bytes: usize,
        /// Their start.
        text: String,
    },
    /// The browser refused to open a WebSocket (its words).
    CannotOpen(String),
    /// The page has no location to derive the WebSocket URL from.
    NoLocation,
    /// The console's host or port is not usable.
    Form(FormError),
    /// Commands went in one PIPELINING flight.
    Pipelined(usize),
    /// PIPELINING was asked for and not offered.
    PipeliningNotOffered,
}

impl Note {
    /// The note in words, in `lang`.
    pub(crate) fn describe(&self, lang: Lang) -> String {
        match self {
            Self::OpeningWebSocket => t(lang, Msg::NoteOpeningWebSocket).to_owned(),
            Self::ConnectingVia(target) => tf(lang, Msg::NoteConnectingVia, &[target]),
            Self::Connected { peer, connect_ms } => {
                tf(lang, Msg::NoteConnectedIn, &[peer, &connect_ms.to_string()])
            }
            Self::Closed { by, reason } => describe_closed(lang, *by, reason),
            Self::BridgeError {
                code,
                message,
                host,
                port,
            } => describe_error(lang, *code, message, host, *port),
            Self::Problem(problem) => problem.describe(lang),
            Self::WebSocketClosed(code) => tf(lang, Msg::NoteWebSocketClosed, &[&code.to_string()]),
            Self::Malformed(why) => tf(lang, Msg::NoteMalformed, &[why]),
            Self::NotAReply(why) => tf(lang, Msg::NoteNotAReply, &[why]),
            Self::NotConnected => t(lang, Msg::NoteNotConnected).to_owned(),
            Self::TlsEstablished { protocol, cipher } => tf(
                lang,
                Msg::NoteTlsEstablished,
                &[
                    protocol.as_deref().unwrap_or("TLS"),
                    cipher.as_deref().unwrap_or(t(lang, Msg::UnknownCipher)),
                ],
            ),
            Self::TlsFailed(failure) => {
                tf(lang, Msg::NoteTlsFailed, &[&failure_words(failure, lang)])
            }
            Self::TlsSkipped(reason) => {
                tf(lang, Msg::NoteTlsSkipped, &[&tls_skip_words(reason, lang)])
            }
            Self::PlaintextDiscarded { bytes, text } => tf(
                lang,
                Msg::NotePlaintextDiscarded,
                &[&bytes.to_string(), &format!("{text:?}")],
            ),
            Self::CannotOpen(why) => tf(lang, Msg::NoteCannotOpen, &[why]),
            Self::NoLocation => t(lang, Msg::NoteNoLocation).to_owned(),
            Self::Form(error) => error.describe(lang),
            Self::Pipelined(commands) => tf(
                lang,
                Msg::NotePipelined,
                &[
                    &commands.to_string(),
                    &commands.saturating_sub(1).to_string(),
                ],
            ),
            Self::PipeliningNotOffered => t(lang, Msg::NotePipeliningNotOffered).to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_worded_in_the_language_asked() {
        let note = Note::Connected {
            peer: "127.0.0.1:2525".into(),
            connect_ms: 3,
        };
        assert_eq!(
            note.describe(Lang::En),
            "connected to 127.0.0.1:2525 in 3 ms"
        );
        assert_eq!(
            note.describe(Lang::Ja),
            "127.0.0.1:2525 に 3 ms で接続しました"
        );
        let tls = Note::TlsEstablished {
            protocol: Some("TLSv1.3".into()),
            cipher: None,
        };
        assert_eq!(
            tls.describe(Lang::En),
            "TLS established: TLSv1.3, unknown cipher"
        );
    }
}
