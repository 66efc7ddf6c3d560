//! The verdict at the end of a guided session.

use yew::prelude::*;

use crate::verdict::VerdictView;

/// Props of [`VerdictPanel`].
#[derive(Properties, PartialEq)]
pub struct VerdictPanelProps {
    /// The verdict in words.
    pub verdict: VerdictView,
}

/// Delivered (with the queue id), completed, or failed at a step.
#[component]
pub fn VerdictPanel(props: &VerdictPanelProps) -> Html {
    let v = &props.verdict;
    html! {
        <section id="verdict" data-testid="verdict" data-verdict={v.kind} class={classes!("verdict", v.kind)}
                 role="status" aria-live="polite">
            <strong>{ v.headline.clone() }</strong>
            if let Some(detail) = &v.detail {
                <p>{ detail.clone() }</p>
            }
        </section>
    }
}
