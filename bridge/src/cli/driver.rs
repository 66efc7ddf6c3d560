//! The native driver: a tokio `TcpStream` ↔ the sans-IO
//! [`Session`](smtplab_shared::smtp::Session), on the calling contract in
//! `shared/src/smtp/session.rs`: after every input, drain `poll_transmit`
//! (written in order), then `poll_event`, then re-arm the timer from
//! `poll_timeout`; close the socket once `Finished` is drained.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use smtplab_shared::smtp::{AbortReason, Event, Session};
use smtplab_shared::wire::ErrorCode;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::plan::Family;
use crate::dial::io_error_code;

/// Why no TCP connection was made: which of DNS, refused, timeout, other.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The name did not resolve (or not to an address of the family asked).
    #[error("DNS: cannot resolve {host}: {detail}")]
    Dns {
        /// The name.
        host: String,
        /// The resolver's words.
        detail: String,
    },
    /// Every address refused (or failed otherwise); the last one's error.
    #[error("{} ({addr}: {source})", describe(*code))]
    Connect {
        /// The last address tried.
        addr: SocketAddr,
        /// What it was.
        code: ErrorCode,
        /// The OS error.
        source: io::Error,
    },
    /// No answer within the timeout.
    #[error("timeout: no connection to {host}:{port} within {} s", after.as_secs_f64())]
    Timeout {
        /// The name.
        host: String,
        /// The port.
        port: u16,
        /// The timeout.
        after: Duration,
    },
}

fn describe(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Refused => "connection refused",
        ErrorCode::Timeout => "timeout",
        ErrorCode::Unreachable => "unreachable",
        ErrorCode::Reset => "connection reset",
        _ => "cannot connect",
    }
}

impl ConnectError {
    /// The wire code that names the failure (for the report's outcome).
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Dns { .. } => ErrorCode::Dns,
            Self::Connect { code, .. } => *code,
            Self::Timeout { .. } => ErrorCode::Timeout,
        }
    }

    /// The engine's reason for a session that never connected to
    /// `host:port`: the same one the tab's link gives for a bridge that
    /// could not connect, so both verdicts read alike.
    pub fn abort_reason(&self, host: &str, port: u16) -> AbortReason {
        AbortReason::Bridge {
            host: host.to_owned(),
            port,
            error: self.code(),
            message: self.to_string(),
        }
    }
}

/// Resolves `host` (a bracketed IPv6 literal too) and connects to `port`
/// on each address of `family` in turn, all within `timeout`.
///
/// # Errors
/// [`ConnectError`]: DNS, the last address's connect error, or timeout.
pub async fn connect(
    host: &str,
    port: u16,
    family: Family,
    timeout: Duration,
) -> Result<(TcpStream, SocketAddr), ConnectError> {
    let name = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let attempt = async {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
            .await
            .map_err(|e| ConnectError::Dns {
                host: name.to_owned(),
                detail: e.to_string(),
            })?
            .filter(|a| match family {
                Family::Any => true,
                Family::V4 => a.is_ipv4(),
                Family::V6 => a.is_ipv6(),
            })
            .collect();
        if addrs.is_empty() {
            return Err(ConnectError::Dns {
                host: name.to_owned(),
                detail: match family {
                    Family::Any => "no address".to_owned(),
                    Family::V4 => "no IPv4 address".to_owned(),
                    Family::V6 => "no IPv6 address".to_owned(),
                },
            });
        }
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok((stream, addr));
                }
                Err(source) => {
                    last = Some(ConnectError::Connect {
                        addr,
                        code: io_error_code(&source),
                        source,
                    });
                }
            }
        }
        Err(last.unwrap_or_else(|| ConnectError::Dns {
            host: name.to_owned(),
            detail: "no address".to_owned(),
        }))
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(ConnectError::Timeout {
            host: name.to_owned(),
            port,
            after: timeout,
        }),
    }
}

/// Runs `session` over `stream` until `Finished`, handing each event to
/// `on_event` with the time it was drained; `start` is the session's zero.
pub async fn run(
    session: &mut Session,
    mut stream: TcpStream,
    start: Instant,
    mut on_event: impl FnMut(Duration, Event),
) {
    let now = || start.elapsed();
    let mut buf = vec![0u8; 16 * 1024];
    let mut closed = false;
    session.handle_connected(now());
    loop {
        // 1. Every byte the engine wants sent, in order.
        while let Some(bytes) = session.poll_transmit() {
            if closed {
                continue;
            }
            if stream.write_all(&bytes).await.is_err() {
                closed = true;
                session.handle_closed(now());
            }
        }
        // 2. Every event; `Finished` is the last.
        while let Some(event) = session.poll_event() {
            let finished = matches!(event, Event::Finished(_));
            on_event(now(), event);
            if finished {
                let _ = stream.shutdown().await;
                return;
            }
        }
        if closed && session.is_finished() {
            return;
        }
        // 3. The next input: bytes, a close, or the engine's deadline.
        let deadline = session.poll_timeout();
        if closed && deadline.is_none() {
            // Unreachable with the engine's contract (a close finishes it).
            return;
        }
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(start + at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            read = stream.read(&mut buf), if !closed => match read {
                Ok(0) | Err(_) => {
                    closed = true;
                    session.handle_closed(now());
                }
                Ok(n) => session.handle_input(now(), &buf[..n]),
            },
            () = sleep => session.handle_timeout(now()),
        }
    }
}
