//! One WebSocket session: `hello`, the control phase until a `connect`
//! succeeds, the relay, and the ending (`closed`, the TCP close and the
//! WebSocket close frame), with one audit line at the end ([`crate::audit`])
//! and its counts in [`crate::metrics`]. `resolve` and
//! `fetch_mta_sts` requests are answered in both phases, concurrently with
//! the rest ([`crate::dns`], [`crate::mta_sts`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::ws::{close_code, CloseFrame, Message};
use futures_util::{Sink, SinkExt as _, Stream, StreamExt as _};
use smtplab_shared::wire::{
    ClientMessage, ClosedBy, ErrorCode, PolicyInfo, ServerMessage, PROTOCOL_VERSION,
};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio::sync::{Mutex, OwnedSemaphorePermit};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, Instrument as _};

use crate::audit::{LogFormat, SessionRecord};
use crate::clients::ClientSlot;
use crate::dial::{dial, io_error_code};
use crate::dns::{Dns, DnsError};
use crate::identity::UserName;
use crate::metrics::Metrics;
use crate::mta_sts::MtaSts;
use crate::policy::Policy;
use crate::relay::{self, ByteBudget, ClientEnd, RelayEnd, RelayError, RelayLimits, RelayStats};
use crate::users::UserSlot;

mod requests;

use requests::{Intercept, RequestAnswers, Requests, Start};

/// How long the bridge waits for the client's answer to its close frame, and
/// for the TCP shutdown, before dropping the connection anyway.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The logged reason when a client that sends pings does not read the
/// pongs ([`RelayError::PongsUnread`]); it is dropped without a close frame.
const PONGS_UNREAD: &str = "client does not read its pongs";

/// What every session of one bridge shares.
#[derive(Debug)]
pub(crate) struct SessionContext {
    /// The target policy.
    pub(crate) policy: Policy,
    /// Sent in `hello`; also the source of the timeouts and limits.
    pub(crate) info: PolicyInfo,
    /// Connect timeout cap.
    pub(crate) connect_timeout: Duration,
    /// Longest a session may last, from the WebSocket upgrade.
    pub(crate) max_duration: Duration,
    /// Relay limits.
    pub(crate) limits: RelayLimits,
    /// Fires at shutdown.
    pub(crate) cancel: CancellationToken,
    /// The resolver for `resolve`, or why there is none.
    pub(crate) dns: Result<Dns, DnsError>,
    /// `connect` resolves names with [`Self::dns`] too (a server was given
    /// with `--dns`), so it reaches the addresses `resolve` showed.
    pub(crate) connect_with_dns: bool,
    /// Lookups one session may have running.
    pub(crate) max_resolves: usize,
    /// The MTA-STS fetcher (with the same resolver and target rules).
    pub(crate) mta_sts: Arc<MtaSts>,
    /// MTA-STS fetches one session may have running.
    pub(crate) max_fetches: usize,
    /// The bridge's counters.
    pub(crate) metrics: Arc<Metrics>,
    /// How the audit line is written.
    pub(crate) log_format: LogFormat,
}

/// Who a session is for, for the audit line: never a credential.
#[derive(Debug, Clone, Default)]
pub(crate) struct Visitor {
    /// The user a trusted proxy named.
    pub(crate) user: Option<UserName>,
    /// The TCP peer of the handshake (the proxy, behind one).
    pub(crate) client: Option<SocketAddr>,
}

/// A session's places in the total and per-client counts, given back when
/// the session ends.
#[derive(Debug)]
pub(crate) struct Seat {
    /// The total count's permit.
    _permit: OwnedSemaphorePermit,
    /// The per-client count's slot (absent when the client address is
    /// unknown, as in unit tests).
    _slot: Option<ClientSlot>,
    /// The per-user count's slot, when a trusted proxy named the user;
    /// also the budget the session's bytes count against.
    user: Option<Arc<UserSlot>>,
}

impl Seat {
    /// Holds the places.
    pub(crate) fn new(
        permit: OwnedSemaphorePermit,
        slot: Option<ClientSlot>,
        user: Option<UserSlot>,
    ) -> Self {
        Self {
            _permit: permit,
            _slot: slot,
            user: user.map(Arc::new),
        }
    }
}

/// How the session ended, for `closed` and the log line.
struct Ending {
    /// Which side ended it; `None` when there is nothing to report (the
    /// client's WebSocket is already gone).
    by: Option<ClosedBy>,
    /// The `closed` reason and log text.
    reason: &'static str,
    /// An `error` to send before `closed`.
    error: Option<ServerMessage>,
    /// The WebSocket close code; `None`: the client is dropped without a
    /// closing handshake (it does not read, so nothing more is sent).
    close_code: Option<u16>,
}

impl Ending {
    fn new(by: ClosedBy, reason: &'static str, close_code: u16) -> Self {
        Self {
            by: Some(by),
            reason,
            error: None,
            close_code: Some(close_code),
        }
    }

    fn silent(reason: &'static str) -> Self {
        Self {
            by: None,
            reason,
            error: None,
            close_code: Some(close_code::NORMAL),
        }
    }

    /// The client is dropped: no `closed`, no close frame.
    fn dropped(reason: &'static str) -> Self {
        Self {
            by: None,
            reason,
            error: None,
            close_code: None,
        }
    }

    fn with_error(mut self, code: ErrorCode, message: String) -> Self {
        self.error = Some(ServerMessage::error(code, message));
        self
    }
}

/// Serves one WebSocket until it ends. `seat` is the refusal text when a
/// session limit was reached: the client then gets `hello`, `error limit`
/// and a close frame.
pub(crate) async fn serve<S, St, E>(
    sink: S,
    stream: St,
    ctx: Arc<SessionContext>,
    seat: Result<Seat, String>,
    id: u64,
    visitor: Visitor,
) where
    S: Sink<Message> + Unpin + Send,
    St: Stream<Item = Result<Message, E>> + Unpin + Send,
{
    let span = match &visitor.user {
        Some(user) => tracing::info_span!("session", id, user = user.as_str()),
        None => tracing::info_span!("session", id),
    };
    serve_inner(sink, stream, &ctx, seat, visitor)
        .instrument(span)
        .await;
}

async fn serve_inner<S, St, E>(
    mut sink: S,
    mut stream: St,
    ctx: &SessionContext,
    seat: Result<Seat, String>,
    visitor: Visitor,
) where
    S: Sink<Message> + Unpin + Send,
    St: Stream<Item = Result<Message, E>> + Unpin + Send,
{
    let start = SystemTime::now();
    let budget = seat
        .as_ref()
        .ok()
        .and_then(|s| s.user.clone())
        .map(|u| u as Arc<dyn ByteBudget>);
    let stats = RelayStats::with_budget(budget);
    let hello = ServerMessage::Hello {
        version: PROTOCOL_VERSION,
        policy: ctx.info.clone(),
    };
    if send(&mut sink, &hello).await.is_err() {
        return;
    }
    let _seat = match seat {
        Ok(seat) => seat,
        Err(refusal) => {
            let limit = ServerMessage::error(ErrorCode::Limit, refusal);
            let _ = send(&mut sink, &limit).await;
            close_websocket(sink, stream, close_code::AGAIN, "session limit").await;
            info!(ended = "session limit", "session refused");
            return;
        }
    };
    let deadline = relay::after(tokio::time::Instant::now(), ctx.max_duration);
    let (requests, mut answers) = Requests::new(ctx);

    let (target, ending) = match control_phase(
        &mut sink,
        &mut stream,
        ctx,
        deadline,
        &requests,
        &mut answers,
    )
    .await
    {
        Control::Connected { tcp, target } => {
            // The relay never sees the side requests.
            let mut client = Intercept::new(&mut stream, &requests);
            let (ending, sink_back) =
                relay_phase(sink, &mut client, tcp, ctx, &stats, deadline, &mut answers).await;
            sink = sink_back;
            (Some(target), ending)
        }
        Control::Ended(ending) => (None, ending),
    };

    if let Some(err) = &ending.error {
        let _ = send(&mut sink, err).await;
    }
    if let Some(by) = ending.by {
        let closed = ServerMessage::Closed {
            by,
            reason: ending.reason.to_owned(),
        };
        let _ = send(&mut sink, &closed).await;
    }
    if let Some(code) = ending.close_code {
        close_websocket(sink, stream, code, ending.reason).await;
    }
    ctx.metrics.relayed(stats.to_server(), stats.to_client());
    let (target_host, target_port, target_addr) = match target {
        Some(t) => (Some(t.host), Some(t.port), Some(t.addr)),
        None => (None, None, None),
    };
    SessionRecord {
        user: visitor.user.map(|u| u.as_str().to_owned()),
        client: visitor.client,
        target_host,
        target_port,
        target_addr,
        start,
        duration: stats.elapsed(),
        bytes_to_server: stats.to_server(),
        bytes_to_client: stats.to_client(),
        end: ending.reason,
        by: ending.by,
    }
    .emit(ctx.log_format);
}

/// Where a session connected, for the audit line.
struct Target {
    /// The host as the client named it.
    host: String,
    /// The port.
    port: u16,
    /// The address connected to.
    addr: SocketAddr,
}

/// The outcome of the control phase.
enum Control {
    /// A `connect` succeeded.
    Connected {
        /// The open connection.
        tcp: TcpStream,
        /// Where, for the log.
        target: Target,
    },
    /// The session ends before any connection.
    Ended(Ending),
}

/// Answers control messages until a `connect` succeeds or the session ends.
async fn control_phase<S, St, E>(
    sink: &mut S,
    stream: &mut St,
    ctx: &SessionContext,
    deadline: tokio::time::Instant,
    requests: &Requests,
    answers: &mut RequestAnswers,
) -> Control
where
    S: Sink<Message> + Unpin,
    St: Stream<Item = Result<Message, E>> + Unpin,
{
    let idle = tokio::time::sleep(ctx.limits.idle_timeout);
    tokio::pin!(idle);
    loop {
        let msg = tokio::select! {
            biased;
            () = ctx.cancel.cancelled() => {
                return Control::Ended(Ending::new(ClosedBy::Bridge, "shutdown", close_code::AWAY));
            }
            () = &mut idle => {
                return Control::Ended(Ending::new(ClosedBy::Bridge, "idle timeout", close_code::NORMAL));
            }
            () = tokio::time::sleep_until(deadline) => {
                return Control::Ended(time_limit(ctx));
            }
            answer = answers.next() => {
                if send(sink, &answer).await.is_err() {
                    return Control::Ended(Ending::silent("websocket closed"));
                }
                continue;
            }
            msg = stream.next() => msg,
        };
        let reply = match msg {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => {
                return Control::Ended(Ending::silent("websocket closed"));
            }
            // The pong leaves before the next frame is read (relay.rs).
            Some(Ok(Message::Ping(_))) => {
                if relay::flush_pong(sink, ctx.limits.pong_timeout)
                    .await
                    .is_err()
                {
                    return Control::Ended(Ending::dropped(PONGS_UNREAD));
                }
                continue;
            }
            Some(Ok(Message::Pong(_))) => continue,
            Some(Ok(Message::Binary(_))) => ServerMessage::error(
                ErrorCode::BadRequest,
                "binary frame before connect: send connect first",
            ),
            Some(Ok(Message::Text(text))) => match ClientMessage::decode(text.as_str()) {
                Err(e) => ServerMessage::error(ErrorCode::BadRequest, e.to_string()),
                Ok(ClientMessage::Close) => {
                    return Control::Ended(Ending::new(
                        ClosedBy::Client,
                        "close requested",
                        close_code::NORMAL,
                    ));
                }
                Ok(
                    request @ (ClientMessage::Resolve { .. } | ClientMessage::FetchMtaSts { .. }),
                ) => match requests.start(request) {
                    Start::Running => {
                        idle.as_mut().reset(relay::after(
                            tokio::time::Instant::now(),
                            ctx.limits.idle_timeout,
                        ));
                        continue;
                    }
                    Start::Refused { answer, .. } => answer,
                    Start::Other => unreachable!("Requests::start takes every side request"),
                },
                Ok(ClientMessage::Connect {
                    host,
                    port,
                    timeout_ms,
                }) => match connect(ctx, &host, port, timeout_ms, deadline).await {
                    Some(Ok((tcp, addr, connected))) => {
                        if send(sink, &connected).await.is_err() {
                            return Control::Ended(Ending::silent("websocket closed"));
                        }
                        return Control::Connected {
                            tcp,
                            target: Target { host, port, addr },
                        };
                    }
                    Some(Err(_)) if tokio::time::Instant::now() >= deadline => {
                        return Control::Ended(time_limit(ctx));
                    }
                    Some(Err(error)) => error,
                    None => {
                        return Control::Ended(Ending::new(
                            ClosedBy::Bridge,
                            "shutdown",
                            close_code::AWAY,
                        ));
                    }
                },
            },
        };
        if send(sink, &reply).await.is_err() {
            return Control::Ended(Ending::silent("websocket closed"));
        }
        idle.as_mut().reset(relay::after(
            tokio::time::Instant::now(),
            ctx.limits.idle_timeout,
        ));
    }
}

/// The ending when the session's time limit passed.
fn time_limit(ctx: &SessionContext) -> Ending {
    Ending::new(ClosedBy::Bridge, "session time limit", close_code::NORMAL).with_error(
        ErrorCode::Limit,
        format!(
            "the session reached the bridge's time limit of {} s",
            ctx.max_duration.as_secs()
        ),
    )
}

/// Checks the policy and dials, within the session's deadline too; `None`
/// when shutdown interrupted it.
async fn connect(
    ctx: &SessionContext,
    host: &str,
    port: u16,
    timeout_ms: Option<u64>,
    deadline: tokio::time::Instant,
) -> Option<Result<(TcpStream, SocketAddr, ServerMessage), ServerMessage>> {
    if let Err(e) = ctx.policy.check_target(host, port) {
        debug!(port, "connect refused by policy");
        return Some(Err(ServerMessage::error(e.code(), e.to_string())));
    }
    let timeout = timeout_ms
        .map(Duration::from_millis)
        .map_or(ctx.connect_timeout, |t| t.min(ctx.connect_timeout))
        .min(deadline.saturating_duration_since(tokio::time::Instant::now()));
    let started = tokio::time::Instant::now();
    let result = tokio::select! {
        biased;
        () = ctx.cancel.cancelled() => return None,
        r = dial(&ctx.policy, ctx.connect_with_dns.then(|| ctx.dns.as_ref().ok()).flatten(), host, port, timeout) => r,
    };
    Some(match result {
        Ok((tcp, peer)) => {
            let seconds = started.elapsed().as_secs_f64();
            ctx.metrics.connected(seconds);
            let connect_ms = seconds * 1000.0;
            debug!(%peer, connect_ms, "connected");
            Ok((
                tcp,
                peer,
                ServerMessage::Connected {
                    peer: peer.to_string(),
                    connect_ms,
                },
            ))
        }
        Err(e) => {
            debug!(code = e.code().as_str(), "connect failed");
            Err(ServerMessage::error(e.code(), e.to_string()))
        }
    })
}

/// Relays until either side ends, closes the TCP connection and says how
/// the session ended. Hands the sink back for the closing messages.
/// `client` is the client's stream with the side requests already taken out
/// ([`Intercept`]); their answers are sent between relayed frames.
async fn relay_phase<S, St, E>(
    sink: S,
    client: &mut St,
    mut tcp: TcpStream,
    ctx: &SessionContext,
    stats: &RelayStats,
    deadline: tokio::time::Instant,
    answers: &mut RequestAnswers,
) -> (Ending, S)
where
    S: Sink<Message> + Unpin,
    St: Stream<Item = Result<Message, E>> + Unpin,
{
    let shared = Mutex::new(sink);
    let end = {
        let (r, w) = tcp.split();
        let relay = relay::run(
            r,
            w,
            client,
            &shared,
            ctx.limits,
            stats,
            deadline,
            &ctx.cancel,
        );
        // Both in one select, so a client that does not read its answers
        // cannot stop the relay's own timers.
        let forward = async {
            loop {
                let answer = answers.next().await;
                if send(&mut *shared.lock().await, &answer).await.is_err() {
                    break;
                }
            }
            // The client is gone; the relay notices that by itself.
            std::future::pending::<()>().await;
        };
        tokio::select! {
            end = relay => end,
            () = forward => RelayEnd::Client(ClientEnd::WebSocketClosed),
        }
    };
    // Send FIN so the server sees a clean EOF, then drop the socket.
    let _ = tokio::time::timeout(CLOSE_GRACE, tcp.shutdown()).await;
    drop(tcp);
    let ending = match end {
        RelayEnd::ServerClosed => Ending::new(ClosedBy::Server, "eof", close_code::NORMAL),
        RelayEnd::Client(ClientEnd::CloseRequested) => {
            Ending::new(ClosedBy::Client, "close requested", close_code::NORMAL)
        }
        RelayEnd::Client(ClientEnd::WebSocketClosed) | RelayEnd::Failed(RelayError::ClientSend) => {
            Ending::silent("websocket closed")
        }
        RelayEnd::Failed(RelayError::PongsUnread) => Ending::dropped(PONGS_UNREAD),
        RelayEnd::Failed(RelayError::FrameTooLarge { len, limit }) => {
            Ending::new(ClosedBy::Bridge, "frame too large", close_code::SIZE).with_error(
                ErrorCode::Limit,
                format!("binary frame of {len} bytes exceeds the limit of {limit}"),
            )
        }
        RelayEnd::Failed(e @ (RelayError::ServerRead(_) | RelayError::ServerWrite(_))) => {
            let code = match &e {
                RelayError::ServerRead(io) | RelayError::ServerWrite(io) => io_error_code(io),
                _ => ErrorCode::Internal,
            };
            let reason = if code == ErrorCode::Reset {
                "reset"
            } else {
                "error"
            };
            Ending::new(ClosedBy::Server, reason, close_code::NORMAL)
                .with_error(code, e.to_string())
        }
        RelayEnd::Failed(RelayError::ByteLimit { limit }) => {
            Ending::new(ClosedBy::Bridge, "byte limit", close_code::NORMAL).with_error(
                ErrorCode::Limit,
                format!("the session reached the bridge's limit of {limit} relayed bytes"),
            )
        }
        RelayEnd::Failed(RelayError::BudgetSpent { limit }) => {
            Ending::new(ClosedBy::Bridge, "user byte limit", close_code::NORMAL).with_error(
                ErrorCode::Limit,
                format!("your user reached the bridge's limit of {limit} relayed bytes per hour; try again later"),
            )
        }
        RelayEnd::Idle => Ending::new(ClosedBy::Bridge, "idle timeout", close_code::NORMAL),
        RelayEnd::TimeLimit => time_limit(ctx),
        RelayEnd::Shutdown => Ending::new(ClosedBy::Bridge, "shutdown", close_code::AWAY),
    };
    (ending, shared.into_inner())
}

async fn send<S>(sink: &mut S, msg: &ServerMessage) -> Result<(), S::Error>
where
    S: Sink<Message> + Unpin,
{
    sink.send(Message::Text(msg.encode().into())).await
}

/// Sends the close frame and waits briefly for the client's answer, so the
/// client sees a clean closing handshake rather than a dropped connection.
async fn close_websocket<S, St, E>(mut sink: S, mut stream: St, code: u16, reason: &'static str)
where
    S: Sink<Message> + Unpin,
    St: Stream<Item = Result<Message, E>> + Unpin,
{
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if sink.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(Ok(msg)) = stream.next().await {
            if matches!(msg, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
    let _ = sink.close().await;
}
