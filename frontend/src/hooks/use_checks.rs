//! `use_checks`: the browser driver of `smtplab_shared::diagnose::Check`.
//!
//! It runs the checks of a [`RunPlan`] one after another. For each check it
//! drains `poll_action`: an `Action::Resolve` becomes a WebSocket carrying
//! one `resolve` (its `resolved` or `error` goes to `handle_resolved` /
//! `handle_resolve_error`); an `Action::RunSession` becomes a
//! [`LinkSocket`] (the shared bridge link in engine mode) whose events are
//! collected into a `SessionRecord` for `handle_session`. It only moves bytes, time, DNS answers and events:
//! every SMTP step and every judgement is the shared crate's.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Interval;
use smtplab_shared::diagnose::{Action, Check, CheckResult, PlannedSession, Report, SessionRecord};
use smtplab_shared::link::{Link, LinkEvent};
use smtplab_shared::smtp::{AbortReason, Event};
use smtplab_shared::wire::{ClientMessage, ErrorCode, RecordType, ServerMessage};
use yew::prelude::*;

use crate::browser;
use crate::diagnostics::{DiagAction, DiagState, Next, RunPlan, SkipReason};
use crate::link_socket::LinkSocket;
use crate::socket::{Socket, SocketEvent};

/// How often a session's deadline is checked.
const TICK_MS: u32 = 200;

/// What the panel may ask. Stable for the page's lifetime.
#[derive(Clone, PartialEq)]
pub(crate) struct ChecksHandle {
    /// Start a run (ignored while one runs).
    pub(crate) run: Callback<RunPlan>,
    /// Stop the running run; finished results stay.
    pub(crate) cancel: Callback<()>,
}

/// The checks driver.
#[hook]
pub(crate) fn use_checks(dispatch: UseReducerDispatcher<DiagState>) -> ChecksHandle {
    let driver = use_mut_ref(|| Driver {
        dispatch,
        next_id: 1,
        run: None,
    });
    {
        let driver = driver.clone();
        use_effect_with((), move |()| move || driver.borrow_mut().run = None);
    }
    let handle = use_memo((), move |()| {
        let d = Rc::clone(&driver);
        let run = Callback::from(move |plan| Driver::start(&d, plan));
        let d = driver;
        let cancel = Callback::from(move |()| Driver::cancel(&d));
        ChecksHandle { run, cancel }
    });
    (*handle).clone()
}

/// Shared by the callbacks and the socket and timer handlers (through a
/// `Weak`, so nothing outlives the component).
struct Driver {
    /// Where actions go.
    dispatch: UseReducerDispatcher<DiagState>,
    /// Id of the next WebSocket; events of older ones are dropped.
    next_id: u64,
    /// The run in progress.
    run: Option<ActiveRun>,
}

/// A run in progress.
struct ActiveRun {
    /// What is left to do.
    plan: RunPlan,
    /// Finished results, in order.
    results: Vec<CheckResult>,
    /// The check running now.
    check: Option<Check>,
    /// The WebSocket of the check's pending action.
    link: Option<ActionLink>,
    /// Checks session deadlines.
    _timer: Interval,
}

/// The WebSocket of one pending action.
struct ActionLink {
    /// Socket id.
    id: u64,
    /// What it carries.
    kind: LinkKind,
}

enum LinkKind {
    /// A `resolve`.
    Resolve {
        /// The socket.
        socket: Socket,
        /// The name asked.
        name: String,
        /// The type asked.
        rtype: RecordType,
    },
    /// A session of the check.
    Session {
        /// The socket and engine.
        link: Box<LinkSocket>,
        /// The plan's label, for `handle_session`.
        label: String,
        /// What was collected so far (`None` until `connected` or a
        /// connect error).
        record: Option<SessionRecord>,
    },
}

/// The answer of an action, to hand to the check.
enum Answer {
    Resolved(String, RecordType, Vec<smtplab_shared::wire::DnsRecord>),
    ResolveError(String, RecordType, ErrorCode, String),
    Session(String, Box<SessionRecord>),
}

impl Driver {
    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn start(this: &Rc<RefCell<Self>>, plan: RunPlan) {
        if this.borrow().run.is_some() {
            return;
        }
        let weak = Rc::downgrade(this);
        let timer = Interval::new(TICK_MS, move || {
            if let Some(driver) = weak.upgrade() {
                Self::tick(&driver);
            }
        });
        this.borrow_mut().run = Some(ActiveRun {
            plan,
            results: Vec::new(),
            check: None,
            link: None,
            _timer: timer,
        });
        Self::advance(this);
    }

    fn cancel(this: &Rc<RefCell<Self>>) {
        let Some(run) = this.borrow_mut().run.take() else {
            return;
        };
        Self::finish(this, run);
    }

    /// Ends the run: the report of what finished.
    fn finish(this: &Rc<RefCell<Self>>, run: ActiveRun) {
        let input = run.plan.report_input(&run.results);
        let mut report = Report::new(&input, browser::rfc5322_now());
        for result in run.results {
            report.push(result);
        }
        let dispatch = this.borrow().dispatch.clone();
        dispatch.dispatch(DiagAction::Finished(Box::new(report)));
    }

    /// Moves the run on until it waits for the network or is over.
    fn advance(this: &Rc<RefCell<Self>>) {
        loop {
            let mut d = this.borrow_mut();
            let dispatch = d.dispatch.clone();
            let Some(run) = d.run.as_mut() else {
                return;
            };
            if run.link.is_some() {
                return;
            }
            let Some(check) = run.check.as_mut() else {
                match run.plan.next(&run.results) {
                    Some(Next::Run(kind, input)) => match Check::new(kind, &input) {
                        Ok(check) => {
                            dispatch.dispatch(DiagAction::CheckStarted(kind));
                            run.check = Some(check);
                        }
                        Err(e) => dispatch.dispatch(DiagAction::CheckSkipped(
                            kind,
                            SkipReason::Input(e.to_string()),
                        )),
                    },
                    Some(Next::NoPrimaryMx(kind)) => {
                        dispatch.dispatch(DiagAction::CheckSkipped(kind, SkipReason::NoPrimaryMx));
                    }
                    None => {
                        let run = d.run.take().expect("checked above");
                        drop(d);
                        Self::finish(this, run);
                        return;
                    }
                }
                continue;
            };
            if let Some(result) = check.result().cloned() {
                run.check = None;
                run.results.push(result.clone());
                dispatch.dispatch(DiagAction::CheckDone(Box::new(result)));
                continue;
            }
            let Some(action) = check.poll_action() else {
                // Nothing to do and no answer pending: a check never gets here.
                return;
            };
            let id = d.take_id();
            drop(d);
            let link = match action {
                Action::Resolve { name, rtype } => Self::open(this, id)
                    .map(|socket| ActionLink {
                        id,
                        kind: LinkKind::Resolve {
                            socket,
                            name: name.clone(),
                            rtype,
                        },
                    })
                    .map_err(|why| Answer::ResolveError(name, rtype, ErrorCode::Internal, why)),
                Action::RunSession(plan) => Self::open_session(this, id, &plan),
            };
            match link {
                Ok(link) => {
                    if let Some(run) = this.borrow_mut().run.as_mut() {
                        run.link = Some(link);
                    }
                    return;
                }
                Err(answer) => Self::answer(this, answer),
            }
        }
    }

    fn open(this: &Rc<RefCell<Self>>, id: u64) -> Result<Socket, String> {
        // The tab's token (kept in sessionStorage): the bridge reads no cookie.
        let url = browser::page_ws_url(browser::token().as_deref())
            .ok_or_else(|| "no page address".to_owned())?;
        let weak: Weak<RefCell<Self>> = Rc::downgrade(this);
        Socket::open(
            &url,
            Rc::new(move |event| {
                if let Some(driver) = weak.upgrade() {
                    Self::on_socket_event(&driver, id, event);
                }
            }),
        )
    }

    fn open_session(
        this: &Rc<RefCell<Self>>,
        id: u64,
        plan: &PlannedSession,
    ) -> Result<ActionLink, Answer> {
        match Self::open(this, id) {
            Ok(socket) => {
                let link = Box::new(LinkSocket::new(socket, Link::engine(plan.session())));
                Ok(ActionLink {
                    id,
                    kind: LinkKind::Session {
                        link,
                        label: plan.label.clone(),
                        record: None,
                    },
                })
            }
            Err(why) => {
                let mut record = SessionRecord::failed(ErrorCode::Internal, why.clone());
                let mut session = plan.session();
                let reason = AbortReason::BridgeProtocol { detail: why };
                session.abort(std::time::Duration::ZERO, reason);
                while let Some(event) = session.poll_event() {
                    record.push(event);
                }
                Err(Answer::Session(plan.label.clone(), Box::new(record)))
            }
        }
    }

    /// Hands an action's answer to the running check, then moves on.
    fn answer(this: &Rc<RefCell<Self>>, answer: Answer) {
        {
            let mut d = this.borrow_mut();
            let Some(run) = d.run.as_mut() else {
                return;
            };
            run.link = None;
            if let Some(check) = run.check.as_mut() {
                // An Err is an answer nobody asked for: impossible here, as
                // each answer comes from the action just polled.
                let _ = match answer {
                    Answer::Resolved(name, rtype, records) => {
                        check.handle_resolved(&name, rtype, &records)
                    }
                    Answer::ResolveError(name, rtype, code, message) => {
                        check.handle_resolve_error(&name, rtype, code, &message)
                    }
                    Answer::Session(label, record) => check.handle_session(&label, &record),
                };
            }
        }
        Self::advance(this);
    }

    fn tick(this: &Rc<RefCell<Self>>) {
        let answer = {
            let mut d = this.borrow_mut();
            let Some(ActionLink {
                kind:
                    LinkKind::Session {
                        link,
                        label,
                        record,
                    },
                ..
            }) = d.run.as_mut().and_then(|r| r.link.as_mut())
            else {
                return;
            };
            let events = link.tick();
            collect(link, label, record, events)
        };
        if let Some(answer) = answer {
            Self::answer(this, answer);
        }
    }

    fn on_socket_event(this: &Rc<RefCell<Self>>, id: u64, event: SocketEvent) {
        let answer = {
            let mut d = this.borrow_mut();
            let Some(link) = d
                .run
                .as_mut()
                .and_then(|r| r.link.as_mut())
                .filter(|l| l.id == id)
            else {
                return;
            };
            match &mut link.kind {
                LinkKind::Resolve {
                    socket,
                    name,
                    rtype,
                } => on_resolve_event(socket, name, *rtype, event),
                LinkKind::Session {
                    link,
                    label,
                    record,
                } => {
                    let events = link.handle(event);
                    collect(link, label, record, events)
                }
            }
        };
        if let Some(answer) = answer {
            Self::answer(this, answer);
        }
    }
}

/// The answer a resolve socket's event gives, if any.
fn on_resolve_event(
    socket: &Socket,
    name: &str,
    rtype: RecordType,
    event: SocketEvent,
) -> Option<Answer> {
    match event {
        SocketEvent::Control(ServerMessage::Hello { .. }) => {
            socket.send_control(&ClientMessage::Resolve {
                name: name.to_owned(),
                rtype,
                id: None,
            });
            None
        }
        SocketEvent::Control(ServerMessage::Resolved {
            name: answered,
            rtype: t,
            records,
            ..
        }) => Some(Answer::Resolved(answered, t, records)),
        SocketEvent::Control(ServerMessage::Error { code, message }) => {
            Some(Answer::ResolveError(name.to_owned(), rtype, code, message))
        }
        SocketEvent::Closed { code } => Some(Answer::ResolveError(
            name.to_owned(),
            rtype,
            ErrorCode::Internal,
            format!("the WebSocket closed ({code}) before an answer"),
        )),
        _ => None,
    }
}

/// Adds a session link's events to its record; the answer once finished.
/// A session that never reached `connected` is recorded as failed with
/// the bridge's code (or what ended it).
fn collect(
    link: &LinkSocket,
    label: &str,
    record: &mut Option<SessionRecord>,
    events: Vec<LinkEvent>,
) -> Option<Answer> {
    let mut finished = false;
    for event in events {
        match event {
            LinkEvent::Connected { peer, connect_ms } => {
                *record = Some(SessionRecord::connected(peer, connect_ms));
            }
            LinkEvent::Aborted(reason) if record.is_none() => {
                let (code, message) = match reason {
                    AbortReason::Bridge { error, message, .. } => (error, message),
                    AbortReason::VersionMismatch { found, .. } => (
                        ErrorCode::BadRequest,
                        format!("bridge protocol version {found}"),
                    ),
                    AbortReason::BridgeGone if link.link().is_greeted() => {
                        (ErrorCode::Reset, reason.to_string())
                    }
                    other => (ErrorCode::Internal, other.to_string()),
                };
                *record = Some(SessionRecord::failed(code, message));
            }
            LinkEvent::Engine(event) => {
                finished |= matches!(event, Event::Finished(_));
                if let Some(record) = record.as_mut() {
                    record.push(event);
                }
            }
            _ => {}
        }
    }
    if !finished {
        return None;
    }
    let mut record = record.take()?;
    record.greeting_first_byte_at = link
        .link()
        .session()
        .and_then(|s| s.greeting_first_byte_at());
    Some(Answer::Session(label.to_owned(), Box::new(record)))
}
