//! `use_persistence`: what survives a reload or leaves the tab.
//!
//! At mount it reads the saved sessions and the language choice from
//! `localStorage` (else follows `navigator.language`) and a shared session
//! from the page's `#s=` fragment (the bridge hook removes `?token=` from
//! the address bar but keeps the fragment). Afterwards it writes the saved
//! sessions whenever the state's list changes, keeps `<html lang>` in step,
//! and offers callbacks for the language choice and the files the user
//! picks (a session to import, a private CA certificate).

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use crate::browser;
use crate::form::Field;
use crate::i18n::Lang;
use crate::saved::{from_storage, to_storage, SavedSession, STORAGE_KEY};
use crate::session_file::parse_spec;
use crate::share::decode_fragment;
use crate::state::{Action, FormAction, Notice, SpecSource, State, ToolsAction};

/// The `localStorage` key of the language choice.
const LANG_KEY: &str = "smtplab.lang";

/// What components may ask of the browser's storage and files.
#[derive(Clone, PartialEq)]
pub(crate) struct PersistenceHandle {
    /// The user picked a language: remember it and switch.
    pub(crate) set_lang: Callback<Lang>,
    /// The user picked a session file to import.
    pub(crate) import: Callback<web_sys::File>,
    /// The user picked a private CA certificate (PEM) for the form.
    pub(crate) load_ca: Callback<web_sys::File>,
}

/// Loads and stores the state's persistent parts; see the module docs.
#[hook]
pub(crate) fn use_persistence(state: &UseReducerHandle<State>) -> PersistenceHandle {
    // The list last read or written; `None` until the mount read, so the
    // empty list of the first render never overwrites what is stored.
    let known: Rc<RefCell<Option<Vec<SavedSession>>>> = use_mut_ref(|| None);
    {
        let known = known.clone();
        let dispatch = state.dispatcher();
        use_effect_with(state.tools.saved.clone(), move |saved| {
            let mut known = known.borrow_mut();
            if known.as_ref().is_some_and(|k| k != saved) {
                if !browser::storage_set(STORAGE_KEY, &to_storage(saved)) {
                    dispatch.dispatch(Action::Tools(ToolsAction::Notice(Notice::Storage)));
                }
                *known = Some(saved.clone());
            }
        });
    }
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |()| {
            let saved = browser::storage_get(STORAGE_KEY)
                .map(|t| from_storage(&t))
                .unwrap_or_default();
            *known.borrow_mut() = Some(saved.clone());
            dispatch.dispatch(Action::Tools(ToolsAction::SavedLoaded(saved)));
            let lang = Lang::initial(
                browser::storage_get(LANG_KEY).as_deref(),
                browser::browser_language().as_deref(),
            );
            dispatch.dispatch(Action::SetLang(lang));
            match decode_fragment(&browser::page_fragment().unwrap_or_default()) {
                Ok(Some(spec)) => dispatch.dispatch(Action::Tools(ToolsAction::LoadSpec {
                    spec: Box::new(spec),
                    source: SpecSource::Link,
                })),
                Ok(None) => {}
                Err(error) => {
                    dispatch.dispatch(Action::Tools(ToolsAction::Notice(Notice::Import {
                        error,
                        link: true,
                    })))
                }
            }
        });
    }
    use_effect_with(state.lang, |lang| browser::set_document_lang(lang.code()));

    let handle = {
        let dispatch = state.dispatcher();
        use_memo((), move |()| {
            let d = dispatch.clone();
            let set_lang = Callback::from(move |lang: Lang| {
                // A refused write only means the choice is not remembered.
                let _ = browser::storage_set(LANG_KEY, lang.code());
                d.dispatch(Action::SetLang(lang));
            });
            let d = dispatch.clone();
            let load_ca = Callback::from(move |file: web_sys::File| {
                let dispatch = d.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let action = match browser::read_file_text(file).await {
                        Some(text) => Action::Form(FormAction::SetField(Field::CaPem, text)),
                        None => Action::Tools(ToolsAction::Notice(Notice::FileUnreadable)),
                    };
                    dispatch.dispatch(action);
                });
            });
            let import = Callback::from(move |file: web_sys::File| {
                let dispatch = dispatch.clone();
                let name = file.name();
                wasm_bindgen_futures::spawn_local(async move {
                    let action = match browser::read_file_text(file).await {
                        None => Action::Tools(ToolsAction::Notice(Notice::FileUnreadable)),
                        Some(text) => match parse_spec(&text) {
                            Ok(spec) => Action::Tools(ToolsAction::LoadSpec {
                                spec: Box::new(spec),
                                source: SpecSource::File(name),
                            }),
                            Err(error) => Action::Tools(ToolsAction::Notice(Notice::Import {
                                error,
                                link: false,
                            })),
                        },
                    };
                    dispatch.dispatch(action);
                });
            });
            PersistenceHandle {
                set_lang,
                import,
                load_ca,
            }
        })
    };
    (*handle).clone()
}
