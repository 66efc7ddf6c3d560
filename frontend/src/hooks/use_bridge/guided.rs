//! A guided run: one WebSocket carrying one engine session through a
//! [`LinkSocket`]. The link sequences everything; this turns what it
//! reports into transcript notes and [`RunAction::Engine`], runs its timer,
//! and asks for the public root CAs first when the run trusts them. While
//! the message goes out it samples the link's byte count
//! ([`RunAction::DataProgress`]) on a short timer of its own: the count
//! moves as the WebSocket drains, which raises no event.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use smtplab_shared::link::{Link, LinkEvent};
use smtplab_shared::smtp::{Event, Session, SessionSpec, StepList, TlsMode};
use smtplab_shared::tls::{TlsOptions, TlsSetupError, TrustAnchor};

use super::{bridge_note, on_hello, Driver, TICK_MS};
use crate::form::FormError;
use crate::hooks::batched_dispatch::BatchedDispatch;
use crate::link_socket::LinkSocket;
use crate::note::Note;
use crate::socket::SocketEvent;
use crate::state::run::DataProgress;
use crate::state::{Action, FormAction, RunAction};
use crate::tls_setup;
use crate::trust_anchors::{self, PublicRoots};

/// One guided run: its socket id, its link and the timer that checks the
/// engine's deadline.
pub(super) struct GuidedRun {
    /// Socket id.
    id: u64,
    /// The WebSocket and the engine.
    link: LinkSocket,
    /// Checks the engine's deadline.
    timer: Option<Interval>,
    /// Sends the next slice of a big message (the link's backlog) on the
    /// next task, so the page stays responsive while it goes out.
    pump: Option<Timeout>,
    /// The engine's `Finished` was forwarded.
    finished: bool,
    /// Samples the message's progress while it goes out.
    sampler: Option<Interval>,
    /// The progress last reported.
    reported: Option<DataProgress>,
}

/// How often the message's progress is sampled. Each change costs a render
/// of the page, and while the main thread renders the browser hands the
/// WebSocket's buffer to the network no further: a few times a second reads
/// as moving without slowing the send it reports.
const PROGRESS_MS: u32 = 250;

/// What the driver does after a run's link events were forwarded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RunFlow {
    /// Nothing more.
    Going,
    /// The run is over: tell the state.
    Ended,
    /// The WebSocket closed before `hello`: find out why.
    Diagnose,
}

impl GuidedRun {
    fn note(&self, dispatch: &BatchedDispatch, error: bool, note: Note) {
        dispatch.dispatch(Action::Run(RunAction::Note {
            at_ms: self.link.at_ms(),
            error,
            note,
        }));
    }

    /// Reports the message's progress if it changed since last time.
    fn report_progress(&mut self, dispatch: &BatchedDispatch) {
        let progress = self.link.data_progress();
        if progress.is_none() || progress == self.reported {
            return;
        }
        self.reported = progress;
        if let Some(progress) = progress {
            dispatch.dispatch(Action::Run(RunAction::DataProgress {
                at_ms: self.link.at_ms(),
                progress,
            }));
        }
    }

    /// The spec's host and port.
    fn target(&self) -> (String, u16) {
        self.link
            .link()
            .session()
            .map(|s| (s.spec().host.clone(), s.spec().port))
            .unwrap_or_default()
    }

    /// Turns the link's events into notes and engine actions, in order.
    fn forward(&mut self, dispatch: &BatchedDispatch, events: Vec<LinkEvent>) -> RunFlow {
        let mut flow = RunFlow::Going;
        let (host, port) = self.target();
        for event in events {
            match event {
                LinkEvent::Hello { version, policy } => {
                    // On a version mismatch the link gives up; its abort
                    // and the verdict follow.
                    let target = format!("{host}:{port}");
                    let (error, note) = on_hello(dispatch, version, policy, target);
                    self.note(dispatch, error, note);
                }
                LinkEvent::Engine(event) => {
                    self.finished |= matches!(event, Event::Finished(_));
                    dispatch.dispatch(Action::Run(RunAction::Engine {
                        at_ms: self.link.at_ms(),
                        event,
                    }));
                }
                LinkEvent::WebSocketClosed { code } => {
                    self.timer = None;
                    flow = if self.finished {
                        RunFlow::Ended
                    } else if self.link.link().is_greeted() {
                        self.note(dispatch, true, Note::WebSocketClosed(code.unwrap_or(1006)));
                        RunFlow::Ended
                    } else {
                        RunFlow::Diagnose
                    };
                }
                other => {
                    if let Some((error, note)) = bridge_note(other, &host, port) {
                        self.note(dispatch, error, note);
                    }
                }
            }
        }
        flow
    }
}

impl Driver {
    /// Whether a run is going or about to start.
    fn is_busy(&self) -> bool {
        self.loading_roots || self.run.as_ref().is_some_and(|r| !r.link.is_ended())
    }

    pub(super) fn start_run(this: &Rc<RefCell<Self>>, spec: SessionSpec, tls: &TlsOptions) {
        if this.borrow().is_busy() {
            return;
        }
        if spec.tls == TlsMode::None || !tls.mozilla_roots {
            Self::begin_run(this, spec, tls, &[]);
            return;
        }
        if let Some(roots) = trust_anchors::cached() {
            Self::begin_run(this, spec, tls, &roots);
            return;
        }
        // The first TLS run of the page: fetch the public roots, then start.
        this.borrow_mut().loading_roots = true;
        let weak = Rc::downgrade(this);
        let tls = tls.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let loaded: Result<PublicRoots, String> = trust_anchors::load().await;
            let Some(driver) = weak.upgrade() else {
                return;
            };
            driver.borrow_mut().loading_roots = false;
            match loaded {
                Ok(roots) => Self::begin_run(&driver, spec, &tls, &roots),
                Err(why) => {
                    let error = FormError::TlsSetup(TlsSetupError::PublicRootsUnavailable(why));
                    driver
                        .borrow()
                        .dispatch
                        .dispatch(Action::Form(FormAction::Invalid(error)));
                }
            }
        });
    }

    /// Starts a run with `public_roots` (empty when the run does not trust
    /// them).
    fn begin_run(
        this: &Rc<RefCell<Self>>,
        spec: SessionSpec,
        tls: &TlsOptions,
        public_roots: &[TrustAnchor<'static>],
    ) {
        if this.borrow().is_busy() {
            return;
        }
        let session = match new_session(spec, tls, public_roots) {
            Ok(session) => session,
            Err(e) => {
                this.borrow()
                    .dispatch
                    .dispatch(Action::Form(FormAction::Invalid(FormError::TlsSetup(e))));
                return;
            }
        };
        let id = {
            let mut d = this.borrow_mut();
            // Dropping the previous run's link closes its socket and timer;
            // its handlers are not running now (this is a UI event).
            d.run = None;
            d.take_id()
        };
        let dispatch = this.borrow().dispatch.clone();
        dispatch.dispatch(Action::Run(RunAction::Started {
            target: format!("{}:{}", session.spec().host, session.spec().port),
            steps: StepList::for_spec(session.spec()),
        }));
        match Self::open(this, id, Self::on_run_event) {
            Ok(socket) => {
                let weak = Rc::downgrade(this);
                let timer = Interval::new(TICK_MS, move || {
                    if let Some(driver) = weak.upgrade() {
                        Self::drive(&driver, id, LinkSocket::tick);
                    }
                });
                let run = GuidedRun {
                    id,
                    link: LinkSocket::new(socket, Link::engine(session)),
                    timer: Some(timer),
                    pump: None,
                    finished: false,
                    sampler: None,
                    reported: None,
                };
                run.note(&dispatch, false, Note::OpeningWebSocket);
                this.borrow_mut().run = Some(run);
            }
            Err(note) => {
                dispatch.dispatch(Action::Run(RunAction::Note {
                    at_ms: 0,
                    error: true,
                    note,
                }));
                dispatch.dispatch(Action::Run(RunAction::Ended));
                dispatch.flush();
            }
        }
    }

    pub(super) fn cancel_run(&mut self) {
        let dispatch = self.dispatch.clone();
        if let Some(run) = self.run.as_mut() {
            let events = run.link.cancel();
            run.forward(&dispatch, events);
            dispatch.flush();
        }
    }

    fn on_run_event(this: &Rc<RefCell<Self>>, id: u64, event: SocketEvent) {
        Self::drive(this, id, |link| link.handle(event));
    }

    /// Sends the next slice of the run's backlog on a later task, unless
    /// one is already due.
    fn schedule_pump(this: &Rc<RefCell<Self>>, id: u64) {
        let mut d = this.borrow_mut();
        let Some(run) = d.run.as_mut().filter(|r| r.id == id) else {
            return;
        };
        if run.pump.is_some() || !run.link.has_backlog() {
            return;
        }
        let weak = Rc::downgrade(this);
        run.pump = Some(Timeout::new(0, move || {
            if let Some(driver) = weak.upgrade() {
                if let Some(run) = driver.borrow_mut().run.as_mut().filter(|r| r.id == id) {
                    run.pump = None;
                }
                Self::drive(&driver, id, LinkSocket::pump);
            }
        }));
    }

    /// Reports the message's progress when it starts or ends (in between
    /// the sampler does, at its pace rather than at every slice), and keeps
    /// the sampler for exactly as long as the message step runs. The
    /// sampler is never dropped here from its own callback: it only calls
    /// [`Self::sample_progress`].
    fn follow_progress(this: &Rc<RefCell<Self>>, run: &mut GuidedRun, dispatch: &BatchedDispatch) {
        let metering = run.link.is_metering();
        if run.reported.is_none() || !metering {
            run.report_progress(dispatch);
        }
        if !metering {
            run.sampler = None;
        } else if run.sampler.is_none() {
            let weak = Rc::downgrade(this);
            let id = run.id;
            run.sampler = Some(Interval::new(PROGRESS_MS, move || {
                if let Some(driver) = weak.upgrade() {
                    Self::sample_progress(&driver, id);
                }
            }));
        }
    }

    /// The sampler's tick: reports the progress if it moved.
    fn sample_progress(this: &Rc<RefCell<Self>>, id: u64) {
        let mut d = this.borrow_mut();
        let dispatch = d.dispatch.clone();
        if let Some(run) = d.run.as_mut().filter(|r| r.id == id) {
            if run.link.is_metering() {
                run.report_progress(&dispatch);
            }
        }
    }

    /// Runs one input of the run's link (`input`), forwards what it
    /// reported, and keeps a backlog moving.
    fn drive(
        this: &Rc<RefCell<Self>>,
        id: u64,
        input: impl FnOnce(&mut LinkSocket) -> Vec<LinkEvent>,
    ) {
        let mut d = this.borrow_mut();
        let dispatch = d.dispatch.clone();
        let Some(run) = d.run.as_mut().filter(|r| r.id == id) else {
            return;
        };
        let events = input(&mut run.link);
        let flow = run.forward(&dispatch, events);
        Self::follow_progress(this, run, &dispatch);
        let backlog = run.link.has_backlog();
        if run.link.is_done() || !matches!(flow, RunFlow::Going) {
            // The verdict is ready: show it now, not at the next frame.
            dispatch.flush();
        }
        match flow {
            RunFlow::Going => {
                drop(d);
                if backlog {
                    Self::schedule_pump(this, id);
                }
            }
            RunFlow::Ended => {
                dispatch.dispatch(Action::Run(RunAction::Ended));
                dispatch.flush();
            }
            RunFlow::Diagnose => {
                drop(d);
                Self::diagnose(this, move |driver, problem| {
                    let d = driver.borrow();
                    if let Some(run) = d.run.as_ref().filter(|r| r.id == id) {
                        run.note(&d.dispatch, true, Note::Problem(problem));
                    }
                    d.dispatch.dispatch(Action::Run(RunAction::Ended));
                    d.dispatch.flush();
                });
            }
        }
    }
}

/// The engine for `spec`, with the tab's TLS context when the spec asks
/// for TLS.
fn new_session(
    spec: SessionSpec,
    tls: &TlsOptions,
    public_roots: &[TrustAnchor<'static>],
) -> Result<Session, TlsSetupError> {
    if spec.tls == TlsMode::None {
        return Ok(Session::new(spec));
    }
    Ok(Session::with_tls(
        spec,
        tls_setup::context(tls, public_roots)?,
    ))
}
