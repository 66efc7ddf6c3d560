//! [`SessionLink`]: one WebSocket to the bridge carrying one engine
//! session, the mechanics every browser driver of
//! `smtplab_shared::smtp::Session` needs: on `hello` send `connect`, on
//! `connected` start the engine, feed it bytes, closes and deadlines, drain
//! `poll_transmit` into the socket, and send `close` once `Finished` came
//! out. The owner gets [`LinkOutput`]s (engine events included) and decides
//! what they mean for its state; it never touches the engine's sequencing.

use std::time::Duration;

use smtplab_shared::smtp::{Event, Session};
use smtplab_shared::wire::{ClientMessage, ClosedBy, ErrorCode, PolicyInfo, ServerMessage};

use crate::browser;
use crate::socket::{Socket, SocketEvent};

/// What happened on a link, for its owner.
#[derive(Debug)]
pub enum LinkOutput {
    /// The bridge's `hello` (the link already sent `connect` if the
    /// version matches and nothing was aborted).
    Hello {
        /// The bridge's protocol version.
        version: u32,
        /// Its policy.
        policy: PolicyInfo,
    },
    /// The TCP connection is up; the engine was told.
    Connected {
        /// `ip:port`.
        peer: String,
        /// Connect time as the bridge measured it.
        connect_ms: f64,
    },
    /// A bridge `error`; `before_connect` means no TCP connection was made
    /// (the owner then usually calls [`SessionLink::abort`]).
    BridgeError {
        /// The code.
        code: ErrorCode,
        /// The bridge's sentence.
        message: String,
        /// No `connected` came before it.
        before_connect: bool,
    },
    /// The bridge's `closed`.
    Closed {
        /// Which side.
        by: ClosedBy,
        /// Why.
        reason: String,
    },
    /// An engine event, in order; the last is `Finished`. Boxed: events
    /// are large and most outputs are not events.
    Engine(Box<Event>),
    /// A text frame that is no known message.
    Malformed(String),
    /// The WebSocket closed. It comes before the engine events the close
    /// causes (a connected session is told the connection closed), so an
    /// owner can say why before the session ends.
    Ended {
        /// The close code.
        code: u16,
        /// `hello` had come (if not, the bridge itself is the problem).
        greeted: bool,
        /// The engine had finished before the close.
        finished: bool,
    },
}

/// One WebSocket and its engine session.
pub struct SessionLink {
    /// The WebSocket.
    socket: Socket,
    /// The engine.
    session: Session,
    /// `performance.now()` at the start; the engine's clock zero.
    started_ms: f64,
    /// The protocol version the owner expects in `hello`.
    version: u32,
    /// `hello` arrived.
    greeted: bool,
    /// `connected` arrived.
    connected: bool,
    /// `Finished` was drained.
    finished: bool,
    /// The WebSocket is closed.
    ended: bool,
}

impl SessionLink {
    /// A link over `socket` (just opened) for `session`; `hello` must say
    /// `version`.
    pub fn new(socket: Socket, session: Session, version: u32) -> Self {
        Self {
            socket,
            session,
            started_ms: browser::now_ms(),
            version,
            greeted: false,
            connected: false,
            finished: false,
            ended: false,
        }
    }

    /// The engine (for its spec, or `greeting_first_byte_at`).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Time since the link started, the engine's clock.
    pub fn now(&self) -> Duration {
        Duration::from_secs_f64(((browser::now_ms() - self.started_ms) / 1000.0).max(0.0))
    }

    /// The engine emitted `Finished`.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The WebSocket closed.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// `connected` came.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// Feeds one socket event; outputs go to `out` in order.
    pub fn handle(&mut self, event: SocketEvent, out: &mut Vec<LinkOutput>) {
        if self.ended {
            return;
        }
        match event {
            SocketEvent::Control(ServerMessage::Hello { version, policy }) => {
                self.greeted = true;
                if !self.finished && version == self.version {
                    let spec = self.session.spec();
                    self.socket.send_control(&ClientMessage::Connect {
                        host: spec.host.clone(),
                        port: spec.port,
                        timeout_ms: None,
                    });
                } else if self.finished {
                    self.socket.send_control(&ClientMessage::Close);
                }
                out.push(LinkOutput::Hello { version, policy });
            }
            SocketEvent::Control(ServerMessage::Connected { peer, connect_ms }) => {
                self.connected = true;
                out.push(LinkOutput::Connected { peer, connect_ms });
                let now = self.now();
                self.session.handle_connected(now);
                self.drain(out);
            }
            SocketEvent::Control(ServerMessage::Error { code, message }) => {
                let before_connect = !self.connected && !self.finished;
                out.push(LinkOutput::BridgeError {
                    code,
                    message,
                    before_connect,
                });
            }
            SocketEvent::Control(ServerMessage::Closed { by, reason }) => {
                out.push(LinkOutput::Closed { by, reason });
                if !self.finished {
                    let now = self.now();
                    self.session.handle_closed(now);
                    self.drain(out);
                }
            }
            SocketEvent::Bytes(bytes) => {
                if self.connected && !self.finished {
                    let now = self.now();
                    self.session.handle_input(now, &bytes);
                    self.drain(out);
                }
            }
            // `resolve` answers never come on a session's socket.
            SocketEvent::Control(ServerMessage::Resolved { .. }) | SocketEvent::Failed => {}
            SocketEvent::Malformed(why) => out.push(LinkOutput::Malformed(why)),
            SocketEvent::Closed { code } => {
                self.ended = true;
                out.push(LinkOutput::Ended {
                    code,
                    greeted: self.greeted,
                    finished: self.finished,
                });
                if self.connected && !self.finished {
                    let now = self.now();
                    self.session.handle_closed(now);
                    self.drain(out);
                }
            }
        }
    }

    /// Checks the engine's deadline (call it on a timer).
    pub fn tick(&mut self, out: &mut Vec<LinkOutput>) {
        if self.finished {
            return;
        }
        let now = self.now();
        if self
            .session
            .poll_timeout()
            .is_some_and(|deadline| now >= deadline)
        {
            self.session.handle_timeout(now);
            self.drain(out);
        }
    }

    /// Ends the session with `reason` (cancel, a failed connect, a closed
    /// WebSocket); nothing happens once it finished.
    pub fn abort(&mut self, reason: String, out: &mut Vec<LinkOutput>) {
        if self.finished {
            return;
        }
        let now = self.now();
        self.session.abort(now, reason);
        self.drain(out);
    }

    /// Bytes to the socket first, then events out; `close` after `Finished`.
    fn drain(&mut self, out: &mut Vec<LinkOutput>) {
        while let Some(bytes) = self.session.poll_transmit() {
            self.socket.send_bytes(&bytes);
        }
        while let Some(event) = self.session.poll_event() {
            let last = matches!(event, Event::Finished(_));
            out.push(LinkOutput::Engine(Box::new(event)));
            if last && !self.finished {
                self.finished = true;
                if !self.ended {
                    self.socket.send_control(&ClientMessage::Close);
                }
            }
        }
    }
}
