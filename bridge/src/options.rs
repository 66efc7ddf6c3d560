//! The bridge's policy as the operator writes it: a TOML file (`--config`)
//! and command-line flags, every setting optional, flags winning over the
//! file; and the start-up rules that turn it into a [`Config`]:
//!
//! - listening on a non-loopback address needs TLS for the page
//!   (`tls_cert` + `tls_key`) or an explicit `insecure_listen`, and always
//!   produces a warning;
//! - off loopback, internal target addresses (loopback, private, link-local)
//!   are denied unless `deny_internal = false` or an `allow_targets` entry
//!   says otherwise.
//! - identity from a proxy needs both `trust_proxy_header` and
//!   `trusted_proxies`, and no trusted CIDR may cover every address
//!   (`0.0.0.0/0`, `::/0`): anyone could then claim any user;
//! - per-user limits without proxy identity, and a metrics listener off
//!   loopback (no token there), produce a warning.
//!
//! ```toml
//! listen = "127.0.0.1:8025"
//! token_ttl_secs = 3600
//! allow_origins = ["https://smtplab.example.org"]
//! allow_ports = [2526]                 # besides 25, 465, 587, 2525
//! allow_targets = ["relay.corp.example", "10.1.2.3"]
//! deny_targets = ["198.51.100.0/24", "*.blocked.example"]
//! max_sessions = 64
//! max_sessions_per_client = 16
//! max_session_bytes = 268435456
//! max_session_secs = 1800
//! connect_timeout_ms = 10000
//! idle_timeout_ms = 300000
//! sandbox = true                       # the embedded SMTP sandbox (default on)
//! sandbox_listen = "127.0.0.1:2525"    # loopback only
//! sandbox_bearer_token = "…"           # XOAUTH2/OAUTHBEARER token of the demo account
//! dns = "127.0.0.1:53"                 # for `resolve`; default /etc/resolv.conf
//! dnssec = true                        # validate `resolve` answers (DNSSEC)
//! dnssec_trust_anchor = "zone.key"     # also trust these DNSKEYs (implies dnssec)
//! mta_sts_port = 443                   # `fetch_mta_sts`; another only for tests
//! mta_sts_ca = "private-ca.pem"        # roots trusted besides Mozilla's
//! threads = 1                          # runtime threads (1: one thread, the default)
//! trust_proxy_header = "X-Forwarded-User" # the user, from these proxies only:
//! trusted_proxies = ["10.0.0.5", "10.0.1.0/24"]
//! max_sessions_per_user = 8            # per proxy-named user, this replica
//! max_bytes_per_user = 1073741824      # per user per rolling hour, both ways
//! log_format = "json"                  # text (default) or json
//! metrics_listen = "127.0.0.1:9025"    # /metrics, /healthz, /readyz
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use smtplab_sandbox::{ConfigError as SandboxConfigError, SandboxConfig};

use crate::access::{self, AccessToken, TokenError};
use crate::audit::LogFormat;
use crate::config::Config;
use crate::dns::{TrustAnchorError, Validation};
use crate::identity::{ProxyTrust, TrustError};
use crate::mta_sts;
use crate::target::{RuleError, TargetRule};
use crate::tls::{self, TlsError};
use crate::users::UserLimits;

/// The listen address when none is given.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8025";

/// Every setting, each optional: the file's and the flags' shape.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Address to listen on (default 127.0.0.1:8025).
    pub listen: Option<SocketAddr>,
    /// Fixed token; random at every start when unset.
    pub token: Option<String>,
    /// Seconds after start during which the token is accepted.
    pub token_ttl_secs: Option<u64>,
    /// Extra origins whose pages may open a WebSocket.
    pub allow_origins: Option<Vec<String>>,
    /// Target ports allowed besides 25, 465, 587 and 2525.
    pub allow_ports: Option<Vec<u16>>,
    /// Target host names, `*.domain`s, addresses or CIDR ranges allowed even
    /// when denied otherwise.
    pub allow_targets: Option<Vec<String>>,
    /// Target host names, `*.domain`s, addresses or CIDR ranges refused.
    pub deny_targets: Option<Vec<String>>,
    /// Refuse internal addresses; default: on exactly when the listen
    /// address is not loopback.
    pub deny_internal: Option<bool>,
    /// Concurrent sessions in total.
    pub max_sessions: Option<usize>,
    /// Concurrent sessions per client (an IPv4 address or an IPv6 /64).
    pub max_sessions_per_client: Option<usize>,
    /// Open TCP connections to the bridge.
    pub max_connections: Option<usize>,
    /// Open TCP connections from one client address (IPv6: one /64).
    pub max_connections_per_client: Option<usize>,
    /// Largest binary frame from the client.
    pub max_frame_bytes: Option<usize>,
    /// Bytes one session may relay, both directions together.
    pub max_session_bytes: Option<u64>,
    /// Longest a session may last, in seconds.
    pub max_session_secs: Option<u64>,
    /// Connect timeout (DNS included), in ms.
    pub connect_timeout_ms: Option<u64>,
    /// Idle timeout, in ms.
    pub idle_timeout_ms: Option<u64>,
    /// Deadline for a request's header block and the TLS handshake, in ms.
    pub header_timeout_ms: Option<u64>,
    /// A connection whose writes make no progress this long is closed, in ms.
    pub write_timeout_ms: Option<u64>,
    /// How long shutdown waits for sessions to close, in ms.
    pub shutdown_grace_ms: Option<u64>,
    /// PEM certificate chain for HTTPS/WSS.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS/WSS.
    pub tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address.
    pub insecure_listen: Option<bool>,
    /// Run the embedded SMTP sandbox (default: on).
    pub sandbox: Option<bool>,
    /// Where the sandbox listens (default 127.0.0.1:2525; loopback only).
    pub sandbox_listen: Option<SocketAddr>,
    /// The bearer token the sandbox's demo account accepts over XOAUTH2
    /// and OAUTHBEARER (default `smtplab-demo-token`; empty: none).
    pub sandbox_bearer_token: Option<String>,
    /// The DNS server `resolve` asks, `ip:port`; default: the system's.
    pub dns: Option<SocketAddr>,
    /// Validate DNS answers with DNSSEC (`resolved` then says
    /// `authenticated`; a bogus answer is an `error` `dnssec`).
    pub dnssec: Option<bool>,
    /// A file of DNSKEY records (zone-file format) to trust besides the
    /// root's keys, e.g. a local test zone's; implies `dnssec` unless
    /// that is `false`.
    pub dnssec_trust_anchor: Option<PathBuf>,
    /// Runtime worker threads; 1 (the default) runs everything on one
    /// thread.
    pub threads: Option<usize>,
    /// The port MTA-STS policies are fetched from (default 443; for tests
    /// and private deployments).
    pub mta_sts_port: Option<u16>,
    /// A PEM file of CA certificates the MTA-STS fetch trusts besides
    /// Mozilla's roots.
    pub mta_sts_ca: Option<PathBuf>,
    /// The header a trusted reverse proxy names the user in
    /// (`--trust-proxy-header`); needs `trusted_proxies`.
    pub trust_proxy_header: Option<String>,
    /// The proxies' addresses or CIDRs (`--trusted-proxy`, repeatable);
    /// never `0.0.0.0/0` or `::/0`.
    pub trusted_proxies: Option<Vec<String>>,
    /// Concurrent sessions of one proxy-named user.
    pub max_sessions_per_user: Option<usize>,
    /// Bytes one proxy-named user may relay per rolling hour, both ways.
    pub max_bytes_per_user: Option<u64>,
    /// `text` (the default) or `json`: how the log and the per-session
    /// audit line are written.
    pub log_format: Option<LogFormat>,
    /// Where `/metrics`, `/healthz` and `/readyz` are served besides the
    /// main listener (plain HTTP, no token).
    pub metrics_listen: Option<SocketAddr>,
}

/// Why the bridge must not start.
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    /// The config file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The config file is not valid TOML of the expected shape.
    #[error("invalid config file {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's error (it names the line and the key).
        source: Box<toml::de::Error>,
    },
    /// Plain HTTP on an address other machines can reach.
    #[error("refusing to listen on {addr} without TLS: other machines could reach the bridge and read its token in clear text. Give --tls-cert and --tls-key, or --insecure-listen to accept the risk, or listen on 127.0.0.1")]
    InsecureListen {
        /// The listen address.
        addr: SocketAddr,
    },
    /// Only one of the certificate and the key.
    #[error("--tls-cert and --tls-key go together")]
    TlsPair,
    /// The certificate or key is unusable.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The token is unusable.
    #[error("invalid token: {0}")]
    Token(#[from] TokenError),
    /// An origin is not `http(s)://host[:port]`.
    #[error("invalid allowed origin {0:?}: expected http(s)://host[:port]")]
    Origin(String),
    /// A target rule is malformed.
    #[error("invalid target rule: {0}")]
    Rule(#[from] RuleError),
    /// A numeric setting outside its [`Range`].
    #[error("{flag} ({key}) must be from {min} to {max}, not {value}")]
    OutOfRange {
        /// The TOML key.
        key: &'static str,
        /// The command-line flag.
        flag: &'static str,
        /// The smallest allowed value.
        min: u64,
        /// The largest allowed value.
        max: u64,
        /// The value given.
        value: u64,
    },
    /// The sandbox's settings are refused (a non-loopback address).
    #[error("invalid --sandbox-listen: {0}")]
    Sandbox(#[from] SandboxConfigError),
    /// The `--dnssec-trust-anchor` file cannot be used.
    #[error(transparent)]
    TrustAnchor(#[from] TrustAnchorError),
    /// The proxy identity settings are incomplete or unsafe.
    #[error(transparent)]
    Trust(#[from] TrustError),
}

/// What `main` needs to start: where to listen, the configuration, and the
/// warnings to print.
#[derive(Debug)]
pub struct Startup {
    /// The address to bind.
    pub listen: SocketAddr,
    /// True when nobody chose `listen` (no flag, no `listen` key): a taken
    /// default port may then move to a free one ([`crate::ports`]).
    pub listen_may_move: bool,
    /// The bridge's configuration.
    pub config: Config,
    /// Lines to print on stderr before serving.
    pub warnings: Vec<String>,
    /// The sandbox to start beside the bridge (checked, not bound yet);
    /// `None` when turned off.
    pub sandbox: Option<SandboxConfig>,
    /// True when nobody chose `sandbox_listen`: a taken default port may
    /// move.
    pub sandbox_may_move: bool,
    /// Runtime worker threads (at least 1). One thread is the default: a
    /// session's two pumps already run in one task, so more threads add
    /// nothing to one session and cost a cross-thread wake-up on every
    /// relayed message (docs/benchmarks.md); `--threads N` spreads many
    /// concurrent sessions (a shared bridge) over N cores.
    pub threads: usize,
}

impl Options {
    /// Reads a TOML policy file.
    ///
    /// # Errors
    /// [`OptionsError::Read`] or [`OptionsError::Parse`] (unknown keys are errors).
    pub fn load(path: &Path) -> Result<Self, OptionsError> {
        let text = std::fs::read_to_string(path).map_err(|source| OptionsError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| OptionsError::Parse {
            path: path.to_owned(),
            source: Box::new(source),
        })
    }

    /// `self` (the file) with every setting that `flags` has replaced by the
    /// flag's value. A list given by flags replaces the file's list.
    #[must_use]
    pub fn overridden_by(self, flags: Self) -> Self {
        Self {
            listen: flags.listen.or(self.listen),
            token: flags.token.or(self.token),
            token_ttl_secs: flags.token_ttl_secs.or(self.token_ttl_secs),
            allow_origins: flags.allow_origins.or(self.allow_origins),
            allow_ports: flags.allow_ports.or(self.allow_ports),
            allow_targets: flags.allow_targets.or(self.allow_targets),
            deny_targets: flags.deny_targets.or(self.deny_targets),
            deny_internal: flags.deny_internal.or(self.deny_internal),
            max_sessions: flags.max_sessions.or(self.max_sessions),
            max_sessions_per_client: flags
                .max_sessions_per_client
                .or(self.max_sessions_per_client),
            max_connections: flags.max_connections.or(self.max_connections),
            max_connections_per_client: flags
                .max_connections_per_client
                .or(self.max_connections_per_client),
            max_frame_bytes: flags.max_frame_bytes.or(self.max_frame_bytes),
            max_session_bytes: flags.max_session_bytes.or(self.max_session_bytes),
            max_session_secs: flags.max_session_secs.or(self.max_session_secs),
            connect_timeout_ms: flags.connect_timeout_ms.or(self.connect_timeout_ms),
            idle_timeout_ms: flags.idle_timeout_ms.or(self.idle_timeout_ms),
            header_timeout_ms: flags.header_timeout_ms.or(self.header_timeout_ms),
            write_timeout_ms: flags.write_timeout_ms.or(self.write_timeout_ms),
            shutdown_grace_ms: flags.shutdown_grace_ms.or(self.shutdown_grace_ms),
            tls_cert: flags.tls_cert.or(self.tls_cert),
            tls_key: flags.tls_key.or(self.tls_key),
            insecure_listen: flags.insecure_listen.or(self.insecure_listen),
            sandbox: flags.sandbox.or(self.sandbox),
            sandbox_listen: flags.sandbox_listen.or(self.sandbox_listen),
            sandbox_bearer_token: flags.sandbox_bearer_token.or(self.sandbox_bearer_token),
            dns: flags.dns.or(self.dns),
            dnssec: flags.dnssec.or(self.dnssec),
            dnssec_trust_anchor: flags.dnssec_trust_anchor.or(self.dnssec_trust_anchor),
            threads: flags.threads.or(self.threads),
            mta_sts_port: flags.mta_sts_port.or(self.mta_sts_port),
            mta_sts_ca: flags.mta_sts_ca.or(self.mta_sts_ca),
            trust_proxy_header: flags.trust_proxy_header.or(self.trust_proxy_header),
            trusted_proxies: flags.trusted_proxies.or(self.trusted_proxies),
            max_sessions_per_user: flags.max_sessions_per_user.or(self.max_sessions_per_user),
            max_bytes_per_user: flags.max_bytes_per_user.or(self.max_bytes_per_user),
            log_format: flags.log_format.or(self.log_format),
            metrics_listen: flags.metrics_listen.or(self.metrics_listen),
        }
    }

    /// Checks the settings and builds the configuration. Nothing is bound
    /// yet, so a refusal happens before the bridge serves anything.
    ///
    /// # Errors
    /// [`OptionsError`]; notably [`OptionsError::InsecureListen`] for plain
    /// HTTP off loopback without `insecure_listen`.
    pub fn into_startup(self) -> Result<Startup, OptionsError> {
        let listen_may_move = self.listen.is_none();
        let sandbox_may_move = self.sandbox_listen.is_none();
        let listen = self
            .listen
            .unwrap_or_else(|| DEFAULT_LISTEN.parse().expect("the default address parses"));
        let loopback = listen.ip().is_loopback();
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
            (None, None) => None,
            _ => return Err(OptionsError::TlsPair),
        };
        let insecure = self.insecure_listen.unwrap_or(false);
        let mut warnings = Vec::new();
        if !loopback {
            if tls.is_none() && !insecure {
                return Err(OptionsError::InsecureListen { addr: listen });
            }
            warnings.push(format!(
                "warning: listening on {listen}, reachable from other machines; only the token keeps them out{}",
                if tls.is_some() { "" } else { ", and without TLS it travels in clear text (--insecure-listen)" }
            ));
        }
        let token = match &self.token {
            Some(t) => AccessToken::parse(t)?,
            None => AccessToken::generate(),
        };
        let mut config = Config::new(token);
        for origin in self.allow_origins.unwrap_or_default() {
            if !access::is_valid_origin(&origin) {
                return Err(OptionsError::Origin(origin));
            }
            config
                .allowed_origins
                .push(access::normalize_origin(&origin));
        }
        for port in self.allow_ports.unwrap_or_default() {
            ranges::ALLOW_PORT.check(u64::from(port))?;
            config.allowed_ports.push(port);
        }
        config.allow_targets = parse_rules(self.allow_targets)?;
        config.deny_targets = parse_rules(self.deny_targets)?;
        config.deny_internal = self.deny_internal.unwrap_or(!loopback);
        if !loopback && !config.deny_internal {
            warnings.push(
                "warning: deny_internal is off: clients may reach loopback and private addresses through the bridge"
                    .to_owned(),
            );
        }
        if let Some(n) = self.max_sessions {
            config.max_sessions = ranges::MAX_SESSIONS.check_count(n)?;
        }
        config.max_connections = self.max_connections.unwrap_or_else(|| {
            config
                .max_connections
                .max(config.max_sessions.saturating_add(64))
        });
        ranges::MAX_CONNECTIONS.check_count(config.max_connections)?;
        if let Some(n) = self.max_sessions_per_client {
            config.max_sessions_per_client = ranges::MAX_SESSIONS_PER_CLIENT.check_count(n)?;
        }
        // Room for a client's sessions plus its page loads, unless set.
        config.max_connections_per_client = self.max_connections_per_client.unwrap_or_else(|| {
            config
                .max_connections_per_client
                .max(config.max_sessions_per_client.saturating_add(16))
        });
        ranges::MAX_CONNECTIONS_PER_CLIENT.check_count(config.max_connections_per_client)?;
        if let Some(n) = self.max_frame_bytes {
            config.max_frame_bytes = ranges::MAX_FRAME_BYTES.check_count(n)?;
        }
        if let Some(n) = self.max_session_bytes {
            config.max_session_bytes = ranges::MAX_SESSION_BYTES.check(n)?;
        }
        if let Some(s) = self.max_session_secs {
            config.max_session_duration = Duration::from_secs(ranges::MAX_SESSION_SECS.check(s)?);
        }
        if let Some(t) = self.connect_timeout_ms {
            config.connect_timeout = ranges::CONNECT_TIMEOUT_MS.check_ms(t)?;
        }
        if let Some(t) = self.idle_timeout_ms {
            config.idle_timeout = ranges::IDLE_TIMEOUT_MS.check_ms(t)?;
        }
        if let Some(t) = self.header_timeout_ms {
            config.header_timeout = ranges::HEADER_TIMEOUT_MS.check_ms(t)?;
        }
        if let Some(t) = self.write_timeout_ms {
            config.write_timeout = ranges::WRITE_TIMEOUT_MS.check_ms(t)?;
        }
        if let Some(t) = self.shutdown_grace_ms {
            config.shutdown_grace = ranges::SHUTDOWN_GRACE_MS.check_ms(t)?;
        }
        config.token_ttl = match self.token_ttl_secs {
            Some(s) => Some(Duration::from_secs(ranges::TOKEN_TTL_SECS.check(s)?)),
            None => None,
        };
        config.tls = tls;
        config.dns_server = self.dns;
        config.dnssec =
            Validation::from_settings(self.dnssec, self.dnssec_trust_anchor.as_deref())?;
        if let Some(port) = self.mta_sts_port {
            ranges::MTA_STS_PORT.check(u64::from(port))?;
            config.mta_sts_port = port;
        }
        if let Some(path) = &self.mta_sts_ca {
            let roots = tls::certificates(path)?;
            mta_sts::check_roots(&roots).map_err(|e| TlsError::Certificate {
                path: path.clone(),
                reason: format!("not usable as a root: {e}"),
            })?;
            config.mta_sts_roots = roots;
        }
        let sandbox = if self.sandbox.unwrap_or(true) {
            let mut sandbox = SandboxConfig::new(
                self.sandbox_listen
                    .unwrap_or(smtplab_sandbox::DEFAULT_LISTEN),
            );
            if let Some(token) = &self.sandbox_bearer_token {
                sandbox.bearer_token.clone_from(token);
            }
            sandbox.check()?;
            Some(sandbox)
        } else {
            None
        };
        config.proxy_trust = ProxyTrust::from_settings(
            self.trust_proxy_header.as_deref(),
            self.trusted_proxies.as_deref().unwrap_or_default(),
        )?;
        config.user_limits = UserLimits {
            max_sessions: self
                .max_sessions_per_user
                .map(|n| ranges::MAX_SESSIONS_PER_USER.check_count(n))
                .transpose()?,
            max_bytes_per_hour: self
                .max_bytes_per_user
                .map(|n| ranges::MAX_BYTES_PER_USER.check(n))
                .transpose()?,
        };
        if config.proxy_trust.is_none() && config.user_limits != UserLimits::default() {
            warnings.push(
                "warning: max_sessions_per_user and max_bytes_per_user apply to users named by a trusted proxy; without --trust-proxy-header they limit nobody"
                    .to_owned(),
            );
        }
        config.log_format = self.log_format.unwrap_or_default();
        config.metrics_listen = self.metrics_listen;
        if let Some(addr) = self.metrics_listen {
            if !addr.ip().is_loopback() {
                warnings.push(format!(
                    "warning: the metrics listener on {addr} is reachable from other machines: /metrics (counts, and user names with proxy identity) needs no token there"
                ));
            }
        }
        let threads = ranges::THREADS.check_count(self.threads.unwrap_or(1))?;
        Ok(Startup {
            listen,
            listen_may_move,
            config,
            warnings,
            sandbox,
            sandbox_may_move,
            threads,
        })
    }
}

fn parse_rules(rules: Option<Vec<String>>) -> Result<Vec<TargetRule>, OptionsError> {
    Ok(rules
        .unwrap_or_default()
        .iter()
        .map(|r| r.parse())
        .collect::<Result<_, _>>()?)
}

/// A numeric setting's names and its allowed values, both ends included.
/// The ends keep every use free of overflow (deadlines are `now + value`,
/// counts become semaphore permits) and every limit a limit: a
/// `max_frame_bytes` of 2^64-1 would lift the WebSocket message cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The TOML key.
    pub key: &'static str,
    /// The command-line flag.
    pub flag: &'static str,
    /// The smallest allowed value.
    pub min: u64,
    /// The largest allowed value.
    pub max: u64,
}

impl Range {
    const fn new(key: &'static str, flag: &'static str, min: u64, max: u64) -> Self {
        Self {
            key,
            flag,
            min,
            max,
        }
    }

    /// `value` if within the range.
    ///
    /// # Errors
    /// [`OptionsError::OutOfRange`], naming the flag and the key.
    pub fn check(self, value: u64) -> Result<u64, OptionsError> {
        if (self.min..=self.max).contains(&value) {
            Ok(value)
        } else {
            Err(OptionsError::OutOfRange {
                key: self.key,
                flag: self.flag,
                min: self.min,
                max: self.max,
                value,
            })
        }
    }

    /// [`Self::check`] for a count.
    ///
    /// # Errors
    /// [`OptionsError::OutOfRange`].
    pub fn check_count(self, value: usize) -> Result<usize, OptionsError> {
        self.check(u64::try_from(value).unwrap_or(u64::MAX))?;
        Ok(value)
    }

    /// [`Self::check`] for milliseconds, as a duration.
    ///
    /// # Errors
    /// [`OptionsError::OutOfRange`].
    pub fn check_ms(self, value: u64) -> Result<Duration, OptionsError> {
        self.check(value).map(Duration::from_millis)
    }
}

/// One day in milliseconds: the longest timeout.
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// The documented range of every numeric setting (docs/security.md's
/// policy table).
pub mod ranges {
    use super::{Range, DAY_MS};

    /// `token_ttl_secs`: 1 s to 10 years.
    pub const TOKEN_TTL_SECS: Range =
        Range::new("token_ttl_secs", "--token-ttl", 1, 10 * 365 * 24 * 3600);
    /// `max_sessions`: 1 to 100,000 (two sockets each).
    pub const MAX_SESSIONS: Range = Range::new("max_sessions", "--max-sessions", 1, 100_000);
    /// `max_sessions_per_client`: 1 to 100,000.
    pub const MAX_SESSIONS_PER_CLIENT: Range = Range::new(
        "max_sessions_per_client",
        "--max-sessions-per-client",
        1,
        100_000,
    );
    /// `max_connections`: 1 to 1,000,000.
    pub const MAX_CONNECTIONS: Range =
        Range::new("max_connections", "--max-connections", 1, 1_000_000);
    /// `max_connections_per_client`: 1 to 1,000,000.
    pub const MAX_CONNECTIONS_PER_CLIENT: Range = Range::new(
        "max_connections_per_client",
        "--max-connections-per-client",
        1,
        1_000_000,
    );
    /// `max_frame_bytes`: 1 B to 16 MiB (the WebSocket message cap is four
    /// times it, at least 1 MiB).
    pub const MAX_FRAME_BYTES: Range =
        Range::new("max_frame_bytes", "--max-frame-bytes", 1, 16 << 20);
    /// `max_session_bytes`: 1 B to 2^64-1 (counted with saturating adds).
    pub const MAX_SESSION_BYTES: Range =
        Range::new("max_session_bytes", "--max-session-bytes", 1, u64::MAX);
    /// `max_session_secs`: 1 s to 365 days.
    pub const MAX_SESSION_SECS: Range =
        Range::new("max_session_secs", "--max-session-secs", 1, 365 * 24 * 3600);
    /// `connect_timeout_ms`: 1 ms to 1 day.
    pub const CONNECT_TIMEOUT_MS: Range =
        Range::new("connect_timeout_ms", "--connect-timeout-ms", 1, DAY_MS);
    /// `idle_timeout_ms`: 1 ms to 1 day.
    pub const IDLE_TIMEOUT_MS: Range =
        Range::new("idle_timeout_ms", "--idle-timeout-ms", 1, DAY_MS);
    /// `header_timeout_ms`: 1 ms to 1 day.
    pub const HEADER_TIMEOUT_MS: Range =
        Range::new("header_timeout_ms", "--header-timeout-ms", 1, DAY_MS);
    /// `write_timeout_ms`: 1 ms to 1 day.
    pub const WRITE_TIMEOUT_MS: Range =
        Range::new("write_timeout_ms", "--write-timeout-ms", 1, DAY_MS);
    /// `shutdown_grace_ms`: 0 (do not wait) to 1 day.
    pub const SHUTDOWN_GRACE_MS: Range =
        Range::new("shutdown_grace_ms", "--shutdown-grace-ms", 0, DAY_MS);
    /// `threads`: 1 to 1024.
    pub const THREADS: Range = Range::new("threads", "--threads", 1, 1024);
    /// Each `allow_ports` entry: 1 to 65535.
    pub const ALLOW_PORT: Range = Range::new("allow_ports", "--allow-port", 1, 65_535);
    /// `mta_sts_port`: 1 to 65535.
    pub const MTA_STS_PORT: Range = Range::new("mta_sts_port", "--mta-sts-port", 1, 65_535);
    /// `max_sessions_per_user`: 1 to 100,000.
    pub const MAX_SESSIONS_PER_USER: Range = Range::new(
        "max_sessions_per_user",
        "--max-sessions-per-user",
        1,
        100_000,
    );
    /// `max_bytes_per_user`: 1 B to 2^64-1 per hour.
    pub const MAX_BYTES_PER_USER: Range =
        Range::new("max_bytes_per_user", "--max-bytes-per-user", 1, u64::MAX);

    /// Every range, for the tests and the documentation.
    pub const ALL: [Range; 18] = [
        TOKEN_TTL_SECS,
        MAX_SESSIONS,
        MAX_SESSIONS_PER_CLIENT,
        MAX_CONNECTIONS,
        MAX_CONNECTIONS_PER_CLIENT,
        MAX_FRAME_BYTES,
        MAX_SESSION_BYTES,
        MAX_SESSION_SECS,
        CONNECT_TIMEOUT_MS,
        IDLE_TIMEOUT_MS,
        HEADER_TIMEOUT_MS,
        WRITE_TIMEOUT_MS,
        SHUTDOWN_GRACE_MS,
        THREADS,
        ALLOW_PORT,
        MTA_STS_PORT,
        MAX_SESSIONS_PER_USER,
        MAX_BYTES_PER_USER,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_parses_and_flags_override_it() {
        let file: Options = toml::from_str(
            r#"
            listen = "127.0.0.1:9000"
            token = "from-file"
            allow_ports = [2526]
            deny_targets = ["10.0.0.0/8"]
            max_sessions = 8
            max_sessions_per_client = 2
            idle_timeout_ms = 1000
            token_ttl_secs = 60
            "#,
        )
        .expect("valid file");
        let flags = Options {
            listen: Some("127.0.0.1:9001".parse().expect("addr")),
            max_sessions: Some(9),
            deny_targets: Some(vec!["192.0.2.0/24".into()]),
            ..Options::default()
        };
        let startup = file.overridden_by(flags).into_startup().expect("valid");
        assert_eq!(startup.listen, "127.0.0.1:9001".parse().expect("addr"));
        assert!(!startup.listen_may_move, "chosen: stays an error if taken");
        assert!(startup.sandbox_may_move);
        let c = &startup.config;
        assert_eq!(c.token.as_str(), "from-file");
        assert_eq!(c.max_sessions, 9, "the flag wins");
        assert_eq!(c.max_sessions_per_client, 2, "the file's value stays");
        assert_eq!(c.allowed_ports, vec![25, 465, 587, 2525, 2526]);
        assert_eq!(c.deny_targets.len(), 1);
        assert_eq!(c.deny_targets[0].to_string(), "192.0.2.0/24");
        assert_eq!(c.idle_timeout, Duration::from_secs(1));
        assert_eq!(c.token_ttl, Some(Duration::from_secs(60)));
        assert!(
            !c.deny_internal,
            "loopback listen: internal targets allowed"
        );
        assert!(startup.warnings.is_empty());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        assert!(toml::from_str::<Options>("lisen = \"127.0.0.1:1\"").is_err());
        let bad_rule = Options {
            deny_targets: Some(vec!["10.0.0.0/40".into()]),
            ..Options::default()
        };
        assert!(matches!(
            bad_rule.into_startup(),
            Err(OptionsError::Rule(_))
        ));
        let zero = Options {
            max_sessions: Some(0),
            ..Options::default()
        };
        assert!(matches!(
            zero.into_startup(),
            Err(OptionsError::OutOfRange {
                min: 1,
                value: 0,
                ..
            })
        ));
        let half_tls = Options {
            tls_cert: Some("c.pem".into()),
            ..Options::default()
        };
        assert!(matches!(
            half_tls.into_startup(),
            Err(OptionsError::TlsPair)
        ));
    }

    #[test]
    fn non_loopback_needs_tls_or_insecure_listen_and_denies_internal_targets() {
        let public = Options {
            listen: Some("0.0.0.0:8025".parse().expect("addr")),
            ..Options::default()
        };
        let err = public.clone().into_startup().expect_err("refused");
        assert!(matches!(err, OptionsError::InsecureListen { .. }));
        assert!(err.to_string().contains("--insecure-listen"), "{err}");

        let insecure = Options {
            insecure_listen: Some(true),
            ..public.clone()
        }
        .into_startup()
        .expect("explicitly insecure");
        assert!(insecure.config.deny_internal);
        assert!(insecure.warnings.iter().any(|w| w.contains("clear text")));

        let opened = Options {
            insecure_listen: Some(true),
            deny_internal: Some(false),
            ..public
        }
        .into_startup()
        .expect("explicitly open");
        assert!(!opened.config.deny_internal);
        assert!(opened.warnings.iter().any(|w| w.contains("deny_internal")));
    }

    #[test]
    fn sandbox_and_dns_keys_parse_and_a_public_sandbox_is_refused() {
        let file: Options = toml::from_str(
            r#"
            sandbox_listen = "127.0.0.1:2600"
            sandbox_bearer_token = "t0k"
            dns = "127.0.0.1:5353"
            "#,
        )
        .expect("valid file");
        let startup = file.clone().into_startup().expect("valid");
        assert!(!startup.sandbox_may_move, "chosen in the file");
        assert_eq!(
            startup.sandbox.as_ref().map(|s| s.bearer_token.as_str()),
            Some("t0k")
        );
        assert_eq!(
            startup.sandbox.map(|s| s.listen),
            Some("127.0.0.1:2600".parse().expect("addr"))
        );
        assert_eq!(
            startup.config.dns_server,
            Some("127.0.0.1:5353".parse().expect("addr"))
        );
        let off = file.overridden_by(Options {
            sandbox: Some(false),
            ..Options::default()
        });
        assert!(off.into_startup().expect("valid").sandbox.is_none());
        let default = Options::default().into_startup().expect("valid");
        assert!(default.listen_may_move && default.sandbox_may_move);
        assert_eq!(
            default.sandbox.map(|s| s.listen.to_string()),
            Some("127.0.0.1:2525".to_owned())
        );
        assert_eq!(default.config.dns_server, None);
        assert!(default.config.dnssec.is_none());
        let public = Options {
            sandbox_listen: Some("0.0.0.0:2525".parse().expect("addr")),
            ..Options::default()
        };
        assert!(matches!(
            public.into_startup(),
            Err(OptionsError::Sandbox(_))
        ));
    }

    #[test]
    fn dnssec_keys_turn_validation_on_and_a_bad_anchor_file_stops_the_start() {
        let file: Options = toml::from_str("dnssec = true").expect("valid file");
        let startup = file.into_startup().expect("valid");
        assert_eq!(startup.config.dnssec, Some(Validation::root()));
        let missing: Options =
            toml::from_str(r#"dnssec_trust_anchor = "/nonexistent/zone.key""#).expect("valid");
        let err = missing.into_startup().expect_err("no such file");
        assert!(matches!(err, OptionsError::TrustAnchor(_)), "{err}");
        assert!(err.to_string().contains("/nonexistent/zone.key"), "{err}");
        // Turned off explicitly, the file is not even read.
        let off = Options {
            dnssec: Some(false),
            dnssec_trust_anchor: Some("/nonexistent/zone.key".into()),
            ..Options::default()
        };
        assert_eq!(off.into_startup().expect("valid").config.dnssec, None);
    }

    #[test]
    fn threads_default_to_one_and_zero_is_refused() {
        assert_eq!(Options::default().into_startup().expect("valid").threads, 1);
        let file: Options = toml::from_str("threads = 4").expect("valid file");
        assert_eq!(file.clone().into_startup().expect("valid").threads, 4);
        let flags = Options {
            threads: Some(2),
            ..Options::default()
        };
        assert_eq!(
            file.overridden_by(flags)
                .into_startup()
                .expect("valid")
                .threads,
            2
        );
        let zero = Options {
            threads: Some(0),
            ..Options::default()
        };
        assert!(matches!(
            zero.into_startup(),
            Err(OptionsError::OutOfRange { key: "threads", .. })
        ));
    }

    #[test]
    fn max_connections_follows_max_sessions_unless_set() {
        let many = Options {
            max_sessions: Some(5000),
            ..Options::default()
        }
        .into_startup()
        .expect("valid");
        assert!(many.config.max_connections > 5000);
        let few = Options::default().into_startup().expect("valid");
        assert_eq!(few.config.max_connections, 256);
    }

    #[test]
    fn connections_per_client_follow_sessions_per_client_and_the_write_timeout_is_set() {
        let defaults = Options::default().into_startup().expect("valid");
        assert_eq!(defaults.config.max_connections_per_client, 64);
        assert_eq!(defaults.config.write_timeout, Duration::from_secs(10));
        let many = Options {
            max_sessions_per_client: Some(100),
            write_timeout_ms: Some(2500),
            ..Options::default()
        }
        .into_startup()
        .expect("valid");
        assert_eq!(many.config.max_connections_per_client, 116);
        assert_eq!(many.config.write_timeout, Duration::from_millis(2500));
        let set = Options {
            max_connections_per_client: Some(3),
            ..Options::default()
        }
        .into_startup()
        .expect("valid");
        assert_eq!(set.config.max_connections_per_client, 3);
        for zero in [
            Options {
                max_connections_per_client: Some(0),
                ..Options::default()
            },
            Options {
                write_timeout_ms: Some(0),
                ..Options::default()
            },
        ] {
            assert!(matches!(
                zero.into_startup(),
                Err(OptionsError::OutOfRange {
                    min: 1,
                    value: 0,
                    ..
                })
            ));
        }
    }

    #[test]
    fn proxy_identity_needs_both_settings_and_no_cidr_of_everyone() {
        let file: Options = toml::from_str(
            r#"
            trust_proxy_header = "X-Forwarded-User"
            trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]
            max_sessions_per_user = 2
            max_bytes_per_user = 4096
            log_format = "json"
            metrics_listen = "127.0.0.1:9025"
            "#,
        )
        .expect("valid file");
        let startup = file.clone().into_startup().expect("valid");
        let c = &startup.config;
        let trust = c.proxy_trust.as_ref().expect("proxy identity");
        assert_eq!(trust.header().as_str(), "x-forwarded-user");
        assert!(trust.is_trusted("10.9.8.7".parse().expect("ip")));
        assert!(!trust.is_trusted("127.0.0.2".parse().expect("ip")));
        assert_eq!(c.user_limits.max_sessions, Some(2));
        assert_eq!(c.user_limits.max_bytes_per_hour, Some(4096));
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(
            c.metrics_listen,
            Some("127.0.0.1:9025".parse().expect("addr"))
        );
        assert!(startup.warnings.is_empty(), "{:?}", startup.warnings);

        let defaults = Options::default().into_startup().expect("valid").config;
        assert!(defaults.proxy_trust.is_none());
        assert_eq!(defaults.log_format, LogFormat::Text);
        assert_eq!(defaults.user_limits, UserLimits::default());
        assert_eq!(defaults.metrics_listen, None);

        let header_only = Options {
            trust_proxy_header: Some("X-User".into()),
            ..Options::default()
        };
        let err = header_only.into_startup().expect_err("no proxies");
        assert!(
            matches!(err, OptionsError::Trust(TrustError::NoProxies)),
            "{err}"
        );
        assert!(err.to_string().contains("--trusted-proxy"), "{err}");
        let proxies_only = Options {
            trusted_proxies: Some(vec!["127.0.0.1".into()]),
            ..Options::default()
        };
        let err = proxies_only.into_startup().expect_err("no header");
        assert!(
            matches!(err, OptionsError::Trust(TrustError::NoHeader)),
            "{err}"
        );
        for everyone in ["0.0.0.0/0", "::/0"] {
            let err = file
                .clone()
                .overridden_by(Options {
                    trusted_proxies: Some(vec!["127.0.0.1".into(), everyone.into()]),
                    ..Options::default()
                })
                .into_startup()
                .expect_err(everyone);
            assert!(
                matches!(err, OptionsError::Trust(TrustError::Everyone(_))),
                "{err}"
            );
            assert!(err.to_string().contains("claim any user"), "{err}");
        }
        assert!(toml::from_str::<Options>("log_format = \"yaml\"").is_err());
    }

    #[test]
    fn user_limits_without_proxy_identity_and_a_public_metrics_listener_warn() {
        let startup = Options {
            max_sessions_per_user: Some(1),
            metrics_listen: Some("0.0.0.0:9025".parse().expect("addr")),
            ..Options::default()
        }
        .into_startup()
        .expect("valid");
        assert!(
            startup.warnings.iter().any(|w| w.contains("limit nobody")),
            "{:?}",
            startup.warnings
        );
        assert!(
            startup
                .warnings
                .iter()
                .any(|w| w.contains("metrics listener")),
            "{:?}",
            startup.warnings
        );
    }

    /// `Options` with the one setting named by `key` set to `value`.
    fn with(key: &str, value: u64) -> Options {
        let count = usize::try_from(value).unwrap_or(usize::MAX);
        let mut o = Options::default();
        match key {
            "token_ttl_secs" => o.token_ttl_secs = Some(value),
            "max_sessions" => o.max_sessions = Some(count),
            "max_sessions_per_client" => o.max_sessions_per_client = Some(count),
            "max_connections" => o.max_connections = Some(count),
            "max_connections_per_client" => o.max_connections_per_client = Some(count),
            "max_frame_bytes" => o.max_frame_bytes = Some(count),
            "max_session_bytes" => o.max_session_bytes = Some(value),
            "max_session_secs" => o.max_session_secs = Some(value),
            "connect_timeout_ms" => o.connect_timeout_ms = Some(value),
            "idle_timeout_ms" => o.idle_timeout_ms = Some(value),
            "header_timeout_ms" => o.header_timeout_ms = Some(value),
            "write_timeout_ms" => o.write_timeout_ms = Some(value),
            "shutdown_grace_ms" => o.shutdown_grace_ms = Some(value),
            "threads" => o.threads = Some(count),
            "allow_ports" => {
                o.allow_ports = Some(vec![u16::try_from(value).unwrap_or(u16::MAX)]);
            }
            "mta_sts_port" => o.mta_sts_port = Some(u16::try_from(value).unwrap_or(u16::MAX)),
            "max_sessions_per_user" => o.max_sessions_per_user = Some(count),
            "max_bytes_per_user" => o.max_bytes_per_user = Some(value),
            other => panic!("no setting {other}"),
        }
        o
    }

    #[test]
    fn the_mta_sts_ca_is_read_and_checked_at_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pair = rcgen::generate_simple_self_signed(vec!["ca.test".to_owned()]).expect("cert");
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, pair.cert.pem()).expect("write");
        let startup = Options {
            mta_sts_ca: Some(ca),
            mta_sts_port: Some(8443),
            ..Options::default()
        }
        .into_startup()
        .expect("valid");
        assert_eq!(startup.config.mta_sts_roots.len(), 1);
        assert_eq!(startup.config.mta_sts_port, 8443);
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not pem").expect("write");
        let err = Options {
            mta_sts_ca: Some(junk),
            ..Options::default()
        }
        .into_startup()
        .expect_err("no certificate");
        assert!(matches!(err, OptionsError::Tls(_)), "{err}");
        assert!(err.to_string().contains("junk.pem"), "{err}");
    }

    #[test]
    fn every_numeric_setting_accepts_its_ends_and_refuses_beyond_them() {
        for range in ranges::ALL {
            // A port is u16: nothing above 65535 can be written.
            let port = matches!(range.key, "allow_ports" | "mta_sts_port");
            for inside in [range.min, range.max] {
                // A port is u16: its end is the type's end.
                if let Err(e) = with(range.key, inside).into_startup() {
                    panic!("{} = {inside}: {e}", range.key);
                }
            }
            let mut outside = vec![u64::MAX];
            if range.min > 0 {
                outside.push(range.min - 1);
            }
            if range.max < u64::MAX && !port {
                outside.push(range.max + 1);
            }
            if range.max == u64::MAX {
                outside.retain(|v| *v != u64::MAX);
            }
            for value in outside {
                if port && value > 0 {
                    continue;
                }
                let err = with(range.key, value)
                    .into_startup()
                    .expect_err(&format!("{} = {value} refused", range.key));
                let text = err.to_string();
                assert!(
                    matches!(err, OptionsError::OutOfRange { key, .. } if key == range.key),
                    "{text}"
                );
                assert!(text.contains(range.flag), "{text}");
                assert!(text.contains(&value.to_string()), "{text}");
            }
        }
    }

    #[test]
    fn huge_values_from_the_issue_are_refused_before_anything_overflows() {
        for (key, flag) in [
            ("token_ttl_secs", "--token-ttl"),
            ("max_sessions", "--max-sessions"),
            ("max_connections", "--max-connections"),
            ("max_session_secs", "--max-session-secs"),
            ("max_frame_bytes", "--max-frame-bytes"),
        ] {
            let err = with(key, u64::MAX).into_startup().expect_err(key);
            assert_eq!(
                err.to_string(),
                format!(
                    "{flag} ({key}) must be from {} to {}, not 18446744073709551615",
                    ranges::ALL
                        .iter()
                        .find(|r| r.key == key)
                        .expect("a range")
                        .min,
                    ranges::ALL
                        .iter()
                        .find(|r| r.key == key)
                        .expect("a range")
                        .max
                )
            );
        }
        // The defaults derived from the largest allowed counts stay in range.
        let most = Options {
            max_sessions: Some(100_000),
            max_sessions_per_client: Some(100_000),
            ..Options::default()
        }
        .into_startup()
        .expect("the largest counts are valid");
        assert!(most.config.max_connections <= 1_000_000);
        assert!(most.config.max_connections_per_client <= 1_000_000);
    }
}
