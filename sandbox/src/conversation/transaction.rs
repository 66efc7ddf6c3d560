//! The mail transaction steps of a [`Conversation`]: MAIL, RCPT, DATA,
//! BDAT chunks (RFC 3030), and storing the message with its queue id.
//! <https://www.rfc-editor.org/rfc/rfc5321#section-3.3>

use smtp_proto::request::receiver::{BdatReceiver, DataReceiver, DummyDataReceiver};

use super::{Conversation, Mode, Transaction};
use crate::inbox::Envelope;
use crate::reply::{self, write_reply};

impl Conversation {
    pub(super) fn mail(&mut self, from: String, declared_size: usize) {
        if self.helo.is_none() {
            reply::HELLO_FIRST.write_to(&mut self.out);
        } else if self.transaction.is_some() {
            reply::NESTED_MAIL.write_to(&mut self.out);
        } else if self.rules.require_auth && self.authenticated_as.is_none() {
            reply::AUTH_REQUIRED.write_to(&mut self.out);
        } else if declared_size > self.rules.max_message_bytes {
            self.write_too_big();
        } else {
            self.transaction = Some(Transaction {
                mail_from: from,
                ..Transaction::default()
            });
            reply::SENDER_OK.write_to(&mut self.out);
        }
    }

    pub(super) fn rcpt(&mut self, to: String) {
        let Some(transaction) = self.transaction.as_mut() else {
            return reply::MAIL_FIRST.write_to(&mut self.out);
        };
        if transaction.rcpt_to.len() >= self.rules.max_recipients {
            return reply::TOO_MANY_RECIPIENTS.write_to(&mut self.out);
        }
        transaction.rcpt_to.push(to);
        reply::RECIPIENT_OK.write_to(&mut self.out);
    }

    pub(super) fn data(&mut self) {
        match &self.transaction {
            None => reply::MAIL_FIRST.write_to(&mut self.out),
            Some(t) if t.rcpt_to.is_empty() => reply::NO_RECIPIENTS.write_to(&mut self.out),
            Some(t) if t.chunked => reply::MIXED_DATA_BDAT.write_to(&mut self.out),
            Some(_) => {
                reply::START_DATA.write_to(&mut self.out);
                let mut receiver = DataReceiver::new();
                // The receiver spots `CRLF .` only after a CRLF it has seen;
                // feed it the CRLF that ended the DATA line so a message that
                // starts with `.` (or is empty) is read right.
                let mut primer = Vec::new();
                receiver.ingest(&mut b"\r\n".iter(), &mut primer);
                self.mode = Mode::Data(receiver);
            }
        }
    }

    pub(super) fn bdat(&mut self, chunk_size: usize, is_last: bool) {
        let refusal = match &self.transaction {
            None => Some(reply::MAIL_FIRST),
            Some(t) if t.rcpt_to.is_empty() => Some(reply::NO_RECIPIENTS),
            Some(t)
                if t.content.len().saturating_add(chunk_size) > self.rules.max_message_bytes =>
            {
                // The chunk is read and dropped, and the transaction ends.
                self.transaction = None;
                Some(reply::TOO_BIG)
            }
            Some(_) => None,
        };
        if let Some(reply) = refusal {
            if chunk_size == 0 {
                reply.write_to(&mut self.out);
            } else {
                self.mode = Mode::BdatDiscard {
                    receiver: DummyDataReceiver::new_bdat(chunk_size),
                    reply,
                };
            }
            return;
        }
        if let Some(t) = self.transaction.as_mut() {
            t.chunked = true;
        }
        if chunk_size == 0 {
            // Nothing to read: answer now (the receiver needs input to finish).
            self.chunk_received(is_last);
        } else {
            self.mode = Mode::Bdat(BdatReceiver::new(chunk_size, is_last));
        }
    }

    pub(super) fn chunk_received(&mut self, is_last: bool) {
        if is_last {
            self.deliver();
        } else {
            let size = self.transaction.as_ref().map_or(0, |t| t.content.len());
            write_reply(
                &mut self.out,
                250,
                [2, 0, 0],
                format_args!("{size} octets received"),
            );
        }
    }

    /// Stores the transaction's message and answers with its queue id.
    pub(super) fn deliver(&mut self) {
        self.mode = Mode::Command;
        let Some(transaction) = self.transaction.take() else {
            return reply::MAIL_FIRST.write_to(&mut self.out);
        };
        let size = transaction.content.len();
        let envelope = Envelope {
            helo: self.helo.clone().unwrap_or_default(),
            mail_from: transaction.mail_from,
            rcpt_to: transaction.rcpt_to,
            authenticated_as: self.authenticated_as.clone(),
        };
        let queue_id = self
            .inbox
            .store(envelope, &transaction.content, self.now_unix_ms);
        tracing::info!(%queue_id, size, "sandbox accepted a message");
        write_reply(
            &mut self.out,
            250,
            [2, 0, 0],
            format_args!("Ok: queued as {queue_id}"),
        );
    }

    pub(super) fn refuse_too_big(&mut self) {
        self.mode = Mode::Command;
        self.transaction = None;
        self.write_too_big();
    }

    pub(super) fn write_too_big(&mut self) {
        reply::TOO_BIG.write_to(&mut self.out);
    }
}
