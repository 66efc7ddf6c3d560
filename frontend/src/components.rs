//! The page's components, one per file, each with its `<Name>Props`.
//!
//! Components read the state from the `UseReducerHandle<State>` context the
//! app provides and dispatch plain [`Action`](crate::state::Action)s (the
//! Diagnostics panel gets its own state's handle as a prop). They call no
//! hook that does IO: they reach the bridge, the checks and the files the
//! user picks only through `on<verb>` callbacks handed down by the app,
//! which carry domain values (a line, a `RunPlan`, the picked file); each
//! component turns its own DOM events into those values.

pub(crate) mod attachments;
pub(crate) mod auth_helper;
pub(crate) mod bridge_banner;
pub(crate) mod capability_list;
pub(crate) mod cert_chain;
pub(crate) mod check_result_view;
pub(crate) mod composer_fields;
pub(crate) mod console_panel;
pub(crate) mod data_progress;
pub(crate) mod diagnostics_panel;
pub(crate) mod domain_report;
pub(crate) mod extensions_fields;
pub(crate) mod help_overlay;
pub(crate) mod language_select;
pub(crate) mod mx_table;
pub(crate) mod report_grid;
pub(crate) mod report_progress;
pub(crate) mod sandbox_panel;
pub(crate) mod saved_sessions;
pub(crate) mod sequence_diagram;
pub(crate) mod session_form;
pub(crate) mod share_export;
pub(crate) mod step_list;
pub(crate) mod step_timeline;
pub(crate) mod theme_select;
pub(crate) mod tls_fields;
pub(crate) mod tls_panel;
pub(crate) mod transcript_view;
pub(crate) mod verdict_panel;
pub(crate) mod view_nav;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::State;

/// The state handle the app provides as context.
pub(crate) type StateHandle = UseReducerHandle<State>;

/// The state from context.
///
/// # Panics
/// Outside the app's `ContextProvider`, which is a programming error.
#[hook]
pub(crate) fn use_app_state() -> StateHandle {
    use_context::<StateHandle>().expect("the app provides the state context")
}

/// The current value of the input, textarea or select an event came from.
pub(crate) fn event_value(event: &Event) -> String {
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

/// Whether the checkbox an event came from is ticked.
pub(crate) fn event_checked(event: &Event) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .is_some_and(|i| i.checked())
}

/// The files picked in the file input an event came from.
pub(crate) fn event_files(event: &Event) -> Vec<web_sys::File> {
    let Some(list) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|i| i.files())
    else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// A file picker reached by keyboard as a button: the `<input type=file>`
/// itself is visually hidden and out of the Tab order (the button opens
/// it), so Tab never lands on a file input.
pub(crate) fn file_picker(
    node: &NodeRef,
    id: &'static str,
    label: &str,
    accept: Option<&'static str>,
    multiple: bool,
    onchange: Callback<Event>,
) -> Html {
    let onclick = {
        let node = node.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = node.cast::<web_sys::HtmlInputElement>() {
                input.click();
            }
        })
    };
    let button = format!("{id}-button");
    html! {
        <div class="field file-picker">
            <input ref={node.clone()} {id} data-testid={id} type="file" class="visually-hidden"
                   tabindex="-1" aria-hidden="true" {multiple} {accept} {onchange} />
            <button type="button" id={button.clone()} data-testid={button} {onclick}>{ label.to_owned() }</button>
        </div>
    }
}
