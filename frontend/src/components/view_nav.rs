//! The navigation bar: one link per view, the current one marked.

use yew::prelude::*;

use super::use_app_state;
use crate::i18n::views::{tv, Vm};
use crate::views::View;

/// Props of [`ViewNav`].
#[derive(Properties, PartialEq)]
pub(crate) struct ViewNavProps {
    /// The view shown.
    pub(crate) current: View,
}

/// Plain links to `#/name`: the browser keeps the history, so Back,
/// reload, a bookmark and "open in a new tab" all work.
#[component]
pub(crate) fn ViewNav(props: &ViewNavProps) -> Html {
    let lang = use_app_state().lang;
    html! {
        <nav id="views-nav" data-testid="views-nav" class="views-nav" aria-label={tv(lang, Vm::NavAria)}>
            <ul>
                { for View::ALL.into_iter().enumerate().map(|(i, view)| {
                    let current = view == props.current;
                    html! {
                        <li key={view.name()}>
                            <a id={format!("view-link-{}", view.name())} data-testid="view-link"
                               data-view={view.name()} href={view.fragment()}
                               aria-current={current.then_some("page")}
                               aria-keyshortcuts={format!("Alt+{}", i + 1)}>
                                { tv(lang, view.label()) }
                            </a>
                        </li>
                    }
                }) }
            </ul>
        </nav>
    }
}
