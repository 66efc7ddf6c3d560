//! The domain report's summary grid: one row per check, one column per MX
//! host (the servers of the results' cells, in order). A check judged per
//! server shows its overall result and one cell per host; a domain-wide
//! check shows one verdict across the row. Every verdict is an icon and a
//! word (never colour alone) on a button that opens the check's details.

use smtplab_shared::diagnose::{CheckKind, CheckResult, CheckVerdict};
use yew::prelude::*;

use super::check_result_view::{verdict_icon, verdict_word};
use super::use_app_state;
use crate::diagnostics::{kind_id, verdict_attr};
use crate::i18n::{check_title, tr, trf, Lang, Rm};

/// The longest note a cell shows, in characters; the whole note is its
/// tooltip and is shown in the details.
const NOTE_CHARS: usize = 64;

/// `note` cut to [`NOTE_CHARS`] at a word boundary, with an ellipsis.
pub(crate) fn short_note(note: &str) -> String {
    if note.chars().count() <= NOTE_CHARS {
        return note.to_owned();
    }
    let cut: String = note.chars().take(NOTE_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}\u{2026}", cut.trim_end_matches([',', ';', ':']))
}

/// What a click in the grid chose: a check, and the server of its cell
/// (`None` for the domain-wide verdict or the row's overall result).
pub(crate) type GridChoice = (CheckKind, Option<String>);

/// Props of [`ReportGrid`].
#[derive(Properties, PartialEq)]
pub(crate) struct ReportGridProps {
    /// The domain the report is about.
    pub(crate) domain: String,
    /// The results, one row each, in order.
    pub(crate) results: Vec<CheckResult>,
    /// The columns: the MX hosts (`Report::grid_servers`).
    pub(crate) servers: Vec<String>,
    /// The cell chosen last, if any.
    pub(crate) selected: Option<GridChoice>,
    /// A cell was clicked.
    pub(crate) onselect: Callback<GridChoice>,
}

/// One verdict cell: `<td data-testid="diag-report-cell" data-check
/// data-scope data-server data-verdict>` holding a button.
struct Cell<'a> {
    kind: CheckKind,
    server: Option<&'a str>,
    scope: &'static str,
    verdict: CheckVerdict,
    note: &'a str,
    colspan: usize,
}

fn cell(lang: Lang, props: &ReportGridProps, c: &Cell<'_>) -> Html {
    let choice: GridChoice = (c.kind, c.server.map(str::to_owned));
    let selected = props.selected.as_ref() == Some(&choice);
    let onclick = {
        let onselect = props.onselect.clone();
        Callback::from(move |_: MouseEvent| onselect.emit(choice.clone()))
    };
    let word = verdict_word(lang, c.verdict);
    let verdict_text = if c.note.is_empty() {
        word.to_owned()
    } else {
        format!("{word} — {}", c.note)
    };
    let title = check_title(lang, c.kind);
    let label = match c.server {
        Some(server) => trf(lang, Rm::GridCellAria, &[title, server, &verdict_text]),
        None => trf(lang, Rm::GridRowAria, &[title, &verdict_text]),
    };
    let attr = verdict_attr(c.verdict);
    html! {
        <td class={classes!("grid-cell", attr)} colspan={c.colspan.to_string()}
            data-testid="diag-report-cell" data-check={kind_id(c.kind)} data-scope={c.scope}
            data-server={c.server.map(str::to_owned)} data-verdict={attr}
            data-selected={if selected { "true" } else { "false" }}>
            <button type="button" class="grid-open" aria-label={label} title={c.note.to_owned()}
                    aria-controls={format!("diag-report-{}", kind_id(c.kind))} {onclick}>
                <span class="verdict-icon" aria-hidden="true">{ verdict_icon(c.verdict) }</span>
                { " " }<span class="verdict-word">{ word }</span>
                if !c.note.is_empty() {
                    <br /><small class="grid-note">{ short_note(c.note) }</small>
                }
            </button>
        </td>
    }
}

fn row(lang: Lang, props: &ReportGridProps, r: &CheckResult) -> Html {
    let servers = &props.servers;
    let cells: Html = if r.cells.is_empty() {
        let domain_wide = Cell {
            kind: r.kind,
            server: None,
            scope: "domain",
            verdict: r.verdict,
            note: &r.summary,
            colspan: 1 + servers.len(),
        };
        cell(lang, props, &domain_wide)
    } else {
        let overall = Cell {
            kind: r.kind,
            server: None,
            scope: "overall",
            verdict: r.verdict,
            note: "",
            colspan: 1,
        };
        html! {
            <>
                { cell(lang, props, &overall) }
                { for servers.iter().map(|server| match r.cells.iter().find(|c| &c.server == server) {
                    Some(c) => cell(lang, props, &Cell {
                        kind: r.kind,
                        server: Some(server),
                        scope: "server",
                        verdict: c.verdict,
                        note: &c.note,
                        colspan: 1,
                    }),
                    None => html! {
                        <td class="grid-cell none" data-testid="diag-report-cell" data-check={kind_id(r.kind)}
                            data-scope="server" data-server={server.clone()} data-verdict="none">
                            { tr(lang, Rm::GridNotChecked) }
                        </td>
                    },
                }) }
            </>
        }
    };
    html! {
        <tr key={kind_id(r.kind)} data-testid="diag-report-row" data-check={kind_id(r.kind)}
            data-verdict={verdict_attr(r.verdict)}>
            <th scope="row">{ check_title(lang, r.kind) }</th>
            { cells }
        </tr>
    }
}

/// `<table id="diag-report-grid">`: see the module docs.
#[component]
pub(crate) fn ReportGrid(props: &ReportGridProps) -> Html {
    let lang = use_app_state().lang;
    html! {
        <table id="diag-report-grid" data-testid="diag-report-grid" class="report-grid"
               data-servers={props.servers.len().to_string()}>
            <caption>{ trf(lang, Rm::GridCaption, &[&props.domain]) }</caption>
            <thead>
                <tr>
                    <th scope="col">{ tr(lang, Rm::GridCheck) }</th>
                    <th scope="col">{ tr(lang, Rm::GridResult) }</th>
                    { for props.servers.iter().map(|s| html! {
                        <th scope="col" data-server={s.clone()}>{ s.clone() }</th>
                    }) }
                </tr>
            </thead>
            <tbody>
                { for props.results.iter().map(|r| row(lang, props, r)) }
            </tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{t, Msg};

    #[test]
    fn every_verdict_has_an_icon_and_a_word() {
        for verdict in [CheckVerdict::Pass, CheckVerdict::Warn, CheckVerdict::Fail] {
            assert!(!verdict_icon(verdict).is_empty());
            assert!(!verdict_word(Lang::Ja, verdict).is_empty());
        }
        assert_eq!(t(Lang::En, Msg::DiagFail), "FAIL");
    }

    #[test]
    fn long_notes_are_cut_at_a_word_with_an_ellipsis() {
        assert_eq!(short_note("matches *.good.test"), "matches *.good.test");
        let long =
            "the certificate does not verify: certificate name mismatch: invalid peer certificate";
        let short = short_note(long);
        assert_eq!(
            short,
            "the certificate does not verify: certificate name mismatch\u{2026}"
        );
        assert!(short.chars().count() <= NOTE_CHARS + 1);
        let unbroken = "x".repeat(100);
        assert_eq!(short_note(&unbroken).chars().count(), NOTE_CHARS + 1);
    }
}
