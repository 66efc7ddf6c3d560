//! The domain report's progress line: "Step N of M: <what runs>", with a
//! `<progress>` bar. M grows as answers bring more to do (MX hosts, their
//! addresses, SPF includes).

use yew::prelude::*;

use super::use_app_state;
use crate::diagnostics::{ReportProgress, ReportStep};
use crate::i18n::{trf, Lang, Rm};

/// Props of [`ReportProgressView`].
#[derive(Properties, PartialEq)]
pub(crate) struct ReportProgressViewProps {
    /// Where the report is.
    pub(crate) progress: ReportProgress,
}

/// The running step in words.
fn step_words(lang: Lang, step: &ReportStep) -> String {
    match step {
        ReportStep::Lookup { name, rtype } => trf(lang, Rm::StepLookup, &[rtype.as_str(), name]),
        ReportStep::Policy { domain } => trf(lang, Rm::StepPolicy, &[domain]),
        ReportStep::Tls { host, address } => trf(lang, Rm::StepTls, &[host, address]),
    }
}

/// `<div id="diag-report-progress" data-done data-known data-step>`.
#[component]
pub(crate) fn ReportProgressView(props: &ReportProgressViewProps) -> Html {
    let lang = use_app_state().lang;
    let p = &props.progress;
    let kind = match p.step {
        ReportStep::Lookup { .. } => "lookup",
        ReportStep::Policy { .. } => "policy",
        ReportStep::Tls { .. } => "tls",
    };
    let current = p.current().to_string();
    let known = p.known.to_string();
    html! {
        <div id="diag-report-progress" data-testid="diag-report-progress" class="report-progress"
             data-done={p.done.to_string()} data-known={known.clone()} data-step={kind}>
            <progress max={known.clone()} value={p.done.to_string()}></progress>
            <p role="status">{ trf(lang, Rm::ProgressStep, &[&current, &known, &step_words(lang, &p.step)]) }</p>
        </div>
    }
}
