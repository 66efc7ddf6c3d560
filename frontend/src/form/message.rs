//! The message the form sends: composed (subject, text, HTML alternative,
//! custom headers, attachments) with `smtplab_shared::mime`, or the whole
//! message as pasted or loaded; its size as sent; and the warnings about a
//! whole message.

use smtplab_shared::smtp::{wire_size, Capabilities};

use super::idn::{ascii_domain, platform};
use super::mime::{check_whole_message, Attachment, Composition, Header, WholeMessageCheck};
use super::{Form, FormError};

/// Converts a domain to A-labels (`xn--…`); `None` if it cannot.
pub(crate) type ToAscii<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A date of the usual length, for the size shown before Run.
const SAMPLE_DATE: &str = "Thu, 01 Jan 1970 00:00:00 +0000";
/// A Message-ID local part of the usual length (`browser::new_message_id`).
const SAMPLE_ID: &str = "1700000000000.a1b2c3d4e5f6";

/// Something to say about a whole message before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WholeWarning {
    /// This many lines end with a bare LF among CRLF lines: they go with CRLF.
    BareLf(usize),
    /// This many lines are longer than 998 octets; the longest has this many.
    LongLines(usize, usize),
    /// 8-bit bytes, and the server is not known to offer 8BITMIME.
    EightBit,
    /// No blank line between the headers and the body.
    NoSeparator,
}

/// The warnings about a whole message, given what the last run's EHLO
/// offered (`None`: not known).
pub(crate) fn whole_warnings(
    check: &WholeMessageCheck,
    has_cr: bool,
    capabilities: Option<&Capabilities>,
) -> Vec<WholeWarning> {
    let mut out = Vec::new();
    if check.bare_lf_lines > 0 && has_cr {
        out.push(WholeWarning::BareLf(check.bare_lf_lines));
    }
    if check.long_lines > 0 {
        out.push(WholeWarning::LongLines(
            check.long_lines,
            check.longest_line,
        ));
    }
    if check.eight_bit && !capabilities.is_some_and(|c| c.has("8BITMIME")) {
        out.push(WholeWarning::EightBit);
    }
    if !check.has_body_separator {
        out.push(WholeWarning::NoSeparator);
    }
    out
}

impl Form {
    /// The recipients as sent: trimmed, empty fields left out.
    pub(crate) fn recipients(&self) -> Vec<String> {
        self.rcpt_to
            .iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect()
    }

    /// The message: the whole message as typed, or one composed with
    /// `date` and `message_id`. `attachments` false leaves the files out
    /// (saved sessions, share links and session files never carry them);
    /// `strict` false skips bad header rows instead of refusing (a draft).
    /// The From and To headers get international domains as A-labels
    /// (`to_ascii`): a composed message is 7-bit.
    ///
    /// # Errors
    /// A bad header row, an empty whole message (when `strict`), or what
    /// the composer refused (a UTF-8 user name before the @, mostly).
    pub(crate) fn message(
        &self,
        date: &str,
        message_id: &str,
        attachments: bool,
        strict: bool,
        to_ascii: ToAscii<'_>,
    ) -> Result<Vec<u8>, FormError> {
        let composer = &self.composer;
        if composer.whole {
            let bytes = composer.whole_bytes();
            if strict && bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(FormError::EmptyMessage);
            }
            return Ok(bytes);
        }
        let headers = if strict {
            composer
                .checked_headers()
                .map_err(|(row, problem)| FormError::Header { row, problem })?
        } else {
            composer.valid_headers()
        };
        let attachments = if attachments {
            composer
                .attachments
                .iter()
                .map(|a| Attachment {
                    filename: a.filename.clone(),
                    content_type: Some(a.content_type.clone()),
                    bytes: a.bytes.to_vec(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let ascii = |a: String| ascii_domain(&a, to_ascii).unwrap_or(a);
        Composition {
            from: ascii(self.mail_from.trim().to_owned()),
            to: self.recipients().into_iter().map(ascii).collect(),
            subject: self.subject.clone(),
            text: self.body.clone(),
            html: composer.html_on.then(|| composer.html.clone()),
            headers: headers
                .into_iter()
                .map(|(name, value)| Header { name, value })
                .collect(),
            attachments,
            date: date.to_owned(),
            message_id: message_id.to_owned(),
        }
        .build()
        .map_err(FormError::Compose)
    }

    /// The size of the message as it will be sent (CRLF line endings,
    /// before dot-stuffing: what SIZE= declares), attachments included;
    /// the date and Message-ID are of the usual length. `None` while the
    /// form cannot make a message.
    pub(crate) fn message_size(&self) -> Option<u64> {
        let id = format!("{SAMPLE_ID}@{}", self.message_id_domain());
        self.message(SAMPLE_DATE, &id, true, false, &platform)
            .ok()
            .map(|m| wire_size(&m))
    }

    /// The whole-message checks (`None` outside whole-message mode).
    pub(crate) fn whole_check(&self) -> Option<(WholeMessageCheck, bool)> {
        self.composer.whole.then(|| {
            let bytes = self.composer.whole_bytes();
            (check_whole_message(&bytes), bytes.contains(&b'\r'))
        })
    }
}

/// `size` is over the server's SIZE limit: the limit.
pub(crate) fn over_size_limit(size: u64, capabilities: Option<&Capabilities>) -> Option<u64> {
    capabilities
        .and_then(Capabilities::max_size)
        .filter(|limit| *limit > 0 && size > *limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::composer::{AttachmentFile, ComposerField, HeaderProblem};
    use crate::form::tests::filled;
    use crate::form::Field;
    use smtplab_shared::smtp::Reply;

    fn none(_: &str) -> Option<String> {
        None
    }

    fn caps(lines: &[&str]) -> Capabilities {
        let mut all = vec!["250-mx.example".to_owned()];
        all.extend(lines.iter().map(|s| format!("250-{s}")));
        all.push("250 HELP".to_owned());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        Capabilities::from_ehlo(&Reply::from_lines(&all).expect("reply"))
    }

    #[test]
    fn header_rows_and_the_html_alternative_reach_the_message() {
        let mut form = filled();
        form.composer.add_header();
        form.set(
            Field::Composer(ComposerField::HeaderName(0)),
            "X-Campaign".into(),
        );
        form.set(
            Field::Composer(ComposerField::HeaderValue(0)),
            "spring".into(),
        );
        form.set(Field::Composer(ComposerField::HtmlOn), "true".into());
        form.set(Field::Composer(ComposerField::Html), "<p>hi</p>".into());
        let text = String::from_utf8(form.message("d", "m@x", true, true, &none).expect("built"))
            .expect("UTF-8");
        assert!(text.contains("X-Campaign: spring\r\n"), "{text}");
        assert!(text.contains("text/html"), "{text}");
        form.set(
            Field::Composer(ComposerField::HeaderName(0)),
            "Content-Type".into(),
        );
        assert_eq!(
            form.message("d", "m@x", true, true, &none),
            Err(FormError::Header {
                row: 0,
                problem: HeaderProblem::Reserved
            })
        );
        assert!(
            form.message("d", "m@x", true, false, &none).is_ok(),
            "a draft skips the row"
        );
    }

    #[test]
    fn attachments_go_only_into_the_run_and_count_in_the_size() {
        let mut form = filled();
        let before = form.message_size().expect("size");
        form.composer
            .attachments
            .push(AttachmentFile::new("blob.bin", "", vec![7; 3000]));
        let with = form.message("d", "m@x", true, true, &none).expect("built");
        let without = form.message("d", "m@x", false, true, &none).expect("built");
        let with_text = String::from_utf8_lossy(&with);
        assert!(with_text.contains("blob.bin"), "{with_text}");
        assert!(!String::from_utf8_lossy(&without).contains("blob.bin"));
        assert!(
            form.message_size().expect("size") > before + 4000,
            "base64 of 3000 bytes"
        );
    }

    #[test]
    fn a_whole_message_is_sent_as_typed_and_warned_about() {
        let mut form = filled();
        form.set(Field::Composer(ComposerField::Whole), "true".into());
        assert_eq!(
            form.message("d", "m", true, true, &none),
            Err(FormError::EmptyMessage)
        );
        let raw = "Subject: as is\n\nbody é\n";
        form.set(Field::Composer(ComposerField::Raw), raw.into());
        assert_eq!(
            form.message("d", "m", true, true, &none),
            Ok(raw.as_bytes().to_vec())
        );
        assert_eq!(form.message_size(), Some(wire_size(raw.as_bytes())));
        let (check, has_cr) = form.whole_check().expect("whole mode");
        assert_eq!(
            whole_warnings(&check, has_cr, None),
            vec![WholeWarning::EightBit],
            "pasted LF text is no bare-LF warning"
        );
        assert!(whole_warnings(&check, has_cr, Some(&caps(&["8BITMIME"]))).is_empty());
        let long = format!("Subject: x\r\n\r\n{}\nend\r\n", "a".repeat(1200));
        form.set(Field::Composer(ComposerField::Raw), long);
        let (check, has_cr) = form.whole_check().expect("whole mode");
        assert_eq!(
            whole_warnings(&check, has_cr, None),
            vec![WholeWarning::BareLf(1), WholeWarning::LongLines(1, 1200)]
        );
        form.set(
            Field::Composer(ComposerField::Raw),
            "no headers at all".into(),
        );
        let (check, has_cr) = form.whole_check().expect("whole mode");
        assert!(whole_warnings(&check, has_cr, None).contains(&WholeWarning::NoSeparator));
    }

    #[test]
    fn the_size_limit_is_only_known_after_ehlo() {
        assert_eq!(over_size_limit(5000, None), None);
        assert_eq!(
            over_size_limit(5000, Some(&caps(&["SIZE 1000"]))),
            Some(1000)
        );
        assert_eq!(over_size_limit(500, Some(&caps(&["SIZE 1000"]))), None);
        assert_eq!(
            over_size_limit(5000, Some(&caps(&["SIZE 0"]))),
            None,
            "0: no limit"
        );
        assert_eq!(over_size_limit(5000, Some(&caps(&["8BITMIME"]))), None);
    }
}
