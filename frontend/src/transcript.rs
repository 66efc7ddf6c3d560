//! The transcript model and its formatting: telnet-like lines with swaks'
//! markers (`->` client, `<-` server, `<**` unexpected reply, `===` info,
//! `***` error), a timestamp, decoded 334 challenges, a one-line explanation
//! under every reply, and credentials masked unless revealed.
//!
//! The same lines feed the on-page view and the text export, so what is
//! copied is what is shown.

use smtplab_shared::smtp::{decode_challenge, explain_code, explain_enhanced, Reply};

/// What every masked credential shows (the engine's own mask).
pub const MASK: &str = "********";

/// One transcript entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Stable key for the view.
    pub id: u64,
    /// Milliseconds since the session (or console connection) started.
    pub at_ms: u64,
    /// What happened.
    pub kind: EntryKind,
}

/// What a transcript entry records.
#[derive(Clone, PartialEq)]
pub enum EntryKind {
    /// A line the client sent.
    Sent {
        /// The line as sent (may hold a credential).
        text: String,
        /// What to show while secrets are hidden.
        display: String,
        /// True if `text` holds a credential.
        secret: bool,
    },
    /// A complete server reply.
    Reply {
        /// The reply.
        reply: Reply,
        /// False if the engine did not expect it (shown with `<**`).
        expected: bool,
    },
    /// Something about the connection, in words.
    Info(String),
    /// A failure, in words.
    Error(String),
}

impl std::fmt::Debug for EntryKind {
    /// Never prints a secret line's text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sent { display, secret, .. } => f
                .debug_struct("Sent")
                .field("display", display)
                .field("secret", secret)
                .finish_non_exhaustive(),
            Self::Reply { reply, expected } => f
                .debug_struct("Reply")
                .field("reply", reply)
                .field("expected", expected)
                .finish(),
            Self::Info(text) => f.debug_tuple("Info").field(text).finish(),
            Self::Error(text) => f.debug_tuple("Error").field(text).finish(),
        }
    }
}

/// The marker at the start of a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// `->`: the client sent this.
    Client,
    /// `<-`: an expected server reply.
    Server,
    /// `<**`: a reply the session did not expect.
    Unexpected,
    /// `===`: connection information.
    Info,
    /// `***`: a failure.
    Error,
    /// An explanation of the reply above (no marker, indented).
    Explain,
}

impl Marker {
    /// The marker as printed, three characters wide.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => " ->",
            Self::Server => "<- ",
            Self::Unexpected => "<**",
            Self::Info => "===",
            Self::Error => "***",
            Self::Explain => "   ",
        }
    }

    /// A CSS class for the line.
    pub fn class(self) -> &'static str {
        match self {
            Self::Client => "t-client",
            Self::Server => "t-server",
            Self::Unexpected => "t-unexpected",
            Self::Info => "t-info",
            Self::Error => "t-error",
            Self::Explain => "t-explain",
        }
    }
}

/// One printable line of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The marker.
    pub marker: Marker,
    /// The text after the marker.
    pub text: String,
    /// True when `text` is a masked credential (so the view can style it).
    pub masked: bool,
}

/// `[+   123 ms]`: the timestamp column.
pub fn timestamp(at_ms: u64) -> String {
    format!("[+{at_ms:>6} ms]")
}

/// The lines of one entry; `reveal` shows credentials instead of the mask.
pub fn entry_lines(entry: &Entry, reveal: bool) -> Vec<Line> {
    match &entry.kind {
        EntryKind::Sent { text, display, secret } => {
            let masked = *secret && !reveal;
            vec![Line {
                marker: Marker::Client,
                text: if masked { display.clone() } else { text.clone() },
                masked,
            }]
        }
        EntryKind::Reply { reply, expected } => reply_lines(reply, *expected),
        EntryKind::Info(text) => vec![plain(Marker::Info, text.clone())],
        EntryKind::Error(text) => vec![plain(Marker::Error, text.clone())],
    }
}

fn plain(marker: Marker, text: String) -> Line {
    Line { marker, text, masked: false }
}

/// A reply's raw lines (334 challenges decoded alongside), then its
/// explanation.
pub fn reply_lines(reply: &Reply, expected: bool) -> Vec<Line> {
    let marker = if expected { Marker::Server } else { Marker::Unexpected };
    let mut lines: Vec<Line> = reply
        .lines
        .iter()
        .map(|raw| {
            let mut text = raw.clone();
            if reply.code.as_u16() == 334 {
                let challenge = raw.get(4..).unwrap_or("").trim();
                if let Some(decoded) = decode_printable(challenge) {
                    text.push_str("  (");
                    text.push_str(&decoded);
                    text.push(')');
                }
            }
            plain(marker, text)
        })
        .collect();
    lines.push(plain(Marker::Explain, explanation(reply)));
    if reply.bare_lf {
        lines.push(plain(
            Marker::Explain,
            "note: the server ended a line with a bare LF instead of CRLF (RFC 5321 §2.3.8)".to_owned(),
        ));
    }
    lines
}

/// A 334 challenge decoded, when it is base64 of printable text.
fn decode_printable(challenge: &str) -> Option<String> {
    if challenge.is_empty() {
        return None;
    }
    let decoded = decode_challenge(challenge).ok()?;
    let printable = !decoded.is_empty() && decoded.chars().all(|c| !c.is_control() && c != '\u{fffd}');
    printable.then_some(decoded)
}

/// `250: The requested action was completed. 2.1.0: …` for one reply.
pub fn explanation(reply: &Reply) -> String {
    let mut text = format!("{}: {}", reply.code, explain_code(reply.code));
    if let Some(enhanced) = reply.enhanced {
        text.push(' ');
        text.push_str(&enhanced.to_string());
        text.push_str(": ");
        text.push_str(explain_enhanced(enhanced).unwrap_or("(no explanation for this enhanced code)"));
    }
    text
}

/// The whole transcript as text, one line per [`Line`], timestamped.
pub fn to_text(entries: &[Entry], reveal: bool) -> String {
    let blank = " ".repeat(timestamp(0).len());
    let mut out = String::new();
    for entry in entries {
        for line in entry_lines(entry, reveal) {
            let stamp = if line.marker == Marker::Explain { blank.clone() } else { timestamp(entry.at_ms) };
            let prefix = if line.marker == Marker::Explain { "  #" } else { line.marker.as_str() };
            out.push_str(&stamp);
            out.push(' ');
            out.push_str(prefix);
            out.push(' ');
            out.push_str(&line.text);
            out.push('\n');
        }
    }
    out
}

/// How a line typed in the raw console is shown: AUTH initial responses and
/// answers to a 334 challenge are credentials. Returns the display form and
/// whether the line is secret.
pub fn console_display(line: &str, answering_challenge: bool) -> (String, bool) {
    if answering_challenge {
        return (MASK.to_owned(), true);
    }
    let mut words = line.split_whitespace();
    let verb = words.next().unwrap_or("");
    if verb.eq_ignore_ascii_case("AUTH") {
        if let Some(mechanism) = words.next() {
            if words.next().is_some() {
                return (format!("{verb} {mechanism} {MASK}"), true);
            }
        }
    }
    (line.to_owned(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(lines: &[&str]) -> Reply {
        Reply::from_lines(lines).expect("valid reply")
    }

    fn entry(id: u64, at_ms: u64, kind: EntryKind) -> Entry {
        Entry { id, at_ms, kind }
    }

    #[test]
    fn challenges_are_shown_decoded() {
        let lines = reply_lines(&reply(&["334 VXNlcm5hbWU6"]), true);
        assert_eq!(lines[0].text, "334 VXNlcm5hbWU6  (Username:)");
        assert_eq!(lines[0].marker, Marker::Server);
        let empty = reply_lines(&reply(&["334 "]), true);
        assert_eq!(empty[0].text, "334 ");
        let binary = reply_lines(&reply(&["334 AAEC"]), true);
        assert_eq!(binary[0].text, "334 AAEC", "control bytes are not shown decoded");
    }

    #[test]
    fn every_reply_gets_an_explanation_with_the_enhanced_code() {
        let lines = reply_lines(&reply(&["550 5.1.1 <x@y>: Recipient address rejected"]), false);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].marker, Marker::Unexpected);
        assert_eq!(lines[1].marker, Marker::Explain);
        assert!(lines[1].text.starts_with("550: "), "{}", lines[1].text);
        assert!(lines[1].text.contains(" 5.1.1: "), "{}", lines[1].text);
        let multi = reply_lines(&reply(&["250-mx.example", "250-PIPELINING", "250 SIZE 1000"]), true);
        assert_eq!(multi.len(), 4);
        assert!(multi[..3].iter().all(|l| l.marker == Marker::Server));
    }

    #[test]
    fn secret_lines_are_masked_unless_revealed() {
        let sent = entry(
            1,
            5,
            EntryKind::Sent {
                text: "AUTH PLAIN AGtpbQBodW50ZXIy".into(),
                display: "AUTH PLAIN ********".into(),
                secret: true,
            },
        );
        let hidden = to_text(std::slice::from_ref(&sent), false);
        assert!(!hidden.contains("AGtpbQBodW50ZXIy"), "{hidden}");
        assert!(hidden.contains("AUTH PLAIN ********"));
        assert!(entry_lines(&sent, false)[0].masked);
        let shown = to_text(std::slice::from_ref(&sent), true);
        assert!(shown.contains("AUTH PLAIN AGtpbQBodW50ZXIy"), "{shown}");
        assert!(!format!("{sent:?}").contains("AGtpbQ"), "Debug never leaks");
    }

    #[test]
    fn text_export_uses_swaks_markers_and_timestamps() {
        let entries = vec![
            entry(1, 0, EntryKind::Info("connected to 127.0.0.1:2525".into())),
            entry(2, 12, EntryKind::Reply { reply: reply(&["220 mx ESMTP"]), expected: true }),
            entry(3, 13, EntryKind::Sent { text: "EHLO me".into(), display: "EHLO me".into(), secret: false }),
            entry(4, 2000, EntryKind::Error("timed out".into())),
        ];
        let text = to_text(&entries, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "[+     0 ms] === connected to 127.0.0.1:2525");
        assert_eq!(lines[1], "[+    12 ms] <-  220 mx ESMTP");
        assert!(lines[2].starts_with("               # 220: "), "{}", lines[2]);
        assert_eq!(lines[3], "[+    13 ms]  -> EHLO me");
        assert_eq!(lines[4], "[+  2000 ms] *** timed out");
        assert_eq!(lines.len(), 5);
    }

    #[test]
    fn console_masks_auth_payloads_and_challenge_answers() {
        assert_eq!(
            console_display("AUTH PLAIN AGtpbQBodW50ZXIy", false),
            ("AUTH PLAIN ********".to_owned(), true)
        );
        assert_eq!(console_display("auth login", false), ("auth login".to_owned(), false));
        assert_eq!(console_display("a2lt", true), ("********".to_owned(), true));
        assert_eq!(console_display("NOOP", false), ("NOOP".to_owned(), false));
    }
}
