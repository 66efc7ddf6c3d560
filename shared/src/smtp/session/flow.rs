//! The session's sequencing: which reply each state expects and what comes
//! next (greeting, EHLO/HELO, AUTH, MAIL, RCPT, DATA, message, QUIT).

use std::mem;
use std::time::Duration;

use super::{
    Event, FailReason, LoginRound, ProtocolError, Session, State, Step, Verdict, MAX_TRANSMIT_BYTES,
};
use crate::smtp::auth::{base64_encode, plain_initial_response, MASK};
use crate::smtp::capability::Capabilities;
use crate::smtp::command::Command;
use crate::smtp::message::{EncodedMessage, END_OF_DATA};
use crate::smtp::reply::Reply;
use crate::smtp::spec::{AuthMechanism, Stage};

impl Session {
    /// Acts on one complete reply: the sequencing table of the session.
    pub(super) fn on_reply(&mut self, now: Duration, reply: Reply) {
        let step = self.current_step();
        if !self.transmits.is_empty() {
            self.push_reply(now, step, reply, false);
            self.fail_now(now, FailReason::Protocol(ProtocolError::Unsolicited));
            return;
        }
        let code = reply.code.as_u16();
        let state = mem::replace(&mut self.state, State::Finished);
        if code == 421 && !matches!(state, State::Quitting(_)) {
            self.state = state;
            self.push_reply(now, step, reply.clone(), false);
            self.fail_now(now, FailReason::UnexpectedReply(reply));
            return;
        }
        match (state, code) {
            (State::Greeting, 220) => self.step_done(now, reply, Stage::Connect),
            (State::Ehlo, 250) => {
                let capabilities = Capabilities::from_ehlo(&reply);
                self.push_reply(now, step, reply, true);
                self.events
                    .push_back(Event::Capabilities(capabilities.clone()));
                self.capabilities = Some(capabilities);
                self.finish_step(now, true);
                self.advance(now, Stage::Ehlo);
            }
            (State::Ehlo, 500 | 502) => {
                self.push_reply(now, step, reply, false);
                self.finish_step(now, false);
                self.start_step(now, Step::Helo);
                self.send(now, State::Helo, Command::Helo(self.spec.ehlo_name.clone()));
            }
            (State::Helo, 250) => self.step_done(now, reply, Stage::Ehlo),
            (State::AuthLogin(LoginRound::Command), 334) => {
                self.push_reply(now, step, reply, true);
                let user = base64_encode(&self.auth_username());
                self.send_secret(now, State::AuthLogin(LoginRound::Username), user, MASK);
            }
            (State::AuthLogin(LoginRound::Username), 334) => {
                self.push_reply(now, step, reply, true);
                let pass = base64_encode(&self.auth_password());
                self.send_secret(now, State::AuthLogin(LoginRound::Password), pass, MASK);
            }
            (State::AuthLogin(LoginRound::Password) | State::AuthPlain, 235) => {
                self.step_done(now, reply, Stage::Auth);
            }
            (State::Mail, 250) => self.step_done(now, reply, Stage::Mail),
            (State::Rcpt(index), 250 | 251) => {
                self.push_reply(now, step, reply, true);
                self.finish_step(now, true);
                if index + 1 < self.spec.rcpt_to.len() {
                    self.send_rcpt(now, index + 1);
                } else {
                    self.advance(now, Stage::Rcpt);
                }
            }
            (State::Data, 354) => {
                self.push_reply(now, step, reply, true);
                self.finish_step(now, true);
                self.send_message(now);
            }
            (State::Message, 250) => {
                self.queue_id = Some(reply.text());
                self.step_done(now, reply, Stage::Data);
            }
            (State::StartTls, _) => self.on_starttls_reply(now, reply),
            (State::Probe, _) => {
                // A probe's reply is data, whatever it says.
                self.step_done(now, reply, Stage::Ehlo);
            }
            (State::Resetting(verdict), code) => {
                self.push_reply(now, step, reply, code == 250);
                self.finish_step(now, code == 250);
                self.start_quit(now, verdict);
            }
            (State::Quitting(verdict), code) => {
                self.push_reply(now, step, reply, code == 221);
                self.finish_step(now, code == 221);
                self.close_tls();
                self.finish(verdict);
            }
            (_, _) => {
                self.push_reply(now, step, reply.clone(), false);
                self.finish_step(now, false);
                let verdict = Verdict::Failed {
                    step,
                    reason: FailReason::UnexpectedReply(reply),
                };
                self.start_quit(now, verdict);
            }
        }
    }

    /// The expected reply of the last step of `stage` arrived.
    fn step_done(&mut self, now: Duration, reply: Reply, stage: Stage) {
        let step = self.current_step();
        self.push_reply(now, step, reply, true);
        self.finish_step(now, true);
        self.advance(now, stage);
    }

    /// `done` succeeded: start the next stage, or QUIT if `stop_after` is
    /// reached. STARTTLS belongs to the EHLO stage: it runs (with its second
    /// EHLO) even when the session stops after EHLO.
    pub(super) fn advance(&mut self, now: Duration, done: Stage) {
        if done == Stage::Ehlo && self.start_tls_if_wanted(now) {
            return;
        }
        if done == Stage::Ehlo && self.send_next_probe(now) {
            return;
        }
        if done >= self.spec.stop_after {
            let verdict = if done == Stage::Data {
                Verdict::Delivered
            } else {
                Verdict::Completed {
                    stage: self.spec.stop_after,
                }
            };
            if self.extras.rset_before_quit {
                self.start_step(now, Step::Rset);
                self.send(now, State::Resetting(verdict), Command::Rset);
            } else {
                self.start_quit(now, verdict);
            }
            return;
        }
        match done {
            Stage::Connect => {
                self.start_step(now, Step::Ehlo);
                self.send(now, State::Ehlo, Command::Ehlo(self.spec.ehlo_name.clone()));
            }
            Stage::Ehlo
                if self.extras.auth_only_if_offered
                    && self.spec.auth.is_some()
                    && !self.capabilities.as_ref().is_some_and(|c| c.has("AUTH")) =>
            {
                self.start_quit(now, Verdict::Completed { stage: Stage::Ehlo });
            }
            Stage::Ehlo => match self.spec.auth.as_ref().map(|a| a.mechanism) {
                Some(AuthMechanism::Login) => {
                    self.start_step(now, Step::Auth);
                    self.send(
                        now,
                        State::AuthLogin(LoginRound::Command),
                        Command::AuthLogin,
                    );
                }
                Some(AuthMechanism::Plain) => {
                    self.start_step(now, Step::Auth);
                    let response =
                        plain_initial_response(&self.auth_username(), &self.auth_password());
                    let text = format!("AUTH PLAIN {response}");
                    self.send_secret(now, State::AuthPlain, text, "AUTH PLAIN ********");
                }
                None => self.advance(now, Stage::Auth),
            },
            Stage::Auth => {
                self.start_step(now, Step::Mail);
                self.send(
                    now,
                    State::Mail,
                    Command::MailFrom(self.spec.mail_from.clone()),
                );
            }
            Stage::Mail => self.send_rcpt(now, 0),
            Stage::Rcpt => {
                self.start_step(now, Step::Data);
                self.send(now, State::Data, Command::Data);
            }
            Stage::Data => unreachable!("Data is the last stage, handled above"),
        }
    }

    /// Sends the next probe of the extras, if any is left; true if it did.
    fn send_next_probe(&mut self, now: Duration) -> bool {
        let index = self.next_probe;
        let Some(probe) = self.extras.probes.get(index) else {
            return false;
        };
        let (verb, command) = (probe.verb(), probe.command());
        self.next_probe += 1;
        self.start_step(now, Step::Probe { index, verb });
        self.send(now, State::Probe, command);
        true
    }

    fn send_rcpt(&mut self, now: Duration, index: usize) {
        self.start_step(now, Step::Rcpt(index));
        let address = self.spec.rcpt_to[index].clone();
        self.send(now, State::Rcpt(index), Command::RcptTo(address));
    }

    fn send_message(&mut self, now: Duration) {
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

    pub(super) fn start_quit(&mut self, now: Duration, verdict: Verdict) {
        self.start_step(now, Step::Quit);
        self.send(now, State::Quitting(verdict), Command::Quit);
    }
}
