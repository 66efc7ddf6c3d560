//! The form's TLS section: the mode (none, STARTTLS, STARTTLS if offered,
//! implicit TLS), "verify the certificate", and a private CA certificate
//! pasted or loaded from a PEM file.

use smtplab_shared::smtp::TlsMode;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::{event_value, use_app_state};
use crate::form::Field;
use crate::i18n::{t, Msg};
use crate::state::{Action, FormAction};
use crate::tls_view::{mode_label, mode_value, TLS_MODES};

/// Props of [`TlsFields`].
#[derive(Properties, PartialEq)]
pub(crate) struct TlsFieldsProps {
    /// A private CA certificate file was picked (the app reads it into
    /// the form).
    pub(crate) oncafile: Callback<web_sys::File>,
}

/// The TLS fieldset of the session form.
#[component]
pub(crate) fn TlsFields(props: &TlsFieldsProps) -> Html {
    let state = use_app_state();
    let form = &state.form.fields;
    let lang = state.lang;

    let onmode = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            state.dispatch(Action::Form(FormAction::SetField(
                Field::Tls,
                event_value(&e),
            )))
        })
    };
    let onverify = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let on = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .is_some_and(|i| i.checked());
            state.dispatch(Action::Form(FormAction::SetField(
                Field::TlsVerify,
                on.to_string(),
            )));
        })
    };
    let onpem = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            state.dispatch(Action::Form(FormAction::SetField(
                Field::CaPem,
                event_value(&e),
            )))
        })
    };
    let onfile = {
        let oncafile = props.oncafile.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                oncafile.emit(file);
            }
            input.set_value("");
        })
    };

    html! {
        <fieldset id="tls-fields">
            <legend>{ t(lang, Msg::LegendTls) }</legend>
            <div class="field">
                <label for="tls-mode">{ t(lang, Msg::LabelTlsMode) }</label>
                <select id="tls-mode" data-testid="tls-mode" onchange={onmode}>
                    { for TLS_MODES.into_iter().map(|mode| html! {
                        <option value={mode_value(mode)} selected={form.tls == mode}>{ mode_label(mode, lang) }</option>
                    }) }
                </select>
            </div>
            if form.tls != TlsMode::None {
                <div class="check">
                    <input type="checkbox" id="tls-verify" data-testid="tls-verify" checked={form.tls_verify}
                           onchange={onverify} />
                    <label for="tls-verify">{ t(lang, Msg::LabelTlsVerify) }</label>
                </div>
                if !form.tls_verify {
                    <p id="tls-verify-off" data-testid="tls-verify-off" class="warn" role="note">
                        { t(lang, Msg::TlsVerifyOff) }
                    </p>
                }
                <div class="field">
                    <label for="tls-ca-pem">{ t(lang, Msg::LabelCaPem) }</label>
                    <textarea id="tls-ca-pem" data-testid="tls-ca-pem" rows="3" spellcheck="false"
                              placeholder="-----BEGIN CERTIFICATE-----" value={form.ca_pem.clone()} oninput={onpem} />
                </div>
                <div class="field">
                    <label for="tls-ca-file">{ t(lang, Msg::LabelCaFile) }</label>
                    <input id="tls-ca-file" data-testid="tls-ca-file" type="file"
                           accept=".pem,.crt,.cer,application/x-pem-file" onchange={onfile} />
                </div>
                <p class="hint">{ t(lang, Msg::TlsCaHint) }</p>
            }
        </fieldset>
    }
}
