//! AUTH LOGIN and AUTH PLAIN for the demo account (RFC 4954), as steps of
//! a [`Conversation`]: the `334` challenges, the payload lines, and the
//! failure count that ends a guessing client's connection.
//! <https://www.rfc-editor.org/rfc/rfc4954>

use smtp_proto::request::receiver::LineReceiver;

use super::{Conversation, Mode};
use crate::account::{
    decode_oauthbearer, decode_plain, decode_text, decode_xoauth2, is_demo_account, is_demo_token,
};
use crate::reply;

impl Conversation {
    pub(super) fn start_auth(&mut self, mechanism: u64, initial_response: &str) {
        let refusal = if self.helo.is_none() {
            Some(reply::HELLO_FIRST)
        } else if self.authenticated_as.is_some() {
            Some(reply::ALREADY_AUTHENTICATED)
        } else if self.transaction.is_some() {
            Some(reply::AUTH_IN_TRANSACTION)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            refusal.write_to(&mut self.out);
            return;
        }
        match mechanism {
            smtp_proto::AUTH_PLAIN if initial_response.is_empty() => {
                self.out.extend_from_slice(reply::PLAIN_CHALLENGE);
                self.mode = Mode::AuthPlain(LineReceiver::new(()));
            }
            smtp_proto::AUTH_PLAIN => self.finish_plain(initial_response),
            smtp_proto::AUTH_LOGIN if initial_response.is_empty() => {
                self.out.extend_from_slice(reply::LOGIN_USERNAME);
                self.mode = Mode::AuthLoginUser(LineReceiver::new(()));
            }
            smtp_proto::AUTH_LOGIN => self.login_user(initial_response),
            smtp_proto::AUTH_XOAUTH2 | smtp_proto::AUTH_OAUTHBEARER => {
                self.oauth(mechanism, initial_response);
            }
            _ => reply::MECHANISM_UNSUPPORTED.write_to(&mut self.out),
        }
    }

    pub(super) fn finish_plain(&mut self, line: &str) {
        if line == "*" {
            return reply::AUTH_CANCELLED.write_to(&mut self.out);
        }
        match decode_plain(line) {
            Ok((user, password)) => self.check_credentials(user, &password),
            Err(_) => reply::AUTH_UNREADABLE.write_to(&mut self.out),
        }
    }

    pub(super) fn login_user(&mut self, line: &str) {
        if line == "*" {
            return reply::AUTH_CANCELLED.write_to(&mut self.out);
        }
        match decode_text(line) {
            Ok(user) => {
                self.out.extend_from_slice(reply::LOGIN_PASSWORD);
                self.mode = Mode::AuthLoginPassword {
                    user,
                    line: LineReceiver::new(()),
                };
            }
            Err(_) => reply::AUTH_UNREADABLE.write_to(&mut self.out),
        }
    }

    pub(super) fn login_password(&mut self, user: String, line: &str) {
        if line == "*" {
            return reply::AUTH_CANCELLED.write_to(&mut self.out);
        }
        match decode_text(line) {
            Ok(password) => self.check_credentials(user, &password),
            Err(_) => reply::AUTH_UNREADABLE.write_to(&mut self.out),
        }
    }

    /// XOAUTH2 or OAUTHBEARER with an initial response: the demo account
    /// and the configured token succeed; anything else gets the error
    /// challenge (base64 JSON, as Gmail sends), and `535` after the
    /// client's answer (RFC 7628 §3.2.2).
    fn oauth(&mut self, mechanism: u64, initial_response: &str) {
        let decoded = if mechanism == smtp_proto::AUTH_XOAUTH2 {
            decode_xoauth2(initial_response)
        } else {
            decode_oauthbearer(initial_response)
        };
        match decoded {
            Ok((user, token)) if is_demo_token(&user, &token, &self.rules.bearer_token) => {
                tracing::debug!("sandbox AUTH succeeded");
                self.authenticated_as = Some(user);
                reply::AUTH_OK.write_to(&mut self.out);
            }
            Ok(_) => {
                self.out.extend_from_slice(reply::OAUTH_ERROR_CHALLENGE);
                self.mode = Mode::AuthOAuthError(LineReceiver::new(()));
            }
            Err(_) => reply::AUTH_UNREADABLE.write_to(&mut self.out),
        }
    }

    /// The client answered the error challenge: the refusal.
    pub(super) fn oauth_refused(&mut self) {
        self.refuse_auth();
    }

    fn check_credentials(&mut self, user: String, password: &str) {
        if is_demo_account(&user, password) {
            tracing::debug!("sandbox AUTH succeeded");
            self.authenticated_as = Some(user);
            reply::AUTH_OK.write_to(&mut self.out);
            return;
        }
        self.refuse_auth();
    }

    /// `535`, counted; too many end the connection.
    fn refuse_auth(&mut self) {
        self.auth_failures += 1;
        tracing::debug!(failures = self.auth_failures, "sandbox AUTH failed");
        reply::AUTH_FAILED.write_to(&mut self.out);
        if self.auth_failures >= self.rules.max_auth_failures {
            self.close_with(reply::TOO_MANY_AUTH_FAILURES);
        }
    }
}
