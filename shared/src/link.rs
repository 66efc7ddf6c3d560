//! [`Link`]: the client side of the bridge protocol, sans-IO.
//!
//! One WebSocket to the bridge carries one TCP connection: the bridge
//! greets with `hello`, the client checks the protocol version and sends
//! `connect`, the bridge answers `connected` (or `error`), binary frames
//! then carry the TCP bytes both ways, and `close`/`closed` end it. Every
//! driver of smtplab (the tab's guided run and raw console, the
//! diagnostics, the end-to-end tests, the bridge's own tests, the bench)
//! speaks this through a `Link`, so they all follow the same rules; a
//! driver only moves WebSocket frames and reads the clock.
//!
//! A link runs in one of two modes:
//! - **engine** ([`Link::engine`]): it wraps a [`Session`], tells it about
//!   the connection and hands it the server's bytes; its events come out
//!   as [`LinkEvent::Engine`] and the bytes it writes as
//!   [`poll_transmit`](Link::poll_transmit). Once the engine finished the
//!   link asks the bridge to `close`.
//! - **raw** ([`Link::raw`]): the raw console. Server bytes come out as
//!   [`LinkEvent::Received`], the user's bytes go in with
//!   [`send`](Link::send). Made with [`Link::raw_with_tls`], it can run TLS
//!   itself: at connect (implicit TLS) or when the driver calls
//!   [`start_tls`](Link::start_tls) (after the server's 220 to a typed
//!   STARTTLS); bytes in and out are then plaintext for the driver and
//!   ciphertext on the wire.
//!
//! # The rules, the same for every driver
//! - `hello` must come first and once; its `version` must be
//!   [`PROTOCOL_VERSION`] or the link gives up
//!   ([`AbortReason::VersionMismatch`]) without sending `connect`.
//! - An `error` before `connected` ends the attempt
//!   ([`AbortReason::Bridge`]); after `connected` it is reported
//!   ([`LinkEvent::BridgeError`]) and the session goes on: the bridge
//!   follows a fatal one with `closed`.
//! - `closed` after `connected` is the TCP connection ending (the engine
//!   decides whether that was expected); before `connected`, or a
//!   WebSocket that ends before it, is [`AbortReason::BridgeGone`].
//! - Anything the protocol does not allow (a second `hello`, `connected`
//!   twice or before `hello`, bytes before `connected`, a frame that is no
//!   known message, a `resolved` nobody asked for) ends the session with
//!   [`AbortReason::BridgeProtocol`].

mod raw_tls;

use std::collections::VecDeque;
use std::time::Duration;

use raw_tls::RawTls;

use crate::smtp::{AbortReason, Event, Session};
use crate::tls::{TlsContext, TlsFailure, TlsReport};
use crate::wire::{
    ClientMessage, ClosedBy, ErrorCode, PolicyInfo, ServerMessage, PROTOCOL_VERSION,
};

/// What a [`Link`] tells its driver, in order.
// Most events of a session are `Engine` ones, the large variant: boxing it
// would allocate for the common case to save bytes in the rare ones.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum LinkEvent {
    /// The bridge's `hello` (the link sent `connect` if the version fits).
    Hello {
        /// The bridge's protocol version.
        version: u32,
        /// What it allows.
        policy: PolicyInfo,
    },
    /// The TCP connection is up.
    Connected {
        /// `ip:port` the bridge reached.
        peer: String,
        /// The bridge's connect time (DNS included).
        connect_ms: f64,
    },
    /// A bridge `error` after `connected` (before it, the attempt ends
    /// with [`LinkEvent::Aborted`]).
    BridgeError {
        /// The code.
        code: ErrorCode,
        /// The bridge's sentence.
        message: String,
    },
    /// The bridge's `closed`: the TCP connection is gone.
    Closed {
        /// Which side ended it.
        by: ClosedBy,
        /// The bridge's words.
        reason: String,
    },
    /// The link gave up; in engine mode the engine's `Finished` (with
    /// this reason) follows.
    Aborted(AbortReason),
    /// The WebSocket closed. It comes before the events the close causes
    /// (a connected engine then learns the connection closed).
    WebSocketClosed {
        /// The close code, when the driver knows it.
        code: Option<u16>,
    },
    /// Raw mode: bytes from the server (decrypted once TLS runs).
    Received(Vec<u8>),
    /// Raw mode: the TLS handshake finished; everything from here on is
    /// encrypted on the wire.
    TlsEstablished(TlsReport),
    /// Raw mode: TLS failed (the handshake, the certificate check, a bad
    /// record); the link ends.
    TlsFailed(TlsFailure),
    /// Engine mode: an engine event, in order; the last is `Finished`.
    Engine(Event),
}

/// Where the link is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Waiting for `hello`.
    AwaitingHello,
    /// `connect` sent, waiting for `connected`.
    Connecting,
    /// The TCP connection is up.
    Connected,
    /// Over: the engine finished, the connection closed or the link gave
    /// up. The driver closes the WebSocket once it drained everything.
    Done,
}

/// What the link carries.
#[derive(Debug)]
enum Mode {
    /// A session engine.
    Engine(Box<Session>),
    /// The raw console to `host:port`.
    Raw {
        /// Target host.
        host: String,
        /// Target port.
        port: u16,
        /// TLS, when the driver gave a context.
        tls: Option<Box<RawTls>>,
    },
}

/// The client side of one bridge WebSocket, with no IO and no clock.
///
/// # Calling contract
/// As [`Session`]'s: `now` is the time since the link was made, on one
/// monotonic clock.
/// - Inputs (`handle_*`): [`handle_text`](Self::handle_text) with every
///   text frame (or [`handle_server_message`](Self::handle_server_message)
///   with one already decoded), [`handle_bytes`](Self::handle_bytes) with
///   every binary frame, [`handle_ws_closed`](Self::handle_ws_closed) when
///   the WebSocket ends, [`handle_timeout`](Self::handle_timeout) when
///   `now >= poll_timeout()`; [`cancel`](Self::cancel) when the user stops;
///   in raw mode [`send`](Self::send) and [`close`](Self::close).
/// - Outputs (`poll_*`): after **every** input, drain
///   [`poll_transmit`](Self::poll_transmit) (binary frames) then
///   [`poll_control`](Self::poll_control) (text frames, encoded with
///   [`ClientMessage::encode`]) into the WebSocket, then
///   [`poll_event`](Self::poll_event), then re-arm the timer from
///   [`poll_timeout`](Self::poll_timeout). A driver may spread the binary
///   frames over several tasks (the tab sends a big message in slices, and
///   the engine encrypts each frame as it is polled) if it drains them all
///   before the next [`handle_bytes`](Self::handle_bytes): the engine reads
///   a reply only after the command it answers is out.
/// - When [`state`](Self::state) is [`LinkState::Done`] and everything is
///   drained, the driver closes the WebSocket: at once, or, while
///   [`awaits_closed`](Self::awaits_closed), once the bridge's `closed` came
///   (or a short wait ran out).
#[derive(Debug)]
pub struct Link {
    /// Engine or raw.
    mode: Mode,
    /// Where the protocol is.
    state: LinkState,
    /// `hello` came.
    greeted: bool,
    /// The WebSocket is gone; nothing more may be sent.
    ws_closed: bool,
    /// The bridge said `closed`: there is no connection left to close.
    tcp_closed: bool,
    /// `close` was queued.
    close_sent: bool,
    /// Bytes for binary frames.
    transmits: VecDeque<Vec<u8>>,
    /// Messages for text frames.
    controls: VecDeque<ClientMessage>,
    /// Events for the driver.
    events: VecDeque<LinkEvent>,
    /// Engine mode: where to connect instead of `spec.host` (an address of
    /// that host; TLS still checks the certificate against `spec.host`).
    connect_host: Option<String>,
}

impl Link {
    /// A link that runs `session` once the bridge connected to
    /// `spec.host:spec.port`.
    pub fn engine(session: Session) -> Self {
        Self::with_mode(Mode::Engine(Box::new(session)))
    }

    /// A raw link to `host:port`: bytes in and out, no engine.
    pub fn raw(host: impl Into<String>, port: u16) -> Self {
        Self::with_mode(Mode::Raw {
            host: host.into(),
            port,
            tls: None,
        })
    }

    /// A raw link that can run TLS with `context`: from the first byte
    /// when `implicit`, else when the driver calls
    /// [`start_tls`](Self::start_tls).
    pub fn raw_with_tls(
        host: impl Into<String>,
        port: u16,
        context: TlsContext,
        implicit: bool,
    ) -> Self {
        let host = host.into();
        let tls = RawTls::new(context, &host, implicit);
        Self::with_mode(Mode::Raw {
            host,
            port,
            tls: Some(Box::new(tls)),
        })
    }

    /// Raw mode: starts the TLS handshake now (the server said 220 to a
    /// typed STARTTLS). False, and nothing happens, unless connected in raw
    /// mode with a TLS context and TLS not started yet.
    pub fn start_tls(&mut self) -> bool {
        if self.state != LinkState::Connected {
            return false;
        }
        let Mode::Raw { tls: Some(tls), .. } = &mut self.mode else {
            return false;
        };
        if tls.is_started() {
            return false;
        }
        if let Err(failure) = tls.start() {
            self.events.push_back(LinkEvent::TlsFailed(failure));
            self.finish();
        }
        self.pump();
        true
    }

    /// True once TLS is up (engine or raw mode): bytes cross the wire
    /// encrypted.
    pub fn is_encrypted(&self) -> bool {
        match &self.mode {
            Mode::Engine(session) => session.is_encrypted(),
            Mode::Raw { tls, .. } => tls.as_ref().is_some_and(|t| t.is_established()),
        }
    }

    fn with_mode(mode: Mode) -> Self {
        Self {
            mode,
            state: LinkState::AwaitingHello,
            greeted: false,
            ws_closed: false,
            tcp_closed: false,
            close_sent: false,
            transmits: VecDeque::new(),
            controls: VecDeque::new(),
            events: VecDeque::new(),
            connect_host: None,
        }
    }

    /// Engine mode: connects to `host` (an address of `spec.host`, as
    /// `PlannedSession::connect_to` says) instead of `spec.host`; the
    /// engine, and TLS's name check, still use `spec.host`.
    #[must_use]
    pub fn connecting_to(mut self, host: impl Into<String>) -> Self {
        self.connect_host = Some(host.into());
        self
    }

    /// Where the link is.
    pub fn state(&self) -> LinkState {
        self.state
    }

    /// The engine, in engine mode (for its spec, TLS report, timings).
    pub fn session(&self) -> Option<&Session> {
        match &self.mode {
            Mode::Engine(session) => Some(session),
            Mode::Raw { .. } => None,
        }
    }

    /// The bridge's `hello` came.
    pub fn is_greeted(&self) -> bool {
        self.greeted
    }

    /// True while a `close` sent to the bridge awaits its `closed`: a
    /// driver whose link is done waits for that (a bounded time) before it
    /// closes the WebSocket, so the transcript gets the bridge's answer.
    pub fn awaits_closed(&self) -> bool {
        self.close_sent && !self.tcp_closed && !self.ws_closed
    }

    /// A text frame from the bridge.
    pub fn handle_text(&mut self, now: Duration, text: &str) {
        match ServerMessage::decode(text) {
            Ok(message) => self.handle_server_message(now, message),
            Err(e) => self.handle_malformed(now, &e.to_string()),
        }
    }

    /// A decoded control message from the bridge.
    pub fn handle_server_message(&mut self, now: Duration, message: ServerMessage) {
        if self.state == LinkState::Done {
            // After the end only `closed` (the answer to our `close`) and
            // late errors come: the first is reported, nothing changes.
            if let ServerMessage::Closed { by, reason } = message {
                if !self.tcp_closed {
                    self.tcp_closed = true;
                    self.events.push_back(LinkEvent::Closed { by, reason });
                }
            }
            return;
        }
        match message {
            ServerMessage::Hello { version, policy } => {
                if self.greeted {
                    return self.protocol_violation(now, "a second hello".into());
                }
                self.greeted = true;
                self.events.push_back(LinkEvent::Hello { version, policy });
                if version != PROTOCOL_VERSION {
                    let reason = AbortReason::VersionMismatch {
                        expected: PROTOCOL_VERSION,
                        found: version,
                    };
                    return self.abort(now, reason);
                }
                let (host, port) = self.target();
                self.controls.push_back(ClientMessage::Connect {
                    host,
                    port,
                    timeout_ms: None,
                });
                self.state = LinkState::Connecting;
            }
            ServerMessage::Connected { peer, connect_ms } => {
                if self.state != LinkState::Connecting {
                    return self
                        .protocol_violation(now, "connected when no connect was asked".into());
                }
                self.state = LinkState::Connected;
                self.events
                    .push_back(LinkEvent::Connected { peer, connect_ms });
                match &mut self.mode {
                    Mode::Engine(session) => session.handle_connected(now),
                    Mode::Raw { tls: Some(tls), .. } if tls.implicit => {
                        self.start_tls();
                    }
                    Mode::Raw { .. } => {}
                }
            }
            ServerMessage::Error { code, message } => {
                if self.state == LinkState::Connected {
                    self.events
                        .push_back(LinkEvent::BridgeError { code, message });
                } else {
                    let (host, port) = self.target();
                    let reason = AbortReason::Bridge {
                        host,
                        port,
                        error: code,
                        message,
                    };
                    self.abort(now, reason);
                }
            }
            ServerMessage::Closed { by, reason } => {
                self.events.push_back(LinkEvent::Closed { by, reason });
                self.tcp_closed = true;
                self.connection_gone(now);
            }
            ServerMessage::Resolved { .. } | ServerMessage::MtaStsPolicy { .. } => {
                self.protocol_violation(now, "an answer nobody asked for".into());
            }
        }
        self.pump();
    }

    /// A binary frame: bytes from the mail server (ciphertext once the
    /// engine runs TLS).
    pub fn handle_bytes(&mut self, now: Duration, bytes: &[u8]) {
        match self.state {
            LinkState::Done => return,
            LinkState::Connected => {}
            LinkState::AwaitingHello | LinkState::Connecting => {
                return self.protocol_violation(now, "server bytes before connected".into());
            }
        }
        match &mut self.mode {
            Mode::Engine(session) => session.handle_input(now, bytes),
            Mode::Raw { tls: Some(tls), .. } if tls.is_started() => {
                let out = tls.handle_ciphertext(bytes);
                if let Some(report) = out.established {
                    self.events.push_back(LinkEvent::TlsEstablished(report));
                }
                if !out.plaintext.is_empty() {
                    self.events.push_back(LinkEvent::Received(out.plaintext));
                }
                if let Some(failure) = out.failure {
                    self.events.push_back(LinkEvent::TlsFailed(failure));
                    self.finish();
                }
            }
            Mode::Raw { .. } => self.events.push_back(LinkEvent::Received(bytes.to_vec())),
        }
        self.pump();
    }

    /// The WebSocket ended (`code` when the driver knows the close code).
    pub fn handle_ws_closed(&mut self, now: Duration, code: Option<u16>) {
        if self.ws_closed {
            return;
        }
        self.ws_closed = true;
        self.controls.clear();
        self.transmits.clear();
        self.events.push_back(LinkEvent::WebSocketClosed { code });
        self.connection_gone(now);
        self.pump();
    }

    /// Call when `now >= poll_timeout()`; earlier calls do nothing.
    pub fn handle_timeout(&mut self, now: Duration) {
        if let Mode::Engine(session) = &mut self.mode {
            session.handle_timeout(now);
            self.pump();
        }
    }

    /// The user stops: the engine ends with [`AbortReason::Cancelled`] (a
    /// verdict already reached during QUIT stands), a raw link closes.
    pub fn cancel(&mut self, now: Duration) {
        self.abort(now, AbortReason::Cancelled);
    }

    /// Raw mode: bytes typed by the user. Returns false (and sends
    /// nothing) unless connected in raw mode.
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        if self.state != LinkState::Connected {
            return false;
        }
        match &mut self.mode {
            Mode::Engine(_) => return false,
            _ if bytes.is_empty() => {}
            Mode::Raw { tls: Some(tls), .. } if tls.is_started() => {
                if let Err(failure) = tls.send(bytes) {
                    self.events.push_back(LinkEvent::TlsFailed(failure));
                    self.finish();
                }
                self.pump();
            }
            Mode::Raw { .. } => self.transmits.push_back(bytes.to_vec()),
        }
        true
    }

    /// Raw mode: asks the bridge to close the connection.
    pub fn close(&mut self) {
        if matches!(self.mode, Mode::Raw { .. }) && self.state != LinkState::Done {
            self.finish();
        }
    }

    /// The next binary frame to send. In engine mode the engine's bytes
    /// are taken here, one frame per call, rather than moved over when an
    /// input is handled: the engine encrypts as it is polled, so a driver
    /// that sends in slices (the tab, for a big message) also spreads the
    /// encryption over them.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if let Some(bytes) = self.transmits.pop_front() {
            return Some(bytes);
        }
        match &mut self.mode {
            Mode::Engine(session) if !self.ws_closed => session.poll_transmit(),
            _ => None,
        }
    }

    /// The next control message to send as a text frame.
    #[must_use]
    pub fn poll_control(&mut self) -> Option<ClientMessage> {
        self.controls.pop_front()
    }

    /// The next event for the driver.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<LinkEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is due; `None` when
    /// nothing is awaited.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        match &self.mode {
            Mode::Engine(session) if self.state != LinkState::Done => session.poll_timeout(),
            _ => None,
        }
    }

    /// The `host` and `port` to connect to.
    fn target(&self) -> (String, u16) {
        match &self.mode {
            Mode::Engine(session) => (
                self.connect_host
                    .clone()
                    .unwrap_or_else(|| session.spec().host.clone()),
                session.spec().port,
            ),
            Mode::Raw { host, port, .. } => (host.clone(), *port),
        }
    }

    /// A text frame the driver could not decode itself (it reads frames
    /// with [`ServerMessage::decode`] for other uses too): as
    /// [`handle_text`](Self::handle_text) with a frame that does not decode.
    pub fn handle_malformed(&mut self, now: Duration, detail: &str) {
        if self.state != LinkState::Done {
            self.protocol_violation(now, format!("an unreadable control message ({detail})"));
        }
    }

    /// The TCP side (or the WebSocket) is gone.
    fn connection_gone(&mut self, now: Duration) {
        match self.state {
            LinkState::Done => {}
            LinkState::Connected => match &mut self.mode {
                Mode::Engine(session) => session.handle_closed(now),
                Mode::Raw { .. } => self.finish(),
            },
            LinkState::AwaitingHello | LinkState::Connecting => {
                self.abort(now, AbortReason::BridgeGone);
            }
        }
    }

    fn protocol_violation(&mut self, now: Duration, detail: String) {
        self.abort(now, AbortReason::BridgeProtocol { detail });
    }

    /// Gives up with `reason`: reported, handed to the engine, link done.
    fn abort(&mut self, now: Duration, reason: AbortReason) {
        if self.state == LinkState::Done {
            return;
        }
        self.events.push_back(LinkEvent::Aborted(reason.clone()));
        match &mut self.mode {
            Mode::Engine(session) => session.abort(now, reason),
            Mode::Raw { .. } => self.finish(),
        }
        self.pump();
    }

    /// Moves the engine's output into the link's queues, in order; at the
    /// engine's `Finished` the link is done and asks the bridge to close.
    fn pump(&mut self) {
        let session = match &mut self.mode {
            Mode::Engine(session) => session,
            Mode::Raw { tls: Some(tls), .. } => {
                while let Some(bytes) = tls.take_outgoing() {
                    if !self.ws_closed {
                        self.transmits.push_back(bytes);
                    }
                }
                return;
            }
            Mode::Raw { tls: None, .. } => return,
        };
        // The engine's bytes stay in the engine until `poll_transmit`.
        let mut finished = false;
        while let Some(event) = session.poll_event() {
            finished |= matches!(event, Event::Finished(_));
            self.events.push_back(LinkEvent::Engine(event));
        }
        if finished {
            self.finish();
        }
    }

    /// Done; `close` goes out if the bridge holds a connection. (One
    /// still being made when the user cancels goes when the driver closes
    /// the WebSocket.)
    fn finish(&mut self) {
        let was = std::mem::replace(&mut self.state, LinkState::Done);
        if !self.ws_closed && !self.tcp_closed && was == LinkState::Connected {
            self.controls.push_back(ClientMessage::Close);
            self.close_sent = true;
        }
    }
}
