//! The DATA encoding of a message: CRLF line endings, dot-stuffing and the
//! end-of-data marker; the same without dot-stuffing for BDAT; and the
//! JSON form of a message's bytes.
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
    /// Encodes `text` for DATA: any of CRLF, bare LF or bare CR ends a
    /// line and becomes CRLF; a line starting with `.` gets another `.` in
    /// front; a last line without an ending gets CRLF.
    pub fn new(text: impl AsRef<[u8]>) -> Self {
        Self::encode(text.as_ref(), true)
    }

    /// Encodes `text` for BDAT (RFC 3030): the same CRLF line endings,
    /// no dot-stuffing (a chunk is counted, not terminated).
    pub fn for_bdat(text: impl AsRef<[u8]>) -> Self {
        Self::encode(text.as_ref(), false)
    }

    fn encode(text: &[u8], stuff: bool) -> Self {
        let mut bytes = Vec::with_capacity(text.len() + text.len() / 32 + 2);
        let mut lines = 0;
        let mut rest = text;
        while !rest.is_empty() {
            let end = rest
                .iter()
                .position(|&b| b == b'\r' || b == b'\n')
                .unwrap_or(rest.len());
            let line = &rest[..end];
            if stuff && line.first() == Some(&b'.') {
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
pub fn encode_data(text: impl AsRef<[u8]>) -> Vec<u8> {
    EncodedMessage::new(text).into_data()
}

/// The size of `text` once its line endings are CRLF, before dot-stuffing:
/// what `SIZE=` declares (RFC 1870 §3) and what BDAT sends.
pub fn wire_size(text: &[u8]) -> u64 {
    let mut size = 0u64;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\r' if text.get(i + 1) == Some(&b'\n') => {
                size += 2;
                i += 2;
                continue;
            }
            b'\r' | b'\n' => size += 2,
            _ => size += 1,
        }
        i += 1;
    }
    if !text.is_empty() && !matches!(text.last(), Some(b'\n' | b'\r')) {
        size += 2;
    }
    size
}

/// Serde for a message's bytes: a JSON string when they are UTF-8 (every
/// message the tab composes, and what older saved sessions hold), else
/// `{"base64":"…"}`, so a whole message in another charset is kept
/// byte for byte.
pub mod serde_bytes {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Form {
        Text(String),
        Base64 { base64: String },
    }

    /// Writes `bytes` as a string or `{"base64":…}`.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(bytes) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => Form::Base64 {
                base64: base64::engine::general_purpose::STANDARD.encode(bytes),
            }
            .serialize(serializer),
        }
    }

    /// Reads either form.
    ///
    /// # Errors
    /// Neither form, or invalid base64.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        match Form::deserialize(deserializer)? {
            Form::Text(text) => Ok(text.into_bytes()),
            Form::Base64 { base64 } => base64::engine::general_purpose::STANDARD
                .decode(base64)
                .map_err(serde::de::Error::custom),
        }
    }
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
    fn bdat_keeps_leading_dots_and_wire_size_counts_crlf() {
        let bdat = EncodedMessage::for_bdat(".a\nb");
        assert_eq!(bdat.bytes, b".a\r\nb\r\n");
        assert_eq!(wire_size(b".a\nb"), 7);
        assert_eq!(wire_size(b"a\r\nb\r\n"), 6);
        assert_eq!(wire_size(b"a\rb"), 6);
        assert_eq!(wire_size(b""), 0);
        for text in [&b"x\n.y\r\n\rz"[..], b"abc", b"\n\n"] {
            assert_eq!(
                wire_size(text),
                EncodedMessage::for_bdat(text).bytes.len() as u64
            );
        }
    }

    #[test]
    fn message_bytes_are_json_text_or_base64() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct M {
            #[serde(with = "serde_bytes")]
            m: Vec<u8>,
        }
        let utf8 = M { m: "ü".into() };
        let json = serde_json::to_string(&utf8).expect("serializes");
        assert_eq!(json, r#"{"m":"ü"}"#);
        assert_eq!(serde_json::from_str::<M>(&json).expect("reads"), utf8);
        let latin1 = M {
            m: vec![b'a', 0xFC],
        };
        let json = serde_json::to_string(&latin1).expect("serializes");
        assert_eq!(json, r#"{"m":{"base64":"Yfw="}}"#);
        assert_eq!(serde_json::from_str::<M>(&json).expect("reads"), latin1);
        assert!(serde_json::from_str::<M>(r#"{"m":{"base64":"***"}}"#).is_err());
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
