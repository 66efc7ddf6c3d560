//! The Diagnostics panel's state: the form, the progress of each check
//! (pending / running / done with its verdict) and the results, with a
//! [`DiagAction`] reducer in the house shape (`reduce` clones and calls
//! [`DiagState::apply`], unit-tested natively). The checks themselves are
//! `smtplab_shared::diagnose`; the `use_checks` hook drives them.
//!
//! # Layout
//! - [`form`]: [`DiagForm`], its fields, and the [`CheckInput`](smtplab_shared::diagnose::CheckInput) it makes.
//! - [`grid`]: a run's results as rows of the check × server grid, and its
//!   progress in one line.
//! - [`plan`]: [`RunPlan`], which check comes next and on which host.
//! - [`progress`]: [`ReportProgress`], the domain report's running step.

pub(crate) mod form;
pub(crate) mod grid;
pub(crate) mod plan;
pub(crate) mod progress;

use std::rc::Rc;

use smtplab_shared::diagnose::{CheckKind, CheckResult, CheckVerdict, Report};
use yew::Reducible;

pub(crate) use form::{DiagField, DiagForm, DiagFormError, RunMode};
pub(crate) use plan::{Next, RunPlan};
pub(crate) use progress::{ReportProgress, ReportStep};

/// Where one check of a run is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CheckStatus {
    /// Not started yet.
    Pending,
    /// Running now.
    Running,
    /// Finished with this verdict.
    Done(CheckVerdict),
    /// Not run: its input is missing or invalid (the words say why).
    Skipped(SkipReason),
}

impl CheckStatus {
    /// The `data-status` value: `pending`, `running`, `done`, `skipped`.
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done(_) => "done",
            Self::Skipped(_) => "skipped",
        }
    }
}

/// Why a check was not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SkipReason {
    /// The check's own input validation (the shared crate's words).
    Input(String),
    /// Domain mode: no MX host answered, so there is no host to test.
    NoPrimaryMx,
    /// The user cancelled the run.
    Cancelled,
}

/// One line of the progress list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProgressRow {
    /// Which check.
    pub(crate) kind: CheckKind,
    /// Where it is.
    pub(crate) status: CheckStatus,
}

/// One run of the checks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DiagRun {
    /// Which button started it.
    pub(crate) mode: RunMode,
    /// What the form named: the host of a server run (where its checks
    /// run), the domain of a domain run or report.
    pub(crate) target: String,
    /// Every check of the run, in order.
    pub(crate) progress: Vec<ProgressRow>,
    /// The finished results, in order.
    pub(crate) results: Vec<CheckResult>,
    /// The report, once the run is over.
    pub(crate) report: Option<Report>,
    /// The domain report's running step, while it runs.
    pub(crate) step: Option<ReportProgress>,
}

impl DiagRun {
    /// True until the report is there.
    pub(crate) fn running(&self) -> bool {
        self.report.is_none()
    }
}

/// The panel's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct DiagState {
    /// The form.
    pub(crate) form: DiagForm,
    /// Why the last run could not start.
    pub(crate) form_error: Option<DiagFormError>,
    /// The current or last run.
    pub(crate) run: Option<DiagRun>,
}

/// Everything that changes the panel's state.
#[derive(Clone, PartialEq)]
pub(crate) enum DiagAction {
    /// A text field changed.
    Field(DiagField, String),
    /// "Also test the primary MX" toggled.
    TestPrimaryMx(bool),
    /// "Include a real delivery" toggled.
    IncludeDelivery(bool),
    /// "Also check DNS blocklists" toggled.
    Dnsbl(bool),
    /// The form cannot start a run.
    Invalid(DiagFormError),
    /// A run started with these checks.
    Started {
        /// Domain or server.
        mode: RunMode,
        /// The host (server run) or domain the form named.
        target: String,
        /// The checks, in order.
        kinds: Vec<CheckKind>,
    },
    /// A check started.
    CheckStarted(CheckKind),
    /// A check was not run.
    CheckSkipped(CheckKind, SkipReason),
    /// A check finished.
    CheckDone(Box<CheckResult>),
    /// The domain report moved to a step.
    Progress(ReportProgress),
    /// The run is over; the report of every result.
    Finished(Box<Report>),
}

impl std::fmt::Debug for DiagAction {
    /// Never prints what was typed in the AUTH password field.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Field(DiagField::AuthPassword, _) => f
                .debug_tuple("Field")
                .field(&DiagField::AuthPassword)
                .field(&format_args!("<redacted>"))
                .finish(),
            Self::Field(field, value) => f.debug_tuple("Field").field(field).field(value).finish(),
            Self::TestPrimaryMx(on) => f.debug_tuple("TestPrimaryMx").field(on).finish(),
            Self::IncludeDelivery(on) => f.debug_tuple("IncludeDelivery").field(on).finish(),
            Self::Dnsbl(on) => f.debug_tuple("Dnsbl").field(on).finish(),
            Self::Progress(p) => f.debug_tuple("Progress").field(p).finish(),
            Self::Invalid(e) => f.debug_tuple("Invalid").field(e).finish(),
            Self::Started {
                mode,
                target,
                kinds,
            } => f
                .debug_struct("Started")
                .field("mode", mode)
                .field("target", target)
                .field("kinds", kinds)
                .finish(),
            Self::CheckStarted(kind) => f.debug_tuple("CheckStarted").field(kind).finish(),
            Self::CheckSkipped(kind, why) => f
                .debug_tuple("CheckSkipped")
                .field(kind)
                .field(why)
                .finish(),
            Self::CheckDone(result) => f.debug_tuple("CheckDone").field(result).finish(),
            Self::Finished(report) => f.debug_tuple("Finished").field(report).finish(),
        }
    }
}

impl DiagState {
    /// Applies one action.
    pub(crate) fn apply(&mut self, action: DiagAction) {
        match action {
            DiagAction::Field(field, value) => {
                self.form.set(field, value);
                self.form_error = None;
            }
            DiagAction::TestPrimaryMx(on) => self.form.test_primary_mx = on,
            DiagAction::IncludeDelivery(on) => self.form.include_delivery = on,
            DiagAction::Dnsbl(on) => {
                self.form.dnsbl = on;
                self.form_error = None;
            }
            DiagAction::Progress(progress) => {
                if let Some(run) = &mut self.run {
                    run.step = Some(progress);
                }
            }
            DiagAction::Invalid(e) => self.form_error = Some(e),
            DiagAction::Started {
                mode,
                target,
                kinds,
            } => {
                self.form_error = None;
                let progress = kinds
                    .into_iter()
                    .map(|kind| ProgressRow {
                        kind,
                        status: CheckStatus::Pending,
                    })
                    .collect();
                self.run = Some(DiagRun {
                    mode,
                    target,
                    progress,
                    results: Vec::new(),
                    report: None,
                    step: None,
                });
            }
            DiagAction::CheckStarted(kind) => self.set_status(kind, CheckStatus::Running),
            DiagAction::CheckSkipped(kind, why) => self.set_status(kind, CheckStatus::Skipped(why)),
            DiagAction::CheckDone(result) => {
                self.set_status(result.kind, CheckStatus::Done(result.verdict));
                if let Some(run) = &mut self.run {
                    run.results.retain(|r| r.kind != result.kind);
                    run.results.push(*result);
                }
            }
            DiagAction::Finished(report) => {
                if let Some(run) = &mut self.run {
                    for row in &mut run.progress {
                        if matches!(row.status, CheckStatus::Pending | CheckStatus::Running) {
                            row.status = CheckStatus::Skipped(SkipReason::Cancelled);
                        }
                    }
                    run.report = Some(*report);
                    run.step = None;
                }
            }
        }
    }

    fn set_status(&mut self, kind: CheckKind, status: CheckStatus) {
        if let Some(row) = self
            .run
            .as_mut()
            .and_then(|r| r.progress.iter_mut().find(|p| p.kind == kind))
        {
            row.status = status;
        }
    }

    /// True while a run is going on.
    pub(crate) fn running(&self) -> bool {
        self.run.as_ref().is_some_and(DiagRun::running)
    }
}

impl Reducible for DiagState {
    type Action = DiagAction;

    fn reduce(self: Rc<Self>, action: DiagAction) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        next.into()
    }
}

/// The `data-verdict` value of a verdict: `pass`, `warn`, `fail`.
pub(crate) fn verdict_attr(verdict: CheckVerdict) -> &'static str {
    match verdict {
        CheckVerdict::Pass => "pass",
        CheckVerdict::Warn => "warn",
        CheckVerdict::Fail => "fail",
    }
}

/// The stable id of a check: its snake_case name (`open_relay`, …), as in
/// the report's JSON.
pub(crate) fn kind_id(kind: CheckKind) -> &'static str {
    match kind {
        CheckKind::Reachability => "reachability",
        CheckKind::Service => "service",
        CheckKind::Delivery => "delivery",
        CheckKind::DomainServers => "domain_servers",
        CheckKind::UserReceives => "user_receives",
        CheckKind::DomainReceives => "domain_receives",
        CheckKind::CanSend => "can_send",
        CheckKind::OpenRelay => "open_relay",
        CheckKind::Spf => "spf",
        CheckKind::Dmarc => "dmarc",
        CheckKind::MtaSts => "mta_sts",
        CheckKind::TlsRpt => "tls_rpt",
        CheckKind::Dane => "dane",
        CheckKind::ReverseDns => "reverse_dns",
        CheckKind::MxTls => "mx_tls",
        CheckKind::Dnsbl => "dnsbl",
    }
}

/// The download file name of a report: `smtplab-diagnostics-<target>.<ext>`
/// with anything but letters, digits, `.` and `-` turned into `_`.
pub(crate) fn report_file_name(report: &Report, ext: &str) -> String {
    let target = if report.target.domain.is_empty() {
        format!("{}_{}", report.target.host, report.target.port)
    } else {
        report.target.domain.clone()
    };
    let clean: String = target
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("smtplab-diagnostics-{clean}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::diagnose::CheckInput;

    #[test]
    fn a_run_moves_each_check_from_pending_to_done() {
        let mut state = DiagState::default();
        let kinds = vec![CheckKind::Reachability, CheckKind::OpenRelay];
        state.apply(DiagAction::Started {
            mode: RunMode::Server,
            target: "h".into(),
            kinds,
        });
        assert!(state.running());
        state.apply(DiagAction::CheckStarted(CheckKind::Reachability));
        let run = state.run.as_ref().expect("a run");
        assert_eq!(run.progress[0].status, CheckStatus::Running);
        assert_eq!(run.progress[1].status, CheckStatus::Pending);
        let result = CheckResult::new(
            CheckKind::Reachability,
            CheckVerdict::Pass,
            "ok",
            vec![],
            "none",
        );
        state.apply(DiagAction::CheckDone(Box::new(result.clone())));
        let input = CheckInput::new("h", 25, "e.test");
        let mut report = Report::new(&input, "now");
        report.push(result);
        state.apply(DiagAction::Finished(Box::new(report)));
        let run = state.run.as_ref().expect("a run");
        assert_eq!(
            run.progress[0].status,
            CheckStatus::Done(CheckVerdict::Pass)
        );
        assert_eq!(
            run.progress[1].status,
            CheckStatus::Skipped(SkipReason::Cancelled)
        );
        assert!(!state.running());
        assert_eq!(run.results.len(), 1);
    }

    #[test]
    fn the_auth_password_never_shows_in_debug() {
        let typed = DiagAction::Field(DiagField::AuthPassword, "pw-secret".into());
        assert!(!format!("{typed:?}").contains("pw-secret"));
        let host = DiagAction::Field(DiagField::Host, "mx".into());
        assert!(format!("{host:?}").contains("\"mx\""));
        let mut state = DiagState::default();
        state.apply(typed);
        assert!(!format!("{state:?}").contains("pw-secret"));
    }

    #[test]
    fn ids_and_file_names_are_stable() {
        for kind in CheckKind::ALL.into_iter().chain(CheckKind::POSTURE) {
            let json = serde_json::to_string(&kind).expect("serializes");
            assert_eq!(json, format!("\"{}\"", kind_id(kind)));
        }
        let mut input = CheckInput::new("127.0.0.1", 2526, "e.test");
        let report = Report::new(&input, "now");
        assert_eq!(
            report_file_name(&report, "txt"),
            "smtplab-diagnostics-127.0.0.1_2526.txt"
        );
        input.domain = "example.test".into();
        assert_eq!(
            report_file_name(&Report::new(&input, "now"), "json"),
            "smtplab-diagnostics-example.test.json"
        );
    }
}
