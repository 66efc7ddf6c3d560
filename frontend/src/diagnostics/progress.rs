//! The domain report's progress: which step runs now, and how many are done
//! of those known so far (`Check::progress`, which grows as answers bring
//! more to do: MX hosts, their addresses, the SPF includes).

use smtplab_shared::diagnose::Action;
use smtplab_shared::wire::RecordType;

/// What the report is doing now: the action the driver is carrying out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReportStep {
    /// A DNS lookup.
    Lookup {
        /// The name asked.
        name: String,
        /// The record type asked.
        rtype: RecordType,
    },
    /// The MTA-STS policy fetch.
    Policy {
        /// The policy domain.
        domain: String,
    },
    /// A STARTTLS session with one address of an MX host.
    Tls {
        /// The MX host (the name the certificate must carry).
        host: String,
        /// The address connected to.
        address: String,
    },
}

impl ReportStep {
    /// The step an action is.
    pub(crate) fn of(action: &Action) -> Self {
        match action {
            Action::Resolve { name, rtype } => Self::Lookup {
                name: name.clone(),
                rtype: *rtype,
            },
            Action::FetchMtaSts { domain } => Self::Policy {
                domain: domain.clone(),
            },
            Action::RunSession(plan) => Self::Tls {
                host: plan.spec.host.clone(),
                address: plan.connect_to().to_owned(),
            },
        }
    }
}

/// Where the report is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportProgress {
    /// Steps finished.
    pub(crate) done: usize,
    /// Steps known so far (finished, running and queued).
    pub(crate) known: usize,
    /// The step running now.
    pub(crate) step: ReportStep,
}

impl ReportProgress {
    /// The running step's number, counted from 1 (never above `known`).
    pub(crate) fn current(&self) -> usize {
        (self.done + 1).min(self.known.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_name_what_runs_and_count_from_one() {
        let action = Action::Resolve {
            name: "_dmarc.example.test".into(),
            rtype: RecordType::Txt,
        };
        let step = ReportStep::of(&action);
        assert_eq!(
            step,
            ReportStep::Lookup {
                name: "_dmarc.example.test".into(),
                rtype: RecordType::Txt
            }
        );
        let fetch = Action::FetchMtaSts {
            domain: "example.test".into(),
        };
        assert!(matches!(ReportStep::of(&fetch), ReportStep::Policy { .. }));
        let progress = ReportProgress {
            done: 0,
            known: 4,
            step,
        };
        assert_eq!(progress.current(), 1);
        let last = ReportProgress {
            done: 4,
            known: 4,
            ..progress
        };
        assert_eq!(last.current(), 4);
    }

    #[test]
    fn the_run_shows_the_running_step_until_the_report_is_there() {
        use crate::diagnostics::{DiagAction, DiagState, RunMode};
        use smtplab_shared::diagnose::{CheckInput, CheckKind, Report};

        let mut state = DiagState::default();
        state.apply(DiagAction::Started {
            mode: RunMode::Report,
            target: String::new(),
            kinds: vec![CheckKind::Spf],
        });
        let progress = ReportProgress {
            done: 2,
            known: 5,
            step: ReportStep::Policy {
                domain: "example.test".into(),
            },
        };
        state.apply(DiagAction::Progress(progress.clone()));
        assert_eq!(
            state.run.as_ref().and_then(|r| r.step.clone()),
            Some(progress)
        );
        let report = Report::new(&CheckInput::new("", 25, "e.test"), "now");
        state.apply(DiagAction::Finished(Box::new(report)));
        assert_eq!(state.run.as_ref().and_then(|r| r.step.clone()), None);
    }
}
