//! `use_bridge`: the tab's WebSockets to the bridge.
//!
//! The hook owns three kinds, one file each: the [`probe`] opened at mount
//! to read the bridge's `hello` (its policy, or why it cannot be used), a
//! [`guided`] run's socket carrying one engine session, and the raw
//! [`console`]'s socket. Each guided run and console connection is a
//! [`LinkSocket`](crate::link_socket::LinkSocket): frames in and out of
//! `smtplab_shared::link::Link`, which holds every rule of the bridge
//! protocol (the same link the end-to-end tests drive). This hook only
//! turns what the link reports into [`Action`]s and calls its timer.
//!
//! Each WebSocket carries one TCP connection (the bridge's rule), so every
//! run opens a fresh one. Events of an older socket are ignored by id.

mod console;
mod guided;
mod probe;

pub(crate) use console::ConsoleTarget;

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use smtplab_shared::link::LinkEvent;
use smtplab_shared::smtp::SessionSpec;
use smtplab_shared::tls::TlsOptions;
use smtplab_shared::wire::{PolicyInfo, PROTOCOL_VERSION};
use yew::prelude::*;

use super::batched_dispatch::BatchedDispatch;
use crate::browser;
use crate::note::Note;
use crate::problem::BridgeProblem;
use crate::socket::{Socket, SocketEvent};
use crate::state::{Action, BridgeStatus, State};

/// How often the engine's deadline is checked; SMTP timeouts are seconds.
const TICK_MS: u32 = 200;

/// What components may ask of the bridge. Stable for the page's lifetime.
#[derive(Clone, PartialEq)]
pub(crate) struct BridgeHandle {
    /// Start a guided session (ignored while one runs) with the form's
    /// TLS choices (used when the spec asks for TLS).
    pub(crate) run: Callback<(SessionSpec, TlsOptions)>,
    /// Cancel the running guided session.
    pub(crate) cancel: Callback<()>,
    /// Open the raw console (host, port, implicit TLS, the TLS choices).
    pub(crate) console_connect: Callback<ConsoleTarget>,
    /// Send one typed line (or several, one per line) on the console.
    pub(crate) console_send: Callback<String>,
    /// Close the console connection.
    pub(crate) console_disconnect: Callback<()>,
}

/// Opens the probe WebSocket at mount and returns the [`BridgeHandle`].
#[hook]
pub(crate) fn use_bridge(dispatch: UseReducerDispatcher<State>) -> BridgeHandle {
    let driver = use_mut_ref(|| Driver::new(dispatch));
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
            Driver::start_run(&d, spec, &tls);
        });
        let d = Rc::clone(&driver);
        let cancel = Callback::from(move |()| d.borrow_mut().cancel_run());
        let d = Rc::clone(&driver);
        let console_connect = Callback::from(move |target| Driver::console_connect(&d, target));
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
    /// Id of the next socket; events carry it, stale ones are dropped.
    next_id: u64,
    /// The WebSocket opened at mount to learn the policy.
    probe: Option<probe::ProbeLink>,
    /// The current or last guided run.
    run: Option<guided::GuidedRun>,
    /// The raw console.
    console: Option<console::ConsoleLink>,
    /// A run waits for the public root CAs from the bridge; further
    /// starts are ignored meanwhile.
    loading_roots: bool,
}

impl Driver {
    fn new(dispatch: UseReducerDispatcher<State>) -> Self {
        Self {
            dispatch: BatchedDispatch::new(dispatch),
            token: None,
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

    /// Opens a WebSocket whose events go to `route` with `id`.
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
}

/// A link's `hello`: the bridge status it means (ready, or a version
/// this tab does not speak), dispatched, and the transcript note for it,
/// with `true` for an error.
fn on_hello(
    dispatch: &BatchedDispatch,
    version: u32,
    policy: PolicyInfo,
    target: String,
) -> (bool, Note) {
    if version == PROTOCOL_VERSION {
        dispatch.dispatch(Action::Bridge(BridgeStatus::Ready(policy)));
        (false, Note::ConnectingVia(target))
    } else {
        let problem = BridgeProblem::Version(version);
        dispatch.dispatch(Action::Bridge(BridgeStatus::Problem(problem.clone())));
        (true, Note::Problem(problem))
    }
}

/// The transcript note for what a link reported about the bridge, with
/// `true` for an error; `None` for what is not a bridge note (engine
/// events, received bytes, `hello`, the WebSocket's close).
fn bridge_note(event: LinkEvent, host: &str, port: u16) -> Option<(bool, Note)> {
    match event {
        LinkEvent::Connected { peer, connect_ms } => {
            // A rounded, non-negative number of milliseconds is all the note shows.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let connect_ms = connect_ms.max(0.0).round() as u64;
            Some((false, Note::Connected { peer, connect_ms }))
        }
        LinkEvent::BridgeError { code, message } => Some((
            true,
            Note::BridgeError {
                code,
                message,
                host: host.to_owned(),
                port,
            },
        )),
        LinkEvent::Aborted(smtplab_shared::smtp::AbortReason::Bridge {
            error, message, ..
        }) => Some((
            true,
            Note::BridgeError {
                code: error,
                message,
                host: host.to_owned(),
                port,
            },
        )),
        LinkEvent::Aborted(smtplab_shared::smtp::AbortReason::BridgeProtocol { detail }) => {
            Some((true, Note::Malformed(detail)))
        }
        LinkEvent::Closed { by, reason } => Some((false, Note::Closed { by, reason })),
        LinkEvent::Hello { .. }
        | LinkEvent::Aborted(_)
        | LinkEvent::WebSocketClosed { .. }
        | LinkEvent::Received(_)
        | LinkEvent::TlsEstablished(_)
        | LinkEvent::TlsFailed(_)
        | LinkEvent::Engine(_) => None,
    }
}
