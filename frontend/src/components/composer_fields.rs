//! The form's message section: subject and text (with an optional HTML
//! alternative), custom header rows, attachments, or the whole-message
//! mode (pasted or loaded, with its warnings); then the size as sent and,
//! once a run's EHLO told it, the server's SIZE limit.

use yew::prelude::*;

use super::attachments::Attachments;
use super::{event_checked, event_value, file_picker, use_app_state, StateHandle};
use crate::form::message::{over_size_limit, whole_warnings, WholeWarning};
use crate::form::{ComposerField, Field};
use crate::i18n::{t, tc, tcf, Cm, Lang, Msg};
use crate::state::{Action, FormAction};

/// Props of [`ComposerFields`].
#[derive(Properties, PartialEq)]
pub(crate) struct ComposerFieldsProps {
    /// Files picked to attach (the app reads them into the form).
    pub(crate) onattach: Callback<Vec<web_sys::File>>,
    /// An .eml file picked for the whole-message mode.
    pub(crate) onloadmessage: Callback<web_sys::File>,
}

/// Dispatches the typed value of `field`.
fn on_text(state: &StateHandle, field: Field) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        state.dispatch(Action::Form(FormAction::SetField(field, event_value(&e))))
    })
}

/// Dispatches a checkbox's state for `field` as `true` / `false`.
pub(crate) fn on_check(state: &StateHandle, field: Field) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |e: Event| {
        state.dispatch(Action::Form(FormAction::SetField(
            field,
            event_checked(&e).to_string(),
        )))
    })
}

/// A checkbox with its label after it.
pub(crate) fn checkbox(
    state: &StateHandle,
    id: &'static str,
    label: &str,
    on: bool,
    field: Field,
) -> Html {
    html! {
        <div class="check">
            <input type="checkbox" {id} data-testid={id} checked={on} onchange={on_check(state, field)} />
            <label for={id}>{ label.to_owned() }</label>
        </div>
    }
}

fn warning_words(warning: WholeWarning, lang: Lang) -> String {
    match warning {
        WholeWarning::BareLf(n) => tcf(lang, Cm::WarnBareLf, &[&n.to_string()]),
        WholeWarning::LongLines(n, longest) => tcf(
            lang,
            Cm::WarnLongLines,
            &[&n.to_string(), &longest.to_string()],
        ),
        WholeWarning::EightBit => tc(lang, Cm::WarnEightBit).to_owned(),
        WholeWarning::NoSeparator => tc(lang, Cm::WarnNoSeparator).to_owned(),
    }
}

fn header_rows(state: &StateHandle, lang: Lang) -> Html {
    let rows = &state.form.fields.composer.headers;
    let on_add = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::Form(FormAction::AddHeader)))
    };
    html! {
        <div id="header-rows" class="header-rows" role="group" aria-label={tc(lang, Cm::LegendHeaders)}>
            <span class="hint">{ tc(lang, Cm::LegendHeaders) }</span>
            { for rows.iter().enumerate().map(|(i, row)| {
                let n = (i + 1).to_string();
                let (name_id, value_id, remove_id) =
                    (format!("header-name-{i}"), format!("header-value-{i}"), format!("header-remove-{i}"));
                let onremove = {
                    let state = state.clone();
                    Callback::from(move |_: MouseEvent| state.dispatch(Action::Form(FormAction::RemoveHeader(i))))
                };
                html! {
                    <div class="field header-row" key={i}>
                        <label for={name_id.clone()} class="visually-hidden">{ tcf(lang, Cm::LabelHeaderName, &[&n]) }</label>
                        <input id={name_id.clone()} data-testid={name_id} type="text" value={row.name.clone()}
                               placeholder="X-Header" autocomplete="off" spellcheck="false"
                               oninput={on_text(state, Field::Composer(ComposerField::HeaderName(i)))} />
                        <label for={value_id.clone()} class="visually-hidden">{ tcf(lang, Cm::LabelHeaderValue, &[&n]) }</label>
                        <input id={value_id.clone()} data-testid={value_id} type="text" value={row.value.clone()}
                               autocomplete="off" oninput={on_text(state, Field::Composer(ComposerField::HeaderValue(i)))} />
                        <button type="button" id={remove_id.clone()} data-testid={remove_id} onclick={onremove}
                                aria-label={tcf(lang, Cm::RemoveHeaderAria, &[&n])}>{ t(lang, Msg::Remove) }</button>
                    </div>
                }
            }) }
            <button type="button" id="header-add" data-testid="header-add" onclick={on_add}>{ tc(lang, Cm::AddHeader) }</button>
        </div>
    }
}

/// The message section of the session form.
#[component]
pub(crate) fn ComposerFields(props: &ComposerFieldsProps) -> Html {
    let state = use_app_state();
    let form = &state.form.fields;
    let composer = &form.composer;
    let lang = state.lang;
    let size = {
        let form = form.clone();
        *use_memo(form, |form| form.message_size())
    };
    let capabilities = state.run.as_ref().and_then(|r| r.capabilities.as_ref());
    let eml_picker = use_node_ref();
    let on_eml = {
        let onload = props.onloadmessage.clone();
        Callback::from(move |e: Event| {
            if let Some(file) = super::event_files(&e).into_iter().next() {
                onload.emit(file);
            }
        })
    };
    html! {
        <fieldset id="composer">
            <legend>{ t(lang, Msg::LegendMessage) }</legend>
            { checkbox(&state, "whole-mode", tc(lang, Cm::LabelWhole), composer.whole, Field::Composer(ComposerField::Whole)) }
            if composer.whole {
                <div class="field">
                    <label for="whole-message">{ tc(lang, Cm::LabelRaw) }</label>
                    <textarea id="whole-message" data-testid="whole-message" rows="12" spellcheck="false"
                              value={composer.raw.clone()} oninput={on_text(&state, Field::Composer(ComposerField::Raw))} />
                </div>
                { file_picker(&eml_picker, "eml-file", tc(lang, Cm::LabelEml), Some(".eml,message/rfc822,text/plain"), false, on_eml) }
                <p class="hint">{ tc(lang, Cm::WholeHint) }</p>
                if composer.loaded.is_some() {
                    <p id="whole-not-utf8" data-testid="whole-not-utf8" class="hint-strong">{ tc(lang, Cm::LoadedNotUtf8) }</p>
                }
                if let Some((check, has_cr)) = form.whole_check() {
                    <ul id="whole-warnings" data-testid="whole-warnings" class="warn-list">
                        { for whole_warnings(&check, has_cr, capabilities).into_iter().map(|w| html! {
                            <li class="warn" role="note">{ warning_words(w, lang) }</li>
                        }) }
                    </ul>
                }
            } else {
                <div class="field">
                    <label for="subject">{ t(lang, Msg::LabelSubject) }</label>
                    <input id="subject" data-testid="subject" type="text" value={form.subject.clone()}
                           oninput={on_text(&state, Field::Subject)} autocomplete="off" />
                </div>
                <div class="field">
                    <label for="body">{ t(lang, Msg::LabelBody) }</label>
                    <textarea id="body" data-testid="body" rows="5" value={form.body.clone()} oninput={on_text(&state, Field::Body)} />
                </div>
                { checkbox(&state, "html-on", tc(lang, Cm::LabelHtmlOn), composer.html_on, Field::Composer(ComposerField::HtmlOn)) }
                if composer.html_on {
                    <div class="field">
                        <label for="html-body">{ tc(lang, Cm::LabelHtml) }</label>
                        <textarea id="html-body" data-testid="html-body" rows="5" spellcheck="false"
                                  value={composer.html.clone()} oninput={on_text(&state, Field::Composer(ComposerField::Html))} />
                    </div>
                }
                { header_rows(&state, lang) }
                <p class="hint">{ t(lang, Msg::HeadersHint) }</p>
                <Attachments onattach={props.onattach.clone()} />
            }
            if let Some(size) = size {
                <p id="message-size" data-testid="message-size" data-bytes={size.to_string()} class="hint">
                    { tcf(lang, Cm::MessageSize, &[&size.to_string()]) }
                    if let Some(limit) = capabilities.and_then(|c| c.max_size()).filter(|l| *l > 0) {
                        { " " }
                        if over_size_limit(size, capabilities).is_some() {
                            <span id="size-warning" data-testid="size-warning" class="warn" role="alert">
                                { tcf(lang, Cm::SizeOver, &[&limit.to_string()]) }
                            </span>
                        } else {
                            <span id="size-ok">{ tcf(lang, Cm::SizeWithin, &[&limit.to_string()]) }</span>
                        }
                    }
                </p>
            }
        </fieldset>
    }
}
