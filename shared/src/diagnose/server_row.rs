//! A row of the domain checks' MX table ([`ServerRow`]) and how a
//! connect + EHLO session fills it.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::record::{ConnectAttempt, SessionRecord};
use crate::smtp::Step;

/// One mail server of the domain: a row of the MX table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerRow {
    /// The host name (no trailing dot).
    pub host: String,
    /// The MX preference; `None` for the implicit MX (no MX records, the
    /// domain's own A/AAAA).
    pub preference: Option<u16>,
    /// Its A and AAAA addresses.
    pub addresses: Vec<IpAddr>,
    /// A lookup problem of its addresses, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_problem: Option<String>,
    /// The TCP connection succeeded.
    pub connected: bool,
    /// The address connected to, `ip:port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// Connect time as the bridge measured it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<f64>,
    /// The last line of the 220 greeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
    /// From connect to the final 220 line, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting_ms: Option<u64>,
    /// EHLO (or the HELO fallback) got 250.
    pub ehlo_ok: bool,
    /// EHLO offers STARTTLS.
    pub starttls: bool,
    /// Why the row is not fully fine, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl ServerRow {
    pub(crate) fn new(host: String, preference: Option<u16>) -> Self {
        Self {
            host,
            preference,
            addresses: Vec::new(),
            dns_problem: None,
            connected: false,
            peer: None,
            connect_ms: None,
            banner: None,
            greeting_ms: None,
            ehlo_ok: false,
            starttls: false,
            problem: None,
        }
    }

    /// Connected and EHLO answered.
    pub fn ok(&self) -> bool {
        self.connected && self.ehlo_ok
    }
}

/// Fills `row` from its connect + EHLO session.
pub(crate) fn fill_row(row: &mut ServerRow, record: &SessionRecord) {
    match &record.connect {
        ConnectAttempt::Connected { peer, connect_ms } => {
            row.connected = true;
            row.peer = Some(peer.clone());
            row.connect_ms = Some(*connect_ms);
        }
        ConnectAttempt::Failed { code, message } => {
            row.problem = Some(format!("connect: {} ({message})", code.as_str()));
            return;
        }
    }
    if let Some((greeting, delay)) = record.greeting() {
        row.banner = greeting.lines.last().cloned();
        row.greeting_ms = Some(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
    }
    let helo_ok = record
        .reply(Step::Helo)
        .is_some_and(|r| r.code.as_u16() == 250);
    row.ehlo_ok = record.capabilities().is_some() || helo_ok;
    row.starttls = record.capabilities().is_some_and(|c| c.has("STARTTLS"));
    if !row.ehlo_ok {
        row.problem = Some(match record.failure() {
            Some((step, reason)) => format!("failed at {step}: {reason}"),
            None => "EHLO was not answered".to_owned(),
        });
    } else if !row.starttls {
        row.problem = Some("no STARTTLS offered".to_owned());
    }
}
