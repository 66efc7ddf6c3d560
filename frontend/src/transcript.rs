//! The transcript model and its formatting: telnet-like lines with swaks'
//! markers (`->` client, `<-` server, `<**` unexpected reply, `~>` / `<~` /
//! `<~*` the same over TLS, `===` info, `***` error), a timestamp, decoded
//! 334 challenges, a one-line explanation under every reply (in the page's
//! language), and credentials masked unless revealed.
//!
//! The same lines feed the on-page view and the text and JSON exports, so
//! what is exported is what is shown.

use serde_json::{json, Value};
use smtplab_shared::smtp::{decode_challenge, Outcome, Reply};

use crate::append_log::AppendLog;
use crate::i18n::{explain_code, explain_enhanced, t, Lang, Msg};
use crate::note::Note;

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

/// A transcript: its entries, oldest first. Cloning one (as every state
/// clone does) copies no entry, and neither does appending to the clone.
pub type Transcript = AppendLog<Entry>;

/// Hands out entry ids: unique across the guided and the console
/// transcripts, increasing, so the view keys rows by them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryIds {
    /// The next id to hand out.
    next: u64,
}

impl Default for EntryIds {
    fn default() -> Self {
        Self { next: 1 }
    }
}

impl EntryIds {
    /// A fresh id.
    pub fn take(&mut self) -> u64 {
        let id = self.next;
        self.next += 1;
        id
    }
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
        /// Sent over TLS (shown with `~>`).
        encrypted: bool,
    },
    /// A complete server reply.
    Reply {
        /// The reply.
        reply: Reply,
        /// False if the engine did not expect it (shown with `<**`).
        expected: bool,
        /// Received over TLS (shown with `<~`).
        encrypted: bool,
    },
    /// Something about the connection.
    Info(Note),
    /// A failure.
    Error(Note),
}

impl std::fmt::Debug for EntryKind {
    /// Never prints a secret line's text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sent {
                display,
                secret,
                encrypted,
                ..
            } => f
                .debug_struct("Sent")
                .field("display", display)
                .field("secret", secret)
                .field("encrypted", encrypted)
                .finish_non_exhaustive(),
            Self::Reply {
                reply,
                expected,
                encrypted,
            } => f
                .debug_struct("Reply")
                .field("reply", reply)
                .field("expected", expected)
                .field("encrypted", encrypted)
                .finish(),
            Self::Info(note) => f.debug_tuple("Info").field(note).finish(),
            Self::Error(note) => f.debug_tuple("Error").field(note).finish(),
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
    /// `~>`: the client sent this over TLS.
    ClientTls,
    /// `<~`: an expected server reply over TLS.
    ServerTls,
    /// `<~*`: an unexpected reply over TLS.
    UnexpectedTls,
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
            Self::ClientTls => " ~>",
            Self::ServerTls => "<~ ",
            Self::UnexpectedTls => "<~*",
            Self::Info => "===",
            Self::Error => "***",
            Self::Explain => "   ",
        }
    }

    /// A CSS class for the line.
    pub fn class(self) -> &'static str {
        match self {
            Self::Client | Self::ClientTls => "t-client",
            Self::Server | Self::ServerTls => "t-server",
            Self::Unexpected | Self::UnexpectedTls => "t-unexpected",
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
pub fn entry_lines(entry: &Entry, reveal: bool, lang: Lang) -> Vec<Line> {
    match &entry.kind {
        EntryKind::Sent {
            text,
            display,
            secret,
            encrypted,
        } => {
            let masked = *secret && !reveal;
            vec![Line {
                marker: if *encrypted {
                    Marker::ClientTls
                } else {
                    Marker::Client
                },
                text: if masked {
                    display.clone()
                } else {
                    text.clone()
                },
                masked,
            }]
        }
        EntryKind::Reply {
            reply,
            expected,
            encrypted,
        } => reply_lines(reply, *expected, *encrypted, lang),
        EntryKind::Info(note) => vec![plain(Marker::Info, note.describe(lang))],
        EntryKind::Error(note) => vec![plain(Marker::Error, note.describe(lang))],
    }
}

fn plain(marker: Marker, text: String) -> Line {
    Line {
        marker,
        text,
        masked: false,
    }
}

/// A reply's raw lines (334 challenges decoded alongside), then its
/// explanation.
pub fn reply_lines(reply: &Reply, expected: bool, encrypted: bool, lang: Lang) -> Vec<Line> {
    let marker = match (expected, encrypted) {
        (true, false) => Marker::Server,
        (false, false) => Marker::Unexpected,
        (true, true) => Marker::ServerTls,
        (false, true) => Marker::UnexpectedTls,
    };
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
    lines.push(plain(Marker::Explain, explanation(reply, lang)));
    if reply.bare_lf {
        lines.push(plain(Marker::Explain, t(lang, Msg::BareLfNote).to_owned()));
    }
    lines
}

/// A 334 challenge decoded, when it is base64 of printable text.
fn decode_printable(challenge: &str) -> Option<String> {
    if challenge.is_empty() {
        return None;
    }
    let decoded = decode_challenge(challenge).ok()?;
    let printable =
        !decoded.is_empty() && decoded.chars().all(|c| !c.is_control() && c != '\u{fffd}');
    printable.then_some(decoded)
}

/// `250: The requested action was completed. 2.1.0: …` for one reply.
pub fn explanation(reply: &Reply, lang: Lang) -> String {
    let mut text = format!("{}: {}", reply.code, explain_code(lang, reply.code));
    if let Some(enhanced) = reply.enhanced {
        text.push(' ');
        text.push_str(&enhanced.to_string());
        text.push_str(": ");
        text.push_str(
            explain_enhanced(lang, enhanced).unwrap_or(t(lang, Msg::NoEnhancedExplanation)),
        );
    }
    text
}

/// The transcript as JSON: one object per entry with its time, kind,
/// direction, TLS flag and lines (masked unless `reveal`); replies also
/// carry their code, enhanced code and explanation. With the session's
/// `outcome`, also `"outcome"` (the engine's typed verdict: codes such as
/// `{"Failed":{"step":…,"reason":{"Aborted":{"code":"cancelled"}}}}`) and
/// `"verdict"` (its English sentence).
///
/// Always in English, whatever the page's language: a report reads the
/// same for whoever receives it, and its codes are what tools match on.
pub fn to_json(entries: &[Entry], reveal: bool, outcome: Option<&Outcome>) -> Value {
    let lang = Lang::En;
    let rows: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let lines = entry_lines(entry, reveal, lang);
            let (texts, explains): (Vec<&Line>, Vec<&Line>) =
                lines.iter().partition(|l| l.marker != Marker::Explain);
            let texts: Vec<&str> = texts.iter().map(|l| l.text.as_str()).collect();
            let explains: Vec<&str> = explains.iter().map(|l| l.text.as_str()).collect();
            let mut row = json!({
                "at_ms": entry.at_ms,
                "marker": lines.first().map_or("", |l| l.marker.as_str().trim()),
                "lines": texts,
            });
            match &entry.kind {
                EntryKind::Sent {
                    secret, encrypted, ..
                } => {
                    row["kind"] = json!("sent");
                    row["encrypted"] = json!(encrypted);
                    row["masked"] = json!(*secret && !reveal);
                }
                EntryKind::Reply {
                    reply,
                    expected,
                    encrypted,
                } => {
                    row["kind"] = json!("reply");
                    row["encrypted"] = json!(encrypted);
                    row["expected"] = json!(expected);
                    row["code"] = json!(reply.code.as_u16());
                    row["enhanced"] = json!(reply.enhanced.map(|e| e.to_string()));
                    row["explanation"] = json!(explains);
                }
                EntryKind::Info(_) => row["kind"] = json!("info"),
                EntryKind::Error(_) => row["kind"] = json!("error"),
            }
            row
        })
        .collect();
    let mut value = json!({ "smtplab_transcript": 1, "entries": rows });
    if let Some(outcome) = outcome {
        value["outcome"] = serde_json::to_value(outcome).unwrap_or(Value::Null);
        value["verdict"] = json!(outcome.verdict.to_string());
    }
    value
}

/// The whole transcript as text, one line per [`Line`], timestamped.
pub fn to_text(entries: &[Entry], reveal: bool, lang: Lang) -> String {
    let blank = " ".repeat(timestamp(0).len());
    let mut out = String::new();
    for entry in entries {
        for line in entry_lines(entry, reveal, lang) {
            let stamp = if line.marker == Marker::Explain {
                blank.clone()
            } else {
                timestamp(entry.at_ms)
            };
            let prefix = if line.marker == Marker::Explain {
                "  #"
            } else {
                line.marker.as_str()
            };
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
        let lines = reply_lines(&reply(&["334 VXNlcm5hbWU6"]), true, false, Lang::En);
        assert_eq!(lines[0].text, "334 VXNlcm5hbWU6  (Username:)");
        assert_eq!(lines[0].marker, Marker::Server);
        let empty = reply_lines(&reply(&["334 "]), true, false, Lang::En);
        assert_eq!(empty[0].text, "334 ");
        let binary = reply_lines(&reply(&["334 AAEC"]), true, false, Lang::En);
        assert_eq!(
            binary[0].text, "334 AAEC",
            "control bytes are not shown decoded"
        );
    }

    #[test]
    fn every_reply_gets_an_explanation_with_the_enhanced_code() {
        let lines = reply_lines(
            &reply(&["550 5.1.1 <x@y>: Recipient address rejected"]),
            false,
            false,
            Lang::En,
        );
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].marker, Marker::Unexpected);
        assert_eq!(lines[1].marker, Marker::Explain);
        assert!(lines[1].text.starts_with("550: "), "{}", lines[1].text);
        assert!(lines[1].text.contains(" 5.1.1: "), "{}", lines[1].text);
        let multi = reply_lines(
            &reply(&["250-mx.example", "250-PIPELINING", "250 SIZE 1000"]),
            true,
            false,
            Lang::En,
        );
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
                encrypted: false,
            },
        );
        let hidden = to_text(std::slice::from_ref(&sent), false, Lang::En);
        assert!(!hidden.contains("AGtpbQBodW50ZXIy"), "{hidden}");
        assert!(hidden.contains("AUTH PLAIN ********"));
        assert!(entry_lines(&sent, false, Lang::En)[0].masked);
        let shown = to_text(std::slice::from_ref(&sent), true, Lang::En);
        assert!(shown.contains("AUTH PLAIN AGtpbQBodW50ZXIy"), "{shown}");
        assert!(!format!("{sent:?}").contains("AGtpbQ"), "Debug never leaks");
    }

    #[test]
    fn text_export_uses_swaks_markers_and_timestamps() {
        let entries = vec![
            entry(
                1,
                0,
                EntryKind::Info(Note::ConnectingVia("127.0.0.1:2525".into())),
            ),
            entry(
                2,
                12,
                EntryKind::Reply {
                    reply: reply(&["220 mx ESMTP"]),
                    expected: true,
                    encrypted: false,
                },
            ),
            entry(3, 13, sent("EHLO me", false)),
            entry(4, 2000, EntryKind::Error(Note::WebSocketClosed(1006))),
        ];
        let text = to_text(&entries, false, Lang::En);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "[+     0 ms] === connecting to 127.0.0.1:2525 through the bridge"
        );
        assert_eq!(lines[1], "[+    12 ms] <-  220 mx ESMTP");
        assert!(
            lines[2].starts_with("               # 220: "),
            "{}",
            lines[2]
        );
        assert_eq!(lines[3], "[+    13 ms]  -> EHLO me");
        assert_eq!(
            lines[4],
            "[+  2000 ms] *** the WebSocket to the bridge closed (code 1006)"
        );
        assert_eq!(lines.len(), 5);
    }

    fn sent(text: &str, encrypted: bool) -> EntryKind {
        EntryKind::Sent {
            text: text.into(),
            display: text.into(),
            secret: false,
            encrypted,
        }
    }

    #[test]
    fn encrypted_lines_use_swaks_tls_markers() {
        let entries = vec![
            entry(1, 1, sent("STARTTLS", false)),
            entry(
                2,
                2,
                EntryKind::Reply {
                    reply: reply(&["220 go ahead"]),
                    expected: true,
                    encrypted: false,
                },
            ),
            entry(3, 30, sent("EHLO me", true)),
            entry(
                4,
                31,
                EntryKind::Reply {
                    reply: reply(&["250 mx"]),
                    expected: true,
                    encrypted: true,
                },
            ),
            entry(
                5,
                32,
                EntryKind::Reply {
                    reply: reply(&["554 no"]),
                    expected: false,
                    encrypted: true,
                },
            ),
        ];
        let text = to_text(&entries, false, Lang::En);
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect();
        assert_eq!(
            lines,
            [
                "[+     1 ms]  -> STARTTLS",
                "[+     2 ms] <-  220 go ahead",
                "[+    30 ms]  ~> EHLO me",
                "[+    31 ms] <~  250 mx",
                "[+    32 ms] <~* 554 no",
            ]
        );
    }

    #[test]
    fn explanations_and_notes_follow_the_language() {
        let entries = vec![
            entry(1, 0, EntryKind::Info(Note::OpeningWebSocket)),
            entry(
                2,
                5,
                EntryKind::Reply {
                    reply: reply(&["535 5.7.8 bad"]),
                    expected: false,
                    encrypted: false,
                },
            ),
        ];
        let ja = to_text(&entries, false, Lang::Ja);
        assert!(
            ja.contains("=== ブリッジへの WebSocket を開いています"),
            "{ja}"
        );
        assert!(ja.contains("# 535: 認証に失敗しました。"), "{ja}");
        assert!(ja.contains("5.7.8: 認証情報が正しくありません。"), "{ja}");
    }

    #[test]
    fn json_export_masks_secrets_and_keeps_codes() {
        let entries = vec![
            entry(
                1,
                5,
                EntryKind::Sent {
                    text: "AUTH PLAIN AGtpbQBodW50ZXIy".into(),
                    display: "AUTH PLAIN ********".into(),
                    secret: true,
                    encrypted: true,
                },
            ),
            entry(
                2,
                9,
                EntryKind::Reply {
                    reply: reply(&["235 2.7.0 ok"]),
                    expected: true,
                    encrypted: true,
                },
            ),
        ];
        let value = to_json(&entries, false, None);
        let text = value.to_string();
        assert!(!text.contains("AGtpbQBodW50ZXIy"), "{text}");
        assert_eq!(value["entries"][0]["lines"][0], "AUTH PLAIN ********");
        assert_eq!(value["entries"][0]["marker"], "~>");
        assert_eq!(value["entries"][0]["masked"], true);
        assert_eq!(value["entries"][1]["code"], 235);
        assert_eq!(value["entries"][1]["enhanced"], "2.7.0");
        assert_eq!(value["entries"][1]["kind"], "reply");
        let shown = to_json(&entries, true, None);
        assert_eq!(
            shown["entries"][0]["lines"][0],
            "AUTH PLAIN AGtpbQBodW50ZXIy"
        );
        assert!(shown.get("outcome").is_none());
    }

    #[test]
    fn json_export_carries_the_typed_verdict_and_english_words() {
        use smtplab_shared::smtp::{AbortReason, FailReason, Step, Verdict};
        let outcome = Outcome {
            verdict: Verdict::Failed {
                step: Step::Connect,
                reason: FailReason::Aborted(AbortReason::Cancelled),
            },
            queue_id: None,
            capabilities: None,
            steps: Vec::new(),
            tls: None,
        };
        let entries = vec![entry(1, 0, EntryKind::Info(Note::OpeningWebSocket))];
        let value = to_json(&entries, false, Some(&outcome));
        assert_eq!(
            value["outcome"]["verdict"]["Failed"]["reason"]["Aborted"]["code"],
            "cancelled"
        );
        assert_eq!(
            value["verdict"],
            "failed at connect: aborted: cancelled by the user"
        );
        assert_eq!(
            value["entries"][0]["lines"][0],
            "opening a WebSocket to the bridge"
        );
    }

    #[test]
    fn console_masks_auth_payloads_and_challenge_answers() {
        assert_eq!(
            console_display("AUTH PLAIN AGtpbQBodW50ZXIy", false),
            ("AUTH PLAIN ********".to_owned(), true)
        );
        assert_eq!(
            console_display("auth login", false),
            ("auth login".to_owned(), false)
        );
        assert_eq!(console_display("a2lt", true), ("********".to_owned(), true));
        assert_eq!(console_display("NOOP", false), ("NOOP".to_owned(), false));
    }
}
