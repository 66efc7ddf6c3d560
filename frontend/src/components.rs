//! The page's components, one per file, each with its `<Name>Props`.
//!
//! Components read the state from the `UseReducerHandle<State>` context the
//! app provides, dispatch plain [`Action`](crate::state::Action)s, and reach
//! the bridge only through `on<verb>` callbacks handed down by the app.

pub mod auth_helper;
pub mod bridge_banner;
pub mod capability_list;
pub mod check_result_view;
pub mod console_panel;
pub mod diagnostics_panel;
pub mod language_select;
pub mod mx_table;
pub mod sandbox_panel;
pub mod saved_sessions;
pub mod session_form;
pub mod share_export;
pub mod step_list;
pub mod tls_fields;
pub mod tls_panel;
pub mod transcript_view;
pub mod verdict_panel;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::State;

/// The state handle the app provides as context.
pub type StateHandle = UseReducerHandle<State>;

/// The state from context.
///
/// # Panics
/// Outside the app's `ContextProvider`, which is a programming error.
#[hook]
pub fn use_app_state() -> StateHandle {
    use_context::<StateHandle>().expect("the app provides the state context")
}

/// The current value of the input, textarea or select an event came from.
pub fn event_value(event: &Event) -> String {
    let Some(target) = event.target() else {
        return String::new();
    };
    if let Some(input) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        input.value()
    } else if let Some(area) = target.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.value()
    } else if let Some(select) = target.dyn_ref::<web_sys::HtmlSelectElement>() {
        select.value()
    } else {
        String::new()
    }
}
