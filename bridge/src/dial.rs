//! Opening the TCP connection to the mail server: name resolution (the DNS
//! server given with `--dns` when there is one, so that `connect` reaches
//! the addresses `resolve` showed; else the system's, `/etc/hosts`
//! included, through tokio's `lookup_host`; `localhost` and `*.localhost`
//! by neither, see [`LOOPBACK`]), one attempt per resolved address in
//! order, all under one deadline, and the mapping of failures to wire error
//! codes.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use smtplab_shared::wire::ErrorCode;
use tokio::net::TcpStream;

use crate::dns::{Dns, DnsError};
use crate::policy::{Policy, PolicyError};

/// Why no connection could be made.
#[derive(Debug, thiserror::Error)]
pub enum DialError {
    /// The name did not resolve, or resolved to no address.
    #[error("could not resolve {host}: {source}")]
    Dns {
        /// The name that failed.
        host: String,
        /// The resolver's error.
        source: io::Error,
    },
    /// The `--dns` server gave no address for the name.
    #[error(transparent)]
    Resolver(#[from] DnsError),
    /// Every resolved address was refused by the policy.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The deadline passed (DNS and all attempts included).
    #[error("no answer from {host}:{port} within {} ms", timeout.as_millis())]
    Timeout {
        /// The target host.
        host: String,
        /// The target port.
        port: u16,
        /// The deadline that passed.
        timeout: Duration,
    },
    /// The last address tried failed with this error.
    #[error("connecting to {addr} failed: {source}")]
    Connect {
        /// The address of the last attempt.
        addr: SocketAddr,
        /// Its error.
        source: io::Error,
    },
}

impl DialError {
    /// The wire code for this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Dns { .. } => ErrorCode::Dns,
            Self::Resolver(e) => e.code(),
            Self::Policy(e) => e.code(),
            Self::Timeout { .. } => ErrorCode::Timeout,
            Self::Connect { source, .. } => io_error_code(source),
        }
    }
}

/// Maps a socket error to the wire code that explains it best.
pub fn io_error_code(err: &io::Error) -> ErrorCode {
    match err.kind() {
        io::ErrorKind::ConnectionRefused => ErrorCode::Refused,
        io::ErrorKind::TimedOut => ErrorCode::Timeout,
        io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkDown
        | io::ErrorKind::AddrNotAvailable => ErrorCode::Unreachable,
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => ErrorCode::Reset,
        _ => ErrorCode::Internal,
    }
}

/// The addresses of `localhost` and its subdomains (RFC 6761 §6.3): the
/// loopback addresses, answered here without asking any resolver. Neither
/// the `--dns` server nor the system's (whose `getaddrinfo` may send
/// `mx.localhost` to a DNS server, or find it in a hosts file pointing
/// elsewhere) gets to say where a loopback name leads. IPv4 first, the
/// address local mail servers listen on most.
const LOOPBACK: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::LOCALHOST),
    IpAddr::V6(Ipv6Addr::LOCALHOST),
];

/// Whether `name` is `localhost` or below it: a loopback name (RFC 6761),
/// resolved to [`LOOPBACK`].
fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// Resolves `host` (with `resolver` when given, else the system's) and
/// connects to `port` on each address in turn until one answers, all within
/// `timeout`. The stream has `TCP_NODELAY` set, so each
/// relayed frame leaves at once (SMTP is a lock-step dialogue of small lines).
///
/// # Errors
/// [`DialError`]; when every address fails, the last attempt's error.
pub async fn dial(
    policy: &Policy,
    resolver: Option<&Dns>,
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<(TcpStream, SocketAddr), DialError> {
    // A bracketed IPv6 literal as written in URLs: `[::1]`.
    let name = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let attempt = async {
        let addrs: Vec<SocketAddr> = match resolver {
            _ if is_localhost(name) => LOOPBACK
                .iter()
                .map(|&ip| SocketAddr::new(ip, port))
                .collect(),
            Some(dns) if name.parse::<IpAddr>().is_err() => dns
                .addresses(name)
                .await?
                .into_iter()
                .map(|ip| SocketAddr::new(ip, port))
                .collect(),
            _ => tokio::net::lookup_host((name, port))
                .await
                .map_err(|source| DialError::Dns {
                    host: host.to_owned(),
                    source,
                })?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(DialError::Dns {
                host: host.to_owned(),
                source: io::Error::new(io::ErrorKind::NotFound, "no addresses"),
            });
        }
        let mut last = None;
        for addr in addrs {
            if let Err(e) = policy.check_endpoint(name, addr) {
                last.get_or_insert(DialError::Policy(e));
                continue;
            }
            match TcpStream::connect(addr).await {
                Ok(stream) => {
                    stream
                        .set_nodelay(true)
                        .map_err(|source| DialError::Connect { addr, source })?;
                    return Ok((stream, addr));
                }
                Err(source) => last = Some(DialError::Connect { addr, source }),
            }
        }
        Err(last.expect("at least one address was tried"))
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(DialError::Timeout {
            host: host.to_owned(),
            port,
            timeout,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_to_wire_codes() {
        let code = |kind| io_error_code(&io::Error::from(kind));
        assert_eq!(code(io::ErrorKind::ConnectionRefused), ErrorCode::Refused);
        assert_eq!(code(io::ErrorKind::TimedOut), ErrorCode::Timeout);
        assert_eq!(
            code(io::ErrorKind::NetworkUnreachable),
            ErrorCode::Unreachable
        );
        assert_eq!(code(io::ErrorKind::HostUnreachable), ErrorCode::Unreachable);
        assert_eq!(code(io::ErrorKind::ConnectionReset), ErrorCode::Reset);
        assert_eq!(code(io::ErrorKind::Other), ErrorCode::Internal);
    }

    #[tokio::test]
    async fn connects_to_a_listening_loopback_port_with_nodelay() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let policy = Policy::new([port]);
        let (stream, peer) = dial(&policy, None, "127.0.0.1", port, Duration::from_secs(5))
            .await
            .expect("connects");
        assert_eq!(peer, listener.local_addr().expect("addr"));
        assert!(stream.nodelay().expect("nodelay"));
    }

    #[tokio::test]
    async fn bracketed_ipv6_and_localhost_names_resolve_locally() {
        // `localhost` resolves from /etc/hosts: no DNS query leaves the machine.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let policy = Policy::new([port]);
        let (_, peer) = dial(&policy, None, "localhost", port, Duration::from_secs(5))
            .await
            .expect("localhost connects");
        assert!(peer.ip().is_loopback());
        // [::1] may be unsupported here; it must fail with a typed code, not panic.
        if let Err(e) = dial(&policy, None, "[::1]", port, Duration::from_secs(5)).await {
            assert_ne!(e.code(), ErrorCode::Dns, "{e}");
        }
    }

    #[test]
    fn localhost_names_never_go_to_the_dns_server() {
        assert!(is_localhost("localhost"));
        assert!(is_localhost("LocalHost."));
        assert!(is_localhost("mx.localhost"));
        assert!(!is_localhost("localhost.example"));
        assert!(!is_localhost("mylocalhost"));
    }

    #[tokio::test]
    async fn localhost_names_dial_loopback_without_asking_any_resolver() {
        // A `--dns` server that counts what it is asked and never answers.
        let server = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind udp");
        let dns = Dns::new(
            Some(server.local_addr().expect("addr")),
            Duration::from_secs(2),
        )
        .expect("resolver");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let policy = Policy::new([port]);
        for name in ["localhost", "mx.localhost", "A.B.LocalHost."] {
            let (_, peer) = dial(&policy, Some(&dns), name, port, Duration::from_secs(1))
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(peer, SocketAddr::from(([127, 0, 0, 1], port)), "{name}");
        }
        // Without `--dns` too (no getaddrinfo): `mx.localhost` is in no
        // hosts file, yet it is loopback.
        let (_, peer) = dial(
            &policy,
            None,
            "smtp.localhost",
            port,
            Duration::from_secs(1),
        )
        .await
        .expect("smtp.localhost connects");
        assert!(peer.ip().is_loopback());
        let mut buf = [0; 512];
        let asked =
            tokio::time::timeout(Duration::from_millis(200), server.recv_from(&mut buf)).await;
        assert!(asked.is_err(), "the DNS server was asked: {asked:?}");
        // The policy still judges the loopback addresses.
        let closed = Policy::new([port]).with_targets(vec![], vec![], true);
        let err = dial(
            &closed,
            Some(&dns),
            "mx.localhost",
            port,
            Duration::from_secs(1),
        )
        .await
        .expect_err("loopback refused");
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    }

    #[tokio::test]
    async fn a_closed_port_is_refused() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let err = dial(
            &Policy::new([port]),
            None,
            "127.0.0.1",
            port,
            Duration::from_secs(5),
        )
        .await
        .expect_err("nothing listens");
        assert_eq!(err.code(), ErrorCode::Refused, "{err}");
    }

    #[tokio::test]
    async fn unspecified_addresses_are_refused_by_policy() {
        let err = dial(
            &Policy::new([25]),
            None,
            "0.0.0.0",
            25,
            Duration::from_secs(5),
        )
        .await
        .expect_err("0.0.0.0 is refused");
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    }
}
