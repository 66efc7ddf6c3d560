//! The raw console: a WebSocket carrying a raw [`Link`] to `host:port`.
//! Typed lines go out as they are (CRLF added); server bytes are parsed
//! into replies for the console transcript.

use std::cell::RefCell;
use std::rc::Rc;

use smtplab_shared::link::{Link, LinkEvent};
use smtplab_shared::smtp::ReplyParser;

use super::{bridge_note, on_hello, Driver};
use crate::hooks::batched_dispatch::BatchedDispatch;
use crate::link_socket::LinkSocket;
use crate::note::Note;
use crate::socket::SocketEvent;
use crate::state::{Action, ConsoleAction, ConsoleStatus};

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
        for event in events {
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
                    self.parser.push(&bytes);
                    let at_ms = self.link.at_ms();
                    loop {
                        match self.parser.next_reply() {
                            Ok(Some(reply)) => {
                                dispatch.dispatch(Action::Console(ConsoleAction::Reply {
                                    at_ms,
                                    reply,
                                }));
                            }
                            Ok(None) => break,
                            Err(e) => self.note(dispatch, true, Note::NotAReply(e.to_string())),
                        }
                    }
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
    pub(super) fn console_connect(this: &Rc<RefCell<Self>>, host: String, port: u16) {
        if this
            .borrow()
            .console
            .as_ref()
            .is_some_and(|c| !c.link.is_ended())
        {
            return;
        }
        let id = {
            let mut d = this.borrow_mut();
            d.console = None;
            d.take_id()
        };
        let dispatch = this.borrow().dispatch.clone();
        dispatch.dispatch(Action::Console(ConsoleAction::Status(
            ConsoleStatus::Connecting(format!("{host}:{port}")),
        )));
        match Self::open(this, id, Self::on_console_event) {
            Ok(socket) => {
                let console = ConsoleLink {
                    id,
                    link: LinkSocket::new(socket, Link::raw(host.clone(), port)),
                    parser: ReplyParser::new(),
                    host,
                    port,
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
            if !console.link.send(&bytes) {
                console.note(&dispatch, true, Note::NotConnected);
                return;
            }
            dispatch.dispatch(Action::Console(ConsoleAction::Sent {
                at_ms: console.link.at_ms(),
                text: line.to_owned(),
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
