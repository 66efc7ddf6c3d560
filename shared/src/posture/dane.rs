//! DANE for SMTP (RFC 7672, RFC 6698): the TLSA records at
//! `_PORT._tcp.MX` against the certificates an MX presented. Judged only
//! when the TLSA answer was DNSSEC-validated: an unsigned TLSA record proves
//! nothing, and a sender would ignore it.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Assessment, CheckVerdict, Finding, LookupFailure};
use crate::tls::{hex, CertInfo};
use crate::wire::DnsRecord;

/// One TLSA record (RFC 6698 §2.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tlsa {
    /// 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    pub usage: u8,
    /// 0 the whole certificate, 1 its SubjectPublicKeyInfo.
    pub selector: u8,
    /// 0 the data itself, 1 SHA-256, 2 SHA-512.
    pub matching_type: u8,
    /// The association data, lower-case hex.
    pub data: String,
}

impl fmt::Display for Tlsa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.usage, self.selector, self.matching_type, self.data
        )
    }
}

impl Tlsa {
    /// The TLSA records among `records` (others are ignored).
    pub fn from_records(records: &[DnsRecord]) -> Vec<Self> {
        records
            .iter()
            .filter_map(|r| match r {
                DnsRecord::Tlsa {
                    usage,
                    selector,
                    matching_type,
                    data,
                } => Some(Self {
                    usage: *usage,
                    selector: *selector,
                    matching_type: *matching_type,
                    data: data.to_ascii_lowercase(),
                }),
                _ => None,
            })
            .collect()
    }

    /// Whether this record names `cert` (its digests as read by
    /// [`CertInfo::from_der`]).
    pub fn matches(&self, cert: &CertInfo) -> bool {
        let Some(d) = &cert.dane else {
            return false;
        };
        let (full_256, full_512) = match self.selector {
            0 => (&d.cert_sha256, &d.cert_sha512),
            1 => (&d.spki_sha256, &d.spki_sha512),
            _ => return false,
        };
        match self.matching_type {
            // The full data: compare its SHA-256 with the one kept.
            0 => decode_hex(&self.data).is_some_and(|bytes| {
                !full_256.is_empty() && hex(&Sha256::digest(bytes)) == *full_256
            }),
            1 => !full_256.is_empty() && self.data == *full_256,
            2 => !full_512.is_empty() && self.data == *full_512,
            _ => false,
        }
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A finding of the DANE check of one MX.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum DaneFinding {
    /// No TLSA records: the MX does not use DANE (a note).
    NotPublished,
    /// The TLSA lookup failed; nothing can be said.
    LookupFailed {
        /// Why.
        failure: LookupFailure,
    },
    /// The bridge does not validate DNSSEC (no `--dnssec`): the records are
    /// shown, not judged.
    NotValidated,
    /// The TLSA answer is not signed (DNSSEC insecure): senders ignore it.
    Insecure,
    /// A record names the presented certificate (a note).
    Matched {
        /// The record.
        record: Tlsa,
        /// 0 for the server's own certificate, 1.. for the chain above it.
        position: usize,
    },
    /// No usable record names any presented certificate.
    NoMatch {
        /// How many usable records there were.
        usable: usize,
    },
    /// No certificate was presented (no STARTTLS, or the handshake failed
    /// before it).
    NoCertificate,
    /// Usage 0 or 1 (PKIX-TA/PKIX-EE): SMTP senders treat them as unusable
    /// (RFC 7672 §3.1.3).
    UnusableUsage {
        /// The record.
        record: Tlsa,
    },
}

impl Finding for DaneFinding {
    fn verdict(&self) -> CheckVerdict {
        match self {
            Self::NotPublished | Self::Matched { .. } => CheckVerdict::Pass,
            Self::LookupFailed { .. }
            | Self::NotValidated
            | Self::Insecure
            | Self::UnusableUsage { .. } => CheckVerdict::Warn,
            Self::NoMatch { .. } | Self::NoCertificate => CheckVerdict::Fail,
        }
    }
}

impl fmt::Display for DaneFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotPublished => f.write_str("no TLSA records: DANE is not used"),
            Self::LookupFailed { failure } => write!(f, "the TLSA lookup failed: {failure}"),
            Self::NotValidated => f.write_str(
                "not judged: the DNS answers are not DNSSEC-validated (start the bridge, or smtplab check, with --dnssec)",
            ),
            Self::Insecure => f.write_str(
                "not judged: the TLSA records are not DNSSEC-signed, so senders ignore them",
            ),
            Self::Matched { record, position } => {
                let which = if *position == 0 {
                    "the server's certificate".to_owned()
                } else {
                    format!("chain certificate {position}")
                };
                write!(f, "TLSA {record} matches {which}")
            }
            Self::NoMatch { usable } => write!(
                f,
                "none of the {usable} usable TLSA records matches the certificate presented: DANE senders will not deliver"
            ),
            Self::NoCertificate => {
                f.write_str("no certificate was presented to compare with the TLSA records")
            }
            Self::UnusableUsage { record } => write!(
                f,
                "TLSA {record}: usage {} (PKIX) is unusable for SMTP (RFC 7672 §3.1.3)",
                record.usage
            ),
        }
    }
}

/// Judges one MX's TLSA answer against the chain it presented (`None` when
/// no handshake got a certificate). `authenticated` is the bridge's DNSSEC
/// answer: `Some(true)` validated, `Some(false)` unsigned, `None` not
/// validated at all.
pub fn dane_check(
    answer: Result<&[Tlsa], LookupFailure>,
    authenticated: Option<bool>,
    chain: Option<&[CertInfo]>,
) -> Assessment<DaneFinding> {
    let records = match answer {
        Ok([]) => return Assessment::from_findings(vec![DaneFinding::NotPublished]),
        Ok(records) => records,
        Err(failure) if failure.is_absent() => {
            return Assessment::from_findings(vec![DaneFinding::NotPublished])
        }
        Err(failure) => {
            return Assessment::from_findings(vec![DaneFinding::LookupFailed { failure }])
        }
    };
    let mut findings = Vec::new();
    let usable: Vec<&Tlsa> = records
        .iter()
        .filter(|r| {
            let ok = matches!(r.usage, 2 | 3);
            if !ok {
                findings.push(DaneFinding::UnusableUsage {
                    record: (*r).clone(),
                });
            }
            ok
        })
        .collect();
    let matched = chain.and_then(|chain| {
        usable.iter().find_map(|record| {
            // DANE-EE names the server's own certificate; DANE-TA one above it.
            let candidates = if record.usage == 3 {
                0..1
            } else {
                1..chain.len()
            };
            candidates
                .filter(|&i| chain.get(i).is_some_and(|c| record.matches(c)))
                .map(|position| DaneFinding::Matched {
                    record: (*record).clone(),
                    position,
                })
                .next()
        })
    });
    match authenticated {
        None => findings.push(DaneFinding::NotValidated),
        Some(false) => findings.push(DaneFinding::Insecure),
        Some(true) => {}
    }
    let judged = authenticated == Some(true);
    match (matched, chain) {
        (Some(found), _) => findings.push(found),
        (None, None) if judged => findings.push(DaneFinding::NoCertificate),
        (None, Some(_)) if judged && !usable.is_empty() => {
            findings.push(DaneFinding::NoMatch {
                usable: usable.len(),
            });
        }
        _ => {}
    }
    Assessment::from_findings(findings)
}
