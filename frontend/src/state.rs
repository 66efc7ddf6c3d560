//! The app state, the actions that change it, and Yew's `Reducible` glue.
//!
//! `reduce` only clones and calls [`State::apply`], a plain method, so every
//! transition is unit-tested natively without a browser. Engine events arrive
//! as [`Action::Engine`] from the `use_bridge` hook; the state turns them
//! into step rows, transcript entries, capabilities and the verdict.

use std::rc::Rc;

use smtplab_shared::smtp::{Capabilities, Event, Reply, SessionSpec, Stage, Step};
use smtplab_shared::wire::PolicyInfo;
use yew::Reducible;

use crate::form::{Field, Form};
use crate::problem::BridgeProblem;
use crate::transcript::{console_display, Entry, EntryKind};
use crate::verdict::VerdictView;

/// What the tab knows about its bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BridgeStatus {
    /// The first WebSocket is opening.
    Checking,
    /// The bridge said `hello`.
    Ready(PolicyInfo),
    /// The bridge cannot be used.
    Problem(BridgeProblem),
}

/// Where one step of the guided session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// Not started yet.
    Pending,
    /// Its command is out, the reply is awaited.
    Running,
    /// Got the reply it needed.
    Ok,
    /// Failed (an unexpected reply, a timeout, a close).
    Failed,
    /// Never ran: the session ended before it.
    Skipped,
}

impl StepStatus {
    /// The word shown and put in `data-status`.
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

/// One row of the step list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    /// The step.
    pub step: Step,
    /// Its status.
    pub status: StepStatus,
    /// How long it took, once finished.
    pub elapsed_ms: Option<u64>,
}

/// One guided session, running or finished.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// `host:port`, for headings and the export's file name.
    pub target: String,
    /// The step list.
    pub steps: Vec<StepRow>,
    /// The transcript.
    pub transcript: Vec<Entry>,
    /// EHLO capabilities once known.
    pub capabilities: Option<Capabilities>,
    /// Set when the engine finished.
    pub verdict: Option<VerdictView>,
    /// True until the connection is gone.
    pub running: bool,
}

/// The raw console's connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleStatus {
    /// No connection.
    Disconnected,
    /// Connecting to this `host:port`.
    Connecting(String),
    /// Connected to this `host:port`.
    Connected(String),
}

/// The raw console.
#[derive(Debug, Clone, PartialEq)]
pub struct Console {
    /// The connection.
    pub status: ConsoleStatus,
    /// What was typed and received.
    pub transcript: Vec<Entry>,
    /// The input line being edited (the AUTH helper writes here too).
    pub input: String,
    /// True after a 334: the next typed line is a credential.
    pub answering_challenge: bool,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The guided-session form.
    pub form: Form,
    /// Why the last Run was refused before sending anything.
    pub form_error: Option<String>,
    /// The bridge.
    pub bridge: BridgeStatus,
    /// The current or last guided session.
    pub run: Option<Run>,
    /// The raw console.
    pub console: Console,
    /// Show credentials in transcripts and exports.
    pub reveal: bool,
    /// Next transcript entry id (ids are unique across both transcripts).
    next_id: u64,
}

impl Default for State {
    fn default() -> Self {
        Self {
            form: Form::default(),
            form_error: None,
            bridge: BridgeStatus::Checking,
            run: None,
            console: Console {
                status: ConsoleStatus::Disconnected,
                transcript: Vec::new(),
                input: String::new(),
                answering_challenge: false,
            },
            reveal: false,
            next_id: 1,
        }
    }
}

/// Everything that changes the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A form field was edited.
    SetField(Field, String),
    /// Add a recipient field.
    AddRcpt,
    /// Remove a recipient field.
    RemoveRcpt(usize),
    /// Run was refused before sending anything.
    FormInvalid(String),
    /// Flip credential masking.
    ToggleReveal,
    /// New bridge status.
    Bridge(BridgeStatus),
    /// A guided session starts with this plan.
    RunStarted {
        /// `host:port`.
        target: String,
        /// Steps to show as pending.
        plan: Vec<Step>,
    },
    /// A connection note for the guided transcript.
    RunNote {
        /// Time since the run started.
        at_ms: u64,
        /// Shown with `***` rather than `===`.
        error: bool,
        /// The words.
        text: String,
    },
    /// An engine event, stamped with the driver's clock.
    Engine {
        /// Time since the run started, when the event was drained.
        at_ms: u64,
        /// The event.
        event: Event,
    },
    /// The guided session's connection is gone.
    RunEnded,
    /// The console connection changed.
    ConsoleStatus(ConsoleStatus),
    /// The console input line was edited.
    ConsoleInput(String),
    /// The console sent a line (local echo).
    ConsoleSent {
        /// Time since the console connected.
        at_ms: u64,
        /// The line as sent, without CRLF.
        text: String,
    },
    /// The console received a reply.
    ConsoleReply {
        /// Time since the console connected.
        at_ms: u64,
        /// The parsed reply.
        reply: Reply,
    },
    /// A connection note for the console transcript.
    ConsoleNote {
        /// Time since the console connected.
        at_ms: u64,
        /// Shown with `***` rather than `===`.
        error: bool,
        /// The words.
        text: String,
    },
}

/// The steps a spec will show before it runs: a display plan only (the
/// engine decides what actually runs; unplanned steps such as HELO are
/// inserted when they start, and steps that never ran end up skipped).
pub fn plan(spec: &SessionSpec) -> Vec<Step> {
    let stop = spec.stop_after;
    let mut steps = vec![Step::Connect];
    if stop >= Stage::Ehlo {
        steps.push(Step::Ehlo);
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
        steps.push(Step::Data);
        steps.push(Step::Message);
    }
    steps.push(Step::Quit);
    steps
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl State {
    /// Applies one action.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::SetField(field, value) => {
                self.form.set(field, value);
                self.form_error = None;
            }
            Action::AddRcpt => self.form.add_rcpt(),
            Action::RemoveRcpt(i) => self.form.remove_rcpt(i),
            Action::FormInvalid(message) => self.form_error = Some(message),
            Action::ToggleReveal => self.reveal = !self.reveal,
            Action::Bridge(status) => self.bridge = status,
            Action::RunStarted { target, plan } => {
                self.form_error = None;
                self.run = Some(Run {
                    target,
                    steps: plan
                        .into_iter()
                        .map(|step| StepRow { step, status: StepStatus::Pending, elapsed_ms: None })
                        .collect(),
                    transcript: Vec::new(),
                    capabilities: None,
                    verdict: None,
                    running: true,
                });
            }
            Action::RunNote { at_ms, error, text } => {
                let kind = if error { EntryKind::Error(text) } else { EntryKind::Info(text) };
                self.push_run_entry(at_ms, kind);
            }
            Action::Engine { at_ms, event } => self.apply_event(at_ms, event),
            Action::RunEnded => {
                if let Some(run) = &mut self.run {
                    run.running = false;
                }
            }
            Action::ConsoleStatus(status) => {
                if status == ConsoleStatus::Disconnected {
                    self.console.answering_challenge = false;
                }
                if matches!(status, ConsoleStatus::Connecting(_)) {
                    self.console.transcript.clear();
                }
                self.console.status = status;
            }
            Action::ConsoleInput(text) => self.console.input = text,
            Action::ConsoleSent { at_ms, text } => {
                let (display, secret) = console_display(&text, self.console.answering_challenge);
                let id = self.take_id();
                self.console.transcript.push(Entry { id, at_ms, kind: EntryKind::Sent { text, display, secret } });
            }
            Action::ConsoleReply { at_ms, reply } => {
                self.console.answering_challenge = reply.code.as_u16() == 334;
                let id = self.take_id();
                self.console.transcript.push(Entry { id, at_ms, kind: EntryKind::Reply { reply, expected: true } });
            }
            Action::ConsoleNote { at_ms, error, text } => {
                let kind = if error { EntryKind::Error(text) } else { EntryKind::Info(text) };
                let id = self.take_id();
                self.console.transcript.push(Entry { id, at_ms, kind });
            }
        }
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn push_run_entry(&mut self, at_ms: u64, kind: EntryKind) {
        let id = self.take_id();
        if let Some(run) = &mut self.run {
            run.transcript.push(Entry { id, at_ms, kind });
        }
    }

    fn apply_event(&mut self, at_ms: u64, event: Event) {
        match event {
            Event::StepStarted { step, .. } => {
                if let Some(row) = self.row(step) {
                    row.status = StepStatus::Running;
                }
            }
            Event::Sent { line, .. } => self.push_run_entry(
                at_ms,
                EntryKind::Sent { text: line.text, display: line.display, secret: line.secret },
            ),
            Event::Reply { step, reply, expected, at } => {
                if let Some(run) = &mut self.run {
                    if step == Step::Ehlo && expected && reply.is_positive() {
                        run.capabilities = Some(Capabilities::from_ehlo(&reply));
                    }
                }
                self.push_run_entry(millis(at), EntryKind::Reply { reply, expected });
            }
            Event::StepFinished { step, ok, elapsed } => {
                if let Some(row) = self.row(step) {
                    row.status = if ok { StepStatus::Ok } else { StepStatus::Failed };
                    row.elapsed_ms = Some(millis(elapsed));
                }
            }
            Event::TlsEstablished(report) => {
                let protocol = report.protocol.as_deref().unwrap_or("TLS");
                let cipher = report.cipher_suite.as_deref().unwrap_or("unknown cipher");
                self.push_run_entry(at_ms, EntryKind::Info(format!("TLS established: {protocol}, {cipher}")));
            }
            Event::TlsSkipped { reason } => {
                self.push_run_entry(at_ms, EntryKind::Info(format!("TLS skipped: {reason}")));
            }
            Event::PlaintextDiscarded { bytes, text, .. } => self.push_run_entry(
                at_ms,
                EntryKind::Error(format!("{bytes} plaintext bytes after STARTTLS were discarded: {text:?}")),
            ),
            Event::Finished(outcome) => {
                if let Some(run) = &mut self.run {
                    for row in &mut run.steps {
                        row.status = match row.status {
                            StepStatus::Pending => StepStatus::Skipped,
                            StepStatus::Running => StepStatus::Failed,
                            done => done,
                        };
                    }
                    if outcome.capabilities.is_some() {
                        run.capabilities.clone_from(&outcome.capabilities);
                    }
                    run.verdict = Some(VerdictView::from_outcome(&outcome));
                }
            }
        }
    }

    /// The row of `step`, inserted if the plan did not have it (HELO goes
    /// after EHLO, anything else before QUIT).
    fn row(&mut self, step: Step) -> Option<&mut StepRow> {
        let run = self.run.as_mut()?;
        let index = match run.steps.iter().position(|r| r.step == step) {
            Some(i) => i,
            None => {
                let at = match step {
                    Step::Helo => run.steps.iter().position(|r| r.step == Step::Ehlo).map(|i| i + 1),
                    Step::Quit => None,
                    _ => run.steps.iter().position(|r| r.step == Step::Quit),
                }
                .unwrap_or(run.steps.len());
                run.steps.insert(at, StepRow { step, status: StepStatus::Pending, elapsed_ms: None });
                at
            }
        };
        run.steps.get_mut(index)
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        next.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::smtp::{FailReason, Outcome, SentLine, Timeouts, TlsMode, Verdict};
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

    fn started(spec: &SessionSpec) -> State {
        let mut state = State::default();
        state.apply(Action::RunStarted { target: "127.0.0.1:2525".into(), plan: plan(spec) });
        state
    }

    fn statuses(state: &State) -> Vec<(String, &'static str)> {
        let run = state.run.as_ref().expect("run");
        run.steps.iter().map(|r| (r.step.to_string(), r.status.as_str())).collect()
    }

    fn reply(lines: &[&str]) -> Reply {
        Reply::from_lines(lines).expect("reply")
    }

    #[test]
    fn the_plan_follows_stop_after_and_recipients() {
        let names = |s: &SessionSpec| plan(s).iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(names(&spec(Stage::Connect, 1)), ["connect", "QUIT"]);
        assert_eq!(
            names(&spec(Stage::Data, 2)),
            ["connect", "EHLO", "MAIL FROM", "RCPT TO #1", "RCPT TO #2", "DATA", "message", "QUIT"]
        );
    }

    #[test]
    fn engine_events_move_steps_and_fill_the_transcript() {
        let mut state = started(&spec(Stage::Ehlo, 1));
        let ms = Duration::from_millis;
        state.apply(Action::Engine { at_ms: 0, event: Event::StepStarted { step: Step::Connect, at: ms(0) } });
        state.apply(Action::Engine {
            at_ms: 9,
            event: Event::Reply { step: Step::Connect, reply: reply(&["220 mx ESMTP"]), expected: true, at: ms(8) },
        });
        state.apply(Action::Engine {
            at_ms: 9,
            event: Event::StepFinished { step: Step::Connect, ok: true, elapsed: ms(8) },
        });
        state.apply(Action::Engine { at_ms: 9, event: Event::StepStarted { step: Step::Ehlo, at: ms(9) } });
        state.apply(Action::Engine {
            at_ms: 9,
            event: Event::Sent {
                step: Step::Ehlo,
                line: SentLine { text: "EHLO me".into(), secret: false, display: "EHLO me".into() },
            },
        });
        assert_eq!(statuses(&state)[0], ("connect".to_owned(), "ok"));
        assert_eq!(statuses(&state)[1], ("EHLO".to_owned(), "running"));
        state.apply(Action::Engine {
            at_ms: 20,
            event: Event::Reply {
                step: Step::Ehlo,
                reply: reply(&["250-mx", "250-PIPELINING", "250 SIZE 1000"]),
                expected: true,
                at: ms(20),
            },
        });
        let run = state.run.as_ref().expect("run");
        assert_eq!(run.transcript.len(), 3);
        assert_eq!(run.transcript[0].at_ms, 8, "replies carry the engine's time");
        assert!(run.capabilities.as_ref().is_some_and(|c| c.has("PIPELINING")));
        let ids: Vec<u64> = run.transcript.iter().map(|e| e.id).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids are unique and ordered: {ids:?}");
        assert_eq!(run.steps[0].elapsed_ms, Some(8));
    }

    #[test]
    fn a_failure_marks_the_step_and_skips_the_rest() {
        let mut state = started(&spec(Stage::Data, 1));
        let failure = reply(&["554 5.7.1 Relay access denied"]);
        state.apply(Action::Engine { at_ms: 0, event: Event::StepStarted { step: Step::Rcpt(0), at: Duration::ZERO } });
        state.apply(Action::Engine {
            at_ms: 5,
            event: Event::StepFinished { step: Step::Rcpt(0), ok: false, elapsed: Duration::from_millis(5) },
        });
        state.apply(Action::Engine {
            at_ms: 6,
            event: Event::Finished(Outcome {
                verdict: Verdict::Failed { step: Step::Rcpt(0), reason: FailReason::UnexpectedReply(failure) },
                queue_id: None,
                capabilities: None,
                steps: Vec::new(),
                tls: None,
            }),
        });
        let got = statuses(&state);
        assert_eq!(got[3], ("RCPT TO #1".to_owned(), "failed"));
        assert_eq!(got[4], ("DATA".to_owned(), "skipped"));
        let verdict = state.run.as_ref().and_then(|r| r.verdict.clone()).expect("verdict");
        assert_eq!(verdict.kind, "failed");
        assert!(verdict.headline.starts_with("Failed at RCPT TO #1"), "{}", verdict.headline);
        state.apply(Action::RunEnded);
        assert!(!state.run.as_ref().expect("run").running);
    }

    #[test]
    fn helo_fallback_is_inserted_after_ehlo() {
        let mut state = started(&spec(Stage::Mail, 1));
        state.apply(Action::Engine { at_ms: 0, event: Event::StepStarted { step: Step::Helo, at: Duration::ZERO } });
        let names: Vec<String> = statuses(&state).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["connect", "EHLO", "HELO", "MAIL FROM", "QUIT"]);
    }

    #[test]
    fn console_masks_lines_that_answer_a_challenge() {
        let mut state = State::default();
        state.apply(Action::ConsoleStatus(ConsoleStatus::Connecting("h:25".into())));
        state.apply(Action::ConsoleSent { at_ms: 1, text: "AUTH LOGIN".into() });
        state.apply(Action::ConsoleReply { at_ms: 2, reply: reply(&["334 VXNlcm5hbWU6"]) });
        state.apply(Action::ConsoleSent { at_ms: 3, text: "a2lt".into() });
        let last = state.console.transcript.last().expect("entry");
        assert!(matches!(&last.kind, EntryKind::Sent { display, secret: true, .. } if display == "********"));
        state.apply(Action::ConsoleReply { at_ms: 4, reply: reply(&["235 2.7.0 ok"]) });
        state.apply(Action::ConsoleSent { at_ms: 5, text: "NOOP".into() });
        let last = state.console.transcript.last().expect("entry");
        assert!(matches!(&last.kind, EntryKind::Sent { secret: false, .. }));
    }

    #[test]
    fn editing_clears_the_form_error_and_reveal_toggles() {
        let mut state = State::default();
        state.apply(Action::FormInvalid("bad".into()));
        assert_eq!(state.form_error.as_deref(), Some("bad"));
        state.apply(Action::SetField(Field::Host, "x".into()));
        assert_eq!(state.form_error, None);
        assert_eq!(state.form.host, "x");
        state.apply(Action::ToggleReveal);
        assert!(state.reveal);
    }
}
