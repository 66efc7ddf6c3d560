//! SMTP replies as types, and an incremental parser that turns server bytes
//! into them.
//!
//! Why not wrap `smtp-proto` 0.2.5 (`ResponseReceiver`)? It is incremental and
//! keeps the enhanced status code, but it joins the lines into one message
//! (the raw lines, which the transcript shows, are gone), it takes the code
//! of the first line only and never notices a continuation line with another
//! code, it has one fixed bound (`MAX_RESPONSE_LENGTH` = 4096) and no
//! per-line bound, and it does not report bare LF line endings. Each of those
//! is something this diagnostic tool must show, so the parser here is our
//! own; it is small because a reply line has a tiny grammar
//! (<https://www.rfc-editor.org/rfc/rfc5321#section-4.2>).

use std::fmt;

use serde::{Deserialize, Serialize};

mod parser;

pub use parser::{
    ParseError, ReplyParser, Unparsed, MAX_LINE_BYTES, MAX_REPLY_BYTES, MAX_REPLY_LINES,
    UNPARSED_LINES,
};

/// The first digit of a reply code.
/// <https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// 2yz: the command succeeded.
    PositiveCompletion = 2,
    /// 3yz: the command was accepted, more input is needed (334, 354).
    PositiveIntermediate = 3,
    /// 4yz: failed for now; the same command may work later.
    TransientNegative = 4,
    /// 5yz: failed; repeating the same command will fail again.
    PermanentNegative = 5,
}

/// A three-digit reply code whose first digit is 2 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct ReplyCode(u16);

impl ReplyCode {
    /// The code, or `None` if it is not in `200..=599`.
    pub fn new(code: u16) -> Option<Self> {
        (200..=599).contains(&code).then_some(Self(code))
    }

    /// The code as a number, e.g. `250`.
    pub fn as_u16(self) -> u16 {
        self.0
    }

    /// What the first digit says about the outcome.
    pub fn severity(self) -> Severity {
        match self.0 / 100 {
            2 => Severity::PositiveCompletion,
            3 => Severity::PositiveIntermediate,
            4 => Severity::TransientNegative,
            _ => Severity::PermanentNegative,
        }
    }

    /// True for 2yz and 3yz.
    pub fn is_positive(self) -> bool {
        matches!(
            self.severity(),
            Severity::PositiveCompletion | Severity::PositiveIntermediate
        )
    }

    /// The first digit (2 to 5).
    pub fn class(self) -> u8 {
        // In 2..=5 by construction.
        (self.0 / 100) as u8
    }
}

impl TryFrom<u16> for ReplyCode {
    type Error = String;
    fn try_from(code: u16) -> Result<Self, Self::Error> {
        Self::new(code).ok_or_else(|| format!("reply code {code} is not in 200..=599"))
    }
}

impl From<ReplyCode> for u16 {
    fn from(code: ReplyCode) -> Self {
        code.0
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An enhanced status code `class.subject.detail`.
/// <https://www.rfc-editor.org/rfc/rfc3463#section-2>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EnhancedCode {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    pub class: u8,
    /// What the code is about (1 addressing, 2 mailbox, ... 7 security).
    pub subject: u16,
    /// The detail within the subject.
    pub detail: u16,
}

impl EnhancedCode {
    /// Parses a token such as `2.1.5`: class one digit of 2/4/5, subject and
    /// detail one to three digits each (RFC 3463 §2).
    pub fn parse(token: &str) -> Option<Self> {
        let mut parts = token.split('.');
        let (class, subject, detail) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let number = |s: &str, max_len: usize| -> Option<u16> {
            if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let class = number(class, 1)?;
        if !matches!(class, 2 | 4 | 5) {
            return None;
        }
        Some(Self {
            class: class as u8,
            subject: number(subject, 3)?,
            detail: number(detail, 3)?,
        })
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// One complete server reply, single- or multi-line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The code shared by every line.
    pub code: ReplyCode,
    /// The enhanced status code at the start of the first line's text, when
    /// it is there and its class matches the code's first digit.
    pub enhanced: Option<EnhancedCode>,
    /// The lines as received, code and separator included, without the line
    /// terminator (bytes that are not UTF-8 are replaced by U+FFFD).
    pub lines: Vec<String>,
    /// True if any line ended with a bare LF instead of CRLF (a server bug
    /// worth showing; RFC 5321 §2.3.8).
    pub bare_lf: bool,
}

impl Reply {
    /// Builds a reply from lines as they would be received (`"250-a"`,
    /// `"250 b"`); handy for tests and for the raw console.
    ///
    /// # Errors
    /// Whatever [`ReplyParser`] would report for these lines.
    pub fn from_lines(lines: &[&str]) -> Result<Self, ParseError> {
        let mut parser = ReplyParser::new();
        for line in lines {
            parser.push(line.as_bytes());
            parser.push(b"\r\n");
        }
        parser.next_reply()?.ok_or(ParseError::Incomplete)
    }

    /// The text of each line: what follows the code and its separator.
    pub fn text_lines(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(|line| line.get(4..).unwrap_or(""))
    }

    /// The text of all lines joined with `\n` (enhanced code included), e.g.
    /// `2.0.0 Ok: queued as 4Xyz`.
    pub fn text(&self) -> String {
        self.text_lines().collect::<Vec<_>>().join("\n")
    }

    /// The text of each line with a leading enhanced status code removed.
    pub fn message_lines(&self) -> impl Iterator<Item = &str> + '_ {
        let class = self.code.class();
        self.text_lines()
            .map(move |text| match leading_enhanced(text, class) {
                Some((_, rest)) => rest,
                None => text,
            })
    }

    /// True for 2yz and 3yz replies.
    pub fn is_positive(&self) -> bool {
        self.code.is_positive()
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines.join("\n"))
    }
}

/// Splits `x.y.z rest` into the code and the rest when the code's class is
/// `class`.
fn leading_enhanced(text: &str, class: u8) -> Option<(EnhancedCode, &str)> {
    let (token, rest) = text.split_once(' ').unwrap_or((text, ""));
    let code = EnhancedCode::parse(token)?;
    (code.class == class).then_some((code, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn severity_values_are_the_digits() {
        let code = |c| ReplyCode::new(c).expect("valid");
        assert_eq!(code(250).severity() as u8, 2);
        assert_eq!(code(354).severity() as u8, 3);
        assert_eq!(code(421).severity() as u8, 4);
        assert_eq!(code(554).severity() as u8, 5);
        assert!(code(354).is_positive());
        assert!(!code(450).is_positive());
        assert!(ReplyCode::new(199).is_none());
        assert!(ReplyCode::new(600).is_none());
    }

    #[test]
    fn enhanced_code_needs_matching_class() {
        let reply = Reply::from_lines(&["550 2.1.1 odd"]).expect("parses");
        assert_eq!(reply.enhanced, None);
        let reply = Reply::from_lines(&["550 5.1.1 User unknown"]).expect("parses");
        assert_eq!(
            reply.enhanced.map(|e| e.to_string()).as_deref(),
            Some("5.1.1")
        );
        assert_eq!(reply.message_lines().collect::<Vec<_>>(), ["User unknown"]);
        assert_eq!(EnhancedCode::parse("5.7.1000"), None);
        assert_eq!(EnhancedCode::parse("3.1.1"), None);
        assert_eq!(EnhancedCode::parse("5.1"), None);
    }
}
