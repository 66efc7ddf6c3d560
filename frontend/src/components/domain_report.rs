//! The domain report: the summary grid ([`ReportGrid`]) on top, then each
//! check's details below (its help, then [`CheckResultView`]: summary,
//! advice, facts and evidence), each in a `<details>` that a grid cell
//! opens. Failed checks start open, so a failure always shows its
//! evidence; a cell of one server also shows that server's note and the
//! evidence lines about it.

use smtplab_shared::diagnose::{CheckResult, CheckVerdict, Report};
use yew::prelude::*;

use super::check_result_view::{verdict_icon, verdict_word, CheckResultView};
use super::report_grid::{reveal, GridChoice, ReportGrid};
use super::use_app_state;
use crate::diagnostics::{kind_id, verdict_attr};
use crate::i18n::{check_title, report::report_check, tr, trf, Lang, Rm};

/// Props of [`DomainReport`].
#[derive(Properties, PartialEq)]
pub(crate) struct DomainReportProps {
    /// The finished report.
    pub(crate) report: Report,
}

/// The evidence lines about `server`: its sessions (each a `— server
/// [address]` heading and the `bridge:`, `C:` and `S:` lines under it) and
/// any other line that names it (its DNS answers).
pub(crate) fn server_evidence(evidence: &[String], server: &str) -> Vec<String> {
    let heading = format!("— {server} [");
    let mut inside = false;
    let mut out = Vec::new();
    for line in evidence {
        let session_line = ["bridge: ", "C: ", "S: "]
            .iter()
            .any(|p| line.starts_with(p));
        inside = line.starts_with(&heading) || (inside && session_line);
        if inside || line.contains(server) {
            out.push(line.clone());
        }
    }
    out
}

/// What a chosen cell says about its server, with the evidence about it.
fn focus(lang: Lang, r: &CheckResult, server: &str) -> Html {
    let Some(cell) = r.cells.iter().find(|c| c.server == server) else {
        return Html::default();
    };
    let lines = server_evidence(&r.evidence, server);
    html! {
        <div id="diag-report-focus" data-testid="diag-report-focus" class="report-focus"
             data-check={kind_id(r.kind)} data-server={server.to_owned()} data-verdict={verdict_attr(cell.verdict)}>
            <p>
                <span aria-hidden="true">{ verdict_icon(cell.verdict) }</span>{ " " }
                { trf(lang, Rm::FocusServer, &[server, verdict_word(lang, cell.verdict), &cell.note]) }
            </p>
            if !lines.is_empty() {
                <p class="focus-evidence-title">{ trf(lang, Rm::FocusEvidence, &[server]) }</p>
                <pre class="focus-evidence">{ lines.join("\n") }</pre>
            }
        </div>
    }
}

fn details(lang: Lang, r: &CheckResult, selected: Option<&GridChoice>) -> Html {
    let id = kind_id(r.kind);
    let help = report_check(r.kind).map(|(_, help)| tr(lang, help));
    let server = selected
        .filter(|(kind, _)| *kind == r.kind)
        .and_then(|(_, server)| server.as_deref());
    html! {
        <details key={id} id={format!("diag-report-{id}")} data-testid="diag-report-check" data-check={id}
                 data-verdict={verdict_attr(r.verdict)} class={classes!("report-check", verdict_attr(r.verdict))}
                 open={r.verdict == CheckVerdict::Fail}>
            <summary>
                <span class="verdict-icon" aria-hidden="true">{ verdict_icon(r.verdict) }</span>{ " " }
                <span class="verdict-word">{ verdict_word(lang, r.verdict) }</span>{ " " }
                <strong>{ check_title(lang, r.kind) }</strong>{ " — " }{ r.summary.clone() }
            </summary>
            if let Some(help) = help {
                <p class="check-help">{ help }</p>
            }
            if let Some(server) = server {
                { focus(lang, r, server) }
            }
            <CheckResultView result={r.clone()} />
        </details>
    }
}

/// `<div id="diag-report">`: the grid, then `diag-report-details`.
#[component]
pub(crate) fn DomainReport(props: &DomainReportProps) -> Html {
    let lang = use_app_state().lang;
    let selected = use_state(|| None::<GridChoice>);
    let onselect = {
        let selected = selected.clone();
        Callback::from(move |choice: GridChoice| {
            reveal(&format!("diag-report-{}", kind_id(choice.0)));
            selected.set(Some(choice));
        })
    };
    let report = &props.report;
    html! {
        <div id="diag-report" data-testid="diag-report" class="domain-report">
            <ReportGrid domain={report.target.domain.clone()} results={report.results.clone()}
                        servers={report.grid_servers()} selected={(*selected).clone()} {onselect} />
            <section id="diag-report-details" data-testid="diag-report-details">
                <h3>{ tr(lang, Rm::DetailsHeading) }</h3>
                { for report.results.iter().map(|r| details(lang, r, selected.as_ref())) }
            </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_servers_evidence_is_its_session_block_and_the_lines_naming_it() {
        let evidence: Vec<String> = [
            "DNS: good.test MX: 10 mx1.good.test | 20 mx2.good.test",
            "DNS: mx1.good.test A: 127.0.0.2",
            "DNS: mx2.good.test A: 127.0.0.3",
            "— mx1.good.test [127.0.0.2]",
            "bridge: connected to 127.0.0.2:25 in 1.0 ms",
            "C: STARTTLS",
            "— mx2.good.test [127.0.0.3]",
            "C: EHLO x",
            "HTTPS GET https://mta-sts.good.test/.well-known/mta-sts.txt: 200",
        ]
        .map(str::to_owned)
        .to_vec();
        let got = server_evidence(&evidence, "mx1.good.test");
        assert_eq!(
            got,
            [
                "DNS: good.test MX: 10 mx1.good.test | 20 mx2.good.test",
                "DNS: mx1.good.test A: 127.0.0.2",
                "— mx1.good.test [127.0.0.2]",
                "bridge: connected to 127.0.0.2:25 in 1.0 ms",
                "C: STARTTLS",
            ]
        );
        assert_eq!(
            server_evidence(&evidence, "mx3.good.test"),
            Vec::<String>::new()
        );
    }
}
