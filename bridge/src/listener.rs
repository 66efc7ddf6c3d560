//! The accept loop: one semaphore permit per open connection (upgraded
//! WebSockets included), so a flood of connections waits in the kernel's
//! backlog instead of exhausting file descriptors; `TCP_NODELAY` on each
//! (relayed SMTP lines must not wait for Nagle's algorithm); the optional
//! TLS handshake; and HTTP/1.1 served by hyper with a header-read timeout,
//! so a client that sends its request slowly (slowloris) loses its
//! connection instead of holding it. Two more bounds keep clients from
//! holding connections: a write timeout (a client that stops reading a
//! response, or a WebSocket, loses its connection once the bridge's writes
//! make no progress for `write_timeout`: [`crate::deadline`]) and a cap on
//! the connections one client address may hold
//! (`max_connections_per_client`; IPv6 counted per /64 as for sessions), so
//! no single client fills `max_connections`.
//!
//! This replaces `axum::serve`, which has no header timeout. The client's
//! address is put in each request's extensions as [`ClientAddr`].

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_service::Service as _;

use crate::clients::ClientSlots;
use crate::deadline::WriteDeadline;
use crate::identity::ProxyTrust;

/// The address of the client that opened the connection a request came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddr(pub(crate) SocketAddr);

/// How connections are accepted and served.
#[derive(Clone)]
pub(crate) struct ServeOptions {
    /// Open connections at most.
    pub(crate) max_connections: usize,
    /// Open connections from one client address at most; one more is
    /// closed at once.
    pub(crate) max_connections_per_client: usize,
    /// Header block (and TLS handshake) deadline.
    pub(crate) header_timeout: Duration,
    /// How long a write to the client may make no progress.
    pub(crate) write_timeout: Duration,
    /// TLS, when the page is served over HTTPS.
    pub(crate) tls: Option<TlsAcceptor>,
    /// The trusted reverse proxies (`--trusted-proxy`): every user behind
    /// one arrives from its address, so the per-client share does not
    /// apply to them (the per-user limits do, once the user is known).
    pub(crate) trusted_proxy: Option<ProxyTrust>,
}

/// Accepts and serves connections until `cancel` fires, then asks every
/// open HTTP connection to finish (upgraded ones are the sessions' business)
/// and returns once they have; connection tasks are tracked by `tracker`.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    cancel: CancellationToken,
    tracker: TaskTracker,
) {
    let permits = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let per_client = ClientSlots::new(options.max_connections_per_client.max(1));
    loop {
        let permit = tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            p = Arc::clone(&permits).acquire_owned() => p.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            r = accept(&listener) => r,
        };
        // Over its share, a client's connection is closed before any byte
        // is read or written, and the global permit goes back at once. A
        // trusted proxy carries many users: only the total bounds it.
        let trusted = options
            .trusted_proxy
            .as_ref()
            .is_some_and(|t| t.is_trusted(peer.ip()));
        let slot = if trusted {
            None
        } else {
            let Some(slot) = per_client.try_take(peer.ip()) else {
                tracing::debug!(%peer, "this client holds the most connections allowed; closing");
                continue;
            };
            Some(slot)
        };
        let app = app.clone();
        let options = options.clone();
        let cancel = cancel.clone();
        tracker.spawn(async move {
            serve_connection(stream, peer, app, &options, &cancel).await;
            drop(slot);
            drop(permit);
        });
    }
}

/// Accepts one connection, retrying after errors.
async fn accept(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!(error = %e, "could not set TCP_NODELAY");
                }
                return (stream, peer);
            }
            Err(e) => {
                // Per-connection errors (the peer left) are retried at once;
                // others (out of descriptors) after a pause, as axum does.
                if !matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionRefused
                        | io::ErrorKind::ConnectionAborted
                        | io::ErrorKind::ConnectionReset
                ) {
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

/// Runs the TLS handshake if any, then HTTP/1.1 with upgrades.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    options: &ServeOptions,
    cancel: &CancellationToken,
) {
    // Under TLS too: the deadline watches the socket itself.
    let stream = WriteDeadline::new(stream, options.write_timeout, peer);
    match &options.tls {
        None => serve_http(stream, peer, app, options, cancel).await,
        Some(acceptor) => {
            let handshake =
                tokio::time::timeout(options.header_timeout, acceptor.accept(stream)).await;
            match handshake {
                Ok(Ok(tls)) => serve_http(tls, peer, app, options, cancel).await,
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        }
    }
}

async fn serve_http<I>(
    io: I,
    peer: SocketAddr,
    app: Router,
    options: &ServeOptions,
    cancel: &CancellationToken,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ClientAddr(peer));
        let mut app = app.clone();
        async move { app.call(request).await }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout);
    let conn = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::trace!(%peer, error = %e, "connection ended with an error");
            }
            return;
        }
        () = cancel.cancelled() => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    async fn start(max: usize, header_timeout: Duration) -> (SocketAddr, CancellationToken) {
        let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = tcp.local_addr().expect("addr");
        let cancel = CancellationToken::new();
        let app = Router::new().route("/", routing::get(|| async { "ok" }));
        let options = ServeOptions {
            max_connections: max,
            max_connections_per_client: max,
            header_timeout,
            write_timeout: Duration::from_secs(10),
            tls: None,
            trusted_proxy: None,
        };
        tokio::spawn(serve(tcp, app, options, cancel.clone(), TaskTracker::new()));
        (addr, cancel)
    }

    async fn get(addr: SocketAddr) -> String {
        let mut tcp = TcpStream::connect(addr).await.expect("connect");
        tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .expect("write");
        let mut out = String::new();
        tcp.read_to_string(&mut out).await.expect("read");
        out
    }

    #[tokio::test]
    async fn connections_over_the_limit_wait_for_a_free_permit() {
        let (addr, _cancel) = start(1, Duration::from_secs(5)).await;
        let holder = TcpStream::connect(addr).await.expect("connect 1");
        let waiting = tokio::time::timeout(Duration::from_millis(300), get(addr)).await;
        assert!(
            waiting.is_err(),
            "a second connection was served over the limit"
        );
        drop(holder);
        let served = tokio::time::timeout(Duration::from_secs(5), get(addr))
            .await
            .expect("the freed permit was not reused");
        assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    }

    #[tokio::test]
    async fn a_slow_header_block_loses_its_connection() {
        let (addr, _cancel) = start(4, Duration::from_millis(300)).await;
        let mut slow = TcpStream::connect(addr).await.expect("connect");
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("write");
        let started = std::time::Instant::now();
        let mut rest = Vec::new();
        // The read ends (EOF, or a reset) because the bridge hung up.
        let _ = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest))
            .await
            .expect("the bridge hung up on the slow client");
        assert!(started.elapsed() < Duration::from_secs(3));
        let served = get(addr).await;
        assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    }
}
