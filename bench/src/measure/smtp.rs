//! SMTP transaction latency: a new session, then EHLO, AUTH LOGIN, MAIL,
//! RCPT, DATA and QUIT, each command sent on its own (no pipelining) after
//! the previous reply, timed from the session's start to the `221`.
//!
//! The commands are fixed bytes, not smtplab's engine
//! (`smtplab_shared::smtp::Session`), on purpose: this measures what each
//! route costs a transaction, and the same bytes go over every route,
//! direct TCP and the raw relays (websocat, websockify) included, which
//! speak no bridge protocol, so the engine's link cannot drive them. Only
//! the transport differs between the columns; the bridge route's
//! handshake goes through the shared link ([`crate::session::open_session`]).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::bail;
use base64::Engine as _;
use smtplab_shared::smtp::{Reply, ReplyParser};
use tokio_tungstenite::tungstenite::Bytes;

use crate::route::{Conn, Route};

/// The login the sandbox accepts.
#[derive(Debug, Clone)]
pub struct Login {
    /// User name.
    pub user: String,
    /// Password.
    pub password: String,
}

/// One transaction on a new session to the SMTP server at `server`;
/// returns its duration, session setup included.
///
/// # Errors
/// When the session fails or a reply has another code than expected.
pub async fn transaction(
    route: &Route,
    server: SocketAddr,
    login: &Login,
) -> anyhow::Result<Duration> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let script: [(String, u16); 9] = [
        ("EHLO bench.smtplab.test\r\n".into(), 250),
        ("AUTH LOGIN\r\n".into(), 334),
        (format!("{}\r\n", b64(&login.user)), 334),
        (format!("{}\r\n", b64(&login.password)), 235),
        ("MAIL FROM:<bench@smtplab.test>\r\n".into(), 250),
        ("RCPT TO:<rcpt@example.org>\r\n".into(), 250),
        ("DATA\r\n".into(), 354),
        (
            "From: bench@smtplab.test\r\nTo: rcpt@example.org\r\nSubject: bench\r\n\r\nhello\r\n.\r\n"
                .into(),
            250,
        ),
        ("QUIT\r\n".into(), 221),
    ];
    let started = Instant::now();
    let mut conn = route.open(server).await?;
    let mut replies = Replies::default();
    expect(replies.next(&mut conn).await?, 220, "greeting")?;
    for (command, code) in script {
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        conn.send(Bytes::from(command)).await?;
        expect(replies.next(&mut conn).await?, code, &verb)?;
    }
    Ok(started.elapsed())
}

fn expect(reply: Reply, code: u16, after: &str) -> anyhow::Result<()> {
    if reply.code.as_u16() != code {
        bail!(
            "after {after}: expected {code}, got {} {}",
            reply.code.as_u16(),
            reply.text()
        );
    }
    Ok(())
}

/// Whole replies out of the received bytes, however they are chunked.
#[derive(Default)]
struct Replies {
    /// The incremental reply parser of smtplab's engine.
    parser: ReplyParser,
    /// Receive buffer, reused.
    buf: Vec<u8>,
}

impl Replies {
    async fn next(&mut self, conn: &mut Conn) -> anyhow::Result<Reply> {
        loop {
            if let Some(reply) = self.parser.next_reply()? {
                return Ok(reply);
            }
            self.buf.clear();
            if conn.recv(&mut self.buf).await? == 0 {
                bail!("the connection ended before a whole reply");
            }
            self.parser.push(&self.buf);
        }
    }
}
