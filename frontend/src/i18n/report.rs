//! The domain report's words, in both languages: a catalogue of its own
//! ([`Rm`]) beside [`super::Msg`], with exhaustive matches so a key cannot
//! be added to one language only. The findings, summaries and advice inside
//! each result are the shared crate's (English), as for the other checks.

use smtplab_shared::diagnose::CheckKind;

/// A domain report message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub(crate) enum Rm {
    RunReport,
    ReportHint,
    DnsblToggle,
    DnsblZones,
    DnsblThirdParty,
    ErrNoZones,
    ProgressStep,
    StepLookup,
    StepPolicy,
    StepTls,
    GridCaption,
    GridCheck,
    GridResult,
    GridRowAria,
    GridNotChecked,
    GridCellAria,
    DetailsHeading,
    FocusServer,
    FocusEvidence,
    TitleSpf,
    TitleDmarc,
    TitleMtaSts,
    TitleTlsRpt,
    TitleDane,
    TitleReverseDns,
    TitleMxTls,
    TitleDnsbl,
    HelpSpf,
    HelpDmarc,
    HelpMtaSts,
    HelpTlsRpt,
    HelpDane,
    HelpReverseDns,
    HelpMxTls,
    HelpDnsbl,
}

super::catalogue_lookups!(Rm, tr, trf);

/// The title and the one-line help of a report check; `None` for the
/// other checks.
pub(crate) fn report_check(kind: CheckKind) -> Option<(Rm, Rm)> {
    Some(match kind {
        CheckKind::Spf => (Rm::TitleSpf, Rm::HelpSpf),
        CheckKind::Dmarc => (Rm::TitleDmarc, Rm::HelpDmarc),
        CheckKind::MtaSts => (Rm::TitleMtaSts, Rm::HelpMtaSts),
        CheckKind::TlsRpt => (Rm::TitleTlsRpt, Rm::HelpTlsRpt),
        CheckKind::Dane => (Rm::TitleDane, Rm::HelpDane),
        CheckKind::ReverseDns => (Rm::TitleReverseDns, Rm::HelpReverseDns),
        CheckKind::MxTls => (Rm::TitleMxTls, Rm::HelpMxTls),
        CheckKind::Dnsbl => (Rm::TitleDnsbl, Rm::HelpDnsbl),
        _ => return None,
    })
}

fn en(msg: Rm) -> &'static str {
    match msg {
        Rm::RunReport => "Domain report",
        Rm::ReportHint => "The domain report looks up the domain's SPF, DMARC, MTA-STS, TLS-RPT, DANE and reverse DNS through the bridge, and tries STARTTLS on every MX address (the port above). It sends no mail.",
        Rm::DnsblToggle => "Also check DNS blocklists",
        Rm::DnsblZones => "Blocklist zones (separated by spaces or commas)",
        Rm::DnsblThirdParty => "These lookups go to the blocklists' operators: a third party learns your MX addresses. Nothing is looked up unless you tick the box and name the zones.",
        Rm::ErrNoZones => "Name at least one blocklist zone, or untick the blocklists.",
        Rm::ProgressStep => "Step {0} of {1}: {2}",
        Rm::StepLookup => "looking up {0} {1}",
        Rm::StepPolicy => "fetching the MTA-STS policy of {0}",
        Rm::StepTls => "STARTTLS with {0} at {1}",
        Rm::GridCaption => "Domain report of {0}: each check on each mail server",
        Rm::GridCheck => "Check",
        Rm::GridResult => "Result",
        Rm::GridRowAria => "{0}: {1}. Show the details",
        Rm::GridNotChecked => "not checked",
        Rm::GridCellAria => "{0} on {1}: {2}. Show the details",
        Rm::DetailsHeading => "Details of each check",
        Rm::FocusServer => "{0}: {1} ({2})",
        Rm::FocusEvidence => "Evidence for {0}",
        Rm::TitleSpf => "SPF",
        Rm::TitleDmarc => "DMARC",
        Rm::TitleMtaSts => "MTA-STS",
        Rm::TitleTlsRpt => "TLS-RPT",
        Rm::TitleDane => "DANE (TLSA)",
        Rm::TitleReverseDns => "Reverse DNS",
        Rm::TitleMxTls => "TLS on every MX",
        Rm::TitleDnsbl => "DNS blocklists",
        Rm::HelpSpf => "Which servers may send mail as the domain (a TXT record, with at most 10 DNS lookups).",
        Rm::HelpDmarc => "What receivers do with mail that fails SPF and DKIM, and where they send reports.",
        Rm::HelpMtaSts => "Tells senders to insist on verified TLS to the listed MX hosts (a TXT record and a policy over HTTPS).",
        Rm::HelpTlsRpt => "Where senders report TLS problems reaching the domain.",
        Rm::HelpDane => "TLSA records pin each MX's certificate; they count only in a DNSSEC-signed zone.",
        Rm::HelpReverseDns => "Each MX address should have a PTR name that points back to it.",
        Rm::HelpMxTls => "A STARTTLS handshake on each MX address: protocol, certificate chain, name and expiry.",
        Rm::HelpDnsbl => "Whether each MX address is listed in the blocklist zones you named.",
    }
}

fn ja(msg: Rm) -> &'static str {
    match msg {
        Rm::RunReport => "ドメインレポート",
        Rm::ReportHint => "ドメインレポートは、ドメインの SPF・DMARC・MTA-STS・TLS-RPT・DANE・逆引き DNS をブリッジ経由で調べ、すべての MX アドレス（上のポート）で STARTTLS を試します。メールは送りません。",
        Rm::DnsblToggle => "DNS ブロックリストも調べる",
        Rm::DnsblZones => "ブロックリストのゾーン（空白かカンマ区切り）",
        Rm::DnsblThirdParty => "この問い合わせはブロックリストの運営者に届きます。第三者に MX のアドレスが知られます。チェックを入れてゾーンを指定しない限り問い合わせません。",
        Rm::ErrNoZones => "ブロックリストのゾーンを 1 つ以上指定するか、チェックを外してください。",
        Rm::ProgressStep => "ステップ {0} / {1}：{2}",
        Rm::StepLookup => "{0} {1} を問い合わせ中",
        Rm::StepPolicy => "{0} の MTA-STS ポリシーを取得中",
        Rm::StepTls => "{0}（{1}）と STARTTLS",
        Rm::GridCaption => "{0} のドメインレポート：各メールサーバーでの各チェック",
        Rm::GridCheck => "チェック",
        Rm::GridResult => "結果",
        Rm::GridRowAria => "{0}：{1}。詳細を表示",
        Rm::GridNotChecked => "未チェック",
        Rm::GridCellAria => "{1} の {0}：{2}。詳細を表示",
        Rm::DetailsHeading => "各チェックの詳細",
        Rm::FocusServer => "{0}：{1}（{2}）",
        Rm::FocusEvidence => "{0} の根拠",
        Rm::TitleSpf => "SPF",
        Rm::TitleDmarc => "DMARC",
        Rm::TitleMtaSts => "MTA-STS",
        Rm::TitleTlsRpt => "TLS-RPT",
        Rm::TitleDane => "DANE（TLSA）",
        Rm::TitleReverseDns => "逆引き DNS",
        Rm::TitleMxTls => "全 MX の TLS",
        Rm::TitleDnsbl => "DNS ブロックリスト",
        Rm::HelpSpf => "ドメインとしてメールを送ってよいサーバー（TXT レコード、DNS 問い合わせは 10 回まで）。",
        Rm::HelpDmarc => "SPF と DKIM に失敗したメールを受信側がどう扱い、レポートをどこへ送るか。",
        Rm::HelpMtaSts => "列挙した MX への検証済み TLS を送信側に求めます（TXT レコードと HTTPS のポリシー）。",
        Rm::HelpTlsRpt => "ドメインへの TLS の問題を送信側が報告する宛先。",
        Rm::HelpDane => "TLSA レコードは各 MX の証明書を固定します。DNSSEC で署名されたゾーンでのみ有効です。",
        Rm::HelpReverseDns => "各 MX アドレスには、そのアドレスに戻る PTR 名が必要です。",
        Rm::HelpMxTls => "各 MX アドレスでの STARTTLS ハンドシェイク：プロトコル、証明書チェーン、名前、有効期限。",
        Rm::HelpDnsbl => "各 MX アドレスが指定したブロックリストに載っているか。",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn placeholders_match_between_languages_and_every_report_check_has_words() {
        let all = [
            Rm::ProgressStep,
            Rm::StepLookup,
            Rm::StepPolicy,
            Rm::StepTls,
            Rm::GridCaption,
            Rm::GridCellAria,
            Rm::GridRowAria,
            Rm::FocusServer,
            Rm::FocusEvidence,
        ];
        for msg in all {
            for slot in ["{0}", "{1}", "{2}"] {
                assert_eq!(
                    en(msg).contains(slot),
                    ja(msg).contains(slot),
                    "{msg:?} {slot}"
                );
            }
        }
        for kind in CheckKind::POSTURE {
            let (title, help) = report_check(kind).expect("a report check");
            assert_eq!(tr(Lang::En, title), kind.title());
            assert!(!tr(Lang::Ja, help).is_empty());
        }
        assert_eq!(report_check(CheckKind::OpenRelay), None);
    }
}
