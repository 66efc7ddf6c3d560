//! The app state, the actions that change it, and Yew's `Reducible` glue.
//!
//! The state is one sub-state per area of the page, each with its own
//! action enum in its own file. [`State::apply`] only hands each
//! [`Action`] to its area, passing explicitly the other parts an area
//! reads or fills (the form, the transcript ids). `reduce` only clones and
//! calls `apply`, so every transition is unit-tested natively without a
//! browser. The clone is cheap whatever the session's length: transcripts
//! are [`AppendLog`](crate::append_log::AppendLog)s, which share their
//! entries between state versions instead of copying them. Engine events arrive as [`RunAction::Engine`] from the
//! `use_bridge` hook; `use_persistence` stores what must survive a reload.
//!
//! # Layout
//! - [`form`]: [`FormState`] and [`FormAction`]: the guided-session form,
//!   its last refusal, whether it was touched, its share link.
//! - [`tools`]: [`ToolsState`] and [`ToolsAction`]: saved sessions, the
//!   save box, the swaks toggle, and the [`Notice`] under the tools.
//! - [`run`]: [`Run`] and [`RunAction`]: the guided session, engine events
//!   folded into steps, transcript, capabilities, TLS and outcome.
//! - [`console`]: [`ConsoleState`] and [`ConsoleAction`]: the raw console.
//! - [`sandbox`]: [`Inbox`] and [`SandboxAction`]: the bridge's SMTP
//!   sandbox and its inbox.

pub(crate) mod console;
pub(crate) mod form;
pub(crate) mod run;
pub(crate) mod sandbox;
pub(crate) mod tools;

use std::rc::Rc;

use smtplab_shared::wire::PolicyInfo;
use yew::Reducible;

pub(crate) use console::{ConsoleAction, ConsoleState, ConsoleStatus};
pub(crate) use form::{FormAction, FormState};
pub(crate) use run::{Run, RunAction};
pub(crate) use sandbox::{Inbox, SandboxAction};
pub(crate) use tools::{Notice, SpecSource, ToolsAction, ToolsState};

use crate::i18n::Lang;
use crate::problem::BridgeProblem;
use crate::transcript::EntryIds;

/// What the tab knows about its bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BridgeStatus {
    /// The first WebSocket is opening.
    Checking,
    /// The bridge said `hello`.
    Ready(PolicyInfo),
    /// The bridge cannot be used.
    Problem(BridgeProblem),
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct State {
    /// The page's language.
    pub(crate) lang: Lang,
    /// Show credentials in transcripts and exports.
    pub(crate) reveal: bool,
    /// The bridge.
    pub(crate) bridge: BridgeStatus,
    /// The guided-session form.
    pub(crate) form: FormState,
    /// The session tools (saved sessions, swaks, notices).
    pub(crate) tools: ToolsState,
    /// The current or last guided session.
    pub(crate) run: Option<Run>,
    /// The raw console.
    pub(crate) console: ConsoleState,
    /// The embedded SMTP sandbox and its inbox.
    pub(crate) inbox: Inbox,
    /// Transcript entry ids, unique across both transcripts.
    ids: EntryIds,
}

impl Default for State {
    fn default() -> Self {
        Self {
            lang: Lang::En,
            reveal: false,
            bridge: BridgeStatus::Checking,
            form: FormState::default(),
            tools: ToolsState::default(),
            run: None,
            console: ConsoleState::default(),
            inbox: Inbox::default(),
            ids: EntryIds::default(),
        }
    }
}

/// Everything that changes the state: page-wide settings, or an action of
/// one area.
#[derive(Debug, Clone, PartialEq)]
// One action lives only while the reducer applies it, so the size of the
// largest (an engine event carrying the outcome) costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Action {
    /// The page's language changed.
    SetLang(Lang),
    /// Flip credential masking.
    ToggleReveal,
    /// New bridge status.
    Bridge(BridgeStatus),
    /// The guided-session form.
    Form(FormAction),
    /// The session tools.
    Tools(ToolsAction),
    /// The guided session.
    Run(RunAction),
    /// The raw console.
    Console(ConsoleAction),
    /// The sandbox inbox.
    Sandbox(SandboxAction),
}

impl State {
    /// Applies one action.
    pub(crate) fn apply(&mut self, action: Action) {
        match action {
            Action::SetLang(lang) => self.lang = lang,
            Action::ToggleReveal => self.reveal = !self.reveal,
            Action::Bridge(status) => self.bridge = status,
            Action::Form(action) => self.form.apply(action),
            Action::Tools(action) => self.tools.apply(action, &mut self.form),
            Action::Run(action) => {
                if matches!(action, RunAction::Started { .. }) {
                    // The form was accepted: an earlier refusal is stale.
                    self.form.error = None;
                }
                Run::apply(&mut self.run, action, &mut self.ids);
            }
            Action::Console(action) => self.console.apply(action, &mut self.ids),
            Action::Sandbox(action) => self.inbox.apply(action, &mut self.form),
        }
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

/// A small spec for the state's unit tests: 127.0.0.1:2525, EHLO `me`,
/// `rcpts` recipients `r0@b`…, no AUTH, no TLS.
#[cfg(test)]
pub(crate) fn test_spec(
    stop_after: smtplab_shared::smtp::Stage,
    rcpts: usize,
) -> smtplab_shared::smtp::SessionSpec {
    use smtplab_shared::smtp::{SessionSpec, Timeouts, TlsMode};
    SessionSpec {
        host: "127.0.0.1".into(),
        port: 2525,
        ehlo_name: "me".into(),
        auth: None,
        mail_from: "a@b".into(),
        rcpt_to: (0..rcpts).map(|i| format!("r{i}@b")).collect(),
        message: Vec::new(),
        stop_after,
        timeouts: Timeouts::default(),
        tls: TlsMode::None,
        envelope: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{Field, FormError};
    use crate::note::Note;
    use smtplab_shared::smtp::{Stage, StepList};

    fn started() -> Action {
        Action::Run(RunAction::Started {
            target: "127.0.0.1:2525".into(),
            steps: StepList::for_spec(&test_spec(Stage::Ehlo, 1)),
        })
    }

    #[test]
    fn reveal_toggles() {
        let mut state = State::default();
        state.apply(Action::ToggleReveal);
        assert!(state.reveal);
        state.apply(Action::ToggleReveal);
        assert!(!state.reveal);
    }

    #[test]
    fn each_action_reaches_its_area() {
        let mut state = State::default();
        state.apply(Action::Form(FormAction::SetField(Field::Host, "mx".into())));
        state.apply(Action::Tools(ToolsAction::SetSaveName("n".into())));
        state.apply(Action::Console(ConsoleAction::Input("NOOP".into())));
        state.apply(Action::Sandbox(SandboxAction::Loading));
        state.apply(Action::SetLang(Lang::Ja));
        assert_eq!(state.form.fields.host, "mx");
        assert_eq!(state.tools.save_name, "n");
        assert_eq!(state.console.input, "NOOP");
        assert!(state.inbox.loading);
        assert_eq!(state.lang, Lang::Ja);
    }

    #[test]
    fn a_run_that_starts_clears_the_form_error() {
        let mut state = State::default();
        state.apply(Action::Form(FormAction::Invalid(FormError::BadPort(
            "x".into(),
        ))));
        state.apply(started());
        assert_eq!(state.form.error, None);
        assert!(state.run.as_ref().is_some_and(|r| r.running));
    }

    #[test]
    fn reduce_copies_no_transcript_entry_whatever_their_number() {
        let mut state = State::default();
        state.apply(started());
        for at_ms in 0..1000 {
            state.apply(Action::Run(RunAction::Note {
                at_ms,
                error: false,
                note: Note::OpeningWebSocket,
            }));
            state.apply(Action::Console(ConsoleAction::Sent {
                at_ms,
                text: "NOOP".into(),
                encrypted: false,
            }));
        }
        let run = |state: &State| state.run.as_ref().expect("a run").transcript.clone();
        // What Yew does: the previous state stays alive while `reduce`
        // makes the next one from it.
        let old = Rc::new(state);
        let typed = Rc::clone(&old).reduce(Action::Console(ConsoleAction::Input("x".into())));
        assert!(run(&typed).shares_buffer_with(&run(&old)));
        assert!(typed
            .console
            .transcript
            .shares_buffer_with(&old.console.transcript));

        let noted = Rc::clone(&typed).reduce(Action::Run(RunAction::Note {
            at_ms: 1000,
            error: true,
            note: Note::NotConnected,
        }));
        let sent = Rc::clone(&noted).reduce(Action::Console(ConsoleAction::Sent {
            at_ms: 1000,
            text: "QUIT".into(),
            encrypted: false,
        }));
        let (before, after) = (run(&typed), run(&sent));
        assert_eq!((before.items().len(), after.items().len()), (1000, 1001));
        assert!(
            after.shares_buffer_with(&before),
            "the new entry went after the 1000 in place: none was copied"
        );
        assert!(std::ptr::eq(&before.items()[999], &after.items()[999]));
        let (before, after) = (&noted.console.transcript, &sent.console.transcript);
        assert_eq!((before.items().len(), after.items().len()), (1000, 1001));
        assert!(after.shares_buffer_with(before));
        assert_ne!(*old, *sent, "the versions still differ");
    }
}
