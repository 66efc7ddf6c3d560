//! TLS failures in words: each failure kind's title and advice, a
//! failure with the engine's detail, and the setup errors (pasted CA text,
//! trust anchors).

use smtplab_shared::tls::{TlsFailure, TlsFailureKind, TlsSetupError};

use crate::i18n::{t, tf, Lang, Msg};

/// The short title of a failure kind, e.g. "certificate expired".
fn kind_title(kind: TlsFailureKind, lang: Lang) -> &'static str {
    use TlsFailureKind as K;
    let msg = match kind {
        K::NotOffered => Msg::TlsKindNotOffered,
        K::Expired => Msg::TlsKindExpired,
        K::NotYetValid => Msg::TlsKindNotYetValid,
        K::UnknownIssuer => Msg::TlsKindUnknownIssuer,
        K::SelfSigned => Msg::TlsKindSelfSigned,
        K::NameMismatch => Msg::TlsKindNameMismatch,
        K::Revoked => Msg::TlsKindRevoked,
        K::BadCertificate => Msg::TlsKindBadCertificate,
        K::NotTls => Msg::TlsKindNotTls,
        K::Handshake => Msg::TlsKindHandshake,
        K::InvalidServerName => Msg::TlsKindInvalidServerName,
    };
    t(lang, msg)
}

/// What a failure kind means and what to do about it, one sentence.
fn kind_advice(kind: TlsFailureKind, lang: Lang) -> &'static str {
    use TlsFailureKind as K;
    let msg = match kind {
        K::NotOffered => Msg::TlsAdviceNotOffered,
        K::Expired => Msg::TlsAdviceExpired,
        K::NotYetValid => Msg::TlsAdviceNotYetValid,
        K::UnknownIssuer => Msg::TlsAdviceUnknownIssuer,
        K::SelfSigned => Msg::TlsAdviceSelfSigned,
        K::NameMismatch => Msg::TlsAdviceNameMismatch,
        K::Revoked => Msg::TlsAdviceRevoked,
        K::BadCertificate => Msg::TlsAdviceBadCertificate,
        K::NotTls => Msg::TlsAdviceNotTls,
        K::Handshake => Msg::TlsAdviceHandshake,
        K::InvalidServerName => Msg::TlsAdviceInvalidServerName,
    };
    t(lang, msg)
}

/// A failure in words: its title, the advice, then the engine's detail
/// (rustls's own words, English).
pub(crate) fn failure_words(failure: &TlsFailure, lang: Lang) -> String {
    tf(
        lang,
        Msg::TlsFailureWords,
        &[
            kind_title(failure.kind, lang),
            kind_advice(failure.kind, lang),
            &failure.detail,
        ],
    )
}

/// A [`TlsSetupError`] (pasted CA text, trust anchors) in words.
pub(crate) fn setup_error_words(error: &TlsSetupError, lang: Lang) -> String {
    match error {
        TlsSetupError::BadPem(why) => tf(lang, Msg::TlsSetupBadPem, &[why]),
        TlsSetupError::NoCertificateInPem => t(lang, Msg::TlsSetupNoCert).to_owned(),
        TlsSetupError::BadCa { index, why } => {
            tf(lang, Msg::TlsSetupBadCa, &[&index.to_string(), why])
        }
        TlsSetupError::NoTrustAnchors => t(lang, Msg::TlsSetupNoAnchors).to_owned(),
        TlsSetupError::Provider(why) => tf(lang, Msg::TlsSetupProvider, &[why]),
        TlsSetupError::NoPublicRoots => t(lang, Msg::TlsSetupNoPublicRoots).to_owned(),
        TlsSetupError::PublicRootsUnavailable(why) => {
            tf(lang, Msg::TlsSetupPublicRootsUnavailable, &[why])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls_view::tests::failure;

    #[test]
    fn every_failure_kind_has_words_in_both_languages() {
        use TlsFailureKind as K;
        let kinds = [
            K::NotOffered,
            K::Expired,
            K::NotYetValid,
            K::UnknownIssuer,
            K::SelfSigned,
            K::NameMismatch,
            K::Revoked,
            K::BadCertificate,
            K::NotTls,
            K::Handshake,
            K::InvalidServerName,
        ];
        for lang in Lang::ALL {
            let titles: std::collections::HashSet<_> =
                kinds.iter().map(|k| kind_title(*k, lang)).collect();
            assert_eq!(titles.len(), kinds.len(), "titles are distinct in {lang:?}");
            let advice: std::collections::HashSet<_> =
                kinds.iter().map(|k| kind_advice(*k, lang)).collect();
            assert_eq!(advice.len(), kinds.len(), "advice is distinct in {lang:?}");
        }
        assert_eq!(kind_title(K::Expired, Lang::En), K::Expired.title());
        assert!(failure_words(&failure(K::UnknownIssuer), Lang::Ja).contains("発行者"));
    }

    #[test]
    fn setup_errors_are_worded() {
        let words = setup_error_words(&TlsSetupError::NoCertificateInPem, Lang::En);
        assert!(words.contains("BEGIN CERTIFICATE"), "{words}");
        let words = setup_error_words(
            &TlsSetupError::BadCa {
                index: 2,
                why: "not a CA".into(),
            },
            Lang::Ja,
        );
        assert!(words.contains('2') && words.contains("not a CA"), "{words}");
    }
}
