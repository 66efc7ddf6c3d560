//! The check × server grid: one row per check, one column per server (the
//! servers of the results' cells, in order). Every verdict is an icon and a
//! word (never colour alone) on a button that opens the check's details.
//!
//! Two flavours share it ([`GridFlavour`]): the domain report's
//! `diag-report-grid`, where a check judged per server shows its overall
//! result and one cell per MX host and a domain-wide check one verdict
//! across the row; and an ordinary Diagnostics run's `diag-grid`
//! ([`RunGrid`]), where each check has one cell, on the server it ran on,
//! or in the "Domain" column when it is about the whole domain.

use smtplab_shared::diagnose::{CheckKind, CheckResult, CheckVerdict};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::check_result_view::{verdict_icon, verdict_word};
use super::use_app_state;
use crate::diagnostics::{kind_id, verdict_attr};
use crate::i18n::pictures::{tp, tpf, Pm};
use crate::i18n::{check_title, tr, trf, Lang, Rm};

/// Which grid: the ids, and the columns left of the servers', differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GridFlavour {
    /// The domain report's: `diag-report-grid`, a "Result" column, cells
    /// opening `diag-report-<check>`.
    Report,
    /// An ordinary run's: `diag-grid`, a "Domain" column when a check is
    /// domain-wide, cells opening `diag-result-<check>`.
    Run,
}

impl GridFlavour {
    /// The table's id (and `data-testid`).
    fn table_id(self) -> &'static str {
        match self {
            Self::Report => "diag-report-grid",
            Self::Run => "diag-grid",
        }
    }

    /// The `data-testid` of a row.
    fn row_testid(self) -> &'static str {
        match self {
            Self::Report => "diag-report-row",
            Self::Run => "diag-grid-row",
        }
    }

    /// The `data-testid` of a verdict cell.
    fn cell_testid(self) -> &'static str {
        match self {
            Self::Report => "diag-report-cell",
            Self::Run => "diag-grid-cell",
        }
    }

    /// The id of the element a cell of `kind` opens.
    pub(crate) fn target(self, kind: CheckKind) -> String {
        match self {
            Self::Report => format!("diag-report-{}", kind_id(kind)),
            Self::Run => format!("diag-result-{}", kind_id(kind)),
        }
    }
}

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
    /// Which grid.
    #[prop_or(GridFlavour::Report)]
    pub(crate) flavour: GridFlavour,
    /// The domain (or host) the results are about.
    pub(crate) domain: String,
    /// The results, one row each, in order.
    pub(crate) results: Vec<CheckResult>,
    /// The columns: the MX hosts (`Report::grid_servers`), or the servers
    /// an ordinary run's checks ran on.
    pub(crate) servers: Vec<String>,
    /// The cell chosen last, if any.
    pub(crate) selected: Option<GridChoice>,
    /// A cell was clicked.
    pub(crate) onselect: Callback<GridChoice>,
}

/// One verdict cell: `<td data-testid="diag-report-cell|diag-grid-cell"
/// data-check data-scope data-server data-verdict>` holding a button.
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
            data-testid={props.flavour.cell_testid()} data-check={kind_id(c.kind)} data-scope={c.scope}
            data-server={c.server.map(str::to_owned)} data-verdict={attr}
            data-selected={if selected { "true" } else { "false" }}>
            <button type="button" class="grid-open" aria-label={label} title={c.note.to_owned()}
                    aria-controls={props.flavour.target(c.kind)} {onclick}>
                <span class="verdict-icon" aria-hidden="true">{ verdict_icon(c.verdict) }</span>
                { " " }<span class="verdict-word">{ word }</span>
                if !c.note.is_empty() {
                    <br /><small class="grid-note">{ short_note(c.note) }</small>
                }
            </button>
        </td>
    }
}

/// The cell of a check on `server` that has no verdict there.
fn not_checked(lang: Lang, props: &ReportGridProps, kind: CheckKind, server: &str) -> Html {
    html! {
        <td class="grid-cell none" data-testid={props.flavour.cell_testid()} data-check={kind_id(kind)}
            data-scope="server" data-server={server.to_owned()} data-verdict="none">
            { tr(lang, Rm::GridNotChecked) }
        </td>
    }
}

/// A cell that does not apply (a domain-wide check under a server, a
/// server's check under "Domain"): no verdict, no button.
fn filler() -> Html {
    html! { <td class="grid-cell na"><span aria-hidden="true">{ "\u{2014}" }</span></td> }
}

/// True when an ordinary run's grid needs the "Domain" column: a check is
/// domain-wide, or no check named a server.
fn domain_column(props: &ReportGridProps) -> bool {
    props.servers.is_empty() || props.results.iter().any(|r| r.cells.is_empty())
}

/// A row of an ordinary run's grid: the domain cell or one cell per
/// server, fillers elsewhere.
fn run_row_cells(lang: Lang, props: &ReportGridProps, r: &CheckResult) -> Html {
    let lead = domain_column(props);
    if r.cells.is_empty() {
        return html! {
            <>
                { cell(lang, props, &domain_cell(r, 1)) }
                { for props.servers.iter().map(|_| filler()) }
            </>
        };
    }
    html! {
        <>
            if lead {
                { filler() }
            }
            { server_cells(lang, props, r) }
        </>
    }
}

/// The one cell of a check about the whole domain (no server cells),
/// `colspan` columns wide.
fn domain_cell(r: &CheckResult, colspan: usize) -> Cell<'_> {
    Cell {
        kind: r.kind,
        server: None,
        scope: "domain",
        verdict: r.verdict,
        note: &r.summary,
        colspan,
    }
}

/// One cell per server column: the check's cell for that server, or
/// "not checked" where it did not reach it.
fn server_cells(lang: Lang, props: &ReportGridProps, r: &CheckResult) -> Html {
    props
        .servers
        .iter()
        .map(
            |server| match r.cells.iter().find(|c| &c.server == server) {
                Some(c) => cell(
                    lang,
                    props,
                    &Cell {
                        kind: r.kind,
                        server: Some(server),
                        scope: "server",
                        verdict: c.verdict,
                        note: &c.note,
                        colspan: 1,
                    },
                ),
                None => not_checked(lang, props, r.kind, server),
            },
        )
        .collect()
}

fn row(lang: Lang, props: &ReportGridProps, r: &CheckResult) -> Html {
    let servers = &props.servers;
    let cells: Html = if props.flavour == GridFlavour::Run {
        run_row_cells(lang, props, r)
    } else if r.cells.is_empty() {
        cell(lang, props, &domain_cell(r, 1 + servers.len()))
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
                { server_cells(lang, props, r) }
            </>
        }
    };
    html! {
        <tr key={kind_id(r.kind)} data-testid={props.flavour.row_testid()} data-check={kind_id(r.kind)}
            data-verdict={verdict_attr(r.verdict)}>
            <th scope="row">{ check_title(lang, r.kind) }</th>
            { cells }
        </tr>
    }
}

/// `<table id="diag-report-grid|diag-grid">`: see the module docs.
#[component]
pub(crate) fn ReportGrid(props: &ReportGridProps) -> Html {
    let lang = use_app_state().lang;
    let id = props.flavour.table_id();
    let (caption, lead) = match props.flavour {
        GridFlavour::Report => (
            trf(lang, Rm::GridCaption, &[&props.domain]),
            Some(tr(lang, Rm::GridResult)),
        ),
        GridFlavour::Run => (
            tpf(lang, Pm::GridCaption, &[&props.domain]),
            domain_column(props).then(|| tp(lang, Pm::GridDomain)),
        ),
    };
    html! {
        <table {id} data-testid={id} class="report-grid"
               data-servers={props.servers.len().to_string()}>
            <caption>{ caption }</caption>
            <thead>
                <tr>
                    <th scope="col">{ tr(lang, Rm::GridCheck) }</th>
                    if let Some(lead) = lead {
                        <th scope="col" data-column="lead">{ lead }</th>
                    }
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

/// Opens the element with this id (a `<details>`, or a result's
/// `<article>`) and its evidence, scrolls it into view and moves the focus
/// to its first summary (or to the element itself).
pub(crate) fn reveal(id: &str) {
    let Some(target) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return;
    };
    if target.tag_name().eq_ignore_ascii_case("details") {
        let _ = target.set_attribute("open", "");
    }
    if let Ok(Some(evidence)) = target.query_selector(".check-evidence") {
        let _ = evidence.set_attribute("open", "");
    }
    let focus = target
        .query_selector("summary")
        .ok()
        .flatten()
        .unwrap_or_else(|| target.clone());
    if let Ok(focus) = focus.dyn_into::<web_sys::HtmlElement>() {
        let _ = focus.focus();
    }
    target.scroll_into_view();
}

/// Props of [`RunGrid`].
#[derive(Properties, PartialEq)]
pub(crate) struct RunGridProps {
    /// The domain or host the run is about.
    pub(crate) target: String,
    /// The results, each with the cell of its server (`diagnostics::grid`).
    pub(crate) results: Vec<CheckResult>,
    /// The servers the checks ran on.
    pub(crate) servers: Vec<String>,
}

/// An ordinary run's `<table id="diag-grid">`: a cell opens the check's
/// `diag-result-<check>` and its evidence.
#[component]
pub(crate) fn RunGrid(props: &RunGridProps) -> Html {
    let selected = use_state(|| None::<GridChoice>);
    let onselect = {
        let selected = selected.clone();
        Callback::from(move |choice: GridChoice| {
            reveal(&GridFlavour::Run.target(choice.0));
            selected.set(Some(choice));
        })
    };
    html! {
        <ReportGrid flavour={GridFlavour::Run} domain={props.target.clone()} results={props.results.clone()}
                    servers={props.servers.clone()} selected={(*selected).clone()} {onselect} />
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

    #[test]
    fn the_two_flavours_keep_their_own_ids() {
        assert_eq!(GridFlavour::Report.table_id(), "diag-report-grid");
        assert_eq!(GridFlavour::Report.cell_testid(), "diag-report-cell");
        assert_eq!(
            GridFlavour::Report.target(CheckKind::Spf),
            "diag-report-spf"
        );
        assert_eq!(GridFlavour::Run.table_id(), "diag-grid");
        assert_eq!(GridFlavour::Run.cell_testid(), "diag-grid-cell");
        assert_eq!(
            GridFlavour::Run.target(CheckKind::OpenRelay),
            "diag-result-open_relay"
        );
    }
}
