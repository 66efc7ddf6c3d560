//! The byte relay between an open WebSocket and an open TCP connection: one
//! pump per direction, run together so that the first to end cancels the
//! other, plus the idle timer and the shutdown signal.
//!
//! Bytes are never coalesced or rewritten: each TCP read becomes exactly one
//! binary frame, and each binary frame is written to TCP in full before the
//! next frame is read. Both directions are bounded (one read buffer, one frame
//! in flight), so a slow side slows the other instead of filling memory.
//!
//! Memory per session is kept small because most sessions are idle most of
//! the time: server reads land in one scratch buffer per runtime thread and
//! only the bytes read are copied out (into the frame, which needs its own
//! allocation anyway), so an idle session holds no read buffer at all; and
//! the WebSocket layer is configured with [`WS_READ_BUFFER_BYTES`] instead of
//! tungstenite's 128 KiB, which it zero-fills on its first read.
//!
//! Pings are the one thing the WebSocket layer answers by itself, so they
//! get the same rule as frames: the pong must leave (be flushed) before the
//! next client frame is read, within [`RelayLimits::pong_timeout`]. A client
//! that floods pings and never reads its pongs is dropped instead of
//! growing the write buffer (which is capped too:
//! [`WS_MAX_WRITE_BUFFER_BYTES`]).
//!
//! The pumps are generic over `Sink`/`Stream` of WebSocket messages and
//! `AsyncRead`/`AsyncWrite`, so the tests below drive them with channels and
//! `tokio::io::duplex`.

use std::cell::RefCell;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::Message;
use futures_util::{Sink, SinkExt as _, Stream, StreamExt as _};
use smtplab_shared::wire::{ClientMessage, ErrorCode, ServerMessage};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::sync::Mutex;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The WebSocket layer's read buffer per session (tungstenite's
/// `read_buffer_size`; its default is 128 KiB). It is the size of each read
/// from the client's socket, not a limit on frames: a larger frame grows the
/// buffer while it is read. 4 KiB holds any SMTP command line and keeps an
/// idle session small; bulk uploads pay a few more `read` calls per frame.
pub const WS_READ_BUFFER_BYTES: usize = 4 * 1024;

/// The most the WebSocket layer buffers for writing to one client (its
/// `max_write_buffer_size`; tungstenite's default is unlimited). The buffer
/// only fills while the client does not read; it must hold the largest
/// single message the bridge sends (a relayed frame, at most the server read
/// buffer, or a `hello` or `resolved` answer), so this is the floor and the
/// session adds the read buffer size. Pongs that do not fit wait in a
/// one-pong slot instead of queueing.
pub const WS_MAX_WRITE_BUFFER_BYTES: usize = 1 << 20;

thread_local! {
    /// Where server reads land before they are copied into a frame: one
    /// buffer per runtime thread instead of one per session. Borrowed only
    /// within one synchronous `poll_read`, never across an `.await`.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Reads once from `server`, at most `max` bytes, and returns exactly the
/// bytes read (empty at EOF). The read goes into this thread's
/// [`SCRATCH`] buffer, so a session waiting here holds no buffer.
async fn read_chunk<R>(server: &mut R, max: usize) -> io::Result<Bytes>
where
    R: AsyncRead + Unpin,
{
    std::future::poll_fn(|cx| {
        SCRATCH.with(|cell| {
            let Ok(mut scratch) = cell.try_borrow_mut() else {
                // Re-entered from inside a read (cannot happen with sockets):
                // fall back to a buffer of its own.
                let mut own = vec![0u8; max];
                let mut buf = ReadBuf::new(&mut own);
                return Pin::new(&mut *server)
                    .poll_read(cx, &mut buf)
                    .map_ok(|()| Bytes::copy_from_slice(buf.filled()));
            };
            if scratch.len() < max {
                scratch.resize(max, 0);
            }
            let mut buf = ReadBuf::new(&mut scratch[..max]);
            match Pin::new(&mut *server).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) => Poll::Ready(Ok(Bytes::copy_from_slice(buf.filled()))),
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            }
        })
    })
    .await
}

/// Why a pump stopped with a failure.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// Reading from the server failed (typically a reset).
    #[error("reading from the server failed: {0}")]
    ServerRead(#[source] io::Error),
    /// Writing to the server failed (typically a reset or a broken pipe).
    #[error("writing to the server failed: {0}")]
    ServerWrite(#[source] io::Error),
    /// The WebSocket would not take a frame: the client is gone.
    #[error("sending to the client failed")]
    ClientSend,
    /// Relaying more would pass the session's byte limit.
    #[error("the session reached its limit of {limit} relayed bytes")]
    ByteLimit {
        /// The limit in force (both directions together).
        limit: u64,
    },
    /// Relaying more would pass the [`ByteBudget`] the session draws on
    /// (its user's bytes per hour).
    #[error("the user reached the limit of {limit} relayed bytes per hour")]
    BudgetSpent {
        /// The budget's limit.
        limit: u64,
    },
    /// The client sent pings but did not read the pongs (or anything else
    /// the bridge sent) within the pong timeout.
    #[error("the client does not read its pongs")]
    PongsUnread,
    /// The client sent a binary frame over the limit.
    #[error("binary frame of {len} bytes exceeds the limit of {limit}")]
    FrameTooLarge {
        /// The frame's size.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
}

/// How the client→server pump ended without failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientEnd {
    /// The client sent `close`.
    CloseRequested,
    /// The WebSocket ended (close frame, end of stream or a read error).
    WebSocketClosed,
}

/// How a whole relay ended.
#[derive(Debug)]
pub enum RelayEnd {
    /// The server closed its side (EOF).
    ServerClosed,
    /// The client ended it (`close` or its WebSocket ended).
    Client(ClientEnd),
    /// One of the pumps failed.
    Failed(RelayError),
    /// No bytes moved either way for the idle timeout.
    Idle,
    /// The session's time limit passed.
    TimeLimit,
    /// The bridge is shutting down.
    Shutdown,
}

/// Limits of one relay.
#[derive(Debug, Clone, Copy)]
pub struct RelayLimits {
    /// Size of the server read buffer: the largest frame sent to the client.
    pub read_buffer_bytes: usize,
    /// Largest binary frame taken from the client.
    pub max_frame_bytes: usize,
    /// Time without relayed bytes after which the relay ends.
    pub idle_timeout: Duration,
    /// Bytes relayed in both directions together after which the session
    /// ends; the read or frame that would pass it is not relayed.
    pub max_session_bytes: u64,
    /// How long the pong to a client's ping may take to leave; past it the
    /// client is dropped ([`RelayError::PongsUnread`]). The bridge's write
    /// timeout (`write_timeout_ms`).
    pub pong_timeout: Duration,
}

/// Bytes a session draws on beside its own limit, shared with other
/// sessions (a user's bytes per hour: `users::UserSlot`).
pub trait ByteBudget: std::fmt::Debug + Send + Sync {
    /// Counts `n` more bytes unless they would pass the budget; `Err` is
    /// the budget's limit, and nothing is counted then.
    ///
    /// # Errors
    /// The limit, when `n` more bytes would pass it.
    fn try_spend(&self, n: u64) -> Result<(), u64>;
}

/// Byte counts and the last activity of one session, shared by the pumps and
/// read for the end-of-session log line. Atomics, because the pumps may be
/// dropped mid-way and the counts must survive them.
#[derive(Debug)]
pub struct RelayStats {
    /// When the session started; activity times are offsets from it.
    started: Instant,
    /// Milliseconds from `started` to the last relayed bytes.
    last_activity_ms: AtomicU64,
    /// Bytes written to the server.
    to_server: AtomicU64,
    /// Bytes sent to the client.
    to_client: AtomicU64,
    /// What else the relayed bytes count against, if anything.
    budget: Option<std::sync::Arc<dyn ByteBudget>>,
}

impl Default for RelayStats {
    fn default() -> Self {
        Self::new()
    }
}

impl RelayStats {
    /// Counters at zero, with activity now.
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            last_activity_ms: AtomicU64::new(0),
            to_server: AtomicU64::new(0),
            to_client: AtomicU64::new(0),
            budget: None,
        }
    }

    /// Counters at zero whose bytes also count against `budget`.
    pub fn with_budget(budget: Option<std::sync::Arc<dyn ByteBudget>>) -> Self {
        Self {
            budget,
            ..Self::new()
        }
    }

    /// Marks activity now (resets the idle timer).
    pub fn touch(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_activity_ms.store(ms, Ordering::Relaxed);
    }

    /// Bytes written to the server so far.
    pub fn to_server(&self) -> u64 {
        self.to_server.load(Ordering::Relaxed)
    }

    /// Bytes sent to the client so far.
    pub fn to_client(&self) -> u64 {
        self.to_client.load(Ordering::Relaxed)
    }

    /// Time since the session started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Bytes relayed both ways so far.
    pub fn total(&self) -> u64 {
        self.to_server().saturating_add(self.to_client())
    }

    /// Errs if relaying `n` more bytes would pass `limit` or the budget;
    /// otherwise the budget counts them.
    fn admit(&self, n: usize, limit: u64) -> Result<(), RelayError> {
        if self.total().saturating_add(n as u64) > limit {
            return Err(RelayError::ByteLimit { limit });
        }
        match &self.budget {
            Some(budget) => budget
                .try_spend(n as u64)
                .map_err(|limit| RelayError::BudgetSpent { limit }),
            None => Ok(()),
        }
    }

    fn last_activity(&self) -> Instant {
        self.started + Duration::from_millis(self.last_activity_ms.load(Ordering::Relaxed))
    }
}

/// Sends a control message on a shared sink.
///
/// # Errors
/// [`RelayError::ClientSend`] when the WebSocket is gone.
pub async fn send_control<S>(client: &Mutex<S>, msg: &ServerMessage) -> Result<(), RelayError>
where
    S: Sink<Message> + Unpin,
{
    client
        .lock()
        .await
        .send(Message::Text(msg.encode().into()))
        .await
        .map_err(|_| RelayError::ClientSend)
}

/// Waits until everything queued for the client, the pong to its last ping
/// included, has been written, for at most `timeout`.
///
/// # Errors
/// [`RelayError::PongsUnread`] when the client does not read in time (or
/// its WebSocket is gone).
pub async fn flush_pong<S>(client: &mut S, timeout: Duration) -> Result<(), RelayError>
where
    S: Sink<Message> + Unpin,
{
    match tokio::time::timeout(timeout, client.flush()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) | Err(_) => Err(RelayError::PongsUnread),
    }
}

/// Server → client: reads at most `read_buffer_bytes` at a time and sends
/// each read as one binary frame, waiting for the frame to be flushed before
/// reading again.
///
/// Returns `Ok(())` at the server's EOF.
///
/// # Errors
/// [`RelayError::ServerRead`], [`RelayError::ByteLimit`] or
/// [`RelayError::ClientSend`].
pub async fn tcp_to_ws<R, S>(
    mut server: R,
    client: &Mutex<S>,
    read_buffer_bytes: usize,
    max_session_bytes: u64,
    stats: &RelayStats,
) -> Result<(), RelayError>
where
    R: AsyncRead + Unpin,
    S: Sink<Message> + Unpin,
{
    let max = read_buffer_bytes.max(1);
    loop {
        let bytes = read_chunk(&mut server, max)
            .await
            .map_err(RelayError::ServerRead)?;
        let n = bytes.len();
        if n == 0 {
            return Ok(());
        }
        stats.admit(n, max_session_bytes)?;
        stats.touch();
        client
            .lock()
            .await
            .send(Message::Binary(bytes))
            .await
            .map_err(|_| RelayError::ClientSend)?;
        stats.to_client.fetch_add(n as u64, Ordering::Relaxed);
        stats.touch();
    }
}

/// Client → server: writes each binary frame in full to the server before
/// taking the next; answers misplaced control messages with `bad_request`
/// and stops at `close` or at the end of the WebSocket. After a ping, waits
/// for its pong to leave before reading on.
///
/// # Errors
/// [`RelayError::FrameTooLarge`], [`RelayError::ByteLimit`],
/// [`RelayError::ServerWrite`], [`RelayError::PongsUnread`] or
/// [`RelayError::ClientSend`] (while answering a control message).
pub async fn ws_to_tcp<St, E, W, S>(
    client_rx: &mut St,
    mut server: W,
    client_tx: &Mutex<S>,
    limits: RelayLimits,
    stats: &RelayStats,
) -> Result<ClientEnd, RelayError>
where
    St: Stream<Item = Result<Message, E>> + Unpin,
    W: AsyncWrite + Unpin,
    S: Sink<Message> + Unpin,
{
    while let Some(Ok(msg)) = client_rx.next().await {
        match msg {
            Message::Binary(bytes) => {
                if bytes.len() > limits.max_frame_bytes {
                    return Err(RelayError::FrameTooLarge {
                        len: bytes.len(),
                        limit: limits.max_frame_bytes,
                    });
                }
                stats.admit(bytes.len(), limits.max_session_bytes)?;
                stats.touch();
                server
                    .write_all(&bytes)
                    .await
                    .map_err(RelayError::ServerWrite)?;
                server.flush().await.map_err(RelayError::ServerWrite)?;
                stats
                    .to_server
                    .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                stats.touch();
            }
            Message::Text(text) => match ClientMessage::decode(text.as_str()) {
                Ok(ClientMessage::Close) => return Ok(ClientEnd::CloseRequested),
                Ok(ClientMessage::Connect { .. }) => {
                    let reply = ServerMessage::error(
                        ErrorCode::BadRequest,
                        "already connected: one connection per WebSocket",
                    );
                    send_control(client_tx, &reply).await?;
                }
                // The session answers `resolve` and `fetch_mta_sts` before
                // its messages reach the relay; one that gets here has no
                // resolver or fetcher behind it.
                Ok(ClientMessage::Resolve { .. }) => {
                    let reply =
                        ServerMessage::error(ErrorCode::BadRequest, "resolve is not served here");
                    send_control(client_tx, &reply).await?;
                }
                Ok(ClientMessage::FetchMtaSts { .. }) => {
                    let reply = ServerMessage::error(
                        ErrorCode::BadRequest,
                        "fetch_mta_sts is not served here",
                    );
                    send_control(client_tx, &reply).await?;
                }
                Err(e) => {
                    let reply = ServerMessage::error(ErrorCode::BadRequest, e.to_string());
                    send_control(client_tx, &reply).await?;
                }
            },
            Message::Close(_) => return Ok(ClientEnd::WebSocketClosed),
            // Pings are answered by the WebSocket layer and are not traffic:
            // a keep-alive must not defeat the idle timeout. The pong must
            // leave before the next frame is read (one in flight), so a
            // client that never reads cannot queue pongs; the lock is
            // waited for within the timeout too (the other pump may be
            // stuck sending to this same client).
            Message::Ping(_) => {
                let timeout = limits.pong_timeout;
                let flushed = tokio::time::timeout(timeout, async {
                    flush_pong(&mut *client_tx.lock().await, timeout).await
                })
                .await;
                flushed.map_err(|_| RelayError::PongsUnread)??;
            }
            Message::Pong(_) => {}
        }
    }
    Ok(ClientEnd::WebSocketClosed)
}

/// Runs both pumps until the first ends, the idle timeout or `deadline`
/// passes or `cancel` fires; the other pump is dropped (cancelled) at that
/// point.
#[allow(clippy::too_many_arguments)]
pub async fn run<R, W, St, E, S>(
    server_rx: R,
    server_tx: W,
    client_rx: &mut St,
    client_tx: &Mutex<S>,
    limits: RelayLimits,
    stats: &RelayStats,
    deadline: Instant,
    cancel: &CancellationToken,
) -> RelayEnd
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
    St: Stream<Item = Result<Message, E>> + Unpin,
    S: Sink<Message> + Unpin,
{
    stats.touch();
    tokio::select! {
        biased;
        () = cancel.cancelled() => RelayEnd::Shutdown,
        () = tokio::time::sleep_until(deadline) => RelayEnd::TimeLimit,
        r = ws_to_tcp(client_rx, server_tx, client_tx, limits, stats) => match r {
            Ok(end) => RelayEnd::Client(end),
            Err(e) => RelayEnd::Failed(e),
        },
        r = tcp_to_ws(server_rx, client_tx, limits.read_buffer_bytes, limits.max_session_bytes, stats) => match r {
            Ok(()) => RelayEnd::ServerClosed,
            Err(e) => RelayEnd::Failed(e),
        },
        () = idle(stats, limits.idle_timeout) => RelayEnd::Idle,
    }
}

/// `from + wait`, or about 30 years from `from` when that sum does not fit
/// an `Instant` (a `Config` built without [`crate::options`]' ranges): a
/// deadline never panics.
pub fn after(from: Instant, wait: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(30 * 365 * 24 * 3600);
    from.checked_add(wait)
        .or_else(|| from.checked_add(FAR))
        .unwrap_or(from)
}

/// Completes once no activity was recorded for `timeout`.
async fn idle(stats: &RelayStats, timeout: Duration) {
    loop {
        let deadline = after(stats.last_activity(), timeout);
        if Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep_until(deadline).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_channel::mpsc;
    use tokio::io::AsyncReadExt as _;

    type ClientRx = mpsc::Receiver<Result<Message, std::convert::Infallible>>;

    fn limits() -> RelayLimits {
        RelayLimits {
            read_buffer_bytes: 8,
            max_frame_bytes: 16,
            idle_timeout: Duration::from_secs(60),
            max_session_bytes: 1 << 20,
            pong_timeout: Duration::from_secs(5),
        }
    }

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    fn text(msg: &Message) -> ServerMessage {
        match msg {
            Message::Text(t) => ServerMessage::decode(t.as_str()).expect("valid server message"),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn each_server_read_becomes_one_binary_frame() {
        let (mut server, bridge_side) = tokio::io::duplex(64);
        let (tx, mut rx) = mpsc::channel::<Message>(16);
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        let pump = tokio::spawn(async move {
            let r = tcp_to_ws(bridge_side, &sink, 8, 1 << 20, &stats).await;
            (r.is_ok(), stats.to_client())
        });
        server.write_all(b"220 hi\r\n").await.expect("write");
        assert_eq!(
            rx.next().await,
            Some(Message::Binary(b"220 hi\r\n".to_vec().into()))
        );
        // Larger than the buffer: split at the buffer size, never merged.
        server
            .write_all(b"250-0123456789\r\n")
            .await
            .expect("write");
        let mut got = Vec::new();
        while got.len() < 16 {
            let Some(Message::Binary(b)) = rx.next().await else {
                panic!("expected binary")
            };
            assert!(b.len() <= 8);
            got.extend_from_slice(&b);
        }
        assert_eq!(got, b"250-0123456789\r\n");
        drop(server);
        assert_eq!(pump.await.expect("pump"), (true, 24));
    }

    #[tokio::test]
    async fn sessions_sharing_a_thread_keep_their_own_bytes() {
        // Both pumps run on this one test thread, so they share its scratch
        // buffer; each frame must still hold only its own server's bytes.
        let mut servers = Vec::new();
        let mut frames = Vec::new();
        let mut pumps = Vec::new();
        for _ in 0..2 {
            let (server, bridge_side) = tokio::io::duplex(1024);
            let (tx, rx) = mpsc::channel::<Message>(64);
            servers.push(server);
            frames.push(rx);
            pumps.push(async move {
                let sink = Mutex::new(tx);
                let stats = RelayStats::new();
                tcp_to_ws(bridge_side, &sink, 8, 1 << 20, &stats).await
            });
        }
        let [a, b] = <[_; 2]>::try_from(pumps).ok().expect("two pumps");
        let feed = async {
            for round in 0..50u8 {
                servers[0]
                    .write_all(&[b'a', round, b'A'])
                    .await
                    .expect("write a");
                servers[1]
                    .write_all(&[b'b', round, b'B', b'b'])
                    .await
                    .expect("write b");
                tokio::task::yield_now().await;
            }
            servers.clear();
        };
        let (ra, rb, ()) = tokio::join!(a, b, feed);
        assert!(ra.is_ok() && rb.is_ok());
        let mut got = Vec::new();
        for rx in &mut frames {
            let mut bytes = Vec::new();
            while let Some(Message::Binary(b)) = rx.next().await {
                bytes.extend_from_slice(&b);
            }
            got.push(bytes);
        }
        let want_a: Vec<u8> = (0..50u8).flat_map(|r| [b'a', r, b'A']).collect();
        let want_b: Vec<u8> = (0..50u8).flat_map(|r| [b'b', r, b'B', b'b']).collect();
        assert_eq!(got, [want_a, want_b]);
    }

    #[tokio::test]
    async fn client_frames_are_written_in_order_and_close_stops() {
        let (bridge_side, mut server) = tokio::io::duplex(64);
        let (mut client, mut client_rx): (_, ClientRx) = mpsc::channel(16);
        let (tx, _rx) = mpsc::channel::<Message>(16);
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        for frame in [&b"EHLO a\r\n"[..], b"", b"QUIT\r\n"] {
            client
                .send(Ok(Message::Binary(frame.to_vec().into())))
                .await
                .expect("send");
        }
        client
            .send(Ok(Message::Text(ClientMessage::Close.encode().into())))
            .await
            .expect("send");
        let end = ws_to_tcp(&mut client_rx, bridge_side, &sink, limits(), &stats).await;
        assert_eq!(end.expect("no failure"), ClientEnd::CloseRequested);
        assert_eq!(stats.to_server(), 14);
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.expect("read");
        assert_eq!(got, b"EHLO a\r\nQUIT\r\n");
    }

    #[tokio::test]
    async fn control_messages_during_relay_get_bad_request_and_relay_goes_on() {
        let (bridge_side, mut server) = tokio::io::duplex(64);
        let (mut client, mut client_rx): (_, ClientRx) = mpsc::channel(16);
        let (tx, mut replies) = mpsc::channel::<Message>(16);
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        for t in [
            "{not json",
            r#"{"type":"connect","host":"h","port":25}"#,
            r#"{"type":"nope"}"#,
        ] {
            client
                .send(Ok(Message::Text(t.into())))
                .await
                .expect("send");
        }
        client
            .send(Ok(Message::Binary(b"x".to_vec().into())))
            .await
            .expect("send");
        drop(client);
        let end = ws_to_tcp(&mut client_rx, bridge_side, &sink, limits(), &stats).await;
        assert_eq!(end.expect("no failure"), ClientEnd::WebSocketClosed);
        for _ in 0..3 {
            let reply = text(&replies.next().await.expect("reply"));
            assert!(
                matches!(
                    reply,
                    ServerMessage::Error {
                        code: ErrorCode::BadRequest,
                        ..
                    }
                ),
                "{reply:?}"
            );
        }
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.expect("read");
        assert_eq!(got, b"x");
    }

    #[tokio::test]
    async fn oversized_frames_stop_the_pump_before_writing() {
        let (bridge_side, mut server) = tokio::io::duplex(64);
        let (mut client, mut client_rx): (_, ClientRx) = mpsc::channel(16);
        let (tx, _rx) = mpsc::channel::<Message>(16);
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        client
            .send(Ok(Message::Binary(vec![b'a'; 17].into())))
            .await
            .expect("send");
        let end = ws_to_tcp(&mut client_rx, bridge_side, &sink, limits(), &stats).await;
        assert!(matches!(
            end,
            Err(RelayError::FrameTooLarge { len: 17, limit: 16 })
        ));
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.expect("read");
        assert!(got.is_empty());
    }

    #[tokio::test]
    async fn server_eof_ends_the_relay_and_cancels_the_client_pump() {
        let (bridge_side, server) = tokio::io::duplex(64);
        let (r, w) = tokio::io::split(bridge_side);
        // The client sends nothing: only the server's EOF can end this.
        let (_client, mut client_rx): (_, ClientRx) = mpsc::channel(1);
        let (tx, _rx) = mpsc::channel::<Message>(16);
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        drop(server);
        let end = run(
            r,
            w,
            &mut client_rx,
            &sink,
            limits(),
            &stats,
            far(),
            &CancellationToken::new(),
        )
        .await;
        assert!(matches!(end, RelayEnd::ServerClosed), "{end:?}");
    }

    #[tokio::test]
    async fn client_close_ends_the_relay_while_the_server_is_silent() {
        let (bridge_side, _server) = tokio::io::duplex(64);
        let (r, w) = tokio::io::split(bridge_side);
        let (mut client, mut client_rx): (_, ClientRx) = mpsc::channel(1);
        let (tx, _rx) = mpsc::channel::<Message>(16);
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        client
            .send(Ok(Message::Text(ClientMessage::Close.encode().into())))
            .await
            .expect("send");
        let end = run(
            r,
            w,
            &mut client_rx,
            &sink,
            limits(),
            &stats,
            far(),
            &CancellationToken::new(),
        )
        .await;
        assert!(
            matches!(end, RelayEnd::Client(ClientEnd::CloseRequested)),
            "{end:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn silence_ends_the_relay_after_the_idle_timeout() {
        let (bridge_side, _server) = tokio::io::duplex(64);
        let (r, w) = tokio::io::split(bridge_side);
        let (_client, mut client_rx): (_, ClientRx) = mpsc::channel(1);
        let (tx, _rx) = mpsc::channel::<Message>(16);
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        let started = Instant::now();
        let end = run(
            r,
            w,
            &mut client_rx,
            &sink,
            limits(),
            &stats,
            far(),
            &CancellationToken::new(),
        )
        .await;
        assert!(matches!(end, RelayEnd::Idle), "{end:?}");
        assert!(started.elapsed() >= Duration::from_secs(60));
    }

    #[tokio::test]
    async fn cancel_ends_the_relay() {
        let (bridge_side, _server) = tokio::io::duplex(64);
        let (r, w) = tokio::io::split(bridge_side);
        let (_client, mut client_rx): (_, ClientRx) = mpsc::channel(1);
        let (tx, _rx) = mpsc::channel::<Message>(16);
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        let cancel = CancellationToken::new();
        cancel.cancel();
        let end = run(
            r,
            w,
            &mut client_rx,
            &sink,
            limits(),
            &stats,
            far(),
            &cancel,
        )
        .await;
        assert!(matches!(end, RelayEnd::Shutdown), "{end:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_session_deadline_ends_a_busy_relay() {
        let (bridge_side, _server) = tokio::io::duplex(64);
        let (r, w) = tokio::io::split(bridge_side);
        let (_client, mut client_rx): (_, ClientRx) = mpsc::channel(1);
        let (tx, _rx) = mpsc::channel::<Message>(16);
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        let end = run(
            r,
            w,
            &mut client_rx,
            &sink,
            limits(),
            &stats,
            deadline,
            &CancellationToken::new(),
        )
        .await;
        assert!(matches!(end, RelayEnd::TimeLimit), "{end:?}");
        assert!(Instant::now() >= deadline);
    }

    #[tokio::test]
    async fn the_byte_limit_counts_both_directions_and_stops_before_relaying() {
        let (bridge_side, mut server) = tokio::io::duplex(64);
        let (mut client, mut client_rx): (_, ClientRx) = mpsc::channel(16);
        let (tx, _rx) = mpsc::channel::<Message>(16);
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        stats.to_client.store(10, Ordering::Relaxed);
        for frame in [&b"12345"[..], b"67890X"] {
            client
                .send(Ok(Message::Binary(frame.to_vec().into())))
                .await
                .expect("send");
        }
        let tight = RelayLimits {
            max_session_bytes: 20,
            ..limits()
        };
        let end = ws_to_tcp(&mut client_rx, bridge_side, &sink, tight, &stats).await;
        assert!(
            matches!(end, Err(RelayError::ByteLimit { limit: 20 })),
            "{end:?}"
        );
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.expect("read");
        assert_eq!(got, b"12345", "the frame over the limit was not relayed");
    }

    /// A budget of `left` bytes shared by whoever holds it.
    #[derive(Debug)]
    struct Left(std::sync::Mutex<u64>);

    impl ByteBudget for Left {
        fn try_spend(&self, n: u64) -> Result<(), u64> {
            let mut left = self.0.lock().expect("lock");
            if n > *left {
                return Err(99);
            }
            *left -= n;
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_shared_budget_stops_the_relay_before_the_frame_that_would_pass_it() {
        let (bridge_side, mut server) = tokio::io::duplex(64);
        let (mut client, mut client_rx): (_, ClientRx) = mpsc::channel(16);
        let (tx, _rx) = mpsc::channel::<Message>(16);
        let sink = Mutex::new(tx);
        let budget: std::sync::Arc<dyn ByteBudget> =
            std::sync::Arc::new(Left(std::sync::Mutex::new(8)));
        let stats = RelayStats::with_budget(Some(budget));
        for frame in [&b"12345"[..], b"678"[..].as_ref(), b"9"] {
            client
                .send(Ok(Message::Binary(frame.to_vec().into())))
                .await
                .expect("send");
        }
        let end = ws_to_tcp(&mut client_rx, bridge_side, &sink, limits(), &stats).await;
        assert!(
            matches!(end, Err(RelayError::BudgetSpent { limit: 99 })),
            "{end:?}"
        );
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.expect("read");
        assert_eq!(
            got, b"12345678",
            "the frame past the budget was not relayed"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_ping_whose_pong_cannot_leave_drops_the_client_after_the_timeout() {
        let (bridge_side, _server) = tokio::io::duplex(64);
        let (mut client, mut client_rx): (_, ClientRx) = mpsc::channel(16);
        // A client that reads nothing: its one-slot channel is already full,
        // so nothing more (no pong) can be flushed to it.
        let (mut tx, _unread) = mpsc::channel::<Message>(0);
        tx.try_send(Message::Text("hello".into())).expect("fill");
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        client
            .send(Ok(Message::Ping(b"p".to_vec().into())))
            .await
            .expect("send");
        let started = Instant::now();
        let end = ws_to_tcp(&mut client_rx, bridge_side, &sink, limits(), &stats).await;
        assert!(matches!(end, Err(RelayError::PongsUnread)), "{end:?}");
        assert_eq!(started.elapsed(), limits().pong_timeout);
    }

    #[tokio::test]
    async fn pings_from_a_reading_client_are_not_traffic_and_the_relay_goes_on() {
        let (bridge_side, mut server) = tokio::io::duplex(64);
        let (mut client, mut client_rx): (_, ClientRx) = mpsc::channel(16);
        let (tx, _rx) = mpsc::channel::<Message>(16);
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        for _ in 0..3 {
            client
                .send(Ok(Message::Ping(b"p".to_vec().into())))
                .await
                .expect("send");
        }
        client
            .send(Ok(Message::Binary(b"x".to_vec().into())))
            .await
            .expect("send");
        drop(client);
        let end = ws_to_tcp(&mut client_rx, bridge_side, &sink, limits(), &stats).await;
        assert_eq!(end.expect("no failure"), ClientEnd::WebSocketClosed);
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.expect("read");
        assert_eq!(got, b"x");
    }

    #[test]
    fn a_deadline_too_far_for_an_instant_does_not_panic() {
        let now = Instant::now();
        assert_eq!(
            after(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        assert!(after(now, Duration::MAX) > now + Duration::from_secs(365 * 24 * 3600));
    }

    #[tokio::test]
    async fn a_gone_client_fails_the_server_pump() {
        let (mut server, bridge_side) = tokio::io::duplex(64);
        let (tx, rx) = mpsc::channel::<Message>(1);
        drop(rx);
        let sink = Mutex::new(tx);
        let stats = RelayStats::new();
        server.write_all(b"220\r\n").await.expect("write");
        let end = tcp_to_ws(bridge_side, &sink, 8, 1 << 20, &stats).await;
        assert!(matches!(end, Err(RelayError::ClientSend)), "{end:?}");
    }
}
