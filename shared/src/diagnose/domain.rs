//! Checks 4 and 6: the sans-IO orchestrator [`DomainCheck`]. It looks up
//! the domain's MX records through the bridge (falling back to A/AAAA, the
//! implicit MX of RFC 5321 §5.1), looks up each host's addresses, runs
//! connect + EHLO on every host in preference order, and builds a table;
//! for check 6 it then tests `postmaster@domain` on the primary host.

use super::check::{CheckKind, CheckResult};
use super::input::{CheckInput, InputError, PlannedSession};
use super::record::SessionRecord;
use super::server_row::{fill_row, ServerRow};
use super::transaction::{judge_recipient, recipient_session};
use super::verdict_table::{dns_failure, judge_servers, null_mx};
use crate::smtp::Stage;
use crate::wire::{DnsRecord, ErrorCode, RecordType};

/// At most this many MX hosts are tested.
pub const MAX_MX_HOSTS: usize = 10;

/// Something the driver does for a check, then reports back.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send `{"type":"resolve","name":…,"rtype":…}`; answer with
    /// `handle_resolved` or `handle_resolve_error`.
    Resolve {
        /// The name to look up.
        name: String,
        /// MX, A or AAAA.
        rtype: RecordType,
    },
    /// Connect and run this session; answer with `handle_session`.
    RunSession(Box<PlannedSession>),
    /// Send `{"type":"fetch_mta_sts","domain":…}`; answer with
    /// `handle_policy` (the domain report's MTA-STS check).
    FetchMtaSts {
        /// The policy domain.
        domain: String,
    },
}

/// The driver answered something that was not asked (misuse).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// No lookup of this name and type is pending.
    #[error("no {rtype} lookup of {name} is pending")]
    UnexpectedResolve {
        /// The name answered.
        name: String,
        /// The type answered.
        rtype: RecordType,
    },
    /// No session with this label is pending.
    #[error("no session labelled {label} is pending")]
    UnexpectedSession {
        /// The label answered.
        label: String,
    },
}

/// What the orchestrator waits for.
#[derive(Debug, Clone, PartialEq)]
enum Waiting {
    /// The MX lookup of the domain.
    Mx,
    /// An address lookup of `rows[row]`.
    Addresses { row: usize, rtype: RecordType },
    /// The connect + EHLO session of `rows[row]`.
    Server { row: usize },
    /// The postmaster session (check 6).
    Postmaster,
    /// Nothing: the result is ready.
    Done,
}

/// The sans-IO orchestrator of checks 4 and 6. One action at a time:
/// [`poll_action`](Self::poll_action) returns the next one once, then
/// `None` until it is answered; [`result`](Self::result) is `Some` when
/// the check is over.
#[derive(Debug, Clone)]
pub struct DomainCheck {
    /// Which check (DomainServers or DomainReceives).
    kind: CheckKind,
    /// The user's input (port, EHLO name, sender, timeouts).
    input: CheckInput,
    /// The domain, lower case, no trailing dot.
    domain: String,
    /// What is awaited.
    waiting: Waiting,
    /// The action for `waiting`, until polled.
    action: Option<Action>,
    /// The MX table.
    rows: Vec<ServerRow>,
    /// No MX records: the domain itself is the implicit MX.
    implicit_mx: bool,
    /// DNS lines for the evidence.
    dns_lines: Vec<String>,
    /// The postmaster test's result (check 6).
    postmaster: Option<CheckResult>,
    /// The finished result.
    result: Option<CheckResult>,
}

impl DomainCheck {
    /// Check 4 (`DomainServers`) or 6 (`DomainReceives`) for `input.domain`.
    ///
    /// # Errors
    /// [`InputError::MissingDomain`], or an invalid session spec.
    pub fn new(kind: CheckKind, input: &CheckInput) -> Result<Self, InputError> {
        let domain = input.domain_name();
        if domain.is_empty() {
            return Err(InputError::MissingDomain);
        }
        // Validate the sessions this check will build, before any lookup.
        if kind == CheckKind::DomainReceives {
            recipient_session(
                input,
                &domain,
                &format!("postmaster@{domain}"),
                "postmaster",
            )?;
        } else {
            server_session(input, &domain, &domain)?;
        }
        let mut check = Self {
            kind,
            input: input.clone(),
            domain: domain.clone(),
            waiting: Waiting::Mx,
            action: None,
            rows: Vec::new(),
            implicit_mx: false,
            dns_lines: Vec::new(),
            postmaster: None,
            result: None,
        };
        check.action = Some(Action::Resolve {
            name: domain,
            rtype: RecordType::Mx,
        });
        Ok(check)
    }

    /// The next thing to do, once; `None` while waiting or when done.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        self.action.take()
    }

    /// Which check this is.
    pub fn kind(&self) -> CheckKind {
        self.kind
    }

    /// The MX table so far.
    pub fn servers(&self) -> &[ServerRow] {
        &self.rows
    }

    /// The result, once the check is over.
    pub fn result(&self) -> Option<&CheckResult> {
        self.result.as_ref()
    }

    /// True once the result is ready.
    pub fn is_done(&self) -> bool {
        self.result.is_some()
    }

    /// The answer to a `resolve` (the `resolved` message's fields).
    ///
    /// # Errors
    /// [`CheckError::UnexpectedResolve`] if that lookup was not asked for.
    pub fn handle_resolved(
        &mut self,
        name: &str,
        rtype: RecordType,
        records: &[DnsRecord],
    ) -> Result<(), CheckError> {
        self.expect_resolve(name, rtype)?;
        match self.waiting.clone() {
            Waiting::Mx => self.on_mx(records),
            Waiting::Addresses { row, rtype } => {
                for record in records {
                    if let DnsRecord::Address { address } = record {
                        self.rows[row].addresses.push(*address);
                        self.dns_lines
                            .push(format!("DNS: {name} {rtype} {address}"));
                    }
                }
                self.next_lookup(row, rtype);
            }
            _ => {}
        }
        Ok(())
    }

    /// The `error` answering a `resolve`.
    ///
    /// # Errors
    /// [`CheckError::UnexpectedResolve`] if that lookup was not asked for.
    pub fn handle_resolve_error(
        &mut self,
        name: &str,
        rtype: RecordType,
        code: ErrorCode,
        message: &str,
    ) -> Result<(), CheckError> {
        self.expect_resolve(name, rtype)?;
        self.dns_lines.push(format!(
            "DNS: {name} {rtype}: {} ({message})",
            code.as_str()
        ));
        match self.waiting.clone() {
            Waiting::Mx if code == ErrorCode::NoRecords => {
                // RFC 5321 §5.1: no MX → the domain's own address is the MX.
                self.implicit_mx = true;
                self.dns_lines.push(format!(
                    "DNS: {} has no MX: falling back to its A/AAAA records (implicit MX, RFC 5321 §5.1)",
                    self.domain
                ));
                self.rows.push(ServerRow::new(self.domain.clone(), None));
                self.lookup(0, RecordType::A);
            }
            Waiting::Mx => self.finish(dns_failure(&self.domain, code, message)),
            Waiting::Addresses { row, rtype } => {
                if !matches!(code, ErrorCode::NoRecords | ErrorCode::Nxdomain) {
                    self.rows[row].dns_problem =
                        Some(format!("{rtype} lookup: {} ({message})", code.as_str()));
                }
                self.next_lookup(row, rtype);
            }
            _ => {}
        }
        Ok(())
    }

    /// A finished session (its label as in the action).
    ///
    /// # Errors
    /// [`CheckError::UnexpectedSession`] if no such session is pending.
    pub fn handle_session(
        &mut self,
        label: &str,
        record: &SessionRecord,
    ) -> Result<(), CheckError> {
        let unexpected = || CheckError::UnexpectedSession {
            label: label.to_owned(),
        };
        match self.waiting.clone() {
            Waiting::Server { row } if label == server_label(&self.rows[row].host) => {
                fill_row(&mut self.rows[row], record);
                self.next_server(row + 1);
                Ok(())
            }
            Waiting::Postmaster if label == "postmaster" => {
                let rcpt = format!("postmaster@{}", self.domain);
                let mut result = judge_recipient(
                    CheckKind::DomainReceives,
                    &self.session_input(),
                    record,
                    &rcpt,
                );
                result.evidence.insert(0, record.connect_line());
                self.postmaster = Some(result);
                self.conclude();
                Ok(())
            }
            _ => Err(unexpected()),
        }
    }

    fn expect_resolve(&self, name: &str, rtype: RecordType) -> Result<(), CheckError> {
        let asked = match &self.waiting {
            Waiting::Mx => Some((self.domain.as_str(), RecordType::Mx)),
            Waiting::Addresses { row, rtype } => Some((self.rows[*row].host.as_str(), *rtype)),
            _ => None,
        };
        let norm = name.trim_end_matches('.').to_ascii_lowercase();
        match asked {
            Some((n, t)) if n == norm && t == rtype && self.action.is_none() => Ok(()),
            _ => Err(CheckError::UnexpectedResolve {
                name: name.to_owned(),
                rtype,
            }),
        }
    }

    fn on_mx(&mut self, records: &[DnsRecord]) {
        let mut mx: Vec<(u16, String)> = records
            .iter()
            .filter_map(|r| match r {
                DnsRecord::Mx {
                    preference,
                    exchange,
                } => Some((
                    *preference,
                    exchange.trim_end_matches('.').to_ascii_lowercase(),
                )),
                _ => None,
            })
            .collect();
        for (preference, exchange) in &mx {
            let shown = if exchange.is_empty() {
                "."
            } else {
                exchange.as_str()
            };
            self.dns_lines
                .push(format!("DNS: {} MX {preference} {shown}", self.domain));
        }
        if mx.len() == 1 && mx[0].1.is_empty() {
            self.finish(null_mx(&self.domain));
            return;
        }
        // Lowest preference first; equal ones keep the resolver's order.
        mx.sort_by_key(|(preference, _)| *preference);
        for (preference, exchange) in mx {
            if !exchange.is_empty() && !self.rows.iter().any(|r| r.host == exchange) {
                self.rows.push(ServerRow::new(exchange, Some(preference)));
            }
        }
        self.rows.truncate(MAX_MX_HOSTS);
        if self.rows.is_empty() {
            self.finish(dns_failure(
                &self.domain,
                ErrorCode::NoRecords,
                "the MX answer holds no usable host",
            ));
        } else {
            self.lookup(0, RecordType::A);
        }
    }

    fn lookup(&mut self, row: usize, rtype: RecordType) {
        self.waiting = Waiting::Addresses { row, rtype };
        self.action = Some(Action::Resolve {
            name: self.rows[row].host.clone(),
            rtype,
        });
    }

    /// After the `rtype` lookup of `row`: AAAA next, then the next row,
    /// then the sessions.
    fn next_lookup(&mut self, row: usize, rtype: RecordType) {
        if rtype == RecordType::A {
            self.lookup(row, RecordType::Aaaa);
        } else if row + 1 < self.rows.len() {
            self.lookup(row + 1, RecordType::A);
        } else if self.implicit_mx && self.rows[0].addresses.is_empty() {
            let message = "no MX and no A/AAAA records: the domain cannot receive mail";
            self.finish(dns_failure(&self.domain, ErrorCode::NoRecords, message));
        } else {
            self.next_server(0);
        }
    }

    /// Runs the session of the first row from `from` on that has an address.
    fn next_server(&mut self, from: usize) {
        for row in from..self.rows.len() {
            if self.rows[row].addresses.is_empty() {
                self.rows[row].problem =
                    Some(self.rows[row].dns_problem.clone().unwrap_or_else(|| {
                        "no A/AAAA record: the MX points to a name without an address".to_owned()
                    }));
                continue;
            }
            let target = self.connect_target(row);
            match server_session(&self.input, &self.rows[row].host, &target) {
                Ok(plan) => {
                    self.waiting = Waiting::Server { row };
                    self.action = Some(Action::RunSession(Box::new(plan)));
                    return;
                }
                Err(e) => self.rows[row].problem = Some(e.to_string()),
            }
        }
        self.after_servers();
    }

    fn after_servers(&mut self) {
        if self.kind == CheckKind::DomainReceives {
            if let Some(primary) = self.rows.iter().position(ServerRow::ok) {
                let rcpt = format!("postmaster@{}", self.domain);
                if let Ok(plan) = recipient_session(
                    &self.session_input(),
                    &self.connect_target(primary),
                    &rcpt,
                    "postmaster",
                ) {
                    self.waiting = Waiting::Postmaster;
                    self.action = Some(Action::RunSession(Box::new(plan)));
                    return;
                }
            }
        }
        self.conclude();
    }

    /// What the session of `rows[row]` connects to: its host name, or with
    /// [`CheckInput::mx_connect_by_address`] its first address.
    fn connect_target(&self, row: usize) -> String {
        let row = &self.rows[row];
        match row.addresses.first() {
            Some(address) if self.input.mx_connect_by_address => address.to_string(),
            _ => row.host.clone(),
        }
    }

    /// The input with plaintext sessions (the table tests STARTTLS itself).
    fn session_input(&self) -> CheckInput {
        let mut input = self.input.clone();
        input.tls = crate::smtp::TlsMode::None;
        input
    }

    fn conclude(&mut self) {
        let table = judge_servers(
            self.kind,
            &self.domain,
            &self.rows,
            self.implicit_mx,
            &self.dns_lines,
        );
        let result = match self.postmaster.take() {
            Some(pm) => {
                let mut combined = table.clone();
                combined.verdict = table.verdict.max(pm.verdict);
                combined.summary = format!("{}; {}", table.summary, pm.summary);
                combined.evidence.extend(pm.evidence);
                combined.advice = if pm.verdict > table.verdict {
                    format!(
                        "{} Every domain must accept mail for postmaster (RFC 5321 §4.5.1).",
                        pm.advice
                    )
                } else {
                    table.advice.clone()
                };
                combined
            }
            None => table,
        };
        self.finish(result);
    }

    fn finish(&mut self, mut result: CheckResult) {
        result.kind = self.kind;
        if result.servers.is_empty() {
            result.servers = self.rows.clone();
        }
        if result.evidence.is_empty() {
            result.evidence = self.dns_lines.clone();
        }
        self.waiting = Waiting::Done;
        self.action = None;
        self.result = Some(result);
    }
}

fn server_label(host: &str) -> String {
    format!("mx:{host}")
}

/// Connect + EHLO + QUIT on `host` (reached at `connect_to`, its name or
/// an address), plaintext.
fn server_session(
    input: &CheckInput,
    host: &str,
    connect_to: &str,
) -> Result<PlannedSession, InputError> {
    let mut spec = input.base_spec(connect_to, Stage::Ehlo);
    spec.tls = crate::smtp::TlsMode::None;
    PlannedSession::new(
        server_label(host),
        spec,
        crate::smtp::session::SessionExtras::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer_a(check: &mut DomainCheck, host: &str, address: &str) {
        let record = DnsRecord::Address {
            address: address.parse().expect("literal"),
        };
        assert_eq!(
            check.poll_action(),
            Some(Action::Resolve {
                name: host.into(),
                rtype: RecordType::A
            })
        );
        check
            .handle_resolved(host, RecordType::A, &[record])
            .expect("asked");
        assert!(matches!(
            check.poll_action(),
            Some(Action::Resolve {
                rtype: RecordType::Aaaa,
                ..
            })
        ));
        check
            .handle_resolve_error(host, RecordType::Aaaa, ErrorCode::NoRecords, "none")
            .expect("asked");
    }

    #[test]
    fn mx_sessions_connect_by_address_when_asked_and_keep_the_host_label() {
        for by_address in [false, true] {
            let mut input = CheckInput::new("", 2526, "client.example.org");
            input.domain = "example.com".into();
            input.mx_connect_by_address = by_address;
            let mut check = DomainCheck::new(CheckKind::DomainServers, &input).expect("valid");
            assert!(matches!(
                check.poll_action(),
                Some(Action::Resolve {
                    rtype: RecordType::Mx,
                    ..
                })
            ));
            let mx = DnsRecord::Mx {
                preference: 10,
                exchange: "mx1.example.com.".into(),
            };
            check
                .handle_resolved("example.com", RecordType::Mx, &[mx])
                .expect("asked");
            answer_a(&mut check, "mx1.example.com", "127.0.0.2");
            let Some(Action::RunSession(plan)) = check.poll_action() else {
                panic!("a session");
            };
            let want = if by_address {
                "127.0.0.2"
            } else {
                "mx1.example.com"
            };
            assert_eq!((plan.spec.host.as_str(), plan.spec.port), (want, 2526));
            assert_eq!(plan.label, "mx:mx1.example.com");
        }
    }
}
