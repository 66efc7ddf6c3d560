//! The MTA-STS policy fetch behind `fetch_mta_sts` (RFC 8461 §3.3): the
//! bridge's own HTTPS client GETs
//! `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` and hands back the body
//! as served, unjudged (`shared::posture` parses it). `smtplab check` calls
//! the same [`MtaSts::fetch_policy`].
//!
//! Why the bridge fetches it instead of opening port 443 through the relay
//! is in docs/security.md ("MTA-STS policy fetch"). In short, it is no HTTP
//! proxy:
//! - one URL shape only: the domain is checked ([`check_name`]), the path is
//!   fixed, the method is GET with no body and no header the client chooses;
//! - the name `mta-sts.DOMAIN` is resolved with the bridge's resolver
//!   (`--dns` applies) and every address is judged by the bridge's target
//!   rules, as `connect`'s are ([`dial`]);
//! - the certificate is verified against Mozilla's roots (plus `--mta-sts-ca`)
//!   with the name `mta-sts.DOMAIN`;
//! - redirects are not followed (RFC 8461 §3.3), the status must be 200, the
//!   body is at most [`MAX_MTA_STS_POLICY_BYTES`], the response head at most
//!   [`MAX_HEAD_BYTES`], and everything, DNS included, has one deadline
//!   ([`DEFAULT_TIMEOUT`]);
//! - a session has at most a few fetches running ([`Fetches`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt as _, Empty, LengthLimitError, Limited};
use hyper::body::Bytes;
use hyper::header::{HeaderMap, CONTENT_LENGTH, CONTENT_TYPE, HOST, LOCATION, USER_AGENT};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use smtplab_shared::wire::{
    ErrorCode, ServerMessage, MAX_MTA_STS_POLICY_BYTES, MAX_SERVER_MESSAGE_BYTES,
};
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use crate::dial::{dial, DialError};
use crate::dns::{check_name, Dns, DnsError};
use crate::policy::Policy;
use crate::target::TargetRule;

mod fetches;

pub use fetches::Fetches;

/// The HTTPS port RFC 8461 fetches from. `--mta-sts-port` changes it, for
/// tests and private deployments only.
pub const DEFAULT_PORT: u16 = 443;

/// Deadline of one whole fetch: DNS, connect, TLS, request and body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Fetches one session may have running; one more gets `error limit`.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 2;

/// The policy's path (RFC 8461 §3.2).
pub const POLICY_PATH: &str = "/.well-known/mta-sts.txt";

/// Largest response head (status line and headers) read.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Most response headers read.
const MAX_HEADERS: usize = 64;

/// Longest `Content-Type` or `Location` value passed on, in characters.
const MAX_HEADER_TEXT: usize = 200;

/// What a fetcher needs besides the resolver.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The HTTPS port ([`DEFAULT_PORT`]).
    pub port: u16,
    /// Deadline of one whole fetch ([`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
    /// Roots trusted besides Mozilla's (`--mta-sts-ca`): a private CA, or the
    /// tests' own.
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// The bridge's allow rules ([`crate::policy`]).
    pub allow_targets: Vec<TargetRule>,
    /// The bridge's deny rules.
    pub deny_targets: Vec<TargetRule>,
    /// Refuse internal addresses, as `connect` does.
    pub deny_internal: bool,
}

impl Default for Settings {
    /// Port 443, 10 s, Mozilla's roots, no target rules (the CLI's case).
    fn default() -> Self {
        Self {
            port: DEFAULT_PORT,
            timeout: DEFAULT_TIMEOUT,
            extra_roots: Vec::new(),
            allow_targets: Vec::new(),
            deny_targets: Vec::new(),
            deny_internal: false,
        }
    }
}

/// A policy as fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The policy domain, lower case, without the trailing dot.
    pub domain: String,
    /// The URL fetched.
    pub url: String,
    /// The body as served (at most [`MAX_MTA_STS_POLICY_BYTES`]).
    pub body: Bytes,
    /// The `Content-Type` header, when there was one (RFC 8461 wants
    /// `text/plain`; judging it is `shared`'s job).
    pub content_type: Option<String>,
    /// The address it came from.
    pub peer: SocketAddr,
}

/// Why no policy was fetched. [`FetchError::code`] is the wire code.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The domain is not a valid DNS name (or `mta-sts.` + it is too long).
    #[error(transparent)]
    BadDomain(DnsError),
    /// `mta-sts.DOMAIN` did not resolve, its addresses were refused by the
    /// target rules, or none accepted the connection.
    #[error(transparent)]
    Connect(#[from] DialError),
    /// The deadline passed (DNS, connect, TLS and body together).
    #[error("no policy from {url} within {} ms", timeout.as_millis())]
    Timeout {
        /// The URL being fetched.
        url: String,
        /// The deadline that passed.
        timeout: Duration,
    },
    /// The TLS handshake failed: an untrusted certificate, one for another
    /// name, an expired one, no common protocol.
    #[error("TLS with {host} failed: {reason}")]
    Tls {
        /// `mta-sts.DOMAIN`.
        host: String,
        /// rustls's explanation.
        reason: String,
    },
    /// The server redirected; RFC 8461 §3.3 forbids following.
    #[error("{url} answered HTTP {status} (a redirect to {location}); MTA-STS policies are fetched without following redirects (RFC 8461 §3.3)")]
    Redirect {
        /// The URL fetched.
        url: String,
        /// The 3xx status.
        status: u16,
        /// Its `Location`, or `"nowhere"`.
        location: String,
    },
    /// A status other than 200.
    #[error("{url} answered HTTP {status}; a policy is served with 200 OK (RFC 8461 §3.3)")]
    Status {
        /// The URL fetched.
        url: String,
        /// The status.
        status: u16,
    },
    /// The body is over the limit; reading stopped there.
    #[error("the policy at {url} is larger than {limit} bytes")]
    TooLarge {
        /// The URL fetched.
        url: String,
        /// [`MAX_MTA_STS_POLICY_BYTES`].
        limit: usize,
    },
    /// The body, as JSON text, would not fit in one message to the tab
    /// (`MAX_SERVER_MESSAGE_BYTES`): it is not text.
    #[error("the policy at {url} is not text (its JSON form is over {limit} bytes)")]
    NotText {
        /// The URL fetched.
        url: String,
        /// `MAX_SERVER_MESSAGE_BYTES`.
        limit: usize,
    },
    /// HTTP itself failed: a malformed or oversized response head, a
    /// connection closed mid-body.
    #[error("HTTP with {url} failed: {reason}")]
    Http {
        /// The URL fetched.
        url: String,
        /// hyper's explanation.
        reason: String,
    },
}

impl FetchError {
    /// The wire code: `bad_request` for a bad domain; DNS, policy and
    /// connect failures as `connect` reports them (`nxdomain`, `dns`,
    /// `forbidden`, `refused`, `unreachable`, …); `timeout`; everything
    /// after the TCP connect is `https`.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadDomain(e) => e.code(),
            Self::Connect(e) => e.code(),
            Self::Timeout { .. } => ErrorCode::Timeout,
            Self::Tls { .. }
            | Self::Redirect { .. }
            | Self::Status { .. }
            | Self::TooLarge { .. }
            | Self::NotText { .. }
            | Self::Http { .. } => ErrorCode::Https,
        }
    }
}

/// The fetcher: one per bridge (shared by its sessions) or per `smtplab
/// check` run.
#[derive(Debug)]
pub struct MtaSts {
    /// The resolver for `mta-sts.DOMAIN`, or why there is none.
    dns: Result<Dns, DnsError>,
    /// The target rules for the resolved addresses, allowing only
    /// [`Settings::port`].
    policy: Policy,
    /// The HTTPS port.
    port: u16,
    /// Deadline of one whole fetch.
    timeout: Duration,
    /// rustls with Mozilla's roots and the extra ones.
    tls: Arc<ClientConfig>,
}

impl MtaSts {
    /// A fetcher resolving with `dns` (when it could not be set up, its
    /// error answers every fetch).
    pub fn new(dns: Result<Dns, DnsError>, settings: Settings) -> Self {
        let policy = Policy::new([settings.port]).with_targets(
            settings.allow_targets,
            settings.deny_targets,
            settings.deny_internal,
        );
        Self {
            dns,
            policy,
            port: settings.port,
            timeout: settings.timeout,
            tls: client_config(&settings.extra_roots),
        }
    }

    /// The URL of `domain`'s policy (the port shown when it is not 443).
    pub fn url(&self, domain: &str) -> String {
        match self.port {
            DEFAULT_PORT => format!("https://mta-sts.{domain}{POLICY_PATH}"),
            port => format!("https://mta-sts.{domain}:{port}{POLICY_PATH}"),
        }
    }

    /// Fetches `domain`'s policy (a trailing dot is allowed).
    ///
    /// # Errors
    /// [`FetchError`]; its [`code`](FetchError::code) is the wire code.
    pub async fn fetch_policy(&self, domain: &str) -> Result<Fetched, FetchError> {
        let domain = check_name(domain).map_err(FetchError::BadDomain)?;
        let host = check_name(&format!("mta-sts.{domain}")).map_err(FetchError::BadDomain)?;
        let url = self.url(&domain);
        match tokio::time::timeout(self.timeout, self.get(&host, &url)).await {
            Ok(Ok((body, content_type, peer))) => Ok(Fetched {
                domain,
                url,
                body,
                content_type,
                peer,
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(FetchError::Timeout {
                url,
                timeout: self.timeout,
            }),
        }
    }

    /// The whole answer to a `fetch_mta_sts`: `mta_sts_policy` or a typed
    /// `error`.
    pub async fn answer(&self, domain: &str, id: Option<u32>) -> ServerMessage {
        let refuse = |e: FetchError| ServerMessage::error(e.code(), e.to_string());
        let fetched = match self.fetch_policy(domain).await {
            Ok(fetched) => fetched,
            Err(e) => return refuse(e),
        };
        let url = fetched.url.clone();
        let answer = ServerMessage::MtaStsPolicy {
            domain: fetched.domain,
            url: fetched.url,
            body: String::from_utf8_lossy(&fetched.body).into_owned(),
            content_type: fetched.content_type,
            id,
        };
        // Invalid UTF-8 and control characters grow in JSON (U+FFFD,
        // `\u0001`): a body of 64 KiB of them would not fit the tab's bound.
        if answer.encode().len() > MAX_SERVER_MESSAGE_BYTES {
            return refuse(FetchError::NotText {
                url,
                limit: MAX_SERVER_MESSAGE_BYTES,
            });
        }
        answer
    }

    /// Connects to `host`, checks its certificate, GETs the policy: the
    /// body, the `Content-Type` and the peer. No deadline of its own.
    async fn get(
        &self,
        host: &str,
        url: &str,
    ) -> Result<(Bytes, Option<String>, SocketAddr), FetchError> {
        let dns = self
            .dns
            .as_ref()
            .map_err(|e| DialError::Resolver(e.clone()))?;
        let (tcp, peer) = dial(&self.policy, Some(dns), host, self.port, self.timeout).await?;
        let tls_error = |reason: String| FetchError::Tls {
            host: host.to_owned(),
            reason,
        };
        let name = ServerName::try_from(host.to_owned())
            .map_err(|e| tls_error(format!("{host} is not a certificate name: {e}")))?;
        let tls = TlsConnector::from(Arc::clone(&self.tls))
            .connect(name, tcp)
            .await
            .map_err(|e| tls_error(e.to_string()))?;
        let http_error = |e: &dyn std::fmt::Display| FetchError::Http {
            url: url.to_owned(),
            reason: e.to_string(),
        };
        let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
            .max_headers(MAX_HEADERS)
            .max_header_size(MAX_HEAD_BYTES)
            .handshake::<_, Empty<Bytes>>(TokioIo::new(tls))
            .await
            .map_err(|e| http_error(&e))?;
        let authority = match self.port {
            DEFAULT_PORT => host.to_owned(),
            port => format!("{host}:{port}"),
        };
        let request = Request::get(POLICY_PATH)
            .header(HOST, authority)
            .header(USER_AGENT, concat!("smtplab/", env!("CARGO_PKG_VERSION")))
            .body(Empty::new())
            .expect("a fixed path and checked host make a valid request");
        let exchange = async {
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| http_error(&e))?;
            let status = response.status();
            if status.is_redirection() {
                return Err(FetchError::Redirect {
                    url: url.to_owned(),
                    status: status.as_u16(),
                    location: header_text(response.headers(), LOCATION)
                        .unwrap_or_else(|| "nowhere".to_owned()),
                });
            }
            if status != StatusCode::OK {
                return Err(FetchError::Status {
                    url: url.to_owned(),
                    status: status.as_u16(),
                });
            }
            let too_large = || FetchError::TooLarge {
                url: url.to_owned(),
                limit: MAX_MTA_STS_POLICY_BYTES,
            };
            let announced = response
                .headers()
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if announced.is_some_and(|n| n > MAX_MTA_STS_POLICY_BYTES as u64) {
                return Err(too_large());
            }
            let content_type = header_text(response.headers(), CONTENT_TYPE);
            let body = Limited::new(response.into_body(), MAX_MTA_STS_POLICY_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<LengthLimitError>() {
                        too_large()
                    } else {
                        http_error(&e)
                    }
                })?
                .to_bytes();
            Ok((body, content_type))
        };
        tokio::pin!(exchange);
        tokio::pin!(conn);
        let (body, content_type) = tokio::select! {
            result = &mut exchange => result?,
            // The connection ends by itself only on an error, or when the
            // server closes after the body: the exchange then has it all.
            ended = &mut conn => match ended {
                Ok(()) => exchange.await?,
                Err(e) => return Err(http_error(&e)),
            },
        };
        Ok((body, content_type, peer))
    }
}

/// A header's value as text (visible ASCII, bounded), when present.
fn header_text(headers: &HeaderMap, name: hyper::header::HeaderName) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?;
    Some(value.chars().take(MAX_HEADER_TEXT).collect())
}

/// rustls with Mozilla's roots plus `extra`, HTTP/1.1 offered by ALPN.
fn client_config(extra: &[CertificateDer<'static>]) -> Arc<ClientConfig> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    // Checked at start by `check_roots`; a hand-built Config's unusable
    // ones are left out.
    roots.add_parsable_certificates(extra.iter().cloned());
    let mut config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Checks that every certificate can be a trusted root.
///
/// # Errors
/// rustls's reason for the first that cannot.
pub fn check_roots(certs: &[CertificateDer<'static>]) -> Result<(), rustls::Error> {
    let mut store = RootCertStore::empty();
    certs.iter().try_for_each(|cert| store.add(cert.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_names_the_port_only_when_it_is_not_443() {
        let default = MtaSts::new(Err(no_dns()), Settings::default());
        assert_eq!(
            default.url("example.com"),
            "https://mta-sts.example.com/.well-known/mta-sts.txt"
        );
        let test = MtaSts::new(
            Err(no_dns()),
            Settings {
                port: 8443,
                ..Settings::default()
            },
        );
        assert_eq!(
            test.url("example.com"),
            "https://mta-sts.example.com:8443/.well-known/mta-sts.txt"
        );
    }

    #[tokio::test]
    async fn bad_domains_are_bad_requests_and_no_resolver_is_dns() {
        let fetcher = MtaSts::new(Err(no_dns()), Settings::default());
        let long = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(57),
        ]
        .join(".");
        for bad in ["", "a b", "exämple.com", "a/b", "x..y", long.as_str()] {
            let err = fetcher.fetch_policy(bad).await.expect_err(bad);
            assert_eq!(err.code(), ErrorCode::BadRequest, "{bad}: {err}");
        }
        let err = fetcher
            .fetch_policy("example.com.")
            .await
            .expect_err("no resolver");
        assert_eq!(err.code(), ErrorCode::Dns, "{err}");
    }

    #[test]
    fn failures_after_the_connect_are_https() {
        let url = || "https://mta-sts.x.test/.well-known/mta-sts.txt".to_owned();
        for e in [
            FetchError::Tls {
                host: "mta-sts.x.test".into(),
                reason: "invalid peer certificate: UnknownIssuer".into(),
            },
            FetchError::Redirect {
                url: url(),
                status: 301,
                location: "https://elsewhere.test/".into(),
            },
            FetchError::Status {
                url: url(),
                status: 404,
            },
            FetchError::TooLarge {
                url: url(),
                limit: MAX_MTA_STS_POLICY_BYTES,
            },
        ] {
            assert_eq!(e.code(), ErrorCode::Https, "{e}");
        }
        let timeout = FetchError::Timeout {
            url: url(),
            timeout: DEFAULT_TIMEOUT,
        };
        assert_eq!(timeout.code(), ErrorCode::Timeout);
    }

    #[test]
    fn garbage_is_no_root() {
        assert!(check_roots(&[CertificateDer::from(vec![1, 2, 3])]).is_err());
        let pair = rcgen::generate_simple_self_signed(vec!["ca.test".to_owned()]).expect("cert");
        assert!(check_roots(&[pair.cert.der().clone()]).is_ok());
    }

    fn no_dns() -> DnsError {
        DnsError::Unavailable {
            reason: "no resolv.conf".into(),
        }
    }
}
