//! DMARC (RFC 7489): the `_dmarc` record's parser (§6.3, §6.4), the
//! selection among the TXT strings (§6.6.3) and the verdict.
//!
//! Not done: the fallback to the organizational domain's record (it needs
//! the Public Suffix List), and checking the external-destination
//! authorization of `rua`/`ruf` addresses in other domains (§7.1).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    looks_like_uri, tag_list, Assessment, CheckVerdict, Finding, LookupFailure, Selection,
};

/// The DMARC records among the TXT strings of `_dmarc.DOMAIN`: those that
/// start with `v=DMARC1` (any ASCII case) then `;`, a blank or the end.
pub fn dmarc_records(txts: &[String]) -> Selection {
    Selection::pick(txts, "v=DMARC1", &[';', ' ', '\t'], false)
}

/// A requested policy (`p=`, `sp=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DmarcPolicy {
    /// `none`: monitor only.
    None,
    /// `quarantine`: treat failing mail as suspicious.
    Quarantine,
    /// `reject`: refuse failing mail.
    Reject,
}

impl DmarcPolicy {
    fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "none" => Some(Self::None),
            "quarantine" => Some(Self::Quarantine),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }

    /// `none`, `quarantine` or `reject`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Quarantine => "quarantine",
            Self::Reject => "reject",
        }
    }
}

impl fmt::Display for DmarcPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An identifier alignment mode (`adkim=`, `aspf=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alignment {
    /// `r` (the default): the organizational domains must match.
    Relaxed,
    /// `s`: the domains must be identical.
    Strict,
}

impl Alignment {
    fn parse(value: &str) -> Option<Self> {
        match value {
            "r" | "R" => Some(Self::Relaxed),
            "s" | "S" => Some(Self::Strict),
            _ => None,
        }
    }
}

/// A failure reporting option (`fo=`, §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureOption {
    /// `0` (the default): report when all mechanisms fail to align.
    All,
    /// `1`: report when any mechanism fails.
    Any,
    /// `d`: report DKIM signatures that fail.
    Dkim,
    /// `s`: report SPF evaluations that fail.
    Spf,
}

/// A reporting address (`rua=`, `ruf=`): a URI and an optional size limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmarcUri {
    /// The URI, e.g. `mailto:dmarc@example.com`.
    pub uri: String,
    /// The size limit as written after `!` (e.g. `10m`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<String>,
}

/// Why a DMARC record does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum DmarcError {
    /// The first tag is not `v=DMARC1`.
    #[error("the record does not start with v=DMARC1")]
    NotDmarc,
    /// An element is not `tag=value` (or is empty between two `;`).
    #[error("not a tag=value pair: {element:?}")]
    NotATag {
        /// The element.
        element: String,
    },
    /// A tag appears twice.
    #[error("tag given twice: {tag}")]
    DuplicateTag {
        /// The tag.
        tag: String,
    },
    /// No `p=` (required in a policy record).
    #[error("the record has no p= policy")]
    MissingPolicy,
    /// A tag's value is not one it allows.
    #[error("invalid value for {tag}: {value:?}")]
    BadValue {
        /// The tag.
        tag: String,
        /// The value as written.
        value: String,
    },
}

/// A parsed DMARC record. Absent optional tags are `None` (their RFC
/// default is given by the accessors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmarcRecord {
    /// `p=`.
    pub policy: DmarcPolicy,
    /// `sp=`: the subdomains' policy (default: `p`).
    pub subdomain_policy: Option<DmarcPolicy>,
    /// `pct=` 0–100 (default 100).
    pub pct: Option<u8>,
    /// `rua=`: where aggregate reports go.
    pub rua: Vec<DmarcUri>,
    /// `ruf=`: where failure reports go.
    pub ruf: Vec<DmarcUri>,
    /// `adkim=` (default relaxed).
    pub adkim: Option<Alignment>,
    /// `aspf=` (default relaxed).
    pub aspf: Option<Alignment>,
    /// `fo=` (default `0`).
    pub fo: Option<Vec<FailureOption>>,
    /// `ri=` seconds between aggregate reports (default 86400).
    pub ri: Option<u32>,
    /// `rf=` failure report formats (default `afrf`).
    pub rf: Option<Vec<String>>,
    /// Tags RFC 7489 does not define (ignored by receivers, §6.3).
    pub unknown: Vec<(String, String)>,
}

impl DmarcRecord {
    /// Parses a record: `v=DMARC1` first, then `;`-separated tags in any
    /// order (names in any ASCII case); `p=` required.
    pub fn parse(text: &str) -> Result<Self, DmarcError> {
        let pairs = tag_list(text).map_err(|element| DmarcError::NotATag { element })?;
        let mut pairs = pairs.into_iter();
        match pairs.next() {
            Some((v, version))
                if v.eq_ignore_ascii_case("v") && version.eq_ignore_ascii_case("DMARC1") => {}
            _ => return Err(DmarcError::NotDmarc),
        }
        let mut record = Self {
            policy: DmarcPolicy::None,
            subdomain_policy: None,
            pct: None,
            rua: Vec::new(),
            ruf: Vec::new(),
            adkim: None,
            aspf: None,
            fo: None,
            ri: None,
            rf: None,
            unknown: Vec::new(),
        };
        let mut policy = None;
        let mut seen: Vec<String> = vec!["v".into()];
        for (tag, value) in pairs {
            let tag = tag.to_ascii_lowercase();
            if seen.contains(&tag) {
                return Err(DmarcError::DuplicateTag { tag });
            }
            seen.push(tag.clone());
            let bad = || DmarcError::BadValue {
                tag: tag.clone(),
                value: value.to_owned(),
            };
            match tag.as_str() {
                "p" => policy = Some(DmarcPolicy::parse(value).ok_or_else(bad)?),
                "sp" => record.subdomain_policy = Some(DmarcPolicy::parse(value).ok_or_else(bad)?),
                "pct" => {
                    let pct = value
                        .parse::<u8>()
                        .ok()
                        .filter(|p| *p <= 100 && value.bytes().all(|b| b.is_ascii_digit()));
                    record.pct = Some(pct.ok_or_else(bad)?);
                }
                "rua" => record.rua = uri_list(value).ok_or_else(bad)?,
                "ruf" => record.ruf = uri_list(value).ok_or_else(bad)?,
                "adkim" => record.adkim = Some(Alignment::parse(value).ok_or_else(bad)?),
                "aspf" => record.aspf = Some(Alignment::parse(value).ok_or_else(bad)?),
                "fo" => {
                    let options = value
                        .split(':')
                        .map(|o| match o.trim() {
                            "0" => Some(FailureOption::All),
                            "1" => Some(FailureOption::Any),
                            "d" | "D" => Some(FailureOption::Dkim),
                            "s" | "S" => Some(FailureOption::Spf),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>();
                    record.fo = Some(options.ok_or_else(bad)?);
                }
                "ri" => {
                    let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
                    record.ri = Some(value.parse().ok().filter(|_| digits).ok_or_else(bad)?);
                }
                "rf" => {
                    let formats: Vec<String> =
                        value.split(':').map(|f| f.trim().to_owned()).collect();
                    if formats.iter().any(|f| f.is_empty()) {
                        return Err(bad());
                    }
                    record.rf = Some(formats);
                }
                _ => record.unknown.push((tag.clone(), value.to_owned())),
            }
        }
        record.policy = policy.ok_or(DmarcError::MissingPolicy)?;
        Ok(record)
    }

    /// The percentage of failing mail the policy applies to (`pct`, 100 by default).
    pub fn percent(&self) -> u8 {
        self.pct.unwrap_or(100)
    }

    /// The subdomains' policy (`sp`, else `p`).
    pub fn effective_subdomain_policy(&self) -> DmarcPolicy {
        self.subdomain_policy.unwrap_or(self.policy)
    }

    /// DKIM alignment (`adkim`, relaxed by default).
    pub fn dkim_alignment(&self) -> Alignment {
        self.adkim.unwrap_or(Alignment::Relaxed)
    }

    /// SPF alignment (`aspf`, relaxed by default).
    pub fn spf_alignment(&self) -> Alignment {
        self.aspf.unwrap_or(Alignment::Relaxed)
    }
}

/// `dmarc-uri *(*WSP "," *WSP dmarc-uri)`, each `URI [ "!" 1*DIGIT [ k/m/g/t ] ]`.
fn uri_list(value: &str) -> Option<Vec<DmarcUri>> {
    value
        .split(',')
        .map(|item| {
            let item = item.trim_matches([' ', '\t']);
            let (uri, max_size) = match item.rsplit_once('!') {
                Some((uri, size)) => {
                    let digits = size.trim_end_matches(['k', 'm', 'g', 't', 'K', 'M', 'G', 'T']);
                    let unit_len = size.len() - digits.len();
                    let ok = !digits.is_empty()
                        && digits.bytes().all(|b| b.is_ascii_digit())
                        && unit_len <= 1;
                    if !ok {
                        return None;
                    }
                    (uri, Some(size.to_owned()))
                }
                None => (item, None),
            };
            looks_like_uri(uri).then(|| DmarcUri {
                uri: uri.to_owned(),
                max_size,
            })
        })
        .collect()
}

/// What the DMARC check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum DmarcFinding {
    /// No DMARC record (fail).
    #[error("the domain publishes no DMARC record")]
    NoRecord,
    /// Several DMARC records: receivers apply none (fail).
    #[error("{count} DMARC records are published; exactly one is allowed")]
    SeveralRecords {
        /// How many.
        count: usize,
    },
    /// The record does not parse (fail).
    #[error("the DMARC record does not parse: {error}")]
    Syntax {
        /// What is wrong.
        error: DmarcError,
    },
    /// The TXT lookup failed: nothing decided (warn).
    #[error("the TXT lookup of the DMARC record failed: {failure}")]
    LookupFailed {
        /// How.
        failure: LookupFailure,
    },
    /// `p=none`: failing mail is only reported (warn).
    #[error("p=none: mail failing DMARC is delivered as usual, only reported")]
    PolicyNone,
    /// `p=quarantine` or `p=reject` (pass).
    #[error("p={policy}: mail failing DMARC is {}", if *policy == DmarcPolicy::Reject { "refused" } else { "quarantined" })]
    PolicyEnforced {
        /// The policy.
        policy: DmarcPolicy,
    },
    /// `sp=none` under an enforcing `p` (warn).
    #[error("sp=none: mail from subdomains failing DMARC is delivered as usual")]
    SubdomainPolicyNone,
    /// `pct` under 100 (warn).
    #[error("pct={pct}: the policy applies to only {pct}% of failing mail")]
    PartialPercent {
        /// The percentage.
        pct: u8,
    },
    /// No `rua` (warn).
    #[error("no rua=: nobody receives aggregate reports")]
    NoAggregateReports,
}

impl Finding for DmarcFinding {
    fn verdict(&self) -> CheckVerdict {
        match self {
            Self::PolicyEnforced { .. } => CheckVerdict::Pass,
            Self::LookupFailed { .. }
            | Self::PolicyNone
            | Self::SubdomainPolicyNone
            | Self::PartialPercent { .. }
            | Self::NoAggregateReports => CheckVerdict::Warn,
            Self::NoRecord | Self::SeveralRecords { .. } | Self::Syntax { .. } => {
                CheckVerdict::Fail
            }
        }
    }
}

/// Judges a parsed record: `p=none`, `sp=none`, `pct` < 100 and a missing
/// `rua` warn; an enforcing policy is noted.
pub fn dmarc_verdict(record: &DmarcRecord) -> Assessment<DmarcFinding> {
    let mut findings = Vec::new();
    if record.policy == DmarcPolicy::None {
        findings.push(DmarcFinding::PolicyNone);
    } else {
        findings.push(DmarcFinding::PolicyEnforced {
            policy: record.policy,
        });
        if record.subdomain_policy == Some(DmarcPolicy::None) {
            findings.push(DmarcFinding::SubdomainPolicyNone);
        }
    }
    if record.percent() < 100 {
        findings.push(DmarcFinding::PartialPercent {
            pct: record.percent(),
        });
    }
    if record.rua.is_empty() {
        findings.push(DmarcFinding::NoAggregateReports);
    }
    Assessment::from_findings(findings)
}

/// The whole check over the answer to `_dmarc.DOMAIN` TXT: absent,
/// several and unparsable records fail; a lookup failure warns; else
/// [`dmarc_verdict`]. Returns the record when there is one.
pub fn dmarc_check(
    answer: Result<&[String], LookupFailure>,
) -> (Option<DmarcRecord>, Assessment<DmarcFinding>) {
    let txts = match answer {
        Ok(txts) => txts,
        Err(failure) if failure.is_absent() => &[],
        Err(failure) => {
            return (
                None,
                Assessment::from_findings(vec![DmarcFinding::LookupFailed { failure }]),
            )
        }
    };
    let fail = |finding| (None, Assessment::from_findings(vec![finding]));
    match dmarc_records(txts) {
        Selection::None => fail(DmarcFinding::NoRecord),
        Selection::Several(records) => fail(DmarcFinding::SeveralRecords {
            count: records.len(),
        }),
        Selection::One(text) => match DmarcRecord::parse(&text) {
            Ok(record) => {
                let assessment = dmarc_verdict(&record);
                (Some(record), assessment)
            }
            Err(error) => fail(DmarcFinding::Syntax { error }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const GOOGLE: &str = "v=DMARC1; p=reject; rua=mailto:mailauth-reports@google.com";
    const MICROSOFT: &str = "v=DMARC1; p=reject; pct=100; rua=mailto:d@rua.agari.com; \
        ruf=mailto:d@ruf.agari.com; fo=1";

    fn parse(text: &str) -> DmarcRecord {
        DmarcRecord::parse(text).expect("parses")
    }

    fn error(text: &str) -> DmarcError {
        DmarcRecord::parse(text).expect_err("refused")
    }

    #[test]
    fn googles_record_parses_and_passes() {
        let record = parse(GOOGLE);
        assert_eq!(record.policy, DmarcPolicy::Reject);
        assert_eq!(record.rua[0].uri, "mailto:mailauth-reports@google.com");
        assert_eq!(record.percent(), 100);
        assert_eq!(record.effective_subdomain_policy(), DmarcPolicy::Reject);
        let assessment = dmarc_verdict(&record);
        assert_eq!(assessment.verdict, CheckVerdict::Pass);
        assert_eq!(
            assessment.findings,
            [DmarcFinding::PolicyEnforced {
                policy: DmarcPolicy::Reject
            }]
        );
    }

    #[test]
    fn microsofts_record_parses_every_tag() {
        let record = parse(MICROSOFT);
        assert_eq!(record.pct, Some(100));
        assert_eq!(record.ruf[0].uri, "mailto:d@ruf.agari.com");
        assert_eq!(record.fo, Some(vec![FailureOption::Any]));
        assert_eq!(dmarc_verdict(&record).verdict, CheckVerdict::Pass);
        let record = parse(
            "v=DMARC1;p=quarantine;sp=none;adkim=s;aspf=r;fo=d:s;ri=3600;rf=afrf;\
             rua=mailto:a@example.com!10m, https://r.example.com/d;x-new=1;",
        );
        assert_eq!(record.subdomain_policy, Some(DmarcPolicy::None));
        assert_eq!(record.dkim_alignment(), Alignment::Strict);
        assert_eq!(record.spf_alignment(), Alignment::Relaxed);
        assert_eq!(
            record.fo,
            Some(vec![FailureOption::Dkim, FailureOption::Spf])
        );
        assert_eq!(record.ri, Some(3600));
        assert_eq!(record.rf, Some(vec!["afrf".to_owned()]));
        assert_eq!(
            record.rua,
            [
                DmarcUri {
                    uri: "mailto:a@example.com".into(),
                    max_size: Some("10m".into())
                },
                DmarcUri {
                    uri: "https://r.example.com/d".into(),
                    max_size: None
                }
            ]
        );
        assert_eq!(record.unknown, [("x-new".to_owned(), "1".to_owned())]);
    }

    #[test]
    fn p_none_warns() {
        let assessment = dmarc_verdict(&parse("v=DMARC1; p=none; rua=mailto:d@example.com"));
        assert_eq!(assessment.verdict, CheckVerdict::Warn);
        assert_eq!(assessment.findings, [DmarcFinding::PolicyNone]);
    }

    #[test]
    fn sp_none_under_reject_warns() {
        let assessment = dmarc_verdict(&parse(
            "v=DMARC1; p=reject; sp=none; rua=mailto:d@example.com",
        ));
        assert_eq!(assessment.verdict, CheckVerdict::Warn);
        assert!(assessment
            .findings
            .contains(&DmarcFinding::SubdomainPolicyNone));
    }

    #[test]
    fn pct_under_100_warns() {
        let assessment = dmarc_verdict(&parse(
            "v=DMARC1; p=quarantine; pct=25; rua=mailto:d@example.com",
        ));
        assert_eq!(assessment.verdict, CheckVerdict::Warn);
        assert!(assessment
            .findings
            .contains(&DmarcFinding::PartialPercent { pct: 25 }));
    }

    #[test]
    fn a_missing_rua_warns() {
        let assessment = dmarc_verdict(&parse("v=DMARC1; p=reject"));
        assert_eq!(assessment.verdict, CheckVerdict::Warn);
        assert!(assessment
            .findings
            .contains(&DmarcFinding::NoAggregateReports));
    }

    #[test]
    fn v_dmarc1_must_come_first() {
        assert_eq!(error("p=reject; v=DMARC1"), DmarcError::NotDmarc);
        assert_eq!(error("v=DMARC2; p=reject"), DmarcError::NotDmarc);
        assert_eq!(error("v=spf1 -all"), DmarcError::NotDmarc);
    }

    #[test]
    fn p_is_required() {
        assert_eq!(
            error("v=DMARC1; rua=mailto:d@example.com"),
            DmarcError::MissingPolicy
        );
    }

    #[test]
    fn bad_values_are_named() {
        let bad = |tag: &str, value: &str| DmarcError::BadValue {
            tag: tag.into(),
            value: value.into(),
        };
        assert_eq!(error("v=DMARC1; p=block"), bad("p", "block"));
        assert_eq!(error("v=DMARC1; p=none; pct=101"), bad("pct", "101"));
        assert_eq!(error("v=DMARC1; p=none; pct=+5"), bad("pct", "+5"));
        assert_eq!(error("v=DMARC1; p=none; adkim=x"), bad("adkim", "x"));
        assert_eq!(error("v=DMARC1; p=none; fo=2"), bad("fo", "2"));
        assert_eq!(error("v=DMARC1; p=none; ri=-1"), bad("ri", "-1"));
        assert_eq!(
            error("v=DMARC1; p=none; rua=dmarc@example.com"),
            bad("rua", "dmarc@example.com")
        );
        assert_eq!(
            error("v=DMARC1; p=none; rua=mailto:d@example.com!10x"),
            bad("rua", "mailto:d@example.com!10x")
        );
    }

    #[test]
    fn broken_lists_and_duplicates_are_named() {
        assert_eq!(
            error("v=DMARC1; p=none; P=reject"),
            DmarcError::DuplicateTag { tag: "p".into() }
        );
        assert_eq!(
            error("v=DMARC1; p=none; junk"),
            DmarcError::NotATag {
                element: "junk".into()
            }
        );
        assert_eq!(
            error("v=DMARC1;; p=none"),
            DmarcError::NotATag {
                element: String::new()
            }
        );
    }

    #[test]
    fn the_check_fails_without_one_parsable_record() {
        let txts = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (record, assessment) = dmarc_check(Err(LookupFailure::Nxdomain));
        assert!(record.is_none());
        assert_eq!(assessment.findings, [DmarcFinding::NoRecord]);
        assert_eq!(assessment.verdict, CheckVerdict::Fail);
        let several = txts(&[GOOGLE, "v=DMARC1; p=none"]);
        let (_, assessment) = dmarc_check(Ok(&several));
        assert_eq!(
            assessment.findings,
            [DmarcFinding::SeveralRecords { count: 2 }]
        );
        let broken = txts(&["v=DMARC1; p=rejct"]);
        let (_, assessment) = dmarc_check(Ok(&broken));
        assert_eq!(assessment.verdict, CheckVerdict::Fail);
        assert!(matches!(
            assessment.findings[0],
            DmarcFinding::Syntax { .. }
        ));
        let (_, assessment) = dmarc_check(Err(LookupFailure::Servfail));
        assert_eq!(assessment.verdict, CheckVerdict::Warn);
        let good = txts(&["some other text", GOOGLE]);
        let (record, assessment) = dmarc_check(Ok(&good));
        assert_eq!(record.map(|r| r.policy), Some(DmarcPolicy::Reject));
        assert_eq!(assessment.verdict, CheckVerdict::Pass);
        assert_eq!(
            dmarc_records(&txts(&["v=DMARC10; p=none"])),
            Selection::None
        );
    }

    #[test]
    fn findings_serialize_with_codes() {
        let json = serde_json::to_value(DmarcFinding::PartialPercent { pct: 50 }).expect("json");
        assert_eq!(json["code"], "partial_percent");
        assert_eq!(json["pct"], 50);
        assert_eq!(
            DmarcFinding::PolicyEnforced {
                policy: DmarcPolicy::Quarantine
            }
            .to_string(),
            "p=quarantine: mail failing DMARC is quarantined"
        );
    }
}
