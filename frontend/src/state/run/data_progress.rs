//! How much of the message has gone out: counted, not animated.
//!
//! The tab knows two real numbers while the message step runs: the bytes
//! it handed to the WebSocket since the step started, and the bytes the
//! WebSocket still holds (`bufferedAmount`). What left the browser is the
//! first minus the second. The total is the message as the engine puts it
//! on the wire (dot-stuffed with the final `.` for DATA; the `BDAT`
//! command lines and their chunks for BDAT), worked out from the spec the
//! way the engine encodes it. Under TLS the count is of ciphertext, a few
//! bytes per 16 KiB record more than the total; it is capped at the total.

use smtplab_shared::smtp::{wire_size, SessionSpec};

/// Bytes of the message sent, of the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct DataProgress {
    /// Bytes that left the browser (at most `total`).
    pub(crate) sent: u64,
    /// The message's bytes on the wire.
    pub(crate) total: u64,
}

impl DataProgress {
    /// Whole percent sent, 0 to 100 (100 for an empty total).
    pub(crate) fn percent(self) -> u64 {
        if self.total == 0 {
            return 100;
        }
        // u128: no overflow for any u64 sizes.
        u64::try_from(u128::from(self.sent) * 100 / u128::from(self.total)).unwrap_or(100)
    }
}

/// Counts one message step's bytes from the driver's running byte count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SendMeter {
    /// The driver's count of bytes handed to the socket when the step
    /// began (everything before it was already handed over).
    base: u64,
    /// The message's bytes on the wire.
    total: u64,
    /// The step finished: every byte went out.
    finished: bool,
}

impl SendMeter {
    /// A meter for `spec`'s message, starting at the driver's count `base`.
    pub(crate) fn new(spec: &SessionSpec, base: u64) -> Self {
        Self {
            base,
            total: message_wire_total(spec),
            finished: false,
        }
    }

    /// The step finished (the server answered the message or the session
    /// ended); an answered message counts as all sent.
    pub(crate) fn finish(&mut self) {
        self.finished = true;
    }

    /// Whether the step finished.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished
    }

    /// The progress when the driver has handed `handed` bytes to the socket
    /// in all and the socket still holds `buffered` of them (the newest).
    pub(crate) fn progress(&self, handed: u64, buffered: u64) -> DataProgress {
        let sent = handed
            .saturating_sub(self.base)
            .saturating_sub(buffered)
            .min(self.total);
        DataProgress {
            sent,
            total: self.total,
        }
    }
}

/// The bytes the engine writes for the message step of `spec`: for DATA
/// the dot-stuffed content and `.\r\n`; for BDAT every chunk with its
/// `BDAT <size>[ LAST]\r\n` line.
pub(crate) fn message_wire_total(spec: &SessionSpec) -> u64 {
    let content = wire_size(&spec.message);
    match spec.envelope.bdat_chunk {
        Some(chunk) => content + bdat_lines(content, u64::from(chunk.max(1))),
        None => content + dot_stuffed_lines(&spec.message) + END_OF_DATA_LEN,
    }
}

/// `.\r\n`.
const END_OF_DATA_LEN: u64 = 3;

/// How many lines start with `.` (each gets another in front), counted as
/// the engine splits lines: at CRLF, bare LF or bare CR.
fn dot_stuffed_lines(text: &[u8]) -> u64 {
    let starts = text
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'.' && (i == 0 || matches!(text[i - 1], b'\r' | b'\n')));
    u64::try_from(starts.count()).unwrap_or(u64::MAX)
}

/// The bytes of the `BDAT` command lines for `size` bytes in chunks of
/// `chunk`: `BDAT <chunk>\r\n` for each full chunk but the last, then
/// `BDAT <rest> LAST\r\n` (`BDAT 0 LAST` for an empty message).
fn bdat_lines(size: u64, chunk: u64) -> u64 {
    let chunks = size.div_ceil(chunk).max(1);
    let last = size - (chunks - 1) * chunk;
    let line = |n: u64| "BDAT ".len() as u64 + digits(n) + "\r\n".len() as u64;
    (chunks - 1) * line(chunk) + line(last) + " LAST".len() as u64
}

/// Decimal digits of `n`.
fn digits(n: u64) -> u64 {
    u64::from(n.checked_ilog10().unwrap_or(0) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::test_spec;
    use smtplab_shared::smtp::{EncodedMessage, Event, Session, Stage, Step};
    use std::time::Duration;

    /// Runs `spec` against scripted replies and returns the bytes the
    /// engine wrote from the start of the message step to its end.
    fn message_bytes(spec: SessionSpec) -> u64 {
        let bdat = spec.envelope.bdat_chunk.is_some();
        let mut session = Session::new(spec);
        let now = Duration::ZERO;
        session.handle_connected(now);
        let mut replies: Vec<&[u8]> = vec![
            b"220 mx\r\n",
            b"250-mx\r\n250 CHUNKING\r\n",
            b"250 ok\r\n",
            b"250 ok\r\n",
        ];
        if !bdat {
            replies.push(b"354 go\r\n");
        }
        let mut counting = false;
        let mut counted = 0u64;
        let mut reply = replies.into_iter();
        loop {
            while let Some(event) = session.poll_event() {
                match event {
                    Event::StepStarted {
                        step: Step::Message,
                        ..
                    } => counting = true,
                    Event::StepFinished {
                        step: Step::Message,
                        ..
                    }
                    | Event::Finished(_) => return counted,
                    _ => {}
                }
            }
            while let Some(bytes) = session.poll_transmit() {
                if counting {
                    counted += bytes.len() as u64;
                }
            }
            // Past the envelope every reply is a 250 (each BDAT chunk's
            // and the message's).
            let next = reply.next().unwrap_or(b"250 ok\r\n");
            session.handle_input(now, next);
        }
    }

    fn spec_with(message: &str, bdat_chunk: Option<u32>) -> SessionSpec {
        let mut spec = test_spec(Stage::Data, 1);
        spec.message = message.as_bytes().to_vec();
        spec.envelope.bdat_chunk = bdat_chunk;
        spec
    }

    #[test]
    fn the_total_is_what_the_engine_writes_for_data() {
        for message in [
            "",
            "x",
            "Subject: a\r\n\r\n.hidden\n..two\r.three\r\nend",
            ".\r\n",
        ] {
            let spec = spec_with(message, None);
            let stuffed = EncodedMessage::new(message).bytes.len() as u64 + 3;
            assert_eq!(message_wire_total(&spec), stuffed, "{message:?}");
            assert_eq!(
                message_wire_total(&spec),
                message_bytes(spec),
                "{message:?}"
            );
        }
    }

    #[test]
    fn the_total_is_what_the_engine_writes_for_bdat() {
        let long = "0123456789\r\n".repeat(120);
        for (message, chunk) in [
            ("", 10),
            ("x", 1),
            ("a\nb\n", 3),
            (long.as_str(), 100),
            (long.as_str(), 1440),
            (long.as_str(), u32::MAX),
        ] {
            let spec = spec_with(message, Some(chunk));
            assert_eq!(
                message_wire_total(&spec),
                message_bytes(spec),
                "{} bytes in chunks of {chunk}",
                message.len()
            );
        }
    }

    #[test]
    fn sent_is_what_left_the_socket_since_the_step_began() {
        let spec = spec_with("hello\r\n", None);
        let mut meter = SendMeter::new(&spec, 1000);
        assert_eq!(meter.progress(1000, 0), DataProgress { sent: 0, total: 10 });
        // Bytes still buffered from before the step make it no less than 0.
        assert_eq!(meter.progress(1004, 50).sent, 0);
        assert_eq!(meter.progress(1006, 2).sent, 4);
        // TLS records are a little bigger than the plaintext: capped.
        assert_eq!(meter.progress(1050, 0).sent, 10);
        assert!(!meter.is_finished());
        meter.finish();
        assert!(meter.is_finished());
    }

    #[test]
    fn percent_is_whole_and_safe() {
        let p = |sent, total| DataProgress { sent, total }.percent();
        assert_eq!(p(0, 10), 0);
        assert_eq!(p(5, 10), 50);
        assert_eq!(p(9, 10), 90);
        assert_eq!(p(10, 10), 100);
        assert_eq!(p(0, 0), 100);
        assert_eq!(p(u64::MAX, u64::MAX), 100);
    }
}
