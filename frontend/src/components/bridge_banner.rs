//! The bridge status line: checking, ready (with the allowed ports), or the
//! problem in words.

use yew::prelude::*;

use super::use_app_state;
use crate::i18n::{t, tf, Msg};
use crate::state::BridgeStatus;

/// Shows whether the bridge can be used.
#[component]
pub(crate) fn BridgeBanner() -> Html {
    let state = use_app_state();
    let lang = state.lang;
    let (class, text) = match &state.bridge {
        BridgeStatus::Checking => ("banner checking", t(lang, Msg::BridgeChecking).to_owned()),
        BridgeStatus::Ready(policy) => (
            "banner ready",
            tf(
                lang,
                Msg::BridgeReady,
                &[&policy
                    .allowed_ports
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")],
            ),
        ),
        BridgeStatus::Problem(problem) => ("banner problem", problem.describe(lang)),
    };
    let kind = match &state.bridge {
        BridgeStatus::Checking => "checking",
        BridgeStatus::Ready(_) => "ready",
        BridgeStatus::Problem(_) => "problem",
    };
    html! {
        <p id="bridge-status" data-testid="bridge-status" data-status={kind} class={class} role="status" aria-live="polite">
            { text }
        </p>
    }
}
