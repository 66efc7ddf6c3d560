//! The messages `smtplab send` builds with the shared MIME composer
//! ([`smtplab_shared::mime`]): attachments, an HTML alternative, custom
//! headers (RFC 2047 words for non-ASCII values); and the checks of a
//! `--data` file that is sent as it is.

use smtplab_shared::mime::{check_whole_message, Attachment, Composition, Header};

pub use smtplab_shared::mime::guess_content_type;

/// What the composer gets from the command line.
#[derive(Debug, Clone)]
pub struct Composed<'a> {
    /// The envelope sender, also the From header.
    pub from: &'a str,
    /// The recipients, also the To header.
    pub to: &'a [String],
    /// The Subject (a `--header Subject:` replaces it).
    pub subject: String,
    /// The text body.
    pub text: String,
    /// The HTML alternative.
    pub html: Option<String>,
    /// `--header`s, name and value, in order: one named From, To,
    /// Subject, Date or Message-ID replaces the generated one.
    pub headers: Vec<(String, String)>,
    /// The `--attach` files.
    pub attachments: Vec<FileAttachment>,
    /// The Date header.
    pub date: String,
    /// The Message-ID header.
    pub message_id: String,
}

/// One `--attach` file, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAttachment {
    /// Its name in the message (none: `--attach-name` without a value, or
    /// standard input).
    pub filename: Option<String>,
    /// Its MIME type.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The message: 7-bit, CRLF line endings.
///
/// # Errors
/// The composer's words (a bad header name, a MIME header given by hand,
/// a non-ASCII address in a MIME message…).
pub fn build(parts: Composed<'_>) -> Result<Vec<u8>, String> {
    let composition = Composition {
        from: parts.from.to_owned(),
        to: parts.to.to_vec(),
        subject: parts.subject,
        text: parts.text,
        html: parts.html,
        headers: parts
            .headers
            .into_iter()
            .map(|(name, value)| Header { name, value })
            .collect(),
        attachments: parts
            .attachments
            .into_iter()
            .map(|a| Attachment {
                filename: a.filename.unwrap_or_default(),
                content_type: Some(a.content_type),
                bytes: a.bytes,
            })
            .collect(),
        date: parts.date,
        message_id: parts.message_id,
    };
    composition.build().map_err(|e| e.to_string())
}

/// What is worth a warning in a `--data` file the engine sends as it is:
/// bare LF (or CR) line endings, which go out as CRLF (so a DKIM signature
/// made over the file's bytes may no longer verify), and lines over SMTP's
/// 998 octets, which servers may refuse or cut (RFC 5321 §4.5.3.1.6).
pub fn whole_message_warnings(path: &str, bytes: &[u8]) -> Vec<String> {
    let check = check_whole_message(bytes);
    let mut warnings = Vec::new();
    if check.bare_lf_lines > 0 {
        warnings.push(format!(
            "--data {path}: {} line(s) end in a bare LF (or CR); they are sent with CRLF, so a signature over the file's bytes may not verify",
            check.bare_lf_lines
        ));
    }
    if check.long_lines > 0 {
        warnings.push(format!(
            "--data {path}: {} line(s) are longer than SMTP's 998 octets (the longest: {}); servers may refuse the message or cut the lines",
            check.long_lines, check.longest_line
        ));
    }
    if !check.has_body_separator && !bytes.is_empty() {
        warnings.push(format!(
            "--data {path}: no blank line after the headers: the whole file is read as headers"
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_warnings_name_bare_lf_and_long_lines() {
        assert!(whole_message_warnings("m.eml", b"Subject: x\r\n\r\nbody\r\n").is_empty());
        let bare = whole_message_warnings("m.eml", b"Subject: x\n\nbody\n");
        assert_eq!(bare.len(), 1, "{bare:?}");
        assert!(bare[0].contains("3 line(s) end in a bare LF"), "{bare:?}");
        let long = format!("Subject: x\r\n\r\n{}\r\n", "a".repeat(1200));
        let long = whole_message_warnings("m.eml", long.as_bytes());
        assert_eq!(long.len(), 1, "{long:?}");
        assert!(long[0].contains("the longest: 1200"), "{long:?}");
    }

    #[test]
    fn headers_replace_generated_ones_and_attachments_make_it_mixed() {
        let to = vec!["ted@example.test".to_owned()];
        let message = build(Composed {
            from: "kim@example.test",
            to: &to,
            subject: "generated".into(),
            text: "hello\n".into(),
            html: None,
            headers: vec![
                ("Subject".into(), "given".into()),
                ("X-Test".into(), "1".into()),
            ],
            attachments: vec![FileAttachment {
                filename: Some("a.bin".into()),
                content_type: "application/octet-stream".into(),
                bytes: vec![0, 1, 2, 255],
            }],
            date: "Thu, 01 Jan 1970 00:00:00 +0000".into(),
            message_id: "<1@example.test>".into(),
        })
        .expect("builds");
        let text = String::from_utf8(message).expect("7-bit");
        assert!(text.contains("Subject: given\r\n"), "{text}");
        assert!(!text.contains("generated"), "{text}");
        assert!(text.contains("X-Test: 1\r\n"), "{text}");
        assert!(text.contains("multipart/mixed"), "{text}");
        assert!(text.contains("a.bin"), "{text}");
    }
}
