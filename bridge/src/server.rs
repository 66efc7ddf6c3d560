//! The HTTP side: the router (`/` page, `/ws` WebSocket, `/status`,
//! `/sandbox` and `/sandbox/messages`, `/trust-anchors.bin`, static UI
//! files, and `/healthz` and `/readyz` outside the Host check), the
//! handshake checks (Host, Origin, then a trusted proxy's user header or the
//! token), the session limits (in total, per client address and per user),
//! the metrics listener, and [`run`], which serves until the shutdown future
//! completes, then drains (`/readyz` 503, new sessions 503, open ones go on
//! within the grace period) and closes what is left with
//! `closed {by: "bridge", reason: "shutdown"}`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::ws::{rejection::WebSocketUpgradeRejection, WebSocketUpgrade};
use axum::extract::{Extension, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt as _;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::access::{Access, AccessError};
use crate::assets;
use crate::assets::serve::{self, CachePolicy};
use crate::clients::ClientSlots;
use crate::config::Config;
use crate::dns::{Dns, DnsError};
use crate::health::{self, Readiness};
use crate::identity::{ProxyTrust, UserName};
use crate::listener::{self, ClientAddr, ServeOptions};
use crate::metrics::{Metrics, Refusal};
use crate::mta_sts::{MtaSts, Settings as MtaStsSettings};
use crate::relay::RelayLimits;
use crate::sandbox::{self, SandboxLink};
use crate::session::{self, Seat, SessionContext, Visitor};
use crate::users::Users;

/// After the drain, how long the sessions still open get to say `closed`
/// (their close handshake and TCP shutdown take up to 1 s each) and HTTP
/// connections to finish, before they are dropped.
const CLOSE_WAIT: Duration = Duration::from_secs(3);

/// State shared by the handlers.
#[derive(Debug)]
struct AppState {
    /// Host, Origin and token rules.
    access: Access,
    /// One permit per open session.
    sessions: Arc<Semaphore>,
    /// Whether the page is served over TLS (for the CSP).
    tls: bool,
    /// The session limit, for `/status`.
    max_sessions: usize,
    /// Open sessions per client address.
    clients: Arc<ClientSlots>,
    /// What the sessions share.
    session: Arc<SessionContext>,
    /// Tracks session tasks so shutdown can wait for them.
    tracker: TaskTracker,
    /// Numbers sessions for their log span.
    next_session: AtomicU64,
    /// Largest WebSocket message the WebSocket layer buffers; above the
    /// binary frame limit so an oversized frame reaches the relay and gets a
    /// polite `error limit` instead of a dropped connection.
    max_ws_message: usize,
    /// Most bytes the WebSocket layer holds for a client that does not read
    /// (pongs included); the largest message sent must fit.
    max_ws_write_buffer: usize,
    /// The embedded SMTP sandbox, for `/sandbox` and `/sandbox/messages`.
    sandbox: Option<SandboxLink>,
    /// Whose user header counts instead of the token, if anyone's.
    identity: Option<ProxyTrust>,
    /// Open sessions and recent bytes per proxy-named user.
    users: Arc<Users>,
    /// The counters for `/metrics`.
    metrics: Arc<Metrics>,
    /// Set at the shutdown signal: `/readyz` 503, new sessions 503.
    ready: Arc<Readiness>,
}

/// The line `smtplab` prints at start, which other tools parse for the first
/// `http://…` (or, with TLS, `https://…`) URL.
pub fn listening_line(addr: SocketAddr, token: &crate::AccessToken, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    format!(
        "smtplab listening on {scheme}://{addr}/?token={}",
        token.as_str()
    )
}

/// Serves the UI and WebSocket sessions on `listener` (and, with
/// [`Config::metrics_listen`], the metrics listener) until `shutdown`
/// completes; then drains: `/readyz` answers 503 and new WebSocket
/// upgrades get 503 at once, while open sessions go on until they end or
/// [`Config::shutdown_grace`] passes. Those still open then are told
/// `closed {by: "bridge", reason: "shutdown"}`, and `run` returns once they
/// and the HTTP connections are gone (at most [`CLOSE_WAIT`] later).
///
/// # Errors
/// If the listener's address cannot be read, or the metrics address
/// cannot be bound.
///
/// # Security
/// `run` serves whatever [`Config`] says; the checks on the listen address
/// (TLS or an explicit insecure choice off loopback) and the internal-range
/// default are made by the caller, see [`crate::options`].
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let metrics = match config.metrics_listen {
        Some(addr) => Some(TcpListener::bind(addr).await.map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot listen on {addr} for --metrics-listen: {e}"),
            )
        })?),
        None => None,
    };
    run_with_metrics(listener, metrics, config, shutdown).await
}

/// [`run`] with the metrics listener already bound (the binary binds it
/// before announcing itself, so a taken address is a start-up failure);
/// `metrics` replaces [`Config::metrics_listen`].
///
/// # Errors
/// If a listener's address cannot be read.
pub async fn run_with_metrics(
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    let cancel = CancellationToken::new();
    let tracker = TaskTracker::new();
    let info = config.policy_info();
    let access = Access::new(config.token.clone(), addr, &config.allowed_origins)
        .with_tls(config.tls.is_some())
        .with_token_ttl(config.token_ttl);
    let resolver = dns(&config);
    let metrics = Arc::new(Metrics::new());
    let ready = Readiness::new();
    let state = Arc::new(AppState {
        access,
        // options.rs keeps it far lower; a Config built by hand cannot
        // make the semaphore panic either.
        sessions: Arc::new(Semaphore::new(
            config.max_sessions.min(Semaphore::MAX_PERMITS),
        )),
        tls: config.tls.is_some(),
        max_sessions: config.max_sessions,
        clients: ClientSlots::new(config.max_sessions_per_client),
        session: Arc::new(SessionContext {
            policy: config.policy(),
            info,
            connect_timeout: config.connect_timeout,
            max_duration: config.max_session_duration,
            limits: RelayLimits {
                read_buffer_bytes: config.read_buffer_bytes,
                max_frame_bytes: config.max_frame_bytes,
                idle_timeout: config.idle_timeout,
                max_session_bytes: config.max_session_bytes,
                pong_timeout: config.write_timeout,
            },
            cancel: cancel.clone(),
            // The fetcher shares the resolver (and its cache) and the
            // target rules.
            mta_sts: Arc::new(MtaSts::new(resolver.clone(), MtaStsSettings::from(&config))),
            dns: resolver,
            connect_with_dns: config.dns_server.is_some(),
            max_resolves: config.max_resolves_in_flight,
            max_fetches: config.max_mta_sts_in_flight,
            metrics: Arc::clone(&metrics),
            log_format: config.log_format,
        }),
        tracker: tracker.clone(),
        next_session: AtomicU64::new(1),
        max_ws_message: config
            .max_frame_bytes
            .max(smtplab_shared::wire::MAX_CONTROL_BYTES)
            .saturating_mul(4)
            .max(1 << 20),
        max_ws_write_buffer: crate::relay::WS_MAX_WRITE_BUFFER_BYTES
            .saturating_add(config.read_buffer_bytes),
        sandbox: config.sandbox.clone(),
        identity: config.proxy_trust.clone(),
        users: Users::new(config.user_limits),
        metrics: Arc::clone(&metrics),
        ready: Arc::clone(&ready),
    });
    info!(
        %addr,
        tls = config.tls.is_some(),
        max_sessions = config.max_sessions,
        max_sessions_per_client = config.max_sessions_per_client,
        deny_internal = config.deny_internal,
        proxy_identity = config.proxy_trust.as_ref().map(|t| t.header().as_str()),
        "serving"
    );

    let options = ServeOptions {
        max_connections: config.max_connections,
        max_connections_per_client: config.max_connections_per_client,
        header_timeout: config.header_timeout,
        write_timeout: config.write_timeout,
        tls: config.tls.clone().map(tokio_rustls::TlsAcceptor::from),
        trusted_proxy: config.proxy_trust.clone(),
    };
    // The metrics listener outlives the drain: a platform watches it.
    let metrics_stop = CancellationToken::new();
    let metrics_connections = TaskTracker::new();
    if let Some(metrics_listener) = metrics_listener {
        info!(addr = %metrics_listener.local_addr()?, "metrics listener");
        let metrics_options = ServeOptions {
            tls: None,
            ..options.clone()
        };
        tokio::spawn(listener::serve(
            metrics_listener,
            health::metrics_router(Arc::clone(&ready), Arc::clone(&metrics)),
            metrics_options,
            metrics_stop.clone(),
            metrics_connections.clone(),
        ));
    }
    let connections = TaskTracker::new();
    let serve = listener::serve(
        listener,
        router(state, Arc::clone(&ready)),
        options,
        cancel.clone(),
        connections.clone(),
    );
    tokio::pin!(serve);
    tokio::select! {
        () = &mut serve => {}
        () = shutdown => {}
    }
    let grace_ms = u64::try_from(config.shutdown_grace.as_millis()).unwrap_or(u64::MAX);
    info!(
        open_sessions = tracker.len(),
        grace_ms, "draining: /readyz is 503, new sessions are refused, open ones go on"
    );
    ready.start_draining();
    tracker.close();
    // The listener keeps serving (probes, /status, refusals) meanwhile.
    let drained = tokio::select! {
        () = &mut serve => true,
        r = tokio::time::timeout(config.shutdown_grace, tracker.wait()) => r.is_ok(),
    };
    if !drained {
        warn!(
            open_sessions = tracker.len(),
            grace_ms, "shutdown grace period passed; closing the open sessions"
        );
    }
    info!("shutting down");
    cancel.cancel();
    connections.close();
    let closed = tokio::time::timeout(CLOSE_WAIT, async {
        serve.await;
        tracker.wait().await;
        connections.wait().await;
    })
    .await;
    if closed.is_err() {
        warn!(
            open_sessions = tracker.len(),
            "sessions still open after closing them; dropping what is left"
        );
    }
    metrics_stop.cancel();
    metrics_connections.close();
    let _ = tokio::time::timeout(CLOSE_WAIT, metrics_connections.wait()).await;
    Ok(())
}

/// The resolver for `resolve`; a failure is logged once and then given as
/// the answer to every `resolve`.
fn dns(config: &Config) -> Result<Dns, DnsError> {
    let dns = Dns::with_validation(
        config.dns_server,
        config.resolve_timeout,
        config.dnssec.as_ref(),
    );
    if let Err(e) = &dns {
        warn!(error = %e, "no DNS resolver for resolve requests");
    }
    dns
}

/// The main listener's routes: everything behind the guard (Host check,
/// security headers) but the probes, which reveal nothing and must answer
/// whatever Host a platform's checker sends.
fn router(state: Arc<AppState>, ready: Arc<Readiness>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .route("/ws", get(websocket))
        .route("/status", get(status))
        .route("/sandbox", get(sandbox_info))
        .route("/sandbox/messages", get(sandbox_messages))
        .route(assets::TRUST_ANCHORS_PATH, get(trust_anchors))
        .fallback(static_file)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard))
        .with_state(state)
        .merge(health::probes(ready))
}

/// Runs before every handler: refuses a request with two Host or two Origin
/// fields (400) and a foreign Host header (DNS rebinding), and adds the
/// security headers to every response.
async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    // First of all, so that no check ever reads one of two values and a
    // later one (a proxy, a framework) the other.
    if let Some(name) = duplicated_field(request.headers()) {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("a request may carry one {name} header field only\n"),
        )
            .into_response();
    }
    let host = match state.access.check_host(request.headers()) {
        Ok(host) => host.to_owned(),
        Err(e) => {
            if request.uri().path() == "/ws" {
                state.metrics.refused(Refusal::Host);
            }
            return refusal(e);
        }
    };
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The page URL carries the token: never send it on as a Referer.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(csp) = HeaderValue::from_str(&assets::content_security_policy(&host, state.tls)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

/// The first of Host and Origin that appears more than once. RFC 9110
/// (7.2) makes a request with several Host fields a bad request; Origin is
/// a single value too (RFC 6454), and the checks must see the only one.
fn duplicated_field(headers: &HeaderMap) -> Option<&'static str> {
    [(header::HOST, "Host"), (header::ORIGIN, "Origin")]
        .into_iter()
        .find(|(field, _)| headers.get_all(field).iter().nth(1).is_some())
        .map(|(_, name)| name)
}

/// `GET /`: the UI page. It holds no secret (like the public JS and wasm
/// it loads), so it is served without a token: a reload of the tab, whose
/// address no longer has `?token=`, gets it, and the tab takes the token
/// from its `sessionStorage`. A token in the URL must be right (401
/// otherwise, so a stale printed URL says so at once), and that response is
/// never stored, so the token never sits in the browser's cache index. No
/// cookie is ever set: cookies ignore ports, so other servers on the same
/// host would receive it.
async fn index(State(state): State<Arc<AppState>>, uri: Uri, headers: HeaderMap) -> Response {
    let policy = match state.access.check_token(uri.query()) {
        Ok(()) => CachePolicy::NoStore,
        Err(AccessError::MissingToken) => CachePolicy::Asset,
        Err(e) => return refusal(e),
    };
    serve::response(assets::index(), &headers, policy)
}

/// `GET /ws`: refused with 503 while draining; checks Origin, then the
/// user a trusted proxy named or else the token, before upgrading; then
/// runs a session.
async fn websocket(
    State(state): State<Arc<AppState>>,
    client: Option<Extension<ClientAddr>>,
    uri: Uri,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    if state.ready.is_draining() {
        state.metrics.refused(Refusal::Draining);
        return plain_refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "the bridge is shutting down and takes no new sessions; try again (another replica, or this one once it is back)",
        );
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if let Err(e) = state.access.check_origin(&headers, host) {
        state.metrics.refused(Refusal::Origin);
        return refusal(e);
    }
    let client = client.map(|Extension(c)| c.0);
    let user = match (&state.identity, client) {
        (Some(trust), Some(peer)) => match trust.user(peer.ip(), &headers) {
            Ok(user) => user,
            Err(e) => {
                state.metrics.refused(Refusal::UserHeader);
                return plain_refusal(StatusCode::BAD_REQUEST, &e.to_string());
            }
        },
        _ => None,
    };
    if user.is_none() {
        if let Err(e) = state.access.check_token(uri.query()) {
            state.metrics.refused(Refusal::Token);
            return refusal(e);
        }
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    // Taken at the handshake, so the counts are decided before any session
    // work; a refusal makes the session answer `error limit` and close.
    let seat = match take_seat(&state, client, user.as_ref()) {
        Ok(seat) => Ok(seat),
        Err((reason, text)) => {
            state.metrics.refused(reason);
            Err(text)
        }
    };
    // Held from now on, so shutdown also waits for sessions whose upgrade
    // has not completed yet.
    let tracked = state.tracker.token();
    let ctx = Arc::clone(&state.session);
    let metrics = Arc::clone(&state.metrics);
    let id = state.next_session.fetch_add(1, Ordering::Relaxed);
    let visitor = Visitor { user, client };
    upgrade
        .max_message_size(state.max_ws_message)
        .max_frame_size(state.max_ws_message)
        .read_buffer_size(crate::relay::WS_READ_BUFFER_BYTES)
        // Each message is written at once (the pumps flush every frame
        // anyway); the buffer only fills while the client does not read,
        // and then stops at the cap instead of growing with every pong.
        .write_buffer_size(0)
        .max_write_buffer_size(state.max_ws_write_buffer)
        .on_upgrade(move |socket| async move {
            let open = seat
                .is_ok()
                .then(|| metrics.session_started(visitor.user.as_ref().map(UserName::as_str)));
            let (sink, stream) = socket.split();
            session::serve(sink, stream, ctx, seat, id, visitor).await;
            drop(open);
            drop(tracked);
        })
}

/// A place in the total, the per-client and the per-user session counts,
/// or why not (the refusal's reason and text).
fn take_seat(
    state: &AppState,
    client: Option<SocketAddr>,
    user: Option<&UserName>,
) -> Result<Seat, (Refusal, String)> {
    let Ok(permit) = Arc::clone(&state.sessions).try_acquire_owned() else {
        return Err((
            Refusal::Limit,
            format!(
                "the bridge already serves {} sessions; try again later",
                state.max_sessions
            ),
        ));
    };
    // A user named by a trusted proxy comes from the proxy's address, which
    // every user behind it shares: the per-user limit takes the place of
    // the per-client one.
    let slot = match (client, user) {
        (Some(addr), None) => Some(state.clients.try_take(addr.ip()).ok_or_else(|| {
            (Refusal::Limit, "this client address (for IPv6, its /64) already has the most sessions the bridge allows one client; close one first".to_owned())
        })?),
        _ => None,
    };
    let user_slot = match user {
        Some(user) => Some(
            state
                .users
                .try_take(user)
                .map_err(|e| (Refusal::UserLimit, e.to_string()))?,
        ),
        None => None,
    };
    Ok(Seat::new(permit, slot, user_slot))
}

/// `GET /status` (token required): the version text (the page footer
/// shows it), open sessions and the runtime's live tasks, as JSON, so a
/// load test can check that both return to their baseline after sessions
/// end.
async fn status(State(state): State<Arc<AppState>>, uri: Uri) -> Response {
    if let Err(e) = state.access.check_token(uri.query()) {
        return refusal(e);
    }
    let open = state.max_sessions - state.sessions.available_permits();
    let tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    let body = serde_json::json!({
        "version": crate::version::VERSION_TEXT,
        "sessions": open,
        "session_tasks": state.tracker.len(),
        "tasks": tasks,
    });
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `GET /sandbox` (token required): whether the embedded SMTP sandbox runs,
/// its address and demo account, as JSON.
async fn sandbox_info(State(state): State<Arc<AppState>>, uri: Uri) -> Response {
    if let Err(e) = state.access.check_token(uri.query()) {
        return refusal(e);
    }
    json_response(StatusCode::OK, sandbox::info_json(state.sandbox.as_ref()))
}

/// `GET /sandbox/messages[?limit=N&before=ID]` (token required): one page
/// of the sandbox's inbox, newest first, with the total count (see
/// [`sandbox::messages_json`]); 400 for a bad `limit` or `before`, 404 when
/// the sandbox does not run.
async fn sandbox_messages(State(state): State<Arc<AppState>>, uri: Uri) -> Response {
    if let Err(e) = state.access.check_token(uri.query()) {
        return refusal(e);
    }
    match &state.sandbox {
        Some(link) => match sandbox::messages_json(&link.inbox, uri.query()) {
            Ok(page) => json_response(StatusCode::OK, page),
            Err(e) => (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("{e}\n"),
            )
                .into_response(),
        },
        None => json_response(StatusCode::NOT_FOUND, sandbox::info_json(None)),
    }
}

/// A JSON body that is never cached.
fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `GET /trust-anchors.bin`: the public root CAs for the tab's TLS. Public
/// data like the UI files: no token, but the same Host check (the guard).
/// Revalidated with its `ETag` (a `304` when unchanged).
async fn trust_anchors(headers: HeaderMap) -> Response {
    let file = assets::trust_anchors();
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == file.etag
        });
    let cache = [
        (header::CACHE_CONTROL, "no-cache"),
        (header::ETAG, file.etag.as_str()),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [(header::CONTENT_TYPE, "application/octet-stream")],
        file.bytes.as_slice(),
    )
        .into_response()
}

/// Any other path: a file of the UI build. These are public code and need
/// no token. Sent pre-compressed as the request accepts, content-hashed
/// names cached for good, the rest revalidated (`assets::serve`).
async fn static_file(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "only GET is served\n").into_response();
    }
    match asset_name(uri.path()).and_then(assets::get) {
        Some(file) => serve::response(file, &headers, CachePolicy::Asset),
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// The UI file a path names, in its one canonical form only: one leading
/// `/`, no empty, `.` or `..` segments, no backslash. `//index.html` and
/// the like are not other names for a file (they once served the page
/// past its route's token check), and the page itself is its routes'
/// business, never the fallback's.
fn asset_name(path: &str) -> Option<&str> {
    let name = path.strip_prefix('/')?;
    let canonical = !name.contains('\\')
        && name
            .split('/')
            .all(|segment| !matches!(segment, "" | "." | ".."));
    (canonical && name != "index.html").then_some(name)
}

/// A refusal with `status` and a one-line plain-text body.
fn plain_refusal(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{text}\n"),
    )
        .into_response()
}

/// A refused request: the status and a short plain-text explanation.
fn refusal(e: AccessError) -> Response {
    (
        e.status(),
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{e}\n"),
    )
        .into_response()
}
