//! Why a session ended early or went on without TLS, as types.
//!
//! The engine never produces words for a user: a driver puts these into
//! the page's language when it shows them (the frontend's i18n), and their
//! `Display` is the English text that exports carry next to the code. So a
//! verdict re-translates when the language changes, and an exported report
//! reads the same whichever language the page had.

use serde::{Deserialize, Serialize};

use crate::smtp::reply::{ParseError, Reply, Unparsed};
use crate::smtp::spec::SpecError;
use crate::wire::ErrorCode;

/// Why a session was ended by its driver, or refused before the first byte.
///
/// JSON: `{"code":"cancelled"}`, `{"code":"bridge","error":"refused","message":"…"}`…
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AbortReason {
    /// The user cancelled the session.
    #[error("cancelled by the user")]
    Cancelled,
    /// The bridge answered `connect` with an `error`: no TCP connection.
    #[error("the bridge could not connect to {host}:{port} ({}): {message}", error.as_str())]
    Bridge {
        /// The host the bridge was asked to reach.
        host: String,
        /// The port.
        port: u16,
        /// The bridge's code.
        error: ErrorCode,
        /// The bridge's sentence (English, from the bridge).
        message: String,
    },
    /// The bridge speaks another version of the wire protocol.
    #[error("the bridge speaks protocol version {found}, this client version {expected}")]
    VersionMismatch {
        /// The version this client speaks.
        expected: u32,
        /// The version in the bridge's `hello`.
        found: u32,
    },
    /// The bridge broke its own protocol (a second `hello`, a frame that
    /// is no known message, bytes before `connected`).
    #[error("the bridge broke the protocol: {detail}")]
    BridgeProtocol {
        /// What it did, in English.
        detail: String,
    },
    /// The WebSocket to the bridge ended before the TCP connection was up.
    #[error("the connection to the bridge ended before the server was reached")]
    BridgeGone,
    /// The spec cannot be run (the engine's own check, before sending).
    #[error("invalid session spec: {0}")]
    InvalidSpec(SpecError),
    /// A command could not be written (unreachable with a validated spec:
    /// the engine fails rather than send a broken line).
    #[error("a command could not be encoded: {detail}")]
    Unencodable {
        /// What was wrong, in English.
        detail: String,
    },
    /// TLS was asked for but the driver made the session with
    /// `Session::new` instead of `Session::with_tls`.
    #[error("TLS was asked for but the driver gave no TLS context")]
    NoTlsContext,
    /// The driver's TLS context cannot make a client configuration.
    #[error("TLS could not be set up: {detail}")]
    TlsSetup {
        /// rustls' words.
        detail: String,
    },
}

/// How the server broke SMTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ProtocolError {
    /// Bytes that are no reply, or a bound exceeded.
    #[error("{error}")]
    Parse {
        /// What the parser found.
        error: ParseError,
        /// What arrived of the refused reply, for the transcript: the
        /// lines as received (the first [`UNPARSED_LINES`](crate::smtp::UNPARSED_LINES))
        /// and how many more. `None` when not recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        received: Option<Unparsed>,
    },
    /// A reply arrived before the command it could answer was sent.
    #[error("reply received before the command it answers was sent")]
    Unsolicited,
}

impl From<ParseError> for ProtocolError {
    fn from(error: ParseError) -> Self {
        Self::Parse {
            error,
            received: None,
        }
    }
}

/// Why STARTTLS "if offered" was not used and the session went on in
/// plaintext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum TlsSkipReason {
    /// The EHLO reply does not advertise STARTTLS.
    #[error("the server's EHLO reply does not offer STARTTLS; going on without TLS")]
    NotAdvertised,
    /// EHLO was refused and HELO has no extensions.
    #[error(
        "the server refused EHLO and answered HELO, so it offers no STARTTLS; going on without TLS"
    )]
    HeloOnly,
    /// STARTTLS was refused with 4xx/5xx.
    #[error("the server refused STARTTLS ({}); going on without TLS", reply.lines.first().map_or("", String::as_str))]
    Refused {
        /// The refusal.
        reply: Reply,
    },
}
