//! The colour theme: the user's choice (remembered in `localStorage`) and
//! the system's `prefers-color-scheme`, watched live, applied as
//! `<html data-theme>`.

use gloo_events::EventListener;
use yew::prelude::*;

use crate::browser;
use crate::theme::Theme;

/// Where the choice is kept.
const THEME_KEY: &str = "smtplab.theme";

/// What [`use_theme`] offers.
#[derive(Clone, PartialEq)]
pub(crate) struct ThemeHandle {
    /// The user's choice.
    pub(crate) theme: Theme,
    /// Pick another (remembered).
    pub(crate) set: Callback<Theme>,
}

/// The theme, applied to the page on every change of the choice or of
/// the system's scheme.
#[hook]
pub(crate) fn use_theme() -> ThemeHandle {
    let theme = use_state_eq(|| {
        browser::storage_get(THEME_KEY)
            .and_then(|code| Theme::parse(&code))
            .unwrap_or_default()
    });
    let system_dark = use_state_eq(|| browser::dark_scheme_query().is_some_and(|q| q.matches()));
    {
        let system_dark = system_dark.clone();
        use_effect_with((), move |()| {
            let listener = browser::dark_scheme_query().map(|query| {
                let target = query.clone();
                EventListener::new(&target, "change", move |_| system_dark.set(query.matches()))
            });
            move || drop(listener)
        });
    }
    use_effect_with((*theme, *system_dark), |(theme, dark)| {
        browser::set_document_theme(theme.effective(*dark));
    });
    let set = {
        let theme = theme.clone();
        use_callback((), move |choice: Theme, ()| {
            // A refused write only means the choice is not remembered.
            let _ = browser::storage_set(THEME_KEY, choice.code());
            theme.set(choice);
        })
    };
    ThemeHandle { theme: *theme, set }
}
