//! [`LinkSocket`]: the tab's IO edge of the bridge protocol. It moves
//! frames between one browser WebSocket and a `smtplab_shared::link::Link`
//! and reads the clock; every protocol rule lives in the link, the same
//! one the end-to-end tests, the bridge's tests and the bench drive.
//!
//! It also counts the bytes it hands to the WebSocket, so that a guided
//! run can show how much of its message went out ([`SendMeter`]).

use std::time::Duration;

use smtplab_shared::link::{Link, LinkEvent, LinkState};
use smtplab_shared::smtp::{Event, Step};

use crate::browser;
use crate::socket::{Socket, SocketEvent};
use crate::state::run::data_progress::{DataProgress, SendMeter};

/// One WebSocket and the link it carries.
pub(crate) struct LinkSocket {
    /// The WebSocket.
    socket: Socket,
    /// The protocol (and, in engine mode, the session).
    link: Link,
    /// `performance.now()` at the start: the link's clock zero.
    started_ms: f64,
    /// The WebSocket closed.
    ended: bool,
    /// When the link became done (on its clock), once it did.
    done_at: Option<Duration>,
    /// This side asked the WebSocket to close.
    closing: bool,
    /// The last flush stopped with frames still to send.
    backlog: bool,
    /// Binary bytes handed to the WebSocket so far.
    handed: u64,
    /// `handed` when the latest input reached the link: what was sent
    /// before anything that input made the engine write.
    input_mark: u64,
    /// Counts the message step's bytes, from its start.
    meter: Option<SendMeter>,
}

/// How long a done link waits for the bridge's `closed` before it closes
/// the WebSocket anyway.
const CLOSED_WAIT: Duration = Duration::from_secs(2);

/// The longest one flush may keep the main thread, in milliseconds: a big
/// message (TLS-encrypted here, in the tab) goes out in slices so the page
/// keeps answering; the caller pumps again when [`LinkSocket::has_backlog`].
const FLUSH_BUDGET_MS: f64 = 12.0;

/// Bytes the WebSocket may hold unsent before a flush stops early and lets
/// the network catch up (the browser buffers without limit otherwise).
const MAX_BUFFERED: u32 = 8 * 1024 * 1024;

impl LinkSocket {
    /// Drives `link` over `socket` (just opened).
    pub(crate) fn new(socket: Socket, link: Link) -> Self {
        Self {
            socket,
            link,
            started_ms: browser::now_ms(),
            ended: false,
            done_at: None,
            closing: false,
            backlog: false,
            handed: 0,
            input_mark: 0,
            meter: None,
        }
    }

    /// The link (its state, and the engine in engine mode).
    pub(crate) fn link(&self) -> &Link {
        &self.link
    }

    /// Time since the start, on the link's clock.
    pub(crate) fn now(&self) -> Duration {
        Duration::from_secs_f64(((browser::now_ms() - self.started_ms) / 1000.0).max(0.0))
    }

    /// Milliseconds since the start, for transcript times.
    pub(crate) fn at_ms(&self) -> u64 {
        u64::try_from(self.now().as_millis()).unwrap_or(u64::MAX)
    }

    /// The link is done (the verdict is out, or the connection ended).
    pub(crate) fn is_done(&self) -> bool {
        self.link.state() == LinkState::Done
    }

    /// The WebSocket closed.
    pub(crate) fn is_ended(&self) -> bool {
        self.ended
    }

    /// Feeds one socket event; returns what the link reported, in order.
    pub(crate) fn handle(&mut self, event: SocketEvent) -> Vec<LinkEvent> {
        if self.ended {
            return Vec::new();
        }
        // The engine reads a reply only once everything before it is sent;
        // other events (a `closed`, an error) end or skip the rest anyway.
        if matches!(event, SocketEvent::Bytes(_)) {
            self.drain_frames();
        }
        self.input_mark = self.handed;
        let now = self.now();
        match event {
            SocketEvent::Control(message) => self.link.handle_server_message(now, message),
            SocketEvent::Malformed(why) => self.link.handle_malformed(now, &why),
            SocketEvent::Bytes(bytes) => self.link.handle_bytes(now, &bytes),
            // The browser gives no detail; its close event follows.
            SocketEvent::Failed => {}
            SocketEvent::Closed { code } => {
                self.ended = true;
                self.link.handle_ws_closed(now, Some(code));
            }
        }
        self.flush()
    }

    /// Checks the engine's deadline, and a done link's wait for the
    /// bridge's `closed` (call it on a timer).
    pub(crate) fn tick(&mut self) -> Vec<LinkEvent> {
        self.input_mark = self.handed;
        let now = self.now();
        if self.link.poll_timeout().is_some_and(|due| now >= due) {
            self.link.handle_timeout(now);
        }
        if self.done_at.is_some_and(|at| now >= at + CLOSED_WAIT) {
            self.close_socket();
        }
        self.flush()
    }

    /// The user stops.
    pub(crate) fn cancel(&mut self) -> Vec<LinkEvent> {
        self.input_mark = self.handed;
        let now = self.now();
        self.link.cancel(now);
        self.flush()
    }

    /// How much of the message went out, once the engine's message step
    /// started: the bytes handed over since, less what the WebSocket still
    /// holds.
    pub(crate) fn data_progress(&self) -> Option<DataProgress> {
        let buffered = u64::from(self.socket.buffered_amount());
        Some(self.meter?.progress(self.handed, buffered))
    }

    /// The message step runs: its progress changes as the WebSocket drains,
    /// with or without events, so the caller samples it on a timer.
    pub(crate) fn is_metering(&self) -> bool {
        !self.ended && self.meter.is_some_and(|m| !m.is_finished())
    }

    /// Frames the last flush left for later (a big message): true when
    /// the caller should [`pump`](Self::pump) again soon.
    pub(crate) fn has_backlog(&self) -> bool {
        self.backlog && !self.ended
    }

    /// Sends the next slice of a backlog.
    pub(crate) fn pump(&mut self) -> Vec<LinkEvent> {
        self.flush()
    }

    /// Raw mode: sends the user's bytes; false when not connected.
    pub(crate) fn send(&mut self, bytes: &[u8]) -> bool {
        let sent = self.link.send(bytes);
        self.drain_frames();
        sent
    }

    /// Raw mode: starts the TLS handshake (after the server's 220 to a
    /// typed STARTTLS).
    pub(crate) fn start_tls(&mut self) -> Vec<LinkEvent> {
        self.link.start_tls();
        self.flush()
    }

    /// Raw mode: asks the bridge to close the connection.
    pub(crate) fn close(&mut self) -> Vec<LinkEvent> {
        self.link.close();
        self.flush()
    }

    /// Frames out first (binary, then text), then the events; a done link
    /// closes its WebSocket once nothing more is awaited from the bridge.
    fn flush(&mut self) -> Vec<LinkEvent> {
        self.flush_frames();
        if self.is_done() {
            self.done_at.get_or_insert(self.now());
            if !self.link.awaits_closed() {
                self.close_socket();
            }
        }
        let events: Vec<LinkEvent> = std::iter::from_fn(|| self.link.poll_event()).collect();
        self.watch_message(&events);
        events
    }

    /// Starts the meter when the engine's message step starts (at the
    /// count from before the input that started it: its bytes are all the
    /// message's) and stops it when the step or the session ends.
    fn watch_message(&mut self, events: &[LinkEvent]) {
        for event in events {
            let LinkEvent::Engine(event) = event else {
                continue;
            };
            match event {
                Event::StepStarted {
                    step: Step::Message,
                    ..
                } if self.meter.is_none() => {
                    if let Some(session) = self.link.session() {
                        self.meter = Some(SendMeter::new(session.spec(), self.input_mark));
                    }
                }
                Event::StepFinished {
                    step: Step::Message,
                    ..
                }
                | Event::Finished(_) => {
                    if let Some(meter) = self.meter.as_mut() {
                        meter.finish();
                    }
                }
                _ => {}
            }
        }
    }

    fn close_socket(&mut self) {
        if !self.ended && !self.closing {
            self.closing = true;
            self.socket.close();
        }
    }

    /// Sends frames for at most [`FLUSH_BUDGET_MS`] (and while the
    /// WebSocket holds under [`MAX_BUFFERED`]); the rest waits for the next
    /// pump. Control messages always go at once.
    fn flush_frames(&mut self) {
        let deadline = browser::now_ms() + FLUSH_BUDGET_MS;
        self.backlog = false;
        loop {
            if browser::now_ms() >= deadline || self.socket.buffered_amount() > MAX_BUFFERED {
                self.backlog = true;
                break;
            }
            let Some(bytes) = self.link.poll_transmit() else {
                break;
            };
            self.send_frame(&bytes);
        }
        while let Some(message) = self.link.poll_control() {
            self.socket.send_control(&message);
        }
    }

    /// Sends every frame now, whatever it takes.
    fn drain_frames(&mut self) {
        while let Some(bytes) = self.link.poll_transmit() {
            self.send_frame(&bytes);
        }
        while let Some(message) = self.link.poll_control() {
            self.socket.send_control(&message);
        }
        self.backlog = false;
    }

    /// One binary frame to the WebSocket, counted.
    fn send_frame(&mut self, bytes: &[u8]) {
        self.socket.send_bytes(bytes);
        self.handed = self.handed.saturating_add(bytes.len() as u64);
    }
}
