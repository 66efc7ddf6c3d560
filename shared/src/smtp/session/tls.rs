//! The session's TLS steps: whether to send STARTTLS, its reply, the
//! handshake (after STARTTLS or, for implicit TLS, at connect), and moving
//! bytes through the TLS channel once it is up.

use std::mem;
use std::time::Duration;

use super::{
    AbortReason, AfterHandshake, Event, FailReason, Session, State, Step, TlsSkipReason, Verdict,
    MAX_TRANSMIT_BYTES,
};
use crate::smtp::command::Command;
use crate::smtp::reply::Reply;
use crate::smtp::spec::{Stage, TlsMode};
use crate::tls::channel::{OpenError, TlsChannel};
use crate::tls::failure::classify;
use crate::tls::report::build_report;
use crate::tls::{TlsFailure, TlsFailureKind};

/// How much of discarded plaintext the event quotes.
const DISCARDED_QUOTE_BYTES: usize = 200;

impl Session {
    /// After EHLO: sends STARTTLS when the mode wants it and the server
    /// offers it, or settles for plaintext (`StartTlsIfOffered`) or a
    /// failure (`StartTls`). True if it took over the sequencing.
    pub(super) fn start_tls_if_wanted(&mut self, now: Duration) -> bool {
        if self.tls_settled
            || !matches!(
                self.spec.tls,
                TlsMode::StartTls | TlsMode::StartTlsIfOffered
            )
        {
            return false;
        }
        self.tls_settled = true;
        let (skip, why) = match &self.capabilities {
            Some(caps) if caps.has("STARTTLS") => {
                self.start_step(now, Step::StartTls);
                self.send(now, State::StartTls, Command::StartTls);
                return true;
            }
            Some(_) => (
                TlsSkipReason::NotAdvertised,
                "the server's EHLO reply does not offer STARTTLS",
            ),
            None => (
                TlsSkipReason::HeloOnly,
                "the server refused EHLO and answered HELO, so it offers no STARTTLS",
            ),
        };
        if self.spec.tls == TlsMode::StartTlsIfOffered {
            self.events.push_back(Event::TlsSkipped { reason: skip });
            return false;
        }
        self.start_step(now, Step::StartTls);
        self.finish_step(now, false);
        let reason = FailReason::Tls(TlsFailure {
            kind: TlsFailureKind::NotOffered,
            detail: why.to_owned(),
        });
        self.start_quit(
            now,
            Verdict::Failed {
                step: Step::StartTls,
                reason,
            },
        );
        true
    }

    /// The reply to STARTTLS: 220 starts the handshake; a refusal is a
    /// failure, or plaintext from here on with `StartTlsIfOffered` (which
    /// also goes on after another 2xx: such a server did not start TLS).
    pub(super) fn on_starttls_reply(&mut self, now: Duration, reply: Reply) {
        let code = reply.code.as_u16();
        if code == 220 {
            self.push_reply(now, Step::StartTls, reply, true);
            let injected = self.parser.take_buffered();
            if !injected.is_empty() {
                let quoted = &injected[..injected.len().min(DISCARDED_QUOTE_BYTES)];
                self.events.push_back(Event::PlaintextDiscarded {
                    step: Step::StartTls,
                    bytes: injected.len(),
                    text: String::from_utf8_lossy(quoted).into_owned(),
                });
            }
            self.deadline = Some(now + Duration::from_millis(self.spec.timeouts.reply_ms));
            self.begin_handshake(now, AfterHandshake::Ehlo);
            return;
        }
        self.push_reply(now, Step::StartTls, reply.clone(), false);
        self.finish_step(now, false);
        if self.spec.tls == TlsMode::StartTlsIfOffered && matches!(code / 100, 2 | 4 | 5) {
            self.events.push_back(Event::TlsSkipped {
                reason: TlsSkipReason::Refused { reply },
            });
            self.advance(now, Stage::Ehlo);
        } else {
            let verdict = Verdict::Failed {
                step: Step::StartTls,
                reason: FailReason::UnexpectedReply(reply),
            };
            self.start_quit(now, verdict);
        }
    }

    /// Opens the TLS channel (the ClientHello goes out with the next
    /// `poll_transmit`) and waits for the handshake.
    pub(super) fn begin_handshake(&mut self, now: Duration, then: AfterHandshake) {
        let Some(context) = &self.tls_context else {
            self.fail_now(now, FailReason::Aborted(AbortReason::NoTlsContext));
            return;
        };
        match TlsChannel::open(context, &self.spec.host) {
            Ok(channel) => {
                self.tls = Some(channel);
                self.state = State::Handshake(then);
            }
            Err(OpenError::ServerName(detail)) => {
                let failure = TlsFailure {
                    kind: TlsFailureKind::InvalidServerName,
                    detail,
                };
                self.fail_now(now, FailReason::Tls(failure));
            }
            Err(OpenError::Setup(detail)) => {
                self.fail_now(now, FailReason::Aborted(AbortReason::TlsSetup { detail }));
            }
            Err(OpenError::Tls(e)) => {
                self.fail_now(now, FailReason::Tls(classify(&e, &[], &[])));
            }
        }
    }

    /// Ciphertext from the server: drives the handshake, then hands the
    /// decrypted bytes to the SMTP parser.
    pub(super) fn handle_ciphertext(&mut self, now: Duration, bytes: &[u8]) {
        let Some(channel) = self.tls.as_mut() else {
            return;
        };
        let was_handshaking = channel.is_handshaking();
        let result = channel.handle_ciphertext(bytes);
        let plaintext = channel.take_received();
        let handshake_done = was_handshaking && !channel.is_handshaking();
        if let Err(e) = result {
            self.fail_tls(now, &e);
            return;
        }
        if handshake_done {
            self.on_handshake_done(now);
        }
        if !plaintext.is_empty() && !self.is_finished() {
            self.handle_plaintext(now, &plaintext);
        }
    }

    /// Encrypts queued SMTP bytes as needed and returns the next
    /// ciphertext for the socket.
    pub(super) fn poll_ciphertext(&mut self) -> Option<Vec<u8>> {
        let channel = self.tls.as_mut()?;
        let mut failure = None;
        while !channel.is_handshaking() && channel.outgoing_len() < MAX_TRANSMIT_BYTES {
            let Some(plaintext) = self.transmits.pop_front() else {
                break;
            };
            if let Err(e) = channel.send(&plaintext) {
                failure = Some(e);
                break;
            }
        }
        let out = channel.take_outgoing(MAX_TRANSMIT_BYTES);
        if let Some(e) = failure {
            self.fail_tls(self.last_now, &e);
        }
        out
    }

    /// Sends close_notify before the driver closes the connection.
    pub(super) fn close_tls(&mut self) {
        if let Some(channel) = &mut self.tls {
            channel.close();
        }
    }

    /// The handshake finished: report it and carry on with the greeting
    /// (implicit TLS) or a new EHLO (STARTTLS).
    fn on_handshake_done(&mut self, now: Duration) {
        let Some(channel) = &self.tls else {
            return;
        };
        let enforced = self.tls_context.as_ref().is_none_or(|c| c.verify());
        let unix_now = self
            .tls_context
            .as_ref()
            .and_then(|c| c.unix_now())
            .map(|t| t.as_secs());
        let report = build_report(channel, &self.spec.host, enforced, unix_now);
        self.tls_report = Some(report.clone());
        self.events.push_back(Event::TlsEstablished(report));
        match mem::replace(&mut self.state, State::Finished) {
            State::Handshake(AfterHandshake::Greeting) => self.state = State::Greeting,
            State::Handshake(AfterHandshake::Ehlo) => {
                self.finish_step(now, true);
                // RFC 3207 §4.2: forget what was learnt before TLS.
                self.capabilities = None;
                self.start_step(now, Step::Ehlo);
                self.send(now, State::Ehlo, Command::Ehlo(self.spec.ehlo_name.clone()));
            }
            other => self.state = other,
        }
    }

    /// A fatal TLS error: record what was known and finish without QUIT
    /// (the alert rustls queued still goes out).
    fn fail_tls(&mut self, now: Duration, error: &rustls::Error) {
        let Some(channel) = &self.tls else {
            return;
        };
        let record = channel.check_record();
        let chain = record.as_ref().map_or(&[][..], |r| &r.chain[..]);
        let failure = classify(error, chain, channel.first_bytes());
        if self.tls_report.is_none() {
            let enforced = self.tls_context.as_ref().is_none_or(|c| c.verify());
            let unix_now = self
                .tls_context
                .as_ref()
                .and_then(|c| c.unix_now())
                .map(|t| t.as_secs());
            self.tls_report = Some(build_report(channel, &self.spec.host, enforced, unix_now));
        }
        self.fail_now(now, FailReason::Tls(failure));
    }
}
