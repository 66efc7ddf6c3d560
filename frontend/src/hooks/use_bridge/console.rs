//! The raw console: a WebSocket carrying a raw [`Link`] to `host:port`.
//! Typed lines go out as they are (CRLF added); server bytes are parsed
//! into replies for the console transcript.
//!
//! TLS runs in the tab as for a guided run (the form's TLS choices: the
//! pasted CA, the public roots, verification): from the first byte with
//! implicit TLS, or after the server's 220 to a typed `STARTTLS`, when
//! this driver tells the link to start the handshake. Lines and replies
//! from then on are marked encrypted (`~>` / `<~`).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use smtplab_shared::link::{Link, LinkEvent};
use smtplab_shared::smtp::ReplyParser;
use smtplab_shared::tls::{TlsOptions, TrustAnchor};

use super::{bridge_note, on_hello, Driver};
use crate::form::FormError;
use crate::hooks::batched_dispatch::BatchedDispatch;
use crate::link_socket::LinkSocket;
use crate::note::Note;
use crate::socket::SocketEvent;
use crate::state::{Action, ConsoleAction, ConsoleStatus};
use crate::tls_setup;
use crate::trust_anchors::{self, PublicRoots};

/// What the console connects to, and with which TLS.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConsoleTarget {
    /// The server's host.
    pub(crate) host: String,
    /// Its port.
    pub(crate) port: u16,
    /// TLS from the first byte.
    pub(crate) implicit_tls: bool,
    /// The form's TLS choices (for implicit TLS and a typed STARTTLS).
    pub(crate) tls: TlsOptions,
}

/// The raw console's connection.
pub(super) struct ConsoleLink {
    /// Socket id.
    id: u64,
    /// The WebSocket and the raw link.
    link: LinkSocket,
    /// Assembles server replies.
    parser: ReplyParser,
    /// Host to connect to.
    host: String,
    /// Port to connect to.
    port: u16,
    /// A `STARTTLS` was typed and its reply has not come yet.
    starttls_sent: bool,
}

impl ConsoleLink {
    fn note(&self, dispatch: &BatchedDispatch, error: bool, note: Note) {
        dispatch.dispatch(Action::Console(ConsoleAction::Note {
            at_ms: self.link.at_ms(),
            error,
            note,
        }));
    }

    fn target(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Turns the link's events into console actions; true when the
    /// WebSocket closed before `hello` (the bridge itself is the problem).
    fn forward(&mut self, dispatch: &BatchedDispatch, events: Vec<LinkEvent>) -> bool {
        let mut diagnose = false;
        let mut queue = VecDeque::from(events);
        while let Some(event) = queue.pop_front() {
            match event {
                LinkEvent::Hello { version, policy } => {
                    let (error, note) = on_hello(dispatch, version, policy, self.target());
                    self.note(dispatch, error, note);
                }
                LinkEvent::Connected { .. } => {
                    dispatch.dispatch(Action::Console(ConsoleAction::Status(
                        ConsoleStatus::Connected(self.target()),
                    )));
                    if let Some((error, note)) = bridge_note(event, &self.host, self.port) {
                        self.note(dispatch, error, note);
                    }
                }
                LinkEvent::Received(bytes) => {
                    let encrypted = self.link.link().is_encrypted();
                    self.parser.push(&bytes);
                    let at_ms = self.link.at_ms();
                    loop {
                        match self.parser.next_reply() {
                            Ok(Some(reply)) => {
                                let go_tls = std::mem::take(&mut self.starttls_sent)
                                    && reply.code.as_u16() == 220;
                                dispatch.dispatch(Action::Console(ConsoleAction::Reply {
                                    at_ms,
                                    reply,
                                    encrypted,
                                }));
                                if go_tls {
                                    // RFC 3207: the handshake starts right
                                    // after the 220; nothing else is read
                                    // in plaintext.
                                    self.parser.reset();
                                    queue.extend(self.link.start_tls());
                                    break;
                                }
                            }
                            Ok(None) => break,
                            Err(e) => self.note(dispatch, true, Note::NotAReply(e.to_string())),
                        }
                    }
                }
                LinkEvent::TlsEstablished(report) => {
                    let note = Note::TlsEstablished {
                        protocol: report.protocol.clone(),
                        cipher: report.cipher_suite.clone(),
                    };
                    self.note(dispatch, false, note);
                }
                LinkEvent::TlsFailed(failure) => {
                    self.note(dispatch, true, Note::TlsFailed(failure));
                }
                LinkEvent::WebSocketClosed { .. } => {
                    dispatch.dispatch(Action::Console(ConsoleAction::Status(
                        ConsoleStatus::Disconnected,
                    )));
                    diagnose = !self.link.link().is_greeted();
                }
                other => {
                    if let Some((error, note)) = bridge_note(other, &self.host, self.port) {
                        self.note(dispatch, error, note);
                    }
                }
            }
        }
        diagnose
    }
}

impl Driver {
    pub(super) fn console_connect(this: &Rc<RefCell<Self>>, target: ConsoleTarget) {
        if this
            .borrow()
            .console
            .as_ref()
            .is_some_and(|c| !c.link.is_ended())
        {
            return;
        }
        if !target.tls.mozilla_roots {
            Self::open_console(this, target, &[]);
        } else if let Some(roots) = trust_anchors::cached() {
            Self::open_console(this, target, &roots);
        } else {
            // The first use of the public roots on this page: fetch them.
            let weak = Rc::downgrade(this);
            wasm_bindgen_futures::spawn_local(async move {
                let loaded: Result<PublicRoots, String> = trust_anchors::load().await;
                let Some(driver) = weak.upgrade() else {
                    return;
                };
                match loaded {
                    Ok(roots) => Self::open_console(&driver, target, &roots),
                    // Without them the console still connects: only a
                    // STARTTLS would fail, and it then says why.
                    Err(_) => Self::open_console(&driver, target, &[]),
                }
            });
        }
    }

    /// Opens the console's WebSocket with a raw link that can run TLS.
    fn open_console(
        this: &Rc<RefCell<Self>>,
        target: ConsoleTarget,
        public_roots: &[TrustAnchor<'static>],
    ) {
        let ConsoleTarget {
            host,
            port,
            implicit_tls,
            tls,
        } = target;
        let dispatch = this.borrow().dispatch.clone();
        let context = match tls_setup::context(&tls, public_roots) {
            Ok(context) => context,
            Err(e) => {
                dispatch.dispatch(Action::Console(ConsoleAction::Note {
                    at_ms: 0,
                    error: true,
                    note: Note::Form(FormError::TlsSetup(e)),
                }));
                return;
            }
        };
        let id = {
            let mut d = this.borrow_mut();
            d.console = None;
            d.take_id()
        };
        dispatch.dispatch(Action::Console(ConsoleAction::Status(
            ConsoleStatus::Connecting(format!("{host}:{port}")),
        )));
        match Self::open(this, id, Self::on_console_event) {
            Ok(socket) => {
                let console = ConsoleLink {
                    id,
                    link: LinkSocket::new(
                        socket,
                        Link::raw_with_tls(host.clone(), port, context, implicit_tls),
                    ),
                    parser: ReplyParser::new(),
                    host,
                    port,
                    starttls_sent: false,
                };
                console.note(&dispatch, false, Note::OpeningWebSocket);
                this.borrow_mut().console = Some(console);
            }
            Err(note) => {
                dispatch.dispatch(Action::Console(ConsoleAction::Note {
                    at_ms: 0,
                    error: true,
                    note,
                }));
                dispatch.dispatch(Action::Console(ConsoleAction::Status(
                    ConsoleStatus::Disconnected,
                )));
            }
        }
    }

    pub(super) fn console_send(&mut self, text: &str) {
        let dispatch = self.dispatch.clone();
        let Some(console) = self.console.as_mut() else {
            dispatch.dispatch(Action::Console(ConsoleAction::Note {
                at_ms: 0,
                error: true,
                note: Note::NotConnected,
            }));
            return;
        };
        for line in text.split('\n').map(|l| l.trim_end_matches('\r')) {
            let mut bytes = line.as_bytes().to_vec();
            bytes.extend_from_slice(b"\r\n");
            let encrypted = console.link.link().is_encrypted();
            if !console.link.send(&bytes) {
                console.note(&dispatch, true, Note::NotConnected);
                return;
            }
            if !encrypted && line.trim().eq_ignore_ascii_case("STARTTLS") {
                console.starttls_sent = true;
            }
            dispatch.dispatch(Action::Console(ConsoleAction::Sent {
                at_ms: console.link.at_ms(),
                text: line.to_owned(),
                encrypted,
            }));
        }
        dispatch.dispatch(Action::Console(ConsoleAction::Input(String::new())));
    }

    pub(super) fn console_disconnect(&mut self) {
        let dispatch = self.dispatch.clone();
        if let Some(console) = self.console.as_mut() {
            let events = console.link.close();
            console.forward(&dispatch, events);
        }
    }

    fn on_console_event(this: &Rc<RefCell<Self>>, id: u64, event: SocketEvent) {
        let mut d = this.borrow_mut();
        let dispatch = d.dispatch.clone();
        let Some(console) = d.console.as_mut().filter(|c| c.id == id) else {
            return;
        };
        let events = console.link.handle(event);
        if console.forward(&dispatch, events) {
            drop(d);
            Self::diagnose(this, |driver, problem| {
                let d = driver.borrow();
                if let Some(console) = &d.console {
                    console.note(&d.dispatch, true, Note::Problem(problem));
                }
            });
        }
    }
}
