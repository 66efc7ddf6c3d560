//! The transcript as a sequence diagram: two lifelines (the client in this
//! tab, the server) and one arrow per line sent or reply received, in the
//! order they happened, with the time of each at the left.
//!
//! [`layout`] is a pure function of the entries, so what the picture shows
//! (which arrows, their words, their rows) is tested natively; the Yew
//! component only draws the rows it returns. Its texts come from the same
//! [`entry_lines_to`] as the text transcript, so a credential is masked in
//! the picture exactly when it is masked in the text.

use smtplab_shared::smtp::{Reply, ReplyTo};

use super::lines::{entry_lines_to, reply_targets, Marker};
use super::{Entry, EntryKind};
use crate::i18n::sequence::{ts, tsf, Sq};
use crate::i18n::Lang;
use crate::note::Note;

/// Width of the picture, in user units (it scales to its box).
pub(crate) const VIEW_WIDTH: f64 = 360.0;
/// Where the lifelines' headings sit (their baseline).
pub(crate) const HEAD_Y: f64 = 14.0;
/// The client's lifeline.
pub(crate) const CLIENT_X: f64 = 64.0;
/// The server's lifeline.
pub(crate) const SERVER_X: f64 = VIEW_WIDTH - 12.0;
/// Right edge of the time column (text anchored at its end).
pub(crate) const TIME_X: f64 = CLIENT_X - 8.0;
/// Where the first row starts.
const TOP: f64 = 30.0;
/// Height of an arrow's row: its label above, the arrow at the bottom.
pub(crate) const ARROW_ROW: f64 = 26.0;
/// Height of a marker's row (TLS established, an error).
pub(crate) const MARKER_ROW: f64 = 22.0;
/// Room under the last row.
const BOTTOM: f64 = 8.0;
/// The widest label, in columns (a wide character counts two): what fits
/// between the lifelines in the monospaced label font.
pub(crate) const LABEL_COLUMNS: usize = 40;
/// The widest lifeline heading, in columns.
const HEAD_COLUMNS: usize = 30;

/// Which way an arrow points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// From the client to the server: a line sent.
    C2s,
    /// From the server to the client: a reply (or what arrived of one).
    S2c,
}

impl Dir {
    /// `c2s` or `s2c`, for `data-dir`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::C2s => "c2s",
            Self::S2c => "s2c",
        }
    }
}

/// How an arrow or marker went, for its colour (the words say it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    /// A line sent: no verdict.
    Sent,
    /// 2xx or 3xx, or TLS established.
    Ok,
    /// 4xx: try again later.
    Warn,
    /// 5xx, a refused reply, an error.
    Fail,
}

impl Tone {
    /// The tone of a reply code.
    fn of_code(code: u16) -> Self {
        match code / 100 {
            2 | 3 => Self::Ok,
            4 => Self::Warn,
            _ => Self::Fail,
        }
    }

    /// A CSS class.
    pub(crate) fn class(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Ok => "ok",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// What a row draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowKind {
    /// An arrow between the lifelines.
    Arrow {
        /// Its direction.
        dir: Dir,
        /// The reply code (`None` for a line sent or an unparsable reply).
        code: Option<u16>,
        /// True when the label shows a masked credential.
        masked: bool,
    },
    /// A band across both lifelines: TLS established, or an error.
    Marker,
}

/// One row of the picture.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// The entry's key.
    pub(crate) id: u64,
    /// What it draws.
    pub(crate) kind: RowKind,
    /// Its colour.
    pub(crate) tone: Tone,
    /// The words on it, shortened to fit (an ellipsis says so).
    pub(crate) label: String,
    /// The whole text, for its `<title>`.
    pub(crate) title: String,
    /// Milliseconds since the session started.
    pub(crate) at_ms: u64,
    /// Top of the row, in user units.
    pub(crate) y: f64,
    /// Its height.
    pub(crate) height: f64,
}

/// The whole picture.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Diagram {
    /// The client's heading.
    pub(crate) client: String,
    /// The server's heading (`server HOST:PORT`, shortened to fit).
    pub(crate) server: String,
    /// The server's whole heading.
    pub(crate) server_title: String,
    /// The rows, top to bottom.
    pub(crate) rows: Vec<Row>,
    /// Lines sent.
    pub(crate) sent: usize,
    /// Replies received.
    pub(crate) replies: usize,
    /// The picture's height.
    pub(crate) height: f64,
}

/// Lays the transcript out as a sequence diagram: one arrow per line sent
/// (masked unless `reveal`, as in the text), one per reply (a multi-line
/// reply is one arrow with its last line's code and its line count), a
/// band where TLS was established or an error happened; other notes are
/// left to the text. The server's heading comes from the transcript's
/// "connecting to HOST:PORT" note.
pub(crate) fn layout(entries: &[Entry], reveal: bool, lang: Lang) -> Diagram {
    let targets = reply_targets(entries);
    let mut rows = Vec::new();
    let mut y = TOP;
    let (mut sent, mut replies) = (0, 0);
    let mut target = None;
    for (entry, to) in entries.iter().zip(targets) {
        let drawn = match &entry.kind {
            EntryKind::Sent { .. } => {
                sent += 1;
                Some(sent_row(entry, reveal, lang))
            }
            EntryKind::Reply { reply, .. } => {
                replies += 1;
                Some(reply_row(entry, reply, to, lang))
            }
            EntryKind::Unparsed { .. } => {
                replies += 1;
                let title = whole_text(entry, to, lang);
                let first = title.lines().next().unwrap_or_default().to_owned();
                Some((
                    RowKind::Arrow {
                        dir: Dir::S2c,
                        code: None,
                        masked: false,
                    },
                    Tone::Fail,
                    first,
                    title,
                ))
            }
            EntryKind::Info(Note::ConnectingVia(to)) => {
                target.get_or_insert_with(|| to.clone());
                None
            }
            EntryKind::Info(note @ Note::TlsEstablished { .. }) => {
                let text = note.describe(lang);
                Some((RowKind::Marker, Tone::Ok, text.clone(), text))
            }
            EntryKind::Error(note) => {
                let text = note.describe(lang);
                Some((RowKind::Marker, Tone::Fail, text.clone(), text))
            }
            EntryKind::Info(_) => None,
        };
        if let Some((kind, tone, label, title)) = drawn {
            let height = match kind {
                RowKind::Arrow { .. } => ARROW_ROW,
                RowKind::Marker => MARKER_ROW,
            };
            rows.push(Row {
                id: entry.id,
                kind,
                tone,
                label: truncate(&label, LABEL_COLUMNS),
                title,
                at_ms: entry.at_ms,
                y,
                height,
            });
            y += height;
        }
    }
    let server_title = match &target {
        Some(target) => tsf(lang, Sq::Server, &[target]),
        None => ts(lang, Sq::UnknownServer).to_owned(),
    };
    Diagram {
        client: ts(lang, Sq::Client).to_owned(),
        server: truncate(&server_title, HEAD_COLUMNS),
        server_title,
        rows,
        sent,
        replies,
        height: y + BOTTOM,
    }
}

/// A line sent, as the text transcript shows it (masked unless revealed).
fn sent_row(entry: &Entry, reveal: bool, lang: Lang) -> (RowKind, Tone, String, String) {
    let line = entry_lines_to(entry, ReplyTo::Other, reveal, lang)
        .into_iter()
        .next();
    let (text, masked) = line.map_or((String::new(), false), |l| (l.text, l.masked));
    (
        RowKind::Arrow {
            dir: Dir::C2s,
            code: None,
            masked,
        },
        Tone::Sent,
        text.clone(),
        text,
    )
}

/// A reply: its first line, or its code and line count when it has many;
/// the title holds every line and the explanation.
fn reply_row(
    entry: &Entry,
    reply: &Reply,
    to: ReplyTo,
    lang: Lang,
) -> (RowKind, Tone, String, String) {
    let code = reply.code.as_u16();
    let label = match reply.lines.as_slice() {
        [one] => one.clone(),
        lines => tsf(
            lang,
            Sq::Lines,
            &[&code.to_string(), &lines.len().to_string()],
        ),
    };
    (
        RowKind::Arrow {
            dir: Dir::S2c,
            code: Some(code),
            masked: false,
        },
        Tone::of_code(code),
        label,
        whole_text(entry, to, lang),
    )
}

/// Every line the text transcript shows for `entry`, explanations too.
fn whole_text(entry: &Entry, to: ReplyTo, lang: Lang) -> String {
    entry_lines_to(entry, to, false, lang)
        .into_iter()
        .map(|line| match line.marker {
            Marker::Explain => format!("  {}", line.text),
            _ => line.text,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// How many columns `c` takes in a monospaced font: two for East Asian
/// wide characters (a rough test: everything from U+1100 that is not a
/// symbol commonly drawn narrow), one otherwise.
fn columns(c: char) -> usize {
    match c as u32 {
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F => {
            2
        }
        0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// `text` on one line in at most `max` columns: line breaks become spaces
/// and what does not fit is cut, ending in `…`.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().map(columns).sum::<usize>() <= max {
        return flat;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in flat.chars() {
        // One column stays free for the ellipsis.
        if used + columns(c) > max.saturating_sub(1) {
            break;
        }
        used += columns(c);
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::tests::{entry, reply, sent};

    fn got(id: u64, at_ms: u64, lines: &[&str], encrypted: bool) -> Entry {
        entry(
            id,
            at_ms,
            EntryKind::Reply {
                reply: reply(lines),
                expected: true,
                encrypted,
            },
        )
    }

    fn secret(id: u64, text: &str) -> Entry {
        entry(
            id,
            40,
            EntryKind::Sent {
                text: text.into(),
                display: super::super::MASK.into(),
                secret: true,
                encrypted: true,
            },
        )
    }

    /// A STARTTLS session with AUTH LOGIN, as the engine records it.
    fn session() -> Vec<Entry> {
        vec![
            entry(
                1,
                0,
                EntryKind::Info(Note::ConnectingVia("127.0.0.1:2525".into())),
            ),
            got(2, 5, &["220 mx.example ESMTP Postfix"], false),
            entry(3, 6, sent("EHLO me.example", false)),
            got(
                4,
                8,
                &[
                    "250-mx.example",
                    "250-PIPELINING",
                    "250-STARTTLS",
                    "250 SMTPUTF8",
                ],
                false,
            ),
            entry(5, 9, sent("STARTTLS", false)),
            got(6, 10, &["220 2.0.0 Ready to start TLS"], false),
            entry(
                7,
                30,
                EntryKind::Info(Note::TlsEstablished {
                    protocol: Some("TLSv1.3".into()),
                    cipher: Some("TLS13_AES_128_GCM_SHA256".into()),
                }),
            ),
            entry(8, 31, sent("AUTH LOGIN", true)),
            got(9, 32, &["334 VXNlcm5hbWU6"], true),
            secret(10, "a2ltQGV4YW1wbGUuY29t"),
            got(11, 33, &["334 UGFzc3dvcmQ6"], true),
            secret(12, "aHVudGVyMg=="),
            got(13, 35, &["235 2.7.0 Authentication successful"], true),
            entry(14, 36, sent("RCPT TO:<nobody@example.com>", true)),
            got(15, 37, &["450 4.2.0 Try later"], true),
            got(16, 38, &["554 5.7.1 Relay access denied"], true),
        ]
    }

    fn arrows(diagram: &Diagram) -> Vec<(Dir, Option<u16>, &str)> {
        diagram
            .rows
            .iter()
            .filter_map(|r| match r.kind {
                RowKind::Arrow { dir, code, .. } => Some((dir, code, r.label.as_str())),
                RowKind::Marker => None,
            })
            .collect()
    }

    #[test]
    fn one_arrow_per_line_sent_and_per_reply_in_order() {
        let diagram = layout(&session(), false, Lang::En);
        let arrows = arrows(&diagram);
        assert_eq!(diagram.sent, 6);
        assert_eq!(diagram.replies, 8);
        assert_eq!(arrows.len(), 14);
        assert_eq!(
            arrows.iter().filter(|a| a.0 == Dir::C2s).count(),
            diagram.sent
        );
        assert_eq!(
            arrows[0],
            (Dir::S2c, Some(220), "220 mx.example ESMTP Postfix")
        );
        assert_eq!(arrows[1], (Dir::C2s, None, "EHLO me.example"));
        assert_eq!(diagram.client, "client (this tab)");
        assert_eq!(diagram.server, "server 127.0.0.1:2525");
        // Rows follow each other down the picture.
        for pair in diagram.rows.windows(2) {
            assert_eq!(pair[0].y + pair[0].height, pair[1].y);
        }
        let last = diagram.rows.last().expect("rows");
        assert_eq!(diagram.height, last.y + last.height + BOTTOM);
    }

    #[test]
    fn a_multi_line_reply_is_one_arrow_with_its_last_code_and_count() {
        let diagram = layout(&session(), false, Lang::En);
        let ehlo = &diagram.rows[2];
        assert_eq!(ehlo.label, "250 … 4 lines");
        assert!(
            ehlo.title.contains("250-PIPELINING") && ehlo.title.contains("250 SMTPUTF8"),
            "{}",
            ehlo.title
        );
        let ja = layout(&session(), false, Lang::Ja);
        assert_eq!(ja.rows[2].label, "250 … 4 行");
    }

    #[test]
    fn auth_credentials_are_masked_unless_revealed() {
        let hidden = layout(&session(), false, Lang::En);
        for row in &hidden.rows {
            for secret in ["a2ltQGV4YW1wbGUuY29t", "aHVudGVyMg=="] {
                assert!(
                    !row.label.contains(secret) && !row.title.contains(secret),
                    "{row:?}"
                );
            }
        }
        let masked: Vec<&Row> = hidden
            .rows
            .iter()
            .filter(|r| matches!(r.kind, RowKind::Arrow { masked: true, .. }))
            .collect();
        assert_eq!(masked.len(), 2);
        assert!(masked.iter().all(|r| r.label == super::super::MASK));
        let shown = layout(&session(), true, Lang::En);
        let labels: Vec<&str> = shown.rows.iter().map(|r| r.label.as_str()).collect();
        assert!(labels.contains(&"aHVudGVyMg=="), "{labels:?}");
    }

    #[test]
    fn replies_are_toned_by_class_and_tls_is_a_marker() {
        let diagram = layout(&session(), false, Lang::En);
        let tone = |code: u16| {
            diagram
                .rows
                .iter()
                .find(|r| matches!(r.kind, RowKind::Arrow { code: Some(c), .. } if c == code))
                .map(|r| r.tone)
        };
        assert_eq!(tone(235), Some(Tone::Ok));
        assert_eq!(tone(334), Some(Tone::Ok));
        assert_eq!(tone(450), Some(Tone::Warn));
        assert_eq!(tone(554), Some(Tone::Fail));
        let tls: Vec<&Row> = diagram
            .rows
            .iter()
            .filter(|r| r.kind == RowKind::Marker)
            .collect();
        assert_eq!(tls.len(), 1);
        assert!(
            tls[0].label.starts_with("TLS established: TLSv1.3"),
            "{}",
            tls[0].label
        );
        assert_eq!(tls[0].at_ms, 30);
        // The challenge is shown decoded in the title, as in the text.
        let challenge = &diagram.rows[7];
        assert!(challenge.title.contains("(Username:)"), "{challenge:?}");
    }

    #[test]
    fn long_labels_end_in_an_ellipsis_and_keep_the_whole_text_in_the_title() {
        let long = format!("MAIL FROM:<{}@example.com>", "x".repeat(80));
        let entries = [entry(1, 0, sent(&long, false))];
        let diagram = layout(&entries, false, Lang::En);
        let row = &diagram.rows[0];
        assert!(row.label.ends_with('…'), "{}", row.label);
        assert_eq!(row.label.chars().count(), LABEL_COLUMNS);
        assert_eq!(row.title, long);
        assert_eq!(diagram.server, "server", "no connecting note");
    }

    #[test]
    fn truncation_counts_wide_characters_twice() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("a\nb", 10), "a b");
        assert_eq!(truncate("abcdefghijkl", 6), "abcde…");
        let ja = truncate("あいうえおかきくけこ", 7);
        assert_eq!(ja, "あいう…");
        assert_eq!(truncate("ab cdef", 4), "ab…");
    }
}
