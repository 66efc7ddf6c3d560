//! The engine's TLS report in the user's words: the verification result
//! (trusted, failed and why, or NOT verified and what the check found),
//! each certificate of the chain with its validity in days, failure kinds
//! explained, and the STARTTLS hint for a server that requires it.
//!
//! Plain functions over `smtplab_shared::tls` types, in the page's
//! language, unit-tested natively; the `TlsPanel` component only lays them
//! out.

use smtplab_shared::smtp::{Reply, TlsMode};
use smtplab_shared::tls::{
    CertInfo, TlsFailure, TlsFailureKind, TlsReport, TlsSetupError, Verification,
};

use crate::i18n::{t, tf, Lang, Msg};

/// Every TLS mode, in the form's order.
pub const TLS_MODES: [TlsMode; 4] = [
    TlsMode::None,
    TlsMode::StartTls,
    TlsMode::StartTlsIfOffered,
    TlsMode::Implicit,
];

/// A mode's `<option>` value (as the session file spells it).
pub fn mode_value(mode: TlsMode) -> &'static str {
    match mode {
        TlsMode::None => "none",
        TlsMode::StartTls => "start_tls",
        TlsMode::StartTlsIfOffered => "start_tls_if_offered",
        TlsMode::Implicit => "implicit",
    }
}

/// Parses a mode's `<option>` value.
pub fn parse_mode(value: &str) -> Option<TlsMode> {
    TLS_MODES.into_iter().find(|m| mode_value(*m) == value)
}

/// A mode's label in the form.
pub fn mode_label(mode: TlsMode, lang: Lang) -> &'static str {
    let msg = match mode {
        TlsMode::None => Msg::TlsModeNone,
        TlsMode::StartTls => Msg::TlsModeStartTls,
        TlsMode::StartTlsIfOffered => Msg::TlsModeIfOffered,
        TlsMode::Implicit => Msg::TlsModeImplicit,
    };
    t(lang, msg)
}

/// The short title of a failure kind, e.g. "certificate expired".
pub fn kind_title(kind: TlsFailureKind, lang: Lang) -> &'static str {
    use TlsFailureKind as K;
    #[allow(unreachable_patterns)] // shared may add kinds: they show as a handshake failure
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
        K::InvalidServerName => Msg::TlsKindInvalidServerName,
        _ => Msg::TlsKindHandshake,
    };
    t(lang, msg)
}

/// What a failure kind means and what to do about it, one sentence.
pub fn kind_advice(kind: TlsFailureKind, lang: Lang) -> &'static str {
    use TlsFailureKind as K;
    #[allow(unreachable_patterns)] // shared may add kinds: they show as a handshake failure
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
        K::InvalidServerName => Msg::TlsAdviceInvalidServerName,
        _ => Msg::TlsAdviceHandshake,
    };
    t(lang, msg)
}

/// A failure in words: its title, the advice, then the engine's detail
/// (rustls's own words, English).
pub fn failure_words(failure: &TlsFailure, lang: Lang) -> String {
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
pub fn setup_error_words(error: &TlsSetupError, lang: Lang) -> String {
    #[allow(unreachable_patterns)] // shared may add variants: they show in English
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
        other => other.to_string(),
    }
}

/// The verification result, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationView {
    /// `trusted`, `failed`, `skipped` or `unchecked` (the `data-result`).
    pub result: &'static str,
    /// One sentence.
    pub words: String,
}

/// The verification of a report whose server name is `server_name`.
pub fn verification_view(
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

/// "NOT verified (verification skipped)" and what the check would have said.
pub fn skipped_words(problem: Option<&TlsFailure>, lang: Lang) -> String {
    match problem {
        None => t(lang, Msg::VerifSkippedOk).to_owned(),
        Some(p) => tf(lang, Msg::VerifSkippedFail, &[&failure_words(p, lang)]),
    }
}

/// How long a certificate stays valid, from the report's `days_left`.
pub fn days_left_words(days: i64, lang: Lang) -> String {
    match days {
        d if d > 1 => tf(lang, Msg::DaysLeft, &[&d.to_string()]),
        1 => t(lang, Msg::DayLeft).to_owned(),
        0 => t(lang, Msg::ExpiresToday).to_owned(),
        -1 => t(lang, Msg::ExpiredOneDay).to_owned(),
        d => tf(lang, Msg::ExpiredDaysAgo, &[&d.unsigned_abs().to_string()]),
    }
}

/// One certificate, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertView {
    /// "Server certificate" or "Certificate #n".
    pub title: String,
    /// Label and value rows.
    pub rows: Vec<(&'static str, String)>,
    /// `ok`, `soon` (under 30 days left), `expired`, `early` (not valid
    /// yet) or `unknown` (the `data-validity`).
    pub validity: &'static str,
}

/// Days left under which a certificate is flagged as expiring soon.
pub const SOON_DAYS: i64 = 30;

/// The certificate at `index` of a chain checked at `checked_at`.
pub fn cert_view(cert: &CertInfo, index: usize, checked_at: Option<u64>, lang: Lang) -> CertView {
    let title = if index == 0 {
        t(lang, Msg::CertServer).to_owned()
    } else {
        tf(lang, Msg::CertNumber, &[&(index + 1).to_string()])
    };
    let sha256 = (t(lang, Msg::CertFingerprint), cert.sha256.clone());
    if let Some(error) = &cert.parse_error {
        return CertView {
            title,
            rows: vec![(t(lang, Msg::CertUnreadable), error.clone()), sha256],
            validity: "unknown",
        };
    }
    let early = checked_at
        .and_then(|now| i64::try_from(now).ok())
        .is_some_and(|now| now < cert.not_before_unix);
    let (validity, state) = match cert.days_left {
        _ if early => ("early", tf(lang, Msg::NotValidBefore, &[&cert.not_before])),
        Some(d) if d < 0 => ("expired", days_left_words(d, lang)),
        Some(d) if d < SOON_DAYS => ("soon", days_left_words(d, lang)),
        Some(d) => ("ok", days_left_words(d, lang)),
        None => ("unknown", String::new()),
    };
    let period = tf(lang, Msg::CertPeriod, &[&cert.not_before, &cert.not_after]);
    let validity_text = if state.is_empty() {
        period
    } else {
        format!("{period} ({state})")
    };
    let key = match cert.key_bits {
        Some(bits) => tf(lang, Msg::KeyWithBits, &[&cert.key_type, &bits.to_string()]),
        None => cert.key_type.clone(),
    };
    let mut subject = cert.subject.clone();
    if cert.self_issued {
        subject = format!("{subject} ({})", t(lang, Msg::CertSelfIssued));
    }
    let sans = if cert.sans.is_empty() {
        t(lang, Msg::CertNoSans).to_owned()
    } else {
        cert.sans.join(", ")
    };
    CertView {
        title,
        rows: vec![
            (t(lang, Msg::CertSubject), subject),
            (t(lang, Msg::CertIssuer), cert.issuer.clone()),
            (t(lang, Msg::CertSans), sans),
            (t(lang, Msg::CertValidity), validity_text),
            (t(lang, Msg::CertKey), key),
            sha256,
        ],
        validity,
    }
}

/// The negotiated parameters as label and value rows; what the handshake
/// did not reach is "unknown".
pub fn parameter_rows(report: &TlsReport, lang: Lang) -> Vec<(&'static str, &'static str, String)> {
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

/// True when `reply` says the server wants STARTTLS first (530 naming
/// STARTTLS or TLS, or 538 "encryption required") on a session that did
/// not use TLS: then the UI suggests the STARTTLS mode.
pub fn needs_starttls(reply: &Reply, encrypted: bool) -> bool {
    if encrypted {
        return false;
    }
    match reply.code.as_u16() {
        538 => true,
        530 => reply
            .lines
            .iter()
            .any(|l| l.to_ascii_uppercase().contains("TLS")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(days_left: Option<i64>) -> CertInfo {
        CertInfo {
            subject: "CN=mx.example.test".into(),
            issuer: "CN=Test CA".into(),
            sans: vec!["DNS:mx.example.test".into(), "IP:127.0.0.1".into()],
            not_before: "2025-01-01 00:00:00 UTC".into(),
            not_after: "2026-01-01 00:00:00 UTC".into(),
            not_before_unix: 1_735_689_600,
            not_after_unix: 1_767_225_600,
            days_left,
            key_type: "EC P-256".into(),
            key_bits: Some(256),
            sha256: "AB:CD".into(),
            self_issued: false,
            parse_error: None,
        }
    }

    fn failure(kind: TlsFailureKind) -> TlsFailure {
        TlsFailure {
            kind,
            detail: "rustls says why".into(),
        }
    }

    #[test]
    fn days_left_are_worded_around_expiry() {
        assert_eq!(days_left_words(214, Lang::En), "214 days left");
        assert_eq!(days_left_words(1, Lang::En), "1 day left");
        assert_eq!(days_left_words(0, Lang::En), "expires today");
        assert_eq!(days_left_words(-1, Lang::En), "expired yesterday");
        assert_eq!(days_left_words(-40, Lang::En), "expired 40 days ago");
        assert_eq!(days_left_words(214, Lang::Ja), "残り 214 日");
        assert_eq!(days_left_words(-40, Lang::Ja), "40 日前に期限切れ");
    }

    #[test]
    fn a_certificate_shows_names_validity_key_and_fingerprint() {
        let view = cert_view(&cert(Some(214)), 0, Some(1_748_736_000), Lang::En);
        assert_eq!(view.title, "Server certificate");
        assert_eq!(view.validity, "ok");
        let row = |label: &str| {
            view.rows
                .iter()
                .find(|(l, _)| *l == label)
                .map(|(_, v)| v.clone())
                .expect(label)
        };
        assert_eq!(row("Subject"), "CN=mx.example.test");
        assert_eq!(
            row("Alternative names"),
            "DNS:mx.example.test, IP:127.0.0.1"
        );
        assert_eq!(
            row("Valid"),
            "2025-01-01 00:00:00 UTC → 2026-01-01 00:00:00 UTC (214 days left)"
        );
        assert_eq!(row("Key"), "EC P-256, 256 bits");
        assert_eq!(row("SHA-256 fingerprint"), "AB:CD");

        assert_eq!(
            cert_view(&cert(Some(5)), 1, None, Lang::En).validity,
            "soon"
        );
        assert_eq!(
            cert_view(&cert(Some(5)), 1, None, Lang::En).title,
            "Certificate #2"
        );
        let expired = cert_view(&cert(Some(-3)), 0, None, Lang::En);
        assert_eq!(expired.validity, "expired");
        assert!(
            expired.rows[3].1.ends_with("(expired 3 days ago)"),
            "{:?}",
            expired.rows[3]
        );
        let early = cert_view(&cert(Some(400)), 0, Some(1_700_000_000), Lang::En);
        assert_eq!(early.validity, "early");
        assert!(
            early.rows[3].1.contains("not valid before 2025-01-01"),
            "{:?}",
            early.rows[3]
        );
    }

    #[test]
    fn a_self_issued_or_unreadable_certificate_says_so() {
        let mut own = cert(Some(10));
        own.self_issued = true;
        own.sans.clear();
        let view = cert_view(&own, 0, None, Lang::En);
        assert_eq!(view.rows[0].1, "CN=mx.example.test (self-issued)");
        assert_eq!(view.rows[2].1, "none");
        let mut bad = cert(None);
        bad.parse_error = Some("bad DER".into());
        let view = cert_view(&bad, 0, None, Lang::Ja);
        assert_eq!(view.validity, "unknown");
        assert_eq!(view.rows.len(), 2);
        assert_eq!(view.rows[1].1, "AB:CD");
    }

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

    #[test]
    fn parameters_say_unknown_when_the_handshake_stopped_early() {
        let report: TlsReport =
            serde_json::from_str(r#"{"server_name":"mx","protocol":"TLSv1.3","chain":[]}"#)
                .expect("a report");
        let rows = parameter_rows(&report, Lang::En);
        assert_eq!(rows[1], ("tls-protocol", "Version", "TLSv1.3".to_owned()));
        assert_eq!(rows[2].2, "not agreed (the handshake did not get that far)");
    }

    #[test]
    fn a_server_that_requires_starttls_gets_the_hint() {
        let reply = |line: &str| Reply::from_lines(&[line]).expect("reply");
        assert!(needs_starttls(
            &reply("530 5.7.0 Must issue a STARTTLS command first"),
            false
        ));
        assert!(needs_starttls(
            &reply("538 5.7.11 Encryption required for requested authentication mechanism"),
            false
        ));
        assert!(!needs_starttls(
            &reply("530 5.7.0 Authentication required"),
            false
        ));
        assert!(!needs_starttls(
            &reply("538 5.7.11 Encryption required"),
            true
        ));
        assert!(!needs_starttls(
            &reply("554 5.7.1 Relay access denied"),
            false
        ));
    }

    #[test]
    fn modes_round_trip_through_their_option_values() {
        for mode in TLS_MODES {
            assert_eq!(parse_mode(mode_value(mode)), Some(mode));
            assert_ne!(mode_label(mode, Lang::En), mode_label(mode, Lang::Ja));
        }
        assert_eq!(parse_mode("tls"), None);
    }
}
