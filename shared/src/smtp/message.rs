//! The DATA encoding of a message: CRLF line endings, dot-stuffing and the
//! end-of-data marker.
//! <https://www.rfc-editor.org/rfc/rfc5321#section-4.5.2>

/// The line that ends the message content (`.` CRLF).
pub const END_OF_DATA: &[u8] = b".\r\n";

/// A message ready to send after the 354.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedMessage {
    /// The content with CRLF endings, dot-stuffed, ending in CRLF (empty for
    /// an empty message), without [`END_OF_DATA`].
    pub bytes: Vec<u8>,
    /// How many lines `bytes` holds.
    pub lines: usize,
}

impl EncodedMessage {
    /// Encodes `text`: any of CRLF, bare LF or bare CR ends a line and
    /// becomes CRLF; a line starting with `.` gets another `.` in front; a
    /// last line without an ending gets CRLF.
    pub fn new(text: &str) -> Self {
        let mut bytes = Vec::with_capacity(text.len() + text.len() / 32 + 2);
        let mut lines = 0;
        let mut rest = text.as_bytes();
        while !rest.is_empty() {
            let end = rest
                .iter()
                .position(|&b| b == b'\r' || b == b'\n')
                .unwrap_or(rest.len());
            let line = &rest[..end];
            if line.first() == Some(&b'.') {
                bytes.push(b'.');
            }
            bytes.extend_from_slice(line);
            bytes.extend_from_slice(b"\r\n");
            lines += 1;
            let terminator = match rest.get(end..) {
                Some([b'\r', b'\n', ..]) => 2,
                Some([_, ..]) => 1,
                _ => 0,
            };
            rest = &rest[end + terminator..];
        }
        Self { bytes, lines }
    }

    /// The whole DATA payload: content then [`END_OF_DATA`].
    pub fn into_data(self) -> Vec<u8> {
        let mut bytes = self.bytes;
        bytes.extend_from_slice(END_OF_DATA);
        bytes
    }

    /// A transcript line standing for the content, e.g.
    /// `<message: 12 lines, 456 bytes>`.
    pub fn summary(&self) -> String {
        let plural = if self.lines == 1 { "" } else { "s" };
        format!(
            "<message: {} line{plural}, {} bytes>",
            self.lines,
            self.bytes.len()
        )
    }
}

/// Encodes `text` for DATA, end-of-data marker included; see
/// [`EncodedMessage::new`].
pub fn encode_data(text: &str) -> Vec<u8> {
    EncodedMessage::new(text).into_data()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn line_endings_are_normalised_to_crlf() {
        assert_eq!(encode_data("a\nb\r\nc\rd"), b"a\r\nb\r\nc\r\nd\r\n.\r\n");
        assert_eq!(encode_data("a\n\nb\n"), b"a\r\n\r\nb\r\n.\r\n");
        assert_eq!(encode_data("a\r\n\r\n"), b"a\r\n\r\n.\r\n");
        assert_eq!(encode_data("a\n\r"), b"a\r\n\r\n.\r\n");
    }

    #[test]
    fn missing_final_crlf_is_added() {
        assert_eq!(encode_data("body"), b"body\r\n.\r\n");
        assert_eq!(encode_data(""), b".\r\n");
    }

    #[test]
    fn lines_starting_with_a_dot_are_stuffed() {
        assert_eq!(
            encode_data(".\n..x\n a.\n.end"),
            b"..\r\n...x\r\n a.\r\n..end\r\n.\r\n"
        );
        let lone_dot = encode_data("Subject: t\r\n\r\n.\r\nafter\r\n");
        assert_eq!(lone_dot, b"Subject: t\r\n\r\n..\r\nafter\r\n.\r\n");
    }

    #[test]
    fn summary_counts_lines_and_bytes() {
        let message = EncodedMessage::new("a\nbb\n");
        assert_eq!(message.lines, 2);
        assert_eq!(message.summary(), "<message: 2 lines, 7 bytes>");
        assert_eq!(
            EncodedMessage::new("x").summary(),
            "<message: 1 line, 3 bytes>"
        );
    }
}
