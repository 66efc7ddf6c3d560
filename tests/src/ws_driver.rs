//! A native driver of the shared SMTP engine over the bridge's WebSocket:
//! the same role the browser hook plays, with tokio-tungstenite.
//!
//! The driver is deliberately dumb. The bridge protocol (`hello`, the
//! version check, `connect`, `connected`, `error`, `closed`) is
//! [`Link`](smtplab_shared::link::Link)'s and every SMTP decision is
//! [`Session`](smtplab_shared::smtp::Session)'s; the driver only moves
//! WebSocket frames and reads the clock. Per the link's calling contract,
//! after every input it drains `poll_transmit` (one binary frame each),
//! then `poll_control` (one text frame each), then `poll_event`, then
//! re-arms the timer from `poll_timeout`; once the link is done it closes
//! the WebSocket.
//!
//! [`run_session_tls`] gives the engine a [`TlsContext`] (the driver's crypto
//! provider, clock and trust anchors) for the spec's TLS mode. Every run
//! keeps a copy of each binary frame it sent, so a test can check what the
//! bridge (or anyone on the path) could read. [`run_session_on`] drives a
//! WebSocket the caller opened itself (bound to a source address, with
//! extra handshake headers).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use smtplab_shared::link::{Link, LinkEvent, LinkState};
use smtplab_shared::smtp::{Event, Outcome, Session, SessionSpec};
use smtplab_shared::tls::TlsContext;
use smtplab_shared::wire::ServerMessage;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{sleep_until, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// A whole run never takes longer than this, whatever the engine's own
/// timeouts say; it turns a hang into a test failure.
const RUN_LIMIT: Duration = Duration::from_secs(120);
/// How long to wait for the bridge's `closed` after asking it to close.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Everything a session produced.
#[derive(Debug, Clone)]
pub struct SessionReport {
    /// Every engine event, in order (the last is [`Event::Finished`]).
    pub events: Vec<Event>,
    /// For each of `events`, when the driver drained it (time since the
    /// run started, on the same clock as the engine's `now`).
    pub event_times: Vec<Duration>,
    /// The outcome carried by [`Event::Finished`].
    pub outcome: Outcome,
    /// A readable transcript: `C: ` lines as the engine displays them
    /// (secrets masked) and `S: ` lines as the server sent them.
    pub transcript: Vec<String>,
    /// Every control message the bridge sent, `hello` first.
    pub bridge_messages: Vec<ServerMessage>,
    /// Every binary frame this client sent to the bridge, in order: the
    /// bytes the bridge relays to the server (ciphertext once TLS is up).
    pub client_frames: Vec<Vec<u8>>,
    /// Bytes of the binary frames the bridge sent: what it relayed from
    /// the server.
    pub server_bytes: u64,
}

impl SessionReport {
    /// When the first event matching `wanted` was drained.
    pub fn time_of(&self, wanted: impl Fn(&Event) -> bool) -> Option<Duration> {
        self.events
            .iter()
            .zip(&self.event_times)
            .find_map(|(event, at)| wanted(event).then_some(*at))
    }

    /// True when `needle` occurs in one of [`client_frames`](Self::client_frames)
    /// or across the boundary between two consecutive ones.
    pub fn client_sent(&self, needle: &[u8]) -> bool {
        if needle.is_empty() {
            return true;
        }
        let all: Vec<u8> = self.client_frames.concat();
        all.windows(needle.len()).any(|w| w == needle)
    }
}

/// Why a run ended without the engine finishing: IO, not the protocol. (A
/// bridge that refuses the connection, speaks another version or breaks
/// its protocol is the engine's verdict, `FailReason::Aborted`.)
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The WebSocket could not be opened or broke.
    #[error("websocket: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    /// The WebSocket ended and the engine still had not finished.
    #[error("the websocket ended before the engine finished")]
    Ended,
    /// The run exceeded [`RUN_LIMIT`].
    #[error("the session did not finish within {0:?}")]
    Stalled(Duration),
}

/// Runs `spec` through the bridge at `bridge_url`, asking it to connect to
/// `spec.host:spec.port`. The URL is either the WebSocket endpoint
/// (`ws://HOST:PORT/ws?token=T`) or the page URL the bridge prints
/// (`http://HOST:PORT/?token=T`), which [`ws_endpoint`] turns into the former.
///
/// # Errors
/// A [`DriverError`] when the engine could not be brought to its
/// `Finished` event; SMTP failures are not errors but the outcome's verdict.
pub async fn run_session(
    bridge_url: &str,
    spec: SessionSpec,
) -> Result<SessionReport, DriverError> {
    run_with(bridge_url, spec, None).await
}

/// As [`run_session`], with a session that can speak TLS as `spec.tls`
/// says, using `tls` (see `docs/tls.md`).
///
/// # Errors
/// As [`run_session`]; TLS failures are the outcome's verdict, not errors.
pub async fn run_session_tls(
    bridge_url: &str,
    spec: SessionSpec,
    tls: TlsContext,
) -> Result<SessionReport, DriverError> {
    run_with(bridge_url, spec, Some(tls)).await
}

async fn run_with(
    bridge_url: &str,
    spec: SessionSpec,
    tls: Option<TlsContext>,
) -> Result<SessionReport, DriverError> {
    let ws_url = ws_endpoint(bridge_url);
    let session = match tls {
        Some(tls) => Session::with_tls(spec, tls),
        None => Session::new(spec),
    };
    let connect_and_drive = async {
        let (ws, _response) = tokio_tungstenite::connect_async(&ws_url).await?;
        drive(ws, session).await
    };
    match tokio::time::timeout(RUN_LIMIT, connect_and_drive).await {
        Ok(result) => result,
        Err(_) => Err(DriverError::Stalled(RUN_LIMIT)),
    }
}

/// As [`run_session`], over a WebSocket the caller has already opened,
/// for handshakes the URL cannot express (a source address, headers).
///
/// # Errors
/// As [`run_session`].
pub async fn run_session_on<S>(
    ws: WebSocketStream<S>,
    session: Session,
) -> Result<SessionReport, DriverError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match tokio::time::timeout(RUN_LIMIT, drive(ws, session)).await {
        Ok(result) => result,
        Err(_) => Err(DriverError::Stalled(RUN_LIMIT)),
    }
}

/// The WebSocket endpoint for a bridge URL: `http://HOST:PORT/?token=T`
/// becomes `ws://HOST:PORT/ws?token=T` (`https` becomes `wss`); a `ws://` or
/// `wss://` URL is returned as it is.
pub fn ws_endpoint(bridge_url: &str) -> String {
    let (scheme, rest) = if let Some(rest) = bridge_url.strip_prefix("http://") {
        ("ws", rest)
    } else if let Some(rest) = bridge_url.strip_prefix("https://") {
        ("wss", rest)
    } else {
        return bridge_url.to_owned();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let token = rest
        .split_once('?')
        .map(|(_, query)| query.split('#').next().unwrap_or_default())
        .and_then(|query| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix("token="))
        });
    match token {
        Some(token) => format!("{scheme}://{authority}/ws?token={token}"),
        None => format!("{scheme}://{authority}/ws"),
    }
}

type WsError = tokio_tungstenite::tungstenite::Error;

async fn drive<S>(ws: WebSocketStream<S>, session: Session) -> Result<SessionReport, DriverError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let start = Instant::now();
    let (mut sink, mut stream) = ws.split();
    let mut link = Link::engine(session);
    let mut run = Run::default();
    let mut ws_open = true;

    while link.state() != LinkState::Done {
        if !ws_open && link.poll_timeout().is_none() {
            // Nothing can wake the link any more.
            return Err(DriverError::Ended);
        }
        let deadline = link.poll_timeout().map(|d| start + d);
        let timer = async {
            match deadline {
                Some(at) => sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            frame = stream.next(), if ws_open => {
                let now = start.elapsed();
                match frame {
                    Some(Ok(Message::Binary(bytes))) => run.bytes(&mut link, now, &bytes),
                    Some(Ok(Message::Text(text))) => run.text(&mut link, now, text.as_str()),
                    Some(Ok(Message::Close(frame))) => {
                        ws_open = false;
                        link.handle_ws_closed(now, frame.map(|f| u16::from(f.code)));
                    }
                    None => {
                        ws_open = false;
                        link.handle_ws_closed(now, None);
                    }
                    // Pings are answered by tungstenite itself.
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e.into()),
                }
            }
            () = timer => link.handle_timeout(start.elapsed()),
        }
        run.flush(&mut link, &mut sink, start).await?;
    }

    if ws_open {
        if link.awaits_closed() {
            // Failures here do not change the outcome.
            let wait = run.await_closed(&mut link, &mut sink, &mut stream, start);
            let _ = tokio::time::timeout(CLOSE_WAIT, wait).await;
        }
        let _ = sink.send(Message::Close(None)).await;
    }
    let outcome = run.outcome.take().ok_or(DriverError::Ended)?;
    Ok(SessionReport {
        events: run.events,
        event_times: run.event_times,
        outcome,
        transcript: run.transcript,
        bridge_messages: run.bridge_messages,
        client_frames: run.client_frames,
        server_bytes: run.server_bytes,
    })
}

/// What a run has gathered so far.
#[derive(Default)]
struct Run {
    events: Vec<Event>,
    event_times: Vec<Duration>,
    outcome: Option<Outcome>,
    transcript: Vec<String>,
    bridge_messages: Vec<ServerMessage>,
    client_frames: Vec<Vec<u8>>,
    server_bytes: u64,
}

impl Run {
    /// A binary frame: counted, then handed to the link.
    fn bytes(&mut self, link: &mut Link, now: Duration, bytes: &[u8]) {
        self.server_bytes += bytes.len() as u64;
        link.handle_bytes(now, bytes);
    }

    /// A text frame: recorded when it decodes, handed to the link either way.
    fn text(&mut self, link: &mut Link, now: Duration, text: &str) {
        match ServerMessage::decode(text) {
            Ok(message) => {
                self.bridge_messages.push(message.clone());
                link.handle_server_message(now, message);
            }
            Err(e) => link.handle_malformed(now, &e.to_string()),
        }
    }

    /// Drains every output of the link: binary frames, then text frames,
    /// then events.
    async fn flush<S>(
        &mut self,
        link: &mut Link,
        sink: &mut S,
        start: Instant,
    ) -> Result<(), WsError>
    where
        S: futures_util::Sink<Message, Error = WsError> + Unpin,
    {
        while let Some(bytes) = link.poll_transmit() {
            self.client_frames.push(bytes.clone());
            sink.send(Message::binary(bytes)).await?;
        }
        while let Some(control) = link.poll_control() {
            sink.send(Message::text(control.encode())).await?;
        }
        while let Some(event) = link.poll_event() {
            if let LinkEvent::Engine(event) = event {
                self.record(event, start.elapsed());
            }
        }
        Ok(())
    }

    fn record(&mut self, event: Event, at: Duration) {
        match &event {
            Event::Sent { line, .. } => self.transcript.push(format!("C: {}", line.display)),
            Event::Reply { reply, .. } => {
                self.transcript
                    .extend(reply.lines.iter().map(|line| format!("S: {line}")));
            }
            Event::Finished(outcome) => self.outcome = Some(outcome.clone()),
            _ => {}
        }
        self.events.push(event);
        self.event_times.push(at);
    }

    /// The link is done but its `close` awaits the bridge's `closed`:
    /// feeds what comes (recorded as ever) until the link stops waiting.
    async fn await_closed<S, R>(
        &mut self,
        link: &mut Link,
        sink: &mut S,
        stream: &mut R,
        start: Instant,
    ) -> Result<(), WsError>
    where
        S: futures_util::Sink<Message, Error = WsError> + Unpin,
        R: futures_util::Stream<Item = Result<Message, WsError>> + Unpin,
    {
        while link.awaits_closed() {
            let frame = stream.next().await;
            let now = start.elapsed();
            match frame {
                Some(Ok(Message::Text(text))) => self.text(link, now, text.as_str()),
                Some(Ok(Message::Binary(bytes))) => self.bytes(link, now, &bytes),
                Some(Ok(Message::Close(frame))) => {
                    link.handle_ws_closed(now, frame.map(|f| u16::from(f.code)));
                }
                None => link.handle_ws_closed(now, None),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
            }
            self.flush(link, sink, start).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_urls_become_websocket_endpoints() {
        assert_eq!(
            ws_endpoint("http://127.0.0.1:4321/?token=ab12"),
            "ws://127.0.0.1:4321/ws?token=ab12"
        );
        assert_eq!(
            ws_endpoint("https://[::1]:8443/?x=1&token=t"),
            "wss://[::1]:8443/ws?token=t"
        );
        assert_eq!(ws_endpoint("ws://h:1/ws?token=t"), "ws://h:1/ws?token=t");
    }
}
