//! The incremental reply parser: server bytes in any chunking to [`Reply`]
//! values, with bounds and typed errors.

use super::{leading_enhanced, Reply, ReplyCode};

/// Longest reply line accepted, terminator included.
///
/// RFC 5321 §4.5.3.1.5 says 512 octets, but real servers (long EHLO `AUTH`
/// lists, verbose rejections) exceed it, and a diagnostic tool should show
/// such a line rather than refuse it. The bound exists to cap memory.
/// <https://www.rfc-editor.org/rfc/rfc5321#section-4.5.3.1.5>
pub const MAX_LINE_BYTES: usize = 2048;

/// Largest reply accepted, all lines and terminators included.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// Most lines one (multi-line) reply may have.
pub const MAX_REPLY_LINES: usize = 1000;

/// How much of an offending line an error message quotes.
const QUOTE_CHARS: usize = 80;

/// Why server bytes are not a valid reply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParseError {
    /// A line (terminator included) is longer than the limit.
    #[error("reply line exceeds {limit} bytes")]
    LineTooLong {
        /// The limit that was exceeded ([`MAX_LINE_BYTES`]).
        limit: usize,
    },
    /// A multi-line reply is larger than the limit.
    #[error("reply exceeds {limit} bytes")]
    ReplyTooLong {
        /// The limit that was exceeded ([`MAX_REPLY_BYTES`]).
        limit: usize,
    },
    /// A multi-line reply has more lines than the limit.
    #[error("reply exceeds {limit} lines")]
    TooManyLines {
        /// The limit that was exceeded ([`MAX_REPLY_LINES`]).
        limit: usize,
    },
    /// The line does not start with a code 200-599 followed by space, `-` or
    /// the end of the line.
    #[error("not a reply line: {line:?}")]
    BadCode {
        /// The start of the offending line.
        line: String,
    },
    /// A continuation line carries a different code than the first line.
    #[error("continuation line has code {found}, expected {expected}")]
    MismatchedContinuation {
        /// The code of the reply's first line.
        expected: u16,
        /// The code of the offending line.
        found: u16,
    },
    /// [`Reply::from_lines`] was given no final line.
    #[error("reply is incomplete")]
    Incomplete,
}

/// How many lines of a refused reply [`ReplyParser::take_unparsed`] keeps;
/// the rest are only counted.
pub const UNPARSED_LINES: usize = 200;

/// What arrived of a reply the parser refused (bytes that are no reply, or
/// a reply over a bound): its lines as received, lossily decoded, without
/// line ends, the first [`UNPARSED_LINES`] of them, and how many more
/// arrived (up to the refusal, plus what was buffered after it).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unparsed {
    /// The first lines, as received (control characters included).
    pub lines: Vec<String>,
    /// How many more lines arrived after those.
    pub more_lines: usize,
}

impl Unparsed {
    fn push(&mut self, line: String) {
        if self.lines.len() < UNPARSED_LINES {
            self.lines.push(line);
        } else {
            self.more_lines += 1;
        }
    }
}

/// A reply being assembled from its lines.
#[derive(Debug)]
struct Partial {
    code: ReplyCode,
    lines: Vec<String>,
    bytes: usize,
    bare_lf: bool,
}

/// Turns server bytes, in any chunking, into [`Reply`] values.
///
/// Call [`push`](Self::push) with whatever arrived, then
/// [`next_reply`](Self::next_reply) until it returns `Ok(None)` (it needs
/// more bytes).
///
/// Rules:
/// - Lines end with CRLF; a bare LF is accepted and sets [`Reply::bare_lf`].
/// - A line is `code SP text`, `code "-" text` or just `code`; a `-` means
///   more lines follow.
/// - **Mismatched continuation codes**: RFC 5321 §4.2.1 requires every line of
///   a reply to carry the same code. A line whose code differs from the
///   first line's yields [`ParseError::MismatchedContinuation`]; the lines
///   before it are dropped, and the offending line is kept as the start of
///   the next reply, so nothing the server said after it is lost.
/// - After any other error the reply in progress is dropped, as is the rest
///   of the offending line, and parsing goes on with the next line.
#[derive(Debug, Default)]
pub struct ReplyParser {
    /// Bytes received and not yet consumed.
    buf: Vec<u8>,
    /// The reply whose final line has not arrived yet.
    partial: Option<Partial>,
    /// Skipping the rest of an over-long line up to its LF.
    discarding: bool,
    /// What arrived of the reply refused last (see [`Unparsed`]).
    refused: Unparsed,
}

impl ReplyParser {
    /// An empty parser.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// True if bytes of an unfinished line or reply are buffered.
    pub fn has_partial(&self) -> bool {
        !self.buf.is_empty() || self.partial.is_some()
    }

    /// Drops everything buffered.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Takes the bytes received but not yet consumed (after the last
    /// complete reply) and resets the parser. The session uses it to
    /// discard plaintext that follows the 220 to STARTTLS.
    pub fn take_buffered(&mut self) -> Vec<u8> {
        let buf = std::mem::take(&mut self.buf);
        self.reset();
        buf
    }

    /// What arrived of the reply behind the last error of
    /// [`next_reply`](Self::next_reply): its lines so far, the offending
    /// line, and every line still buffered after it (a final fragment
    /// without line end included). Consumes the buffer.
    pub fn take_unparsed(&mut self) -> Unparsed {
        let mut unparsed = std::mem::take(&mut self.refused);
        let rest = std::mem::take(&mut self.buf);
        if !self.discarding {
            let rest = rest.strip_suffix(b"\n").unwrap_or(&rest);
            if !rest.is_empty() {
                for line in rest.split(|&b| b == b'\n') {
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    unparsed.push(String::from_utf8_lossy(line).into_owned());
                }
            }
        }
        unparsed
    }

    /// Starts the record of a refused reply with the lines of the reply in
    /// progress (dropped) and, if given, the offending line.
    fn refuse(&mut self, line: Option<String>) {
        let mut refused = Unparsed::default();
        for kept in self.partial.take().into_iter().flat_map(|p| p.lines) {
            refused.push(kept);
        }
        if let Some(line) = line {
            refused.push(line);
        }
        self.refused = refused;
    }

    /// The next complete reply, or `Ok(None)` if more bytes are needed.
    ///
    /// # Errors
    /// A [`ParseError`] for a line that breaks the reply grammar or a bound;
    /// see the type's rules for how parsing resumes.
    pub fn next_reply(&mut self) -> Result<Option<Reply>, ParseError> {
        loop {
            let Some(lf) = self.buf.iter().position(|&b| b == b'\n') else {
                if self.discarding {
                    self.buf.clear();
                } else if self.buf.len() > MAX_LINE_BYTES {
                    return Err(self.fail_line_too_long(None));
                }
                return Ok(None);
            };
            if self.discarding {
                self.buf.drain(..=lf);
                self.discarding = false;
                continue;
            }
            if lf + 1 > MAX_LINE_BYTES {
                return Err(self.fail_line_too_long(Some(lf)));
            }
            let bare_lf = lf == 0 || self.buf[lf - 1] != b'\r';
            let content_end = if bare_lf { lf } else { lf - 1 };
            let line = String::from_utf8_lossy(&self.buf[..content_end]).into_owned();
            let Some((code, last)) = parse_code(&line) else {
                self.buf.drain(..=lf);
                self.refuse(Some(line.clone()));
                return Err(ParseError::BadCode {
                    line: line.chars().take(QUOTE_CHARS).collect(),
                });
            };
            if let Some(partial) = &self.partial {
                if partial.code != code {
                    let expected = partial.code.as_u16();
                    // The offending line stays buffered: it starts the next reply.
                    self.refuse(None);
                    return Err(ParseError::MismatchedContinuation {
                        expected,
                        found: code.as_u16(),
                    });
                }
            }
            self.buf.drain(..=lf);
            let partial = self.partial.get_or_insert(Partial {
                code,
                lines: Vec::new(),
                bytes: 0,
                bare_lf: false,
            });
            partial.bytes += lf + 1;
            partial.bare_lf |= bare_lf;
            partial.lines.push(line);
            if partial.bytes > MAX_REPLY_BYTES {
                self.refuse(None);
                return Err(ParseError::ReplyTooLong {
                    limit: MAX_REPLY_BYTES,
                });
            }
            if partial.lines.len() > MAX_REPLY_LINES {
                self.refuse(None);
                return Err(ParseError::TooManyLines {
                    limit: MAX_REPLY_LINES,
                });
            }
            if last {
                let Partial {
                    code,
                    lines,
                    bare_lf,
                    ..
                } = self.partial.take().expect("inserted just above");
                let enhanced = lines
                    .first()
                    .and_then(|l| leading_enhanced(l.get(4..).unwrap_or(""), code.class()))
                    .map(|(c, _)| c);
                return Ok(Some(Reply {
                    code,
                    enhanced,
                    lines,
                    bare_lf,
                }));
            }
        }
    }

    /// Drops the reply in progress and the over-long line (up to `lf`, or up
    /// to the LF still to come).
    fn fail_line_too_long(&mut self, lf: Option<usize>) -> ParseError {
        let end = lf.unwrap_or(self.buf.len()).min(MAX_LINE_BYTES);
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.refuse(Some(head));
        match lf {
            Some(lf) => {
                self.buf.drain(..=lf);
            }
            None => {
                self.buf.clear();
                self.discarding = true;
            }
        }
        ParseError::LineTooLong {
            limit: MAX_LINE_BYTES,
        }
    }
}

/// The code of a reply line and whether it is the last line.
fn parse_code(line: &str) -> Option<(ReplyCode, bool)> {
    let bytes = line.as_bytes();
    let digits = bytes.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let last = match bytes.get(3) {
        None | Some(b' ') => true,
        Some(b'-') => false,
        Some(_) => return None,
    };
    let value = digits
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    Some((ReplyCode::new(value)?, last))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn take_buffered_returns_what_follows_the_last_reply() {
        let mut parser = ReplyParser::new();
        parser.push(b"220 2.0.0 Ready\r\n250-injected\r\n250 x");
        let reply = parser.next_reply().expect("valid").expect("complete");
        assert_eq!(reply.code.as_u16(), 220);
        assert_eq!(parser.take_buffered(), b"250-injected\r\n250 x".to_vec());
        assert!(!parser.has_partial());
        assert_eq!(parser.next_reply(), Ok(None));
    }

    fn parse_all(input: &[u8]) -> Vec<Result<Reply, ParseError>> {
        let mut parser = ReplyParser::new();
        parser.push(input);
        let mut out = Vec::new();
        loop {
            match parser.next_reply() {
                Ok(Some(reply)) => out.push(Ok(reply)),
                Ok(None) => break,
                Err(e) => out.push(Err(e)),
            }
        }
        out
    }

    #[test]
    fn mismatched_continuation_starts_a_new_reply() {
        let out = parse_all(b"250-first\r\n550 second\r\n");
        assert_eq!(
            out[0],
            Err(ParseError::MismatchedContinuation {
                expected: 250,
                found: 550
            })
        );
        let second = out[1].as_ref().expect("the offending line is kept");
        assert_eq!(second.code.as_u16(), 550);
        assert_eq!(second.lines, ["550 second"]);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn over_long_line_is_refused_before_its_end_arrives_and_skipped() {
        let mut parser = ReplyParser::new();
        parser.push(b"250 ");
        parser.push(&vec![b'x'; MAX_LINE_BYTES]);
        assert_eq!(
            parser.next_reply(),
            Err(ParseError::LineTooLong {
                limit: MAX_LINE_BYTES
            })
        );
        parser.push(b"still the long line\r\n221 bye\r\n");
        let reply = parser.next_reply().expect("resyncs").expect("complete");
        assert_eq!(reply.lines, ["221 bye"]);
    }

    #[test]
    fn line_at_the_limit_is_accepted() {
        let mut line = b"250 ".to_vec();
        line.resize(MAX_LINE_BYTES - 2, b'y');
        line.extend_from_slice(b"\r\n");
        let out = parse_all(&line);
        assert!(matches!(&out[..], [Ok(_)]));
        line.insert(5, b'y');
        let out = parse_all(&line);
        assert!(matches!(&out[..], [Err(ParseError::LineTooLong { .. })]));
    }

    #[test]
    fn too_many_lines_is_an_error() {
        let mut input = Vec::new();
        for _ in 0..MAX_REPLY_LINES {
            input.extend_from_slice(b"250-x\r\n");
        }
        input.extend_from_slice(b"250 end\r\n");
        let out = parse_all(&input);
        assert_eq!(
            out.first(),
            Some(&Err(ParseError::TooManyLines {
                limit: MAX_REPLY_LINES
            }))
        );
    }

    #[test]
    fn total_size_is_bounded() {
        let mut input = Vec::new();
        let line = format!("250-{}\r\n", "z".repeat(1000));
        while input.len() <= MAX_REPLY_BYTES {
            input.extend_from_slice(line.as_bytes());
        }
        input.extend_from_slice(b"250 end\r\n");
        let out = parse_all(&input);
        assert_eq!(
            out.first(),
            Some(&Err(ParseError::ReplyTooLong {
                limit: MAX_REPLY_BYTES
            }))
        );
    }

    #[test]
    fn garbage_is_a_typed_error_and_never_panics() {
        for input in [
            &b"hello\r\n"[..],
            b"25\r\n",
            b"\r\n",
            b"\n",
            b"099 x\r\n",
            b"250x\r\n",
            b"\xff\xfe\xfd\r\n",
            b"2\xc3\xa950 x\r\n",
        ] {
            let out = parse_all(input);
            assert!(
                matches!(&out[..], [Err(ParseError::BadCode { .. })]),
                "{input:?} gave {out:?}"
            );
        }
    }

    #[test]
    fn non_utf8_text_is_replaced_not_rejected() {
        let out = parse_all(b"250 caf\xe9\r\n");
        let reply = out[0].as_ref().expect("parses");
        assert_eq!(reply.text(), "caf\u{fffd}");
    }

    #[test]
    fn bare_code_line_is_a_final_line() {
        let reply = Reply::from_lines(&["250"]).expect("parses");
        assert_eq!(reply.text(), "");
        assert_eq!(reply.enhanced, None);
    }

    #[test]
    fn bare_lf_is_recorded() {
        let out = parse_all(b"250-a\r\n250 b\n");
        let reply = out[0].as_ref().expect("parses");
        assert!(reply.bare_lf);
        let out = parse_all(b"250-a\r\n250 b\r\n");
        assert!(!out[0].as_ref().expect("parses").bare_lf);
    }
}
