//! [`Report`]: every check's result with what was tested, as JSON and as
//! plain text (the UI offers both as downloads).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::check::{CheckResult, CheckVerdict};
use super::input::CheckInput;

/// What was tested, without the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTarget {
    /// The server.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The mail domain, if given.
    pub domain: String,
    /// The mailbox tested, if given.
    pub user_address: String,
    /// The sender used, if given.
    pub from_address: String,
    /// The EHLO name.
    pub ehlo_name: String,
    /// The AUTH user name when credentials were given (never the password).
    pub auth_user: Option<String>,
    /// The open-relay test's recipient.
    pub outside_address: String,
}

impl From<&CheckInput> for ReportTarget {
    fn from(input: &CheckInput) -> Self {
        Self {
            host: input.host.trim().to_owned(),
            port: input.port,
            domain: input.domain.trim().to_owned(),
            user_address: input.user_address.trim().to_owned(),
            from_address: input.from_address.trim().to_owned(),
            ehlo_name: input.ehlo_name.clone(),
            auth_user: input.auth.as_ref().map(|a| a.username.clone()),
            outside_address: input.outside_address.trim().to_owned(),
        }
    }
}

/// All results of one diagnostics run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// When it was made, as the driver's clock says (free text, e.g. RFC 3339).
    pub generated_at: String,
    /// What was tested.
    pub target: ReportTarget,
    /// The results, in the order they were added.
    pub results: Vec<CheckResult>,
}

impl Report {
    /// An empty report for `input`, stamped `generated_at`.
    pub fn new(input: &CheckInput, generated_at: impl Into<String>) -> Self {
        Self {
            generated_at: generated_at.into(),
            target: ReportTarget::from(input),
            results: Vec::new(),
        }
    }

    /// Adds a result, replacing an earlier one of the same check.
    pub fn push(&mut self, result: CheckResult) {
        self.results.retain(|r| r.kind != result.kind);
        self.results.push(result);
    }

    /// The worst verdict, `None` when empty.
    pub fn overall(&self) -> Option<CheckVerdict> {
        self.results.iter().map(|r| r.verdict).max()
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serializes")
    }

    /// The report as plain text: a header, then per check its verdict,
    /// summary, advice, details, MX table and evidence.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let t = &self.target;
        let _ = writeln!(out, "smtplab diagnostics report");
        let _ = writeln!(out, "generated: {}", self.generated_at);
        let _ = writeln!(out, "server:    {}:{}", t.host, t.port);
        for (label, value) in [
            ("domain:   ", &t.domain),
            ("mailbox:  ", &t.user_address),
            ("sender:   ", &t.from_address),
        ] {
            if !value.is_empty() {
                let _ = writeln!(out, "{label} {value}");
            }
        }
        let _ = writeln!(out, "EHLO name: {}", t.ehlo_name);
        if let Some(user) = &t.auth_user {
            let _ = writeln!(out, "AUTH user: {user} (password not included)");
        }
        if let Some(overall) = self.overall() {
            let _ = writeln!(out, "overall:   {overall}");
        }
        self.grid_text(&mut out);
        for (i, r) in self.results.iter().enumerate() {
            let _ = writeln!(out, "\n{}. [{}] {}", i + 1, r.verdict, r.kind.title());
            let _ = writeln!(out, "   {}", r.summary);
            let _ = writeln!(out, "   advice: {}", r.advice);
            for fact in &r.details {
                let _ = writeln!(out, "   - {}: {}", fact.label, fact.value);
            }
            if !r.servers.is_empty() {
                let _ = writeln!(out, "   servers (preference order):");
                for s in &r.servers {
                    let pref = s.preference.map_or("-".to_owned(), |p| p.to_string());
                    let addresses: Vec<String> =
                        s.addresses.iter().map(ToString::to_string).collect();
                    let _ = writeln!(
                        out,
                        "     {pref:>5} {} [{}] connected={} ehlo={} starttls={}{}{}",
                        s.host,
                        addresses.join(", "),
                        yes_no(s.connected),
                        yes_no(s.ehlo_ok),
                        yes_no(s.starttls),
                        s.connect_ms
                            .map_or(String::new(), |ms| format!(" connect={ms:.0}ms")),
                        s.problem
                            .as_ref()
                            .map_or(String::new(), |p| format!(" ({p})")),
                    );
                }
            }
            for cell in &r.cells {
                let _ = writeln!(out, "   [{}] {}: {}", cell.verdict, cell.server, cell.note);
            }
            if !r.evidence.is_empty() {
                let _ = writeln!(out, "   evidence:");
                for line in &r.evidence {
                    let _ = writeln!(out, "     {line}");
                }
            }
        }
        out
    }
}

impl Report {
    /// The servers of the grid, in the order they first appear.
    pub fn grid_servers(&self) -> Vec<String> {
        let mut servers: Vec<String> = Vec::new();
        for cell in self.results.iter().flat_map(|r| &r.cells) {
            if !servers.contains(&cell.server) {
                servers.push(cell.server.clone());
            }
        }
        servers
    }

    /// The summary grid (check × server) as text, when any result has
    /// per-server cells: domain-wide checks show their verdict once.
    fn grid_text(&self, out: &mut String) {
        let servers = self.grid_servers();
        if servers.is_empty() {
            return;
        }
        let first = self
            .results
            .iter()
            .map(|r| r.kind.title().len())
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(out, "\nsummary (check × server):");
        let _ = write!(out, "  {:first$}  {:6}", "check", "all");
        for server in &servers {
            let _ = write!(out, "  {server}");
        }
        let _ = writeln!(out);
        for r in &self.results {
            let _ = write!(out, "  {:first$}  {:6}", r.kind.title(), r.verdict.label());
            for server in &servers {
                let cell = r.cells.iter().find(|c| &c.server == server);
                let label = cell.map_or("-", |c| c.verdict.label());
                let _ = write!(out, "  {label:width$}", width = server.len());
            }
            let _ = writeln!(out);
        }
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}
