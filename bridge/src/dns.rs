//! DNS lookups for the tab's diagnostics (`resolve` → `resolved` or a typed
//! `error`), with hickory-resolver: the system's configuration
//! (`/etc/resolv.conf`) or one given server (`--dns ADDR:PORT`). MX, A,
//! AAAA, TXT, PTR, TLSA and CNAME records ([`records`] gives their wire
//! shapes); with `--dnssec`, validated ([`Validation`]), and each answer
//! says whether it was signed (`authenticated`).
//!
//! Bounded: names are checked before any query ([`check_name`]), each lookup
//! has a deadline ([`Config::resolve_timeout`](crate::Config::resolve_timeout),
//! 5 s by default), a session has at most
//! [`Config::max_resolves_in_flight`](crate::Config::max_resolves_in_flight)
//! lookups running ([`Lookups`]), and an answer fits in one server message
//! ([`MAX_SERVER_MESSAGE_BYTES`]). Resolving is not policed: the answer is
//! only information; a later `connect` is checked against the target policy
//! after its own resolution, as always.
//!
//! Names are queried as absolute names (no search list), and the hosts file
//! is not consulted: the answer is what DNS says.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::rr::Name;
use hickory_resolver::{Resolver, TokioResolver};
use smtplab_shared::wire::{DnsRecord, RecordType, ServerMessage, MAX_SERVER_MESSAGE_BYTES};

mod error;
mod lookups;
mod loopback;
mod records;
mod validation;

pub use error::DnsError;
pub use lookups::Lookups;
pub use validation::{TrustAnchorError, Validation};

/// Longest name accepted, in octets of text without the trailing dot
/// (RFC 1035 §2.3.4).
const MAX_NAME_LEN: usize = 253;

/// Longest label (RFC 1035 §2.3.4).
const MAX_LABEL_LEN: usize = 63;

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
    /// Whether answers are DNSSEC-validated, so `authenticated` can be said.
    validating: bool,
    /// The `--dns` server, which PTRs of loopback addresses are asked of
    /// directly ([`loopback`]).
    server: Option<SocketAddr>,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dns")
            .field("timeout", &self.timeout)
            .field("validating", &self.validating)
            .finish_non_exhaustive()
    }
}

/// The records of a lookup, and whether DNSSEC proved them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The records, never empty, in the order [`Dns::lookup`] describes.
    pub records: Vec<DnsRecord>,
    /// `Some(true)`: validated and signed; `Some(false)`: validated and
    /// unsigned (insecure); `None`: the resolver does not validate.
    pub authenticated: Option<bool>,
}

impl Dns {
    /// A resolver asking `server` (UDP, then TCP for truncated answers), or
    /// the servers of the system configuration when `None`; no DNSSEC
    /// validation.
    ///
    /// # Errors
    /// [`DnsError::Unavailable`] when the system configuration cannot be
    /// read.
    pub fn new(server: Option<SocketAddr>, timeout: Duration) -> Result<Self, DnsError> {
        Self::with_validation(server, timeout, None)
    }

    /// As [`Dns::new`], validating every answer with DNSSEC when
    /// `validation` is given: a bogus answer is then
    /// [`DnsError::Bogus`], and [`Answer::authenticated`] is set.
    ///
    /// # Errors
    /// As [`Dns::new`].
    pub fn with_validation(
        server: Option<SocketAddr>,
        timeout: Duration,
        validation: Option<&Validation>,
    ) -> Result<Self, DnsError> {
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
        opts.validate = validation.is_some();
        if let Some(validation) = validation {
            builder = builder.with_trust_anchor(validation.anchors.clone());
        }
        let resolver = builder.build().map_err(unavailable)?;
        Ok(Self {
            resolver,
            timeout,
            validating: validation.is_some(),
            server,
        })
    }

    /// Looks up `rtype` records of `name` (checked with [`check_name`]).
    /// MX records come sorted by preference (then name); TXT, PTR, CNAME and
    /// TLSA sorted (their order in DNS means nothing); A and AAAA in the
    /// server's order. Names come without the trailing dot (a null MX stays
    /// `"."`). For every type but CNAME, CNAMEs are followed and not listed;
    /// a CNAME lookup gives the alias itself, not followed.
    ///
    /// # Errors
    /// [`DnsError`]; never an empty list (that is [`DnsError::NoRecords`]).
    pub async fn lookup(&self, name: &str, rtype: RecordType) -> Result<Vec<DnsRecord>, DnsError> {
        self.lookup_answer(name, rtype).await.map(|a| a.records)
    }

    /// As [`Dns::lookup`], with whether DNSSEC proved the records.
    ///
    /// # Errors
    /// As [`Dns::lookup`]; [`DnsError::Bogus`] when validating and the
    /// answer fails validation.
    pub async fn lookup_answer(&self, name: &str, rtype: RecordType) -> Result<Answer, DnsError> {
        let name = check_name(name)?;
        if let Some(server) = self.server {
            if rtype == RecordType::Ptr && loopback::is_loopback_reverse(&name) {
                let records = loopback::ptr(server, &name, self.timeout).await?;
                return Ok(Answer {
                    records,
                    authenticated: self.validating.then_some(false),
                });
            }
        }
        let query = Name::from_ascii(format!("{name}."))
            .map_err(|_| DnsError::BadName { name: name.clone() })?;
        let kind = records::query_type(rtype);
        let answer = tokio::time::timeout(self.timeout, self.resolver.lookup(query, kind)).await;
        let lookup = match answer {
            Err(_) => {
                return Err(DnsError::Timeout {
                    name,
                    timeout: self.timeout,
                })
            }
            Ok(Err(e)) => return Err(error::classify(name, rtype, self.timeout, &e)),
            Ok(Ok(lookup)) => lookup,
        };
        let mut found: Vec<DnsRecord> = lookup
            .answers()
            .iter()
            .filter_map(|record| records::to_record(rtype, &record.data))
            .collect();
        records::arrange(rtype, &mut found);
        if found.is_empty() {
            return Err(DnsError::NoRecords { name, rtype });
        }
        let authenticated = self
            .validating
            .then(|| validation::authenticated(lookup.answers()));
        Ok(Answer {
            records: found,
            authenticated,
        })
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
                _ => None,
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
        match self.lookup_answer(&name, rtype).await {
            Ok(answer) => resolved(name, rtype, answer, id),
            Err(e) => ServerMessage::error(e.code(), e.to_string()),
        }
    }
}

/// `resolved` with `answer`, or `error` `limit` when that message would be
/// larger than a server message may be ([`MAX_SERVER_MESSAGE_BYTES`]: a
/// 64 KiB DNS answer can grow in JSON, control characters becoming
/// `\u00XX`).
fn resolved(name: String, rtype: RecordType, answer: Answer, id: Option<u32>) -> ServerMessage {
    let message = ServerMessage::Resolved {
        name,
        rtype,
        records: answer.records,
        id,
        authenticated: answer.authenticated,
    };
    if message.encode().len() <= MAX_SERVER_MESSAGE_BYTES {
        return message;
    }
    let ServerMessage::Resolved { name, .. } = message else {
        unreachable!("built above as resolved")
    };
    let e = DnsError::TooLarge { name, rtype };
    ServerMessage::error(e.code(), e.to_string())
}

/// A resolver asking a server that never answers, and that server's socket
/// (kept by the caller): the side tasks' tests need lookups and fetches
/// that stay running until they are cancelled.
#[cfg(test)]
pub(crate) async fn silent_dns() -> (tokio::net::UdpSocket, Dns) {
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = silent.local_addr().expect("addr");
    let dns = Dns::new(Some(addr), Duration::from_secs(30)).expect("resolver");
    (silent, dns)
}

#[cfg(test)]
mod tests {
    use smtplab_shared::wire::ErrorCode;

    use super::*;

    #[test]
    fn a_resolved_over_the_server_message_bound_is_a_limit_error() {
        // 20,000 control characters: 20 KB of DNS, 120 KB of JSON.
        let text = "\u{1}".repeat(20_000);
        let answer = |text: &str| Answer {
            records: vec![DnsRecord::Txt { text: text.into() }],
            authenticated: Some(true),
        };
        let big = resolved("big.test".into(), RecordType::Txt, answer(&text), Some(3));
        match big {
            ServerMessage::Error { code, message } => {
                assert_eq!(code, ErrorCode::Limit);
                assert!(message.contains("big.test"), "{message}");
            }
            other => panic!("expected an error, got {other:?}"),
        }
        let fits = "x".repeat(60_000);
        assert!(matches!(
            resolved("ok.test".into(), RecordType::Txt, answer(&fits), None),
            ServerMessage::Resolved {
                authenticated: Some(true),
                ..
            }
        ));
    }

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
