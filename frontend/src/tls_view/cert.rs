//! One certificate of the chain, ready to show: its names, validity
//! period with the days left (and whether that is soon, past, or not yet),
//! key and fingerprint.

use smtplab_shared::tls::CertInfo;

use crate::i18n::{t, tf, Lang, Msg};

/// How long a certificate stays valid, from the report's `days_left`.
fn days_left_words(days: i64, lang: Lang) -> String {
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
pub(crate) struct CertView {
    /// "Server certificate" or "Certificate #n".
    pub(crate) title: String,
    /// Label and value rows.
    pub(crate) rows: Vec<(&'static str, String)>,
    /// `ok`, `soon` (under 30 days left), `expired`, `early` (not valid
    /// yet) or `unknown` (the `data-validity`).
    pub(crate) validity: &'static str,
}

/// Days left under which a certificate is flagged as expiring soon.
const SOON_DAYS: i64 = 30;

/// The certificate at `index` of a chain checked at `checked_at`.
pub(crate) fn cert_view(
    cert: &CertInfo,
    index: usize,
    checked_at: Option<u64>,
    lang: Lang,
) -> CertView {
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
            dane: None,
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
}
