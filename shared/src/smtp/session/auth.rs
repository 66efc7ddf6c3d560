//! The AUTH exchange of a session (RFC 4954): LOGIN's two prompts, PLAIN's
//! initial response, CRAM-MD5's challenge, and the OAuth mechanisms'
//! initial response with the error challenge a refusal comes as.

use std::time::Duration;

use super::{FailReason, Session, State, Step, Verdict};
use crate::smtp::auth::{
    base64_encode, cram_md5_response, oauthbearer_initial_response, plain_initial_response,
    xoauth2_initial_response, MASK, OAUTHBEARER_ABORT, XOAUTH2_ABORT,
};
use crate::smtp::command::Command;
use crate::smtp::reply::Reply;
use crate::smtp::spec::{AuthMechanism, Stage};

/// Which line of the AUTH exchange waits for its reply.
#[derive(Debug, Clone)]
pub(super) enum AuthRound {
    /// `AUTH LOGIN`, expecting 334 (user name prompt).
    LoginCommand,
    /// The base64 user name, expecting 334 (password prompt).
    LoginUsername,
    /// The base64 password, expecting 235.
    LoginPassword,
    /// `AUTH <mechanism> <initial response>` (PLAIN, XOAUTH2,
    /// OAUTHBEARER), expecting 235; OAuth refusals come as a 334.
    Initial(AuthMechanism),
    /// `AUTH CRAM-MD5`, expecting the 334 challenge.
    CramChallenge,
    /// The CRAM-MD5 answer, expecting 235.
    CramResponse,
    /// The exchange is being ended (after an OAuth error challenge, or a
    /// CRAM-MD5 challenge that is not base64): whatever comes ends the
    /// step; the verdict is this reply unless the server's is a 5xx.
    Cancelling(Reply),
}

impl Session {
    /// Sends the first AUTH line for the spec's mechanism.
    pub(super) fn start_auth(&mut self, now: Duration, mechanism: AuthMechanism) {
        self.start_step(now, Step::Auth);
        let (user, secret) = (self.auth_username(), self.auth_password());
        match mechanism {
            AuthMechanism::Login => {
                self.send(
                    now,
                    State::Auth(AuthRound::LoginCommand),
                    Command::AuthLogin,
                );
            }
            AuthMechanism::CramMd5 => {
                let line = "AUTH CRAM-MD5".to_owned();
                self.queue_line(
                    now,
                    State::Auth(AuthRound::CramChallenge),
                    line.clone(),
                    false,
                    line,
                );
            }
            AuthMechanism::Plain | AuthMechanism::XOAuth2 | AuthMechanism::OAuthBearer => {
                let response = match mechanism {
                    AuthMechanism::Plain => plain_initial_response(&user, &secret),
                    AuthMechanism::XOAuth2 => xoauth2_initial_response(&user, &secret),
                    _ => oauthbearer_initial_response(
                        &user,
                        &self.spec.host,
                        self.spec.port,
                        &secret,
                    ),
                };
                let name = mechanism.as_str();
                let line = format!("AUTH {name} {response}");
                let display = format!("AUTH {name} {MASK}");
                self.send_secret(
                    now,
                    State::Auth(AuthRound::Initial(mechanism)),
                    line,
                    &display,
                );
            }
        }
    }

    /// One reply during AUTH.
    pub(super) fn on_auth_reply(&mut self, now: Duration, round: AuthRound, reply: Reply) {
        let step = Step::Auth;
        let code = reply.code.as_u16();
        match (round, code) {
            (AuthRound::LoginCommand, 334) => {
                self.push_reply(now, step, reply, true);
                let user = base64_encode(&self.auth_username());
                self.send_secret(now, State::Auth(AuthRound::LoginUsername), user, MASK);
            }
            (AuthRound::LoginUsername, 334) => {
                self.push_reply(now, step, reply, true);
                let pass = base64_encode(&self.auth_password());
                self.send_secret(now, State::Auth(AuthRound::LoginPassword), pass, MASK);
            }
            (AuthRound::CramChallenge, 334) => {
                let challenge = reply.text();
                match cram_md5_response(&self.auth_username(), &self.auth_password(), &challenge) {
                    Ok(answer) => {
                        self.push_reply(now, step, reply, true);
                        self.send_secret(now, State::Auth(AuthRound::CramResponse), answer, MASK);
                    }
                    Err(_) => {
                        // RFC 4954 §4: "*" cancels; the server answers 501.
                        self.push_reply(now, step, reply.clone(), false);
                        let cancel = "*".to_owned();
                        let next = State::Auth(AuthRound::Cancelling(reply));
                        self.queue_line(now, next, cancel.clone(), false, cancel);
                    }
                }
            }
            (
                AuthRound::Initial(
                    mechanism @ (AuthMechanism::XOAuth2 | AuthMechanism::OAuthBearer),
                ),
                334,
            ) => {
                // The error challenge (JSON, base64): answer so the server
                // can send its final 5xx (RFC 7628 §3.2.3).
                self.push_reply(now, step, reply.clone(), false);
                let abort = if mechanism == AuthMechanism::XOAuth2 {
                    XOAUTH2_ABORT
                } else {
                    OAUTHBEARER_ABORT
                };
                let next = State::Auth(AuthRound::Cancelling(reply));
                self.queue_line(now, next, abort.to_owned(), false, abort.to_owned());
            }
            (AuthRound::LoginPassword | AuthRound::Initial(_) | AuthRound::CramResponse, 235) => {
                self.step_done(now, reply, Stage::Auth);
            }
            (AuthRound::Cancelling(challenge), _) => {
                self.push_reply(now, step, reply.clone(), false);
                self.finish_step(now, false);
                let why = if reply.code.as_u16() >= 500 {
                    reply
                } else {
                    challenge
                };
                let verdict = Verdict::Failed {
                    step,
                    reason: FailReason::UnexpectedReply(why),
                };
                self.start_quit(now, verdict);
            }
            (_, _) => self.refuse_step(now, reply),
        }
    }
}
