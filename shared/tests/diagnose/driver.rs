//! A dumb driver of the engine for the checks' tests: it feeds scripted
//! server bytes at scripted times and collects a `SessionRecord`, as the
//! tab's hook does with the bridge.

use std::time::Duration;

use smtplab_shared::diagnose::{PlannedSession, SessionRecord};
use smtplab_shared::smtp::{AbortReason, Session};
use smtplab_shared::wire::ErrorCode;

/// `text` with every line ending made CRLF.
pub(crate) fn crlf(text: &str) -> String {
    text.lines().flat_map(|l| [l, "\r\n"]).collect()
}

/// One session being driven.
pub(crate) struct Run {
    session: Session,
    now: Duration,
    record: SessionRecord,
    /// Client bytes not yet checked.
    sent: Vec<u8>,
}

impl Run {
    /// The bridge connected after `connect_ms`.
    pub(crate) fn connected(plan: &PlannedSession, connect_ms: f64) -> Self {
        let mut run = Self {
            session: plan.session(),
            now: Duration::ZERO,
            record: SessionRecord::connected("127.0.0.1:2525", connect_ms),
            sent: Vec::new(),
        };
        run.session.handle_connected(run.now);
        run.drain();
        run
    }

    /// The bridge answered `connect` with an error.
    pub(crate) fn refused(plan: &PlannedSession, code: ErrorCode, message: &str) -> SessionRecord {
        let mut run = Self {
            session: plan.session(),
            now: Duration::ZERO,
            record: SessionRecord::failed(code, message),
            sent: Vec::new(),
        };
        let reason = AbortReason::Bridge {
            host: "127.0.0.1".into(),
            port: 25,
            error: code,
            message: message.to_owned(),
        };
        run.session.abort(run.now, reason);
        run.drain();
        run.finish()
    }

    fn drain(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(bytes) = self.session.poll_transmit() {
            out.extend(bytes);
        }
        while let Some(event) = self.session.poll_event() {
            self.record.push(event);
        }
        self.sent.extend(&out);
        out
    }

    /// The client must have sent exactly `client` (lines, CRLF added).
    pub(crate) fn expect(&mut self, client: &str) -> &mut Self {
        let sent = String::from_utf8(std::mem::take(&mut self.sent)).expect("UTF-8");
        assert_eq!(sent, crlf(client), "client lines");
        self
    }

    /// `after_ms` later the server sends `text` (CRLF-normalised).
    pub(crate) fn server(&mut self, after_ms: u64, text: &str) -> &mut Self {
        self.raw(after_ms, crlf(text).as_bytes())
    }

    /// `after_ms` later the server sends exactly `bytes`; returns what the
    /// client sent in answer.
    pub(crate) fn raw(&mut self, after_ms: u64, bytes: &[u8]) -> &mut Self {
        self.now += Duration::from_millis(after_ms);
        self.session.handle_input(self.now, bytes);
        self.drain();
        self
    }

    /// Nothing has been sent since the last check.
    pub(crate) fn silent(&mut self) -> &mut Self {
        assert!(
            self.sent.is_empty(),
            "sent {:?}",
            String::from_utf8_lossy(&self.sent)
        );
        self
    }

    /// The clock runs to the engine's deadline.
    pub(crate) fn time_out(&mut self) -> &mut Self {
        let deadline = self.session.poll_timeout().expect("a deadline is armed");
        self.now = deadline;
        self.session.handle_timeout(deadline);
        self.drain();
        self
    }

    /// The server closes the connection.
    pub(crate) fn close(&mut self) -> &mut Self {
        self.session.handle_closed(self.now);
        self.drain();
        self
    }

    /// The record of the finished session.
    pub(crate) fn finish(&mut self) -> SessionRecord {
        assert!(self.session.is_finished(), "session not finished");
        assert!(
            self.sent.is_empty(),
            "unchecked client bytes: {:?}",
            String::from_utf8_lossy(&self.sent)
        );
        let mut record = self.record.clone();
        record.greeting_first_byte_at = self.session.greeting_first_byte_at();
        record
    }
}
