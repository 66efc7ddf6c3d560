//! TLS on an MX: a real STARTTLS handshake, judged from the session's
//! [`TlsReport`]: version, cipher, the chain against the trusted roots,
//! the name against the MX host, and the days left.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Assessment, CheckVerdict, Finding};
use crate::diagnose::{ConnectAttempt, SessionRecord};
use crate::smtp::{FailReason, Verdict};
use crate::tls::{TlsFailure, TlsFailureKind, TlsReport};

/// Certificates expiring in fewer days than this warn (Let's Encrypt
/// renews at 30 days left; a certificate under 21 has missed renewals).
pub const EXPIRY_WARNING_DAYS: i64 = 21;

/// A finding of the TLS check of one MX address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum MxTlsFinding {
    /// The TCP connection failed.
    NotConnected {
        /// The bridge's sentence.
        reason: String,
    },
    /// The server does not offer STARTTLS.
    StartTlsNotOffered,
    /// The session failed before or during the handshake for another reason.
    Failed {
        /// What happened.
        reason: String,
    },
    /// The handshake completed (a note).
    Negotiated {
        /// e.g. `TLSv1.3`.
        protocol: String,
        /// e.g. `TLS13_AES_256_GCM_SHA384`.
        cipher: String,
    },
    /// TLS older than 1.2.
    OldProtocol {
        /// The version.
        protocol: String,
    },
    /// The certificate verified: chain, dates and name (a note).
    Verified {
        /// The name checked.
        name: String,
    },
    /// The certificate did not verify.
    Untrusted {
        /// What is wrong.
        problem: TlsFailure,
    },
    /// The certificate verifies but expires soon.
    ExpiresSoon {
        /// Whole days left.
        days: i64,
    },
    /// Days left (a note).
    DaysLeft {
        /// Whole days left.
        days: i64,
    },
}

impl Finding for MxTlsFinding {
    fn verdict(&self) -> CheckVerdict {
        match self {
            Self::Negotiated { .. } | Self::Verified { .. } | Self::DaysLeft { .. } => {
                CheckVerdict::Pass
            }
            Self::OldProtocol { .. } | Self::ExpiresSoon { .. } => CheckVerdict::Warn,
            Self::NotConnected { .. }
            | Self::StartTlsNotOffered
            | Self::Failed { .. }
            | Self::Untrusted { .. } => CheckVerdict::Fail,
        }
    }
}

impl fmt::Display for MxTlsFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected { reason } => write!(f, "no connection: {reason}"),
            Self::StartTlsNotOffered => f.write_str("STARTTLS is not offered"),
            Self::Failed { reason } => write!(f, "the session failed: {reason}"),
            Self::Negotiated { protocol, cipher } => write!(f, "{protocol}, {cipher}"),
            Self::OldProtocol { protocol } => {
                write!(f, "{protocol} is obsolete (RFC 8996): offer TLS 1.2 or 1.3")
            }
            Self::Verified { name } => {
                write!(
                    f,
                    "the certificate verifies for {name} against Mozilla's roots"
                )
            }
            Self::Untrusted { problem } => write!(f, "the certificate does not verify: {problem}"),
            Self::ExpiresSoon { days } => write!(
                f,
                "the certificate expires in {days} days (under {EXPIRY_WARNING_DAYS})"
            ),
            Self::DaysLeft { days } => write!(f, "the certificate expires in {days} days"),
        }
    }
}

/// Judges the STARTTLS session of one MX address. Returns the TLS report
/// when the handshake got that far.
pub fn mx_tls_check(record: &SessionRecord) -> (Option<TlsReport>, Assessment<MxTlsFinding>) {
    if let ConnectAttempt::Failed { message, .. } = &record.connect {
        return (
            None,
            Assessment::from_findings(vec![MxTlsFinding::NotConnected {
                reason: message.clone(),
            }]),
        );
    }
    let outcome = record.outcome();
    let report = outcome.and_then(|o| o.tls.clone());
    let mut findings = Vec::new();
    if let Some(Verdict::Failed { reason, .. }) = outcome.map(|o| &o.verdict) {
        match reason {
            FailReason::Tls(failure) if failure.kind == TlsFailureKind::NotOffered => {
                findings.push(MxTlsFinding::StartTlsNotOffered);
            }
            // A certificate problem is told below, from the report.
            FailReason::Tls(failure) if failure.kind.is_certificate() && report.is_some() => {}
            other => findings.push(MxTlsFinding::Failed {
                reason: other.to_string(),
            }),
        }
    } else if outcome.is_none() {
        findings.push(MxTlsFinding::Failed {
            reason: "the session did not finish".into(),
        });
    }
    if let Some(report) = &report {
        if let (Some(protocol), Some(cipher)) = (&report.protocol, &report.cipher_suite) {
            findings.push(MxTlsFinding::Negotiated {
                protocol: protocol.clone(),
                cipher: cipher.clone(),
            });
            if matches!(protocol.as_str(), "TLSv1" | "TLSv1.0" | "TLSv1.1" | "SSLv3") {
                findings.push(MxTlsFinding::OldProtocol {
                    protocol: protocol.clone(),
                });
            }
        }
        match report.verification.as_ref().map(|v| &v.problem) {
            Some(None) => findings.push(MxTlsFinding::Verified {
                name: report.server_name.clone(),
            }),
            Some(Some(problem)) => findings.push(MxTlsFinding::Untrusted {
                problem: problem.clone(),
            }),
            None => {}
        }
        if let Some(days) = report.chain.first().and_then(|c| c.days_left) {
            findings.push(if days < EXPIRY_WARNING_DAYS {
                MxTlsFinding::ExpiresSoon { days }
            } else {
                MxTlsFinding::DaysLeft { days }
            });
        }
    }
    (report, Assessment::from_findings(findings))
}
