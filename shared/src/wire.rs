//! The bridge wire protocol: the JSON control messages carried in WebSocket
//! text frames between the tab and the bridge.
//!
//! Binary frames carry raw TCP bytes and have no type here. The message and
//! field names are a fixed contract (docs/protocol.md): later versions add
//! messages and fields, never rename these.

pub mod sandbox;
use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The protocol version sent in [`ServerMessage::Hello`].
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest control message the bridge accepts, in bytes. Control messages are
/// small; anything larger is hostile or a bug.
pub const MAX_CONTROL_BYTES: usize = 4 * 1024;

/// Largest control message the tab accepts from the bridge, in bytes: a
/// `resolved` with many TXT records or an `mta_sts_policy` (whose body is
/// at most [`MAX_MTA_STS_POLICY_BYTES`]) is larger than a request.
pub const MAX_SERVER_MESSAGE_BYTES: usize = 96 * 1024;

/// Largest MTA-STS policy body the bridge fetches (RFC 8461 §3.3 lets
/// senders cap it; 64 KiB is what it suggests).
pub const MAX_MTA_STS_POLICY_BYTES: usize = 64 * 1024;

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
    /// Look up DNS records of `name`; answered with [`ServerMessage::Resolved`]
    /// or an [`ServerMessage::Error`] (`nxdomain`, `no_records`, `servfail`,
    /// `timeout`, `dns`). Independent of any TCP connection.
    Resolve {
        /// The name to look up (a trailing dot is allowed).
        name: String,
        /// Which records.
        rtype: RecordType,
        /// Correlation number echoed in `resolved`; optional.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u32>,
    },
    /// Fetch the MTA-STS policy of `domain` (RFC 8461 §3.3): the bridge's
    /// own HTTPS client GETs `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`
    /// with the certificate checked against Mozilla's roots, no redirects,
    /// a bounded body and a deadline; answered with
    /// [`ServerMessage::MtaStsPolicy`] or an `error` (`dns`, `refused`,
    /// `timeout`, `https`, `bad_request`, …). Only this URL can be fetched,
    /// so this is no HTTP proxy. See docs/security.md.
    FetchMtaSts {
        /// The policy domain (a trailing dot is allowed).
        domain: String,
        /// Correlation number echoed in `mta_sts_policy`; optional.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u32>,
    },
}

/// A DNS record type a [`ClientMessage::Resolve`] may ask for. On the wire
/// as in zone files: `"MX"`, `"A"`, `"AAAA"`, `"TXT"`, `"PTR"`, `"TLSA"`,
/// `"CNAME"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RecordType {
    /// Mail exchangers (RFC 5321 §5.1).
    #[serde(rename = "MX")]
    Mx,
    /// IPv4 addresses.
    #[serde(rename = "A")]
    A,
    /// IPv6 addresses.
    #[serde(rename = "AAAA")]
    Aaaa,
    /// Text records (SPF, DMARC, MTA-STS, TLS-RPT, …).
    #[serde(rename = "TXT")]
    Txt,
    /// Reverse DNS: ask for the `in-addr.arpa` / `ip6.arpa` name
    /// ([`reverse_name`]).
    #[serde(rename = "PTR")]
    Ptr,
    /// DANE certificate associations (RFC 6698), at `_25._tcp.HOST`.
    #[serde(rename = "TLSA")]
    Tlsa,
    /// The alias a name points to (not followed).
    #[serde(rename = "CNAME")]
    Cname,
}

impl RecordType {
    /// The type as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mx => "MX",
            Self::A => "A",
            Self::Aaaa => "AAAA",
            Self::Txt => "TXT",
            Self::Ptr => "PTR",
            Self::Tlsa => "TLSA",
            Self::Cname => "CNAME",
        }
    }
}

/// The name to ask PTR records of for `address` (RFC 1035 §3.5, RFC 3596
/// §2.5): `4.3.2.1.in-addr.arpa`, or 32 nibbles under `ip6.arpa`.
pub fn reverse_name(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        IpAddr::V6(v6) => {
            let mut name = String::with_capacity(72);
            for byte in v6.octets().iter().rev() {
                name.push_str(&format!("{:x}.{:x}.", byte & 0xf, byte >> 4));
            }
            name.push_str("ip6.arpa");
            name
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One DNS record in [`ServerMessage::Resolved`]; the shape tells the kind.
///
/// JSON: `{"preference":10,"exchange":"mx1.example.com"}` for MX,
/// `{"address":"192.0.2.1"}` (or an IPv6 address) for A and AAAA,
/// `{"text":"v=spf1 -all"}` for TXT, `{"name":"mx.example.com"}` for PTR
/// and CNAME, `{"usage":3,"selector":1,"matching_type":1,"data":"ab…"}`
/// for TLSA.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DnsRecord {
    /// An MX record.
    Mx {
        /// Lower is tried first.
        preference: u16,
        /// The mail server's host name, as in the zone (a trailing dot may
        /// be kept; `"."` alone is a null MX, RFC 7505).
        exchange: String,
    },
    /// An A or AAAA record.
    Address {
        /// The address.
        address: IpAddr,
    },
    /// A TLSA record (RFC 6698 §2.1).
    Tlsa {
        /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
        usage: u8,
        /// 0: the whole certificate; 1: its SubjectPublicKeyInfo.
        selector: u8,
        /// 0: the data itself; 1: SHA-256; 2: SHA-512.
        matching_type: u8,
        /// The association data, lower-case hex.
        data: String,
    },
    /// A TXT record: its character-strings joined with nothing between
    /// them (RFC 7208 §3.3); bytes that are not UTF-8 become U+FFFD.
    Txt {
        /// The text.
        text: String,
    },
    /// A PTR or CNAME record: the name it points to, without the trailing
    /// dot.
    Name {
        /// The target name.
        name: String,
    },
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
    /// The answer to [`ClientMessage::Resolve`]: at least one record.
    /// (An empty answer is an `error` with code `no_records`.)
    Resolved {
        /// The name as asked.
        name: String,
        /// The type as asked.
        rtype: RecordType,
        /// The records, in the resolver's order.
        records: Vec<DnsRecord>,
        /// The request's `id`, when it had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u32>,
        /// DNSSEC: `Some(true)` when the bridge validates (`--dnssec`) and
        /// the answer is signed and valid, `Some(false)` when it validates
        /// and the answer is unsigned (insecure); absent when the bridge
        /// does not validate, so nothing can be said. A bogus answer is an
        /// `error` with code `dnssec`, never a `resolved`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authenticated: Option<bool>,
    },
    /// The answer to [`ClientMessage::FetchMtaSts`]: the policy as served
    /// (`200 OK`, `text/plain`, at most [`MAX_MTA_STS_POLICY_BYTES`]). It is
    /// not judged here; `shared::posture` parses it.
    MtaStsPolicy {
        /// The policy domain as asked (lower case, no trailing dot).
        domain: String,
        /// The URL fetched.
        url: String,
        /// The body, as UTF-8 (invalid bytes become U+FFFD).
        body: String,
        /// The `Content-Type` header, when there was one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        /// The request's `id`, when it had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u32>,
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
    /// `resolve`: the name does not exist (NXDOMAIN).
    Nxdomain,
    /// `resolve`: the name exists but has no record of the asked type
    /// (NOERROR with an empty answer, "NODATA").
    NoRecords,
    /// `resolve`: the DNS servers failed to answer (SERVFAIL, REFUSED).
    Servfail,
    /// `resolve` with `--dnssec`: the answer failed DNSSEC validation
    /// (bogus signatures, a broken chain of trust).
    Dnssec,
    /// `fetch_mta_sts`: the HTTPS fetch failed after connecting (TLS or
    /// certificate failure, a status other than 200, a redirect, a body
    /// over the limit).
    Https,
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
            Self::Nxdomain => "nxdomain",
            Self::NoRecords => "no_records",
            Self::Servfail => "servfail",
            Self::Dnssec => "dnssec",
            Self::Https => "https",
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
        decode_bounded(text, MAX_CONTROL_BYTES)
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
    /// As [`ClientMessage::decode`], with the larger bound
    /// [`MAX_SERVER_MESSAGE_BYTES`].
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        decode_bounded(text, MAX_SERVER_MESSAGE_BYTES)
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

fn decode_bounded<T: serde::de::DeserializeOwned>(
    text: &str,
    limit: usize,
) -> Result<T, DecodeError> {
    if text.len() > limit {
        return Err(DecodeError::TooLarge { limit });
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
        let msg =
            ClientMessage::decode(r#"{"type":"connect","host":"mail.example.com","port":25}"#)
                .expect("valid connect");
        assert_eq!(
            msg,
            ClientMessage::Connect {
                host: "mail.example.com".into(),
                port: 25,
                timeout_ms: None
            }
        );
        let with_timeout =
            ClientMessage::decode(r#"{"type":"connect","host":"h","port":587,"timeout_ms":500}"#)
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
        assert_eq!(
            closed.encode(),
            r#"{"type":"closed","by":"server","reason":"eof"}"#
        );
        let err = ServerMessage::error(ErrorCode::BadRequest, "x");
        assert_eq!(
            err.encode(),
            r#"{"type":"error","code":"bad_request","message":"x"}"#
        );
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
            ErrorCode::Nxdomain,
            ErrorCode::NoRecords,
            ErrorCode::Servfail,
        ] {
            let json = serde_json::to_string(&code).expect("serializes");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn resolve_matches_the_documented_json() {
        let msg = ClientMessage::decode(r#"{"type":"resolve","name":"example.com","rtype":"MX"}"#)
            .expect("valid resolve");
        assert_eq!(
            msg,
            ClientMessage::Resolve {
                name: "example.com".into(),
                rtype: RecordType::Mx,
                id: None
            }
        );
        let with_id = ClientMessage::Resolve {
            name: "mx1.example.com".into(),
            rtype: RecordType::Aaaa,
            id: Some(7),
        };
        assert_eq!(
            with_id.encode(),
            r#"{"type":"resolve","name":"mx1.example.com","rtype":"AAAA","id":7}"#
        );
        assert_eq!(
            ClientMessage::decode(&with_id.encode()).expect("round trip"),
            with_id
        );
        for (rtype, text) in [
            (RecordType::Mx, "MX"),
            (RecordType::A, "A"),
            (RecordType::Aaaa, "AAAA"),
            (RecordType::Txt, "TXT"),
            (RecordType::Ptr, "PTR"),
            (RecordType::Tlsa, "TLSA"),
            (RecordType::Cname, "CNAME"),
        ] {
            assert_eq!(rtype.as_str(), text);
            assert_eq!(
                serde_json::to_string(&rtype).expect("serializes"),
                format!("\"{text}\"")
            );
        }
        assert!(matches!(
            ClientMessage::decode(r#"{"type":"resolve","name":"example.com","rtype":"mx"}"#),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            ClientMessage::decode(r#"{"type":"resolve","name":"example.com","rtype":"SOA"}"#),
            Err(DecodeError::Malformed(_))
        ));
    }

    #[test]
    fn new_record_shapes_and_reverse_names_match_the_documented_json() {
        let text = r#"{"type":"resolved","name":"_25._tcp.mx.example","rtype":"TLSA","records":[{"usage":3,"selector":1,"matching_type":1,"data":"ab01"}],"authenticated":true}"#;
        let msg = ServerMessage::Resolved {
            name: "_25._tcp.mx.example".into(),
            rtype: RecordType::Tlsa,
            records: vec![DnsRecord::Tlsa {
                usage: 3,
                selector: 1,
                matching_type: 1,
                data: "ab01".into(),
            }],
            id: None,
            authenticated: Some(true),
        };
        assert_eq!(msg.encode(), text);
        assert_eq!(ServerMessage::decode(text).expect("valid"), msg);
        for (json, record) in [
            (
                r#"{"text":"v=spf1 -all"}"#,
                DnsRecord::Txt {
                    text: "v=spf1 -all".into(),
                },
            ),
            (
                r#"{"name":"mx.example"}"#,
                DnsRecord::Name {
                    name: "mx.example".into(),
                },
            ),
        ] {
            assert_eq!(serde_json::to_string(&record).expect("json"), json);
            assert_eq!(
                serde_json::from_str::<DnsRecord>(json).expect("valid"),
                record
            );
        }
        let policy = r#"{"type":"fetch_mta_sts","domain":"example.com","id":3}"#;
        assert_eq!(
            ClientMessage::decode(policy).expect("valid"),
            ClientMessage::FetchMtaSts {
                domain: "example.com".into(),
                id: Some(3)
            }
        );
        assert_eq!(
            reverse_name("192.0.2.10".parse().expect("ip")),
            "10.2.0.192.in-addr.arpa"
        );
        assert_eq!(
            reverse_name("2001:db8::1".parse().expect("ip")),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
        // A server message may be larger than a request, but is bounded too.
        let big = format!(
            r#"{{"type":"error","code":"dns","message":"{}"}}"#,
            "x".repeat(MAX_CONTROL_BYTES)
        );
        assert!(ServerMessage::decode(&big).is_ok());
        assert!(matches!(
            ClientMessage::decode(&big),
            Err(DecodeError::TooLarge { .. })
        ));
        let huge = "x".repeat(MAX_SERVER_MESSAGE_BYTES + 1);
        assert!(matches!(
            ServerMessage::decode(&huge),
            Err(DecodeError::TooLarge { .. })
        ));
    }

    #[test]
    fn resolved_matches_the_documented_json() {
        let mx = ServerMessage::Resolved {
            name: "example.com".into(),
            rtype: RecordType::Mx,
            records: vec![
                DnsRecord::Mx {
                    preference: 10,
                    exchange: "mx1.example.com".into(),
                },
                DnsRecord::Mx {
                    preference: 20,
                    exchange: "mx2.example.com".into(),
                },
            ],
            id: Some(1),
            authenticated: None,
        };
        let text = r#"{"type":"resolved","name":"example.com","rtype":"MX","records":[{"preference":10,"exchange":"mx1.example.com"},{"preference":20,"exchange":"mx2.example.com"}],"id":1}"#;
        assert_eq!(mx.encode(), text);
        assert_eq!(ServerMessage::decode(text).expect("valid resolved"), mx);
        let a = ServerMessage::Resolved {
            name: "mx1.example.com".into(),
            rtype: RecordType::A,
            records: vec![DnsRecord::Address {
                address: "192.0.2.1".parse().expect("literal"),
            }],
            id: None,
            authenticated: None,
        };
        let text = r#"{"type":"resolved","name":"mx1.example.com","rtype":"A","records":[{"address":"192.0.2.1"}]}"#;
        assert_eq!(a.encode(), text);
        assert_eq!(ServerMessage::decode(text).expect("valid resolved"), a);
        let v6 = r#"{"type":"resolved","name":"h","rtype":"AAAA","records":[{"address":"2001:db8::1"}]}"#;
        let ServerMessage::Resolved { records, .. } = ServerMessage::decode(v6).expect("valid")
        else {
            panic!("not resolved");
        };
        assert_eq!(
            records,
            vec![DnsRecord::Address {
                address: "2001:db8::1".parse().expect("literal")
            }]
        );
        // An address that is no IP, or a record of neither shape, is refused.
        for bad in [
            r#"{"type":"resolved","name":"h","rtype":"A","records":[{"address":"mx.example"}]}"#,
            r#"{"type":"resolved","name":"h","rtype":"MX","records":[{"preference":10}]}"#,
        ] {
            assert!(
                matches!(ServerMessage::decode(bad), Err(DecodeError::Malformed(_))),
                "{bad}"
            );
        }
        let err = ServerMessage::error(ErrorCode::Nxdomain, "example.invalid does not exist");
        assert_eq!(
            err.encode(),
            r#"{"type":"error","code":"nxdomain","message":"example.invalid does not exist"}"#
        );
        assert_eq!(
            serde_json::to_string(&ErrorCode::NoRecords).expect("serializes"),
            r#""no_records""#
        );
        assert_eq!(
            serde_json::to_string(&ErrorCode::Servfail).expect("serializes"),
            r#""servfail""#
        );
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
        let huge = format!(
            r#"{{"type":"connect","host":"{}","port":25}}"#,
            "a".repeat(5000)
        );
        assert!(matches!(
            ClientMessage::decode(&huge),
            Err(DecodeError::TooLarge { .. })
        ));
    }
}
