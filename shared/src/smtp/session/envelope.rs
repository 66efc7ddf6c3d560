//! The transaction of a session: MAIL, every RCPT and DATA (or BDAT), one
//! by one or in one PIPELINING flight (RFC 2920), with the ESMTP
//! parameters the message needs, and refused recipients passed over unless
//! the spec is strict.
//!
//! Every command sent waits in `pending` for its reply, so one code path
//! serves both: unpipelined there is never more than one. With a flight,
//! a failure (MAIL refused, say) is kept while the replies still due are
//! read, and QUIT follows the last of them.

use std::time::Duration;

use super::{FailReason, RefusedRecipient, Session, State, Step, Verdict, MAX_TRANSMIT_BYTES};
use crate::smtp::command::Command;
use crate::smtp::envelope::{mail_parameters, rcpt_parameters, requirements, MessageNeeds};
use crate::smtp::message::{wire_size, EncodedMessage, END_OF_DATA};
use crate::smtp::reply::Reply;
use crate::smtp::spec::Stage;

/// A command whose reply has not arrived yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pending {
    /// `MAIL FROM`.
    Mail,
    /// `RCPT TO` for `rcpt_to[index]`.
    Rcpt(usize),
    /// `DATA`.
    Data,
    /// A `BDAT` chunk; `last` for the one with `LAST`.
    Bdat {
        /// This chunk ends the message.
        last: bool,
    },
}

impl Pending {
    fn step(self) -> Step {
        match self {
            Self::Mail => Step::Mail,
            Self::Rcpt(index) => Step::Rcpt(index),
            Self::Data => Step::Data,
            Self::Bdat { .. } => Step::Message,
        }
    }
}

/// What the transaction has learnt so far.
#[derive(Debug, Default)]
pub(super) struct Transaction {
    /// Commands sent, oldest first, awaiting their replies.
    pending: std::collections::VecDeque<Pending>,
    /// Recipients the server took.
    accepted: usize,
    /// Recipients it refused (passed over unless strict).
    pub(super) refused: Vec<RefusedRecipient>,
    /// A failure met inside a flight, kept until its replies are read.
    failure: Option<Verdict>,
    /// Commands per PIPELINING flight.
    pub(super) flights: Vec<usize>,
    /// The message for BDAT and how much of it is sent.
    bdat: Option<(Vec<u8>, usize)>,
}

impl Session {
    fn message_needs(&self) -> MessageNeeds {
        let addresses = std::iter::once(self.spec.mail_from.as_str())
            .chain(self.spec.rcpt_to.iter().map(String::as_str));
        MessageNeeds::of(&self.spec.message, wire_size(&self.spec.message), addresses)
    }

    /// After EHLO and AUTH: checks what the server must offer, then sends
    /// MAIL, and with PIPELINING offered and asked for, the RCPTs and
    /// (when the message follows and goes by DATA) DATA in the same flight.
    pub(super) fn start_transaction(&mut self, now: Duration) {
        let needs = self.message_needs();
        let options = self.spec.envelope.clone();
        let capabilities = self.capabilities.clone();
        self.start_step(now, Step::Mail);
        if let Err(requirement) = requirements(&options, needs, capabilities.as_ref()) {
            self.finish_step(now, false);
            let verdict = Verdict::Failed {
                step: Step::Mail,
                reason: FailReason::NotOffered(requirement),
            };
            self.start_quit(now, verdict);
            return;
        }
        let offered = capabilities.as_ref().is_some_and(|c| c.has("PIPELINING"));
        if options.pipelining && !offered {
            self.events.push_back(super::Event::PipeliningNotOffered);
        }
        let mail = Command::MailFrom(self.spec.mail_from.clone());
        let params = mail_parameters(&options, needs, capabilities.as_ref());
        let mut flight = vec![(Pending::Mail, mail, params)];
        if options.pipelining && offered && self.spec.stop_after >= Stage::Rcpt {
            for index in 0..self.spec.rcpt_to.len() {
                flight.push(self.rcpt_command(index));
            }
            // DATA joins the flight only when a refused recipient cannot
            // stop the message: strict sessions wait for every RCPT reply.
            let data_follows = self.spec.stop_after == Stage::Data
                && options.bdat_chunk.is_none()
                && !options.strict_recipients;
            if data_follows {
                flight.push((Pending::Data, Command::Data, String::new()));
            }
            self.events.push_back(super::Event::Pipelined {
                commands: flight.len(),
            });
            self.transaction.flights.push(flight.len());
        }
        for (pending, command, params) in flight {
            if !self.queue_command(now, pending, &command, &params) {
                return;
            }
        }
        self.await_reply(now, State::Envelope);
    }

    fn rcpt_command(&self, index: usize) -> (Pending, Command, String) {
        let address = self.spec.rcpt_to[index].clone();
        let params = rcpt_parameters(&self.spec.envelope, &address);
        (Pending::Rcpt(index), Command::RcptTo(address), params)
    }

    /// Queues one command line with its parameters, shown under its own
    /// step; false if it could not be encoded (the session failed).
    fn queue_command(
        &mut self,
        now: Duration,
        pending: Pending,
        command: &Command,
        params: &str,
    ) -> bool {
        match command.to_line() {
            Ok(line) => {
                let line = format!("{line}{params}");
                let mut bytes = line.clone().into_bytes();
                bytes.extend_from_slice(b"\r\n");
                for piece in bytes.chunks(MAX_TRANSMIT_BYTES) {
                    self.transmits.push_back(piece.to_vec());
                }
                self.push_sent(pending.step(), line.clone(), false, line);
                self.transaction.pending.push_back(pending);
                true
            }
            Err(e) => {
                self.fail_now(
                    now,
                    FailReason::Aborted(super::AbortReason::Unencodable {
                        detail: e.to_string(),
                    }),
                );
                false
            }
        }
    }

    /// One reply in the transaction: it answers the oldest pending command.
    pub(super) fn on_transaction_reply(&mut self, now: Duration, reply: Reply) {
        let Some(pending) = self.transaction.pending.pop_front() else {
            self.state = State::Envelope;
            self.push_reply(now, self.current_step(), reply, false);
            self.fail_now(now, FailReason::Protocol(super::ProtocolError::Unsolicited));
            return;
        };
        let step = pending.step();
        let code = reply.code.as_u16();
        let ok = match pending {
            Pending::Mail | Pending::Bdat { .. } => code == 250,
            Pending::Rcpt(_) => matches!(code, 250 | 251),
            Pending::Data => code == 354,
        };
        if pending == Pending::Data && ok && self.transaction.failure.is_some() {
            // A 354 although the transaction already failed: the server
            // now reads message text, so QUIT would be taken as such.
            // Close instead; the server drops the unfinished message.
            self.push_reply(now, step, reply, false);
            self.finish_step(now, false);
            let verdict = self.transaction.failure.take().expect("checked above");
            self.finish(verdict);
            return;
        }
        let last_bdat = matches!(pending, Pending::Bdat { last: true });
        if ok && last_bdat {
            self.queue_id = Some(reply.text());
        }
        self.push_reply(now, step, reply.clone(), ok);
        // The message step spans every BDAT chunk; it ends with the last.
        if !(ok && pending == (Pending::Bdat { last: false })) {
            self.finish_step(now, ok);
        }
        match pending {
            Pending::Rcpt(_) if ok => self.transaction.accepted += 1,
            Pending::Rcpt(index) if !self.spec.envelope.strict_recipients => {
                self.transaction.refused.push(RefusedRecipient {
                    index,
                    address: self.spec.rcpt_to[index].clone(),
                    reply: reply.clone(),
                });
            }
            _ => {}
        }
        let fails_here =
            !ok && !matches!(pending, Pending::Rcpt(_) if !self.spec.envelope.strict_recipients);
        // DATA refused because every RCPT was: the recipients are the story.
        let no_recipients = pending == Pending::Data && self.transaction.accepted == 0;
        if (fails_here || no_recipients) && self.transaction.failure.is_none() {
            self.transaction.failure = Some(if no_recipients {
                self.no_recipient_verdict().unwrap_or(Verdict::Failed {
                    step,
                    reason: FailReason::UnexpectedReply(reply),
                })
            } else {
                Verdict::Failed {
                    step,
                    reason: FailReason::UnexpectedReply(reply),
                }
            });
        }
        if let Some(&next) = self.transaction.pending.front() {
            // More replies are due (a flight): wait for the next one.
            self.start_step(now, next.step());
            self.await_reply(now, State::Envelope);
            return;
        }
        if let Some(verdict) = self.transaction.failure.take() {
            self.start_quit(now, verdict);
            return;
        }
        self.after_transaction_reply(now, pending);
    }

    /// Nothing is pending and nothing failed: what follows `answered`.
    fn after_transaction_reply(&mut self, now: Duration, answered: Pending) {
        match answered {
            Pending::Mail => self.advance(now, Stage::Mail),
            Pending::Rcpt(index) if index + 1 < self.spec.rcpt_to.len() => {
                self.start_step(now, Step::Rcpt(index + 1));
                let (pending, command, params) = self.rcpt_command(index + 1);
                if self.queue_command(now, pending, &command, &params) {
                    self.await_reply(now, State::Envelope);
                }
            }
            Pending::Rcpt(_) => match self.no_recipient_verdict() {
                Some(verdict) => self.start_quit(now, verdict),
                None => self.advance(now, Stage::Rcpt),
            },
            Pending::Data => self.send_message(now),
            Pending::Bdat { last: false } => self.send_bdat_chunk(now),
            Pending::Bdat { last: true } => self.advance(now, Stage::Data),
        }
    }

    /// After MAIL's 250 (unpipelined): the first RCPT.
    pub(super) fn send_first_rcpt(&mut self, now: Duration) {
        self.start_step(now, Step::Rcpt(0));
        let (pending, command, params) = self.rcpt_command(0);
        if self.queue_command(now, pending, &command, &params) {
            self.await_reply(now, State::Envelope);
        }
    }

    /// With every RCPT answered and none accepted: the failure, named by
    /// the last refusal.
    fn no_recipient_verdict(&self) -> Option<Verdict> {
        if self.transaction.accepted > 0 {
            return None;
        }
        let last = self.transaction.refused.last()?;
        Some(Verdict::Failed {
            step: Step::Rcpt(last.index),
            reason: FailReason::UnexpectedReply(last.reply.clone()),
        })
    }

    /// After the RCPT stage: DATA, or the first BDAT chunk.
    pub(super) fn start_message(&mut self, now: Duration) {
        if self.spec.envelope.bdat_chunk.is_some() {
            let bytes = EncodedMessage::for_bdat(&self.spec.message).bytes;
            self.transaction.bdat = Some((bytes, 0));
            self.start_step(now, Step::Message);
            self.send_bdat_chunk(now);
        } else {
            self.start_step(now, Step::Data);
            if self.queue_command(now, Pending::Data, &Command::Data, "") {
                self.await_reply(now, State::Envelope);
            }
        }
    }

    /// The next `BDAT` chunk (RFC 3030 §2): `BDAT <size>` or
    /// `BDAT <size> LAST`, then exactly that many bytes.
    fn send_bdat_chunk(&mut self, now: Duration) {
        let chunk_size = self.spec.envelope.bdat_chunk.unwrap_or(u32::MAX) as usize;
        let Some((bytes, sent)) = self.transaction.bdat.as_mut() else {
            return;
        };
        let end = sent.saturating_add(chunk_size.max(1)).min(bytes.len());
        let chunk = bytes[*sent..end].to_vec();
        *sent = end;
        let last = end == bytes.len();
        if self.open_step.is_none() {
            self.start_step(now, Step::Message);
        }
        let line = if last {
            format!("BDAT {} LAST", chunk.len())
        } else {
            format!("BDAT {}", chunk.len())
        };
        let mut first = line.clone().into_bytes();
        first.extend_from_slice(b"\r\n");
        self.transmits.push_back(first);
        self.push_sent(Step::Message, line.clone(), false, line);
        let summary = format!("<chunk: {} bytes>", chunk.len());
        self.push_sent(Step::Message, summary.clone(), false, summary);
        for piece in chunk.chunks(MAX_TRANSMIT_BYTES) {
            self.transmits.push_back(piece.to_vec());
        }
        self.transaction.pending.push_back(Pending::Bdat { last });
        self.await_reply(now, State::Envelope);
    }

    /// After 354: the message, dot-stuffed, and the final `.`.
    pub(super) fn send_message(&mut self, now: Duration) {
        self.start_step(now, Step::Message);
        let message = EncodedMessage::new(&self.spec.message);
        let summary = message.summary();
        self.push_sent(Step::Message, summary.clone(), false, summary);
        for chunk in message.bytes.chunks(MAX_TRANSMIT_BYTES) {
            self.transmits.push_back(chunk.to_vec());
        }
        self.push_sent(Step::Message, ".".to_owned(), false, ".".to_owned());
        self.transmits.push_back(END_OF_DATA.to_vec());
        self.await_reply(now, State::Message);
    }
}
