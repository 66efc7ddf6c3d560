//! The bridge's counters for `GET /metrics` (on `--metrics-listen`), in
//! the Prometheus (OpenMetrics) text format, kept with the Prometheus
//! project's `prometheus-client` crate:
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `smtplab_sessions_open` | gauge | |
//! | `smtplab_sessions_total` | counter | |
//! | `smtplab_sessions_refused_total` | counter | `reason`: [`Refusal`] |
//! | `smtplab_relay_bytes_total` | counter | `direction`: `to_server`, `to_client` |
//! | `smtplab_connect_seconds` | histogram | |
//! | `smtplab_dns_lookups_total` | counter | `result`: [`DnsResult`] |
//! | `smtplab_user_sessions_total` | counter | `user` (proxy identity only) |
//!
//! Nothing here holds a payload, a token or a credential; the user label is
//! the name a trusted proxy gave ([`crate::identity`]).

use std::sync::Arc;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use smtplab_shared::wire::{ErrorCode, ServerMessage};

/// The Content-Type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// One label, name and value.
type Label = [(&'static str, &'static str); 1];

/// Why a WebSocket handshake got no session (`reason` of
/// `smtplab_sessions_refused_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A missing, wrong or expired token (401).
    Token,
    /// A foreign Origin (403).
    Origin,
    /// A foreign Host (403).
    Host,
    /// The total or per-client session limit (`error limit`).
    Limit,
    /// A per-user limit, sessions or bytes (`error limit`).
    UserLimit,
    /// A trusted proxy's unusable user header (400).
    UserHeader,
    /// The bridge is draining for shutdown (503).
    Draining,
}

impl Refusal {
    /// Every reason, so each has a sample from the start.
    pub const ALL: [Self; 7] = [
        Self::Token,
        Self::Origin,
        Self::Host,
        Self::Limit,
        Self::UserLimit,
        Self::UserHeader,
        Self::Draining,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Origin => "origin",
            Self::Host => "host",
            Self::Limit => "limit",
            Self::UserLimit => "user_limit",
            Self::UserHeader => "user_header",
            Self::Draining => "draining",
        }
    }
}

/// How a `resolve` lookup ended (`result` of `smtplab_dns_lookups_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsResult {
    /// Records (or an answer too large to send).
    Ok,
    /// The name does not exist.
    Nxdomain,
    /// No record of the type.
    NoRecords,
    /// SERVFAIL, REFUSED or another server error.
    Servfail,
    /// No answer in time.
    Timeout,
    /// Failed DNSSEC validation.
    Dnssec,
    /// Any other resolver failure.
    Error,
}

impl DnsResult {
    /// Every result.
    pub const ALL: [Self; 7] = [
        Self::Ok,
        Self::Nxdomain,
        Self::NoRecords,
        Self::Servfail,
        Self::Timeout,
        Self::Dnssec,
        Self::Error,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Nxdomain => "nxdomain",
            Self::NoRecords => "no_records",
            Self::Servfail => "servfail",
            Self::Timeout => "timeout",
            Self::Dnssec => "dnssec",
            Self::Error => "error",
        }
    }

    /// The result a lookup's answer stands for; `None` for answers that are
    /// no lookup (a refusal: `bad_request`, `limit`).
    pub fn of(answer: &ServerMessage) -> Option<Self> {
        match answer {
            ServerMessage::Resolved { .. } => Some(Self::Ok),
            ServerMessage::Error { code, .. } => match code {
                ErrorCode::Nxdomain => Some(Self::Nxdomain),
                ErrorCode::NoRecords => Some(Self::NoRecords),
                ErrorCode::Servfail => Some(Self::Servfail),
                ErrorCode::Timeout => Some(Self::Timeout),
                ErrorCode::Dnssec => Some(Self::Dnssec),
                ErrorCode::Dns => Some(Self::Error),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The bridge's metrics; shared (`Arc`) by the handlers and the sessions.
#[derive(Debug)]
pub struct Metrics {
    /// What `encode` writes.
    registry: Registry,
    /// Sessions open now.
    open: Gauge,
    /// Sessions started (past the limits).
    total: Counter,
    /// Handshakes refused, by reason.
    refused: Family<Label, Counter>,
    /// Bytes relayed, by direction, added as each session ends.
    bytes: Family<Label, Counter>,
    /// Time from `connect` to the TCP connection (DNS included).
    connect: Histogram,
    /// `resolve` lookups, by result.
    dns: Family<Label, Counter>,
    /// Sessions per proxy-named user.
    users: Family<[(&'static str, String); 1], Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every metric at zero.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let open = Gauge::default();
        registry.register(
            "smtplab_sessions_open",
            "WebSocket sessions open now",
            open.clone(),
        );
        let total = Counter::default();
        // The encoder adds `_total` to a counter's name.
        registry.register(
            "smtplab_sessions",
            "WebSocket sessions started (past the session limits)",
            total.clone(),
        );
        let refused = Family::<Label, Counter>::default();
        registry.register(
            "smtplab_sessions_refused",
            "WebSocket handshakes that got no session, by reason",
            refused.clone(),
        );
        for reason in Refusal::ALL {
            drop(refused.get_or_create(&[("reason", reason.as_str())]));
        }
        let bytes = Family::<Label, Counter>::default();
        registry.register(
            "smtplab_relay_bytes",
            "Bytes relayed, counted when a session ends",
            bytes.clone(),
        );
        for direction in ["to_server", "to_client"] {
            drop(bytes.get_or_create(&[("direction", direction)]));
        }
        // 1 ms to about 16 s.
        let connect = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        registry.register(
            "smtplab_connect_seconds",
            "Time from connect to an open TCP connection, DNS included",
            connect.clone(),
        );
        let dns = Family::<Label, Counter>::default();
        registry.register(
            "smtplab_dns_lookups",
            "resolve lookups, by result",
            dns.clone(),
        );
        for result in DnsResult::ALL {
            drop(dns.get_or_create(&[("result", result.as_str())]));
        }
        let users = Family::<[(&'static str, String); 1], Counter>::default();
        registry.register(
            "smtplab_user_sessions",
            "Sessions per user named by the trusted proxy",
            users.clone(),
        );
        Self {
            registry,
            open,
            total,
            refused,
            bytes,
            connect,
            dns,
            users,
        }
    }

    /// A session started (of `user`, if a proxy named one); open until the
    /// returned guard is dropped.
    #[must_use = "the session counts as open while the guard lives"]
    pub fn session_started(self: &Arc<Self>, user: Option<&str>) -> OpenSession {
        self.total.inc();
        if let Some(user) = user {
            self.users.get_or_create(&[("user", user.to_owned())]).inc();
        }
        self.open.inc();
        OpenSession(Arc::clone(self))
    }

    /// A handshake got no session.
    pub fn refused(&self, reason: Refusal) {
        self.refused
            .get_or_create(&[("reason", reason.as_str())])
            .inc();
    }

    /// A session's relayed bytes, when it ends.
    pub fn relayed(&self, to_server: u64, to_client: u64) {
        self.bytes
            .get_or_create(&[("direction", "to_server")])
            .inc_by(to_server);
        self.bytes
            .get_or_create(&[("direction", "to_client")])
            .inc_by(to_client);
    }

    /// A TCP connection opened after `seconds`.
    pub fn connected(&self, seconds: f64) {
        self.connect.observe(seconds);
    }

    /// A `resolve` answer; refusals are not lookups and are not counted.
    pub fn resolved(&self, answer: &ServerMessage) {
        if let Some(result) = DnsResult::of(answer) {
            self.dns.get_or_create(&[("result", result.as_str())]).inc();
        }
    }

    /// The text for `GET /metrics`.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// A session counted in `smtplab_sessions_open` until dropped.
#[derive(Debug)]
pub struct OpenSession(Arc<Metrics>);

impl Drop for OpenSession {
    fn drop(&mut self) {
        self.0.open.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample `series` (name and labels as written).
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .filter_map(|l| l.rsplit_once(' '))
            .find(|(s, _)| *s == series)
            .and_then(|(_, v)| v.parse().ok())
    }

    #[test]
    fn counts_show_up_under_their_documented_names() {
        let m = Arc::new(Metrics::new());
        let first = m.session_started(Some("alice \"the\" admin"));
        let second = m.session_started(None);
        m.refused(Refusal::Draining);
        m.relayed(10, 20);
        m.relayed(1, 2);
        m.connected(0.004);
        m.resolved(&ServerMessage::error(ErrorCode::Nxdomain, "no"));
        m.resolved(&ServerMessage::error(ErrorCode::Limit, "busy"));
        drop(second);
        let text = m.encode();
        assert_eq!(sample(&text, "smtplab_sessions_total"), Some(2.0), "{text}");
        assert_eq!(sample(&text, "smtplab_sessions_open"), Some(1.0));
        assert_eq!(
            sample(&text, "smtplab_sessions_refused_total{reason=\"draining\"}"),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                "smtplab_sessions_refused_total{reason=\"user_limit\"}"
            ),
            Some(0.0),
            "every reason is there from the start"
        );
        assert_eq!(
            sample(&text, "smtplab_relay_bytes_total{direction=\"to_server\"}"),
            Some(11.0)
        );
        assert_eq!(
            sample(&text, "smtplab_relay_bytes_total{direction=\"to_client\"}"),
            Some(22.0)
        );
        assert_eq!(sample(&text, "smtplab_connect_seconds_count"), Some(1.0));
        assert_eq!(
            sample(&text, "smtplab_dns_lookups_total{result=\"nxdomain\"}"),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, "smtplab_dns_lookups_total{result=\"error\"}"),
            Some(0.0),
            "a refusal is no lookup"
        );
        assert_eq!(
            sample(
                &text,
                r#"smtplab_user_sessions_total{user="alice \"the\" admin"}"#
            ),
            Some(1.0),
            "label values are escaped: {text}"
        );
        drop(first);
        assert_eq!(sample(&m.encode(), "smtplab_sessions_open"), Some(0.0));
    }
}
