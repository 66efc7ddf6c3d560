//! Share link, exports (swaks command line, session file) and import.

use smtplab_shared::smtp::swaks_command;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::use_app_state;
use crate::browser;
use crate::i18n::{t, Msg};
use crate::session_file::{file_name, to_file};
use crate::state::{Action, FormAction, Notice, ToolsAction};

/// Props of [`ShareExport`].
#[derive(Properties, PartialEq)]
pub(crate) struct ShareExportProps {
    /// A session file was picked for import.
    pub(crate) onimport: Callback<web_sys::File>,
}

/// The share, export and import controls.
#[component]
pub(crate) fn ShareExport(props: &ShareExportProps) -> Html {
    let state = use_app_state();
    let lang = state.lang;
    let onshare = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let message_id = browser::new_message_id(state.form.fields.message_id_domain());
            state.dispatch(Action::Form(FormAction::MakeShareLink {
                href: browser::page_href().unwrap_or_default(),
                date: browser::rfc5322_now(),
                message_id,
            }));
        })
    };
    let copy = |text: String| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            browser::copy_text(&text);
            state.dispatch(Action::Tools(ToolsAction::Notice(Notice::Copied)));
        })
    };
    let onswaks = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::Tools(ToolsAction::ToggleSwaks)))
    };
    // swaks writes its own Date and Message-Id: placeholders do here.
    // Built only while shown: the Saved view renders with every state
    // change, even hidden, and encoding a large message on each render
    // would block the page (and the WebSocket's sending) for 100+ ms.
    let swaks = state.tools.show_swaks.then(|| {
        state
            .form
            .fields
            .to_draft_spec("", "")
            .map(|spec| swaks_command(&spec, state.reveal))
            .map_err(|e| e.describe(lang))
    });
    let onsessionjson = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let message_id = browser::new_message_id(state.form.fields.message_id_domain());
            match state.form.export_spec(&browser::rfc5322_now(), &message_id) {
                Ok(spec) => {
                    let name = file_name(&format!("{}:{}", spec.host, spec.port), ".session.json");
                    browser::download_json(&name, &to_file(&spec, state.reveal));
                }
                Err(e) => state.dispatch(Action::Form(FormAction::Invalid(e))),
            }
        })
    };
    let onimport = {
        let onimport = props.onimport.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                onimport.emit(file);
            }
            // Picking the same file again must fire `change` again.
            input.set_value("");
        })
    };
    html! {
        <section id="share-export" aria-labelledby="share-title">
            <h3 id="share-title">{ t(lang, Msg::ExportHeading) }</h3>
            <div class="toolbar">
                <button type="button" id="share-button" data-testid="share-button" onclick={onshare}>
                    { t(lang, Msg::ShareButton) }
                </button>
                <button type="button" id="export-swaks" data-testid="export-swaks" onclick={onswaks}
                        aria-pressed={state.tools.show_swaks.to_string()}>{ t(lang, Msg::SwaksButton) }</button>
                <button type="button" id="export-session-json" data-testid="export-session-json" onclick={onsessionjson}>
                    { t(lang, Msg::SessionJsonButton) }
                </button>
            </div>
            <p class="hint">{ t(lang, Msg::ShareHint) }</p>
            if let Some(link) = &state.form.share_link {
                <div class="field">
                    <label for="share-link">{ t(lang, Msg::ShareLinkLabel) }</label>
                    <input id="share-link" data-testid="share-link" type="text" readonly=true value={link.clone()}
                           style="font-family: monospace;" />
                    <button type="button" id="share-copy" data-testid="share-copy" onclick={copy(link.clone())}>
                        { t(lang, Msg::Copy) }
                    </button>
                </div>
            }
            if let Some(swaks) = swaks {
                <div class="field">
                    <span id="swaks-label" class="hint">{ t(lang, Msg::SwaksLabel) }</span>
                    <pre id="swaks-command" data-testid="swaks-command" class="command" aria-labelledby="swaks-label"
                         style="flex: 1 1 100%; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere;">{ swaks.clone().unwrap_or_else(|e| e) }</pre>
                    if let Ok(line) = swaks {
                        <button type="button" id="swaks-copy" data-testid="swaks-copy" onclick={copy(line)}>
                            { t(lang, Msg::Copy) }
                        </button>
                    }
                </div>
            }
            <div class="field">
                <label for="import-session">{ t(lang, Msg::ImportLabel) }</label>
                <input id="import-session" data-testid="import-session" type="file" accept=".json,application/json"
                       onchange={onimport} />
            </div>
        </section>
    }
}
