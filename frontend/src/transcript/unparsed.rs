//! What arrived of a reply the engine refused (garbage instead of a
//! greeting, an over-long reply), as transcript lines: escaped, folded
//! after the lines the engine kept, then why it was refused.

use smtplab_shared::smtp::{ProtocolError, Unparsed};

use super::line::{plain, Line, Marker};
use crate::i18n::{tf, Lang, Msg};
use crate::reason::protocol_words;

/// What arrived of a refused reply: each line escaped (control characters
/// as `\u{…}`) with `<**`, "… N more lines" when the engine kept only the
/// first ones, then the error with `***`.
pub(super) fn unparsed_lines(received: &Unparsed, error: &ProtocolError, lang: Lang) -> Vec<Line> {
    let mut lines: Vec<Line> = received
        .lines
        .iter()
        .map(|line| plain(Marker::Unexpected, escape(line)))
        .collect();
    if received.more_lines > 0 {
        let count = thousands(received.more_lines);
        lines.push(plain(
            Marker::Explain,
            tf(lang, Msg::UnparsedMoreLines, &[&count]),
        ));
    }
    lines.push(plain(
        Marker::Error,
        tf(lang, Msg::NoteNotAReply, &[&protocol_words(error, lang)]),
    ));
    lines
}

/// `line` with control characters escaped as in Rust (`\u{1}`, `\t`),
/// so binary bytes are visible and cannot disturb the view.
fn escape(line: &str) -> String {
    line.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `4800` → `4,800`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_counts_grouped() {
        assert_eq!(escape("a\u{1}\tb"), "a\\u{1}\\tb");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
