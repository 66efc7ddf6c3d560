//! Reverse DNS of an MX address: its PTR names, and whether one of them
//! resolves back to the address (forward-confirmed reverse DNS, the test
//! receivers run on a connecting server).

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{Assessment, CheckVerdict, Finding, LookupFailure};

/// What the lookups of one address found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReverseLookup {
    /// The MX address.
    pub address: IpAddr,
    /// The PTR names (lower case, no trailing dot), or why there are none.
    pub names: Result<Vec<String>, LookupFailure>,
    /// For each PTR name looked up forward: the addresses it has.
    pub forward: Vec<(String, Vec<IpAddr>)>,
}

/// A finding of the reverse DNS check of one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ReverseDnsFinding {
    /// A PTR name resolves back to the address (a note).
    Confirmed {
        /// The address.
        address: IpAddr,
        /// The name.
        name: String,
    },
    /// The confirmed name is not the MX host name (a note: common with
    /// hosted mail).
    OtherName {
        /// The address.
        address: IpAddr,
        /// The PTR name.
        name: String,
        /// The MX host.
        mx: String,
    },
    /// PTR names exist, but none resolves back to the address.
    NotConfirmed {
        /// The address.
        address: IpAddr,
        /// The PTR names.
        names: Vec<String>,
    },
    /// The address has no PTR record.
    NoPtr {
        /// The address.
        address: IpAddr,
    },
    /// The PTR lookup failed; nothing can be said.
    LookupFailed {
        /// The address.
        address: IpAddr,
        /// Why.
        failure: LookupFailure,
    },
}

impl Finding for ReverseDnsFinding {
    fn verdict(&self) -> CheckVerdict {
        match self {
            Self::Confirmed { .. } | Self::OtherName { .. } => CheckVerdict::Pass,
            Self::NotConfirmed { .. } | Self::LookupFailed { .. } => CheckVerdict::Warn,
            Self::NoPtr { .. } => CheckVerdict::Fail,
        }
    }
}

impl fmt::Display for ReverseDnsFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Confirmed { address, name } => {
                write!(f, "{address} → {name} → {address}: forward-confirmed")
            }
            Self::OtherName { address, name, mx } => {
                write!(f, "{address}'s PTR name {name} is not the MX name {mx}")
            }
            Self::NotConfirmed { address, names } => write!(
                f,
                "{address} → {}: no PTR name resolves back to {address}",
                names.join(", ")
            ),
            Self::NoPtr { address } => write!(f, "{address} has no PTR record"),
            Self::LookupFailed { address, failure } => {
                write!(f, "the PTR lookup of {address} failed: {failure}")
            }
        }
    }
}

/// Judges one address of MX `mx`.
pub fn reverse_dns_check(lookup: &ReverseLookup, mx: &str) -> Assessment<ReverseDnsFinding> {
    let address = lookup.address;
    let names = match &lookup.names {
        Ok(names) if !names.is_empty() => names,
        Ok(_) => return Assessment::from_findings(vec![ReverseDnsFinding::NoPtr { address }]),
        Err(failure) if failure.is_absent() => {
            return Assessment::from_findings(vec![ReverseDnsFinding::NoPtr { address }])
        }
        Err(failure) => {
            return Assessment::from_findings(vec![ReverseDnsFinding::LookupFailed {
                address,
                failure: *failure,
            }])
        }
    };
    let confirmed = lookup
        .forward
        .iter()
        .find(|(_, addresses)| addresses.contains(&address))
        .map(|(name, _)| name.clone());
    let findings = match confirmed {
        Some(name) => {
            let mut findings = vec![ReverseDnsFinding::Confirmed {
                address,
                name: name.clone(),
            }];
            if !name.eq_ignore_ascii_case(mx) {
                findings.push(ReverseDnsFinding::OtherName {
                    address,
                    name,
                    mx: mx.to_owned(),
                });
            }
            findings
        }
        None => vec![ReverseDnsFinding::NotConfirmed {
            address,
            names: names.clone(),
        }],
    };
    Assessment::from_findings(findings)
}
