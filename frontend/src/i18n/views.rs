//! The words of the page's frame, in both languages: the navigation bar,
//! the theme switch, the keyboard help and the page title ([`Vm`], beside
//! [`super::Msg`]), with exhaustive matches so a key cannot be added to one
//! language only.

/// A frame message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub(crate) enum Vm {
    NavAria,
    Guided,
    Console,
    Diagnostics,
    Inbox,
    Saved,
    ViewRegion,
    Theme,
    ThemeAuto,
    ThemeLight,
    ThemeDark,
    HelpButton,
    HelpTitle,
    HelpClose,
    KeyRun,
    KeyCancel,
    KeyHelp,
    KeyViews,
    KeyTab,
    KeyGrid,
    TitleRunning,
    TitleDelivered,
    TitleCompleted,
    TitleFailed,
    InboxNone,
    SavedIntro,
}

super::catalogue_lookups!(Vm, tv, tvf);

fn en(msg: Vm) -> &'static str {
    match msg {
        Vm::NavAria => "Views",
        Vm::Guided => "Guided session",
        Vm::Console => "Console",
        Vm::Diagnostics => "Diagnostics",
        Vm::Inbox => "Inbox",
        Vm::Saved => "Saved",
        Vm::ViewRegion => "{0} view",
        Vm::Theme => "Theme",
        Vm::ThemeAuto => "System",
        Vm::ThemeLight => "Light",
        Vm::ThemeDark => "Dark",
        Vm::HelpButton => "Keyboard shortcuts",
        Vm::HelpTitle => "Keyboard shortcuts",
        Vm::HelpClose => "Close",
        Vm::KeyRun => "Run the guided session (from any view)",
        Vm::KeyCancel => "Cancel the running session; closes this window first",
        Vm::KeyHelp => "Show this list (when not typing in a field)",
        Vm::KeyViews => "Show view 1 to 5 (Guided session … Saved)",
        Vm::KeyTab => "Move between controls; Enter or Space activates",
        Vm::KeyGrid => "On a result cell or timeline bar: show its details",
        Vm::TitleRunning => "… running · {0}",
        Vm::TitleDelivered => "✓ Delivered · {0}",
        Vm::TitleCompleted => "✓ Completed · {0}",
        Vm::TitleFailed => "✗ Failed at {1} · {0}",
        Vm::InboxNone => "This bridge runs no sandbox. Start it with --sandbox to get a local inbox that accepts test messages and shows them here.",
        Vm::SavedIntro => "Sessions kept in this browser, share links and session files. Loading one fills the guided session's form.",
    }
}

fn ja(msg: Vm) -> &'static str {
    match msg {
        Vm::NavAria => "表示",
        Vm::Guided => "ガイド付きセッション",
        Vm::Console => "コンソール",
        Vm::Diagnostics => "診断",
        Vm::Inbox => "受信箱",
        Vm::Saved => "保存済み",
        Vm::ViewRegion => "{0}の表示",
        Vm::Theme => "テーマ",
        Vm::ThemeAuto => "システム",
        Vm::ThemeLight => "ライト",
        Vm::ThemeDark => "ダーク",
        Vm::HelpButton => "キーボードショートカット",
        Vm::HelpTitle => "キーボードショートカット",
        Vm::HelpClose => "閉じる",
        Vm::KeyRun => "ガイド付きセッションを実行（どの表示からでも）",
        Vm::KeyCancel => "実行中のセッションを中止（このウィンドウが開いていれば先に閉じる）",
        Vm::KeyHelp => "この一覧を表示（入力欄で入力中でないとき）",
        Vm::KeyViews => "表示 1〜5 に切り替え（ガイド付きセッション … 保存済み）",
        Vm::KeyTab => "コントロール間を移動。Enter または Space で実行",
        Vm::KeyGrid => "結果のセルやタイムラインのバーで：詳細を表示",
        Vm::TitleRunning => "… 実行中 · {0}",
        Vm::TitleDelivered => "✓ 配送済み · {0}",
        Vm::TitleCompleted => "✓ 完了 · {0}",
        Vm::TitleFailed => "✗ {1} で失敗 · {0}",
        Vm::InboxNone => "このブリッジはサンドボックスを動かしていません。--sandbox を付けて起動すると、テストメッセージを受け取ってここに表示するローカルの受信箱が使えます。",
        Vm::SavedIntro => "このブラウザに保存したセッション、共有リンク、セッションファイル。読み込むとガイド付きセッションのフォームに入ります。",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn placeholders_match_between_languages() {
        let all = [
            Vm::ViewRegion,
            Vm::TitleRunning,
            Vm::TitleDelivered,
            Vm::TitleCompleted,
            Vm::TitleFailed,
        ];
        for msg in all {
            for slot in ["{0}", "{1}"] {
                assert_eq!(
                    en(msg).contains(slot),
                    ja(msg).contains(slot),
                    "{msg:?} {slot}"
                );
            }
        }
        assert_eq!(
            tvf(Lang::En, Vm::TitleFailed, &["mx:25", "RCPT"]),
            "✗ Failed at RCPT · mx:25"
        );
    }
}
