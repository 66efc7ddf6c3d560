//! A domain's mail posture records, parsed and judged with no IO (issue 18,
//! first part): SPF (RFC 7208), DMARC (RFC 7489), MTA-STS (RFC 8461) and
//! TLS-RPT (RFC 8460).
//!
//! Each record type has a typed parser (errors name the offending term),
//! a selection over the TXT strings of a name ([`Selection`]: none, one,
//! several), and a judgement ([`Assessment`]): a
//! [`CheckVerdict`] and the typed findings behind it. Findings carry serde
//! `code`s and an English `Display`, as the engine's reasons do; the words a
//! user reads come from the driver. The SPF lookup count is a sans-IO walk
//! ([`spf::SpfWalk`]) that asks its driver for TXT records.
//!
//! [`DomainReport`] runs them all over one domain (with DANE, reverse DNS,
//! TLS on every MX and optional DNS blocklists), as the Diagnostics'
//! domain report and `smtplab check DOMAIN` show it (docs/diagnostics.md).
//!
//! # Layout
//! - [`spf`]: [`SpfRecord`], [`spf_records`], [`SpfWalk`], [`SpfChain`].
//! - [`dmarc`]: [`DmarcRecord`], [`dmarc_records`], [`dmarc_verdict`], [`dmarc_check`].
//! - [`mta_sts`]: [`MtaStsTxt`], [`MtaStsPolicy`], [`mta_sts_verdict`].
//! - [`tls_rpt`]: [`TlsRptRecord`], [`tls_rpt_check`].
//! - [`dane`]: [`Tlsa`], [`dane_check`].
//! - [`reverse_dns`]: [`ReverseLookup`], [`reverse_dns_check`].
//! - [`mx_tls`]: TLS on an MX, [`mx_tls_check`].
//! - [`report`]: [`DomainReport`], the orchestrator, and its judge.

use serde::{Deserialize, Serialize};

pub use crate::diagnose::CheckVerdict;
use crate::wire::ErrorCode;

pub mod dane;
pub mod dmarc;
pub mod mta_sts;
pub mod mx_tls;
pub mod report;
pub mod reverse_dns;
pub mod spf;
pub mod tls_rpt;

pub use dane::{dane_check, DaneFinding, Tlsa};
pub use dmarc::{dmarc_check, dmarc_records, dmarc_verdict, DmarcError, DmarcFinding, DmarcRecord};
pub use mta_sts::{
    mta_sts_policy_check, mta_sts_records, mta_sts_txt_check, mta_sts_verdict, MtaStsError,
    MtaStsFinding, MtaStsPolicy, MtaStsTxt,
};
pub use mx_tls::{mx_tls_check, MxTlsFinding, EXPIRY_WARNING_DAYS};
pub use report::{DomainReport, PolicyAnswer, ReportOptions, MAX_ADDRESSES_PER_HOST};
pub use reverse_dns::{reverse_dns_check, ReverseDnsFinding, ReverseLookup};
pub use spf::{spf_records, SpfChain, SpfError, SpfFinding, SpfRecord, SpfWalk};
pub use tls_rpt::{tls_rpt_check, tls_rpt_records, TlsRptError, TlsRptFinding, TlsRptRecord};

/// The records of one kind among the TXT strings of a name (each string
/// one whole TXT record, its character-strings already joined).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "records", rename_all = "snake_case")]
pub enum Selection {
    /// No TXT string is a record of this kind.
    None,
    /// Exactly one: the record.
    One(String),
    /// Several: the RFCs make that an error (no policy, or permerror).
    Several(Vec<String>),
}

impl Selection {
    /// Picks the strings that start with `version` followed by the end or
    /// by one of `then`. `exact_case`: compare `version` byte for byte
    /// (`%s"…"` in the ABNF) rather than ignoring ASCII case.
    pub(crate) fn pick(txts: &[String], version: &str, then: &[char], exact_case: bool) -> Self {
        let mut found: Vec<String> = txts
            .iter()
            .filter(|txt| {
                let Some(head) = txt.get(..version.len()) else {
                    return false;
                };
                let same = if exact_case {
                    head == version
                } else {
                    head.eq_ignore_ascii_case(version)
                };
                same && txt[version.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| then.contains(&c))
            })
            .cloned()
            .collect();
        match found.len() {
            0 => Self::None,
            1 => Self::One(found.remove(0)),
            _ => Self::Several(found),
        }
    }
}

/// Why a DNS lookup gave no TXT strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum LookupFailure {
    /// The name does not exist (NXDOMAIN).
    #[error("the name does not exist (NXDOMAIN)")]
    Nxdomain,
    /// The name exists but has no TXT record.
    #[error("the name has no TXT record")]
    NoRecords,
    /// The DNS servers failed to answer (SERVFAIL, REFUSED).
    #[error("the DNS servers failed to answer (SERVFAIL)")]
    Servfail,
    /// Any other failure of the lookup (the bridge's own errors).
    #[error("the lookup failed")]
    Other,
}

impl LookupFailure {
    /// NXDOMAIN or no TXT record: the record is absent, which is an answer.
    /// The others are temporary: nothing can be decided.
    pub fn is_absent(self) -> bool {
        matches!(self, Self::Nxdomain | Self::NoRecords)
    }
}

impl From<ErrorCode> for LookupFailure {
    fn from(code: ErrorCode) -> Self {
        match code {
            ErrorCode::Nxdomain => Self::Nxdomain,
            ErrorCode::NoRecords => Self::NoRecords,
            ErrorCode::Servfail => Self::Servfail,
            _ => Self::Other,
        }
    }
}

/// A finding of a posture check, with the verdict it brings on its own.
pub trait Finding {
    /// `Pass` for a note, `Warn` or `Fail` for a problem.
    fn verdict(&self) -> CheckVerdict;
}

/// A judgement: the verdict (the worst of the findings, `Pass` when there
/// are none) and the typed findings behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment<F> {
    /// Pass, warn or fail.
    pub verdict: CheckVerdict,
    /// Why, in order of discovery (notes included).
    pub findings: Vec<F>,
}

impl<F: Finding> Assessment<F> {
    /// The verdict of these findings.
    pub fn from_findings(findings: Vec<F>) -> Self {
        let verdict = findings
            .iter()
            .map(Finding::verdict)
            .max()
            .unwrap_or(CheckVerdict::Pass);
        Self { verdict, findings }
    }
}

/// Splits `tag=value` lists (`;` separated, blanks around ignored, an
/// empty last element allowed) as DMARC, MTA-STS TXT and TLS-RPT write
/// them. Returns the pairs, or the offending element when one has no `=`.
pub(crate) fn tag_list(text: &str) -> Result<Vec<(&str, &str)>, String> {
    let parts: Vec<&str> = text.split(';').collect();
    let last = parts.len() - 1;
    let mut pairs = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        let part = part.trim_matches([' ', '\t']);
        if part.is_empty() {
            if i == last {
                break;
            }
            return Err(String::new());
        }
        let Some((tag, value)) = part.split_once('=') else {
            return Err(part.to_owned());
        };
        pairs.push((
            tag.trim_matches([' ', '\t']),
            value.trim_matches([' ', '\t']),
        ));
    }
    Ok(pairs)
}

/// Whether `uri` has a URI scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`)
/// and something after it, with no blanks.
pub(crate) fn looks_like_uri(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !uri.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A host name compared without case or trailing dot.
pub(crate) fn normalize_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn strings(txts: &[&str]) -> Vec<String> {
        txts.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn selection_needs_the_version_then_a_delimiter() {
        let txts = strings(&["v=spf10 -all", "google-site-verification=x", "v=spf1"]);
        assert_eq!(
            Selection::pick(&txts, "v=spf1", &[' '], false),
            Selection::One("v=spf1".into())
        );
        assert_eq!(
            Selection::pick(&txts[..2], "v=spf1", &[' '], false),
            Selection::None
        );
    }

    #[test]
    fn exact_case_versions_refuse_other_cases() {
        let txts = strings(&["v=stsv1; id=1"]);
        assert_eq!(
            Selection::pick(&txts, "v=STSv1", &[';', ' '], true),
            Selection::None
        );
        assert_eq!(
            Selection::pick(&txts, "v=STSv1", &[';', ' '], false),
            Selection::One("v=stsv1; id=1".into())
        );
    }

    #[test]
    fn lookup_failures_map_from_bridge_codes() {
        assert_eq!(
            LookupFailure::from(ErrorCode::Nxdomain),
            LookupFailure::Nxdomain
        );
        assert!(LookupFailure::from(ErrorCode::NoRecords).is_absent());
        assert!(!LookupFailure::from(ErrorCode::Servfail).is_absent());
        assert_eq!(
            LookupFailure::from(ErrorCode::Timeout),
            LookupFailure::Other
        );
    }

    #[test]
    fn tag_lists_allow_a_last_semicolon_but_not_an_empty_middle() {
        assert_eq!(tag_list("v=X; a = b ;"), Ok(vec![("v", "X"), ("a", "b")]));
        assert_eq!(tag_list("v=X;; a=b"), Err(String::new()));
        assert_eq!(tag_list("v=X; junk"), Err("junk".into()));
    }

    #[test]
    fn uris_need_a_scheme_and_no_blanks() {
        assert!(looks_like_uri("mailto:dmarc@example.com"));
        assert!(looks_like_uri("https://example.com/r"));
        assert!(!looks_like_uri("dmarc@example.com"));
        assert!(!looks_like_uri("mailto:a b@example.com"));
        assert!(!looks_like_uri("1http:x"));
    }
}
