//! `use_sandbox`: the bridge's embedded SMTP sandbox. At mount it asks
//! `GET /sandbox` whether the sandbox runs (the state then presets an
//! untouched form for it) and reads the inbox; afterwards
//! `GET /sandbox/messages` on request (the refresh button, a delivered
//! run). A bridge without the endpoint simply shows no sandbox panel.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::browser;
use crate::sandbox::{parse_info, parse_messages};
use crate::state::{Action, SandboxAction, State};

/// What components may ask of the sandbox.
#[derive(Clone, PartialEq)]
pub(crate) struct SandboxHandle {
    /// Read the inbox again.
    pub(crate) refresh: Callback<()>,
}

/// Asks about the sandbox at mount and returns the [`SandboxHandle`].
#[hook]
pub(crate) fn use_sandbox(dispatch: UseReducerDispatcher<State>) -> SandboxHandle {
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |()| {
            spawn_local(async move {
                // No answer (an older bridge) or no sandbox: nothing to show.
                let Ok(info) = browser::get_text("/sandbox")
                    .await
                    .and_then(|text| parse_info(&text))
                else {
                    return;
                };
                let enabled = info.enabled;
                dispatch.dispatch(Action::Sandbox(SandboxAction::Info(info)));
                if enabled {
                    read_inbox(&dispatch).await;
                }
            });
        });
    }
    let handle = use_memo((), move |()| {
        let refresh = Callback::from(move |()| {
            let dispatch = dispatch.clone();
            spawn_local(async move { read_inbox(&dispatch).await });
        });
        SandboxHandle { refresh }
    });
    (*handle).clone()
}

/// Reads the inbox into the state.
async fn read_inbox(dispatch: &UseReducerDispatcher<State>) {
    dispatch.dispatch(Action::Sandbox(SandboxAction::Loading));
    let result = browser::get_text("/sandbox/messages")
        .await
        .and_then(|text| parse_messages(&text));
    dispatch.dispatch(Action::Sandbox(SandboxAction::Messages(result)));
}
