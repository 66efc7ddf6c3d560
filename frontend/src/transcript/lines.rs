//! An entry's printable lines: the marker (swaks' `->`, `<-`, `<**`,
//! `~>`, `<~`, `<~*`, `===`, `***`), the timestamp column, 334 challenges
//! decoded, and the one-line explanation under every reply.

use smtplab_shared::smtp::{decode_printable_challenge, Reply, ReplyTo};

use super::line::plain;
pub(crate) use super::line::{Line, Marker};
use super::unparsed::unparsed_lines;
use super::{Entry, EntryKind};
use crate::i18n::{explain_enhanced, explain_reply, t, Lang, Msg};
use crate::note::Note;

/// `[+   123 ms]`: the timestamp column.
pub(crate) fn timestamp(at_ms: u64) -> String {
    format!("[+{at_ms:>6} ms]")
}

/// The lines of one entry; `reveal` shows credentials instead of the mask.
/// A reply is explained without knowing its command (see [`entry_lines_to`]).
#[cfg(test)]
pub(crate) fn entry_lines(entry: &Entry, reveal: bool, lang: Lang) -> Vec<Line> {
    entry_lines_to(entry, ReplyTo::Other, reveal, lang)
}

/// The command each entry's reply answers ([`ReplyTo::Other`] for entries
/// that are no reply), in order: replies answer the commands sent, oldest
/// first (pipelined commands too). A line that is no command (an AUTH
/// response after a 334) answers to the command before it; message content
/// answers nothing, its final `.` is [`ReplyTo::Message`]. A reply before
/// any command after a connect is the greeting.
pub(crate) fn reply_targets<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Vec<ReplyTo> {
    let mut pending = std::collections::VecDeque::new();
    let mut last = ReplyTo::Greeting;
    let mut after_334 = false;
    let mut sent_any = false;
    entries
        .into_iter()
        .map(|entry| match &entry.kind {
            EntryKind::Sent { text, .. } => {
                match ReplyTo::from_line(text) {
                    Some(to) => {
                        pending.push_back(to);
                        last = to;
                    }
                    None if after_334 => pending.push_back(last),
                    None => {}
                }
                sent_any = true;
                ReplyTo::Other
            }
            EntryKind::Reply { reply, .. } => {
                after_334 = reply.code.as_u16() == 334;
                match pending.pop_front() {
                    Some(to) => to,
                    None if sent_any => ReplyTo::Other,
                    None => ReplyTo::Greeting,
                }
            }
            EntryKind::Info(note) => {
                if matches!(note, Note::Connected { .. }) {
                    pending.clear();
                    sent_any = false;
                    after_334 = false;
                }
                ReplyTo::Other
            }
            EntryKind::Unparsed { .. } | EntryKind::Error(_) => ReplyTo::Other,
        })
        .collect()
}

/// The lines of one entry, a reply explained as the answer to `to`.
pub(crate) fn entry_lines_to(entry: &Entry, to: ReplyTo, reveal: bool, lang: Lang) -> Vec<Line> {
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
        } => reply_lines(reply, to, *expected, *encrypted, lang),
        EntryKind::Unparsed { received, error } => unparsed_lines(received, error, lang),
        EntryKind::Info(note) => vec![plain(Marker::Info, note.describe(lang))],
        EntryKind::Error(note) => vec![plain(Marker::Error, note.describe(lang))],
    }
}

/// A reply's raw lines (334 challenges decoded alongside), then its
/// explanation.
fn reply_lines(
    reply: &Reply,
    to: ReplyTo,
    expected: bool,
    encrypted: bool,
    lang: Lang,
) -> Vec<Line> {
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
                if let Some(decoded) = decode_printable_challenge(challenge) {
                    text.push_str("  (");
                    text.push_str(&decoded);
                    text.push(')');
                }
            }
            plain(marker, text)
        })
        .collect();
    lines.push(plain(Marker::Explain, explanation(reply, to, lang)));
    if reply.bare_lf {
        lines.push(plain(Marker::Explain, t(lang, Msg::BareLfNote).to_owned()));
    }
    lines
}

/// `250: The requested action was completed. 2.1.0: …` for one reply.
fn explanation(reply: &Reply, to: ReplyTo, lang: Lang) -> String {
    let mut text = format!(
        "{}: {}",
        reply.code,
        explain_reply(lang, to, reply.code, reply.enhanced)
    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::tests::reply;
    use smtplab_shared::smtp::{ProtocolError, Unparsed};

    #[test]
    fn challenges_are_shown_decoded() {
        let lines = reply_lines(
            &reply(&["334 VXNlcm5hbWU6"]),
            ReplyTo::Other,
            true,
            false,
            Lang::En,
        );
        assert_eq!(lines[0].text, "334 VXNlcm5hbWU6  (Username:)");
        assert_eq!(lines[0].marker, Marker::Server);
        let empty = reply_lines(&reply(&["334 "]), ReplyTo::Other, true, false, Lang::En);
        assert_eq!(empty[0].text, "334 ");
        let binary = reply_lines(&reply(&["334 AAEC"]), ReplyTo::Other, true, false, Lang::En);
        assert_eq!(
            binary[0].text, "334 AAEC",
            "control bytes are not shown decoded"
        );
    }

    fn entry(kind: EntryKind) -> Entry {
        Entry {
            id: 0,
            at_ms: 0,
            kind,
        }
    }

    fn sent(text: &str) -> Entry {
        entry(EntryKind::Sent {
            text: text.into(),
            display: text.into(),
            secret: false,
            encrypted: false,
        })
    }

    fn got(lines: &[&str]) -> Entry {
        entry(EntryKind::Reply {
            reply: reply(lines),
            expected: true,
            encrypted: false,
        })
    }

    #[test]
    fn each_reply_is_explained_for_the_command_that_got_it() {
        let entries = [
            got(&["220 mx.example ESMTP"]),
            sent("EHLO me.example"),
            got(&["250 mx.example"]),
            sent("AUTH LOGIN"),
            got(&["334 VXNlcm5hbWU6"]),
            sent("Ym9i"),
            got(&["503 5.5.1 Error: authentication not enabled"]),
            sent("MAIL FROM:<a@example.com>"),
            sent("RCPT TO:<x@elsewhere.example>"),
            got(&["250 2.1.0 Ok"]),
            got(&["554 5.7.1 <x@elsewhere.example>: Relay access denied"]),
            sent("DATA"),
            got(&["354 go"]),
            sent("(message: 3 lines)"),
            sent("."),
            got(&["554 5.7.1 spam"]),
        ];
        let targets = reply_targets(&entries);
        assert_eq!(targets[0], ReplyTo::Greeting);
        assert_eq!(targets[4], ReplyTo::Auth);
        assert_eq!(
            targets[6],
            ReplyTo::Auth,
            "the answer to a 334 is still AUTH"
        );
        assert_eq!(targets[9], ReplyTo::Mail, "pipelined: oldest command first");
        assert_eq!(targets[10], ReplyTo::Rcpt);
        assert_eq!(targets[12], ReplyTo::Data);
        assert_eq!(targets[15], ReplyTo::Message);
        let explain = |i: usize| {
            entry_lines_to(&entries[i], targets[i], false, Lang::En)[1]
                .text
                .clone()
        };
        let relay = explain(10);
        assert!(
            relay.contains("Relay refused") && relay.contains("AUTH"),
            "{relay}"
        );
        assert!(!relay.contains("greeting"), "{relay}");
        let auth = explain(6);
        assert!(
            auth.contains("STARTTLS") && !auth.contains("RCPT before MAIL"),
            "{auth}"
        );
        let ja = entry_lines_to(&entries[10], targets[10], false, Lang::Ja)[1]
            .text
            .clone();
        assert!(ja.contains("中継"), "{ja}");
    }

    #[test]
    fn what_arrived_of_a_refused_reply_is_shown_escaped_and_folded() {
        use smtplab_shared::smtp::ParseError;
        let received = Unparsed {
            lines: vec![
                "SSH-2.0-OpenSSH_9.2".into(),
                "\u{1}\u{2}bin\tary\u{7f}".into(),
            ],
            more_lines: 4800,
        };
        let error = ProtocolError::Parse {
            error: ParseError::BadCode {
                line: "SSH-2.0-OpenSSH_9.2".into(),
            },
            received: None,
        };
        let unparsed = entry(EntryKind::Unparsed { received, error });
        let lines = entry_lines(&unparsed, false, Lang::En);
        let texts: Vec<(&str, &str)> = lines
            .iter()
            .map(|l| (l.marker.as_str(), l.text.as_str()))
            .collect();
        assert_eq!(texts[0], ("<**", "SSH-2.0-OpenSSH_9.2"));
        assert_eq!(texts[1], ("<**", "\\u{1}\\u{2}bin\\tary\\u{7f}"));
        assert_eq!(texts[2].1, "… 4,800 more lines");
        assert_eq!(texts[3].0, "***");
        assert!(
            texts[3].1.starts_with("not a valid reply: "),
            "{}",
            texts[3].1
        );
        assert_eq!(lines.len(), 4);
        let ja = entry_lines(&unparsed, false, Lang::Ja);
        assert!(ja[2].text.contains("4,800"), "{}", ja[2].text);
    }

    #[test]
    fn every_reply_gets_an_explanation_with_the_enhanced_code() {
        let lines = reply_lines(
            &reply(&["550 5.1.1 <x@y>: Recipient address rejected"]),
            ReplyTo::Other,
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
            ReplyTo::Other,
            true,
            false,
            Lang::En,
        );
        assert_eq!(multi.len(), 4);
        assert!(multi[..3].iter().all(|l| l.marker == Marker::Server));
    }
}
