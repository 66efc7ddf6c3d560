//! The vocabulary of a check's result: which check, its three-way verdict,
//! and what it shows the user.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::server_row::ServerRow;

/// The eight checks of the Diagnostics panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// 1. Can a TCP connection be made, and does a 220 banner come?
    Reachability,
    /// 2. The SMTP service: banner, EHLO, capabilities, HELP/NOOP/RSET/VRFY/EXPN.
    Service,
    /// 3. A full guided delivery to the user's address.
    Delivery,
    /// 4. Every MX host of the domain accepts a connection and EHLO.
    DomainServers,
    /// 5. MAIL FROM + RCPT TO for the user, then RSET and QUIT (no DATA).
    UserReceives,
    /// 6. 4 and 5 for `postmaster@` the domain.
    DomainReceives,
    /// 7. AUTH (with credentials) and MAIL FROM accepted.
    CanSend,
    /// 8. An unauthenticated RCPT TO an outside address must be refused.
    OpenRelay,
    /// Domain report: the SPF record and its lookup chain.
    Spf,
    /// Domain report: the DMARC record.
    Dmarc,
    /// Domain report: the MTA-STS record and policy against the MX hosts.
    MtaSts,
    /// Domain report: the TLS-RPT record.
    TlsRpt,
    /// Domain report: TLSA records against each MX's certificate.
    Dane,
    /// Domain report: PTR of every MX address, forward-confirmed.
    ReverseDns,
    /// Domain report: a STARTTLS handshake on every MX address.
    MxTls,
    /// Domain report: DNS blocklists (a lookup to third parties; only with
    /// zones given).
    Dnsbl,
}

impl CheckKind {
    /// All checks, in the seed's order.
    pub const ALL: [Self; 8] = [
        Self::Reachability,
        Self::Service,
        Self::Delivery,
        Self::DomainServers,
        Self::UserReceives,
        Self::DomainReceives,
        Self::CanSend,
        Self::OpenRelay,
    ];

    /// The domain report's checks, in report order.
    pub const POSTURE: [Self; 8] = [
        Self::Spf,
        Self::Dmarc,
        Self::MtaSts,
        Self::TlsRpt,
        Self::Dane,
        Self::ReverseDns,
        Self::MxTls,
        Self::Dnsbl,
    ];

    /// Whether this is one of the domain report's checks.
    pub fn is_posture(self) -> bool {
        Self::POSTURE.contains(&self)
    }

    /// The check's name in the UI.
    pub fn title(self) -> &'static str {
        match self {
            Self::Reachability => "Reachability and firewall",
            Self::Service => "SMTP service and commands",
            Self::Delivery => "Direct delivery",
            Self::DomainServers => "All mail servers of the domain",
            Self::UserReceives => "The user can receive mail",
            Self::DomainReceives => "The domain can receive mail",
            Self::CanSend => "The user can send",
            Self::OpenRelay => "Open relay",
            Self::Spf => "SPF",
            Self::Dmarc => "DMARC",
            Self::MtaSts => "MTA-STS",
            Self::TlsRpt => "TLS-RPT",
            Self::Dane => "DANE (TLSA)",
            Self::ReverseDns => "Reverse DNS",
            Self::MxTls => "TLS on every MX",
            Self::Dnsbl => "DNS blocklists",
        }
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// A check's verdict. Ordered: `Pass < Warn < Fail`, so the worst of
/// several is their `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckVerdict {
    /// Works as it should.
    Pass,
    /// Works, but something deserves attention (or could not be decided).
    Warn,
    /// Does not work, or is unsafe.
    Fail,
}

impl CheckVerdict {
    /// `PASS`, `WARN` or `FAIL`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Warn => "WARN",
            Self::Fail => "FAIL",
        }
    }
}

impl fmt::Display for CheckVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A labelled value shown under a check (a timing, a capability, a probe's
/// answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// What it is, e.g. `connect time`, `EHLO SIZE`, `VRFY`.
    pub label: String,
    /// Its value in words.
    pub value: String,
}

impl Fact {
    /// A fact.
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value: value.into(),
        }
    }
}

/// What one check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Which check.
    pub kind: CheckKind,
    /// Pass, warn or fail.
    pub verdict: CheckVerdict,
    /// One sentence: what was found.
    pub summary: String,
    /// The lines that show it: transcript lines (`C: …`, `S: …`), bridge
    /// and DNS lines.
    pub evidence: Vec<String>,
    /// What to do about it, in words.
    pub advice: String,
    /// Further findings (timings, capabilities with explanations, probes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Fact>,
    /// The MX table of the domain checks, in preference order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<ServerRow>,
    /// The domain report's per-server verdicts (a row of its grid).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<ServerCell>,
}

/// One cell of the domain report's grid: a check's verdict on one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerCell {
    /// The MX host name.
    pub server: String,
    /// Pass, warn or fail on it.
    pub verdict: CheckVerdict,
    /// Why, in a few words (the worst finding).
    pub note: String,
}

impl ServerCell {
    /// A cell.
    pub fn new(server: &str, verdict: CheckVerdict, note: impl Into<String>) -> Self {
        Self {
            server: server.to_owned(),
            verdict,
            note: note.into(),
        }
    }
}

impl CheckResult {
    /// A result without details or servers.
    pub fn new(
        kind: CheckKind,
        verdict: CheckVerdict,
        summary: impl Into<String>,
        evidence: Vec<String>,
        advice: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            verdict,
            summary: summary.into(),
            evidence,
            advice: advice.into(),
            details: Vec::new(),
            servers: Vec::new(),
            cells: Vec::new(),
        }
    }
}
