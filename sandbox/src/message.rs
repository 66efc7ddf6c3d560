//! One message the sandbox received ([`StoredMessage`], the JSON the UI
//! reads) and the split of its raw text into header fields and body.

/// A message the sandbox accepted, with its envelope: the shared wire type
/// `GET /sandbox/messages` lists (see [`crate::Inbox::page`]), so the tab
/// reads exactly what is served.
pub use smtplab_shared::wire::sandbox::InboxMessage as StoredMessage;

/// Splits raw message text into its header fields (RFC 5322 §2.2: unfolded,
/// value trimmed) and the body after the first empty line. A line that is
/// neither a field nor a continuation ends the header section there and
/// starts the body, as a lenient reader would.
/// <https://www.rfc-editor.org/rfc/rfc5322#section-2.2>
pub(crate) fn split(raw: &[u8]) -> (Vec<(String, String)>, String) {
    let text = String::from_utf8_lossy(raw);
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut rest: &str = &text;
    loop {
        let (line, after) = match rest.find('\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            rest = after;
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
                rest = after;
                continue;
            }
        }
        match line.split_once(':') {
            Some((name, value)) if is_field_name(name) => {
                headers.push((name.to_owned(), value.trim().to_owned()));
                rest = after;
            }
            _ => break,
        }
        if rest.is_empty() {
            break;
        }
    }
    (headers, rest.to_owned())
}

/// RFC 5322 field names: printable ASCII except colon, at least one.
fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_headers_and_body_and_unfolds_continuations() {
        let raw = b"Subject: a long\r\n  subject\r\nFrom: <a@b>\r\n\r\nHello\r\n\r\nBye\r\n";
        let (headers, body) = split(raw);
        assert_eq!(
            headers,
            vec![
                ("Subject".to_owned(), "a long subject".to_owned()),
                ("From".to_owned(), "<a@b>".to_owned()),
            ]
        );
        assert_eq!(body, "Hello\r\n\r\nBye\r\n");
    }

    #[test]
    fn message_without_headers_is_all_body() {
        let (headers, body) = split(b"just text\r\nmore\r\n");
        assert!(headers.is_empty());
        assert_eq!(body, "just text\r\nmore\r\n");
    }

    #[test]
    fn headers_only_and_bare_lf_and_binary_do_not_panic() {
        let (headers, body) = split(b"A: 1\nB: 2");
        assert_eq!(headers.len(), 2);
        assert_eq!(body, "");
        let (_, body) = split(b"\xff\xfe: x\r\n\r\n\xff");
        assert!(body.contains('\u{fffd}'));
        let (headers, body) = split(b"");
        assert!(headers.is_empty() && body.is_empty());
    }
}
