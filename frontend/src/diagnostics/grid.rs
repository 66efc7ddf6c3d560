//! A Diagnostics run seen as a picture: its results as rows of the check ×
//! server grid (the domain report's grid, `components::report_grid`), and
//! its progress in one line ("Check 3 of 8: open relay").
//!
//! An ordinary run has no per-server cells of its own, so each result gets
//! one: the server the check ran on (the form's host in a server run, the
//! primary MX for checks 5 and 8 of a domain run). The domain-wide checks
//! (4, 6) keep no cell and show in the grid's domain column.

use smtplab_shared::diagnose::{CheckKind, CheckResult, ServerCell};

use super::plan::primary_mx;
use super::{CheckStatus, DiagRun, RunMode};

/// The server a check of `run` ran on; `None` for a domain-wide check.
pub(crate) fn check_server(run: &DiagRun, kind: CheckKind) -> Option<String> {
    match run.mode {
        RunMode::Server => Some(run.target.trim().to_owned()).filter(|h| !h.is_empty()),
        RunMode::Domain if matches!(kind, CheckKind::UserReceives | CheckKind::OpenRelay) => {
            primary_mx(&run.results)
        }
        RunMode::Domain | RunMode::Report => None,
    }
}

/// The grid of a run: its results, each with the cell of the server it ran
/// on, and the servers (the grid's columns) in the order first met.
pub(crate) fn grid_rows(run: &DiagRun) -> (Vec<CheckResult>, Vec<String>) {
    let mut servers: Vec<String> = Vec::new();
    let rows = run
        .results
        .iter()
        .map(|r| {
            let mut row = r.clone();
            if row.cells.is_empty() {
                if let Some(server) = check_server(run, r.kind) {
                    row.cells = vec![ServerCell::new(&server, r.verdict, r.summary.clone())];
                }
            }
            for cell in &row.cells {
                if !servers.contains(&cell.server) {
                    servers.push(cell.server.clone());
                }
            }
            row
        })
        .collect();
    (rows, servers)
}

/// Where a run is, in numbers: the `diag-progress-summary` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProgressSummary {
    /// Checks finished or skipped.
    pub(crate) done: usize,
    /// Checks in the run.
    pub(crate) total: usize,
    /// The running check and its place in the run (1-based), if one runs
    /// (the first one, when the domain report runs them all at once).
    pub(crate) current: Option<(usize, CheckKind)>,
    /// How many checks run now: one, or all of a domain report's.
    pub(crate) running: usize,
}

impl ProgressSummary {
    /// The checks not finished yet (the running one included).
    pub(crate) fn left(self) -> usize {
        self.total - self.done
    }
}

/// The summary of `run`'s progress list.
pub(crate) fn progress_summary(run: &DiagRun) -> ProgressSummary {
    let done = run
        .progress
        .iter()
        .filter(|row| matches!(row.status, CheckStatus::Done(_) | CheckStatus::Skipped(_)))
        .count();
    let current = run
        .progress
        .iter()
        .enumerate()
        .find(|(_, row)| row.status == CheckStatus::Running)
        .map(|(i, row)| (i + 1, row.kind));
    let running = run
        .progress
        .iter()
        .filter(|row| row.status == CheckStatus::Running)
        .count();
    ProgressSummary {
        done,
        total: run.progress.len(),
        current,
        running,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{DiagAction, DiagState, SkipReason};
    use smtplab_shared::diagnose::{CheckVerdict, ServerRow};

    fn started(mode: RunMode, target: &str, kinds: &[CheckKind]) -> DiagState {
        let mut state = DiagState::default();
        state.apply(DiagAction::Started {
            mode,
            target: target.into(),
            kinds: kinds.to_vec(),
        });
        state
    }

    fn done(state: &mut DiagState, kind: CheckKind, verdict: CheckVerdict) {
        let result = CheckResult::new(kind, verdict, format!("{kind:?} said so"), vec![], "a");
        state.apply(DiagAction::CheckDone(Box::new(result)));
    }

    fn run(state: &DiagState) -> &DiagRun {
        state.run.as_ref().expect("a run")
    }

    #[test]
    fn a_server_run_puts_every_check_on_the_forms_host() {
        let mut state = started(
            RunMode::Server,
            " 127.0.0.1 ",
            &[CheckKind::Reachability, CheckKind::OpenRelay],
        );
        done(&mut state, CheckKind::Reachability, CheckVerdict::Pass);
        done(&mut state, CheckKind::OpenRelay, CheckVerdict::Fail);
        let (rows, servers) = grid_rows(run(&state));
        assert_eq!(servers, ["127.0.0.1"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1].cells,
            [ServerCell::new(
                "127.0.0.1",
                CheckVerdict::Fail,
                "OpenRelay said so"
            )]
        );
    }

    #[test]
    fn a_domain_run_has_domain_wide_checks_and_checks_on_the_primary_mx() {
        let mut state = started(
            RunMode::Domain,
            "",
            &[CheckKind::DomainServers, CheckKind::OpenRelay],
        );
        let mut table = CheckResult::new(
            CheckKind::DomainServers,
            CheckVerdict::Pass,
            "s",
            vec![],
            "a",
        );
        table.servers = vec![serde_json::from_str::<ServerRow>(
            r#"{"host":"mx1.example.test","preference":10,"addresses":["127.0.0.2"],"connected":true,"ehlo_ok":true,"starttls":false}"#,
        )
        .expect("a row")];
        state.apply(DiagAction::CheckDone(Box::new(table)));
        done(&mut state, CheckKind::OpenRelay, CheckVerdict::Pass);
        let (rows, servers) = grid_rows(run(&state));
        assert_eq!(servers, ["127.0.0.2"]);
        assert!(rows[0].cells.is_empty());
        assert_eq!(rows[1].cells[0].server, "127.0.0.2");
        assert_eq!(check_server(run(&state), CheckKind::DomainServers), None);
    }

    #[test]
    fn the_summary_counts_done_checks_and_names_the_running_one() {
        let kinds = [
            CheckKind::Reachability,
            CheckKind::Service,
            CheckKind::OpenRelay,
        ];
        let mut state = started(RunMode::Server, "h", &kinds);
        let summary = progress_summary(run(&state));
        assert_eq!((summary.done, summary.total, summary.current), (0, 3, None));
        done(&mut state, CheckKind::Reachability, CheckVerdict::Pass);
        state.apply(DiagAction::CheckSkipped(
            CheckKind::Service,
            SkipReason::Input("no user".into()),
        ));
        state.apply(DiagAction::CheckStarted(CheckKind::OpenRelay));
        let summary = progress_summary(run(&state));
        assert_eq!(summary.done, 2);
        assert_eq!(summary.current, Some((3, CheckKind::OpenRelay)));
        assert_eq!((summary.left(), summary.running), (1, 1));

        let mut report = started(RunMode::Report, "e.test", &kinds);
        for kind in kinds {
            report.apply(DiagAction::CheckStarted(kind));
        }
        let summary = progress_summary(run(&report));
        assert_eq!(summary.running, 3);
        assert_eq!(summary.current, Some((1, CheckKind::Reachability)));
    }
}
