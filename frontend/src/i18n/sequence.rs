//! The sequence diagram's words (the transcript drawn as arrows between
//! the client and the server), in both languages: a catalogue of its own
//! ([`Sq`]) beside [`super::Msg`], with exhaustive matches so a key cannot
//! be added to one language only.

/// A sequence diagram message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub(crate) enum Sq {
    ShowAs,
    AsText,
    AsDiagram,
    DiagramAria,
    Client,
    Server,
    UnknownServer,
    Lines,
    Hint,
}

super::catalogue_lookups!(Sq, ts, tsf);

fn en(msg: Sq) -> &'static str {
    match msg {
        Sq::ShowAs => "Show the transcript as",
        Sq::AsText => "Text",
        Sq::AsDiagram => "Diagram",
        Sq::DiagramAria => {
            "Sequence diagram between the client and {0}: {1} commands sent, {2} replies received"
        }
        Sq::Client => "client (this tab)",
        Sq::Server => "server {0}",
        Sq::UnknownServer => "server",
        Sq::Lines => "{0} … {1} lines",
        Sq::Hint => "Hover over or focus an arrow to see its whole text.",
    }
}

fn ja(msg: Sq) -> &'static str {
    match msg {
        Sq::ShowAs => "トランスクリプトの表示形式",
        Sq::AsText => "テキスト",
        Sq::AsDiagram => "図",
        Sq::DiagramAria => {
            "クライアントと {0} のシーケンス図：送信したコマンド {1} 件、受信した応答 {2} 件"
        }
        Sq::Client => "クライアント（このタブ）",
        Sq::Server => "サーバー {0}",
        Sq::UnknownServer => "サーバー",
        Sq::Lines => "{0} … {1} 行",
        Sq::Hint => "矢印にポインターを合わせるかフォーカスすると、全文を表示します。",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn placeholders_match_between_languages() {
        let all = [
            Sq::ShowAs,
            Sq::AsText,
            Sq::AsDiagram,
            Sq::DiagramAria,
            Sq::Client,
            Sq::Server,
            Sq::UnknownServer,
            Sq::Lines,
            Sq::Hint,
        ];
        for msg in all {
            assert!(!ts(Lang::Ja, msg).is_empty(), "{msg:?}");
            for slot in ["{0}", "{1}", "{2}"] {
                assert_eq!(
                    en(msg).contains(slot),
                    ja(msg).contains(slot),
                    "{msg:?} {slot}"
                );
            }
        }
        assert_eq!(tsf(Lang::En, Sq::Lines, &["250", "12"]), "250 … 12 lines");
    }
}
