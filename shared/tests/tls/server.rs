//! A small scripted SMTP server on rustls's `ServerConnection`, in memory:
//! bytes in from the client, bytes out to it, plaintext or TLS (STARTTLS
//! or implicit), with AUTH PLAIN/LOGIN checked against one account.

use std::io::{Read, Write};
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rustls::{ServerConfig, ServerConnection};

use super::pki::ServerIdentity;

/// The account AUTH accepts.
pub(crate) const USER: &str = "kim@test.example";
/// Its password.
pub(crate) const PASSWORD: &str = "S3cret-Pa55";

/// How the server behaves.
#[derive(Clone)]
pub(crate) struct Script {
    /// TLS from the first byte (no plaintext greeting).
    pub(crate) implicit: bool,
    /// EHLO advertises STARTTLS (before TLS).
    pub(crate) offer_starttls: bool,
    /// The reply to STARTTLS; TLS starts only if it begins with `220`.
    pub(crate) starttls_reply: &'static str,
    /// Plaintext written right after the 220 to STARTTLS, in the same
    /// write (a man in the middle's injection).
    pub(crate) inject_after_starttls: &'static [u8],
    /// AUTH is advertised and accepted only under TLS (Postfix's
    /// `smtpd_tls_auth_only`).
    pub(crate) auth_only_under_tls: bool,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            implicit: false,
            offer_starttls: true,
            starttls_reply: "220 2.0.0 Ready to start TLS",
            inject_after_starttls: b"",
            auth_only_under_tls: true,
        }
    }
}

/// The server's side of one connection.
pub(crate) struct SmtpServer {
    script: Script,
    config: Arc<ServerConfig>,
    /// Present from the start of the handshake on.
    tls: Option<ServerConnection>,
    /// Received SMTP bytes not yet a whole line.
    inbox: Vec<u8>,
    /// Bytes for the client (ciphertext once TLS is up).
    outbox: Vec<u8>,
    /// Inside DATA, until the lone `.`.
    in_data: bool,
    /// The AUTH LOGIN round waiting for a line (1: user name, 2: password).
    login_round: u8,
    /// The user name of the AUTH LOGIN in progress.
    login_user: String,
    /// Every line received outside DATA, with whether TLS carried it.
    pub(crate) lines: Vec<(bool, String)>,
    /// The message body lines received in DATA.
    pub(crate) data: Vec<String>,
    /// Why the server side of TLS failed, if it did.
    pub(crate) tls_error: Option<rustls::Error>,
}

impl SmtpServer {
    /// A server presenting `identity`; the greeting is queued at once.
    pub(crate) fn new(script: Script, identity: &ServerIdentity) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default versions")
            .with_no_client_auth()
            .with_single_cert(identity.chain.clone(), identity.key())
            .expect("valid server certificate and key");
        let mut server = Self {
            script,
            config: Arc::new(config),
            tls: None,
            inbox: Vec::new(),
            outbox: Vec::new(),
            in_data: false,
            login_round: 0,
            login_user: String::new(),
            lines: Vec::new(),
            data: Vec::new(),
            tls_error: None,
        };
        if server.script.implicit {
            server.start_tls();
        }
        server.say("220 mx.test.example ESMTP smtplab-test");
        server
    }

    /// Bytes the client sent.
    pub(crate) fn receive(&mut self, bytes: &[u8]) {
        if self.tls.is_none() {
            self.inbox.extend_from_slice(bytes);
            self.handle_lines();
            return;
        }
        if self.tls_error.is_some() {
            return;
        }
        let mut rest = bytes;
        while !rest.is_empty() {
            let Some(conn) = self.tls.as_mut() else {
                return;
            };
            if let Err(e) = conn.read_tls(&mut rest) {
                panic!("server read_tls: {e}");
            }
            if let Err(e) = conn.process_new_packets() {
                self.tls_error = Some(e);
                self.flush_tls();
                return;
            }
            let mut plain = Vec::new();
            match conn.reader().read_to_end(&mut plain) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("server reader: {e}"),
            }
            self.inbox.extend_from_slice(&plain);
            self.handle_lines();
        }
        self.flush_tls();
    }

    /// Bytes for the client since the last call.
    pub(crate) fn take_output(&mut self) -> Vec<u8> {
        self.flush_tls();
        std::mem::take(&mut self.outbox)
    }

    /// True once the TLS handshake finished on the server side.
    pub(crate) fn is_encrypted(&self) -> bool {
        self.tls.as_ref().is_some_and(|c| !c.is_handshaking())
    }

    fn start_tls(&mut self) {
        let conn = ServerConnection::new(self.config.clone()).expect("server connection");
        self.tls = Some(conn);
    }

    fn flush_tls(&mut self) {
        if let Some(conn) = self.tls.as_mut() {
            while conn.wants_write() {
                conn.write_tls(&mut self.outbox).expect("writing to a Vec");
            }
        }
    }

    /// Sends one reply (lines joined by CRLF).
    fn say(&mut self, reply: &str) {
        let text = format!("{}\r\n", reply.replace('\n', "\r\n"));
        match self.tls.as_mut() {
            Some(conn) => conn
                .writer()
                .write_all(text.as_bytes())
                .expect("buffered until the handshake ends"),
            None => self.outbox.extend_from_slice(text.as_bytes()),
        }
    }

    fn handle_lines(&mut self) {
        while let Some(lf) = self.inbox.iter().position(|&b| b == b'\n') {
            let raw: Vec<u8> = self.inbox.drain(..=lf).collect();
            let line = String::from_utf8_lossy(&raw).trim_end().to_owned();
            let switched = self.handle_line(line);
            if switched && !self.inbox.is_empty() {
                // The client may not pipeline past STARTTLS; if it did,
                // those bytes belong to TLS.
                let rest = std::mem::take(&mut self.inbox);
                self.receive(&rest);
                return;
            }
        }
    }

    /// Acts on one line; true if it switched to TLS.
    fn handle_line(&mut self, line: String) -> bool {
        if self.in_data {
            if line == "." {
                self.in_data = false;
                self.say("250 2.0.0 Ok: queued as TLS4242");
            } else {
                self.data.push(line);
            }
            return false;
        }
        let under_tls = self.is_encrypted();
        self.lines.push((under_tls, line.clone()));
        match self.login_round {
            1 => {
                self.login_user = decode(&line);
                self.login_round = 2;
                self.say("334 UGFzc3dvcmQ6");
                return false;
            }
            2 => {
                self.login_round = 0;
                let ok = self.login_user == USER && decode(&line) == PASSWORD;
                self.auth_result(ok);
                return false;
            }
            _ => {}
        }
        let upper = line.to_ascii_uppercase();
        let auth_allowed = under_tls || !self.script.auth_only_under_tls;
        if upper.starts_with("EHLO ") {
            let mut reply = String::from("250-mx.test.example\n250-PIPELINING\n");
            if self.script.offer_starttls && self.tls.is_none() {
                reply.push_str("250-STARTTLS\n");
            }
            if auth_allowed {
                reply.push_str("250-AUTH PLAIN LOGIN\n");
            }
            reply.push_str("250 8BITMIME");
            self.say(&reply);
        } else if upper.starts_with("HELO ") {
            self.say("250 mx.test.example");
        } else if upper == "STARTTLS" {
            if self.tls.is_some() {
                self.say("503 5.5.1 TLS already active");
                return false;
            }
            let reply = self.script.starttls_reply;
            self.say(reply);
            if reply.starts_with("220") {
                self.outbox
                    .extend_from_slice(self.script.inject_after_starttls);
                self.start_tls();
                return true;
            }
        } else if upper.starts_with("AUTH PLAIN ") && auth_allowed {
            let decoded = STANDARD
                .decode(&line["AUTH PLAIN ".len()..])
                .unwrap_or_default();
            let expected = format!("\0{USER}\0{PASSWORD}");
            self.auth_result(decoded == expected.as_bytes());
        } else if upper == "AUTH LOGIN" && auth_allowed {
            self.login_round = 1;
            self.say("334 VXNlcm5hbWU6");
        } else if upper.starts_with("AUTH ") {
            self.say("530 5.7.0 Must issue a STARTTLS command first");
        } else if upper.starts_with("MAIL FROM:") {
            self.say("250 2.1.0 Ok");
        } else if upper.starts_with("RCPT TO:") {
            self.say("250 2.1.5 Ok");
        } else if upper == "DATA" {
            self.in_data = true;
            self.say("354 End data with <CR><LF>.<CR><LF>");
        } else if upper == "QUIT" {
            self.say("221 2.0.0 Bye");
            if let Some(conn) = self.tls.as_mut() {
                conn.send_close_notify();
            }
        } else {
            self.say("502 5.5.2 Error: command not recognized");
        }
        false
    }

    fn auth_result(&mut self, ok: bool) {
        if ok {
            self.say("235 2.7.0 Authentication successful");
        } else {
            self.say("535 5.7.8 Error: authentication failed");
        }
    }
}

fn decode(line: &str) -> String {
    String::from_utf8(STANDARD.decode(line.trim()).unwrap_or_default()).unwrap_or_default()
}
