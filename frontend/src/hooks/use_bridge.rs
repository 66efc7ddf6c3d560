//! `use_bridge`: the browser driver of `smtplab_shared::smtp::Session`.
//!
//! The hook owns every WebSocket to the bridge (a probe at mount for the
//! `hello` policy, one per guided run, one for the raw console) and the
//! engine, in a `use_mut_ref`. Like quinn's tokio driver it stays dumb: a
//! guided run's [`SessionLink`] feeds the engine what happened and drains
//! it into the socket; this hook turns the link's outputs into transcript
//! notes and [`Action::Engine`], and calls [`SessionLink::tick`] on a
//! timer. No SMTP sequencing happens here.
//!
//! Each WebSocket carries one TCP connection (the bridge's rule), so every
//! run opens a fresh one. Events of an older socket are ignored by id.
//!
//! A run whose spec asks for TLS gets `Session::with_tls` and a context
//! from [`tls_setup`](crate::tls_setup) (ring, `Date.now()`); the
//! engine then does the handshake itself and the socket carries
//! ciphertext. When the run trusts the public root CAs, their list is
//! first fetched from the bridge ([`trust_anchors`](crate::trust_anchors),
//! once per page). A pasted CA that cannot be used, or a list that cannot
//! be loaded, refuses the run before any socket opens.

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::time::Duration;

use gloo_timers::callback::Interval;
use smtplab_shared::smtp::{ReplyParser, Session, SessionSpec, TlsMode};
use smtplab_shared::tls::{TlsOptions, TlsSetupError, TrustAnchor};
use smtplab_shared::wire::{ClientMessage, ErrorCode, ServerMessage, PROTOCOL_VERSION};
use yew::prelude::*;

use super::batched_dispatch::BatchedDispatch;
use crate::browser;
use crate::form::FormError;
use crate::i18n::{t, Lang, Msg};
use crate::note::Note;
use crate::problem::BridgeProblem;
use crate::session_link::{LinkOutput, SessionLink};
use crate::socket::{Socket, SocketEvent};
use crate::state::{plan, Action, BridgeStatus, ConsoleStatus, State};
use crate::tls_setup;
use crate::trust_anchors::{self, PublicRoots};

/// How often the engine's deadline is checked; SMTP timeouts are seconds.
const TICK_MS: u32 = 200;

/// What components may ask of the bridge. Stable for the page's lifetime.
#[derive(Clone, PartialEq)]
pub struct BridgeHandle {
    /// Start a guided session (ignored while one runs) with the form's
    /// TLS choices (used when the spec asks for TLS).
    pub run: Callback<(SessionSpec, TlsOptions)>,
    /// Cancel the running guided session.
    pub cancel: Callback<()>,
    /// Open the raw console to `host:port`.
    pub console_connect: Callback<(String, u16)>,
    /// Send one typed line (or several, one per line) on the console.
    pub console_send: Callback<String>,
    /// Close the console connection.
    pub console_disconnect: Callback<()>,
}

/// Opens the probe WebSocket at mount and returns the [`BridgeHandle`].
/// `lang` is the page's language, for the words handed to the engine
/// (an aborted session's reason).
#[hook]
pub fn use_bridge(dispatch: UseReducerDispatcher<State>, lang: Lang) -> BridgeHandle {
    let driver = use_mut_ref(|| Driver::new(dispatch));
    {
        let driver = driver.clone();
        use_effect_with(lang, move |lang| driver.borrow_mut().lang = *lang);
    }
    {
        let driver = driver.clone();
        use_effect_with((), move |()| {
            let token = browser::take_token();
            driver.borrow_mut().token = token;
            Driver::probe(&driver);
            move || driver.borrow_mut().shutdown()
        });
    }
    let handle = use_memo((), move |()| {
        let d = Rc::clone(&driver);
        let run = Callback::from(move |(spec, tls): (SessionSpec, TlsOptions)| {
            Driver::start_run(&d, spec, &tls)
        });
        let d = Rc::clone(&driver);
        let cancel = Callback::from(move |()| d.borrow_mut().cancel_run());
        let d = Rc::clone(&driver);
        let console_connect =
            Callback::from(move |(host, port)| Driver::console_connect(&d, host, port));
        let d = Rc::clone(&driver);
        let console_send = Callback::from(move |line: String| d.borrow_mut().console_send(&line));
        let d = driver;
        let console_disconnect = Callback::from(move |()| d.borrow_mut().console_disconnect());
        BridgeHandle {
            run,
            cancel,
            console_connect,
            console_send,
            console_disconnect,
        }
    });
    (*handle).clone()
}

/// The driver's state, shared by the hook's callbacks and the socket and
/// timer handlers (through a `Weak`, so nothing outlives the component).
struct Driver {
    /// Where actions go: queued, at most one render per frame.
    dispatch: BatchedDispatch,
    /// The access token, from the page address or the tab's `sessionStorage`.
    token: Option<String>,
    /// The page's language.
    lang: Lang,
    /// Id of the next socket; events carry it, stale ones are dropped.
    next_id: u64,
    /// The WebSocket opened at mount to learn the policy.
    probe: Option<ProbeLink>,
    /// The current or last guided run.
    run: Option<GuidedRun>,
    /// The raw console.
    console: Option<ConsoleLink>,
    /// A run waits for the public root CAs from the bridge; further
    /// starts are ignored meanwhile.
    loading_roots: bool,
}

/// One guided run: its socket id, its link (socket and engine) and the
/// timer that checks the engine's deadline.
struct GuidedRun {
    /// Socket id.
    id: u64,
    /// The WebSocket and the engine.
    link: SessionLink,
    /// Checks the engine's deadline.
    timer: Option<Interval>,
}

/// What the driver does after a guided run's link outputs were forwarded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RunFlow {
    /// Nothing more.
    Going,
    /// The run is over: tell the state.
    Ended,
    /// The WebSocket closed before `hello`: find out why.
    Diagnose,
}

/// The raw console's connection.
struct ConsoleLink {
    /// Socket id.
    id: u64,
    /// The WebSocket.
    socket: Socket,
    /// Assembles server replies.
    parser: ReplyParser,
    /// `performance.now()` when the console connected.
    started_ms: f64,
    /// `host:port`.
    target: String,
    /// Host and port to connect to.
    host: String,
    /// As above.
    port: u16,
    /// `hello` arrived.
    greeted: bool,
    /// The bridge said `connected`.
    connected: bool,
    /// The WebSocket is closed.
    ended: bool,
}

fn since(started_ms: f64) -> Duration {
    Duration::from_secs_f64(((browser::now_ms() - started_ms) / 1000.0).max(0.0))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl GuidedRun {
    fn note(&self, dispatch: &BatchedDispatch, error: bool, note: Note) {
        dispatch.dispatch(Action::RunNote {
            at_ms: millis(self.link.now()),
            error,
            note,
        });
    }

    /// Ends the session with `words` and forwards what that drained.
    fn abort(&mut self, dispatch: &BatchedDispatch, lang: Lang, words: String) {
        let mut out = Vec::new();
        self.link.abort(words, &mut out);
        self.forward(dispatch, lang, out);
    }

    /// Turns the link's outputs into notes and engine actions, in order.
    fn forward(&mut self, dispatch: &BatchedDispatch, lang: Lang, out: Vec<LinkOutput>) -> RunFlow {
        let mut flow = RunFlow::Going;
        for output in out {
            match output {
                LinkOutput::Hello { version, policy } => {
                    if self.link.is_finished() {
                        // Cancelled while the WebSocket was opening; the
                        // link sent `close`.
                        continue;
                    }
                    if version != PROTOCOL_VERSION {
                        let problem = BridgeProblem::Version(version);
                        let words = problem.describe(lang);
                        dispatch.dispatch(Action::Bridge(BridgeStatus::Problem(problem.clone())));
                        self.note(dispatch, true, Note::Problem(problem));
                        self.abort(dispatch, lang, words);
                        continue;
                    }
                    dispatch.dispatch(Action::Bridge(BridgeStatus::Ready(policy)));
                    let spec = self.link.session().spec();
                    let target = format!("{}:{}", spec.host, spec.port);
                    self.note(dispatch, false, Note::ConnectingVia(target));
                }
                LinkOutput::Connected { peer, connect_ms } => {
                    self.note(dispatch, false, connected_note(peer, connect_ms));
                }
                LinkOutput::BridgeError {
                    code,
                    message,
                    before_connect,
                } => {
                    let spec = self.link.session().spec();
                    let note = Note::BridgeError {
                        code,
                        message,
                        host: spec.host.clone(),
                        port: spec.port,
                    };
                    let words = note.describe(lang);
                    self.note(dispatch, true, note);
                    if before_connect {
                        self.abort(dispatch, lang, words);
                    }
                }
                LinkOutput::Closed { by, reason } => {
                    self.note(dispatch, false, Note::Closed { by, reason });
                }
                LinkOutput::Engine(event) => {
                    dispatch.dispatch(Action::Engine {
                        at_ms: millis(self.link.now()),
                        event: *event,
                    });
                }
                LinkOutput::Malformed(why) => self.note(dispatch, true, Note::Malformed(why)),
                LinkOutput::Ended {
                    code,
                    greeted,
                    finished,
                } => {
                    self.timer = None;
                    flow = if finished {
                        RunFlow::Ended
                    } else if greeted {
                        self.note(dispatch, true, Note::WebSocketClosed(code));
                        // A connected session is told of the close by the
                        // link (its events follow); otherwise it is aborted.
                        if !self.link.is_connected() {
                            self.abort(
                                dispatch,
                                lang,
                                t(lang, Msg::BridgeClosedWebSocket).to_owned(),
                            );
                        }
                        RunFlow::Ended
                    } else {
                        RunFlow::Diagnose
                    };
                }
            }
        }
        flow
    }
}

impl ConsoleLink {
    fn at_ms(&self) -> u64 {
        millis(since(self.started_ms))
    }

    fn note(&self, dispatch: &BatchedDispatch, error: bool, note: Note) {
        dispatch.dispatch(Action::ConsoleNote {
            at_ms: self.at_ms(),
            error,
            note,
        });
    }
}

impl Driver {
    fn new(dispatch: UseReducerDispatcher<State>) -> Self {
        Self {
            dispatch: BatchedDispatch::new(dispatch),
            token: None,
            lang: Lang::En,
            next_id: 1,
            probe: None,
            run: None,
            console: None,
            loading_roots: false,
        }
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn open(
        this: &Rc<RefCell<Self>>,
        id: u64,
        route: fn(&Rc<RefCell<Self>>, u64, SocketEvent),
    ) -> Result<Socket, Note> {
        let url = browser::page_ws_url(this.borrow().token.as_deref()).ok_or(Note::NoLocation)?;
        let weak: Weak<RefCell<Self>> = Rc::downgrade(this);
        Socket::open(
            &url,
            Rc::new(move |event| {
                if let Some(driver) = weak.upgrade() {
                    route(&driver, id, event);
                }
            }),
        )
        .map_err(Note::CannotOpen)
    }

    /// After a socket closed before `hello`: find out why, then report it.
    fn diagnose(
        this: &Rc<RefCell<Self>>,
        report: impl FnOnce(&Rc<RefCell<Self>>, BridgeProblem) + 'static,
    ) {
        let weak = Rc::downgrade(this);
        let token = this.borrow().token.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let problem = browser::diagnose(token.as_deref()).await;
            if let Some(driver) = weak.upgrade() {
                let dispatch = driver.borrow().dispatch.clone();
                dispatch.dispatch(Action::Bridge(BridgeStatus::Problem(problem.clone())));
                report(&driver, problem);
            }
        });
    }

    fn shutdown(&mut self) {
        self.probe = None;
        self.run = None;
        self.console = None;
    }

    // ---- the probe ----

    fn probe(this: &Rc<RefCell<Self>>) {
        let id = this.borrow_mut().take_id();
        match Self::open(this, id, Self::on_probe_event) {
            Ok(socket) => {
                this.borrow_mut().probe = Some(ProbeLink {
                    id,
                    socket,
                    greeted: false,
                })
            }
            Err(_) => Self::diagnose(this, |_, _| {}),
        }
    }

    fn on_probe_event(this: &Rc<RefCell<Self>>, id: u64, event: SocketEvent) {
        let mut d = this.borrow_mut();
        let dispatch = d.dispatch.clone();
        let Some(probe) = d.probe.as_mut().filter(|p| p.id == id) else {
            return;
        };
        match event {
            SocketEvent::Control(ServerMessage::Hello { version, policy }) => {
                probe.greeted = true;
                let status = if version == PROTOCOL_VERSION {
                    BridgeStatus::Ready(policy)
                } else {
                    BridgeStatus::Problem(BridgeProblem::Version(version))
                };
                dispatch.dispatch(Action::Bridge(status));
                // The probe only wanted `hello`: free the bridge's session slot.
                probe.socket.send_control(&ClientMessage::Close);
            }
            SocketEvent::Control(ServerMessage::Error {
                code: ErrorCode::Limit,
                message,
            }) => {
                dispatch.dispatch(Action::Bridge(BridgeStatus::Problem(BridgeProblem::Busy(
                    message,
                ))));
            }
            SocketEvent::Closed { .. } if !probe.greeted => {
                probe.greeted = true; // report once
                drop(d);
                Self::diagnose(this, |_, _| {});
            }
            _ => {}
        }
    }

    // ---- guided runs ----

    /// Whether a run is going or about to start.
    fn is_busy(&self) -> bool {
        self.loading_roots || self.run.as_ref().is_some_and(|r| !r.link.is_ended())
    }

    fn start_run(this: &Rc<RefCell<Self>>, spec: SessionSpec, tls: &TlsOptions) {
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
                        .dispatch(Action::FormInvalid(error));
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
                    .dispatch(Action::FormInvalid(FormError::TlsSetup(e)));
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
        dispatch.dispatch(Action::RunStarted {
            target: format!("{}:{}", session.spec().host, session.spec().port),
            plan: plan(session.spec()),
        });
        match Self::open(this, id, Self::on_run_event) {
            Ok(socket) => {
                let weak = Rc::downgrade(this);
                let timer = Interval::new(TICK_MS, move || {
                    if let Some(driver) = weak.upgrade() {
                        let mut d = driver.borrow_mut();
                        let dispatch = d.dispatch.clone();
                        let lang = d.lang;
                        if let Some(run) = d.run.as_mut().filter(|r| r.id == id) {
                            let mut out = Vec::new();
                            run.link.tick(&mut out);
                            run.forward(&dispatch, lang, out);
                        }
                    }
                });
                let run = GuidedRun {
                    id,
                    link: SessionLink::new(socket, session, PROTOCOL_VERSION),
                    timer: Some(timer),
                };
                run.note(&dispatch, false, Note::OpeningWebSocket);
                this.borrow_mut().run = Some(run);
            }
            Err(note) => {
                dispatch.dispatch(Action::RunNote {
                    at_ms: 0,
                    error: true,
                    note,
                });
                dispatch.dispatch(Action::RunEnded);
                dispatch.flush();
            }
        }
    }

    fn cancel_run(&mut self) {
        let dispatch = self.dispatch.clone();
        let lang = self.lang;
        let words = t(lang, Msg::CancelledByUser).to_owned();
        if let Some(run) = self.run.as_mut() {
            run.abort(&dispatch, lang, words);
        }
    }

    fn on_run_event(this: &Rc<RefCell<Self>>, id: u64, event: SocketEvent) {
        let mut d = this.borrow_mut();
        let dispatch = d.dispatch.clone();
        let lang = d.lang;
        let Some(run) = d.run.as_mut().filter(|r| r.id == id) else {
            return;
        };
        let mut out = Vec::new();
        run.link.handle(event, &mut out);
        let flow = run.forward(&dispatch, lang, out);
        if run.link.is_finished() || !matches!(flow, RunFlow::Going) {
            // The verdict is ready: show it now, not at the next frame.
            dispatch.flush();
        }
        match flow {
            RunFlow::Going => {}
            RunFlow::Ended => {
                dispatch.dispatch(Action::RunEnded);
                dispatch.flush();
                dispatch.flush();
            }
            RunFlow::Diagnose => {
                drop(d);
                Self::diagnose(this, move |driver, problem| {
                    let mut d = driver.borrow_mut();
                    let dispatch = d.dispatch.clone();
                    let lang = d.lang;
                    if let Some(run) = d.run.as_mut().filter(|r| r.id == id) {
                        let words = problem.describe(lang);
                        run.note(&dispatch, true, Note::Problem(problem));
                        run.abort(&dispatch, lang, words);
                    }
                    dispatch.dispatch(Action::RunEnded);
                    dispatch.flush();
                });
            }
        }
    }

    // ---- the raw console ----

    fn console_connect(this: &Rc<RefCell<Self>>, host: String, port: u16) {
        if this.borrow().console.as_ref().is_some_and(|c| !c.ended) {
            return;
        }
        let id = {
            let mut d = this.borrow_mut();
            d.console = None;
            d.take_id()
        };
        let dispatch = this.borrow().dispatch.clone();
        let target = format!("{host}:{port}");
        dispatch.dispatch(Action::ConsoleStatus(ConsoleStatus::Connecting(
            target.clone(),
        )));
        match Self::open(this, id, Self::on_console_event) {
            Ok(socket) => {
                let link = ConsoleLink {
                    id,
                    socket,
                    parser: ReplyParser::new(),
                    started_ms: browser::now_ms(),
                    target,
                    host,
                    port,
                    greeted: false,
                    connected: false,
                    ended: false,
                };
                link.note(&dispatch, false, Note::OpeningWebSocket);
                this.borrow_mut().console = Some(link);
            }
            Err(note) => {
                dispatch.dispatch(Action::ConsoleNote {
                    at_ms: 0,
                    error: true,
                    note,
                });
                dispatch.dispatch(Action::ConsoleStatus(ConsoleStatus::Disconnected));
            }
        }
    }

    fn console_send(&mut self, text: &str) {
        let dispatch = self.dispatch.clone();
        let Some(link) = self.console.as_ref().filter(|c| c.connected && !c.ended) else {
            dispatch.dispatch(Action::ConsoleNote {
                at_ms: 0,
                error: true,
                note: Note::NotConnected,
            });
            return;
        };
        for line in text.split('\n').map(|l| l.trim_end_matches('\r')) {
            let mut bytes = line.as_bytes().to_vec();
            bytes.extend_from_slice(b"\r\n");
            link.socket.send_bytes(&bytes);
            dispatch.dispatch(Action::ConsoleSent {
                at_ms: link.at_ms(),
                text: line.to_owned(),
            });
        }
        dispatch.dispatch(Action::ConsoleInput(String::new()));
    }

    fn console_disconnect(&mut self) {
        if let Some(link) = self.console.as_ref().filter(|c| !c.ended) {
            link.socket.send_control(&ClientMessage::Close);
        }
    }

    fn on_console_event(this: &Rc<RefCell<Self>>, id: u64, event: SocketEvent) {
        let mut d = this.borrow_mut();
        let dispatch = d.dispatch.clone();
        let Some(link) = d.console.as_mut().filter(|l| l.id == id && !l.ended) else {
            return;
        };
        match event {
            SocketEvent::Control(ServerMessage::Hello { policy, .. }) => {
                link.greeted = true;
                dispatch.dispatch(Action::Bridge(BridgeStatus::Ready(policy)));
                link.note(&dispatch, false, Note::ConnectingVia(link.target.clone()));
                link.socket.send_control(&ClientMessage::Connect {
                    host: link.host.clone(),
                    port: link.port,
                    timeout_ms: None,
                });
            }
            SocketEvent::Control(ServerMessage::Connected { peer, connect_ms }) => {
                link.connected = true;
                link.note(&dispatch, false, connected_note(peer, connect_ms));
                dispatch.dispatch(Action::ConsoleStatus(ConsoleStatus::Connected(
                    link.target.clone(),
                )));
            }
            SocketEvent::Control(ServerMessage::Error { code, message }) => {
                let note = Note::BridgeError {
                    code,
                    message,
                    host: link.host.clone(),
                    port: link.port,
                };
                link.note(&dispatch, true, note);
                if !link.connected {
                    link.socket.send_control(&ClientMessage::Close);
                }
            }
            SocketEvent::Control(ServerMessage::Closed { by, reason }) => {
                link.note(&dispatch, false, Note::Closed { by, reason });
            }
            SocketEvent::Bytes(bytes) => {
                link.parser.push(&bytes);
                let at_ms = link.at_ms();
                loop {
                    match link.parser.next_reply() {
                        Ok(Some(reply)) => dispatch.dispatch(Action::ConsoleReply { at_ms, reply }),
                        Ok(None) => break,
                        Err(e) => link.note(&dispatch, true, Note::NotAReply(e.to_string())),
                    }
                }
            }
            // DNS answers belong to the resolver's own sockets, not to these.
            SocketEvent::Control(ServerMessage::Resolved { .. }) => {}
            SocketEvent::Malformed(why) => {
                link.note(&dispatch, true, Note::Malformed(why));
            }
            SocketEvent::Failed => {}
            SocketEvent::Closed { .. } => {
                link.ended = true;
                dispatch.dispatch(Action::ConsoleStatus(ConsoleStatus::Disconnected));
                if !link.greeted {
                    drop(d);
                    Self::diagnose(this, |driver, problem| {
                        let d = driver.borrow();
                        if let Some(link) = &d.console {
                            link.note(&d.dispatch, true, Note::Problem(problem));
                        }
                    });
                }
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

/// The transcript note for the bridge's `connected`.
fn connected_note(peer: String, connect_ms: f64) -> Note {
    // A rounded, non-negative number of milliseconds is all the note shows.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let connect_ms = connect_ms.max(0.0).round() as u64;
    Note::Connected { peer, connect_ms }
}

/// The WebSocket opened at mount, only to read `hello`.
struct ProbeLink {
    /// Socket id.
    id: u64,
    /// The WebSocket.
    socket: Socket,
    /// `hello` arrived (or the failure was reported).
    greeted: bool,
}
