//! The bridge wire protocol: the JSON control messages carried in WebSocket
//! text frames between the tab and the bridge.
//!
//! Binary frames carry raw TCP bytes and have no type here. The message and
//! field names are a fixed contract (docs/protocol.md): later versions add
//! messages and fields, never rename these.

use serde::{Deserialize, Serialize};

/// The protocol version sent in [`ServerMessage::Hello`].
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest control message the bridge accepts, in bytes. Control messages are
/// small; anything larger is hostile or a bug.
pub const MAX_CONTROL_BYTES: usize = 4 * 1024;

/// A control message sent by the client (the tab) to the bridge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Open a TCP connection to `host:port`. At most one per WebSocket.
    Connect {
        /// A host name or an IP address literal.
        host: String,
        /// The TCP port; must be allowed by the bridge's policy.
        port: u16,
        /// Connect timeout; the bridge caps it at its own maximum.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<u64>,
    },
    /// Close the TCP connection (the bridge answers with `closed`).
    Close,
}

/// A control message sent by the bridge to the client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First message on every WebSocket: what this bridge allows.
    Hello {
        /// Always [`PROTOCOL_VERSION`] for this crate.
        version: u32,
        /// The target policy and limits in force.
        policy: PolicyInfo,
    },
    /// The TCP connection is open; binary frames may flow.
    Connected {
        /// The address actually connected to, as `ip:port`.
        peer: String,
        /// Time from the start of the connect attempt (DNS included) to success.
        connect_ms: f64,
    },
    /// A request failed. The WebSocket stays usable unless `closed` follows.
    Error {
        /// The machine-readable cause.
        code: ErrorCode,
        /// A human-readable sentence. Never contains relayed payload bytes.
        message: String,
    },
    /// The TCP connection is gone.
    Closed {
        /// Which side ended it.
        by: ClosedBy,
        /// Why, in words (for example "eof", "idle timeout", "shutdown").
        reason: String,
    },
}

/// The bridge's policy as announced in `hello`, so the UI can explain a
/// refusal before sending anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInfo {
    /// TCP ports a `connect` may name.
    pub allowed_ports: Vec<u16>,
    /// Connect timeout used when the client gives none, and the maximum.
    pub connect_timeout_ms: u64,
    /// A session with no traffic either way for this long is closed.
    pub idle_timeout_ms: u64,
    /// Largest binary frame the bridge accepts from the client.
    pub max_frame_bytes: usize,
    /// Concurrent WebSocket sessions the bridge serves.
    pub max_sessions: usize,
}

/// Why a request failed, as sent in [`ServerMessage::Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The host name did not resolve.
    Dns,
    /// The server actively refused the connection (RST to SYN).
    Refused,
    /// No answer within the connect timeout (often a firewall dropping SYNs).
    Timeout,
    /// No route to the host or network.
    Unreachable,
    /// The connection was reset after it was established.
    Reset,
    /// The target is outside the bridge's policy.
    Forbidden,
    /// A bridge limit was reached (sessions, frame size, bytes).
    Limit,
    /// The message was malformed or not valid in this state.
    BadRequest,
    /// Any other failure on the bridge side.
    Internal,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dns => "dns",
            Self::Refused => "refused",
            Self::Timeout => "timeout",
            Self::Unreachable => "unreachable",
            Self::Reset => "reset",
            Self::Forbidden => "forbidden",
            Self::Limit => "limit",
            Self::BadRequest => "bad_request",
            Self::Internal => "internal",
        }
    }
}

/// Which side ended a TCP connection, as sent in [`ServerMessage::Closed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedBy {
    /// The mail server closed (EOF or reset).
    Server,
    /// The bridge closed (timeout, limit, shutdown).
    Bridge,
    /// The client asked with `close`, or its WebSocket ended.
    Client,
}

/// Why a control message could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The text frame is larger than [`MAX_CONTROL_BYTES`].
    #[error("control message exceeds {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// Not JSON, or not one of the known messages.
    #[error("malformed control message: {0}")]
    Malformed(#[from] serde_json::Error),
}

impl ClientMessage {
    /// Decodes a text frame sent by the client.
    ///
    /// # Errors
    /// [`DecodeError::TooLarge`] before parsing anything oversized, and
    /// [`DecodeError::Malformed`] for anything that is not a known message.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        decode_bounded(text)
    }

    /// Encodes the message as the JSON text of one frame.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("control messages always serialize")
    }
}

impl ServerMessage {
    /// Decodes a text frame sent by the bridge.
    ///
    /// # Errors
    /// As [`ClientMessage::decode`].
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        decode_bounded(text)
    }

    /// Encodes the message as the JSON text of one frame.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("control messages always serialize")
    }

    /// Shorthand for an `error` message.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Error {
            code,
            message: message.into(),
        }
    }
}

fn decode_bounded<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DecodeError> {
    if text.len() > MAX_CONTROL_BYTES {
        return Err(DecodeError::TooLarge {
            limit: MAX_CONTROL_BYTES,
        });
    }
    Ok(serde_json::from_str(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn connect_matches_the_documented_json() {
        let msg = ClientMessage::decode(r#"{"type":"connect","host":"mail.example.com","port":25}"#)
            .expect("valid connect");
        assert_eq!(
            msg,
            ClientMessage::Connect {
                host: "mail.example.com".into(),
                port: 25,
                timeout_ms: None
            }
        );
        let with_timeout = ClientMessage::decode(
            r#"{"type":"connect","host":"h","port":587,"timeout_ms":500}"#,
        )
        .expect("valid connect");
        assert!(matches!(
            with_timeout,
            ClientMessage::Connect {
                timeout_ms: Some(500),
                ..
            }
        ));
        assert_eq!(ClientMessage::Close.encode(), r#"{"type":"close"}"#);
    }

    #[test]
    fn server_messages_use_the_documented_names() {
        let closed = ServerMessage::Closed {
            by: ClosedBy::Server,
            reason: "eof".into(),
        };
        assert_eq!(closed.encode(), r#"{"type":"closed","by":"server","reason":"eof"}"#);
        let err = ServerMessage::error(ErrorCode::BadRequest, "x");
        assert_eq!(err.encode(), r#"{"type":"error","code":"bad_request","message":"x"}"#);
        let connected = ServerMessage::Connected {
            peer: "192.0.2.1:25".into(),
            connect_ms: 12.5,
        };
        assert_eq!(
            connected.encode(),
            r#"{"type":"connected","peer":"192.0.2.1:25","connect_ms":12.5}"#
        );
        let hello = ServerMessage::Hello {
            version: PROTOCOL_VERSION,
            policy: PolicyInfo {
                allowed_ports: vec![25],
                connect_timeout_ms: 10_000,
                idle_timeout_ms: 300_000,
                max_frame_bytes: 65_536,
                max_sessions: 64,
            },
        };
        let text = hello.encode();
        assert!(text.starts_with(r#"{"type":"hello","version":1,"policy":{"#));
        assert_eq!(ServerMessage::decode(&text).expect("round trip"), hello);
        for code in [
            ErrorCode::Dns,
            ErrorCode::Refused,
            ErrorCode::Timeout,
            ErrorCode::Unreachable,
            ErrorCode::Reset,
            ErrorCode::Forbidden,
            ErrorCode::Limit,
            ErrorCode::BadRequest,
            ErrorCode::Internal,
        ] {
            let json = serde_json::to_string(&code).expect("serializes");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn malformed_and_oversized_messages_are_typed_errors() {
        assert!(matches!(
            ClientMessage::decode("not json"),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            ClientMessage::decode(r#"{"type":"launch"}"#),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            ClientMessage::decode(r#"{"type":"connect","host":"h","port":70000}"#),
            Err(DecodeError::Malformed(_))
        ));
        let huge = format!(r#"{{"type":"connect","host":"{}","port":25}}"#, "a".repeat(5000));
        assert!(matches!(
            ClientMessage::decode(&huge),
            Err(DecodeError::TooLarge { .. })
        ));
    }
}
