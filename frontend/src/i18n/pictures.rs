//! The words of the pictures (the certificate chain, the Diagnostics grid
//! and its progress line), in both languages: a catalogue of its own
//! ([`Pm`]) beside [`super::Msg`], with exhaustive matches so a key cannot
//! be added to one language only.

/// A picture message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub(crate) enum Pm {
    ChainAria,
    ChainSubject,
    ChainIssuer,
    ChainLink,
    ChainSelfIssued,
    ChainUnreadable,
    ChainToday,
    ChainBarTitle,
    BadgeTrusted,
    BadgeFailed,
    BadgeSkipped,
    BadgeUnchecked,
    GridCaption,
    GridDomain,
    ProgressCheck,
    ProgressStarting,
    ProgressDone,
    ProgressFinished,
}

super::catalogue_lookups!(Pm, tp, tpf);

fn en(msg: Pm) -> &'static str {
    match msg {
        Pm::ChainAria => "Certificate chain, server first ({0} certificates): {1}",
        Pm::ChainSubject => "Subject: {0}",
        Pm::ChainIssuer => "Issuer: {0}",
        Pm::ChainLink => "issued by",
        Pm::ChainSelfIssued => "self-issued",
        Pm::ChainUnreadable => "unreadable certificate",
        Pm::ChainToday => "today",
        Pm::ChainBarTitle => "Valid {0} → {1}; today is {2}",
        Pm::BadgeTrusted => "Trusted",
        Pm::BadgeFailed => "Verification failed",
        Pm::BadgeSkipped => "Not verified",
        Pm::BadgeUnchecked => "Not checked",
        Pm::GridCaption => "Results of {0}: each check on each server",
        Pm::GridDomain => "Domain",
        Pm::ProgressCheck => "Check {0} of {1}: {2} ({3} left)",
        Pm::ProgressStarting => "{0} of {1} checks done, starting the next",
        Pm::ProgressDone => "{0} of {1} checks done",
        Pm::ProgressFinished => "Finished: {0} of {1} checks done",
    }
}

fn ja(msg: Pm) -> &'static str {
    match msg {
        Pm::ChainAria => "証明書チェーン（サーバー証明書から {0} 枚）：{1}",
        Pm::ChainSubject => "サブジェクト：{0}",
        Pm::ChainIssuer => "発行者：{0}",
        Pm::ChainLink => "発行元",
        Pm::ChainSelfIssued => "自己発行",
        Pm::ChainUnreadable => "読めない証明書",
        Pm::ChainToday => "今日",
        Pm::ChainBarTitle => "有効期間 {0} → {1}、今日は {2}",
        Pm::BadgeTrusted => "信頼済み",
        Pm::BadgeFailed => "検証失敗",
        Pm::BadgeSkipped => "未検証",
        Pm::BadgeUnchecked => "検査なし",
        Pm::GridCaption => "{0} の結果：各サーバーでの各チェック",
        Pm::GridDomain => "ドメイン",
        Pm::ProgressCheck => "チェック {0} / {1}：{2}（残り {3}）",
        Pm::ProgressStarting => "{1} 件中 {0} 件完了、次を開始中",
        Pm::ProgressDone => "{1} 件中 {0} 件完了",
        Pm::ProgressFinished => "完了：{1} 件中 {0} 件",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn placeholders_match_between_languages() {
        let all = [
            Pm::ChainAria,
            Pm::ChainSubject,
            Pm::ChainIssuer,
            Pm::ChainBarTitle,
            Pm::GridCaption,
            Pm::ProgressCheck,
            Pm::ProgressStarting,
            Pm::ProgressDone,
            Pm::ProgressFinished,
        ];
        for msg in all {
            for slot in ["{0}", "{1}", "{2}", "{3}"] {
                assert_eq!(
                    en(msg).contains(slot),
                    ja(msg).contains(slot),
                    "{msg:?} {slot}"
                );
            }
        }
        assert_eq!(
            tpf(Lang::En, Pm::ProgressCheck, &["3", "8", "Open relay", "5"]),
            "Check 3 of 8: Open relay (5 left)"
        );
    }
}
