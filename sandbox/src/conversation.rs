//! One SMTP conversation with no IO: bytes from the client go in
//! ([`Conversation::handle_input`]), reply bytes come out
//! ([`Conversation::take_output`]). `smtp-proto` parses every command
//! (bounded lines), receives DATA (dot-unstuffing, end marker, smuggling-safe)
//! and BDAT chunks, and writes the EHLO and reply lines; this file is the
//! sequencing on top: greeting, EHLO/HELO, AUTH LOGIN/PLAIN for the demo
//! account, MAIL, RCPT, DATA/BDAT, RSET, QUIT.
//!
//! The AUTH steps live in `conversation/auth.rs`, the MAIL/RCPT/DATA/BDAT
//! steps in `conversation/transaction.rs`.
//!
//! Pipelining needs nothing special: every complete command in the input is
//! answered in order, and the driver writes all answers before it reads
//! again (RFC 2920 §3.1).
//! <https://www.rfc-editor.org/rfc/rfc2920#section-3.1>

use std::sync::Arc;

use smtp_proto::request::receiver::{
    BdatReceiver, DataReceiver, DummyDataReceiver, DummyLineReceiver, LineReceiver, RequestReceiver,
};
use smtp_proto::{EhloResponse, Error as ParseError, Request};

use crate::inbox::Inbox;
use crate::reply::{self, write_reply, Reply};

mod auth;
mod transaction;

/// The settings one conversation needs, shared by all of them.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub(crate) hostname: String,
    pub(crate) max_message_bytes: usize,
    pub(crate) max_recipients: usize,
    pub(crate) max_auth_failures: u32,
    pub(crate) require_auth: bool,
    pub(crate) bearer_token: String,
}

/// What the conversation is reading next.
enum Mode {
    /// A command line.
    Command,
    /// The rest of an over-long line, thrown away.
    SkipLine(DummyLineReceiver),
    /// The AUTH PLAIN response after the empty `334`.
    AuthPlain(LineReceiver<()>),
    /// The AUTH LOGIN user name.
    AuthLoginUser(LineReceiver<()>),
    /// The AUTH LOGIN password for `user`.
    AuthLoginPassword {
        user: String,
        line: LineReceiver<()>,
    },
    /// The client's answer to an OAuth error challenge; `535` follows.
    AuthOAuthError(LineReceiver<()>),
    /// DATA content, until the lone `.`.
    Data(DataReceiver),
    /// DATA content past the size limit, thrown away until the lone `.`.
    DataDiscard(DummyDataReceiver),
    /// One BDAT chunk.
    Bdat(BdatReceiver),
    /// A BDAT chunk that will not be kept; `reply` answers it at its end.
    BdatDiscard {
        receiver: DummyDataReceiver,
        reply: Reply,
    },
}

/// The envelope and content of the mail transaction under way.
#[derive(Default)]
struct Transaction {
    mail_from: String,
    rcpt_to: Vec<String>,
    content: Vec<u8>,
    /// BDAT chunks were sent, so DATA may not follow.
    chunked: bool,
}

/// The state of one SMTP connection, from greeting to close.
pub(crate) struct Conversation {
    rules: Arc<Rules>,
    inbox: Inbox,
    requests: RequestReceiver,
    mode: Mode,
    /// The EHLO/HELO name, once given.
    helo: Option<String>,
    authenticated_as: Option<String>,
    auth_failures: u32,
    transaction: Option<Transaction>,
    /// Reply bytes not yet taken by the driver.
    out: Vec<u8>,
    /// Set after `221` or a `421`: the driver closes once `out` is written.
    closing: bool,
    /// The time passed to the current [`Self::handle_input`] call, which
    /// stamps a message delivered during it.
    now_unix_ms: u64,
}

impl Conversation {
    /// A new conversation; its `220` greeting is already queued.
    pub(crate) fn new(rules: Arc<Rules>, inbox: Inbox) -> Self {
        let mut out = Vec::new();
        out.extend_from_slice(
            format!("220 {} ESMTP smtplab sandbox ready\r\n", rules.hostname).as_bytes(),
        );
        Self {
            rules,
            inbox,
            requests: RequestReceiver::default(),
            mode: Mode::Command,
            helo: None,
            authenticated_as: None,
            auth_failures: 0,
            transaction: None,
            out,
            closing: false,
            now_unix_ms: 0,
        }
    }

    /// The reply bytes to write now (possibly none).
    pub(crate) fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Whether the conversation is over: write the last output, then close.
    pub(crate) fn is_closing(&self) -> bool {
        self.closing
    }

    /// Ends the conversation with `reply` (a `421`): idle timeout, time
    /// limit or shutdown.
    pub(crate) fn close_with(&mut self, reply: Reply) {
        if !self.closing {
            reply.write_to(&mut self.out);
            self.closing = true;
        }
    }

    /// Consumes bytes from the client, in any chunking, answering every
    /// complete command. `now_unix_ms` stamps a message delivered here.
    pub(crate) fn handle_input(&mut self, input: &[u8], now_unix_ms: u64) {
        self.now_unix_ms = now_unix_ms;
        let mut bytes = input.iter();
        while !self.closing && !bytes.as_slice().is_empty() {
            let before = bytes.as_slice().len();
            match &mut self.mode {
                Mode::Command => {
                    let request = match self.requests.ingest(&mut bytes) {
                        Ok(request) => Ok(request.into_owned()),
                        Err(e) => Err(e),
                    };
                    match request {
                        Ok(request) => self.handle_request(request),
                        // Every byte is buffered until the line ends.
                        Err(ParseError::NeedsMoreData { .. }) => break,
                        Err(ParseError::ResponseTooLong) => {
                            reply::LINE_TOO_LONG.write_to(&mut self.out);
                            self.mode = Mode::SkipLine(DummyLineReceiver::default());
                        }
                        Err(e) => self.handle_parse_error(e),
                    }
                    if bytes.as_slice().len() == before && matches!(self.mode, Mode::Command) {
                        // A parser result that consumed nothing must not
                        // spin: drop the rest of the line.
                        self.mode = Mode::SkipLine(DummyLineReceiver::default());
                    }
                }
                Mode::SkipLine(skip) => {
                    if skip.ingest(&mut bytes) {
                        self.mode = Mode::Command;
                    }
                }
                Mode::AuthPlain(line) => {
                    if line.ingest(&mut bytes) {
                        let line = take_line(line);
                        self.mode = Mode::Command;
                        self.finish_plain(&line);
                    }
                }
                Mode::AuthLoginUser(line) => {
                    if line.ingest(&mut bytes) {
                        let line = take_line(line);
                        self.mode = Mode::Command;
                        self.login_user(&line);
                    }
                }
                Mode::AuthLoginPassword { user, line } => {
                    if line.ingest(&mut bytes) {
                        let (user, line) = (std::mem::take(user), take_line(line));
                        self.mode = Mode::Command;
                        self.login_password(user, &line);
                    }
                }
                Mode::AuthOAuthError(line) => {
                    if line.ingest(&mut bytes) {
                        self.mode = Mode::Command;
                        self.oauth_refused();
                    }
                }
                Mode::Data(receiver) => {
                    let content = &mut self
                        .transaction
                        .get_or_insert_with(Default::default)
                        .content;
                    let done = receiver.ingest(&mut bytes, content);
                    let too_big = content.len() > self.rules.max_message_bytes;
                    if too_big {
                        content.clear();
                        content.shrink_to_fit();
                    }
                    match (done, too_big) {
                        (true, false) => self.deliver(),
                        (true, true) => self.refuse_too_big(),
                        (false, true) => {
                            self.mode = Mode::DataDiscard(DummyDataReceiver::new_data(receiver));
                        }
                        (false, false) => {}
                    }
                }
                Mode::DataDiscard(receiver) => {
                    if receiver.ingest(&mut bytes) {
                        self.refuse_too_big();
                    }
                }
                Mode::Bdat(receiver) => {
                    let content = &mut self
                        .transaction
                        .get_or_insert_with(Default::default)
                        .content;
                    if receiver.ingest(&mut bytes, content) {
                        let is_last = receiver.is_last;
                        self.mode = Mode::Command;
                        self.chunk_received(is_last);
                    }
                }
                Mode::BdatDiscard { receiver, reply } => {
                    if receiver.ingest(&mut bytes) {
                        let reply = *reply;
                        self.mode = Mode::Command;
                        reply.write_to(&mut self.out);
                    }
                }
            }
        }
    }

    fn handle_request(&mut self, request: Request<String>) {
        match request {
            Request::Ehlo { host } => {
                self.transaction = None;
                self.helo = Some(host);
                let mut ehlo = EhloResponse::new(self.rules.hostname.as_str());
                ehlo.capabilities = smtp_proto::EXT_8BIT_MIME
                    | smtp_proto::EXT_AUTH
                    | smtp_proto::EXT_CHUNKING
                    | smtp_proto::EXT_ENHANCED_STATUS_CODES
                    | smtp_proto::EXT_PIPELINING
                    | smtp_proto::EXT_SIZE
                    | smtp_proto::EXT_SMTP_UTF8;
                ehlo.auth_mechanisms = smtp_proto::AUTH_LOGIN
                    | smtp_proto::AUTH_PLAIN
                    | smtp_proto::AUTH_XOAUTH2
                    | smtp_proto::AUTH_OAUTHBEARER;
                ehlo.size = self.rules.max_message_bytes;
                // Writing to a Vec cannot fail.
                let _ = ehlo.write(&mut self.out);
            }
            Request::Helo { host } => {
                self.transaction = None;
                self.helo = Some(host);
                write_reply(&mut self.out, 250, [2, 0, 0], &self.rules.hostname);
            }
            Request::Auth {
                mechanism,
                initial_response,
            } => self.start_auth(mechanism, &initial_response),
            Request::Mail { from } => self.mail(from.address, from.size),
            Request::Rcpt { to } => self.rcpt(to.address),
            Request::Data => self.data(),
            Request::Bdat {
                chunk_size,
                is_last,
            } => self.bdat(chunk_size, is_last),
            Request::Rset => {
                self.transaction = None;
                reply::OK.write_to(&mut self.out);
            }
            Request::Noop { .. } => reply::OK.write_to(&mut self.out),
            Request::Vrfy { .. } => reply::VRFY.write_to(&mut self.out),
            Request::Quit => {
                reply::BYE.write_to(&mut self.out);
                self.closing = true;
            }
            Request::StartTls => reply::NO_STARTTLS.write_to(&mut self.out),
            Request::Lhlo { .. }
            | Request::Expn { .. }
            | Request::Help { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. }
            | Request::Burl { .. } => reply::NOT_IMPLEMENTED.write_to(&mut self.out),
        }
    }

    fn handle_parse_error(&mut self, error: ParseError) {
        match error {
            ParseError::InvalidSenderAddress => reply::BAD_SENDER.write_to(&mut self.out),
            ParseError::InvalidRecipientAddress => reply::BAD_RECIPIENT.write_to(&mut self.out),
            // `syntax` and `param` are the parser's own words, never peer input.
            ParseError::SyntaxError { syntax } => {
                write_reply(
                    &mut self.out,
                    501,
                    [5, 5, 4],
                    format_args!("Syntax: {syntax}"),
                );
            }
            ParseError::InvalidParameter { param } => {
                write_reply(
                    &mut self.out,
                    501,
                    [5, 5, 4],
                    format_args!("Invalid parameter {param}"),
                );
            }
            ParseError::UnsupportedParameter { .. } => {
                write_reply(&mut self.out, 555, [5, 5, 4], "Unsupported parameter");
            }
            _ => reply::UNKNOWN_COMMAND.write_to(&mut self.out),
        }
    }
}

/// The line a [`LineReceiver`] collected, as text (lossy), leaving it empty.
fn take_line(line: &mut LineReceiver<()>) -> String {
    let text = String::from_utf8_lossy(&line.buf).into_owned();
    line.buf.clear();
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation(inbox: &Inbox) -> Conversation {
        let rules = Rules {
            hostname: "sandbox.test".into(),
            max_message_bytes: 1000,
            max_recipients: 2,
            max_auth_failures: 3,
            require_auth: false,
            bearer_token: "tok".into(),
        };
        Conversation::new(Arc::new(rules), inbox.clone())
    }

    /// Feeds `input` in chunks of `chunk` bytes; returns every reply line.
    fn run(input: &[u8], chunk: usize, inbox: &Inbox) -> Vec<String> {
        let mut c = conversation(inbox);
        let mut out = c.take_output();
        for piece in input.chunks(chunk) {
            c.handle_input(piece, 7);
            out.extend(c.take_output());
        }
        String::from_utf8(out)
            .expect("ascii replies")
            .lines()
            .map(str::to_owned)
            .collect()
    }

    const SESSION: &[u8] = b"EHLO c\r\nAUTH LOGIN\r\nZGVtb0BzYW5kYm94LnNtdHBsYWI=\r\nc210cGxhYi1kZW1v\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n..dot\r\nline\r\n.\r\nQUIT\r\n";

    #[test]
    fn any_chunking_gives_the_same_replies_and_message() {
        let whole = run(SESSION, SESSION.len(), &Inbox::new(10, 1 << 20));
        assert_eq!(
            whole.first().map(String::as_str),
            Some("220 sandbox.test ESMTP smtplab sandbox ready")
        );
        assert!(
            whole.contains(&"235 2.7.0 Authentication successful".to_owned()),
            "{whole:?}"
        );
        assert!(
            whole.contains(&"250 2.0.0 Ok: queued as SBX000001".to_owned()),
            "{whole:?}"
        );
        assert_eq!(whole.last().map(String::as_str), Some("221 2.0.0 Bye"));
        for chunk in [1, 2, 3, 5, 7, 13] {
            let inbox = Inbox::new(10, 1 << 20);
            assert_eq!(run(SESSION, chunk, &inbox), whole, "chunk size {chunk}");
            let m = &inbox.list()[0];
            assert_eq!(m.body, ".dot\r\nline\r\n", "chunk size {chunk}");
            assert_eq!(m.received_at_unix_ms, 7);
        }
    }

    #[test]
    fn empty_message_and_leading_dot_are_read_right() {
        let inbox = Inbox::new(10, 1 << 20);
        let replies = run(
            b"HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<c@d>\r\nDATA\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<c@d>\r\nDATA\r\n..\r\n.\r\n",
            4,
            &inbox,
        );
        assert_eq!(
            replies.iter().filter(|l| l.contains("queued as")).count(),
            2,
            "{replies:?}"
        );
        let messages = inbox.list();
        assert_eq!(messages[0].size, 0);
        assert_eq!(messages[0].mail_from, "");
        assert_eq!(messages[1].body, ".\r\n");
    }

    #[test]
    fn recipient_limit_and_missing_recipients_are_refused() {
        let replies = run(
            b"EHLO c\r\nMAIL FROM:<a@b>\r\nDATA\r\nRCPT TO:<1@x>\r\nRCPT TO:<2@x>\r\nRCPT TO:<3@x>\r\n",
            64,
            &Inbox::new(10, 1 << 20),
        );
        let codes: Vec<&str> = replies
            .iter()
            .skip(1)
            .filter(|l| !l.starts_with("250-"))
            .map(|l| &l[..3])
            .collect();
        assert_eq!(codes, ["250", "250", "554", "250", "250", "452"]);
    }

    #[test]
    fn require_auth_refuses_mail_until_logged_in() {
        let inbox = Inbox::new(10, 1 << 20);
        let mut c = conversation(&inbox);
        Arc::get_mut(&mut c.rules).expect("sole owner").require_auth = true;
        c.handle_input(b"EHLO c\r\nMAIL FROM:<a@b>\r\n", 0);
        let out = String::from_utf8(c.take_output()).expect("ascii");
        assert!(
            out.ends_with("530 5.7.0 Authentication required\r\n"),
            "{out}"
        );
    }
}
