//! The language selector in the page header.

use yew::prelude::*;

use super::{event_value, use_app_state};
use crate::i18n::{t, Lang, Msg};

/// Props of [`LanguageSelect`].
#[derive(Properties, PartialEq)]
pub(crate) struct LanguageSelectProps {
    /// A language was picked (the hook remembers it).
    pub(crate) onchange: Callback<Lang>,
}

/// English / 日本語.
#[component]
pub(crate) fn LanguageSelect(props: &LanguageSelectProps) -> Html {
    let lang = use_app_state().lang;
    let onchange = {
        let onchange = props.onchange.clone();
        Callback::from(move |e: Event| {
            if let Some(lang) = Lang::parse(&event_value(&e)) {
                onchange.emit(lang);
            }
        })
    };
    html! {
        <span class="lang">
            <label for="lang-select">{ t(lang, Msg::Language) }</label>{ " " }
            <select id="lang-select" data-testid="lang-select" {onchange}>
                { for Lang::ALL.into_iter().map(|l| html! {
                    <option value={l.code()} lang={l.code()} selected={l == lang}>{ l.native_name() }</option>
                }) }
            </select>
        </span>
    }
}
