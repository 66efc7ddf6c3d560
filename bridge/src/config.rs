//! The bridge's settings: what it lets a tab connect to, its limits and its
//! timeouts, with the defaults the `smtplab` binary uses.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use smtplab_shared::wire::PolicyInfo;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::ServerConfig;

use crate::access::AccessToken;
use crate::audit::LogFormat;
use crate::dns::Validation;
use crate::identity::ProxyTrust;
use crate::policy::Policy;
use crate::sandbox::SandboxLink;
use crate::target::TargetRule;
use crate::users::UserLimits;

/// Ports a `connect` may name unless the operator adds more: SMTP relay (25),
/// submissions over implicit TLS (465), submission (587) and the common
/// alternative submission port (2525).
pub const DEFAULT_ALLOWED_PORTS: [u16; 4] = [25, 465, 587, 2525];

/// Everything [`run`](crate::run) needs to know besides the listener.
///
/// Build it with [`Config::new`] (or [`Default`], which draws a random token)
/// and change the public fields as needed.
#[derive(Debug, Clone)]
pub struct Config {
    /// The secret every request for the UI page or a WebSocket must carry, so
    /// that other local processes and web pages cannot use the bridge.
    pub token: AccessToken,
    /// TCP ports a `connect` may name; anything else is `forbidden`. Keeps the
    /// bridge from being a general-purpose port scanner or proxy.
    pub allowed_ports: Vec<u16>,
    /// Extra origins (`scheme://host[:port]`, lowercase, no path) whose pages
    /// may open a WebSocket, besides the bridge's own origin. Their
    /// `host[:port]` is also accepted in the Host header.
    pub allowed_origins: Vec<String>,
    /// Connect timeout (DNS included) when the client gives none, and the cap
    /// on the client's `timeout_ms`.
    pub connect_timeout: Duration,
    /// A session with no relayed bytes either way for this long is closed by
    /// the bridge, so forgotten tabs do not hold server connections forever.
    pub idle_timeout: Duration,
    /// Concurrent WebSocket sessions; one more gets `error limit`.
    pub max_sessions: usize,
    /// Open TCP connections to the bridge (page loads and WebSockets); more
    /// wait in the kernel's backlog. Above `max_sessions`, so that the
    /// session limit is what a client normally meets and can be told about.
    pub max_connections: usize,
    /// Open TCP connections from one client address (IPv6: one /64); one
    /// more is closed at once. Below `max_connections`, so that one client
    /// (stalled readers, a flood) cannot take every connection.
    pub max_connections_per_client: usize,
    /// Largest binary frame accepted from the client; a larger one gets
    /// `error limit` and ends the session. Bounds the bridge's memory per
    /// session.
    pub max_frame_bytes: usize,
    /// Size of the buffer the server's bytes are read into; each read becomes
    /// one binary frame, so this is also the largest frame sent to the client.
    pub read_buffer_bytes: usize,
    /// How long shutdown waits for open sessions to say `closed` and for HTTP
    /// connections to finish before giving up on them.
    pub shutdown_grace: Duration,
    /// Targets allowed even when a deny rule or the internal-range default
    /// would refuse them (see [`crate::policy`] for the precedence).
    pub allow_targets: Vec<TargetRule>,
    /// Targets refused, by host name or by resolved address range.
    pub deny_targets: Vec<TargetRule>,
    /// Refuse internal addresses (loopback, private, link-local, …) after
    /// resolution, so the bridge cannot reach into the network it runs in.
    /// The binary turns it on when listening on a non-loopback address.
    pub deny_internal: bool,
    /// Concurrent WebSocket sessions from one client (an IPv4 address or
    /// an IPv6 /64, see `clients::client_key`); one more
    /// gets `error limit`. Keeps one client from taking every session.
    pub max_sessions_per_client: usize,
    /// Bytes relayed in one session, both directions together; past it the
    /// session ends with `error limit`. Bounds what one session can push
    /// through the bridge (spam volume, bandwidth).
    pub max_session_bytes: u64,
    /// Longest a session may last, connected or not; then the bridge closes
    /// it (`closed {by: "bridge", reason: "session time limit"}`).
    pub max_session_duration: Duration,
    /// How long the token is accepted after start; `None`: for the bridge's
    /// whole life. Later requests get 401 "token expired".
    pub token_ttl: Option<Duration>,
    /// A request's header block must arrive within this time, and a TLS
    /// handshake must finish within it (slowloris defence).
    pub header_timeout: Duration,
    /// A connection whose writes make no progress for this long (the client
    /// stopped reading a response or its WebSocket) is closed, so it gives
    /// back its connection permit.
    pub write_timeout: Duration,
    /// Serve HTTPS/WSS with this rustls configuration instead of plain HTTP.
    pub tls: Option<Arc<ServerConfig>>,
    /// The embedded SMTP sandbox, when it runs: its exact address is always
    /// an allowed target, and `/sandbox` and `/sandbox/messages` describe it.
    pub sandbox: Option<SandboxLink>,
    /// The DNS server `resolve` asks (`ip:port`); `None`: the system's
    /// configuration (`/etc/resolv.conf`).
    pub dns_server: Option<SocketAddr>,
    /// DNSSEC validation of the lookups with [`Self::dns_server`] (or the
    /// system's servers): `None`, the default, validates nothing and
    /// `resolved` says nothing about signatures.
    pub dnssec: Option<Validation>,
    /// How long one `resolve` may take before it is answered `error timeout`.
    pub resolve_timeout: Duration,
    /// `resolve` requests one session may have in flight; one more gets
    /// `error limit` (the session goes on).
    pub max_resolves_in_flight: usize,
    /// The port MTA-STS policies are fetched from (`fetch_mta_sts`): 443
    /// as RFC 8461 says; another only for tests and private deployments.
    pub mta_sts_port: u16,
    /// Deadline of one whole MTA-STS fetch (DNS, connect, TLS, body).
    pub mta_sts_timeout: Duration,
    /// Roots the MTA-STS fetch trusts besides Mozilla's (`--mta-sts-ca`):
    /// a private CA, or the tests' own.
    pub mta_sts_roots: Vec<CertificateDer<'static>>,
    /// `fetch_mta_sts` requests one session may have in flight; one more
    /// gets `error limit` (the session goes on).
    pub max_mta_sts_in_flight: usize,
    /// Identity from a reverse proxy (`--trust-proxy-header` with
    /// `--trusted-proxy`): a handshake from a trusted address carrying the
    /// header is that user's and needs no token. `None`: the token only.
    pub proxy_trust: Option<ProxyTrust>,
    /// Limits per proxy-named user (sessions at once, bytes per hour).
    pub user_limits: UserLimits,
    /// How the session's audit line is written (`--log-format`).
    pub log_format: LogFormat,
    /// A second, plain-HTTP listener for `/metrics`, `/healthz` and
    /// `/readyz` (`--metrics-listen`); `run` binds it.
    pub metrics_listen: Option<SocketAddr>,
}

impl Config {
    /// The defaults with the given token.
    pub fn new(token: AccessToken) -> Self {
        Self {
            token,
            allowed_ports: DEFAULT_ALLOWED_PORTS.to_vec(),
            allowed_origins: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            max_sessions: 64,
            max_connections: 256,
            max_connections_per_client: 64,
            max_frame_bytes: 64 * 1024,
            read_buffer_bytes: 16 * 1024,
            shutdown_grace: Duration::from_secs(5),
            allow_targets: Vec::new(),
            deny_targets: Vec::new(),
            deny_internal: false,
            max_sessions_per_client: 16,
            max_session_bytes: 256 * 1024 * 1024,
            max_session_duration: Duration::from_secs(30 * 60),
            token_ttl: None,
            header_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            tls: None,
            sandbox: None,
            dns_server: None,
            dnssec: None,
            resolve_timeout: Duration::from_secs(5),
            max_resolves_in_flight: 4,
            mta_sts_port: crate::mta_sts::DEFAULT_PORT,
            mta_sts_timeout: crate::mta_sts::DEFAULT_TIMEOUT,
            mta_sts_roots: Vec::new(),
            max_mta_sts_in_flight: crate::mta_sts::DEFAULT_MAX_IN_FLIGHT,
            proxy_trust: None,
            user_limits: UserLimits::default(),
            log_format: LogFormat::Text,
            metrics_listen: None,
        }
    }

    /// The target policy these settings describe (the sandbox's address
    /// included as an exact exception).
    pub fn policy(&self) -> Policy {
        let policy = Policy::new(self.allowed_ports.iter().copied()).with_targets(
            self.allow_targets.clone(),
            self.deny_targets.clone(),
            self.deny_internal,
        );
        match &self.sandbox {
            Some(sandbox) => policy.with_endpoint(sandbox.addr),
            None => policy,
        }
    }

    /// The policy and limits as announced to the client in `hello`.
    pub fn policy_info(&self) -> PolicyInfo {
        let mut allowed_ports = self.allowed_ports.clone();
        // The sandbox's port, so a UI checking the list lets it through.
        allowed_ports.extend(self.sandbox.as_ref().map(|s| s.addr.port()));
        allowed_ports.sort_unstable();
        allowed_ports.dedup();
        PolicyInfo {
            allowed_ports,
            connect_timeout_ms: duration_ms(self.connect_timeout),
            idle_timeout_ms: duration_ms(self.idle_timeout),
            max_frame_bytes: self.max_frame_bytes,
            max_sessions: self.max_sessions,
        }
    }
}

impl Default for Config {
    /// The defaults with a fresh random token.
    fn default() -> Self {
        Self::new(AccessToken::generate())
    }
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

// Here rather than in `mta_sts`, which then needs nothing of the config:
// the settings are what the fetcher takes, the config where they live.
impl From<&Config> for crate::mta_sts::Settings {
    /// The bridge's fetch settings and its target rules.
    fn from(config: &Config) -> Self {
        Self {
            port: config.mta_sts_port,
            timeout: config.mta_sts_timeout,
            extra_roots: config.mta_sts_roots.clone(),
            allow_targets: config.allow_targets.clone(),
            deny_targets: config.deny_targets.clone(),
            deny_internal: config.deny_internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documented_policy() {
        let config = Config::new(AccessToken::parse("t").expect("valid token"));
        let info = config.policy_info();
        assert_eq!(info.allowed_ports, vec![25, 465, 587, 2525]);
        assert_eq!(info.connect_timeout_ms, 10_000);
        assert_eq!(info.idle_timeout_ms, 300_000);
        assert_eq!(info.max_frame_bytes, 65_536);
        assert_eq!(info.max_sessions, 64);
    }

    #[test]
    fn announced_ports_are_sorted_and_unique() {
        let config = Config {
            allowed_ports: vec![2525, 25, 2525, 1025],
            ..Config::default()
        };
        assert_eq!(config.policy_info().allowed_ports, vec![25, 1025, 2525]);
    }
}
