//! The EHLO capabilities, each with its explanation.

use smtplab_shared::smtp::{explain_extension, Capabilities};
use yew::prelude::*;

/// Props of [`CapabilityList`].
#[derive(Properties, PartialEq)]
pub struct CapabilityListProps {
    /// What EHLO announced.
    pub capabilities: Capabilities,
}

/// Lists the server's EHLO extensions with what each means.
#[component]
pub fn CapabilityList(props: &CapabilityListProps) -> Html {
    let caps = &props.capabilities;
    html! {
        <section id="capabilities" data-testid="capabilities" aria-labelledby="capabilities-title">
            <h3 id="capabilities-title">{ "Server capabilities (EHLO)" }</h3>
            <p class="greeting">{ caps.greeting.clone() }</p>
            if caps.extensions.is_empty() {
                <p>{ "The server announced no extensions." }</p>
            } else {
                <dl class="caps">
                    { for caps.extensions.iter().map(|ext| html! {
                        <>
                            <dt>{ ext.to_string() }</dt>
                            <dd>{ explain_extension(ext) }</dd>
                        </>
                    }) }
                </dl>
            }
        </section>
    }
}
