//! The WebSocket of a check's pending action ([`ActionLink`]): a
//! `resolve` or `fetch_mta_sts` ([`Request`]), or a session through the
//! shared bridge link (to the address the plan names, when it names one),
//! and the [`Answer`] it gives.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use smtplab_shared::diagnose::{Action, PlannedSession, SessionRecord};
use smtplab_shared::link::{Link, LinkEvent};
use smtplab_shared::smtp::{AbortReason, Event, Session, TlsMode};
use smtplab_shared::tls::{TlsOptions, TlsSetupError, TrustAnchor};
use smtplab_shared::wire::ErrorCode;

use super::answer::Answer;
use super::request::Request;
use super::Driver;
use crate::browser;
use crate::link_socket::LinkSocket;
use crate::socket::{Socket, SocketEvent};
use crate::tls_setup;
use crate::trust_anchors::PublicRoots;

/// The WebSocket of one pending action.
pub(super) struct ActionLink {
    /// Socket id.
    id: u64,
    /// What it carries.
    kind: LinkKind,
}

/// What an action's WebSocket carries.
enum LinkKind {
    /// A `resolve` or `fetch_mta_sts`.
    Request {
        /// The socket.
        socket: Socket,
        /// What was asked.
        request: Request,
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

impl Driver {
    /// Opens the WebSocket `action` needs; its answer at once when it
    /// cannot be opened.
    pub(super) fn open_action(
        this: &Rc<RefCell<Self>>,
        id: u64,
        action: Action,
    ) -> Result<ActionLink, Answer> {
        let request = match action {
            Action::Resolve { name, rtype } => Request::Resolve { name, rtype },
            Action::FetchMtaSts { domain } => Request::Fetch { domain },
            Action::RunSession(plan) => return Self::open_session(this, id, &plan),
        };
        match Self::open(this, id) {
            Ok(socket) => Ok(ActionLink {
                id,
                kind: LinkKind::Request { socket, request },
            }),
            Err(why) => Err(request.failed(ErrorCode::Internal, why)),
        }
    }

    /// Opens a WebSocket whose events come back with `id`.
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

    /// Opens the link of a planned session; the failed record when the
    /// socket cannot be opened.
    fn open_session(
        this: &Rc<RefCell<Self>>,
        id: u64,
        plan: &PlannedSession,
    ) -> Result<ActionLink, Answer> {
        let session = {
            let d = this.borrow();
            let Some(run) = d.run.as_ref() else {
                return Err(aborted(plan, "the run was cancelled".to_owned()));
            };
            planned_session(plan, &run.tls, &run.roots)
        };
        let session = session.map_err(|why| aborted(plan, why))?;
        match Self::open(this, id) {
            Ok(socket) => {
                let mut engine = Link::engine(session);
                if plan.connect_host.is_some() {
                    engine = engine.connecting_to(plan.connect_to());
                }
                let link = Box::new(LinkSocket::new(socket, engine));
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

    /// Runs the session link's timer (the engine's deadline).
    pub(super) fn tick(this: &Rc<RefCell<Self>>) {
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

    /// Routes a socket event to the pending action it belongs to.
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
                LinkKind::Request { socket, request } => request.on_event(socket, event),
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

/// The engine for `plan`: with a TLS context from the guided session's
/// choices when the plan asks for TLS.
///
/// A session that sends credentials (AUTH) uses those choices as they are:
/// a certificate that does not verify stops it before any password goes
/// out. A session without credentials on "STARTTLS when offered" is
/// opportunistic, as mail servers are with each other (RFC 7435): the
/// certificate is checked and reported but does not stop it, so an MX
/// reached by its address, or with a private certificate, is still tested.
fn planned_session(
    plan: &PlannedSession,
    tls: &TlsOptions,
    roots: &Result<PublicRoots, String>,
) -> Result<Session, String> {
    if plan.spec.tls == TlsMode::None {
        return Ok(plan.session());
    }
    let opportunistic = TlsOptions {
        verify: false,
        ..tls.clone()
    };
    let tls = if plan.spec.auth.is_none() && plan.spec.tls == TlsMode::StartTlsIfOffered {
        &opportunistic
    } else {
        tls
    };
    let public: &[TrustAnchor<'static>] = match (tls.mozilla_roots, roots) {
        (false, _) => &[],
        (true, Ok(roots)) => roots,
        (true, Err(why)) => {
            return Err(TlsSetupError::PublicRootsUnavailable(why.clone()).to_string())
        }
    };
    tls_setup::context(tls, public)
        .map(|ctx| plan.session_with_tls(ctx))
        .map_err(|e| e.to_string())
}

/// The answer for a session that could not start: `why` (TLS setup).
fn aborted(plan: &PlannedSession, why: String) -> Answer {
    let mut record = SessionRecord::failed(ErrorCode::Internal, why.clone());
    let mut session = plan.session();
    session.abort(
        std::time::Duration::ZERO,
        AbortReason::TlsSetup { detail: why },
    );
    while let Some(event) = session.poll_event() {
        record.push(event);
    }
    Answer::Session(plan.label.clone(), Box::new(record))
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
