//! The session's sequencing: which reply each state expects and what comes
//! next (greeting, EHLO/HELO, AUTH, MAIL, RCPT, DATA, message, QUIT).

use std::mem;
use std::time::Duration;

use super::{Event, FailReason, ProtocolError, Session, State, Step, Verdict};
use crate::smtp::capability::Capabilities;
use crate::smtp::command::Command;
use crate::smtp::reply::Reply;
use crate::smtp::spec::Stage;

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
            (State::Auth(round), _) => self.on_auth_reply(now, round, reply),
            (State::Envelope, _) => self.on_transaction_reply(now, reply),
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
                self.state = State::Finished;
                self.refuse_step(now, reply);
            }
        }
    }

    /// `reply` is not what the open step needs: it ends the step and
    /// becomes the verdict, then QUIT.
    pub(super) fn refuse_step(&mut self, now: Duration, reply: Reply) {
        let step = self.current_step();
        self.push_reply(now, step, reply.clone(), false);
        self.finish_step(now, false);
        let verdict = Verdict::Failed {
            step,
            reason: FailReason::UnexpectedReply(reply),
        };
        self.start_quit(now, verdict);
    }

    /// The expected reply of the last step of `stage` arrived.
    pub(super) fn step_done(&mut self, now: Duration, reply: Reply, stage: Stage) {
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
                Some(mechanism) => self.start_auth(now, mechanism),
                None => self.advance(now, Stage::Auth),
            },
            Stage::Auth => self.start_transaction(now),
            Stage::Mail => self.send_first_rcpt(now),
            Stage::Rcpt => self.start_message(now),
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

    pub(super) fn start_quit(&mut self, now: Duration, verdict: Verdict) {
        self.start_step(now, Step::Quit);
        self.send(now, State::Quitting(verdict), Command::Quit);
    }
}
