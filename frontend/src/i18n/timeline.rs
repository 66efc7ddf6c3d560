//! The step timeline's and the message progress's words, in both
//! languages: a catalogue of their own ([`Tm`]) beside [`super::Msg`], with
//! exhaustive matches so a key cannot be added to one language only. The
//! status words are the step list's ([`super::Msg`]), so both say the same.

/// A timeline or progress message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub(crate) enum Tm {
    TimelineAria,
    TimelineHint,
    BarLabel,
    NoReply,
    Replied,
    ProgressLabel,
    ProgressText,
}

super::catalogue_lookups!(Tm, tt, ttf);

fn en(msg: Tm) -> &'static str {
    match msg {
        Tm::TimelineAria => "Step timeline: when each step started and how long it took",
        Tm::TimelineHint => "Hover over or focus a step's bar to see the server's reply.",
        Tm::BarLabel => "{0}: {1}, {2} ms, from {3} ms",
        Tm::NoReply => "no reply",
        Tm::Replied => "Server reply:",
        Tm::ProgressLabel => "Sending the message",
        Tm::ProgressText => "{0} of {1} handed to the network ({2}%)",
    }
}

fn ja(msg: Tm) -> &'static str {
    match msg {
        Tm::TimelineAria => "ステップのタイムライン：各ステップの開始時刻と所要時間",
        Tm::TimelineHint => {
            "ステップのバーにポインターを合わせるかフォーカスすると、サーバーの応答を表示します。"
        }
        Tm::BarLabel => "{0}：{1}、{2} ms（{3} ms から）",
        Tm::NoReply => "応答なし",
        Tm::Replied => "サーバーの応答：",
        Tm::ProgressLabel => "メッセージを送信中",
        Tm::ProgressText => "{1} 中 {0} をネットワークに渡しました（{2}%）",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn placeholders_match_between_languages() {
        let all = [
            Tm::TimelineAria,
            Tm::TimelineHint,
            Tm::BarLabel,
            Tm::NoReply,
            Tm::Replied,
            Tm::ProgressLabel,
            Tm::ProgressText,
        ];
        for msg in all {
            assert!(!tt(Lang::Ja, msg).is_empty(), "{msg:?}");
            for slot in ["{0}", "{1}", "{2}", "{3}"] {
                assert_eq!(
                    en(msg).contains(slot),
                    ja(msg).contains(slot),
                    "{msg:?} {slot}"
                );
            }
        }
        assert_eq!(
            ttf(Lang::En, Tm::ProgressText, &["1 KiB", "2 KiB", "50"]),
            "1 KiB of 2 KiB handed to the network (50%)"
        );
    }
}
