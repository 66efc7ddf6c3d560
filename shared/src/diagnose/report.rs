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

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}
