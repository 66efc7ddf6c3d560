//! One check's result: verdict, summary, advice, details and the evidence
//! (transcript, bridge and DNS lines). The MX table is shown once, by the
//! panel.

use smtplab_shared::diagnose::{CheckResult, CheckVerdict};
use yew::prelude::*;

use super::use_app_state;
use crate::diagnostics::{kind_id, verdict_attr};
use crate::i18n::{check_title, t, Lang, Msg};

/// Props of [`CheckResultView`].
#[derive(Properties, PartialEq)]
pub(crate) struct CheckResultViewProps {
    /// The result.
    pub(crate) result: CheckResult,
}

/// The verdict in words.
pub(crate) fn verdict_word(lang: Lang, verdict: CheckVerdict) -> &'static str {
    t(
        lang,
        match verdict {
            CheckVerdict::Pass => Msg::DiagPass,
            CheckVerdict::Warn => Msg::DiagWarn,
            CheckVerdict::Fail => Msg::DiagFail,
        },
    )
}

/// An icon for the verdict, shown beside its word (never instead of it):
/// a check mark, a warning sign, a cross.
pub(crate) fn verdict_icon(verdict: CheckVerdict) -> &'static str {
    match verdict {
        CheckVerdict::Pass => "\u{2714}",
        CheckVerdict::Warn => "\u{26a0}",
        CheckVerdict::Fail => "\u{2716}",
    }
}

/// `<article id="diag-result-<kind>" data-verdict="pass|warn|fail">`.
#[component]
pub(crate) fn CheckResultView(props: &CheckResultViewProps) -> Html {
    let lang = use_app_state().lang;
    let r = &props.result;
    let id = format!("diag-result-{}", kind_id(r.kind));
    let verdict = verdict_attr(r.verdict);
    html! {
        // Focusable from script (tabindex -1): a grid cell moves the focus
        // here when the result has no evidence to open.
        <article id={id.clone()} data-testid={id} data-verdict={verdict} class={classes!("check-result", verdict)}
                 tabindex="-1">
            <h3>
                <span class="check-verdict">{ verdict_word(lang, r.verdict) }</span>
                { " " }{ check_title(lang, r.kind) }
            </h3>
            <p class="check-summary">{ r.summary.clone() }</p>
            <p class="check-advice"><strong>{ t(lang, Msg::DiagAdvice) }</strong>{ " " }{ r.advice.clone() }</p>
            if !r.details.is_empty() {
                <dl class="check-details">
                    { for r.details.iter().map(|f| html! {
                        <><dt>{ f.label.clone() }</dt><dd>{ f.value.clone() }</dd></>
                    }) }
                </dl>
            }
            if !r.evidence.is_empty() {
                <details class="check-evidence" open={r.verdict != CheckVerdict::Pass}>
                    <summary>{ t(lang, Msg::DiagEvidence) }</summary>
                    <pre>{ r.evidence.join("\n") }</pre>
                </details>
            }
        </article>
    }
}
