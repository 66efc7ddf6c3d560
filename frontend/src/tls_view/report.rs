//! The report's verification result (trusted, failed and why, or NOT
//! verified and what the check would have said) and its negotiated
//! parameters.

use smtplab_shared::tls::{TlsFailure, TlsReport, Verification};

use super::failure::failure_words;
use crate::i18n::{t, tf, Lang, Msg};

/// The verification result, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VerificationView {
    /// `trusted`, `failed`, `skipped` or `unchecked` (the `data-result`).
    pub(crate) result: &'static str,
    /// One sentence.
    pub(crate) words: String,
}

/// The verification of a report whose server name is `server_name`.
pub(crate) fn verification_view(
    verification: Option<&Verification>,
    server_name: &str,
    lang: Lang,
) -> VerificationView {
    match verification {
        None => VerificationView {
            result: "unchecked",
            words: t(lang, Msg::VerifUnchecked).to_owned(),
        },
        Some(v) => match (&v.problem, v.enforced) {
            (None, true) => VerificationView {
                result: "trusted",
                words: tf(lang, Msg::VerifTrusted, &[server_name]),
            },
            (Some(p), true) => VerificationView {
                result: "failed",
                words: tf(lang, Msg::VerifFailed, &[&failure_words(p, lang)]),
            },
            (problem, false) => VerificationView {
                result: "skipped",
                words: skipped_words(problem.as_ref(), lang),
            },
        },
    }
}

/// A certificate trusted exactly because its SHA-256 was pinned (or the
/// certificate itself was pasted): what that means, with the fingerprint.
pub(crate) fn pinned_words(sha256: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "trusted exactly: the server's certificate is the pinned one (SHA-256 {sha256}); its issuer, CA flag, names and dates are not checked"
        ),
        Lang::Ja => format!(
            "固定した証明書と完全に一致するため信頼 (SHA-256 {sha256})。発行者・CA フラグ・名前・有効期間は検査していません"
        ),
    }
}

/// "NOT verified (verification skipped)" and what the check would have said.
pub(crate) fn skipped_words(problem: Option<&TlsFailure>, lang: Lang) -> String {
    match problem {
        None => t(lang, Msg::VerifSkippedOk).to_owned(),
        Some(p) => tf(lang, Msg::VerifSkippedFail, &[&failure_words(p, lang)]),
    }
}

/// The negotiated parameters as label and value rows; what the handshake
/// did not reach is "unknown".
pub(crate) fn parameter_rows(
    report: &TlsReport,
    lang: Lang,
) -> Vec<(&'static str, &'static str, String)> {
    let or_unknown = |v: &Option<String>| {
        v.clone()
            .unwrap_or_else(|| t(lang, Msg::TlsNotAgreed).to_owned())
    };
    vec![
        (
            "tls-server-name",
            t(lang, Msg::TlsServerName),
            report.server_name.clone(),
        ),
        (
            "tls-protocol",
            t(lang, Msg::TlsProtocol),
            or_unknown(&report.protocol),
        ),
        (
            "tls-cipher",
            t(lang, Msg::TlsCipher),
            or_unknown(&report.cipher_suite),
        ),
        (
            "tls-key-exchange",
            t(lang, Msg::TlsKeyExchange),
            or_unknown(&report.key_exchange),
        ),
    ]
}

#[cfg(test)]
mod pin_tests {
    use super::*;

    #[test]
    fn a_pinned_certificate_is_said_to_be_trusted_exactly() {
        for lang in Lang::ALL {
            let words = pinned_words("AB:CD", lang);
            assert!(words.contains("SHA-256 AB:CD"), "{words}");
        }
        assert!(pinned_words("AB:CD", Lang::En).contains("trusted exactly"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls_view::tests::failure;
    use smtplab_shared::tls::TlsFailureKind;

    #[test]
    fn verification_is_trusted_failed_or_not_verified() {
        let trusted = Verification {
            enforced: true,
            problem: None,
        };
        let view = verification_view(Some(&trusted), "mx.example.test", Lang::En);
        assert_eq!(view.result, "trusted");
        assert!(view.words.contains("mx.example.test"), "{}", view.words);

        let failed = Verification {
            enforced: true,
            problem: Some(failure(TlsFailureKind::NameMismatch)),
        };
        let view = verification_view(Some(&failed), "mx", Lang::En);
        assert_eq!(view.result, "failed");
        assert!(
            view.words
                .starts_with("Verification failed: certificate name mismatch"),
            "{}",
            view.words
        );
        assert!(view.words.ends_with("(rustls says why)"), "{}", view.words);

        let skipped = Verification {
            enforced: false,
            problem: Some(failure(TlsFailureKind::SelfSigned)),
        };
        let view = verification_view(Some(&skipped), "mx", Lang::En);
        assert_eq!(view.result, "skipped");
        assert!(
            view.words.starts_with(
                "NOT verified (verification skipped); it would have failed: self-signed"
            ),
            "{}",
            view.words
        );
        let ja = verification_view(Some(&skipped), "mx", Lang::Ja);
        assert!(
            ja.words.contains("検証していません") && ja.words.contains("自己署名"),
            "{}",
            ja.words
        );

        let fine = Verification {
            enforced: false,
            problem: None,
        };
        assert!(verification_view(Some(&fine), "mx", Lang::En)
            .words
            .contains("would have verified"));
        assert_eq!(verification_view(None, "mx", Lang::En).result, "unchecked");
    }

    #[test]
    fn parameters_say_unknown_when_the_handshake_stopped_early() {
        let report: TlsReport =
            serde_json::from_str(r#"{"server_name":"mx","protocol":"TLSv1.3","chain":[]}"#)
                .expect("a report");
        let rows = parameter_rows(&report, Lang::En);
        assert_eq!(rows[1], ("tls-protocol", "Version", "TLSv1.3".to_owned()));
        assert_eq!(rows[2].2, "not agreed (the handshake did not get that far)");
    }
}
