//! The form's collapsible "Extensions" section: PIPELINING, BDAT with its
//! chunk size, forced 8BITMIME, DSN (RET, ENVID, NOTIFY, ORCPT) and
//! stopping at the first refused recipient.

use smtplab_shared::smtp::DsnNotify;
use yew::prelude::*;

use super::composer_fields::checkbox;
use super::{event_value, use_app_state, StateHandle};
use crate::form::extensions::{ret_value, NOTIFY};
use crate::form::{ExtField, Field};
use crate::i18n::{tc, Cm};
use crate::state::{Action, FormAction};

fn on_value<E: AsRef<Event> + 'static>(state: &StateHandle, field: ExtField) -> Callback<E> {
    let state = state.clone();
    Callback::from(move |e: E| {
        state.dispatch(Action::Form(FormAction::SetField(
            Field::Ext(field),
            event_value(e.as_ref()),
        )))
    })
}

fn notify_id(n: DsnNotify) -> &'static str {
    match n {
        DsnNotify::Success => "dsn-notify-success",
        DsnNotify::Failure => "dsn-notify-failure",
        DsnNotify::Delay => "dsn-notify-delay",
        DsnNotify::Never => "dsn-notify-never",
    }
}

/// The Extensions section of the session form.
#[component]
pub(crate) fn ExtensionsFields() -> Html {
    let state = use_app_state();
    let ext = &state.form.fields.ext;
    let lang = state.lang;
    let ret_label = |r| match r {
        None => tc(lang, Cm::RetNone),
        Some(smtplab_shared::smtp::DsnRet::Full) => tc(lang, Cm::RetFull),
        Some(smtplab_shared::smtp::DsnRet::Hdrs) => tc(lang, Cm::RetHdrs),
    };
    html! {
        <details id="extensions" data-testid="extensions" class="extensions">
            <summary id="extensions-toggle" data-testid="extensions-toggle">{ tc(lang, Cm::LegendExtensions) }</summary>
            <fieldset>
                <legend>{ tc(lang, Cm::LegendExtensions) }</legend>
                <p class="hint">{ tc(lang, Cm::ExtensionsHint) }</p>
                { checkbox(&state, "ext-pipelining", tc(lang, Cm::LabelPipelining), ext.pipelining, Field::Ext(ExtField::Pipelining)) }
                { checkbox(&state, "ext-bdat", tc(lang, Cm::LabelBdat), ext.bdat, Field::Ext(ExtField::Bdat)) }
                if ext.bdat {
                    <div class="field">
                        <label for="ext-bdat-chunk">{ tc(lang, Cm::LabelBdatChunk) }</label>
                        <input id="ext-bdat-chunk" data-testid="ext-bdat-chunk" type="text" inputmode="numeric"
                               value={ext.bdat_chunk.clone()} oninput={on_value::<InputEvent>(&state, ExtField::BdatChunk)} />
                    </div>
                }
                { checkbox(&state, "ext-8bitmime", tc(lang, Cm::LabelEightBit), ext.eight_bit, Field::Ext(ExtField::EightBit)) }
                { checkbox(&state, "ext-dsn", tc(lang, Cm::LabelDsn), ext.dsn, Field::Ext(ExtField::Dsn)) }
                if ext.dsn {
                    <div class="field">
                        <label for="ext-dsn-ret">{ tc(lang, Cm::LabelDsnRet) }</label>
                        <select id="ext-dsn-ret" data-testid="ext-dsn-ret" onchange={on_value::<Event>(&state, ExtField::DsnRet)}>
                            { for [None, Some(smtplab_shared::smtp::DsnRet::Full), Some(smtplab_shared::smtp::DsnRet::Hdrs)].into_iter().map(|r| html! {
                                <option value={ret_value(r)} selected={ext.ret == r}>{ ret_label(r) }</option>
                            }) }
                        </select>
                    </div>
                    <div class="field">
                        <label for="ext-dsn-envid">{ tc(lang, Cm::LabelEnvid) }</label>
                        <input id="ext-dsn-envid" data-testid="ext-dsn-envid" type="text" value={ext.envid.clone()}
                               autocomplete="off" spellcheck="false" oninput={on_value::<InputEvent>(&state, ExtField::Envid)} />
                    </div>
                    <div class="checks" role="group" aria-label={tc(lang, Cm::LegendNotify)}>
                        <span class="hint">{ tc(lang, Cm::LegendNotify) }</span>
                        { for NOTIFY.into_iter().map(|n| {
                            let label = n.to_string();
                            checkbox(&state, notify_id(n), &label, ext.notify.contains(&n), Field::Ext(ExtField::Notify(n)))
                        }) }
                    </div>
                    { checkbox(&state, "ext-dsn-orcpt", tc(lang, Cm::LabelOrcpt), ext.orcpt, Field::Ext(ExtField::Orcpt)) }
                }
                { checkbox(&state, "ext-strict", tc(lang, Cm::LabelStrict), ext.strict, Field::Ext(ExtField::Strict)) }
            </fieldset>
        </details>
    }
}
