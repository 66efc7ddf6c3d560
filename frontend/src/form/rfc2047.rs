//! Reading back a subject that `compose_message` wrote as an RFC 2047
//! encoded word, so a loaded session shows the subject as typed.
//! <https://www.rfc-editor.org/rfc/rfc2047#section-2>

use smtplab_shared::smtp::decode_challenge;

/// `=?UTF-8?B?…?=` (what `compose_message` writes for a non-ASCII subject)
/// decoded; anything else as it is.
pub(super) fn decode_subject(subject: &str) -> String {
    let encoded = subject
        .strip_prefix("=?")
        .and_then(|s| s.strip_suffix("?="))
        .and_then(|s| s.split_once('?'))
        .filter(|(charset, _)| charset.eq_ignore_ascii_case("utf-8"))
        .and_then(|(_, rest)| rest.strip_prefix("B?").or_else(|| rest.strip_prefix("b?")));
    match encoded.map(decode_challenge) {
        Some(Ok(text)) => text,
        _ => subject.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_base64_words_are_decoded_and_the_rest_kept() {
        assert_eq!(decode_subject("=?UTF-8?B?44OG44K544OI?="), "テスト");
        assert_eq!(decode_subject("=?utf-8?b?44OG44K544OI?="), "テスト");
        assert_eq!(decode_subject("plain subject"), "plain subject");
        assert_eq!(
            decode_subject("=?ISO-8859-1?B?4w==?="),
            "=?ISO-8859-1?B?4w==?=",
            "only the charset compose_message writes"
        );
        assert_eq!(decode_subject("=?UTF-8?B?***?="), "=?UTF-8?B?***?=");
    }
}
