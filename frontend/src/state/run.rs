//! The guided session in the state: its step list, transcript,
//! capabilities, TLS report and outcome. [`RunAction`]s come from the
//! `use_bridge` hook; engine events are folded in here.

use smtplab_shared::smtp::{Capabilities, Event, Outcome, StepList};
use smtplab_shared::tls::TlsReport;

use crate::note::Note;
use crate::transcript::{Entry, EntryIds, EntryKind, Transcript};

/// One guided session, running or finished.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// `host:port`, for headings and the export's file name.
    pub target: String,
    /// The step list (the engine's display plan and its progress).
    pub steps: StepList,
    /// The transcript (shared between state versions, not copied).
    pub transcript: Transcript,
    /// EHLO capabilities once known.
    pub capabilities: Option<Capabilities>,
    /// Set when the engine finished; put in words when shown.
    pub outcome: Option<Outcome>,
    /// True until the connection is gone.
    pub running: bool,
    /// True once TLS is up: later lines travel encrypted.
    pub encrypted: bool,
    /// The TLS report: from `TlsEstablished`, then the outcome's (which
    /// also exists after a failed handshake).
    pub tls: Option<TlsReport>,
}

/// Everything that changes the guided session.
// Nearly every action of a run is an engine event: boxing it would add an
// allocation per event to spare the few others some bytes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum RunAction {
    /// A guided session starts with this plan.
    Started {
        /// `host:port`.
        target: String,
        /// The steps to show, all pending.
        steps: StepList,
    },
    /// A connection note for the guided transcript.
    Note {
        /// Time since the run started.
        at_ms: u64,
        /// Shown with `***` rather than `===`.
        error: bool,
        /// What happened.
        note: Note,
    },
    /// An engine event, stamped with the driver's clock.
    Engine {
        /// Time since the run started, when the event was drained.
        at_ms: u64,
        /// The event.
        event: Event,
    },
    /// The guided session's connection is gone.
    Ended,
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Run {
    /// Applies one action to the current or last run in `slot` (a start
    /// replaces it); new transcript entries take their ids from `ids`.
    pub fn apply(slot: &mut Option<Self>, action: RunAction, ids: &mut EntryIds) {
        match action {
            RunAction::Started { target, steps } => {
                *slot = Some(Self {
                    target,
                    steps,
                    transcript: Transcript::new(),
                    capabilities: None,
                    outcome: None,
                    running: true,
                    encrypted: false,
                    tls: None,
                });
            }
            RunAction::Note { at_ms, error, note } => {
                let kind = if error {
                    EntryKind::Error(note)
                } else {
                    EntryKind::Info(note)
                };
                push_entry(slot, ids, at_ms, kind);
            }
            RunAction::Engine { at_ms, event } => apply_event(slot, ids, at_ms, event),
            RunAction::Ended => {
                if let Some(run) = slot {
                    run.running = false;
                }
            }
        }
    }
}

fn push_entry(slot: &mut Option<Run>, ids: &mut EntryIds, at_ms: u64, kind: EntryKind) {
    let id = ids.take();
    if let Some(run) = slot {
        run.transcript.push(Entry { id, at_ms, kind });
    }
}

/// Folds one engine event into the run: step statuses, transcript lines,
/// capabilities, TLS and the outcome.
fn apply_event(slot: &mut Option<Run>, ids: &mut EntryIds, at_ms: u64, event: Event) {
    if let Some(run) = slot.as_mut() {
        run.steps.apply(&event);
    }
    let encrypted = slot.as_ref().is_some_and(|r| r.encrypted);
    match event {
        Event::StepStarted { .. } | Event::StepFinished { .. } => {}
        Event::Sent { line, .. } => push_entry(
            slot,
            ids,
            at_ms,
            EntryKind::Sent {
                text: line.text,
                display: line.display,
                secret: line.secret,
                encrypted,
            },
        ),
        Event::Reply {
            reply,
            expected,
            at,
            ..
        } => push_entry(
            slot,
            ids,
            millis(at),
            EntryKind::Reply {
                reply,
                expected,
                encrypted,
            },
        ),
        Event::Capabilities(capabilities) => {
            if let Some(run) = slot {
                run.capabilities = Some(capabilities);
            }
        }
        Event::TlsEstablished(report) => {
            let note = Note::TlsEstablished {
                protocol: report.protocol.clone(),
                cipher: report.cipher_suite.clone(),
            };
            if let Some(run) = slot.as_mut() {
                run.encrypted = true;
                run.tls = Some(report);
            }
            push_entry(slot, ids, at_ms, EntryKind::Info(note));
        }
        Event::TlsSkipped { reason } => {
            push_entry(slot, ids, at_ms, EntryKind::Info(Note::TlsSkipped(reason)));
        }
        Event::PlaintextDiscarded { bytes, text, .. } => push_entry(
            slot,
            ids,
            at_ms,
            EntryKind::Error(Note::PlaintextDiscarded { bytes, text }),
        ),
        Event::Finished(outcome) => {
            if let Some(run) = slot {
                if outcome.capabilities.is_some() {
                    run.capabilities.clone_from(&outcome.capabilities);
                }
                if outcome.tls.is_some() {
                    run.tls.clone_from(&outcome.tls);
                }
                run.outcome = Some(outcome);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use smtplab_shared::smtp::{
        FailReason, Reply, SentLine, SessionSpec, Stage, Step, Timeouts, TlsMode, Verdict,
    };
    use std::time::Duration;

    fn spec(stop_after: Stage, rcpts: usize) -> SessionSpec {
        SessionSpec {
            host: "127.0.0.1".into(),
            port: 2525,
            ehlo_name: "me".into(),
            auth: None,
            mail_from: "a@b".into(),
            rcpt_to: (0..rcpts).map(|i| format!("r{i}@b")).collect(),
            message: String::new(),
            stop_after,
            timeouts: Timeouts::default(),
            tls: TlsMode::None,
        }
    }

    /// A run and its id source, driven like the state drives them.
    struct Driven {
        run: Option<Run>,
        ids: EntryIds,
    }

    impl Driven {
        fn apply(&mut self, action: RunAction) {
            Run::apply(&mut self.run, action, &mut self.ids);
        }

        fn engine(&mut self, at_ms: u64, event: Event) {
            self.apply(RunAction::Engine { at_ms, event });
        }

        fn run(&self) -> &Run {
            self.run.as_ref().expect("run")
        }
    }

    fn started(spec: &SessionSpec) -> Driven {
        let mut driven = Driven {
            run: None,
            ids: EntryIds::default(),
        };
        driven.apply(RunAction::Started {
            target: "127.0.0.1:2525".into(),
            steps: StepList::for_spec(spec),
        });
        driven
    }

    fn statuses(driven: &Driven) -> Vec<(String, &'static str)> {
        driven
            .run()
            .steps
            .rows()
            .iter()
            .map(|r| (r.step.to_string(), r.status.as_str()))
            .collect()
    }

    fn reply(lines: &[&str]) -> Reply {
        Reply::from_lines(lines).expect("reply")
    }

    #[test]
    fn engine_events_move_steps_and_fill_the_transcript() {
        let mut state = started(&spec(Stage::Ehlo, 1));
        let ms = Duration::from_millis;
        state.engine(
            0,
            Event::StepStarted {
                step: Step::Connect,
                at: ms(0),
            },
        );
        state.engine(
            9,
            Event::Reply {
                step: Step::Connect,
                reply: reply(&["220 mx ESMTP"]),
                expected: true,
                at: ms(8),
            },
        );
        state.engine(
            9,
            Event::StepFinished {
                step: Step::Connect,
                ok: true,
                elapsed: ms(8),
            },
        );
        state.engine(
            9,
            Event::StepStarted {
                step: Step::Ehlo,
                at: ms(9),
            },
        );
        state.engine(
            9,
            Event::Sent {
                step: Step::Ehlo,
                line: SentLine {
                    text: "EHLO me".into(),
                    secret: false,
                    display: "EHLO me".into(),
                },
            },
        );
        assert_eq!(statuses(&state)[0], ("connect".to_owned(), "ok"));
        assert_eq!(statuses(&state)[1], ("EHLO".to_owned(), "running"));
        state.engine(
            20,
            Event::Reply {
                step: Step::Ehlo,
                reply: reply(&["250-mx", "250-PIPELINING", "250 SIZE 1000"]),
                expected: true,
                at: ms(20),
            },
        );
        state.engine(
            20,
            Event::Capabilities(Capabilities::from_ehlo(&reply(&[
                "250-mx",
                "250-PIPELINING",
                "250 SIZE 1000",
            ]))),
        );
        let run = state.run();
        let transcript = run.transcript.items();
        assert_eq!(transcript.len(), 3);
        assert_eq!(transcript[0].at_ms, 8, "replies carry the engine's time");
        assert!(run
            .capabilities
            .as_ref()
            .is_some_and(|c| c.has("PIPELINING")));
        let ids: Vec<u64> = transcript.iter().map(|e| e.id).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "ids are unique and ordered: {ids:?}"
        );
        assert_eq!(run.steps.rows()[0].elapsed, Some(Duration::from_millis(8)));
    }

    #[test]
    fn a_failure_marks_the_step_and_skips_the_rest() {
        let mut state = started(&spec(Stage::Data, 1));
        let failure = reply(&["554 5.7.1 Relay access denied"]);
        state.engine(
            0,
            Event::StepStarted {
                step: Step::Rcpt(0),
                at: Duration::ZERO,
            },
        );
        state.engine(
            5,
            Event::StepFinished {
                step: Step::Rcpt(0),
                ok: false,
                elapsed: Duration::from_millis(5),
            },
        );
        state.engine(
            6,
            Event::Finished(Outcome {
                verdict: Verdict::Failed {
                    step: Step::Rcpt(0),
                    reason: FailReason::UnexpectedReply(failure),
                },
                queue_id: None,
                capabilities: None,
                steps: Vec::new(),
                tls: None,
            }),
        );
        let got = statuses(&state);
        assert_eq!(got[3], ("RCPT TO #1".to_owned(), "failed"));
        assert_eq!(got[4], ("DATA".to_owned(), "skipped"));
        let outcome = state.run().outcome.clone().expect("outcome");
        let verdict = crate::verdict::VerdictView::from_outcome(&outcome, Lang::En);
        assert_eq!(verdict.kind, "failed");
        assert!(
            verdict.headline.starts_with("Failed at RCPT TO #1"),
            "{}",
            verdict.headline
        );
        state.apply(RunAction::Ended);
        assert!(!state.run().running);
    }

    #[test]
    fn helo_fallback_is_inserted_after_ehlo() {
        let mut state = started(&spec(Stage::Mail, 1));
        state.engine(
            0,
            Event::StepStarted {
                step: Step::Helo,
                at: Duration::ZERO,
            },
        );
        let names: Vec<String> = statuses(&state).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["connect", "EHLO", "HELO", "MAIL FROM", "QUIT"]);
    }

    #[test]
    fn lines_after_tls_is_up_are_marked_encrypted() {
        let mut state = started(&spec(Stage::Ehlo, 1));
        let sent = |text: &str| Event::Sent {
            step: Step::Ehlo,
            line: SentLine {
                text: text.into(),
                secret: false,
                display: text.into(),
            },
        };
        state.engine(1, sent("STARTTLS"));
        state.engine(
            2,
            Event::TlsEstablished(
                serde_json::from_str(r#"{"server_name":"mx","protocol":"TLSv1.3","chain":[]}"#)
                    .expect("a report"),
            ),
        );
        state.engine(3, sent("EHLO me"));
        let flags: Vec<Option<bool>> = state
            .run()
            .transcript
            .items()
            .iter()
            .map(|e| match &e.kind {
                EntryKind::Sent { encrypted, .. } => Some(*encrypted),
                _ => None,
            })
            .collect();
        assert_eq!(flags, [Some(false), None, Some(true)]);
    }

    #[test]
    fn the_tls_report_is_kept_and_replaced_by_the_outcome() {
        let mut state = started(&spec(Stage::Ehlo, 1));
        let report = |protocol: &str| -> TlsReport {
            serde_json::from_str(&format!(
                r#"{{"server_name":"mx","protocol":"{protocol}","chain":[]}}"#
            ))
            .expect("a report")
        };
        let protocol = |state: &Driven| state.run().tls.as_ref().and_then(|t| t.protocol.clone());
        state.engine(1, Event::TlsEstablished(report("TLSv1.2")));
        assert_eq!(protocol(&state).as_deref(), Some("TLSv1.2"));
        state.engine(
            2,
            Event::Finished(Outcome {
                verdict: Verdict::Completed { stage: Stage::Ehlo },
                queue_id: None,
                capabilities: None,
                steps: Vec::new(),
                tls: Some(report("TLSv1.3")),
            }),
        );
        assert_eq!(protocol(&state).as_deref(), Some("TLSv1.3"));
    }
}
