//! TLS-RPT (RFC 8460): the `_smtp._tls` TXT record (§3), its selection
//! and the verdict.

use serde::{Deserialize, Serialize};

use super::{
    looks_like_uri, tag_list, Assessment, CheckVerdict, Finding, LookupFailure, Selection,
};

/// The TLS-RPT records among the TXT strings of `_smtp._tls.DOMAIN`: those
/// that start with `v=TLSRPTv1` (exact case) then `;`, a blank or the end.
pub fn tls_rpt_records(txts: &[String]) -> Selection {
    Selection::pick(txts, "v=TLSRPTv1", &[';', ' ', '\t'], true)
}

/// Why a TLS-RPT record does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum TlsRptError {
    /// The record does not start with `v=TLSRPTv1`.
    #[error("the record does not start with v=TLSRPTv1")]
    NotTlsRpt,
    /// An element is not `name=value`.
    #[error("not a name=value pair: {element:?}")]
    NotATag {
        /// The element.
        element: String,
    },
    /// No `rua=`.
    #[error("the record has no rua=")]
    MissingRua,
    /// A field given twice.
    #[error("field given twice: {field}")]
    DuplicateField {
        /// The field name.
        field: String,
    },
    /// A `rua` entry that is not a `mailto:` or `https:` URI.
    #[error("not a mailto: or https: URI: {uri:?}")]
    BadUri {
        /// The entry.
        uri: String,
    },
}

/// The parsed `_smtp._tls` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsRptRecord {
    /// `rua=`: where reports go (`mailto:` or `https:` URIs), in order.
    pub rua: Vec<String>,
    /// Other fields (ignored by senders).
    pub extensions: Vec<(String, String)>,
}

impl TlsRptRecord {
    /// Parses `v=TLSRPTv1; rua=mailto:…,https://…` (§3; field names in
    /// exact case, `rua` required).
    pub fn parse(text: &str) -> Result<Self, TlsRptError> {
        let pairs = tag_list(text).map_err(|element| TlsRptError::NotATag { element })?;
        let mut pairs = pairs.into_iter();
        if pairs.next() != Some(("v", "TLSRPTv1")) {
            return Err(TlsRptError::NotTlsRpt);
        }
        let mut rua = None;
        let mut extensions: Vec<(String, String)> = Vec::new();
        for (name, value) in pairs {
            let duplicate = if name == "rua" {
                rua.is_some()
            } else {
                extensions.iter().any(|(n, _)| n == name)
            };
            if duplicate {
                return Err(TlsRptError::DuplicateField { field: name.into() });
            }
            if name != "rua" {
                extensions.push((name.into(), value.into()));
                continue;
            }
            let mut uris = Vec::new();
            for uri in value.split(',').map(|u| u.trim_matches([' ', '\t'])) {
                let lower = uri.to_ascii_lowercase();
                let scheme = lower.starts_with("mailto:") || lower.starts_with("https:");
                if !(scheme && looks_like_uri(uri)) {
                    return Err(TlsRptError::BadUri { uri: uri.into() });
                }
                uris.push(uri.to_owned());
            }
            rua = Some(uris);
        }
        Ok(Self {
            rua: rua.ok_or(TlsRptError::MissingRua)?,
            extensions,
        })
    }
}

/// What the TLS-RPT check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum TlsRptFinding {
    /// No `_smtp._tls` record: nobody hears of TLS failures (warn).
    #[error("the domain publishes no TLS-RPT record")]
    NoRecord,
    /// Several records: senders assume none (fail).
    #[error("{count} TLS-RPT records are published; senders then assume none")]
    SeveralRecords {
        /// How many.
        count: usize,
    },
    /// The record does not parse (fail).
    #[error("the TLS-RPT record does not parse: {error}")]
    Syntax {
        /// What is wrong.
        error: TlsRptError,
    },
    /// The TXT lookup failed: nothing decided (warn).
    #[error("the TXT lookup of the TLS-RPT record failed: {failure}")]
    LookupFailed {
        /// How.
        failure: LookupFailure,
    },
    /// Reports go to these addresses (pass).
    #[error("TLS reports go to {}", rua.join(", "))]
    Reporting {
        /// The `rua` URIs.
        rua: Vec<String>,
    },
}

impl Finding for TlsRptFinding {
    fn verdict(&self) -> CheckVerdict {
        match self {
            Self::Reporting { .. } => CheckVerdict::Pass,
            Self::NoRecord | Self::LookupFailed { .. } => CheckVerdict::Warn,
            Self::SeveralRecords { .. } | Self::Syntax { .. } => CheckVerdict::Fail,
        }
    }
}

/// The check of the `_smtp._tls.DOMAIN` TXT answer: one parsable record
/// passes; none or a failed lookup warns; several or a broken one fails.
pub fn tls_rpt_check(
    answer: Result<&[String], LookupFailure>,
) -> (Option<TlsRptRecord>, Assessment<TlsRptFinding>) {
    let one = |finding| (None, Assessment::from_findings(vec![finding]));
    let txts = match answer {
        Ok(txts) => txts,
        Err(failure) if failure.is_absent() => &[],
        Err(failure) => return one(TlsRptFinding::LookupFailed { failure }),
    };
    match tls_rpt_records(txts) {
        Selection::None => one(TlsRptFinding::NoRecord),
        Selection::Several(records) => one(TlsRptFinding::SeveralRecords {
            count: records.len(),
        }),
        Selection::One(text) => match TlsRptRecord::parse(&text) {
            Ok(record) => {
                let assessment = Assessment::from_findings(vec![TlsRptFinding::Reporting {
                    rua: record.rua.clone(),
                }]);
                (Some(record), assessment)
            }
            Err(error) => one(TlsRptFinding::Syntax { error }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// gmail.com's `_smtp._tls` record.
    const GMAIL: &str = "v=TLSRPTv1;rua=mailto:sts-reports@google.com";

    fn txts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn error(text: &str) -> TlsRptError {
        TlsRptRecord::parse(text).expect_err("refused")
    }

    #[test]
    fn gmails_record_parses_and_passes() {
        let (record, assessment) = tls_rpt_check(Ok(&txts(&[GMAIL])));
        assert_eq!(
            record.map(|r| r.rua),
            Some(vec!["mailto:sts-reports@google.com".to_owned()])
        );
        assert_eq!(assessment.verdict, CheckVerdict::Pass);
    }

    #[test]
    fn mailto_and_https_lists_parse() {
        let record = TlsRptRecord::parse(
            "v=TLSRPTv1; rua=mailto:tls@example.com, https://reports.example.com/tls; x=1;",
        )
        .expect("parses");
        assert_eq!(
            record.rua,
            ["mailto:tls@example.com", "https://reports.example.com/tls"]
        );
        assert_eq!(record.extensions, [("x".to_owned(), "1".to_owned())]);
    }

    #[test]
    fn broken_records_are_named() {
        assert_eq!(error("v=TLSRPTv1"), TlsRptError::MissingRua);
        assert_eq!(
            error("v=tlsrptv1; rua=mailto:a@example.com"),
            TlsRptError::NotTlsRpt
        );
        assert_eq!(
            error("v=TLSRPTv1; rua=http://example.com/r"),
            TlsRptError::BadUri {
                uri: "http://example.com/r".into()
            }
        );
        assert_eq!(
            error("v=TLSRPTv1; rua=tls@example.com"),
            TlsRptError::BadUri {
                uri: "tls@example.com".into()
            }
        );
        assert_eq!(
            error("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com"),
            TlsRptError::DuplicateField {
                field: "rua".into()
            }
        );
    }

    #[test]
    fn absence_warns_and_several_or_broken_fail() {
        let (_, none) = tls_rpt_check(Err(LookupFailure::NoRecords));
        assert_eq!(none.verdict, CheckVerdict::Warn);
        assert_eq!(none.findings, [TlsRptFinding::NoRecord]);
        let (_, servfail) = tls_rpt_check(Err(LookupFailure::Servfail));
        assert_eq!(
            servfail.findings,
            [TlsRptFinding::LookupFailed {
                failure: LookupFailure::Servfail
            }]
        );
        let (_, several) = tls_rpt_check(Ok(&txts(&[GMAIL, GMAIL])));
        assert_eq!(several.verdict, CheckVerdict::Fail);
        let (_, broken) = tls_rpt_check(Ok(&txts(&["v=TLSRPTv1; rua="])));
        assert_eq!(broken.verdict, CheckVerdict::Fail);
        assert_eq!(
            tls_rpt_records(&txts(&["v=TLSRPTv10; rua=mailto:a@b.c"])),
            Selection::None
        );
    }
}
