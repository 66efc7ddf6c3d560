//! TLS for a raw link (the console): the same sans-IO channel the engine
//! uses, started when the driver says (after the server's 220 to a typed
//! STARTTLS) or at connect (implicit TLS). Typed bytes are encrypted and
//! server bytes decrypted here, so the bridge still carries ciphertext only.

use crate::smtp::MAX_TRANSMIT_BYTES;
use crate::tls::channel::{OpenError, TlsChannel};
use crate::tls::failure::classify;
use crate::tls::report::build_report;
use crate::tls::{TlsContext, TlsFailure, TlsFailureKind, TlsReport};

/// What one batch of server ciphertext produced.
#[derive(Debug, Default)]
pub(super) struct Decrypted {
    /// The handshake finished with this batch.
    pub(super) established: Option<TlsReport>,
    /// Plaintext from the server.
    pub(super) plaintext: Vec<u8>,
    /// TLS failed; the link ends.
    pub(super) failure: Option<TlsFailure>,
}

/// A raw link's TLS: the driver's context, then the channel once started.
#[derive(Debug)]
pub(super) struct RawTls {
    /// The driver's provider, clock, anchors and verification choice.
    context: TlsContext,
    /// The name checked against the certificate (and sent as SNI).
    host: String,
    /// Handshake at connect, before any plaintext.
    pub(super) implicit: bool,
    /// Present from the start of the handshake on.
    channel: Option<TlsChannel>,
    /// Typed while the handshake ran: sent once it is done.
    waiting: Vec<Vec<u8>>,
    /// The handshake finished.
    established: bool,
    /// A failure ended it; nothing more is sent or read.
    failed: bool,
}

impl RawTls {
    pub(super) fn new(context: TlsContext, host: &str, implicit: bool) -> Self {
        Self {
            context,
            host: host.to_owned(),
            implicit,
            channel: None,
            waiting: Vec::new(),
            established: false,
            failed: false,
        }
    }

    /// True once the handshake started: server bytes are ciphertext.
    pub(super) fn is_started(&self) -> bool {
        self.channel.is_some()
    }

    /// True once the handshake finished.
    pub(super) fn is_established(&self) -> bool {
        self.established
    }

    /// Opens the channel; its ClientHello waits in [`take_outgoing`](Self::take_outgoing).
    pub(super) fn start(&mut self) -> Result<(), TlsFailure> {
        match TlsChannel::open(&self.context, &self.host) {
            Ok(channel) => {
                self.channel = Some(channel);
                Ok(())
            }
            Err(e) => {
                self.failed = true;
                Err(match e {
                    OpenError::ServerName(detail) => TlsFailure {
                        kind: TlsFailureKind::InvalidServerName,
                        detail,
                    },
                    OpenError::Setup(detail) => TlsFailure {
                        kind: TlsFailureKind::Handshake,
                        detail,
                    },
                    OpenError::Tls(e) => classify(&e, &[], &[]),
                })
            }
        }
    }

    /// Server ciphertext in.
    pub(super) fn handle_ciphertext(&mut self, bytes: &[u8]) -> Decrypted {
        let mut out = Decrypted::default();
        let Some(channel) = self.channel.as_mut().filter(|_| !self.failed) else {
            return out;
        };
        let was_handshaking = channel.is_handshaking();
        let result = channel.handle_ciphertext(bytes);
        out.plaintext = channel.take_received();
        if let Err(e) = result {
            self.failed = true;
            let record = channel.check_record();
            let chain = record.as_ref().map_or(&[][..], |r| &r.chain[..]);
            out.failure = Some(classify(&e, chain, channel.first_bytes()));
            return out;
        }
        if was_handshaking && !channel.is_handshaking() {
            self.established = true;
            let unix_now = self.context.unix_now().map(|t| t.as_secs());
            out.established = Some(build_report(
                channel,
                &self.host,
                self.context.verify(),
                unix_now,
            ));
            for plaintext in std::mem::take(&mut self.waiting) {
                if let Err(failure) = self.encrypt(&plaintext) {
                    out.failure = Some(failure);
                    break;
                }
            }
        }
        out
    }

    /// Typed bytes out: encrypted now, or once the handshake is done.
    pub(super) fn send(&mut self, plaintext: &[u8]) -> Result<(), TlsFailure> {
        if self.established {
            self.encrypt(plaintext)
        } else {
            self.waiting.push(plaintext.to_vec());
            Ok(())
        }
    }

    fn encrypt(&mut self, plaintext: &[u8]) -> Result<(), TlsFailure> {
        let Some(channel) = self.channel.as_mut().filter(|_| !self.failed) else {
            return Ok(());
        };
        channel.send(plaintext).map_err(|e| {
            self.failed = true;
            classify(&e, &[], &[])
        })
    }

    /// The next ciphertext for the socket.
    pub(super) fn take_outgoing(&mut self) -> Option<Vec<u8>> {
        self.channel.as_mut()?.take_outgoing(MAX_TRANSMIT_BYTES)
    }
}
