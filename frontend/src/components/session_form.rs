//! The guided-session form: server, port presets, EHLO name, TLS, AUTH
//! (a bearer token for the OAuth mechanisms), MAIL FROM, one or more RCPT
//! TO, the message composer, the Extensions, stop-after, Run and Cancel.

use yew::prelude::*;

use super::composer_fields::ComposerFields;
use super::extensions_fields::ExtensionsFields;
use super::tls_fields::TlsFields;
use super::{event_value, use_app_state, StateHandle};
use crate::form::{stage_label, stage_value, AuthChoice, Field, PORT_PRESETS, STAGES};
use crate::i18n::{t, tc, tf, Cm, Msg};
use crate::state::{Action, FormAction};

/// Props of [`SessionForm`].
#[derive(Properties, PartialEq)]
pub(crate) struct SessionFormProps {
    /// Run pressed (or Enter in a field); the app validates and starts.
    pub(crate) onrun: Callback<()>,
    /// Cancel pressed while a run is in progress.
    pub(crate) oncancel: Callback<()>,
    /// A private CA certificate file was picked (the app reads it into
    /// the form).
    pub(crate) oncafile: Callback<web_sys::File>,
    /// Files picked to attach.
    pub(crate) onattach: Callback<Vec<web_sys::File>>,
    /// An .eml file picked for the whole-message mode.
    pub(crate) onloadmessage: Callback<web_sys::File>,
}

/// A labelled text-like input bound to one form field.
fn input(
    state: &StateHandle,
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    value: &str,
    field: Field,
) -> Html {
    let oninput = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            state.dispatch(Action::Form(FormAction::SetField(field, event_value(&e))))
        })
    };
    html! {
        <div class="field">
            <label for={id}>{ label }</label>
            <input {id} data-testid={id} type={kind} value={value.to_owned()} {oninput}
                   autocomplete="off" spellcheck="false" />
        </div>
    }
}

/// The form.
#[component]
pub(crate) fn SessionForm(props: &SessionFormProps) -> Html {
    let state = use_app_state();
    let form = &state.form.fields;
    let lang = state.lang;
    let running = state.run.as_ref().is_some_and(|r| r.running);

    let onsubmit = {
        let onrun = props.onrun.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            onrun.emit(());
        })
    };
    let oncancel = {
        let oncancel = props.oncancel.clone();
        Callback::from(move |_: MouseEvent| oncancel.emit(()))
    };
    let on_select = |field: Field| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            state.dispatch(Action::Form(FormAction::SetField(field, event_value(&e))))
        })
    };
    let on_add_rcpt = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::Form(FormAction::AddRcpt)))
    };

    html! {
        <form id="session-form" data-testid="session-form" class="session-form" {onsubmit} novalidate=true>
            <fieldset>
                <legend>{ t(lang, Msg::LegendServer) }</legend>
                { input(&state, "server-host", t(lang, Msg::LabelHost), "text", &form.host, Field::Host) }
                <div class="field port">
                    <label for="server-port">{ t(lang, Msg::LabelPort) }</label>
                    <input id="server-port" data-testid="server-port" type="text" inputmode="numeric"
                           value={form.port.clone()} autocomplete="off"
                           oninput={ { let state = state.clone();
                               Callback::from(move |e: InputEvent| state.dispatch(Action::Form(FormAction::SetField(Field::Port, event_value(&e))))) } } />
                    <span class="presets" role="group" aria-label={t(lang, Msg::PortPresets)}>
                        { for PORT_PRESETS.iter().map(|port| {
                            let state = state.clone();
                            let port = *port;
                            let id = format!("port-preset-{port}");
                            let pressed = form.port.trim() == port.to_string();
                            html! {
                                <button type="button" id={id.clone()} data-testid={id} aria-pressed={pressed.to_string()}
                                        onclick={Callback::from(move |_: MouseEvent| state.dispatch(Action::Form(FormAction::SetField(Field::Port, port.to_string()))))}>
                                    { port }
                                </button>
                            }
                        }) }
                    </span>
                </div>
                if let Some(mismatch) = form.port_tls_mismatch() {
                    <p id="port-tls-mismatch" data-testid="port-tls-mismatch" class="warn" role="note">
                        { mismatch.describe(lang) }
                    </p>
                }
                { input(&state, "ehlo-name", t(lang, Msg::LabelEhloName), "text", &form.ehlo_name, Field::EhloName) }
            </fieldset>

            <TlsFields oncafile={props.oncafile.clone()} />

            <fieldset>
                <legend>{ t(lang, Msg::LegendAuth) }</legend>
                <div class="field">
                    <label for="auth-mechanism">{ t(lang, Msg::LabelAuth) }</label>
                    <select id="auth-mechanism" data-testid="auth-mechanism" onchange={on_select(Field::Auth)}>
                        { for AuthChoice::ALL.into_iter().map(|choice| html! {
                            <option value={choice.as_str()} selected={form.auth == choice}>
                                { choice.mechanism().map_or(t(lang, Msg::AuthNone), |m| m.as_str()) }
                            </option>
                        }) }
                    </select>
                </div>
                if form.auth != AuthChoice::None {
                    { input(&state, "auth-username", t(lang, Msg::LabelUsername), "text", &form.username, Field::Username) }
                    if form.auth.uses_token() {
                        { input(&state, "auth-token", tc(lang, Cm::LabelToken), "password", form.token.expose(), Field::Token) }
                        <p class="hint">{ tc(lang, Cm::TokenHint) }</p>
                    } else {
                        { input(&state, "auth-password", t(lang, Msg::LabelPassword), "password", form.password.expose(), Field::Password) }
                    }
                }
            </fieldset>

            <fieldset>
                <legend>{ t(lang, Msg::LegendEnvelope) }</legend>
                { input(&state, "mail-from", t(lang, Msg::LabelMailFrom), "text", &form.mail_from, Field::MailFrom) }
                { for form.rcpt_to.iter().enumerate().map(|(i, rcpt)| {
                    let id = format!("rcpt-to-{i}");
                    let remove_id = format!("rcpt-remove-{i}");
                    let oninput = {
                        let state = state.clone();
                        Callback::from(move |e: InputEvent| state.dispatch(Action::Form(FormAction::SetField(Field::Rcpt(i), event_value(&e)))))
                    };
                    let onremove = {
                        let state = state.clone();
                        Callback::from(move |_: MouseEvent| state.dispatch(Action::Form(FormAction::RemoveRcpt(i))))
                    };
                    html! {
                        <div class="field rcpt" key={i}>
                            <label for={id.clone()}>{ tf(lang, Msg::LabelRcpt, &[&(i + 1).to_string()]) }</label>
                            <input id={id.clone()} data-testid={id} type="text" inputmode="email" value={rcpt.clone()} {oninput}
                                   autocomplete="off" spellcheck="false" />
                            if form.rcpt_to.len() > 1 {
                                <button type="button" id={remove_id.clone()} data-testid={remove_id} onclick={onremove}
                                        aria-label={tf(lang, Msg::RemoveRcptAria, &[&(i + 1).to_string()])}>{ t(lang, Msg::Remove) }</button>
                            }
                        </div>
                    }
                }) }
                <button type="button" id="rcpt-add" data-testid="rcpt-add" onclick={on_add_rcpt}>{ t(lang, Msg::AddRecipient) }</button>
                <p class="hint">{ tc(lang, Cm::IdnHint) }</p>
            </fieldset>

            <ComposerFields onattach={props.onattach.clone()} onloadmessage={props.onloadmessage.clone()} />

            <ExtensionsFields />

            <div class="run-row">
                <label for="stop-after">{ t(lang, Msg::LabelStopAfter) }</label>
                <select id="stop-after" data-testid="stop-after" onchange={on_select(Field::StopAfter)}>
                    { for STAGES.into_iter().map(|stage| html! {
                        <option value={stage_value(stage)} selected={form.stop_after == stage}>{ stage_label(stage, lang) }</option>
                    }) }
                </select>
                <button type="submit" id="run-button" data-testid="run-button" class="primary" disabled={running}>
                    { if running { t(lang, Msg::Running) } else { t(lang, Msg::RunButton) } }
                </button>
                if running {
                    <button type="button" id="cancel-button" data-testid="cancel-button" onclick={oncancel}>{ t(lang, Msg::CancelButton) }</button>
                }
            </div>
            if let Some(error) = &state.form.error {
                <p id="form-error" data-testid="form-error" class="form-error" role="alert">{ error.describe(lang) }</p>
            }
        </form>
    }
}
