//! The Diagnostics panel: "Check this domain" (checks 4 and 6, then 5 and 8
//! on the primary MX when asked), "Domain report" (SPF, DMARC, MTA-STS,
//! TLS-RPT, DANE, reverse DNS, TLS on every MX, and DNS blocklists when
//! opted in: its grid and details are [`DomainReport`]) and "Check this
//! server" (checks 1, 2, 3 when asked, 5, 7, 8), a progress line ("Check 3
//! of 8: …") and list, the results as a check × server grid ([`RunGrid`],
//! the domain report's grid in its other flavour) above each check's
//! result, the MX table, and the report as text and JSON downloads.
//!
//! The app owns the panel's reducer ([`DiagState`]) and the `use_checks`
//! hook that does the IO; the panel gets the state's handle, and the
//! hook's run and cancel as callbacks. The page's language comes from the
//! app's state.

use yew::prelude::*;

use super::check_result_view::{verdict_word, CheckResultView};
use super::domain_report::DomainReport;
use super::mx_table::MxTable;
use super::report_grid::RunGrid;
use super::report_progress::ReportProgressView;
use super::{event_value, use_app_state};
use crate::browser;
use crate::diagnostics::grid::{grid_rows, progress_summary};
use crate::diagnostics::{
    kind_id, report_file_name, CheckStatus, DiagAction, DiagField, DiagFormError, DiagRun,
    DiagState, RunMode, RunPlan, SkipReason,
};
use crate::i18n::pictures::{tpf, Pm};
use crate::i18n::{check_title, t, tf, tr, Lang, Msg, Rm};

/// One labelled input bound to a form field.
fn field(
    state: &UseReducerHandle<DiagState>,
    id: &'static str,
    label: &str,
    kind: &'static str,
    which: DiagField,
) -> Html {
    let oninput = {
        let dispatch = state.dispatcher();
        Callback::from(move |e: InputEvent| {
            dispatch.dispatch(DiagAction::Field(which, event_value(&e)))
        })
    };
    html! {
        <div class="field">
            <label for={id}>{ label.to_owned() }</label>
            <input {id} data-testid={id} type={kind} value={state.form.get(which).to_owned()} {oninput}
                   autocomplete="off" spellcheck="false" />
        </div>
    }
}

/// A checkbox bound to a boolean of the form.
fn toggle(id: &'static str, label: &str, checked: bool, onchange: Callback<bool>) -> Html {
    let onchange = Callback::from(move |e: Event| {
        let on = e
            .target_dyn_into::<web_sys::HtmlInputElement>()
            .is_some_and(|input| input.checked());
        onchange.emit(on);
    });
    html! {
        <div class="reveal">
            <input type="checkbox" {id} data-testid={id} {checked} {onchange} />
            <label for={id}>{ label.to_owned() }</label>
        </div>
    }
}

fn form_error_words(lang: Lang, error: DiagFormError) -> &'static str {
    t(
        lang,
        match error {
            DiagFormError::BadPort => Msg::DiagErrPort,
            DiagFormError::BadTimeout => Msg::DiagErrTimeout,
            DiagFormError::NoDomain => Msg::DiagErrDomain,
            DiagFormError::NoHost => Msg::DiagErrHost,
            DiagFormError::NoDnsblZones => return tr(lang, Rm::ErrNoZones),
        },
    )
}

/// Starts a run in `mode` from the form, or says why it cannot start.
fn launch(state: &UseReducerHandle<DiagState>, run: &Callback<RunPlan>, mode: RunMode) {
    let form = &state.form;
    let domain = form.domain.trim().trim_end_matches('.');
    let id_domain = if domain.is_empty() {
        form.ehlo_name.trim()
    } else {
        domain
    };
    let message_id = browser::new_message_id(id_domain);
    match form.to_input(mode, &browser::rfc5322_now(), &message_id) {
        Ok(input) => {
            let kinds = form.kinds(mode);
            state.dispatch(DiagAction::Started {
                mode,
                target: if mode == RunMode::Server {
                    input.host.clone()
                } else {
                    input.domain.clone()
                },
                kinds: kinds.clone(),
            });
            run.emit(RunPlan::new(mode, input, &kinds).with_options(form.report_options()));
        }
        Err(e) => state.dispatch(DiagAction::Invalid(e)),
    }
}

fn status_words(lang: Lang, status: &CheckStatus) -> String {
    match status {
        CheckStatus::Pending => t(lang, Msg::StatusPending).to_owned(),
        CheckStatus::Running => t(lang, Msg::StatusRunning).to_owned(),
        CheckStatus::Done(verdict) => verdict_word(lang, *verdict).to_owned(),
        CheckStatus::Skipped(SkipReason::Input(why)) => tf(lang, Msg::DiagSkipped, &[why]),
        CheckStatus::Skipped(SkipReason::NoPrimaryMx) => {
            t(lang, Msg::DiagSkipNoPrimaryMx).to_owned()
        }
        CheckStatus::Skipped(SkipReason::Cancelled) => t(lang, Msg::DiagSkipCancelled).to_owned(),
    }
}

/// `<div id="diag-progress-summary" data-done data-total data-current>`:
/// "Check 3 of 8: Open relay (6 left)" with a bar, beside the list.
fn progress_line(lang: Lang, run: &DiagRun, running: bool) -> Html {
    let summary = progress_summary(run);
    let total = summary.total.to_string();
    let done = summary.done.to_string();
    let words = match summary.current {
        // The domain report runs its checks at once: only the count says
        // where it is (its step line says what runs).
        Some(_) if running && summary.running > 1 => tpf(lang, Pm::ProgressDone, &[&done, &total]),
        Some((place, kind)) if running => tpf(
            lang,
            Pm::ProgressCheck,
            &[
                &place.to_string(),
                &total,
                check_title(lang, kind),
                &summary.left().to_string(),
            ],
        ),
        _ if running => tpf(lang, Pm::ProgressStarting, &[&done, &total]),
        _ => tpf(lang, Pm::ProgressFinished, &[&done, &total]),
    };
    html! {
        <div id="diag-progress-summary" data-testid="diag-progress-summary" class="diag-progress-summary"
             data-done={done.clone()} data-total={total.clone()}
             data-current={summary.current.map(|(_, kind)| kind_id(kind))}>
            <progress max={total} value={done} aria-hidden="true"></progress>
            <span class="summary-words">{ words }</span>
        </div>
    }
}

/// The grid of an ordinary run's results, once one is there.
fn run_grid(run: &DiagRun) -> Html {
    let (results, servers) = grid_rows(run);
    if results.is_empty() {
        return Html::default();
    }
    html! { <RunGrid target={run.target.trim().to_owned()} {results} {servers} /> }
}

/// Props of [`DiagnosticsPanel`].
#[derive(Properties, PartialEq)]
pub(crate) struct DiagnosticsPanelProps {
    /// The panel's state (its form, progress and results).
    pub(crate) state: UseReducerHandle<DiagState>,
    /// Run these checks (the form was valid).
    pub(crate) onrun: Callback<RunPlan>,
    /// Stop the running checks.
    pub(crate) oncancel: Callback<()>,
}

/// The panel.
#[component]
pub(crate) fn DiagnosticsPanel(props: &DiagnosticsPanelProps) -> Html {
    let lang = use_app_state().lang;
    let state = &props.state;
    let running = state.running();

    let start = |mode: RunMode| {
        let state = state.clone();
        let run = props.onrun.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            launch(&state, &run, mode);
        })
    };
    let on_domain = start(RunMode::Domain);
    let on_server = start(RunMode::Server);
    let on_report = {
        let state = state.clone();
        let run = props.onrun.clone();
        Callback::from(move |_: MouseEvent| launch(&state, &run, RunMode::Report))
    };
    let on_dnsbl = {
        let dispatch = state.dispatcher();
        Callback::from(move |on| dispatch.dispatch(DiagAction::Dnsbl(on)))
    };
    let on_cancel = {
        let cancel = props.oncancel.clone();
        Callback::from(move |_: MouseEvent| cancel.emit(()))
    };
    let on_primary = {
        let dispatch = state.dispatcher();
        Callback::from(move |on| dispatch.dispatch(DiagAction::TestPrimaryMx(on)))
    };
    let on_delivery = {
        let dispatch = state.dispatcher();
        Callback::from(move |on| dispatch.dispatch(DiagAction::IncludeDelivery(on)))
    };

    let run = state.run.clone();
    let report = run.as_ref().and_then(|r| r.report.clone());
    let download = |json: bool| {
        let report = report.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(report) = &report {
                if json {
                    browser::download_json(&report_file_name(report, "json"), &report.to_json());
                } else {
                    browser::download_text(&report_file_name(report, "txt"), &report.to_text());
                }
            }
        })
    };
    let servers = run
        .as_ref()
        .and_then(|r| r.results.iter().find(|res| !res.servers.is_empty()))
        .map(|res| res.servers.clone());

    html! {
        <section id="diagnostics" data-testid="diagnostics" class="pane diagnostics" aria-labelledby="diag-title">
            <h2 id="diag-title">{ t(lang, Msg::DiagHeading) }</h2>
            <p class="hint">{ t(lang, Msg::DiagHint) }</p>
            <form id="diag-domain-form" data-testid="diag-domain-form" onsubmit={on_domain}>
                <fieldset>
                    <legend>{ t(lang, Msg::DiagDomainLegend) }</legend>
                    { field(state, "diag-domain", t(lang, Msg::DiagLabelDomain), "text", DiagField::Domain) }
                    { toggle("diag-test-primary", t(lang, Msg::DiagTestPrimaryMx), state.form.test_primary_mx, on_primary) }
                    <button type="submit" id="diag-run-domain" data-testid="diag-run-domain" disabled={running}>
                        { t(lang, Msg::DiagRunDomain) }
                    </button>
                    { " " }
                    <button type="button" id="diag-run-report" data-testid="diag-run-report" disabled={running}
                            onclick={on_report} aria-describedby="diag-report-hint">
                        { tr(lang, Rm::RunReport) }
                    </button>
                    <p id="diag-report-hint" class="hint">{ tr(lang, Rm::ReportHint) }</p>
                    { toggle("diag-dnsbl", tr(lang, Rm::DnsblToggle), state.form.dnsbl, on_dnsbl) }
                    <p id="diag-dnsbl-notice" data-testid="diag-dnsbl-notice" class="hint">{ tr(lang, Rm::DnsblThirdParty) }</p>
                    if state.form.dnsbl {
                        { field(state, "diag-dnsbl-zones", tr(lang, Rm::DnsblZones), "text", DiagField::DnsblZones) }
                    }
                </fieldset>
            </form>
            <form id="diag-server-form" data-testid="diag-server-form" onsubmit={on_server}>
                <fieldset>
                    <legend>{ t(lang, Msg::DiagServerLegend) }</legend>
                    { field(state, "diag-host", t(lang, Msg::LabelHost), "text", DiagField::Host) }
                    { toggle("diag-include-delivery", t(lang, Msg::DiagIncludeDelivery), state.form.include_delivery, on_delivery) }
                    <button type="submit" id="diag-run-server" data-testid="diag-run-server" disabled={running}>
                        { t(lang, Msg::DiagRunServer) }
                    </button>
                </fieldset>
            </form>
            // A form that never submits: Chromium wants every password
            // field inside one ("Password field is not contained in a form").
            <form class="diag-common-form" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            <fieldset class="diag-common">
                <legend>{ t(lang, Msg::DiagInputsLegend) }</legend>
                { field(state, "diag-port", t(lang, Msg::DiagLabelPort), "text", DiagField::Port) }
                { field(state, "diag-user", t(lang, Msg::DiagLabelUser), "text", DiagField::User) }
                { field(state, "diag-from", t(lang, Msg::DiagLabelFrom), "text", DiagField::From) }
                { field(state, "diag-outside", t(lang, Msg::DiagLabelOutside), "text", DiagField::Outside) }
                { field(state, "diag-ehlo", t(lang, Msg::LabelEhloName), "text", DiagField::EhloName) }
                { field(state, "diag-auth-user", t(lang, Msg::DiagLabelAuthUser), "text", DiagField::AuthUser) }
                { field(state, "diag-auth-password", t(lang, Msg::LabelPassword), "password", DiagField::AuthPassword) }
                { field(state, "diag-timeout", t(lang, Msg::DiagLabelTimeout), "text", DiagField::TimeoutSecs) }
            </fieldset>
            </form>
            if let Some(error) = state.form_error {
                <p id="diag-form-error" data-testid="diag-form-error" class="form-error" role="alert">
                    { form_error_words(lang, error) }
                </p>
            }
            if running {
                <button type="button" id="diag-cancel" data-testid="diag-cancel" onclick={on_cancel}>
                    { t(lang, Msg::CancelButton) }
                </button>
            }
            if let Some(run) = &run {
                { progress_line(lang, run, running) }
                <ol id="diag-progress" data-testid="diag-progress" class="steps" aria-live="polite"
                    aria-label={t(lang, Msg::DiagProgressAria)} data-running={if running { "true" } else { "false" }}>
                    { for run.progress.iter().map(|row| {
                        let status = row.status.as_str();
                        let verdict = match &row.status {
                            CheckStatus::Done(v) => Some(crate::diagnostics::verdict_attr(*v)),
                            _ => None,
                        };
                        html! {
                            <li key={kind_id(row.kind)} class={classes!("step", status)} data-testid="diag-check"
                                data-check={kind_id(row.kind)} data-status={status} data-verdict={verdict}>
                                <span class="step-name">{ check_title(lang, row.kind) }</span>
                                <span class="step-status">{ status_words(lang, &row.status) }</span>
                            </li>
                        }
                    }) }
                </ol>
                if let Some(progress) = run.step.clone().filter(|_| running) {
                    <ReportProgressView {progress} />
                }
                if let Some(servers) = servers {
                    <MxTable {servers} />
                }
                <div id="diag-results" data-testid="diag-results">
                    if run.mode == RunMode::Report {
                        if let Some(done) = &report {
                            // A new report is a new grid: nothing chosen, nothing opened.
                            <DomainReport key={done.generated_at.clone()} report={done.clone()} />
                        }
                    } else {
                        { run_grid(run) }
                        { for run.results.iter().map(|result| html! {
                            <CheckResultView key={kind_id(result.kind)} result={result.clone()} />
                        }) }
                    }
                </div>
                if let Some(report) = &report {
                    <p id="diag-overall" data-testid="diag-overall"
                       data-verdict={report.overall().map(crate::diagnostics::verdict_attr)}>
                        { tf(lang, Msg::DiagOverall, &[report.overall().map_or("-", |v| verdict_word(lang, v))]) }
                    </p>
                    <div class="actions">
                        <button type="button" id="diag-download-text" data-testid="diag-download-text"
                                onclick={download(false)}>{ t(lang, Msg::DiagDownloadText) }</button>
                        <button type="button" id="diag-download-json" data-testid="diag-download-json"
                                onclick={download(true)}>{ t(lang, Msg::DiagDownloadJson) }</button>
                    </div>
                }
            }
        </section>
    }
}
