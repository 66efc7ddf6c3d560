//! AUTH helpers for the raw console: base64 of any value (for AUTH LOGIN
//! answers) and a ready `AUTH PLAIN <base64(\0user\0pass)>` line.

use smtplab_shared::smtp::{base64_encode, plain_initial_response};
use yew::prelude::*;

use super::{event_value, use_app_state};
use crate::i18n::{t, Msg};

/// Props of [`AuthHelper`].
#[derive(Properties, PartialEq)]
pub(crate) struct AuthHelperProps {
    /// Puts a built line into the console input.
    pub(crate) onuse: Callback<String>,
}

/// The base64 and AUTH PLAIN builders.
#[component]
pub(crate) fn AuthHelper(props: &AuthHelperProps) -> Html {
    let lang = use_app_state().lang;
    let value = use_state(String::new);
    let user = use_state(String::new);
    let pass = use_state(String::new);

    let bind = |handle: &UseStateHandle<String>| {
        let handle = handle.clone();
        Callback::from(move |e: InputEvent| handle.set(event_value(&e)))
    };
    let encoded = base64_encode(&value);
    let use_encoded = {
        let onuse = props.onuse.clone();
        let encoded = encoded.clone();
        Callback::from(move |_: MouseEvent| onuse.emit(encoded.clone()))
    };
    let build_plain = {
        let onuse = props.onuse.clone();
        let (user, pass) = (user.clone(), pass.clone());
        Callback::from(move |_: MouseEvent| {
            onuse.emit(format!(
                "AUTH PLAIN {}",
                plain_initial_response(&user, &pass)
            ))
        })
    };
    html! {
        <details class="auth-helper">
            <summary>{ t(lang, Msg::AuthHelpers) }</summary>
            <div class="field">
                <label for="b64-input">{ t(lang, Msg::B64Value) }</label>
                <input id="b64-input" data-testid="b64-input" type="text" value={(*value).clone()} oninput={bind(&value)}
                       autocomplete="off" spellcheck="false" />
                <output id="b64-output" data-testid="b64-output" for="b64-input">{ encoded }</output>
                <button type="button" id="b64-use" data-testid="b64-use" onclick={use_encoded}>{ t(lang, Msg::PutInConsole) }</button>
            </div>
            // A form that never submits, so the password field is inside
            // one (Chromium warns otherwise); the button only builds a line.
            <form class="field" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <label for="auth-helper-username">{ t(lang, Msg::HelperUser) }</label>
                <input id="auth-helper-username" data-testid="auth-helper-username" type="text" value={(*user).clone()}
                       oninput={bind(&user)} autocomplete="off" />
                <label for="auth-helper-password">{ t(lang, Msg::HelperPassword) }</label>
                <input id="auth-helper-password" data-testid="auth-helper-password" type="password" value={(*pass).clone()}
                       oninput={bind(&pass)} autocomplete="off" />
                <button type="button" id="auth-helper-build" data-testid="auth-helper-build" onclick={build_plain}>
                    { t(lang, Msg::BuildPlain) }
                </button>
            </form>
        </details>
    }
}
