//! The theme switch in the page header: system / light / dark.

use yew::prelude::*;

use super::{event_value, use_app_state};
use crate::i18n::views::{tv, Vm};
use crate::theme::Theme;

/// Props of [`ThemeSelect`].
#[derive(Properties, PartialEq)]
pub(crate) struct ThemeSelectProps {
    /// The choice now.
    pub(crate) theme: Theme,
    /// Another was picked.
    pub(crate) onchange: Callback<Theme>,
}

/// The switch; "System" follows `prefers-color-scheme`.
#[component]
pub(crate) fn ThemeSelect(props: &ThemeSelectProps) -> Html {
    let lang = use_app_state().lang;
    let onchange = {
        let onchange = props.onchange.clone();
        Callback::from(move |e: Event| {
            if let Some(theme) = Theme::parse(&event_value(&e)) {
                onchange.emit(theme);
            }
        })
    };
    let word = |theme: Theme| match theme {
        Theme::Auto => Vm::ThemeAuto,
        Theme::Light => Vm::ThemeLight,
        Theme::Dark => Vm::ThemeDark,
    };
    html! {
        <span class="theme">
            <label for="theme-select">{ tv(lang, Vm::Theme) }</label>{ " " }
            <select id="theme-select" data-testid="theme-select" {onchange}>
                { for Theme::ALL.into_iter().map(|t| html! {
                    <option value={t.code()} selected={t == props.theme}>{ tv(lang, word(t)) }</option>
                }) }
            </select>
        </span>
    }
}
