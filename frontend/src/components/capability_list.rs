//! The EHLO capabilities, each with its explanation.

use smtplab_shared::smtp::Capabilities;
use yew::prelude::*;

use super::use_app_state;
use crate::i18n::{explain_extension, t, Msg};

/// Props of [`CapabilityList`].
#[derive(Properties, PartialEq)]
pub(crate) struct CapabilityListProps {
    /// What EHLO announced.
    pub(crate) capabilities: Capabilities,
}

/// Lists the server's EHLO extensions with what each means.
#[component]
pub(crate) fn CapabilityList(props: &CapabilityListProps) -> Html {
    let caps = &props.capabilities;
    let lang = use_app_state().lang;
    html! {
        <section id="capabilities" data-testid="capabilities" aria-labelledby="capabilities-title">
            <h3 id="capabilities-title">{ t(lang, Msg::CapabilitiesHeading) }</h3>
            <p class="greeting">{ caps.greeting.clone() }</p>
            if caps.extensions.is_empty() {
                <p>{ t(lang, Msg::NoExtensions) }</p>
            } else {
                <dl class="caps">
                    { for caps.extensions.iter().map(|ext| html! {
                        <>
                            <dt>{ ext.to_string() }</dt>
                            <dd>{ explain_extension(lang, ext) }</dd>
                        </>
                    }) }
                </dl>
            }
        </section>
    }
}
