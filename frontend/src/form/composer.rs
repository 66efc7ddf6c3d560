//! The message composer's contents: custom header rows, the plain text's
//! optional HTML alternative, the attachments (never saved nor shared),
//! and the whole-message mode (a pasted or loaded RFC 5322 message sent as
//! is); the checks on a header row.

use std::rc::Rc;

/// One custom header row, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HeaderRow {
    /// The field name (`X-Campaign`).
    pub(crate) name: String,
    /// The value (non-ASCII is RFC 2047-encoded when the message is built).
    pub(crate) value: String,
}

/// A file picked to attach. Its bytes are shared between state versions
/// (no copy per render) and never leave the tab but in the message.
#[derive(Clone)]
pub(crate) struct AttachmentFile {
    /// The file's name.
    pub(crate) filename: String,
    /// The browser's type for it, else one guessed from the name.
    pub(crate) content_type: String,
    /// The contents.
    pub(crate) bytes: Rc<[u8]>,
}

impl AttachmentFile {
    /// A picked file; `browser_type` is `File.type` (often empty), else
    /// the type is guessed from the name.
    pub(crate) fn new(filename: &str, browser_type: &str, bytes: Vec<u8>) -> Self {
        let content_type = if browser_type.trim().is_empty() {
            super::mime::guess_content_type(filename).to_owned()
        } else {
            browser_type.trim().to_owned()
        };
        Self {
            filename: filename.to_owned(),
            content_type,
            bytes: bytes.into(),
        }
    }
}

impl PartialEq for AttachmentFile {
    fn eq(&self, other: &Self) -> bool {
        self.filename == other.filename
            && self.content_type == other.content_type
            && (Rc::ptr_eq(&self.bytes, &other.bytes) || self.bytes == other.bytes)
    }
}

impl Eq for AttachmentFile {}

impl std::fmt::Debug for AttachmentFile {
    /// Name, type and size; never the bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachmentFile")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .finish()
    }
}

/// One editable part of the composer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ComposerField {
    /// The name of the header row at this index.
    HeaderName(usize),
    /// The value of the header row at this index.
    HeaderValue(usize),
    /// Add an HTML alternative: `true` / `false`.
    HtmlOn,
    /// The HTML alternative.
    Html,
    /// Whole-message mode: `true` / `false`.
    Whole,
    /// The whole message, as pasted or loaded.
    Raw,
}

/// The composer: what goes into the message besides subject and text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Composer {
    /// Custom header rows, in order.
    pub(crate) headers: Vec<HeaderRow>,
    /// An HTML alternative is added.
    pub(crate) html_on: bool,
    /// The HTML alternative (kept while hidden).
    pub(crate) html: String,
    /// Picked files; not in saved sessions, share links or session files.
    pub(crate) attachments: Vec<AttachmentFile>,
    /// Send [`Self::raw`] as the message instead of composing one.
    pub(crate) whole: bool,
    /// The whole message (headers, blank line, body).
    pub(crate) raw: String,
    /// The bytes of a loaded .eml that is not UTF-8: sent instead of
    /// [`Self::raw`] (which shows them lossily) until the text is edited.
    pub(crate) loaded: Option<Bytes>,
}

/// Bytes shared between state versions; `Debug` gives their length only.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Bytes(pub(crate) Rc<[u8]>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

impl Composer {
    /// Stores a new value for `field`.
    pub(crate) fn set(&mut self, field: ComposerField, value: String) {
        match field {
            ComposerField::HeaderName(i) => {
                if let Some(row) = self.headers.get_mut(i) {
                    row.name = value;
                }
            }
            ComposerField::HeaderValue(i) => {
                if let Some(row) = self.headers.get_mut(i) {
                    row.value = value;
                }
            }
            ComposerField::HtmlOn => self.html_on = value == "true",
            ComposerField::Html => self.html = value,
            ComposerField::Whole => self.whole = value == "true",
            ComposerField::Raw => {
                self.raw = value;
                self.loaded = None;
            }
        }
    }

    /// A loaded message file: whole-message mode with its bytes, exactly
    /// (shown lossily when they are not UTF-8).
    pub(crate) fn load(&mut self, bytes: Vec<u8>) {
        self.whole = true;
        match String::from_utf8(bytes) {
            Ok(text) => {
                self.raw = text;
                self.loaded = None;
            }
            Err(e) => {
                self.raw = String::from_utf8_lossy(e.as_bytes()).into_owned();
                self.loaded = Some(Bytes(e.into_bytes().into()));
            }
        }
    }

    /// The whole message's bytes as they will be sent.
    pub(crate) fn whole_bytes(&self) -> Vec<u8> {
        match &self.loaded {
            Some(bytes) => bytes.0.to_vec(),
            None => self.raw.clone().into_bytes(),
        }
    }

    /// Adds an empty header row.
    pub(crate) fn add_header(&mut self) {
        self.headers.push(HeaderRow::default());
    }

    /// Removes a header row.
    pub(crate) fn remove_header(&mut self, index: usize) {
        if index < self.headers.len() {
            self.headers.remove(index);
        }
    }

    /// Removes an attachment.
    pub(crate) fn remove_attachment(&mut self, index: usize) {
        if index < self.attachments.len() {
            self.attachments.remove(index);
        }
    }

    /// The header rows to put in the message: empty rows are skipped, the
    /// others checked, names and values trimmed.
    ///
    /// # Errors
    /// The first bad row's index and problem.
    pub(crate) fn checked_headers(&self) -> Result<Vec<(String, String)>, (usize, HeaderProblem)> {
        let mut out = Vec::new();
        for (i, row) in self.headers.iter().enumerate() {
            let (name, value) = (row.name.trim(), row.value.trim());
            if name.is_empty() && value.is_empty() {
                continue;
            }
            check_header(name, value).map_err(|p| (i, p))?;
            out.push((name.to_owned(), value.to_owned()));
        }
        Ok(out)
    }

    /// The valid header rows only (for a draft, which may be half typed).
    pub(crate) fn valid_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|row| (row.name.trim(), row.value.trim()))
            .filter(|(name, value)| !name.is_empty() && check_header(name, value).is_ok())
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect()
    }
}

/// What is wrong with a custom header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderProblem {
    /// A value without a name.
    EmptyName,
    /// The name has a character other than printable ASCII, or a colon
    /// (RFC 5322 §3.6.8).
    BadName,
    /// The value has a line break (it would start another header).
    LineBreak,
    /// The composer writes this MIME header itself.
    Reserved,
}

/// The MIME headers the composer writes from the body and attachments; a
/// row cannot set them. (A row may replace From, To, Subject, Date or
/// Message-ID, e.g. to give From a display name.)
pub(crate) const RESERVED_HEADERS: [&str; 3] =
    ["mime-version", "content-type", "content-transfer-encoding"];

/// Checks one header row (trimmed name and value).
///
/// # Errors
/// The [`HeaderProblem`].
pub(crate) fn check_header(name: &str, value: &str) -> Result<(), HeaderProblem> {
    if name.is_empty() {
        return Err(HeaderProblem::EmptyName);
    }
    if !name.bytes().all(|b| (33..=126).contains(&b) && b != b':') {
        return Err(HeaderProblem::BadName);
    }
    if value.contains(['\r', '\n']) {
        return Err(HeaderProblem::LineBreak);
    }
    if RESERVED_HEADERS
        .iter()
        .any(|r| r.eq_ignore_ascii_case(name))
    {
        return Err(HeaderProblem::Reserved);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rows_are_added_edited_removed_and_checked() {
        let mut composer = Composer::default();
        composer.add_header();
        composer.add_header();
        composer.add_header();
        composer.set(ComposerField::HeaderName(0), " X-One ".into());
        composer.set(ComposerField::HeaderValue(0), "1".into());
        composer.set(ComposerField::HeaderName(2), "X-Three".into());
        composer.set(ComposerField::HeaderValue(2), "三".into());
        composer.set(ComposerField::HeaderName(9), "ignored".into());
        assert_eq!(
            composer.checked_headers(),
            Ok(vec![
                ("X-One".to_owned(), "1".to_owned()),
                ("X-Three".to_owned(), "三".to_owned())
            ]),
            "the empty middle row is skipped"
        );
        composer.set(ComposerField::HeaderValue(1), "orphan".into());
        assert_eq!(
            composer.checked_headers(),
            Err((1, HeaderProblem::EmptyName))
        );
        assert_eq!(composer.valid_headers().len(), 2);
        composer.remove_header(1);
        composer.remove_header(7);
        assert_eq!(composer.headers.len(), 2);
        assert_eq!(composer.headers[1].name, "X-Three");
    }

    #[test]
    fn bad_names_line_breaks_and_reserved_headers_are_refused() {
        assert_eq!(check_header("X-Ok", "v"), Ok(()));
        assert_eq!(check_header("X Bad", "v"), Err(HeaderProblem::BadName));
        assert_eq!(check_header("X:Bad", "v"), Err(HeaderProblem::BadName));
        assert_eq!(check_header("X-Ünï", "v"), Err(HeaderProblem::BadName));
        assert_eq!(
            check_header("X-Inject", "a\r\nBcc: x@y"),
            Err(HeaderProblem::LineBreak)
        );
        assert_eq!(
            check_header("content-type", "text/html"),
            Err(HeaderProblem::Reserved)
        );
        assert_eq!(
            check_header("MIME-Version", "1.0"),
            Err(HeaderProblem::Reserved)
        );
        assert_eq!(check_header("From", "Kim <kim@example.test>"), Ok(()));
        assert_eq!(check_header("", "v"), Err(HeaderProblem::EmptyName));
    }

    #[test]
    fn toggles_and_attachments() {
        let mut composer = Composer::default();
        composer.set(ComposerField::HtmlOn, "true".into());
        composer.set(ComposerField::Html, "<p>hi</p>".into());
        composer.set(ComposerField::Whole, "true".into());
        assert!(composer.html_on && composer.whole);
        composer.set(ComposerField::HtmlOn, "false".into());
        assert!(!composer.html_on);
        assert_eq!(composer.html, "<p>hi</p>", "the HTML is kept while hidden");
        composer
            .attachments
            .push(AttachmentFile::new("a.pdf", "", vec![1, 2, 3]));
        composer
            .attachments
            .push(AttachmentFile::new("b.bin", "image/png", vec![4]));
        assert_eq!(composer.attachments[0].content_type, "application/pdf");
        assert_eq!(composer.attachments[1].content_type, "image/png");
        let text = format!("{:?}", composer.attachments[0]);
        assert!(text.contains("size: 3"), "{text}");
        composer.remove_attachment(0);
        assert_eq!(composer.attachments[0].filename, "b.bin");
    }

    #[test]
    fn a_loaded_file_is_kept_byte_for_byte_until_edited() {
        let mut composer = Composer::default();
        composer.load(b"Subject: caf\xe9\r\n\r\nna\xefve\r\n".to_vec());
        assert!(composer.whole);
        assert_eq!(
            composer.whole_bytes(),
            b"Subject: caf\xe9\r\n\r\nna\xefve\r\n"
        );
        assert_eq!(composer.raw, "Subject: caf\u{fffd}\r\n\r\nna\u{fffd}ve\r\n");
        assert!(format!("{composer:?}").contains("<24 bytes>"));
        composer.set(ComposerField::Raw, "Subject: edited\n\nx".into());
        assert_eq!(composer.whole_bytes(), b"Subject: edited\n\nx");
        composer.load("Subject: ü\r\n\r\n".as_bytes().to_vec());
        assert_eq!(composer.loaded, None, "UTF-8 is kept as text");
        assert_eq!(composer.raw, "Subject: ü\r\n\r\n");
    }
}
