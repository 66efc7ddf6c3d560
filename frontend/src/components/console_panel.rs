//! The raw console: connect to the form's server, type lines (local echo),
//! shortcuts for EHLO / NOOP / RSET / QUIT, the AUTH helpers, and the same
//! transcript view (replies parsed and explained).

use yew::prelude::*;

use super::auth_helper::AuthHelper;
use super::transcript_view::TranscriptView;
use super::{event_value, use_app_state};
use crate::i18n::{t, tf, Msg};
use crate::state::{Action, ConsoleAction, ConsoleStatus};

/// Props of [`ConsolePanel`].
#[derive(Properties, PartialEq)]
pub(crate) struct ConsolePanelProps {
    /// Connect pressed (the app supplies host and port from the form).
    pub(crate) onconnect: Callback<()>,
    /// A line to send.
    pub(crate) onsend: Callback<String>,
    /// Disconnect pressed.
    pub(crate) ondisconnect: Callback<()>,
}

/// The console.
#[component]
pub(crate) fn ConsolePanel(props: &ConsolePanelProps) -> Html {
    let state = use_app_state();
    let console = &state.console;
    let lang = state.lang;
    let connected = matches!(console.status, ConsoleStatus::Connected(_));
    let status = match &console.status {
        ConsoleStatus::Disconnected => t(lang, Msg::ConsoleNotConnected).to_owned(),
        ConsoleStatus::Connecting(target) => tf(lang, Msg::ConsoleConnecting, &[target]),
        ConsoleStatus::Connected(target) => tf(lang, Msg::ConsoleConnected, &[target]),
    };
    let status_kind = match &console.status {
        ConsoleStatus::Disconnected => "disconnected",
        ConsoleStatus::Connecting(_) => "connecting",
        ConsoleStatus::Connected(_) => "connected",
    };

    let send_input = {
        let onsend = props.onsend.clone();
        let input = console.input.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            onsend.emit(input.clone());
        })
    };
    let oninput = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            state.dispatch(Action::Console(ConsoleAction::Input(event_value(&e))))
        })
    };
    let shortcut = |id: &'static str, line: String| {
        let onsend = props.onsend.clone();
        let label = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        html! {
            <button type="button" {id} data-testid={id} disabled={!connected}
                    onclick={Callback::from(move |_: MouseEvent| onsend.emit(line.clone()))}>{ label }</button>
        }
    };
    let onconnect = {
        let onconnect = props.onconnect.clone();
        Callback::from(move |_: MouseEvent| onconnect.emit(()))
    };
    let ondisconnect = {
        let ondisconnect = props.ondisconnect.clone();
        Callback::from(move |_: MouseEvent| ondisconnect.emit(()))
    };
    let onuse = {
        let state = state.clone();
        Callback::from(move |line: String| {
            state.dispatch(Action::Console(ConsoleAction::Input(line)))
        })
    };
    let onimplicit = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let on = e
                .target_dyn_into::<web_sys::HtmlInputElement>()
                .is_some_and(|input| input.checked());
            state.dispatch(Action::Console(ConsoleAction::ImplicitTls(on)));
        })
    };
    let ehlo = format!("EHLO {}", state.form.fields.ehlo_name.trim());

    html! {
        <section id="console" class="console" aria-labelledby="console-title">
            <h2 id="console-title">{ t(lang, Msg::ConsoleHeading) }</h2>
            <p class="hint">{ t(lang, Msg::ConsoleHint) }</p>
            <div class="toolbar">
                <button type="button" id="console-connect" data-testid="console-connect" onclick={onconnect}
                        disabled={console.status != ConsoleStatus::Disconnected}>{ t(lang, Msg::Connect) }</button>
                <button type="button" id="console-disconnect" data-testid="console-disconnect" onclick={ondisconnect}
                        disabled={console.status == ConsoleStatus::Disconnected}>{ t(lang, Msg::Disconnect) }</button>
                <span id="console-status" data-testid="console-status" data-status={status_kind} role="status">{ status }</span>
            </div>
            <div class="console-tls">
                <input type="checkbox" id="console-implicit-tls" data-testid="console-implicit-tls"
                       checked={console.implicit_tls} onchange={onimplicit}
                       disabled={console.status != ConsoleStatus::Disconnected} />
                <label for="console-implicit-tls">{ t(lang, Msg::ConsoleImplicitTls) }</label>
            </div>
            <form class="console-line" onsubmit={send_input}>
                <label for="console-input">{ t(lang, Msg::LineToSend) }</label>
                <input id="console-input" data-testid="console-input" type="text" value={console.input.clone()} {oninput}
                       autocomplete="off" spellcheck="false" disabled={!connected} />
                <button type="submit" id="console-send" data-testid="console-send" disabled={!connected}>{ t(lang, Msg::Send) }</button>
            </form>
            <div class="toolbar" role="group" aria-label={t(lang, Msg::ShortcutsAria)}>
                { shortcut("console-ehlo", ehlo) }
                { shortcut("console-noop", "NOOP".to_owned()) }
                { shortcut("console-rset", "RSET".to_owned()) }
                { shortcut("console-quit", "QUIT".to_owned()) }
            </div>
            <AuthHelper {onuse} />
            <TranscriptView entries={console.transcript.clone()} reveal={state.reveal} id="console-transcript"
                            file_name="smtplab-console" label={t(lang, Msg::ConsoleTranscript)} />
        </section>
    }
}
