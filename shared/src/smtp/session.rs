//! The sans-IO SMTP session engine: it sequences one test session (greeting,
//! EHLO/HELO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT) from bytes and times
//! its driver passes in, and hands back bytes to send and events to show.

mod auth;
mod envelope;
mod event;
mod extras;
mod flow;
mod outcome;
mod progress;
mod reason;
mod step;
mod tls;

use std::collections::VecDeque;
use std::mem;
use std::time::Duration;

pub use event::{Event, SentLine};
pub use extras::{Probe, ProbeVerb, SessionExtras};
pub use outcome::{FailReason, Outcome, RefusedRecipient, StepTiming, Verdict};
pub use progress::{StepList, StepRow, StepStatus};
pub use reason::{AbortReason, ProtocolError, TlsSkipReason};
pub use step::Step;

use auth::AuthRound;
use envelope::Transaction;

use super::capability::Capabilities;
use super::command::Command;
use super::reply::{Reply, ReplyParser};
use super::spec::{SessionSpec, TlsMode};
use crate::tls::channel::TlsChannel;
use crate::tls::{TlsContext, TlsReport};

/// Largest byte buffer one [`Session::poll_transmit`] returns; a long
/// message is split so each piece fits a WebSocket frame the bridge accepts.
pub const MAX_TRANSMIT_BYTES: usize = 16 * 1024;

/// Where the session is; each state holds what only it needs.
#[derive(Debug)]
enum State {
    /// Created; the TCP side is not up yet.
    Idle,
    /// Waiting for the final line of the 220 greeting.
    Greeting,
    /// EHLO sent.
    Ehlo,
    /// HELO sent after EHLO was refused.
    Helo,
    /// An AUTH line is waiting for its reply.
    Auth(AuthRound),
    /// MAIL, RCPT, DATA or BDAT commands wait for their replies (the
    /// transaction's `pending`, oldest first).
    Envelope,
    /// Message and `.` sent.
    Message,
    /// QUIT sent; the verdict is already known.
    Quitting(Verdict),
    /// A probe of the extras sent after EHLO.
    Probe,
    /// RSET sent before QUIT; the verdict is already known.
    Resetting(Verdict),
    /// STARTTLS sent, waiting for its 220.
    StartTls,
    /// The TLS handshake is running; then comes what the value says.
    Handshake(AfterHandshake),
    /// `Finished` was emitted; input is ignored.
    Finished,
}

/// What follows a finished TLS handshake.
#[derive(Debug, Clone, Copy)]
enum AfterHandshake {
    /// Implicit TLS: wait for the 220 greeting.
    Greeting,
    /// STARTTLS: EHLO again (RFC 3207 §4.2).
    Ehlo,
}

/// One SMTP test session, with no IO and no clock.
///
/// # Calling contract
/// The driver owns the socket and the clock; `now` is always the time since
/// the session started, on one monotonic clock.
/// - Inputs (`handle_*`): call [`handle_connected`](Self::handle_connected)
///   once the TCP side is up, [`handle_input`](Self::handle_input) with every
///   chunk of server bytes (any chunking), [`handle_closed`](Self::handle_closed)
///   when the connection ends, [`handle_timeout`](Self::handle_timeout) when
///   `now >= poll_timeout()`, and [`abort`](Self::abort) when connecting
///   failed or the user cancels.
/// - Outputs (`poll_*`): after **every** input call, drain
///   [`poll_transmit`](Self::poll_transmit) until `None` and write the bytes
///   in order, then drain [`poll_event`](Self::poll_event) until `None`, then
///   re-arm the timer from [`poll_timeout`](Self::poll_timeout). A reply that
///   arrives while a command is still waiting in `poll_transmit` is treated
///   as unsolicited (a protocol failure), so drain before feeding more input.
/// - When [`Event::Finished`] has been drained the driver closes the
///   connection; [`is_finished`](Self::is_finished) is then true and further
///   inputs are ignored.
///
/// # Behaviour
/// Nothing is sent before the final line of the 220 greeting. EHLO refused
/// with 500/502 falls back to HELO. AUTH runs only when the spec has `auth`
/// (and `stop_after` reaches it), whatever EHLO advertised. 4xx/5xx replies
/// are data: the first unexpected one ends the step, becomes the verdict,
/// and the engine sends QUIT and waits for its reply (or a close or timeout)
/// before `Finished`. A 421, a timeout, a close, garbage bytes or an
/// unsolicited reply finish at once, without QUIT. An invalid spec finishes
/// at `handle_connected` with [`FailReason::Aborted`].
///
/// # Diagnostic extras
/// With [`with_extras`](Self::with_extras), the probes run one by one
/// after the EHLO stage (each a [`Step::Probe`], any reply accepted), and
/// `rset_before_quit` sends RSET ([`Step::Rset`]) between a successful last
/// stage and QUIT. Without extras nothing changes.
///
/// # TLS
/// With [`SessionSpec::tls`] other than [`TlsMode::None`] the session must
/// be made with [`with_tls`](Self::with_tls) (else it finishes with
/// [`FailReason::Aborted`] at `handle_connected`). The engine then does the
/// TLS itself: once TLS starts, `handle_input` takes ciphertext and
/// `poll_transmit` returns ciphertext, so the driver and the bridge carry
/// opaque bytes and nothing else changes for them. STARTTLS runs after
/// EHLO (as [`Step::StartTls`]); on its 220 the handshake starts, any
/// plaintext after the 220 is dropped ([`Event::PlaintextDiscarded`]), and
/// after the handshake ([`Event::TlsEstablished`]) EHLO is sent again and
/// its capabilities replace the first ones. Implicit TLS does the
/// handshake within [`Step::Connect`], before the greeting. A certificate
/// that does not verify ends the session with [`FailReason::Tls`] unless
/// verification was turned off; a failed handshake finishes without QUIT.
#[derive(Debug)]
pub struct Session {
    /// What to do.
    spec: SessionSpec,
    /// Where we are.
    state: State,
    /// Assembles replies across input chunks.
    parser: ReplyParser,
    /// Bytes waiting for `poll_transmit`.
    transmits: VecDeque<Vec<u8>>,
    /// Events waiting for `poll_event`.
    events: VecDeque<Event>,
    /// When the current wait times out.
    deadline: Option<Duration>,
    /// The step in progress and when it started.
    open_step: Option<(Step, Duration)>,
    /// Timings of finished steps, for the outcome.
    steps: Vec<StepTiming>,
    /// From the EHLO reply.
    capabilities: Option<Capabilities>,
    /// The text of the final 250 after the message.
    queue_id: Option<String>,
    /// The driver's TLS setup; required for any [`TlsMode`] but `None`.
    tls_context: Option<TlsContext>,
    /// The TLS connection, from the start of the handshake on.
    tls: Option<TlsChannel>,
    /// What the handshake established (or, failed, what was known).
    tls_report: Option<TlsReport>,
    /// STARTTLS was tried or decided against; never again this session.
    tls_settled: bool,
    /// The latest `now` passed in, for failures found while polling.
    last_now: Duration,
    /// Probes and RSET-before-QUIT; empty unless set with `with_extras`.
    extras: SessionExtras,
    /// Index of the next probe to send.
    next_probe: usize,
    /// When the first byte of the greeting arrived (plaintext, so after
    /// the handshake with implicit TLS).
    greeting_first_byte_at: Option<Duration>,
    /// MAIL/RCPT/DATA/BDAT in progress: pending replies, refusals, flights.
    transaction: Transaction,
}

impl Session {
    /// A session that will run `spec` once the driver connects.
    pub fn new(spec: SessionSpec) -> Self {
        Self {
            spec,
            state: State::Idle,
            parser: ReplyParser::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            deadline: None,
            open_step: None,
            steps: Vec::new(),
            capabilities: None,
            queue_id: None,
            tls_context: None,
            tls: None,
            tls_report: None,
            tls_settled: false,
            last_now: Duration::ZERO,
            extras: SessionExtras::default(),
            next_probe: 0,
            greeting_first_byte_at: None,
            transaction: Transaction::default(),
        }
    }

    /// The same session with diagnostic extras: commands probed after EHLO
    /// and RSET before QUIT (see [`SessionExtras`]). Combines with
    /// [`with_tls`](Self::with_tls): `Session::with_tls(spec, ctx).with_extras(x)`.
    #[must_use]
    pub fn with_extras(mut self, extras: SessionExtras) -> Self {
        self.extras = extras;
        self
    }

    /// The extras this session runs (empty by default).
    pub fn extras(&self) -> &SessionExtras {
        &self.extras
    }

    /// When the first byte of the greeting arrived, on the clock of `now`
    /// (`None` before any). With the time of the final 220 line (the
    /// greeting's [`Event::Reply`] `at`) it tells a multi-line greeting
    /// sent in pieces (a greet pause after a first `220-` line) from a
    /// server that is silent until it answers.
    pub fn greeting_first_byte_at(&self) -> Option<Duration> {
        self.greeting_first_byte_at
    }

    /// A session that can run TLS (as `spec.tls` says) with the driver's
    /// provider, clock and trust anchors.
    pub fn with_tls(spec: SessionSpec, tls: TlsContext) -> Self {
        let mut session = Self::new(spec);
        session.tls_context = Some(tls);
        session
    }

    /// True once the TLS handshake has finished: everything sent and
    /// received from then on is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| !t.is_handshaking())
    }

    /// What the TLS handshake established, once it finished.
    pub fn tls_report(&self) -> Option<&TlsReport> {
        self.tls_report.as_ref()
    }

    /// The spec this session runs.
    pub fn spec(&self) -> &SessionSpec {
        &self.spec
    }

    /// The TCP connection is up: starts the `connect` step and the greeting
    /// timer. Ignored unless the session is fresh.
    pub fn handle_connected(&mut self, now: Duration) {
        if !matches!(self.state, State::Idle) {
            return;
        }
        self.last_now = now;
        self.start_step(now, Step::Connect);
        if let Err(e) = self.spec.validate() {
            self.fail_now(now, FailReason::Aborted(AbortReason::InvalidSpec(e)));
            return;
        }
        if self.spec.tls != TlsMode::None && self.tls_context.is_none() {
            self.fail_now(now, FailReason::Aborted(AbortReason::NoTlsContext));
            return;
        }
        self.state = State::Greeting;
        self.deadline = Some(now + Duration::from_millis(self.spec.timeouts.greeting_ms));
        if self.spec.tls == TlsMode::Implicit {
            self.tls_settled = true;
            self.begin_handshake(now, AfterHandshake::Greeting);
        }
    }

    /// Server bytes, in any chunking (ciphertext once TLS has started).
    /// Input before `handle_connected` implies the connection is up.
    pub fn handle_input(&mut self, now: Duration, bytes: &[u8]) {
        match self.state {
            State::Finished => return,
            State::Idle => self.handle_connected(now),
            _ => {}
        }
        self.last_now = now;
        if self.tls.is_some() {
            self.handle_ciphertext(now, bytes);
        } else {
            self.handle_plaintext(now, bytes);
        }
    }

    /// SMTP bytes from the server, straight off the wire or decrypted.
    fn handle_plaintext(&mut self, now: Duration, bytes: &[u8]) {
        if matches!(self.state, State::Greeting)
            && self.greeting_first_byte_at.is_none()
            && !bytes.is_empty()
        {
            self.greeting_first_byte_at = Some(now);
        }
        self.parser.push(bytes);
        while !self.is_finished() {
            match self.parser.next_reply() {
                Ok(Some(reply)) => self.on_reply(now, reply),
                Ok(None) => break,
                Err(error) => {
                    // What arrived goes with the failure, for the transcript.
                    let received = Some(self.parser.take_unparsed());
                    let error = ProtocolError::Parse { error, received };
                    self.fail_now(now, FailReason::Protocol(error));
                }
            }
        }
    }

    /// The connection closed. After QUIT that is the normal end; before,
    /// the session fails with [`FailReason::ConnectionClosed`].
    pub fn handle_closed(&mut self, now: Duration) {
        if !self.is_finished() {
            self.fail_now(now, FailReason::ConnectionClosed);
        }
    }

    /// Call when `now >= poll_timeout()`; earlier calls do nothing.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.last_now = self.last_now.max(now);
        if self.deadline.is_some_and(|deadline| now >= deadline) {
            self.fail_now(now, FailReason::Timeout);
        }
    }

    /// Ends the session now (connect failed, user cancelled). While QUIT is
    /// in flight the verdict already reached is kept.
    pub fn abort(&mut self, now: Duration, reason: AbortReason) {
        if !self.is_finished() {
            self.fail_now(now, FailReason::Aborted(reason));
        }
    }

    /// The next bytes to write to the socket, in order (ciphertext once
    /// TLS has started), at most [`MAX_TRANSMIT_BYTES`] each.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.tls.is_some() {
            self.poll_ciphertext()
        } else {
            self.transmits.pop_front()
        }
    }

    /// The next event to show, in order.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is due, on the clock
    /// of `now`; `None` when nothing is awaited.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.deadline
    }

    /// True once [`Event::Finished`] has been queued.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    /// Queues `command` for the open step and waits in `next` for its reply.
    fn send(&mut self, now: Duration, next: State, command: Command) {
        match command.to_line() {
            Ok(line) => {
                let display = line.clone();
                self.queue_line(now, next, line, false, display);
            }
            // Unreachable with a validated spec; fail rather than send garbage.
            Err(e) => {
                let detail = e.to_string();
                self.fail_now(
                    now,
                    FailReason::Aborted(AbortReason::Unencodable { detail }),
                );
            }
        }
    }

    /// Queues a credential-carrying line, shown as `display`.
    fn send_secret(&mut self, now: Duration, next: State, line: String, display: &str) {
        self.queue_line(now, next, line, true, display.to_owned());
    }

    fn queue_line(
        &mut self,
        now: Duration,
        next: State,
        line: String,
        secret: bool,
        display: String,
    ) {
        let step = self.current_step();
        let mut bytes = line.clone().into_bytes();
        bytes.extend_from_slice(b"\r\n");
        for chunk in bytes.chunks(MAX_TRANSMIT_BYTES) {
            self.transmits.push_back(chunk.to_vec());
        }
        self.push_sent(step, line, secret, display);
        self.await_reply(now, next);
    }

    fn await_reply(&mut self, now: Duration, next: State) {
        self.state = next;
        self.deadline = Some(now + Duration::from_millis(self.spec.timeouts.reply_ms));
    }

    fn push_sent(&mut self, step: Step, text: String, secret: bool, display: String) {
        let line = SentLine {
            text,
            secret,
            display,
        };
        self.events.push_back(Event::Sent { step, line });
    }

    fn push_reply(&mut self, now: Duration, step: Step, reply: Reply, expected: bool) {
        self.events.push_back(Event::Reply {
            step,
            reply,
            expected,
            at: now,
        });
    }

    fn start_step(&mut self, now: Duration, step: Step) {
        self.open_step = Some((step, now));
        self.events.push_back(Event::StepStarted { step, at: now });
    }

    fn finish_step(&mut self, now: Duration, ok: bool) {
        if let Some((step, at)) = self.open_step.take() {
            let elapsed = now.saturating_sub(at);
            self.events
                .push_back(Event::StepFinished { step, ok, elapsed });
            self.steps.push(StepTiming { step, elapsed, ok });
        }
    }

    fn current_step(&self) -> Step {
        self.open_step.map_or(Step::Connect, |(step, _)| step)
    }

    /// Ends the session without QUIT. During QUIT (and the RSET before it)
    /// the verdict already reached stands and `reason` only ends the step.
    fn fail_now(&mut self, now: Duration, reason: FailReason) {
        let step = self.current_step();
        self.finish_step(now, false);
        let verdict = match mem::replace(&mut self.state, State::Finished) {
            State::Quitting(verdict) | State::Resetting(verdict) => verdict,
            _ => Verdict::Failed { step, reason },
        };
        self.finish(verdict);
    }

    fn finish(&mut self, verdict: Verdict) {
        self.state = State::Finished;
        self.deadline = None;
        self.transmits.clear();
        self.parser.reset();
        let outcome = Outcome {
            verdict,
            queue_id: self.queue_id.take(),
            capabilities: self.capabilities.take(),
            steps: mem::take(&mut self.steps),
            tls: self.tls_report.take(),
            refused_recipients: mem::take(&mut self.transaction.refused),
            pipelined_flights: mem::take(&mut self.transaction.flights),
        };
        self.events.push_back(Event::Finished(outcome));
    }

    fn auth_username(&self) -> String {
        self.spec
            .auth
            .as_ref()
            .map(|a| a.username.clone())
            .unwrap_or_default()
    }

    fn auth_password(&self) -> String {
        self.spec
            .auth
            .as_ref()
            .map(|a| a.password.expose().to_owned())
            .unwrap_or_default()
    }
}
