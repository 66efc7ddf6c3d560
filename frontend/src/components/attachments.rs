//! The composer's attachments: a file picker (any type, several at once),
//! each picked file with its name, type and size and a remove button, and
//! the note that attachments are never saved nor shared.

use yew::prelude::*;

use super::{event_files, file_picker, use_app_state};
use crate::i18n::{tc, tcf, Cm};
use crate::state::{Action, FormAction};

/// Props of [`Attachments`].
#[derive(Properties, PartialEq)]
pub(crate) struct AttachmentsProps {
    /// Files picked (the app reads them into the form).
    pub(crate) onattach: Callback<Vec<web_sys::File>>,
}

/// The attachments part of the composer.
#[component]
pub(crate) fn Attachments(props: &AttachmentsProps) -> Html {
    let state = use_app_state();
    let lang = state.lang;
    let files = &state.form.fields.composer.attachments;
    let picker = use_node_ref();
    let onchange = {
        let onattach = props.onattach.clone();
        Callback::from(move |e: Event| {
            let picked = event_files(&e);
            if !picked.is_empty() {
                onattach.emit(picked);
            }
            // The same file may be picked again after a removal.
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                input.set_value("");
            }
        })
    };
    html! {
        <div id="attachments" class="attachments" role="group" aria-label={tc(lang, Cm::LegendAttachments)}>
            { file_picker(&picker, "attach-files", tc(lang, Cm::LabelAttach), None, true, onchange) }
            <p id="attach-hint" class="hint">{ tc(lang, Cm::AttachHint) }</p>
            if !files.is_empty() {
                <ul id="attachment-list" data-testid="attachment-list" class="attachment-list">
                    { for files.iter().enumerate().map(|(i, file)| {
                        let remove_id = format!("attachment-remove-{i}");
                        let onremove = {
                            let state = state.clone();
                            Callback::from(move |_: MouseEvent| state.dispatch(Action::Form(FormAction::RemoveAttachment(i))))
                        };
                        html! {
                            <li key={i} data-testid="attachment" data-name={file.filename.clone()}
                                data-type={file.content_type.clone()} data-size={file.bytes.len().to_string()}>
                                <span class="attachment-name">{ file.filename.clone() }</span>
                                { " · " }<span class="attachment-type">{ file.content_type.clone() }</span>
                                { " · " }<span class="attachment-size">{ tcf(lang, Cm::Bytes, &[&file.bytes.len().to_string()]) }</span>
                                { " " }
                                <button type="button" id={remove_id.clone()} data-testid={remove_id} onclick={onremove}
                                        aria-label={tcf(lang, Cm::RemoveAttachmentAria, &[&file.filename])}>
                                    { crate::i18n::t(lang, crate::i18n::Msg::Remove) }
                                </button>
                            </li>
                        }
                    }) }
                </ul>
            }
        </div>
    }
}
