//! DNS lookups for the tab's diagnostics (`resolve` → `resolved` or a typed
//! `error`), with hickory-resolver: the system's configuration
//! (`/etc/resolv.conf`) or one given server (`--dns ADDR:PORT`).
//!
//! Bounded: names are checked before any query ([`check_name`]), each lookup
//! has a deadline ([`Config::resolve_timeout`](crate::Config::resolve_timeout),
//! 5 s by default), and a session has at most
//! [`Config::max_resolves_in_flight`](crate::Config::max_resolves_in_flight)
//! lookups running ([`Lookups`]). Resolving is not policed: the answer is
//! only information; a later `connect` is checked against the target policy
//! after its own resolution, as always.
//!
//! Names are queried as absolute names (no search list), and the hosts file
//! is not consulted: the answer is what DNS says.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError as HickoryDnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType as HickoryType};
use hickory_resolver::{Resolver, TokioResolver};
use smtplab_shared::wire::{DnsRecord, ErrorCode, RecordType, ServerMessage};

mod lookups;

pub use lookups::{Answers, Intercept, Lookups};

/// Longest name accepted, in octets of text without the trailing dot
/// (RFC 1035 §2.3.4).
const MAX_NAME_LEN: usize = 253;

/// Longest label (RFC 1035 §2.3.4).
const MAX_LABEL_LEN: usize = 63;

/// Why a lookup gave no records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// The name is empty, too long, has an empty or over-long label, or
    /// characters other than ASCII letters, digits, `-` and `_`.
    #[error("{name:?} is not a valid DNS name (at most {MAX_NAME_LEN} characters, labels of 1 to {MAX_LABEL_LEN} ASCII letters, digits, '-' or '_'; write international names in their xn-- form)")]
    BadName {
        /// The name as asked (truncated for the message).
        name: String,
    },
    /// NXDOMAIN: the name does not exist.
    #[error("{name} does not exist (NXDOMAIN)")]
    Nxdomain {
        /// The name.
        name: String,
    },
    /// The name exists but has no record of this type.
    #[error("{name} has no {rtype} records")]
    NoRecords {
        /// The name.
        name: String,
        /// The type asked for.
        rtype: RecordType,
    },
    /// The server answered with an error code (SERVFAIL, REFUSED, …).
    #[error("the DNS server answered {rcode} for {name}")]
    Servfail {
        /// The name.
        name: String,
        /// The response code, as DNS names it.
        rcode: String,
    },
    /// No answer within the deadline.
    #[error("no DNS answer for {name} within {} ms", timeout.as_millis())]
    Timeout {
        /// The name.
        name: String,
        /// The deadline that passed.
        timeout: Duration,
    },
    /// Any other resolver failure (no server reachable, malformed answer, …).
    #[error("looking up {name} failed: {reason}")]
    Failed {
        /// The name.
        name: String,
        /// The resolver's explanation.
        reason: String,
    },
    /// The bridge has no usable DNS configuration.
    #[error("this bridge cannot resolve names: {reason}")]
    Unavailable {
        /// Why the resolver could not be set up.
        reason: String,
    },
}

impl DnsError {
    /// The wire code for this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadName { .. } => ErrorCode::BadRequest,
            Self::Nxdomain { .. } => ErrorCode::Nxdomain,
            Self::NoRecords { .. } => ErrorCode::NoRecords,
            Self::Servfail { .. } => ErrorCode::Servfail,
            Self::Timeout { .. } => ErrorCode::Timeout,
            Self::Failed { .. } | Self::Unavailable { .. } => ErrorCode::Dns,
        }
    }
}

/// Checks a name to look up and returns it lowercase, without its trailing
/// dot.
///
/// # Errors
/// [`DnsError::BadName`].
pub fn check_name(name: &str) -> Result<String, DnsError> {
    let bare = name.strip_suffix('.').unwrap_or(name);
    let valid = !bare.is_empty()
        && bare.len() <= MAX_NAME_LEN
        && bare.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL_LEN
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if valid {
        Ok(bare.to_ascii_lowercase())
    } else {
        Err(DnsError::BadName {
            name: name.chars().take(80).collect(),
        })
    }
}

/// One bridge's resolver.
#[derive(Clone)]
pub struct Dns {
    resolver: TokioResolver,
    /// Deadline of one lookup.
    timeout: Duration,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dns")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Dns {
    /// A resolver asking `server` (UDP, then TCP for truncated answers), or
    /// the servers of the system configuration when `None`.
    ///
    /// # Errors
    /// [`DnsError::Unavailable`] when the system configuration cannot be
    /// read.
    pub fn new(server: Option<SocketAddr>, timeout: Duration) -> Result<Self, DnsError> {
        let unavailable = |e: NetError| DnsError::Unavailable {
            reason: e.to_string(),
        };
        let mut builder = match server {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                Resolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![ns]),
                    TokioRuntimeProvider::default(),
                )
            }
            None => Resolver::builder_tokio().map_err(unavailable)?,
        };
        let opts = builder.options_mut();
        // Two tries within the deadline, so one lost UDP datagram is retried.
        opts.timeout = (timeout / 2).max(Duration::from_millis(50));
        opts.attempts = 2;
        opts.use_hosts_file = ResolveHosts::Never;
        opts.ndots = 0;
        let resolver = builder.build().map_err(unavailable)?;
        Ok(Self { resolver, timeout })
    }

    /// Looks up `rtype` records of `name` (checked with [`check_name`]).
    /// MX records come sorted by preference (then name), without the
    /// trailing dot (a null MX stays `"."`); A and AAAA in the server's
    /// order. CNAMEs are followed and not listed.
    ///
    /// # Errors
    /// [`DnsError`]; never an empty list (that is [`DnsError::NoRecords`]).
    pub async fn lookup(&self, name: &str, rtype: RecordType) -> Result<Vec<DnsRecord>, DnsError> {
        let name = check_name(name)?;
        let query = Name::from_ascii(format!("{name}."))
            .map_err(|_| DnsError::BadName { name: name.clone() })?;
        let kind = match rtype {
            RecordType::Mx => HickoryType::MX,
            RecordType::A => HickoryType::A,
            RecordType::Aaaa => HickoryType::AAAA,
        };
        let answer = tokio::time::timeout(self.timeout, self.resolver.lookup(query, kind)).await;
        let lookup = match answer {
            Err(_) => {
                return Err(DnsError::Timeout {
                    name,
                    timeout: self.timeout,
                })
            }
            Ok(Err(e)) => return Err(classify(name, rtype, self.timeout, &e)),
            Ok(Ok(lookup)) => lookup,
        };
        let mut records: Vec<DnsRecord> = lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                RData::MX(mx) if rtype == RecordType::Mx => Some(DnsRecord::Mx {
                    preference: mx.preference,
                    exchange: exchange_text(&mx.exchange),
                }),
                RData::A(a) if rtype == RecordType::A => Some(DnsRecord::Address {
                    address: IpAddr::V4(a.0),
                }),
                RData::AAAA(aaaa) if rtype == RecordType::Aaaa => Some(DnsRecord::Address {
                    address: IpAddr::V6(aaaa.0),
                }),
                _ => None,
            })
            .collect();
        if rtype == RecordType::Mx {
            records.sort_by(|a, b| mx_key(a).cmp(&mx_key(b)));
        }
        records.dedup();
        if records.is_empty() {
            return Err(DnsError::NoRecords { name, rtype });
        }
        Ok(records)
    }

    /// The addresses of `name` for `connect` (A and AAAA asked together),
    /// IPv6 first as the system resolver orders them. One of the two
    /// failing is fine when the other answers; when both fail, the A
    /// lookup's error is the one reported (most mail hosts are IPv4).
    ///
    /// # Errors
    /// [`DnsError`] when neither lookup gave an address.
    pub async fn addresses(&self, name: &str) -> Result<Vec<IpAddr>, DnsError> {
        let (v6, v4) = tokio::join!(
            self.lookup(name, RecordType::Aaaa),
            self.lookup(name, RecordType::A)
        );
        let addrs: Vec<IpAddr> = [&v6, &v4]
            .into_iter()
            .filter_map(|r| r.as_ref().ok())
            .flatten()
            .filter_map(|record| match record {
                DnsRecord::Address { address } => Some(*address),
                DnsRecord::Mx { .. } => None,
            })
            .collect();
        match (addrs.is_empty(), v4) {
            (false, _) => Ok(addrs),
            (true, Err(e)) => Err(e),
            (true, Ok(_)) => Err(DnsError::NoRecords {
                name: name.to_owned(),
                rtype: RecordType::A,
            }),
        }
    }

    /// The whole answer to a `resolve`: `resolved` or a typed `error`.
    pub async fn answer(&self, name: String, rtype: RecordType, id: Option<u32>) -> ServerMessage {
        match self.lookup(&name, rtype).await {
            Ok(records) => ServerMessage::Resolved {
                name,
                rtype,
                records,
                id,
            },
            Err(e) => ServerMessage::error(e.code(), e.to_string()),
        }
    }
}

fn mx_key(record: &DnsRecord) -> (u16, &str) {
    match record {
        DnsRecord::Mx {
            preference,
            exchange,
        } => (*preference, exchange.as_str()),
        DnsRecord::Address { .. } => (u16::MAX, ""),
    }
}

/// The exchange's name without the trailing dot; the root (null MX) as `"."`.
fn exchange_text(name: &Name) -> String {
    if name.is_root() {
        return ".".to_owned();
    }
    let text = name.to_ascii();
    text.strip_suffix('.').unwrap_or(&text).to_owned()
}

/// Maps the resolver's error to ours.
fn classify(name: String, rtype: RecordType, timeout: Duration, e: &NetError) -> DnsError {
    if e.is_nx_domain() {
        return DnsError::Nxdomain { name };
    }
    if e.is_no_records_found() {
        return DnsError::NoRecords { name, rtype };
    }
    match e {
        NetError::Timeout => DnsError::Timeout { name, timeout },
        NetError::Dns(HickoryDnsError::ResponseCode(code)) => DnsError::Servfail {
            name,
            rcode: rcode_text(*code),
        },
        other => DnsError::Failed {
            name,
            reason: other.to_string(),
        },
    }
}

fn rcode_text(code: ResponseCode) -> String {
    match code {
        ResponseCode::ServFail => "SERVFAIL".to_owned(),
        ResponseCode::Refused => "REFUSED".to_owned(),
        ResponseCode::FormErr => "FORMERR".to_owned(),
        ResponseCode::NotImp => "NOTIMP".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_normalized() {
        assert_eq!(check_name("Example.COM."), Ok("example.com".to_owned()));
        assert_eq!(
            check_name("_dmarc.x-y.test"),
            Ok("_dmarc.x-y.test".to_owned())
        );
        let long_label = "a".repeat(64);
        let long_name = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61),
        ]
        .join(".");
        assert_eq!(long_name.len(), 253);
        assert!(check_name(&long_name).is_ok());
        for bad in [
            "",
            ".",
            "a..b",
            "a b",
            "a\0b",
            "exämple.com",
            "a/b",
            "@",
            long_label.as_str(),
            &format!("{long_name}x"),
        ] {
            let err = check_name(bad).expect_err(bad);
            assert_eq!(err.code(), ErrorCode::BadRequest, "{bad}");
        }
    }

    #[test]
    fn errors_map_to_the_documented_codes() {
        let n = || "x.test".to_owned();
        assert_eq!(DnsError::Nxdomain { name: n() }.code(), ErrorCode::Nxdomain);
        assert_eq!(
            DnsError::NoRecords {
                name: n(),
                rtype: RecordType::Mx
            }
            .code(),
            ErrorCode::NoRecords
        );
        let servfail = classify(
            n(),
            RecordType::A,
            Duration::from_secs(1),
            &NetError::Dns(HickoryDnsError::ResponseCode(ResponseCode::ServFail)),
        );
        assert_eq!(servfail.code(), ErrorCode::Servfail);
        assert!(servfail.to_string().contains("SERVFAIL"), "{servfail}");
        let timeout = classify(
            n(),
            RecordType::A,
            Duration::from_secs(1),
            &NetError::Timeout,
        );
        assert_eq!(timeout.code(), ErrorCode::Timeout);
        assert_eq!(
            classify(
                n(),
                RecordType::A,
                Duration::from_secs(1),
                &NetError::NoConnections
            )
            .code(),
            ErrorCode::Dns
        );
    }

    #[tokio::test]
    async fn localhost_names_resolve_to_loopback_without_a_query() {
        // RFC 6761: the resolver answers loopback names itself (hickory's
        // special-use handling); the `--dns` server is never asked.
        let server = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind udp");
        let dns = Dns::new(
            Some(server.local_addr().expect("addr")),
            Duration::from_secs(2),
        )
        .expect("resolver");
        for name in ["localhost", "mx.localhost"] {
            let a = dns.lookup(name, RecordType::A).await.expect(name);
            let aaaa = dns.lookup(name, RecordType::Aaaa).await.expect(name);
            assert_eq!(
                (a, aaaa),
                (
                    vec![DnsRecord::Address {
                        address: IpAddr::from([127, 0, 0, 1])
                    }],
                    vec![DnsRecord::Address {
                        address: IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)
                    }]
                ),
                "{name}"
            );
        }
        let mut buf = [0; 512];
        let asked =
            tokio::time::timeout(Duration::from_millis(200), server.recv_from(&mut buf)).await;
        assert!(asked.is_err(), "the DNS server was asked: {asked:?}");
    }
}
