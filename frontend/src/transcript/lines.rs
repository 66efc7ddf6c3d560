//! An entry's printable lines: the marker (swaks' `->`, `<-`, `<**`,
//! `~>`, `<~`, `<~*`, `===`, `***`), the timestamp column, 334 challenges
//! decoded, and the one-line explanation under every reply.

use smtplab_shared::smtp::{decode_challenge, Reply};

use super::{Entry, EntryKind};
use crate::i18n::{explain_code, explain_enhanced, t, Lang, Msg};

/// The marker at the start of a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
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
    pub(crate) fn as_str(self) -> &'static str {
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
    pub(crate) fn class(self) -> &'static str {
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
pub(crate) struct Line {
    /// The marker.
    pub(crate) marker: Marker,
    /// The text after the marker.
    pub(crate) text: String,
    /// True when `text` is a masked credential (so the view can style it).
    pub(crate) masked: bool,
}

/// `[+   123 ms]`: the timestamp column.
pub(crate) fn timestamp(at_ms: u64) -> String {
    format!("[+{at_ms:>6} ms]")
}

/// The lines of one entry; `reveal` shows credentials instead of the mask.
pub(crate) fn entry_lines(entry: &Entry, reveal: bool, lang: Lang) -> Vec<Line> {
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
fn reply_lines(reply: &Reply, expected: bool, encrypted: bool, lang: Lang) -> Vec<Line> {
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
fn explanation(reply: &Reply, lang: Lang) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::tests::reply;

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
}
