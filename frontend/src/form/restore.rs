//! The form read back from a spec (a saved session, a share link, a
//! session file): a message the composer could have made (plain text,
//! custom headers) fills subject, body and header rows; any other message
//! (an HTML alternative, attachments' leftovers, a pasted one) comes back
//! in whole-message mode, as it is, so nothing of it is lost.

use smtplab_shared::smtp::SessionSpec;

use super::composer::{HeaderRow, RESERVED_HEADERS};
use super::mime::decode_encoded_words;
use super::{rfc2047, AuthChoice, Composer, Extensions, Form};

/// What the form shows of a message: subject, body, composer.
struct Restored {
    subject: String,
    body: String,
    composer: Composer,
}

/// Headers (unfolded, in order) and body of `text` (LF line endings), or
/// `None` without a blank line after the headers.
fn split(text: &str) -> Option<(Vec<(String, String)>, String)> {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n")?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            let (_, value) = headers.last_mut()?;
            value.push_str(line);
            continue;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.to_owned(), value.trim_start().to_owned()));
    }
    Some((headers, body.to_owned()))
}

/// The headers the composer writes itself (not header rows when read back).
const WRITTEN: [&str; 5] = ["from", "to", "subject", "date", "message-id"];

/// Quoted-printable (RFC 2045 §6.7) decoded; `None` if malformed.
fn decode_qp(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

/// The body as typed, from its transfer encoding (`None`: not one the
/// composer writes, or malformed).
fn decode_body(body: &str, encoding: Option<&str>) -> Option<String> {
    use base64::Engine as _;
    let bytes = match encoding {
        None | Some("7bit" | "8bit") => return Some(body.to_owned()),
        Some("base64") => {
            let compact: String = body.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .ok()?
        }
        Some("quoted-printable") => decode_qp(body)?,
        Some(_) => return None,
    };
    Some(String::from_utf8(bytes).ok()?.replace("\r\n", "\n"))
}

/// A message the composer writes: one text/plain part.
fn composed(text: &str) -> Option<Restored> {
    let (headers, body) = split(text)?;
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_ascii_lowercase())
    };
    if !get("content-type").is_none_or(|v| v.starts_with("text/plain")) {
        return None;
    }
    let body = decode_body(&body, get("content-transfer-encoding").as_deref())?;
    let rows = headers
        .iter()
        .filter(|(n, _)| {
            !RESERVED_HEADERS
                .iter()
                .chain(WRITTEN.iter())
                .any(|r| r.eq_ignore_ascii_case(n.trim()))
        })
        .map(|(name, value)| HeaderRow {
            name: name.trim().to_owned(),
            value: decode_encoded_words(value.trim()),
        })
        .collect();
    let subject = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("subject"))
        .map(|(_, v)| rfc2047::decode_subject(v))
        .unwrap_or_default();
    Some(Restored {
        subject,
        body,
        composer: Composer {
            headers: rows,
            ..Composer::default()
        },
    })
}

fn restore(message: &[u8]) -> Restored {
    let text = String::from_utf8_lossy(message);
    composed(&text).unwrap_or_else(|| {
        let mut composer = Composer::default();
        composer.load(message.to_vec());
        Restored {
            subject: Form::default().subject,
            body: Form::default().body,
            composer,
        }
    })
}

impl Form {
    /// The form showing `spec`; the date and Message-ID of a composed
    /// message are made again at run time.
    pub(crate) fn from_spec(spec: &SessionSpec) -> Self {
        let restored = restore(&spec.message);
        let mut form = Self {
            host: spec.host.clone(),
            port: spec.port.to_string(),
            ehlo_name: spec.ehlo_name.clone(),
            mail_from: spec.mail_from.clone(),
            rcpt_to: spec.rcpt_to.clone(),
            subject: restored.subject,
            body: restored.body,
            stop_after: spec.stop_after,
            tls: spec.tls,
            tls_chosen: true,
            composer: restored.composer,
            ext: Extensions::from_options(&spec.envelope),
            ..Self::default()
        };
        if form.rcpt_to.is_empty() {
            form.rcpt_to.push(String::new());
        }
        if let Some(auth) = &spec.auth {
            form.auth = AuthChoice::of(auth.mechanism);
            form.username = auth.username.clone();
            if auth.mechanism.uses_token() {
                form.token = auth.password.clone();
            } else {
                form.password = auth.password.clone();
            }
        }
        form
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::tests::filled;
    use crate::form::{ComposerField, ExtField, Field};

    #[test]
    fn composed_messages_come_back_with_their_header_rows() {
        let mut form = filled();
        form.composer.add_header();
        form.set(
            Field::Composer(ComposerField::HeaderName(0)),
            "X-Tag".into(),
        );
        form.set(Field::Composer(ComposerField::HeaderValue(0)), "one".into());
        form.set(Field::Ext(ExtField::Pipelining), "true".into());
        form.set(Field::Auth, "xoauth2".into());
        form.set(Field::Username, "kim".into());
        form.set(Field::Token, "ya29.token".into());
        let spec = form.to_spec(None, "d", "m@x").expect("valid");
        let back = Form::from_spec(&spec);
        assert_eq!(back.composer.headers, form.composer.headers);
        assert!(!back.composer.whole);
        assert!(back.ext.pipelining);
        assert_eq!(back.auth, AuthChoice::XOAuth2);
        assert_eq!(back.token.expose(), "ya29.token");
        assert_eq!(back.password.expose(), "");
        assert_eq!(back.subject, form.subject);
        assert_eq!(back.body, form.body);
        let mut qp = filled();
        qp.set(Field::Body, "Grüße\n.dot line\n".into());
        let back = Form::from_spec(&qp.to_spec(None, "d", "m@x").expect("valid"));
        assert_eq!(back.body, "Grüße\n.dot line\n");
        assert!(!back.composer.whole);
    }

    #[test]
    fn other_messages_come_back_whole() {
        let mut form = filled();
        form.set(Field::Composer(ComposerField::HtmlOn), "true".into());
        form.set(Field::Composer(ComposerField::Html), "<b>x</b>".into());
        let spec = form.to_spec(None, "d", "m@x").expect("valid");
        let back = Form::from_spec(&spec);
        assert!(back.composer.whole);
        assert_eq!(back.composer.raw.as_bytes(), spec.message.as_slice());
        let mut raw = filled();
        raw.set(Field::Composer(ComposerField::Whole), "true".into());
        raw.set(Field::Composer(ComposerField::Raw), "no separator".into());
        let spec = raw.to_spec(None, "d", "m").expect("valid");
        assert_eq!(Form::from_spec(&spec).composer.raw, "no separator");
    }
}
