//! The tokio side: [`start`] binds the listener and spawns the accept loop;
//! each connection runs one [`Conversation`] with an idle timeout, a
//! connection time limit and a cap on concurrent connections.
//! [`SandboxHandle`] gives the bound address, the [`Inbox`] and shutdown.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{sleep_until, timeout, Instant};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn, Instrument as _};

use crate::config::{ConfigError, SandboxConfig};
use crate::conversation::{Conversation, Rules};
use crate::inbox::Inbox;
use crate::reply;

/// Bytes read from a client at a time; also bounds how far a DATA chunk
/// can overshoot the size limit before the rest is discarded.
const READ_BUFFER_BYTES: usize = 8 * 1024;

/// Why [`start`] did not start the sandbox.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration was refused (non-loopback address, zero limit, …).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The listen address could not be bound (in use, no permission, …).
    #[error("cannot listen on {addr} for the SMTP sandbox: {source}")]
    Bind {
        /// The address from the configuration.
        addr: SocketAddr,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

/// A running sandbox. Dropping the handle does not stop the sandbox: it
/// runs until the `shutdown` future given to [`start`] completes or
/// [`SandboxHandle::shutdown`] is called.
#[derive(Debug, Clone)]
pub struct SandboxHandle {
    addr: SocketAddr,
    inbox: Inbox,
    cancel: CancellationToken,
    tracker: TaskTracker,
}

impl SandboxHandle {
    /// The address the sandbox listens on (the real port when the
    /// configuration said port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The messages received so far; the clone stays live.
    pub fn inbox(&self) -> Inbox {
        self.inbox.clone()
    }

    /// Stops accepting, tells open connections `421 4.3.2` and closes them.
    pub fn shutdown(&self) {
        self.cancel.cancel();
    }

    /// Completes when the accept loop and every connection have ended
    /// (after a shutdown).
    pub async fn stopped(&self) {
        self.tracker.wait().await;
    }
}

/// Checks `config`, binds `config.listen` and serves SMTP there until
/// `shutdown` completes (or [`SandboxHandle::shutdown`] is called). Returns
/// once the listener is bound, so a client may connect at once.
///
/// # Errors
/// [`StartError::Config`] if [`SandboxConfig::check`] refuses the settings
/// (e.g. a non-loopback address without `allow_non_loopback`);
/// [`StartError::Bind`] if the address cannot be bound.
pub async fn start(
    config: SandboxConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<SandboxHandle, StartError> {
    config.check()?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;
    let inbox = Inbox::new(config.max_messages, config.max_total_bytes);
    let cancel = CancellationToken::new();
    let tracker = TaskTracker::new();
    let server = Server {
        rules: Arc::new(Rules {
            hostname: config.hostname.clone(),
            max_message_bytes: config.max_message_bytes,
            max_recipients: config.max_recipients,
            max_auth_failures: config.max_auth_failures.max(1),
            require_auth: config.require_auth,
            bearer_token: config.bearer_token.clone(),
        }),
        inbox: inbox.clone(),
        connections: Arc::new(Semaphore::new(config.max_connections)),
        config,
        cancel: cancel.clone(),
        tracker: tracker.clone(),
    };
    info!(%addr, "SMTP sandbox listening");
    let signal_cancel = cancel.clone();
    tracker.spawn(async move {
        tokio::select! {
            () = shutdown => signal_cancel.cancel(),
            () = signal_cancel.cancelled() => {}
        }
    });
    tracker.spawn(server.accept_loop(listener));
    tracker.close();
    Ok(SandboxHandle {
        addr,
        inbox,
        cancel,
        tracker,
    })
}

/// What the accept loop shares with every connection.
struct Server {
    config: SandboxConfig,
    rules: Arc<Rules>,
    inbox: Inbox,
    /// One permit per open connection: `max_connections` of them.
    connections: Arc<Semaphore>,
    cancel: CancellationToken,
    /// Tracks every connection task, so [`SandboxHandle::stopped`] waits
    /// for them.
    tracker: TaskTracker,
}

impl Server {
    async fn accept_loop(self, listener: TcpListener) {
        loop {
            let accepted = tokio::select! {
                biased;
                () = self.cancel.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of descriptors and the like: wait instead of spinning.
                    warn!(error = %e, "SMTP sandbox accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(permit) = Arc::clone(&self.connections).try_acquire_owned() else {
                debug!(%peer, "SMTP sandbox busy; refusing a connection");
                let mut out = Vec::new();
                reply::BUSY.write_to(&mut out);
                // A fresh socket's send buffer takes these few bytes at
                // once; if not, the client just sees the close.
                let _ = stream.try_write(&out);
                continue;
            };
            let connection = Connection {
                conversation: Conversation::new(Arc::clone(&self.rules), self.inbox.clone()),
                stream,
                idle_timeout: self.config.idle_timeout,
                deadline: Instant::now() + self.config.max_connection_duration,
                cancel: self.cancel.clone(),
                _permit: permit,
            };
            let span = tracing::debug_span!("sandbox_connection", %peer);
            self.tracker.spawn(connection.run().instrument(span));
        }
        debug!("SMTP sandbox stopped accepting");
    }
}

/// One client connection and its limits.
struct Connection {
    conversation: Conversation,
    stream: TcpStream,
    /// Longest wait for the client's next bytes, and for a write to drain.
    idle_timeout: std::time::Duration,
    /// When the connection is closed whatever it is doing.
    deadline: Instant,
    cancel: CancellationToken,
    /// Held for the connection's life: frees a place when dropped.
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn run(mut self) {
        let mut buf = vec![0u8; READ_BUFFER_BYTES];
        loop {
            if !self.flush().await || self.conversation.is_closing() {
                break;
            }
            let read = tokio::select! {
                () = self.cancel.cancelled() => {
                    self.conversation.close_with(reply::SHUTTING_DOWN);
                    continue;
                }
                () = sleep_until(self.deadline) => {
                    self.conversation.close_with(reply::TIME_LIMIT);
                    continue;
                }
                read = timeout(self.idle_timeout, self.stream.read(&mut buf)) => read,
            };
            match read {
                Err(_elapsed) => self.conversation.close_with(reply::IDLE_TIMEOUT),
                Ok(Ok(0)) => break,
                Ok(Ok(n)) => {
                    let input = buf.get(..n).unwrap_or_default();
                    self.conversation.handle_input(input, unix_ms_now());
                }
                Ok(Err(e)) => {
                    debug!(error = %e, "sandbox connection read failed");
                    break;
                }
            }
        }
        let _ = timeout(self.idle_timeout, self.stream.shutdown()).await;
        debug!("sandbox connection closed");
    }

    /// Writes pending replies; false if the client is gone or too slow.
    async fn flush(&mut self) -> bool {
        let out = self.conversation.take_output();
        if out.is_empty() {
            return true;
        }
        let written = timeout(self.idle_timeout, self.stream.write_all(&out)).await;
        matches!(written, Ok(Ok(())))
    }
}

/// Now, in ms since the Unix epoch (0 if the clock is before it).
fn unix_ms_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
