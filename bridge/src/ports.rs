//! Binding when the default port is taken (a second `smtplab`, another
//! program on 8025 or 2525). An address the user chose (`--listen`,
//! `listen` in a settings file, `--sandbox-listen`) is bound as given; only
//! a default address may move: to the next few ports ([`FALLBACK_STEPS`]),
//! then to any free port (port 0). Only "address in use" moves on; any
//! other error (no permission, no such address) is reported as it is.

use std::io;
use std::net::SocketAddr;

use smtplab_sandbox::{SandboxConfig, SandboxHandle, StartError};
use tokio::net::TcpListener;

use crate::sandbox::{self, SandboxUnavailable};

/// How many ports after the default are tried before port 0.
pub const FALLBACK_STEPS: u16 = 9;

/// The addresses to try, in order: `addr`, then (when it may move) the
/// next [`FALLBACK_STEPS`] ports that exist, then port 0.
pub fn attempts(addr: SocketAddr, may_move: bool) -> Vec<SocketAddr> {
    let mut out = vec![addr];
    if may_move && addr.port() != 0 {
        out.extend(
            (1..=FALLBACK_STEPS)
                .filter_map(|step| addr.port().checked_add(step))
                .map(|port| SocketAddr::new(addr.ip(), port)),
        );
        out.push(SocketAddr::new(addr.ip(), 0));
    }
    out
}

/// The bridge's listener could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr}: {source}")]
pub struct ListenError {
    /// The address asked for.
    pub addr: SocketAddr,
    /// The operating system's error.
    #[source]
    pub source: io::Error,
}

/// A bound listener, and the address asked for when it had to move.
#[derive(Debug)]
pub struct Bound {
    /// The listener.
    pub listener: TcpListener,
    /// The default address that was taken, when the listener moved.
    pub moved_from: Option<SocketAddr>,
}

/// Binds `addr`, or (when `may_move`) the first free of [`attempts`].
///
/// # Errors
/// [`ListenError`] with `addr` and the first error that was not "address
/// in use" (or the last one).
pub async fn bind(addr: SocketAddr, may_move: bool) -> Result<Bound, ListenError> {
    let mut last = None;
    for candidate in attempts(addr, may_move) {
        match TcpListener::bind(candidate).await {
            Ok(listener) => {
                return Ok(Bound {
                    listener,
                    moved_from: (candidate != addr).then_some(addr),
                })
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => last = Some(e),
            Err(source) => return Err(ListenError { addr, source }),
        }
    }
    Err(ListenError {
        addr,
        source: last.unwrap_or_else(|| io::Error::other("no address to try")),
    })
}

/// Starts the sandbox on `config.listen`, or (when `may_move`) on the
/// first free of [`attempts`]; returns the handle and the default address
/// when it moved.
///
/// # Errors
/// [`SandboxUnavailable`] when no attempt worked (the binary warns and runs
/// without the sandbox).
pub async fn start_sandbox(
    config: SandboxConfig,
    may_move: bool,
) -> Result<(SandboxHandle, Option<SocketAddr>), SandboxUnavailable> {
    let wanted = config.listen;
    let mut first_error = None;
    for candidate in attempts(wanted, may_move) {
        let mut attempt = config.clone();
        attempt.listen = candidate;
        match sandbox::start(attempt).await {
            Ok(handle) => return Ok((handle, (candidate != wanted).then_some(wanted))),
            Err(SandboxUnavailable {
                source: StartError::Bind { source, .. },
            }) if source.kind() == io::ErrorKind::AddrInUse => {
                first_error.get_or_insert(StartError::Bind {
                    addr: candidate,
                    source,
                });
            }
            Err(other) => return Err(other),
        }
    }
    Err(SandboxUnavailable {
        source: first_error.unwrap_or(StartError::Bind {
            addr: wanted,
            source: io::Error::other("no address to try"),
        }),
    })
}

/// The stderr line when a default address was taken.
pub fn moved_line(what: &str, from: SocketAddr, to: SocketAddr) -> String {
    format!("note: {from} is in use (another smtplab?); {what} on {to} instead")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("address")
    }

    #[test]
    fn a_default_may_move_to_the_next_ports_then_any() {
        let tries = attempts(addr("127.0.0.1:8025"), true);
        assert_eq!(tries.len(), 11);
        assert_eq!(tries[0], addr("127.0.0.1:8025"));
        assert_eq!(tries[1], addr("127.0.0.1:8026"));
        assert_eq!(tries[9], addr("127.0.0.1:8034"));
        assert_eq!(tries[10], addr("127.0.0.1:0"));
        assert_eq!(
            attempts(addr("127.0.0.1:8025"), false),
            [addr("127.0.0.1:8025")]
        );
        assert_eq!(attempts(addr("127.0.0.1:0"), true), [addr("127.0.0.1:0")]);
        assert_eq!(
            attempts(addr("[::1]:65534"), true),
            [addr("[::1]:65534"), addr("[::1]:65535"), addr("[::1]:0")]
        );
    }

    #[tokio::test]
    async fn a_taken_default_moves_and_a_chosen_address_fails() {
        let taken = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let at = taken.local_addr().expect("addr");
        let err = bind(at, false).await.expect_err("taken and chosen");
        assert_eq!(err.addr, at);
        assert_eq!(err.source.kind(), io::ErrorKind::AddrInUse);
        let moved = bind(at, true).await.expect("moves");
        assert_eq!(moved.moved_from, Some(at));
        assert_ne!(moved.listener.local_addr().expect("addr"), at);
        let free = bind(addr("127.0.0.1:0"), true).await.expect("free");
        assert_eq!(free.moved_from, None);
    }

    #[tokio::test]
    async fn a_taken_default_sandbox_port_moves() {
        let taken = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let at = taken.local_addr().expect("addr");
        let (handle, from) = start_sandbox(SandboxConfig::new(at), true)
            .await
            .expect("moves");
        assert_eq!(from, Some(at));
        assert_ne!(handle.addr(), at);
        handle.shutdown();
        handle.stopped().await;
        let err = start_sandbox(SandboxConfig::new(at), false)
            .await
            .expect_err("chosen and taken");
        assert!(err.to_string().contains(&at.to_string()), "{err}");
        assert_eq!(
            moved_line("the SMTP sandbox listens", at, addr("127.0.0.1:9")),
            format!("note: {at} is in use (another smtplab?); the SMTP sandbox listens on 127.0.0.1:9 instead")
        );
    }
}
