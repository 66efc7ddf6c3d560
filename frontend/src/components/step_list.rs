//! The live step list: pending / running / ok / failed / skipped, with times.

use yew::prelude::*;

use super::use_app_state;
use crate::i18n::{t, Msg};
use smtplab_shared::smtp::StepStatus;

/// The status as shown (the `data-status` attribute stays English).
pub(crate) fn status_word(status: StepStatus, lang: crate::i18n::Lang) -> &'static str {
    let msg = match status {
        StepStatus::Pending => Msg::StatusPending,
        StepStatus::Running => Msg::StatusRunning,
        StepStatus::Ok => Msg::StatusOk,
        StepStatus::Failed => Msg::StatusFailed,
        StepStatus::Skipped => Msg::StatusSkipped,
    };
    t(lang, msg)
}

/// The steps of the current run.
#[component]
pub(crate) fn StepList() -> Html {
    let state = use_app_state();
    let lang = state.lang;
    let Some(run) = &state.run else {
        return html! {
            <ol id="step-list" data-testid="step-list" class="steps"></ol>
        };
    };
    html! {
        <ol id="step-list" data-testid="step-list" class="steps" aria-label={t(lang, Msg::StepsAria)} aria-live="polite">
            { for run.steps.rows().iter().map(|row| {
                let name = row.step.to_string();
                let status = row.status.as_str();
                let time = row
                    .elapsed
                    .map(|d| format!("{} ms", d.as_millis()))
                    .unwrap_or_default();
                html! {
                    <li key={name.clone()} class={classes!("step", status)} data-testid="step"
                        data-step={name.clone()} data-status={status}>
                        <span class="step-name">{ name }</span>
                        <span class="step-status">{ status_word(row.status, lang) }</span>
                        <span class="step-time">{ time }</span>
                    </li>
                }
            }) }
        </ol>
    }
}
