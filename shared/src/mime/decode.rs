//! Reading back RFC 2047 encoded words, e.g. a saved message's subject.
//! <https://www.rfc-editor.org/rfc/rfc2047>

use base64::alphabet::STANDARD;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Base64 that takes words with or without their `=` padding.
const B: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A header value with its `=?charset?B|Q?…?=` words decoded (charsets
/// UTF-8, US-ASCII, ISO-8859-1 and windows-1252 as Latin-1; a `*language`
/// suffix is ignored). Whitespace (folds included) between two adjacent
/// encoded words is dropped, and the bytes of adjacent words in the same
/// charset are joined before decoding, so a character split across words
/// by another mailer still comes back. Anything else (plain text, words
/// in other charsets, malformed words) is kept as it is, except that a
/// fold (CRLF before a space or tab) is unfolded.
pub fn decode_encoded_words(value: &str) -> String {
    let value = unfold(value);
    let mut out = String::with_capacity(value.len());
    // Bytes of the run of adjacent words in one charset, not yet decoded.
    let mut pending: Option<(Charset, Vec<u8>)> = None;
    // Whitespace after the last encoded word, dropped if another follows.
    let mut gap = String::new();
    let mut rest = value.as_str();
    while !rest.is_empty() {
        let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if ws > 0 {
            if pending.is_some() {
                gap.push_str(&rest[..ws]);
            } else {
                out.push_str(&rest[..ws]);
            }
            rest = &rest[ws..];
            continue;
        }
        let token_len = rest.find([' ', '\t']).unwrap_or(rest.len());
        let (token, after) = rest.split_at(token_len);
        match parse_word(token) {
            Some((charset, bytes)) => {
                match &mut pending {
                    Some((current, buffer)) if *current == charset => buffer.extend(bytes),
                    _ => {
                        flush(&mut out, pending.take());
                        pending = Some((charset, bytes));
                    }
                }
                gap.clear();
            }
            None => {
                flush(&mut out, pending.take());
                out.push_str(&gap);
                gap.clear();
                out.push_str(token);
            }
        }
        rest = after;
    }
    flush(&mut out, pending);
    out.push_str(&gap);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Utf8,
    Latin1,
}

fn flush(out: &mut String, pending: Option<(Charset, Vec<u8>)>) {
    match pending {
        Some((Charset::Utf8, bytes)) => out.push_str(&String::from_utf8_lossy(&bytes)),
        Some((Charset::Latin1, bytes)) => out.extend(bytes.iter().map(|&b| char::from(b))),
        None => {}
    }
}

fn unfold(value: &str) -> String {
    value
        .replace("\r\n ", " ")
        .replace("\r\n\t", "\t")
        .replace("\n ", " ")
        .replace("\n\t", "\t")
}

/// One whole `=?charset?enc?text?=` token: its charset and bytes.
fn parse_word(token: &str) -> Option<(Charset, Vec<u8>)> {
    let inner = token.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut fields = inner.splitn(3, '?');
    let charset = fields.next()?;
    let encoding = fields.next()?;
    let text = fields.next()?;
    if text.contains('?') {
        return None;
    }
    let charset = charset.split('*').next().unwrap_or_default();
    let charset = if charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8") {
        Charset::Utf8
    } else if charset.eq_ignore_ascii_case("us-ascii") {
        // ASCII is a subset of both; Latin-1 keeps a stray high byte.
        Charset::Latin1
    } else if [
        "iso-8859-1",
        "latin1",
        "iso_8859-1",
        "windows-1252",
        "cp1252",
    ]
    .iter()
    .any(|c| charset.eq_ignore_ascii_case(c))
    {
        Charset::Latin1
    } else {
        return None;
    };
    let bytes = if encoding.eq_ignore_ascii_case("b") {
        B.decode(text).ok()?
    } else if encoding.eq_ignore_ascii_case("q") {
        decode_q(text)?
    } else {
        return None;
    };
    Some((charset, bytes))
}

fn decode_q(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn words_are_decoded_and_the_rest_kept() {
        assert_eq!(decode_encoded_words("=?UTF-8?B?44OG44K544OI?="), "テスト");
        assert_eq!(
            decode_encoded_words("=?utf-8?q?Caf=C3=A9_au_lait?="),
            "Café au lait"
        );
        assert_eq!(decode_encoded_words("=?ISO-8859-1?Q?a=E3o?="), "aão");
        assert_eq!(decode_encoded_words("=?us-ascii?B?aGk=?="), "hi");
        assert_eq!(
            decode_encoded_words("Re: =?utf-8?B?w6k=?= done"),
            "Re: é done",
            "spaces next to plain text stay"
        );
        assert_eq!(decode_encoded_words("plain  subject "), "plain  subject ");
        assert_eq!(decode_encoded_words("=?UTF-8?B?***?="), "=?UTF-8?B?***?=");
        assert_eq!(
            decode_encoded_words("=?koi8-r?B?aGk=?="),
            "=?koi8-r?B?aGk=?="
        );
    }

    #[test]
    fn a_folded_japanese_subject_comes_back_whole() {
        let folded = "=?utf-8?B?5pel5pys6Kqe44Gu5Lu25ZCN44Gv6ZW344GP44Gq44KK44G+44GZ?=\r\n \
                      =?utf-8?B?44CC44OG44K544OI55So44Gu5paH5a2X5YiX44KS5YWt5Y2B5paH5a2X44G+?=\r\n\t\
                      =?utf-8?B?44Gn57aa44GR44Gm44G/44G+44GX44KH44GG44CB44Gh44KD44KT44Go6Kqt?=\r\n \
                      =?utf-8?B?44KB44KL44GL44Gq77yf44GE44KN44Gv44Gr?=";
        assert_eq!(
            decode_encoded_words(folded),
            "日本語の件名は長くなります。テスト用の文字列を六十文字まで続けてみましょう、ちゃんと読めるかな？いろはに"
        );
    }

    #[test]
    fn whitespace_between_words_is_dropped_and_split_characters_joined() {
        // "é" (C3 A9) split across two words, with a fold between them.
        assert_eq!(
            decode_encoded_words("=?utf-8?Q?caf=C3?=\r\n =?utf-8?Q?=A9?="),
            "café"
        );
        assert_eq!(
            decode_encoded_words("=?utf-8?Q?a?= =?utf-8?Q?b?= c"),
            "ab c"
        );
    }
}
