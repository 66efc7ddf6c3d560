//! `use_files`: the files the composer picks, read into the form —
//! attachments (as bytes, typed by the browser or guessed from the name)
//! and a whole message (.eml) as text.

use yew::prelude::*;

use crate::browser;
use crate::form::AttachmentFile;
use crate::state::{Action, FormAction, Notice, State, ToolsAction};

/// What the composer may ask of the files the user picks.
#[derive(Clone, PartialEq)]
pub(crate) struct FilesHandle {
    /// Files picked to attach.
    pub(crate) attach: Callback<Vec<web_sys::File>>,
    /// A whole message (.eml) picked to send as is.
    pub(crate) load_message: Callback<web_sys::File>,
}

/// Reads picked files into the state; see the module docs.
#[hook]
pub(crate) fn use_files(state: &UseReducerHandle<State>) -> FilesHandle {
    let dispatch = state.dispatcher();
    (*use_memo((), move |()| {
        let d = dispatch.clone();
        let attach = Callback::from(move |files: Vec<web_sys::File>| {
            let dispatch = d.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let mut read = Vec::with_capacity(files.len());
                for file in files {
                    match browser::read_file_bytes(&file).await {
                        Some(bytes) => {
                            read.push(AttachmentFile::new(&file.name(), &file.type_(), bytes));
                        }
                        None => {
                            dispatch.dispatch(Action::Tools(ToolsAction::Notice(
                                Notice::FileUnreadable,
                            )));
                        }
                    }
                }
                if !read.is_empty() {
                    dispatch.dispatch(Action::Form(FormAction::Attach(read)));
                }
            });
        });
        let load_message = Callback::from(move |file: web_sys::File| {
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let action = match browser::read_file_bytes(&file).await {
                    Some(bytes) => Action::Form(FormAction::LoadMessage(bytes)),
                    None => Action::Tools(ToolsAction::Notice(Notice::FileUnreadable)),
                };
                dispatch.dispatch(action);
            });
        });
        FilesHandle {
            attach,
            load_message,
        }
    }))
    .clone()
}
