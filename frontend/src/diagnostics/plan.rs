//! [`RunPlan`]: which check comes next in a Diagnostics run, and with what
//! input. In domain mode the checks on the primary MX (5, 8) take their
//! host from the MX table of check 4; in report mode every check of the
//! domain report runs at once, in one pass of the shared crate's
//! orchestrator. Everything about SMTP itself stays in the shared crate's
//! checks.

use std::collections::VecDeque;

use smtplab_shared::diagnose::{CheckInput, CheckKind, CheckResult};
use smtplab_shared::posture::ReportOptions;

use super::form::RunMode;

/// What to do next.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Next {
    /// Start this check with this input.
    Run(CheckKind, Box<CheckInput>),
    /// This check cannot run (no MX host answered).
    NoPrimaryMx(CheckKind),
    /// Start the domain report with these checks (`Check::posture`).
    Report(Vec<CheckKind>, Box<CheckInput>, ReportOptions),
}

/// The checks of one run still to do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunPlan {
    /// Domain or server mode.
    mode: RunMode,
    /// The input as the form gave it.
    input: CheckInput,
    /// The checks not started yet, in order.
    queue: VecDeque<CheckKind>,
    /// The domain report's options (its blocklist zones).
    options: ReportOptions,
}

impl RunPlan {
    /// A plan for `kinds`, in order.
    pub(crate) fn new(mode: RunMode, input: CheckInput, kinds: &[CheckKind]) -> Self {
        Self {
            mode,
            input,
            queue: kinds.iter().copied().collect(),
            options: ReportOptions::default(),
        }
    }

    /// The same plan with the domain report's `options`.
    #[must_use]
    pub(crate) fn with_options(mut self, options: ReportOptions) -> Self {
        self.options = options;
        self
    }

    /// Whether this is a domain report.
    pub(crate) fn is_report(&self) -> bool {
        self.mode == RunMode::Report
    }

    /// The next check, given the results so far; `None` when done.
    pub(crate) fn next(&mut self, results: &[CheckResult]) -> Option<Next> {
        if self.mode == RunMode::Report && !self.queue.is_empty() {
            let kinds: Vec<CheckKind> = self.queue.drain(..).collect();
            let input = Box::new(self.input.clone());
            return Some(Next::Report(kinds, input, self.options.clone()));
        }
        let kind = self.queue.pop_front()?;
        let per_host = matches!(kind, CheckKind::UserReceives | CheckKind::OpenRelay);
        if self.mode == RunMode::Domain && per_host {
            return Some(match primary_mx(results) {
                Some(host) => {
                    let mut input = self.input.clone();
                    input.host = host;
                    Next::Run(kind, Box::new(input))
                }
                None => Next::NoPrimaryMx(kind),
            });
        }
        Some(Next::Run(kind, Box::new(self.input.clone())))
    }

    /// The input a report of this run describes: in domain mode, with the
    /// primary MX as its host once known.
    pub(crate) fn report_input(&self, results: &[CheckResult]) -> CheckInput {
        let mut input = self.input.clone();
        if self.mode == RunMode::Domain {
            if let Some(host) = primary_mx(results) {
                input.host = host;
            }
        }
        input
    }
}

/// The first host, in preference order, that answered EHLO in a domain
/// check's MX table: the address it was reached at (as the table's
/// sessions connect by address), else its name.
pub(crate) fn primary_mx(results: &[CheckResult]) -> Option<String> {
    results
        .iter()
        .filter(|r| matches!(r.kind, CheckKind::DomainServers | CheckKind::DomainReceives))
        .flat_map(|r| r.servers.iter())
        .find(|row| row.ok())
        .map(|row| {
            row.addresses
                .first()
                .map_or_else(|| row.host.clone(), ToString::to_string)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::diagnose::{CheckVerdict, ServerRow};

    fn table(rows: Vec<ServerRow>) -> CheckResult {
        let mut result = CheckResult::new(
            CheckKind::DomainServers,
            CheckVerdict::Warn,
            "s",
            Vec::new(),
            "a",
        );
        result.servers = rows;
        result
    }

    fn row(json: &str) -> ServerRow {
        serde_json::from_str(json).expect("a row")
    }

    #[test]
    fn domain_mode_sends_the_per_host_checks_to_the_first_answering_mx() {
        let mut input = CheckInput::new("", 2526, "e.test");
        input.domain = "example.test".into();
        let kinds = [
            CheckKind::DomainServers,
            CheckKind::UserReceives,
            CheckKind::OpenRelay,
        ];
        let mut plan = RunPlan::new(RunMode::Domain, input, &kinds);
        assert!(matches!(
            plan.next(&[]),
            Some(Next::Run(CheckKind::DomainServers, _))
        ));
        let down = row(
            r#"{"host":"mx0.example.test","preference":5,"addresses":[],"connected":false,"ehlo_ok":false,"starttls":false}"#,
        );
        let up = row(
            r#"{"host":"mx1.example.test","preference":10,"addresses":["127.0.0.2"],"connected":true,"ehlo_ok":true,"starttls":false}"#,
        );
        let results = [table(vec![down.clone(), up])];
        let Some(Next::Run(kind, input)) = plan.next(&results) else {
            panic!("a run")
        };
        assert_eq!(
            (kind, input.host.as_str(), input.port),
            (CheckKind::UserReceives, "127.0.0.2", 2526)
        );
        assert_eq!(plan.report_input(&results).host, "127.0.0.2");
        assert_eq!(
            plan.next(&[table(vec![down])]),
            Some(Next::NoPrimaryMx(CheckKind::OpenRelay))
        );
        assert_eq!(plan.next(&results), None);
    }

    #[test]
    fn report_mode_runs_every_check_at_once_with_its_options() {
        let mut input = CheckInput::new("", 25, "e.test");
        input.domain = "example.test".into();
        let kinds = [CheckKind::Spf, CheckKind::MxTls, CheckKind::Dnsbl];
        let options = ReportOptions {
            dnsbl_zones: vec!["bl.example".into()],
        };
        let mut plan = RunPlan::new(RunMode::Report, input, &kinds).with_options(options.clone());
        assert!(plan.is_report());
        let Some(Next::Report(got, input, opts)) = plan.next(&[]) else {
            panic!("the report")
        };
        assert_eq!(
            (got.as_slice(), input.domain.as_str()),
            (&kinds[..], "example.test")
        );
        assert_eq!(opts, options);
        assert_eq!(plan.next(&[]), None);
    }

    #[test]
    fn server_mode_keeps_the_host() {
        let input = CheckInput::new("127.0.0.1", 25, "e.test");
        let mut plan = RunPlan::new(RunMode::Server, input, &[CheckKind::OpenRelay]);
        let Some(Next::Run(_, input)) = plan.next(&[]) else {
            panic!("a run")
        };
        assert_eq!(input.host, "127.0.0.1");
    }
}
