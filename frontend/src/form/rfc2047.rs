//! Reading back a subject that the composer wrote as RFC 2047 encoded
//! words, so a loaded session shows the subject as typed.
//! <https://www.rfc-editor.org/rfc/rfc2047#section-2>

use smtplab_shared::mime::decode_encoded_words;

/// The subject with its encoded words decoded (UTF-8, US-ASCII and
/// ISO-8859-1, B or Q; several words, folded or not, as
/// `smtplab_shared::mime` writes a long or non-ASCII subject); anything
/// else as it is.
pub(super) fn decode_subject(subject: &str) -> String {
    decode_encoded_words(subject)
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
            "ã",
            "Latin-1 words too, as other mailers write them"
        );
        assert_eq!(decode_subject("=?UTF-8?B?***?="), "=?UTF-8?B?***?=");
    }

    #[test]
    fn a_split_folded_japanese_subject_comes_back_whole() {
        // What the composer writes for a long Japanese subject: several
        // words of at most 75 characters, folded onto continuation lines.
        let folded = "=?utf-8?B?5pel5pys6Kqe44Gu5Lu25ZCN44Gv6ZW344GP44Gq44KK44G+44GZ?=\r\n \
                      =?utf-8?B?44CC44OG44K544OI55So44Gu5paH5a2X5YiX44KS5YWt5Y2B5paH5a2X44G+?=\r\n \
                      =?utf-8?B?44Gn57aa44GR44Gm44G/44G+44GX44KH44GG44CB44Gh44KD44KT44Go6Kqt?=\r\n \
                      =?utf-8?B?44KB44KL44GL44Gq77yf44GE44KN44Gv44Gr?=";
        assert_eq!(
            decode_subject(folded),
            "日本語の件名は長くなります。テスト用の文字列を六十文字まで続けてみましょう、ちゃんと読めるかな？いろはに"
        );
    }
}
