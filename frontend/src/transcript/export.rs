//! The transcript as text (what the Copy and Download .txt buttons give)
//! and as JSON, made from the same lines as the view.

use serde_json::{json, Value};
use smtplab_shared::smtp::Outcome;

#[cfg(test)]
use super::lines::entry_lines;
use super::lines::{entry_lines_to, reply_targets, timestamp, Line, Marker};
use super::{Entry, EntryKind};
use crate::i18n::Lang;

/// The transcript as JSON: one object per entry with its time, kind,
/// direction, TLS flag and lines (masked unless `reveal`); replies also
/// carry their code, enhanced code and explanation. With the session's
/// `outcome`, also `"outcome"` (the engine's typed verdict: codes such as
/// `{"Failed":{"step":…,"reason":{"Aborted":{"code":"cancelled"}}}}`) and
/// `"verdict"` (its English sentence).
///
/// Always in English, whatever the page's language: a report reads the
/// same for whoever receives it, and its codes are what tools match on.
pub(crate) fn to_json(entries: &[Entry], reveal: bool, outcome: Option<&Outcome>) -> Value {
    let lang = Lang::En;
    let targets = reply_targets(entries);
    let rows: Vec<Value> = entries
        .iter()
        .zip(targets)
        .map(|(entry, to)| {
            let lines = entry_lines_to(entry, to, reveal, lang);
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
                EntryKind::Unparsed { received, .. } => {
                    row["kind"] = json!("unparsed");
                    row["more_lines"] = json!(received.more_lines);
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
pub(crate) fn to_text(entries: &[Entry], reveal: bool, lang: Lang) -> String {
    let blank = " ".repeat(timestamp(0).len());
    let mut out = String::new();
    for (entry, to) in entries.iter().zip(reply_targets(entries)) {
        for line in entry_lines_to(entry, to, reveal, lang) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::Note;
    use crate::transcript::tests::{entry, reply, sent};

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
            refused_recipients: Vec::new(),
            pipelined_flights: Vec::new(),
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
}
