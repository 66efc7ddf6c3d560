//! Sessions saved in this browser: a name, Save (with or without the
//! password), and the list with Load and Delete.

use yew::prelude::*;

use super::{event_value, use_app_state};
use crate::browser;
use crate::i18n::{t, Msg};
use crate::state::{Action, ToolsAction};

/// The saved-sessions box.
#[component]
pub(crate) fn SavedSessions() -> Html {
    let state = use_app_state();
    let lang = state.lang;
    let onname = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            state.dispatch(Action::Tools(ToolsAction::SetSaveName(event_value(&e))))
        })
    };
    let onremember = {
        let state = state.clone();
        let on = state.tools.remember_password;
        Callback::from(move |_: Event| {
            state.dispatch(Action::Tools(ToolsAction::SetRememberPassword(!on)))
        })
    };
    let onsave = {
        let state = state.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let message_id = browser::new_message_id(state.form.fields.message_id_domain());
            state.dispatch(Action::Tools(ToolsAction::Save {
                date: browser::rfc5322_now(),
                message_id,
            }));
        })
    };
    html! {
        <section id="saved-sessions" aria-labelledby="saved-title">
            <h3 id="saved-title">{ t(lang, Msg::SavedHeading) }</h3>
            <form class="toolbar" onsubmit={onsave}>
                <label for="save-name">{ t(lang, Msg::SaveName) }</label>
                <input id="save-name" data-testid="save-name" type="text" value={state.tools.save_name.clone()}
                       oninput={onname} autocomplete="off" />
                <button type="submit" id="save-button" data-testid="save-button">{ t(lang, Msg::SaveButton) }</button>
            </form>
            <div class="reveal">
                <input type="checkbox" id="remember-password" data-testid="remember-password"
                       checked={state.tools.remember_password} onchange={onremember} />
                <label for="remember-password">{ t(lang, Msg::RememberPassword) }</label>
            </div>
            if state.tools.saved.is_empty() {
                <p id="saved-empty" data-testid="saved-empty" class="hint">{ t(lang, Msg::SavedEmpty) }</p>
            } else {
                <ul id="saved-list" data-testid="saved-list" class="saved" style="list-style: none; padding: 0; margin: .3rem 0;">
                    { for state.tools.saved.iter().enumerate().map(|(i, saved)| {
                        let load = {
                            let state = state.clone();
                            Callback::from(move |_: MouseEvent| state.dispatch(Action::Tools(ToolsAction::LoadSaved(i))))
                        };
                        let delete = {
                            let state = state.clone();
                            Callback::from(move |_: MouseEvent| state.dispatch(Action::Tools(ToolsAction::DeleteSaved(i))))
                        };
                        let (load_id, delete_id) = (format!("saved-load-{i}"), format!("saved-delete-{i}"));
                        html! {
                            <li key={saved.name.clone()} data-testid="saved-item" data-name={saved.name.clone()}
                                data-password={saved.remember_password.to_string()} class="toolbar">
                                <span class="saved-name">{ saved.name.clone() }</span>
                                if saved.remember_password {
                                    <span class="hint">{ format!("({})", t(lang, Msg::PasswordStored)) }</span>
                                }
                                <button type="button" id={load_id.clone()} data-testid={load_id} onclick={load}>
                                    { t(lang, Msg::Load) }
                                </button>
                                <button type="button" id={delete_id.clone()} data-testid={delete_id} onclick={delete}>
                                    { t(lang, Msg::Delete) }
                                </button>
                            </li>
                        }
                    }) }
                </ul>
            }
        </section>
    }
}
