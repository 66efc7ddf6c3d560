//! The guided session in the state: its step list, transcript,
//! capabilities, TLS report and outcome. [`RunAction`]s come from the
//! `use_bridge` hook; [`engine`] folds the engine's events into the run,
//! [`step_times`] keeps where each step sits in time (for the timeline) and
//! [`data_progress`] counts the message's bytes as they go out.

pub(crate) mod data_progress;
mod engine;
pub(crate) mod step_times;

use smtplab_shared::smtp::{Capabilities, Event, Outcome, StepList};
use smtplab_shared::tls::TlsReport;

pub(crate) use data_progress::DataProgress;
pub(crate) use step_times::StepTimes;

use crate::note::Note;
use crate::transcript::{Entry, EntryIds, EntryKind, Transcript};

/// One guided session, running or finished.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    /// `host:port`, for headings and the export's file name.
    pub(crate) target: String,
    /// The step list (the engine's display plan and its progress).
    pub(crate) steps: StepList,
    /// The transcript (shared between state versions, not copied).
    pub(crate) transcript: Transcript,
    /// EHLO capabilities once known.
    pub(crate) capabilities: Option<Capabilities>,
    /// Set when the engine finished; put in words when shown.
    pub(crate) outcome: Option<Outcome>,
    /// True until the connection is gone.
    pub(crate) running: bool,
    /// True once TLS is up: later lines travel encrypted.
    pub(crate) encrypted: bool,
    /// The TLS report: from `TlsEstablished`, then the outcome's (which
    /// also exists after a failed handshake).
    pub(crate) tls: Option<TlsReport>,
    /// When each step started and its last reply, for the timeline.
    pub(crate) times: StepTimes,
    /// How much of the message went out, once the message step started.
    pub(crate) data: Option<DataProgress>,
}

/// Everything that changes the guided session.
// Nearly every action of a run is an engine event: boxing it would add an
// allocation per event to spare the few others some bytes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RunAction {
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
    /// The driver's count of the message's bytes sent (see
    /// [`data_progress`]), while the message step runs.
    DataProgress {
        /// Time since the run started.
        at_ms: u64,
        /// Bytes sent, of the total.
        progress: DataProgress,
    },
    /// The guided session's connection is gone.
    Ended,
}

impl Run {
    /// Applies one action to the current or last run in `slot` (a start
    /// replaces it); new transcript entries take their ids from `ids`.
    pub(crate) fn apply(slot: &mut Option<Self>, action: RunAction, ids: &mut EntryIds) {
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
                    times: StepTimes::default(),
                    data: None,
                });
            }
            RunAction::Note { at_ms, error, note } => {
                if let Some(run) = slot.as_mut() {
                    run.times.tick(at_ms);
                }
                let kind = if error {
                    EntryKind::Error(note)
                } else {
                    EntryKind::Info(note)
                };
                push_entry(slot, ids, at_ms, kind);
            }
            RunAction::Engine { at_ms, event } => engine::apply_event(slot, ids, at_ms, event),
            RunAction::DataProgress { at_ms, progress } => {
                if let Some(run) = slot.as_mut() {
                    run.times.tick(at_ms);
                    run.data = Some(progress);
                }
            }
            RunAction::Ended => {
                if let Some(run) = slot {
                    run.running = false;
                }
            }
        }
    }
}

/// Appends an entry to the run in `slot`, if any.
fn push_entry(slot: &mut Option<Run>, ids: &mut EntryIds, at_ms: u64, kind: EntryKind) {
    let id = ids.take();
    if let Some(run) = slot {
        run.transcript.push(Entry { id, at_ms, kind });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) use crate::state::test_spec as spec;
    use smtplab_shared::smtp::{SessionSpec, Stage};

    /// A run and its id source, driven like the state drives them.
    pub(super) struct Driven {
        run: Option<Run>,
        ids: EntryIds,
    }

    impl Driven {
        pub(super) fn apply(&mut self, action: RunAction) {
            Run::apply(&mut self.run, action, &mut self.ids);
        }

        pub(super) fn engine(&mut self, at_ms: u64, event: Event) {
            self.apply(RunAction::Engine { at_ms, event });
        }

        pub(super) fn run(&self) -> &Run {
            self.run.as_ref().expect("run")
        }
    }

    pub(super) fn started(spec: &SessionSpec) -> Driven {
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

    #[test]
    fn a_run_starts_fresh_and_ends_with_its_connection() {
        let mut state = started(&spec(Stage::Ehlo, 1));
        state.apply(RunAction::Note {
            at_ms: 1,
            error: true,
            note: Note::NotConnected,
        });
        assert!(state.run().running);
        assert_eq!(state.run().transcript.items().len(), 1);
        assert!(matches!(
            state.run().transcript.items()[0].kind,
            EntryKind::Error(Note::NotConnected)
        ));
        state.apply(RunAction::DataProgress {
            at_ms: 7,
            progress: DataProgress { sent: 1, total: 2 },
        });
        assert_eq!(state.run().data, Some(DataProgress { sent: 1, total: 2 }));
        assert_eq!(state.run().times.clock().as_millis(), 7);
        state.apply(RunAction::Ended);
        assert!(!state.run().running);
        state.apply(RunAction::Started {
            target: "127.0.0.1:2525".into(),
            steps: StepList::for_spec(&spec(Stage::Ehlo, 1)),
        });
        assert!(state.run().running && state.run().transcript.items().is_empty());
        assert_eq!(state.run().data, None, "a new run counts afresh");
        assert_eq!(state.run().times, StepTimes::default());
    }
}
