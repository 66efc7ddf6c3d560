//! The client side of one TLS connection with no IO: ciphertext in,
//! plaintext out, plaintext in, ciphertext out, on top of rustls's
//! unbuffered `UnbufferedClientConnection`.

use rustls::client::UnbufferedClientConnection;
use rustls::pki_types::ServerName;
use rustls::unbuffered::{ConnectionState, EncodeError, EncryptError, UnbufferedStatus};
use rustls::{CipherSuite, Error, NamedGroup, ProtocolVersion};

use super::context::TlsContext;
use super::verifier::{CheckRecord, CheckSlot};

/// Bytes of server data kept from the start of the handshake, to tell
/// "the server is not speaking TLS" apart from other handshake failures.
const FIRST_BYTES_KEPT: usize = 64;

/// One TLS client connection and its buffers.
pub(crate) struct TlsChannel {
    /// rustls's state machine.
    conn: UnbufferedClientConnection,
    /// Ciphertext received and not yet consumed by rustls.
    incoming: Vec<u8>,
    /// Ciphertext waiting for the socket.
    outgoing: Vec<u8>,
    /// Decrypted server bytes not yet taken by the SMTP layer.
    received: Vec<u8>,
    /// What the certificate check found; filled during the handshake.
    record: CheckSlot,
    /// The first server bytes, for diagnosing a peer that is not TLS.
    first_bytes: Vec<u8>,
    /// rustls reported a fatal error; nothing more is processed.
    failed: bool,
}

impl std::fmt::Debug for TlsChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsChannel")
            .field("handshaking", &self.conn.is_handshaking())
            .field("incoming", &self.incoming.len())
            .field("outgoing", &self.outgoing.len())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

/// Why a channel could not be opened.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The host is neither a DNS name nor an IP address.
    ServerName(String),
    /// The context cannot make a client configuration.
    Setup(String),
    /// rustls refused to start.
    Tls(Error),
}

impl TlsChannel {
    /// Starts a handshake with `host` (SNI and the name checked); the
    /// ClientHello is ready in [`take_outgoing`](Self::take_outgoing).
    pub(crate) fn open(context: &TlsContext, host: &str) -> Result<Self, OpenError> {
        let host = host.trim();
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let name = ServerName::try_from(bare.to_owned()).map_err(|e| {
            OpenError::ServerName(format!("{bare:?} is not a valid server name: {e}"))
        })?;
        let (config, record) = context
            .client_config()
            .map_err(|e| OpenError::Setup(e.to_string()))?;
        let conn = UnbufferedClientConnection::new(config, name).map_err(OpenError::Tls)?;
        let mut channel = Self {
            conn,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            received: Vec::new(),
            record,
            first_bytes: Vec::new(),
            failed: false,
        };
        channel.drive(None).map_err(OpenError::Tls)?;
        Ok(channel)
    }

    /// Feeds ciphertext from the server; decrypted bytes collect in
    /// [`take_received`](Self::take_received).
    ///
    /// # Errors
    /// The fatal TLS error (a failed certificate check, a bad record, an
    /// alert from the server). The alert rustls sends back is queued.
    pub(crate) fn handle_ciphertext(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.failed {
            return Ok(());
        }
        let keep = FIRST_BYTES_KEPT.saturating_sub(self.first_bytes.len());
        self.first_bytes
            .extend_from_slice(&bytes[..keep.min(bytes.len())]);
        self.incoming.extend_from_slice(bytes);
        self.drive(None)
    }

    /// Encrypts `plaintext` into the outgoing ciphertext. Only valid once
    /// the handshake is complete.
    pub(crate) fn send(&mut self, plaintext: &[u8]) -> Result<(), Error> {
        if self.failed {
            return Ok(());
        }
        self.drive(Some(Outbound::Data(plaintext)))
    }

    /// Queues a close_notify alert, when the connection is up and healthy.
    pub(crate) fn close(&mut self) {
        if !self.failed && !self.conn.is_handshaking() {
            // A failure here leaves nothing to send; the TCP close follows.
            let _ = self.drive(Some(Outbound::CloseNotify));
        }
    }

    /// Up to `max` bytes of ciphertext for the socket, if any.
    pub(crate) fn take_outgoing(&mut self, max: usize) -> Option<Vec<u8>> {
        if self.outgoing.is_empty() {
            return None;
        }
        let n = max.min(self.outgoing.len());
        Some(self.outgoing.drain(..n).collect())
    }

    /// How much ciphertext is waiting for the socket.
    pub(crate) fn outgoing_len(&self) -> usize {
        self.outgoing.len()
    }

    /// Decrypted server bytes received since the last call.
    pub(crate) fn take_received(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.received)
    }

    /// The handshake is still running.
    pub(crate) fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    /// The first server bytes seen (at most [`FIRST_BYTES_KEPT`]).
    pub(crate) fn first_bytes(&self) -> &[u8] {
        &self.first_bytes
    }

    /// The negotiated protocol, e.g. `TLSv1.3`.
    pub(crate) fn protocol(&self) -> Option<String> {
        self.conn.protocol_version().map(|v| {
            match v {
                ProtocolVersion::TLSv1_3 => "TLSv1.3",
                ProtocolVersion::TLSv1_2 => "TLSv1.2",
                other => return hex_code(u16::from(other)),
            }
            .to_owned()
        })
    }

    /// The negotiated cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub(crate) fn cipher_suite(&self) -> Option<String> {
        self.conn
            .negotiated_cipher_suite()
            .map(|s| suite_name(s.suite()))
    }

    /// The negotiated key-exchange group, e.g. `X25519`.
    pub(crate) fn key_exchange(&self) -> Option<String> {
        self.conn.negotiated_key_exchange_group().map(|g| {
            match g.name() {
                NamedGroup::X25519 => "X25519",
                NamedGroup::secp256r1 => "secp256r1",
                NamedGroup::secp384r1 => "secp384r1",
                NamedGroup::secp521r1 => "secp521r1",
                NamedGroup::X448 => "X448",
                NamedGroup::X25519MLKEM768 => "X25519MLKEM768",
                other => return hex_code(u16::from(other)),
            }
            .to_owned()
        })
    }

    /// What the certificate check found, once it ran.
    pub(crate) fn check_record(&self) -> Option<CheckRecord> {
        self.record
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Runs rustls until it needs more input (and, with `outbound`, until
    /// that has been encrypted).
    fn drive(&mut self, mut outbound: Option<Outbound<'_>>) -> Result<(), Error> {
        loop {
            let UnbufferedStatus { mut discard, state } =
                self.conn.process_tls_records(&mut self.incoming);
            let state = match state {
                Ok(state) => state,
                Err(e) => {
                    self.incoming.drain(..discard);
                    self.fail();
                    return Err(e);
                }
            };
            let mut done = false;
            match state {
                ConnectionState::ReadTraffic(mut traffic) => {
                    while let Some(record) = traffic.next_record() {
                        match record {
                            Ok(record) => {
                                discard += record.discard;
                                self.received.extend_from_slice(record.payload);
                            }
                            Err(e) => {
                                drop(traffic);
                                self.incoming.drain(..discard);
                                self.fail();
                                return Err(e);
                            }
                        }
                    }
                }
                ConnectionState::EncodeTlsData(mut encode) => {
                    encode_into(&mut self.outgoing, |buf| encode.encode(buf))?;
                }
                ConnectionState::TransmitTlsData(transmit) => {
                    // The bytes already sit in `outgoing`; the driver sends
                    // them in order through `poll_transmit`.
                    transmit.done();
                }
                ConnectionState::WriteTraffic(mut write) => match outbound.take() {
                    Some(Outbound::Data(data)) => {
                        encrypt_into(&mut self.outgoing, |buf| write.encrypt(data, buf))?;
                    }
                    Some(Outbound::CloseNotify) => {
                        encrypt_into(&mut self.outgoing, |buf| write.queue_close_notify(buf))?;
                    }
                    None => done = true,
                },
                // close_notify from the server: the TCP close that follows
                // is what the session acts on.
                ConnectionState::PeerClosed => {}
                // BlockedHandshake: needs more server bytes. Closed: over.
                // Early data is for servers only.
                _ => done = true,
            }
            self.incoming.drain(..discard);
            if done {
                return match outbound {
                    // The engine only sends once the handshake is over.
                    Some(_) => Err(Error::General(
                        "data to send before the TLS handshake finished".to_owned(),
                    )),
                    None => Ok(()),
                };
            }
        }
    }

    /// Marks the channel dead and takes the alert rustls queued. rustls
    /// hands a queued record out before it looks at input again, so one
    /// call gets the alert without re-reading the bad bytes; the buffer
    /// must still be the connection's own (its deframer keeps offsets).
    fn fail(&mut self) {
        self.failed = true;
        let UnbufferedStatus { state, .. } = self.conn.process_tls_records(&mut self.incoming);
        if let Ok(ConnectionState::EncodeTlsData(mut encode)) = state {
            // Without room for the alert there is nothing else to do: the
            // session ends and the TCP close tells the server.
            let _ = encode_into(&mut self.outgoing, |buf| encode.encode(buf));
        }
    }
}

/// What to encrypt in the next `WriteTraffic` state.
enum Outbound<'a> {
    /// Application data.
    Data(&'a [u8]),
    /// A close_notify alert.
    CloseNotify,
}

/// Appends an encoded handshake record to `out`, growing it as rustls asks.
fn encode_into(
    out: &mut Vec<u8>,
    mut encode: impl FnMut(&mut [u8]) -> Result<usize, EncodeError>,
) -> Result<(), Error> {
    let start = out.len();
    let mut room = 2048;
    loop {
        out.resize(start + room, 0);
        match encode(&mut out[start..]) {
            Ok(written) => {
                out.truncate(start + written);
                return Ok(());
            }
            Err(EncodeError::InsufficientSize(e)) => room = e.required_size,
            Err(e) => {
                out.truncate(start);
                return Err(Error::General(e.to_string()));
            }
        }
    }
}

/// Appends encrypted records to `out`, growing it as rustls asks.
fn encrypt_into(
    out: &mut Vec<u8>,
    mut encrypt: impl FnMut(&mut [u8]) -> Result<usize, EncryptError>,
) -> Result<(), Error> {
    let start = out.len();
    let mut room = 2048;
    loop {
        out.resize(start + room, 0);
        match encrypt(&mut out[start..]) {
            Ok(written) => {
                out.truncate(start + written);
                return Ok(());
            }
            Err(EncryptError::InsufficientSize(e)) => room = e.required_size,
            Err(e) => {
                out.truncate(start);
                return Err(Error::General(e.to_string()));
            }
        }
    }
}

/// The IANA name of the suites a TLS client can negotiate today (rustls's
/// suites, whichever provider the driver passes), else the code point.
/// A table of our own because rustls's `as_str` links the names of every
/// suite ever registered, about 15 KB of the tab's wasm.
fn suite_name(suite: CipherSuite) -> String {
    match suite {
        CipherSuite::TLS13_AES_128_GCM_SHA256 => "TLS13_AES_128_GCM_SHA256",
        CipherSuite::TLS13_AES_256_GCM_SHA384 => "TLS13_AES_256_GCM_SHA384",
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256 => "TLS13_CHACHA20_POLY1305_SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => {
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
        }
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => {
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        }
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        }
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => {
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        }
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => {
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        }
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        }
        other => return hex_code(u16::from(other)),
    }
    .to_owned()
}

/// A code point with no name in our tables, e.g. `0x1302`.
fn hex_code(code: u16) -> String {
    format!("0x{code:04X}")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn our_suite_names_are_rustls_names_and_others_are_code_points() {
        for suite in [
            CipherSuite::TLS13_AES_128_GCM_SHA256,
            CipherSuite::TLS13_AES_256_GCM_SHA384,
            CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ] {
            assert_eq!(Some(suite_name(suite).as_str()), suite.as_str());
        }
        assert_eq!(suite_name(CipherSuite::from(0x00ff)), "0x00FF");
        assert_eq!(hex_code(0x1302), "0x1302");
    }
}
