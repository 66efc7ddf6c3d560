//! The verdict at the end of a guided session.

use yew::prelude::*;

use smtplab_shared::smtp::Outcome;

use super::use_app_state;
use crate::verdict::VerdictView;

/// Props of [`VerdictPanel`].
#[derive(Properties, PartialEq)]
pub(crate) struct VerdictPanelProps {
    /// The engine's outcome.
    pub(crate) outcome: Outcome,
}

/// Delivered (with the queue id), completed, or failed at a step. Not a
/// live region itself: a region added with its text is often not read, so
/// the app's persistent `verdict-live` region announces the verdict.
#[component]
pub(crate) fn VerdictPanel(props: &VerdictPanelProps) -> Html {
    let v = VerdictView::from_outcome(&props.outcome, use_app_state().lang);
    html! {
        <section id="verdict" data-testid="verdict" data-verdict={v.kind} class={classes!("verdict", v.kind)}>
            <strong>{ v.headline }</strong>
            if let Some(detail) = v.detail {
                <p>{ detail }</p>
            }
            if let Some(unverified) = v.unverified {
                <p id="verdict-unverified" data-testid="verdict-unverified" class="warn">{ unverified }</p>
            }
            if let Some(hint) = v.hint {
                <p id="verdict-hint" data-testid="verdict-hint" class="hint-strong">{ hint }</p>
            }
        </section>
    }
}
