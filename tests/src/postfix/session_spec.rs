//! The session most trials run against a test Postfix: from its test user,
//! over plain TCP to 127.0.0.1, through DATA, with timeouts generous enough
//! for a loaded CI machine.

use smtplab_shared::smtp::{
    AuthMechanism, AuthSpec, Secret, SessionSpec, Stage, Timeouts, TlsMode,
};

use super::MailServer;

impl MailServer {
    /// A session to this server's plaintext port saying `EHLO ehlo_name`,
    /// authenticating as the test user with `mechanism` when given, and
    /// sending `message` from that user to `rcpt_to`; it stops after DATA,
    /// without TLS, each reply awaited up to 15 s.
    pub fn session_spec(
        &self,
        ehlo_name: &str,
        mechanism: Option<AuthMechanism>,
        rcpt_to: Vec<String>,
        message: Vec<u8>,
    ) -> SessionSpec {
        SessionSpec {
            host: "127.0.0.1".to_owned(),
            port: self.port(),
            ehlo_name: ehlo_name.to_owned(),
            auth: mechanism.map(|mechanism| AuthSpec {
                mechanism,
                username: self.user().to_owned(),
                password: Secret::new(self.password()),
            }),
            mail_from: self.user().to_owned(),
            rcpt_to,
            message,
            stop_after: Stage::Data,
            timeouts: Timeouts {
                greeting_ms: 15_000,
                reply_ms: 15_000,
            },
            tls: TlsMode::None,
            envelope: Default::default(),
        }
    }
}
