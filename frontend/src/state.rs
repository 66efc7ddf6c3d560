//! The app state, the actions that change it, and Yew's `Reducible` glue.
//!
//! `reduce` only clones and calls [`State::apply`], a plain method, so every
//! transition is unit-tested natively without a browser. Engine events arrive
//! as [`Action::Engine`] from the `use_bridge` hook; the state turns them
//! into step rows, transcript entries, capabilities and the outcome. The
//! session tools (saved sessions, share link, import, language) change it
//! through actions too; `use_persistence` stores what must survive a reload.

use std::rc::Rc;

use smtplab_shared::smtp::{Capabilities, Event, Outcome, Reply, SessionSpec, StepList};
use smtplab_shared::tls::TlsReport;
use smtplab_shared::wire::PolicyInfo;
use yew::Reducible;

use crate::form::{Field, Form, FormError};
use crate::i18n::{t, tf, Lang, Msg};
use crate::note::Note;
use crate::problem::BridgeProblem;
use crate::sandbox::{Inbox, InboxPage, SandboxInfo};
use crate::saved::{upsert, SavedSession};
use crate::session_file::ImportError;
use crate::share::share_url;
use crate::transcript::{console_display, Entry, EntryKind};

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

/// One guided session, running or finished.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// `host:port`, for headings and the export's file name.
    pub target: String,
    /// The step list (the engine's display plan and its progress).
    pub steps: StepList,
    /// The transcript.
    pub transcript: Vec<Entry>,
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

/// A message about the session tools, shown under them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A session was saved under this name.
    Saved(String),
    /// A saved session was loaded.
    Loaded(String),
    /// A saved session was deleted.
    Deleted(String),
    /// A session file was imported.
    Imported(String),
    /// The form was filled from a share link.
    Shared,
    /// Save was pressed without a name.
    NameEmpty,
    /// A file or link could not be used (`link`: it came from a link).
    Import {
        /// What is wrong.
        error: ImportError,
        /// True for a share link, false for a file.
        link: bool,
    },
    /// `localStorage` refused the write.
    Storage,
    /// The browser could not read the chosen file.
    FileUnreadable,
    /// Text was copied.
    Copied,
}

impl Notice {
    /// The notice in words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Self::Saved(name) => tf(lang, Msg::NoticeSaved, &[name]),
            Self::Loaded(name) => tf(lang, Msg::NoticeLoaded, &[name]),
            Self::Deleted(name) => tf(lang, Msg::NoticeDeleted, &[name]),
            Self::Imported(file) => tf(lang, Msg::NoticeImported, &[file]),
            Self::Shared => t(lang, Msg::NoticeShared).to_owned(),
            Self::NameEmpty => t(lang, Msg::NoticeNameEmpty).to_owned(),
            Self::Import { error, link } => error.describe(lang, *link),
            Self::Storage => t(lang, Msg::NoticeStorage).to_owned(),
            Self::FileUnreadable => t(lang, Msg::NoticeFileUnreadable).to_owned(),
            Self::Copied => t(lang, Msg::NoticeCopied).to_owned(),
        }
    }

    /// True for notices that report a failure (shown as an alert).
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            Self::NameEmpty | Self::Import { .. } | Self::Storage | Self::FileUnreadable
        )
    }
}

/// Where a session that fills the form came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecSource {
    /// A share link (the page's fragment).
    Link,
    /// A session file with this name.
    File(String),
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The page's language.
    pub lang: Lang,
    /// The guided-session form.
    pub form: Form,
    /// Why the last Run (or share, or export) was refused.
    pub form_error: Option<FormError>,
    /// Sessions saved in this browser.
    pub saved: Vec<SavedSession>,
    /// The name typed for the next save.
    pub save_name: String,
    /// Save the password with the session.
    pub remember_password: bool,
    /// The last share link made.
    pub share_link: Option<String>,
    /// Show the equivalent swaks command.
    pub show_swaks: bool,
    /// What the session tools last did.
    pub notice: Option<Notice>,
    /// The bridge.
    pub bridge: BridgeStatus,
    /// The current or last guided session.
    pub run: Option<Run>,
    /// The raw console.
    pub console: Console,
    /// Show credentials in transcripts and exports.
    pub reveal: bool,
    /// The embedded SMTP sandbox and its inbox.
    pub inbox: Inbox,
    /// The form was edited or filled from a saved session, link or file:
    /// the sandbox preset must not overwrite it.
    pub form_touched: bool,
    /// Next transcript entry id (ids are unique across both transcripts).
    next_id: u64,
}

impl Default for State {
    fn default() -> Self {
        Self {
            lang: Lang::En,
            form: Form::default(),
            form_error: None,
            saved: Vec::new(),
            save_name: String::new(),
            remember_password: false,
            share_link: None,
            show_swaks: false,
            notice: None,
            bridge: BridgeStatus::Checking,
            run: None,
            console: Console {
                status: ConsoleStatus::Disconnected,
                transcript: Vec::new(),
                input: String::new(),
                answering_challenge: false,
            },
            reveal: false,
            inbox: Inbox::default(),
            form_touched: false,
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
    /// Run (or share, or export) was refused before anything happened.
    FormInvalid(FormError),
    /// The page's language changed.
    SetLang(Lang),
    /// The saved sessions read from storage at start.
    SavedLoaded(Vec<SavedSession>),
    /// The save name was edited.
    SetSaveName(String),
    /// The "remember password" box was ticked or cleared.
    SetRememberPassword(bool),
    /// Save the form under the save name; `date` and `message_id` go into
    /// the composed message.
    Save {
        /// RFC 5322 date.
        date: String,
        /// Message-ID.
        message_id: String,
    },
    /// Load the saved session at this index into the form.
    LoadSaved(usize),
    /// Delete the saved session at this index.
    DeleteSaved(usize),
    /// Fill the form from a session (a share link or an imported file).
    LoadSpec {
        /// The session.
        spec: SessionSpec,
        /// Where it came from.
        source: SpecSource,
    },
    /// Make a share link of the form for the page at `href`.
    MakeShareLink {
        /// The page address (its query and fragment are dropped).
        href: String,
        /// RFC 5322 date.
        date: String,
        /// Message-ID.
        message_id: String,
    },
    /// Show or hide the swaks command.
    ToggleSwaks,
    /// Show a notice.
    Notice(Notice),
    /// Flip credential masking.
    ToggleReveal,
    /// New bridge status.
    Bridge(BridgeStatus),
    /// A guided session starts with this plan.
    RunStarted {
        /// `host:port`.
        target: String,
        /// The steps to show, all pending.
        steps: StepList,
    },
    /// A connection note for the guided transcript.
    RunNote {
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
    RunEnded,
    /// The bridge answered `GET /sandbox`.
    SandboxInfo(SandboxInfo),
    /// Fill the form for the sandbox (the "use the sandbox" button).
    UseSandbox,
    /// A read of the sandbox inbox started.
    SandboxLoading,
    /// A read of the sandbox inbox ended (its newest page, or why not).
    SandboxMessages(Result<InboxPage, String>),
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
        /// What happened.
        note: Note,
    },
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl State {
    /// Applies one action.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::SetField(field, value) => {
                self.form_touched = true;
                self.form.set(field, value);
                self.form_error = None;
                self.share_link = None;
            }
            Action::AddRcpt => {
                self.form_touched = true;
                self.form.add_rcpt();
            }
            Action::RemoveRcpt(i) => {
                self.form_touched = true;
                self.form.remove_rcpt(i);
            }
            Action::FormInvalid(error) => self.form_error = Some(error),
            Action::SetLang(lang) => self.lang = lang,
            Action::SavedLoaded(saved) => self.saved = saved,
            Action::SetSaveName(name) => self.save_name = name,
            Action::SetRememberPassword(on) => self.remember_password = on,
            Action::Save { date, message_id } => self.save(&date, &message_id),
            Action::LoadSaved(i) => {
                if let Some(saved) = self.saved.get(i).cloned() {
                    self.fill_form(&saved.spec);
                    self.save_name = saved.name.clone();
                    self.remember_password = saved.remember_password;
                    self.notice = Some(Notice::Loaded(saved.name));
                }
            }
            Action::DeleteSaved(i) => {
                if i < self.saved.len() {
                    let gone = self.saved.remove(i);
                    self.notice = Some(Notice::Deleted(gone.name));
                }
            }
            Action::LoadSpec { spec, source } => {
                self.fill_form(&spec);
                self.notice = Some(match source {
                    SpecSource::Link => Notice::Shared,
                    SpecSource::File(name) => Notice::Imported(name),
                });
            }
            Action::MakeShareLink {
                href,
                date,
                message_id,
            } => match self.form.to_spec(None, &date, &message_id) {
                Ok(spec) => {
                    self.share_link = Some(share_url(&href, &spec));
                    self.form_error = None;
                }
                Err(e) => {
                    self.share_link = None;
                    self.form_error = Some(e);
                }
            },
            Action::ToggleSwaks => self.show_swaks = !self.show_swaks,
            Action::Notice(notice) => self.notice = Some(notice),
            Action::ToggleReveal => self.reveal = !self.reveal,
            Action::Bridge(status) => self.bridge = status,
            Action::RunStarted { target, steps } => {
                self.form_error = None;
                self.run = Some(Run {
                    target,
                    steps,
                    transcript: Vec::new(),
                    capabilities: None,
                    outcome: None,
                    running: true,
                    encrypted: false,
                    tls: None,
                });
            }
            Action::RunNote { at_ms, error, note } => {
                let kind = if error {
                    EntryKind::Error(note)
                } else {
                    EntryKind::Info(note)
                };
                self.push_run_entry(at_ms, kind);
            }
            Action::Engine { at_ms, event } => self.apply_event(at_ms, event),
            Action::RunEnded => {
                if let Some(run) = &mut self.run {
                    run.running = false;
                }
            }
            Action::SandboxInfo(info) => {
                if let Some(form) = self.inbox.apply_info(info, &self.form, self.form_touched) {
                    self.form = form;
                }
            }
            Action::UseSandbox => {
                if let Some(form) = self.inbox.info.as_ref().and_then(|i| i.preset(&self.form)) {
                    self.form = form;
                    self.form_error = None;
                    self.share_link = None;
                }
            }
            Action::SandboxLoading => self.inbox.loading = true,
            Action::SandboxMessages(result) => self.inbox.apply_messages(result),
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
                self.console.transcript.push(Entry {
                    id,
                    at_ms,
                    kind: EntryKind::Sent {
                        text,
                        display,
                        secret,
                        encrypted: false,
                    },
                });
            }
            Action::ConsoleReply { at_ms, reply } => {
                self.console.answering_challenge = reply.code.as_u16() == 334;
                let id = self.take_id();
                self.console.transcript.push(Entry {
                    id,
                    at_ms,
                    kind: EntryKind::Reply {
                        reply,
                        expected: true,
                        encrypted: false,
                    },
                });
            }
            Action::ConsoleNote { at_ms, error, note } => {
                let kind = if error {
                    EntryKind::Error(note)
                } else {
                    EntryKind::Info(note)
                };
                let id = self.take_id();
                self.console.transcript.push(Entry { id, at_ms, kind });
            }
        }
    }

    /// Saves the form under the save name (a draft: it need not be valid).
    fn save(&mut self, date: &str, message_id: &str) {
        if self.save_name.trim().is_empty() {
            self.notice = Some(Notice::NameEmpty);
            return;
        }
        match self.form.to_draft_spec(date, message_id) {
            Ok(spec) => {
                let saved = SavedSession::new(&self.save_name, &spec, self.remember_password);
                self.notice = Some(Notice::Saved(saved.name.clone()));
                upsert(&mut self.saved, saved);
                self.form_error = None;
            }
            Err(e) => self.form_error = Some(e),
        }
    }

    /// Puts `spec` in the form; the old form's errors and link go, its
    /// TLS verification choice and pasted CA (not in a spec) stay.
    fn fill_form(&mut self, spec: &SessionSpec) {
        let previous = std::mem::replace(&mut self.form, Form::from_spec(spec));
        self.form.tls_verify = previous.tls_verify;
        self.form.ca_pem = previous.ca_pem;
        self.form_touched = true;
        self.form_error = None;
        self.share_link = None;
    }

    /// The current form as a valid spec, for exports.
    ///
    /// # Errors
    /// The form's first problem.
    pub fn export_spec(&self, date: &str, message_id: &str) -> Result<SessionSpec, FormError> {
        self.form.to_spec(None, date, message_id)
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
        if let Some(run) = &mut self.run {
            run.steps.apply(&event);
        }
        match event {
            Event::StepStarted { .. } | Event::StepFinished { .. } => {}
            Event::Sent { line, .. } => {
                let encrypted = self.run.as_ref().is_some_and(|r| r.encrypted);
                self.push_run_entry(
                    at_ms,
                    EntryKind::Sent {
                        text: line.text,
                        display: line.display,
                        secret: line.secret,
                        encrypted,
                    },
                );
            }
            Event::Reply {
                reply,
                expected,
                at,
                ..
            } => {
                let encrypted = self.run.as_ref().is_some_and(|r| r.encrypted);
                self.push_run_entry(
                    millis(at),
                    EntryKind::Reply {
                        reply,
                        expected,
                        encrypted,
                    },
                );
            }
            Event::Capabilities(capabilities) => {
                if let Some(run) = &mut self.run {
                    run.capabilities = Some(capabilities);
                }
            }
            Event::TlsEstablished(report) => {
                if let Some(run) = &mut self.run {
                    run.encrypted = true;
                    run.tls = Some(report.clone());
                }
                let note = Note::TlsEstablished {
                    protocol: report.protocol.clone(),
                    cipher: report.cipher_suite.clone(),
                };
                self.push_run_entry(at_ms, EntryKind::Info(note));
            }
            Event::TlsSkipped { reason } => {
                self.push_run_entry(at_ms, EntryKind::Info(Note::TlsSkipped(reason)));
            }
            Event::PlaintextDiscarded { bytes, text, .. } => {
                self.push_run_entry(
                    at_ms,
                    EntryKind::Error(Note::PlaintextDiscarded { bytes, text }),
                );
            }
            Event::Finished(outcome) => {
                if let Some(run) = &mut self.run {
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
    use smtplab_shared::smtp::{
        FailReason, Outcome, SentLine, Stage, Step, Timeouts, TlsMode, Verdict,
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

    fn started(spec: &SessionSpec) -> State {
        let mut state = State::default();
        state.apply(Action::RunStarted {
            target: "127.0.0.1:2525".into(),
            steps: StepList::for_spec(spec),
        });
        state
    }

    fn statuses(state: &State) -> Vec<(String, &'static str)> {
        let run = state.run.as_ref().expect("run");
        run.steps
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
        state.apply(Action::Engine {
            at_ms: 0,
            event: Event::StepStarted {
                step: Step::Connect,
                at: ms(0),
            },
        });
        state.apply(Action::Engine {
            at_ms: 9,
            event: Event::Reply {
                step: Step::Connect,
                reply: reply(&["220 mx ESMTP"]),
                expected: true,
                at: ms(8),
            },
        });
        state.apply(Action::Engine {
            at_ms: 9,
            event: Event::StepFinished {
                step: Step::Connect,
                ok: true,
                elapsed: ms(8),
            },
        });
        state.apply(Action::Engine {
            at_ms: 9,
            event: Event::StepStarted {
                step: Step::Ehlo,
                at: ms(9),
            },
        });
        state.apply(Action::Engine {
            at_ms: 9,
            event: Event::Sent {
                step: Step::Ehlo,
                line: SentLine {
                    text: "EHLO me".into(),
                    secret: false,
                    display: "EHLO me".into(),
                },
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
        state.apply(Action::Engine {
            at_ms: 20,
            event: Event::Capabilities(Capabilities::from_ehlo(&reply(&[
                "250-mx",
                "250-PIPELINING",
                "250 SIZE 1000",
            ]))),
        });
        let run = state.run.as_ref().expect("run");
        assert_eq!(run.transcript.len(), 3);
        assert_eq!(
            run.transcript[0].at_ms, 8,
            "replies carry the engine's time"
        );
        assert!(run
            .capabilities
            .as_ref()
            .is_some_and(|c| c.has("PIPELINING")));
        let ids: Vec<u64> = run.transcript.iter().map(|e| e.id).collect();
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
        state.apply(Action::Engine {
            at_ms: 0,
            event: Event::StepStarted {
                step: Step::Rcpt(0),
                at: Duration::ZERO,
            },
        });
        state.apply(Action::Engine {
            at_ms: 5,
            event: Event::StepFinished {
                step: Step::Rcpt(0),
                ok: false,
                elapsed: Duration::from_millis(5),
            },
        });
        state.apply(Action::Engine {
            at_ms: 6,
            event: Event::Finished(Outcome {
                verdict: Verdict::Failed {
                    step: Step::Rcpt(0),
                    reason: FailReason::UnexpectedReply(failure),
                },
                queue_id: None,
                capabilities: None,
                steps: Vec::new(),
                tls: None,
            }),
        });
        let got = statuses(&state);
        assert_eq!(got[3], ("RCPT TO #1".to_owned(), "failed"));
        assert_eq!(got[4], ("DATA".to_owned(), "skipped"));
        let outcome = state
            .run
            .as_ref()
            .and_then(|r| r.outcome.clone())
            .expect("outcome");
        let verdict = crate::verdict::VerdictView::from_outcome(&outcome, Lang::En);
        assert_eq!(verdict.kind, "failed");
        assert!(
            verdict.headline.starts_with("Failed at RCPT TO #1"),
            "{}",
            verdict.headline
        );
        state.apply(Action::RunEnded);
        assert!(!state.run.as_ref().expect("run").running);
    }

    #[test]
    fn helo_fallback_is_inserted_after_ehlo() {
        let mut state = started(&spec(Stage::Mail, 1));
        state.apply(Action::Engine {
            at_ms: 0,
            event: Event::StepStarted {
                step: Step::Helo,
                at: Duration::ZERO,
            },
        });
        let names: Vec<String> = statuses(&state).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["connect", "EHLO", "HELO", "MAIL FROM", "QUIT"]);
    }

    #[test]
    fn console_masks_lines_that_answer_a_challenge() {
        let mut state = State::default();
        state.apply(Action::ConsoleStatus(ConsoleStatus::Connecting(
            "h:25".into(),
        )));
        state.apply(Action::ConsoleSent {
            at_ms: 1,
            text: "AUTH LOGIN".into(),
        });
        state.apply(Action::ConsoleReply {
            at_ms: 2,
            reply: reply(&["334 VXNlcm5hbWU6"]),
        });
        state.apply(Action::ConsoleSent {
            at_ms: 3,
            text: "a2lt".into(),
        });
        let last = state.console.transcript.last().expect("entry");
        assert!(
            matches!(&last.kind, EntryKind::Sent { display, secret: true, .. } if display == "********")
        );
        state.apply(Action::ConsoleReply {
            at_ms: 4,
            reply: reply(&["235 2.7.0 ok"]),
        });
        state.apply(Action::ConsoleSent {
            at_ms: 5,
            text: "NOOP".into(),
        });
        let last = state.console.transcript.last().expect("entry");
        assert!(matches!(&last.kind, EntryKind::Sent { secret: false, .. }));
    }

    #[test]
    fn editing_clears_the_form_error_and_reveal_toggles() {
        let mut state = State::default();
        state.apply(Action::FormInvalid(FormError::BadPort("x".into())));
        assert_eq!(state.form_error, Some(FormError::BadPort("x".into())));
        state.apply(Action::SetField(Field::Host, "x".into()));
        assert_eq!(state.form_error, None);
        assert_eq!(state.form.host, "x");
        state.apply(Action::ToggleReveal);
        assert!(state.reveal);
    }

    fn filled() -> State {
        let mut state = State::default();
        for (field, value) in [
            (Field::Host, "127.0.0.1"),
            (Field::Port, "587"),
            (Field::Auth, "login"),
            (Field::Username, "kim"),
            (Field::Password, "pw-secret"),
            (Field::MailFrom, "a@b.test"),
            (Field::Rcpt(0), "c@d.test"),
        ] {
            state.apply(Action::SetField(field, value.into()));
        }
        state
    }

    fn save(state: &mut State, name: &str, remember: bool) {
        state.apply(Action::SetSaveName(name.into()));
        state.apply(Action::SetRememberPassword(remember));
        state.apply(Action::Save {
            date: "d".into(),
            message_id: "m".into(),
        });
    }

    #[test]
    fn saved_sessions_keep_the_password_only_when_asked_and_load_back() {
        let mut state = filled();
        save(&mut state, "", false);
        assert_eq!(state.notice, Some(Notice::NameEmpty));
        save(&mut state, "no password", false);
        save(&mut state, "with password", true);
        assert_eq!(state.notice, Some(Notice::Saved("with password".into())));
        assert_eq!(state.saved.len(), 2);
        state.apply(Action::SetField(Field::Host, "elsewhere".into()));
        state.apply(Action::LoadSaved(0));
        assert_eq!(state.form.host, "127.0.0.1");
        assert_eq!(state.form.password, "", "not remembered");
        assert!(!state.remember_password);
        state.apply(Action::LoadSaved(1));
        assert_eq!(state.form.password, "pw-secret");
        assert_eq!(state.save_name, "with password");
        assert!(state.remember_password);
        state.apply(Action::DeleteSaved(0));
        assert_eq!(state.notice, Some(Notice::Deleted("no password".into())));
        assert_eq!(state.saved.len(), 1);
        state.apply(Action::DeleteSaved(7));
        assert_eq!(state.saved.len(), 1);
    }

    #[test]
    fn a_share_link_needs_a_valid_form_and_fills_another_tab() {
        let mut state = filled();
        let href = "http://127.0.0.1:8025/?token=tok".to_owned();
        state.apply(Action::MakeShareLink {
            href: href.clone(),
            date: "d".into(),
            message_id: "m".into(),
        });
        let link = state.share_link.clone().expect("link");
        assert!(
            !link.contains("tok") && !link.contains("pw-secret"),
            "{link}"
        );
        state.apply(Action::SetField(Field::Subject, "changed".into()));
        assert_eq!(state.share_link, None, "an edit makes the link stale");

        let spec = crate::share::decode_fragment(link.split_once('#').expect("fragment").1)
            .expect("valid")
            .expect("present");
        let mut other = State::default();
        other.apply(Action::LoadSpec {
            spec,
            source: SpecSource::Link,
        });
        assert_eq!(other.notice, Some(Notice::Shared));
        assert_eq!(other.form.username, "kim");
        assert_eq!(other.form.password, "");
        assert_eq!(other.form.rcpt_to, ["c@d.test"]);

        let mut empty = State::default();
        empty.apply(Action::MakeShareLink {
            href,
            date: "d".into(),
            message_id: "m".into(),
        });
        assert_eq!(empty.share_link, None);
        assert!(empty.form_error.is_some());
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
        state.apply(Action::Engine {
            at_ms: 1,
            event: sent("STARTTLS"),
        });
        state.apply(Action::Engine {
            at_ms: 2,
            event: Event::TlsEstablished(
                serde_json::from_str(r#"{"server_name":"mx","protocol":"TLSv1.3","chain":[]}"#)
                    .expect("a report"),
            ),
        });
        state.apply(Action::Engine {
            at_ms: 3,
            event: sent("EHLO me"),
        });
        let run = state.run.as_ref().expect("run");
        let flags: Vec<Option<bool>> = run
            .transcript
            .iter()
            .map(|e| match &e.kind {
                EntryKind::Sent { encrypted, .. } => Some(*encrypted),
                _ => None,
            })
            .collect();
        assert_eq!(flags, [Some(false), None, Some(true)]);
    }

    fn sandbox_info() -> SandboxInfo {
        crate::sandbox::parse_info(
            r#"{"enabled":true,"addr":"127.0.0.1:2525","user":"demo@sandbox.smtplab","password":"smtplab-demo"}"#,
        )
        .expect("info")
    }

    #[test]
    fn the_sandbox_preselects_only_an_untouched_form() {
        let mut fresh = State::default();
        fresh.apply(Action::SandboxInfo(sandbox_info()));
        assert_eq!(fresh.form.host, "127.0.0.1");
        assert_eq!(fresh.form.username, "demo@sandbox.smtplab");
        assert!(fresh.inbox.enabled());

        let mut typed = State::default();
        typed.apply(Action::SetField(Field::Host, "mx.example.test".into()));
        typed.apply(Action::SandboxInfo(sandbox_info()));
        assert_eq!(typed.form.host, "mx.example.test");
        typed.apply(Action::UseSandbox);
        assert_eq!(
            typed.form.host, "127.0.0.1",
            "the button sets it up on request"
        );

        let mut linked = State::default();
        linked.apply(Action::LoadSpec {
            spec: spec(Stage::Rcpt, 1),
            source: SpecSource::Link,
        });
        linked.apply(Action::SandboxInfo(sandbox_info()));
        assert_eq!(
            linked.form.stop_after,
            Stage::Rcpt,
            "a shared session stays"
        );
        assert_eq!(linked.form.username, "");

        let mut rcpt = State::default();
        rcpt.apply(Action::AddRcpt);
        rcpt.apply(Action::SandboxInfo(sandbox_info()));
        assert_eq!(rcpt.form.host, "");
    }

    #[test]
    fn loading_a_session_keeps_the_tls_choices_outside_the_spec() {
        let mut state = State::default();
        state.apply(Action::SetField(Field::TlsVerify, "false".into()));
        state.apply(Action::SetField(Field::CaPem, "PEM".into()));
        state.apply(Action::LoadSpec {
            spec: spec(Stage::Data, 1),
            source: SpecSource::File("f".into()),
        });
        assert!(!state.form.tls_verify);
        assert_eq!(state.form.ca_pem, "PEM");
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
        state.apply(Action::Engine {
            at_ms: 1,
            event: Event::TlsEstablished(report("TLSv1.2")),
        });
        assert_eq!(
            state
                .run
                .as_ref()
                .and_then(|r| r.tls.as_ref())
                .and_then(|t| t.protocol.clone())
                .as_deref(),
            Some("TLSv1.2")
        );
        state.apply(Action::Engine {
            at_ms: 2,
            event: Event::Finished(Outcome {
                verdict: Verdict::Completed { stage: Stage::Ehlo },
                queue_id: None,
                capabilities: None,
                steps: Vec::new(),
                tls: Some(report("TLSv1.3")),
            }),
        });
        assert_eq!(
            state
                .run
                .as_ref()
                .and_then(|r| r.tls.as_ref())
                .and_then(|t| t.protocol.clone())
                .as_deref(),
            Some("TLSv1.3")
        );
    }

    #[test]
    fn inbox_reads_are_tracked() {
        let mut state = State::default();
        state.apply(Action::SandboxLoading);
        assert!(state.inbox.loading);
        state.apply(Action::SandboxMessages(Ok(InboxPage::default())));
        assert!(!state.inbox.loading);
        assert_eq!(state.inbox.messages, Some(Vec::new()));
    }
}
