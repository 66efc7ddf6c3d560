//! MTA-STS (RFC 8461): the `_mta-sts` TXT record (§3.1), the policy file
//! served at `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` (§3.2), MX
//! matching (§4.1) and the verdict.
//!
//! Not done here: fetching the policy (HTTPS, its certificate, the
//! `text/plain` media type): the caller hands the body in.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    normalize_host, tag_list, Assessment, CheckVerdict, Finding, LookupFailure, Selection,
};

/// The longest `max_age` allowed (§3.2: about one year).
pub const MAX_MAX_AGE: u32 = 31_557_600;

/// A `max_age` under this (one day) warns.
pub const SHORT_MAX_AGE: u32 = 86_400;

/// The MTA-STS records among the TXT strings of `_mta-sts.DOMAIN`: those
/// that start with `v=STSv1` (exact case, §3.1) then `;`, a blank or the end.
pub fn mta_sts_records(txts: &[String]) -> Selection {
    Selection::pick(txts, "v=STSv1", &[';', ' ', '\t'], true)
}

/// Why an MTA-STS TXT record or policy does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum MtaStsError {
    /// The TXT record does not start with `v=STSv1`.
    #[error("the record does not start with v=STSv1")]
    NotSts,
    /// A TXT element is not `name=value`.
    #[error("not a name=value pair: {element:?}")]
    NotATag {
        /// The element.
        element: String,
    },
    /// The TXT record has no `id=`.
    #[error("the record has no id=")]
    MissingId,
    /// An `id` that is not 1 to 32 letters and digits.
    #[error("invalid id: {value:?} (1 to 32 letters and digits)")]
    BadId {
        /// The value.
        value: String,
    },
    /// An extension field whose name or value breaks the ABNF.
    #[error("invalid extension field: {field}")]
    BadExtension {
        /// The field as written.
        field: String,
    },
    /// A field given twice (`mx` excepted).
    #[error("field given twice: {field}")]
    DuplicateField {
        /// The field name.
        field: String,
    },
    /// A policy line that is not `key: value`.
    #[error("not a key: value line: {line:?}")]
    NotALine {
        /// The line.
        line: String,
    },
    /// A required policy field is missing (`version`, `mode`, `max_age`,
    /// or `mx` unless the mode is `none`).
    #[error("the policy has no {field} field")]
    MissingField {
        /// The field name.
        field: String,
    },
    /// `version` is not `STSv1`.
    #[error("unsupported policy version: {value:?}")]
    BadVersion {
        /// The value.
        value: String,
    },
    /// `mode` is not `enforce`, `testing` or `none`.
    #[error("invalid mode: {value:?}")]
    BadMode {
        /// The value.
        value: String,
    },
    /// `max_age` is not 1 to 10 digits or is above 31557600.
    #[error("invalid max_age: {value:?} (seconds, at most 31557600)")]
    BadMaxAge {
        /// The value.
        value: String,
    },
    /// An `mx` pattern that is no host name (with an optional `*.`).
    #[error("invalid mx pattern: {value:?}")]
    BadMx {
        /// The value.
        value: String,
    },
}

/// The parsed `_mta-sts` TXT record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MtaStsTxt {
    /// `id=`: changes whenever the policy changes.
    pub id: String,
    /// Other fields (ignored by senders).
    pub extensions: Vec<(String, String)>,
}

fn valid_extension(name: &str, value: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !value.is_empty()
        && value
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b';' && b != b'=')
}

impl MtaStsTxt {
    /// Parses `v=STSv1; id=…;` (§3.1; `v` and `id` in exact case).
    pub fn parse(text: &str) -> Result<Self, MtaStsError> {
        let pairs = tag_list(text).map_err(|element| MtaStsError::NotATag { element })?;
        let mut pairs = pairs.into_iter();
        if pairs.next() != Some(("v", "STSv1")) {
            return Err(MtaStsError::NotSts);
        }
        let mut id = None;
        let mut extensions: Vec<(String, String)> = Vec::new();
        for (name, value) in pairs {
            if name == "id" {
                if id.is_some() {
                    return Err(MtaStsError::DuplicateField { field: "id".into() });
                }
                let good = (1..=32).contains(&value.len())
                    && value.bytes().all(|b| b.is_ascii_alphanumeric());
                if !good {
                    return Err(MtaStsError::BadId {
                        value: value.into(),
                    });
                }
                id = Some(value.to_owned());
            } else if !valid_extension(name, value) {
                return Err(MtaStsError::BadExtension {
                    field: format!("{name}={value}"),
                });
            } else if extensions.iter().any(|(n, _)| n == name) {
                return Err(MtaStsError::DuplicateField { field: name.into() });
            } else {
                extensions.push((name.into(), value.into()));
            }
        }
        Ok(Self {
            id: id.ok_or(MtaStsError::MissingId)?,
            extensions,
        })
    }
}

/// A policy's mode (§5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MtaStsMode {
    /// Senders must not deliver without valid TLS to a matching MX.
    Enforce,
    /// Senders deliver anyway and report failures (TLS-RPT).
    Testing,
    /// No policy (used to withdraw one).
    None,
}

impl MtaStsMode {
    /// `enforce`, `testing` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enforce => "enforce",
            Self::Testing => "testing",
            Self::None => "none",
        }
    }
}

impl fmt::Display for MtaStsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MtaStsPolicy {
    /// `mode:`.
    pub mode: MtaStsMode,
    /// `max_age:` seconds a sender caches the policy.
    pub max_age: u32,
    /// `mx:` patterns in order (`*.example.com` or a host name).
    pub mx: Vec<String>,
    /// Other fields (ignored by senders).
    pub extensions: Vec<(String, String)>,
}

/// A host name of letters, digits and hyphens in dot-separated labels.
fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

impl MtaStsPolicy {
    /// Parses a policy file (§3.2): `key: value` lines ended by CRLF or LF
    /// (blank lines skipped); keys in exact case; `version: STSv1`, `mode`,
    /// `max_age` once each, `mx` at least once unless `mode: none`.
    pub fn parse(body: &str) -> Result<Self, MtaStsError> {
        let (mut version, mut mode, mut max_age) = (false, None, None);
        let mut mx = Vec::new();
        let mut extensions: Vec<(String, String)> = Vec::new();
        for line in body.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() {
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(MtaStsError::NotALine { line: line.into() });
            };
            let value = value.trim_matches([' ', '\t']);
            let once = |seen: bool| match seen {
                true => Err(MtaStsError::DuplicateField { field: key.into() }),
                false => Ok(()),
            };
            match key {
                "version" => {
                    once(version)?;
                    if value != "STSv1" {
                        return Err(MtaStsError::BadVersion {
                            value: value.into(),
                        });
                    }
                    version = true;
                }
                "mode" => {
                    once(mode.is_some())?;
                    mode = Some(match value {
                        "enforce" => MtaStsMode::Enforce,
                        "testing" => MtaStsMode::Testing,
                        "none" => MtaStsMode::None,
                        _ => {
                            return Err(MtaStsError::BadMode {
                                value: value.into(),
                            })
                        }
                    });
                }
                "max_age" => {
                    once(max_age.is_some())?;
                    let digits = (1..=10).contains(&value.len())
                        && value.bytes().all(|b| b.is_ascii_digit());
                    let seconds = value
                        .parse::<u64>()
                        .ok()
                        .filter(|s| digits && *s <= u64::from(MAX_MAX_AGE))
                        .and_then(|s| u32::try_from(s).ok());
                    max_age = Some(seconds.ok_or_else(|| MtaStsError::BadMaxAge {
                        value: value.into(),
                    })?);
                }
                "mx" => {
                    let host = value.strip_prefix("*.").unwrap_or(value);
                    if !valid_host(host.strip_suffix('.').unwrap_or(host)) {
                        return Err(MtaStsError::BadMx {
                            value: value.into(),
                        });
                    }
                    mx.push(value.to_owned());
                }
                _ => {
                    if !valid_extension(key, value) {
                        return Err(MtaStsError::BadExtension { field: line.into() });
                    }
                    extensions.push((key.into(), value.into()));
                }
            }
        }
        let missing = |field: &str| MtaStsError::MissingField {
            field: field.into(),
        };
        if !version {
            return Err(missing("version"));
        }
        let mode = mode.ok_or_else(|| missing("mode"))?;
        let max_age = max_age.ok_or_else(|| missing("max_age"))?;
        if mx.is_empty() && mode != MtaStsMode::None {
            return Err(missing("mx"));
        }
        Ok(Self {
            mode,
            max_age,
            mx,
            extensions,
        })
    }

    /// The first pattern that `host` matches (§4.1): exactly, or a
    /// `*.` pattern standing for exactly one leftmost label; without case
    /// or trailing dot.
    pub fn matching_pattern(&self, host: &str) -> Option<&str> {
        let host = normalize_host(host);
        self.mx
            .iter()
            .find(|pattern| {
                let pattern = normalize_host(pattern);
                match pattern.strip_prefix("*.") {
                    Some(suffix) => host
                        .split_once('.')
                        .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
                    None => host == pattern,
                }
            })
            .map(String::as_str)
    }

    /// Whether `host` matches one of the `mx` patterns.
    pub fn matches_mx(&self, host: &str) -> bool {
        self.matching_pattern(host).is_some()
    }
}

/// What the MTA-STS check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum MtaStsFinding {
    /// No `_mta-sts` record: MTA-STS is not deployed (warn).
    #[error("the domain publishes no MTA-STS record")]
    NoRecord,
    /// Several `v=STSv1` records: senders assume no policy (fail).
    #[error("{count} MTA-STS records are published; senders then assume none")]
    SeveralRecords {
        /// How many.
        count: usize,
    },
    /// The TXT record or the policy does not parse (fail).
    #[error("the MTA-STS {} does not parse: {error}", if *policy { "policy" } else { "record" })]
    Syntax {
        /// `true`: the policy file; `false`: the TXT record.
        policy: bool,
        /// What is wrong.
        error: MtaStsError,
    },
    /// The TXT lookup failed: nothing decided (warn).
    #[error("the TXT lookup of the MTA-STS record failed: {failure}")]
    LookupFailed {
        /// How.
        failure: LookupFailure,
    },
    /// `mode: enforce` (pass).
    #[error("mode enforce: senders deliver only over valid TLS to a listed MX")]
    Enforced,
    /// `mode: testing` (warn).
    #[error("mode testing: failures are reported but mail is delivered anyway")]
    Testing,
    /// `mode: none` (warn).
    #[error("mode none: the policy is withdrawn")]
    ModeNone,
    /// `max_age` under a day (warn).
    #[error("max_age {max_age} s is under a day: senders forget the policy quickly")]
    ShortMaxAge {
        /// The value.
        max_age: u32,
    },
    /// An MX host the policy lists (pass).
    #[error("MX {host} matches {pattern}")]
    MxMatched {
        /// The MX host.
        host: String,
        /// The pattern it matches.
        pattern: String,
    },
    /// An MX host no pattern matches: senders refuse it (fail).
    #[error("MX {host} matches no mx pattern of the policy")]
    MxNotMatched {
        /// The MX host.
        host: String,
    },
    /// The policy was served with a media type other than `text/plain`
    /// (RFC 8461 §3.2; strict senders ignore it) (warn).
    #[error("the policy is served as {found:?}, not text/plain")]
    ContentType {
        /// The `Content-Type` header, or empty when there was none.
        found: String,
    },
}

/// The finding about a fetched policy's `Content-Type`, if it is not
/// `text/plain` (parameters such as `charset` are fine).
pub fn content_type_finding(content_type: Option<&str>) -> Option<MtaStsFinding> {
    let found = content_type.unwrap_or("");
    let media = found.split(';').next().unwrap_or("").trim();
    (!media.eq_ignore_ascii_case("text/plain")).then(|| MtaStsFinding::ContentType {
        found: found.to_owned(),
    })
}

impl Finding for MtaStsFinding {
    fn verdict(&self) -> CheckVerdict {
        match self {
            Self::Enforced | Self::MxMatched { .. } => CheckVerdict::Pass,
            Self::NoRecord
            | Self::LookupFailed { .. }
            | Self::Testing
            | Self::ContentType { .. }
            | Self::ModeNone
            | Self::ShortMaxAge { .. } => CheckVerdict::Warn,
            Self::SeveralRecords { .. } | Self::Syntax { .. } | Self::MxNotMatched { .. } => {
                CheckVerdict::Fail
            }
        }
    }
}

/// The check of the `_mta-sts.DOMAIN` TXT answer: absent or a failed
/// lookup warn, several or unparsable records fail. Returns the record
/// when there is one (then fetch the policy).
pub fn mta_sts_txt_check(
    answer: Result<&[String], LookupFailure>,
) -> (Option<MtaStsTxt>, Assessment<MtaStsFinding>) {
    let one = |finding| Assessment::from_findings(vec![finding]);
    let txts = match answer {
        Ok(txts) => txts,
        Err(failure) if failure.is_absent() => &[],
        Err(failure) => return (None, one(MtaStsFinding::LookupFailed { failure })),
    };
    match mta_sts_records(txts) {
        Selection::None => (None, one(MtaStsFinding::NoRecord)),
        Selection::Several(records) => (
            None,
            one(MtaStsFinding::SeveralRecords {
                count: records.len(),
            }),
        ),
        Selection::One(text) => match MtaStsTxt::parse(&text) {
            Ok(txt) => (Some(txt), Assessment::from_findings(Vec::new())),
            Err(error) => (
                None,
                one(MtaStsFinding::Syntax {
                    policy: false,
                    error,
                }),
            ),
        },
    }
}

/// Judges a policy against the domain's MX hosts: mode `none`/`testing`
/// and a `max_age` under a day warn, `enforce` passes, an MX no pattern
/// matches fails (not judged under mode `none`).
pub fn mta_sts_verdict(policy: &MtaStsPolicy, mx_hosts: &[String]) -> Assessment<MtaStsFinding> {
    let mut findings = vec![match policy.mode {
        MtaStsMode::Enforce => MtaStsFinding::Enforced,
        MtaStsMode::Testing => MtaStsFinding::Testing,
        MtaStsMode::None => MtaStsFinding::ModeNone,
    }];
    if policy.max_age < SHORT_MAX_AGE {
        findings.push(MtaStsFinding::ShortMaxAge {
            max_age: policy.max_age,
        });
    }
    if policy.mode != MtaStsMode::None {
        for host in mx_hosts {
            findings.push(match policy.matching_pattern(host) {
                Some(pattern) => MtaStsFinding::MxMatched {
                    host: host.clone(),
                    pattern: pattern.into(),
                },
                None => MtaStsFinding::MxNotMatched { host: host.clone() },
            });
        }
    }
    Assessment::from_findings(findings)
}

/// Parses a fetched policy body and judges it ([`mta_sts_verdict`]); a
/// body that does not parse fails.
pub fn mta_sts_policy_check(
    body: &str,
    mx_hosts: &[String],
) -> (Option<MtaStsPolicy>, Assessment<MtaStsFinding>) {
    match MtaStsPolicy::parse(body) {
        Ok(policy) => {
            let assessment = mta_sts_verdict(&policy, mx_hosts);
            (Some(policy), assessment)
        }
        Err(error) => (
            None,
            Assessment::from_findings(vec![MtaStsFinding::Syntax {
                policy: true,
                error,
            }]),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// gmail.com's policy as served (CRLF lines).
    const GMAIL: &str = "version: STSv1\r\nmode: enforce\r\nmx: gmail-smtp-in.l.google.com\r\n\
        mx: *.gmail-smtp-in.l.google.com\r\nmax_age: 86400\r\n";
    /// Microsoft's outlook.com policy (LF lines).
    const OUTLOOK: &str =
        "version: STSv1\nmode: enforce\nmx: *.mail.protection.outlook.com\nmax_age: 604800\n";

    fn hosts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn policy(body: &str) -> MtaStsPolicy {
        MtaStsPolicy::parse(body).expect("parses")
    }

    fn error(body: &str) -> MtaStsError {
        MtaStsPolicy::parse(body).expect_err("refused")
    }

    #[test]
    fn only_text_plain_is_the_right_media_type() {
        assert_eq!(content_type_finding(Some("text/plain")), None);
        assert_eq!(
            content_type_finding(Some("Text/Plain; charset=utf-8")),
            None
        );
        for other in [Some("text/html"), Some("application/octet-stream"), None] {
            let finding = content_type_finding(other).expect("a finding");
            assert_eq!(finding.verdict(), CheckVerdict::Warn, "{other:?}");
        }
    }

    #[test]
    fn the_txt_record_parses() {
        let txt = MtaStsTxt::parse("v=STSv1; id=20190429T010101;").expect("parses");
        assert_eq!(txt.id, "20190429T010101");
        let txt = MtaStsTxt::parse("v=STSv1;id=1;ext-1=x").expect("parses");
        assert_eq!(txt.extensions, [("ext-1".to_owned(), "x".to_owned())]);
    }

    #[test]
    fn broken_txt_records_are_named() {
        let err = |text: &str| MtaStsTxt::parse(text).expect_err("refused");
        assert_eq!(err("v=stsv1; id=1"), MtaStsError::NotSts);
        assert_eq!(err("id=1; v=STSv1"), MtaStsError::NotSts);
        assert_eq!(err("v=STSv1;"), MtaStsError::MissingId);
        assert_eq!(
            err("v=STSv1; id=2019-04-29"),
            MtaStsError::BadId {
                value: "2019-04-29".into()
            }
        );
        assert_eq!(
            err("v=STSv1; id=1; id=2"),
            MtaStsError::DuplicateField { field: "id".into() }
        );
        assert_eq!(
            err("v=STSv1; id=1; x"),
            MtaStsError::NotATag {
                element: "x".into()
            }
        );
    }

    #[test]
    fn the_txt_check_selects_one_record() {
        let (txt, assessment) = mta_sts_txt_check(Ok(&hosts(&["v=STSv1; id=abc"])));
        assert_eq!(txt.map(|t| t.id), Some("abc".into()));
        assert_eq!(assessment.verdict, CheckVerdict::Pass);
        let (_, assessment) = mta_sts_txt_check(Err(LookupFailure::Nxdomain));
        assert_eq!(assessment.findings, [MtaStsFinding::NoRecord]);
        assert_eq!(assessment.verdict, CheckVerdict::Warn);
        let (_, assessment) = mta_sts_txt_check(Ok(&hosts(&["v=STSv1; id=a", "v=STSv1; id=b"])));
        assert_eq!(
            assessment.findings,
            [MtaStsFinding::SeveralRecords { count: 2 }]
        );
        assert_eq!(assessment.verdict, CheckVerdict::Fail);
        let (_, assessment) = mta_sts_txt_check(Ok(&hosts(&["v=STSv1; id=not-ok"])));
        assert_eq!(assessment.verdict, CheckVerdict::Fail);
    }

    #[test]
    fn gmails_policy_parses_with_crlf() {
        let p = policy(GMAIL);
        assert_eq!(p.mode, MtaStsMode::Enforce);
        assert_eq!(p.max_age, 86_400);
        assert_eq!(
            p.mx,
            ["gmail-smtp-in.l.google.com", "*.gmail-smtp-in.l.google.com"]
        );
        let assessment = mta_sts_verdict(
            &p,
            &hosts(&[
                "gmail-smtp-in.l.google.com.",
                "alt1.gmail-smtp-in.l.google.com",
            ]),
        );
        assert_eq!(assessment.verdict, CheckVerdict::Pass);
    }

    #[test]
    fn outlooks_policy_parses_with_lf() {
        let p = policy(OUTLOOK);
        assert_eq!(p.max_age, 604_800);
        assert!(!p.matches_mx("outlook-com.olc.protection.outlook.com"));
        assert!(p.matches_mx("OUTLOOK-COM.mail.protection.outlook.com"));
    }

    #[test]
    fn a_wildcard_matches_exactly_one_leftmost_label() {
        let p = policy("version: STSv1\nmode: enforce\nmax_age: 86400\nmx: *.example.com\nmx: mail.example.net.\n");
        assert!(p.matches_mx("mx1.example.com"));
        assert!(p.matches_mx("MX1.Example.COM."));
        assert!(!p.matches_mx("example.com"));
        assert!(!p.matches_mx("a.b.example.com"));
        assert!(!p.matches_mx(".example.com"));
        assert!(p.matches_mx("mail.example.net"));
        assert!(!p.matches_mx("x.mail.example.net"));
        assert_eq!(p.matching_pattern("mx1.example.com"), Some("*.example.com"));
    }

    #[test]
    fn required_fields_are_named() {
        let missing = |field: &str| MtaStsError::MissingField {
            field: field.into(),
        };
        assert_eq!(
            error("mode: enforce\nmax_age: 86400\nmx: a.example.com"),
            missing("version")
        );
        assert_eq!(
            error("version: STSv1\nmax_age: 86400\nmx: a.example.com"),
            missing("mode")
        );
        assert_eq!(
            error("version: STSv1\nmode: enforce\nmx: a.example.com"),
            missing("max_age")
        );
        assert_eq!(
            error("version: STSv1\nmode: testing\nmax_age: 86400"),
            missing("mx")
        );
        assert!(MtaStsPolicy::parse("version: STSv1\nmode: none\nmax_age: 86400\n").is_ok());
    }

    #[test]
    fn bad_values_are_named() {
        let base = "version: STSv1\nmx: a.example.com\n";
        assert_eq!(
            error(&format!("{base}mode: Enforce\nmax_age: 1")),
            MtaStsError::BadMode {
                value: "Enforce".into()
            }
        );
        assert_eq!(
            error(&format!("{base}mode: enforce\nmax_age: 31557601")),
            MtaStsError::BadMaxAge {
                value: "31557601".into()
            }
        );
        assert_eq!(
            error(&format!("{base}mode: enforce\nmax_age: 1d")),
            MtaStsError::BadMaxAge { value: "1d".into() }
        );
        assert_eq!(
            error("version: STSv2\nmode: enforce\nmax_age: 1\nmx: a.example.com"),
            MtaStsError::BadVersion {
                value: "STSv2".into()
            }
        );
        assert_eq!(
            error("version: STSv1\nmode: enforce\nmax_age: 1\nmx: mail.*.example.com"),
            MtaStsError::BadMx {
                value: "mail.*.example.com".into()
            }
        );
        assert_eq!(
            error(&format!("{base}mode: enforce\nmode: testing\nmax_age: 1")),
            MtaStsError::DuplicateField {
                field: "mode".into()
            }
        );
        assert_eq!(
            error(&format!("{base}mode = enforce")),
            MtaStsError::NotALine {
                line: "mode = enforce".into()
            }
        );
        assert_eq!(
            policy(&format!("{base}mode: enforce\nmax_age: 31557600")).max_age,
            MAX_MAX_AGE
        );
    }

    #[test]
    fn testing_and_none_warn_enforce_passes() {
        let with_mode = |mode: &str| {
            policy(&format!(
                "version: STSv1\nmode: {mode}\nmax_age: 604800\nmx: *.example.com\n"
            ))
        };
        let mx = hosts(&["mx1.example.com"]);
        let enforce = mta_sts_verdict(&with_mode("enforce"), &mx);
        assert_eq!(enforce.verdict, CheckVerdict::Pass);
        assert_eq!(enforce.findings[0], MtaStsFinding::Enforced);
        let testing = mta_sts_verdict(&with_mode("testing"), &mx);
        assert_eq!(testing.verdict, CheckVerdict::Warn);
        assert_eq!(testing.findings[0], MtaStsFinding::Testing);
        let none = mta_sts_verdict(&with_mode("none"), &hosts(&["elsewhere.example.org"]));
        assert_eq!(none.verdict, CheckVerdict::Warn);
        assert_eq!(none.findings, [MtaStsFinding::ModeNone]);
    }

    #[test]
    fn a_max_age_under_a_day_warns() {
        let p = policy("version: STSv1\nmode: enforce\nmax_age: 3600\nmx: mx.example.com\n");
        let assessment = mta_sts_verdict(&p, &hosts(&["mx.example.com"]));
        assert_eq!(assessment.verdict, CheckVerdict::Warn);
        assert!(assessment
            .findings
            .contains(&MtaStsFinding::ShortMaxAge { max_age: 3600 }));
    }

    #[test]
    fn an_unlisted_mx_fails() {
        let p = policy(OUTLOOK);
        let assessment = mta_sts_verdict(
            &p,
            &hosts(&[
                "contoso-com.mail.protection.outlook.com",
                "backup.contoso.com",
            ]),
        );
        assert_eq!(assessment.verdict, CheckVerdict::Fail);
        assert_eq!(
            assessment.findings.last(),
            Some(&MtaStsFinding::MxNotMatched {
                host: "backup.contoso.com".into()
            })
        );
    }

    #[test]
    fn an_unparsable_policy_fails() {
        let (p, assessment) = mta_sts_policy_check("<html>Not found</html>", &[]);
        assert!(p.is_none());
        assert_eq!(assessment.verdict, CheckVerdict::Fail);
        assert_eq!(
            assessment.findings[0].to_string(),
            "the MTA-STS policy does not parse: not a key: value line: \"<html>Not found</html>\""
        );
        let (p, _) = mta_sts_policy_check(GMAIL, &[]);
        assert!(p.is_some());
    }
}
