//! [`StepList`]: the steps a session will show before it runs, and their
//! progress as the engine's events come in.
//!
//! The engine decides what runs; this is the display plan drawn from the
//! same spec, kept here so every driver (the tab, the CLI) shows the same
//! list with the same rule for steps the plan could not know about (the
//! HELO fallback, STARTTLS, probes) and for steps that never ran.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::event::Event;
use super::step::Step;
use crate::smtp::spec::{SessionSpec, Stage, TlsMode};

/// Where one step of the list is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not started yet.
    Pending,
    /// Started, no final reply yet.
    Running,
    /// Got the reply it needed.
    Ok,
    /// Failed (or was running when the session ended).
    Failed,
    /// Never ran: the session ended before it.
    Skipped,
}

impl StepStatus {
    /// The status as a stable lower-case word (for attributes and exports).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
}

/// One row of a [`StepList`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRow {
    /// The step.
    pub step: Step,
    /// Where it is.
    pub status: StepStatus,
    /// How long it took, once finished.
    pub elapsed: Option<Duration>,
}

/// The steps of one session in display order, with their status.
///
/// Make it with [`for_spec`](Self::for_spec) before the session starts,
/// then pass every engine event to [`apply`](Self::apply).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StepList {
    /// In display order.
    rows: Vec<StepRow>,
}

impl StepList {
    /// The steps `spec` will show: connect, EHLO, STARTTLS when asked for,
    /// AUTH when configured, MAIL, one RCPT per recipient, DATA and the
    /// message, as far as `stop_after` reaches, then QUIT.
    pub fn for_spec(spec: &SessionSpec) -> Self {
        let stop = spec.stop_after;
        let mut steps = vec![Step::Connect];
        if stop >= Stage::Ehlo {
            steps.push(Step::Ehlo);
            if matches!(spec.tls, TlsMode::StartTls | TlsMode::StartTlsIfOffered) {
                steps.push(Step::StartTls);
            }
        }
        if stop >= Stage::Auth && spec.auth.is_some() {
            steps.push(Step::Auth);
        }
        if stop >= Stage::Mail {
            steps.push(Step::Mail);
        }
        if stop >= Stage::Rcpt {
            steps.extend((0..spec.rcpt_to.len()).map(Step::Rcpt));
        }
        if stop >= Stage::Data {
            // BDAT has no DATA command: its chunks are the message step.
            if spec.envelope.bdat_chunk.is_none() {
                steps.push(Step::Data);
            }
            steps.push(Step::Message);
        }
        steps.push(Step::Quit);
        Self {
            rows: steps
                .into_iter()
                .map(|step| StepRow {
                    step,
                    status: StepStatus::Pending,
                    elapsed: None,
                })
                .collect(),
        }
    }

    /// The rows, in display order.
    pub fn rows(&self) -> &[StepRow] {
        &self.rows
    }

    /// Moves the list on with one engine event. A step the plan did not
    /// have is inserted when it starts (HELO and STARTTLS after EHLO,
    /// anything else before QUIT); at `Finished`, steps still pending were
    /// skipped and a step still running failed.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::StepStarted { step, .. } => self.row(*step).status = StepStatus::Running,
            Event::StepFinished { step, ok, elapsed } => {
                let row = self.row(*step);
                row.status = if *ok {
                    StepStatus::Ok
                } else {
                    StepStatus::Failed
                };
                row.elapsed = Some(*elapsed);
            }
            Event::Finished(_) => {
                for row in &mut self.rows {
                    row.status = match row.status {
                        StepStatus::Pending => StepStatus::Skipped,
                        StepStatus::Running => StepStatus::Failed,
                        done => done,
                    };
                }
            }
            Event::Sent { .. }
            | Event::Reply { .. }
            | Event::Capabilities(_)
            | Event::TlsEstablished(_)
            | Event::TlsSkipped { .. }
            | Event::PlaintextDiscarded { .. }
            | Event::Pipelined { .. }
            | Event::PipeliningNotOffered => {}
        }
    }

    /// The row of `step`, inserted where it belongs if the plan lacked it.
    fn row(&mut self, step: Step) -> &mut StepRow {
        let index = match self.rows.iter().position(|r| r.step == step) {
            Some(index) => index,
            None => {
                let after_ehlo = || self.rows.iter().position(|r| r.step == Step::Ehlo);
                let at = match step {
                    Step::Helo | Step::StartTls => after_ehlo().map(|i| i + 1),
                    Step::Quit => None,
                    _ => self.rows.iter().position(|r| r.step == Step::Quit),
                }
                .unwrap_or(self.rows.len());
                self.rows.insert(
                    at,
                    StepRow {
                        step,
                        status: StepStatus::Pending,
                        elapsed: None,
                    },
                );
                at
            }
        };
        &mut self.rows[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::session::{FailReason, Outcome, Verdict};
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn spec(stop_after: Stage, rcpts: usize, tls: TlsMode) -> SessionSpec {
        let mut spec: SessionSpec = serde_json::from_value(serde_json::json!({
            "host": "127.0.0.1", "port": 2525, "ehlo_name": "me", "mail_from": "a@b",
            "rcpt_to": [], "message": "x"
        }))
        .expect("valid spec");
        spec.rcpt_to = (0..rcpts).map(|i| format!("r{i}@b")).collect();
        spec.stop_after = stop_after;
        spec.tls = tls;
        spec
    }

    fn steps(list: &StepList) -> Vec<String> {
        list.rows()
            .iter()
            .map(|r| format!("{}:{}", r.step, r.status.as_str()))
            .collect()
    }

    #[test]
    fn the_plan_follows_stop_after_recipients_and_tls() {
        let full = StepList::for_spec(&spec(Stage::Data, 2, TlsMode::None));
        let names: Vec<String> = full.rows().iter().map(|r| r.step.to_string()).collect();
        assert_eq!(
            names,
            [
                "connect",
                "EHLO",
                "MAIL FROM",
                "RCPT TO #1",
                "RCPT TO #2",
                "DATA",
                "message",
                "QUIT"
            ]
        );
        let ehlo = StepList::for_spec(&spec(Stage::Ehlo, 1, TlsMode::StartTls));
        assert_eq!(
            steps(&ehlo),
            [
                "connect:pending",
                "EHLO:pending",
                "STARTTLS:pending",
                "QUIT:pending"
            ]
        );
        let connect = StepList::for_spec(&spec(Stage::Connect, 1, TlsMode::Implicit));
        assert_eq!(steps(&connect), ["connect:pending", "QUIT:pending"]);
    }

    #[test]
    fn unplanned_steps_are_inserted_and_the_rest_settled_at_the_end() {
        let mut list = StepList::for_spec(&spec(Stage::Mail, 1, TlsMode::None));
        let at = Duration::ZERO;
        for event in [
            Event::StepStarted {
                step: Step::Connect,
                at,
            },
            Event::StepFinished {
                step: Step::Connect,
                ok: true,
                elapsed: Duration::from_millis(5),
            },
            Event::StepStarted {
                step: Step::Ehlo,
                at,
            },
            Event::StepFinished {
                step: Step::Ehlo,
                ok: false,
                elapsed: at,
            },
            Event::StepStarted {
                step: Step::Helo,
                at,
            },
            Event::StepFinished {
                step: Step::Helo,
                ok: true,
                elapsed: at,
            },
            Event::StepStarted {
                step: Step::Rset,
                at,
            },
            Event::StepStarted {
                step: Step::Mail,
                at,
            },
        ] {
            list.apply(&event);
        }
        list.apply(&Event::Finished(Outcome {
            verdict: Verdict::Failed {
                step: Step::Mail,
                reason: FailReason::Timeout,
            },
            queue_id: None,
            capabilities: None,
            steps: Vec::new(),
            tls: None,
            refused_recipients: Vec::new(),
            pipelined_flights: Vec::new(),
        }));
        assert_eq!(
            steps(&list),
            [
                "connect:ok",
                "EHLO:failed",
                "HELO:ok",
                "MAIL FROM:failed",
                "RSET:failed",
                "QUIT:skipped"
            ]
        );
        assert_eq!(list.rows()[0].elapsed, Some(Duration::from_millis(5)));
    }
}
