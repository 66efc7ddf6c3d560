//! What the user sees about TLS: the negotiated parameters, the server's
//! certificate chain and what the verification found ([`TlsReport`]).

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

use super::certificate::Certificate;
use super::channel::TlsChannel;
use super::failure::{classify, TlsFailure};
use crate::calendar::utc_timestamp;

/// What the certificate verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// False when the user chose "continue without verification".
    pub enforced: bool,
    /// `None` when the chain leads to a trusted CA, is valid now and names
    /// the host; otherwise what is wrong (with `enforced` false, what the
    /// check would have stopped the session for).
    pub problem: Option<TlsFailure>,
}

impl Verification {
    /// The certificate verified.
    pub fn is_trusted(&self) -> bool {
        self.problem.is_none()
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.problem, self.enforced) {
            (None, true) => f.write_str("certificate verified"),
            (None, false) => {
                f.write_str("verification skipped; the certificate would have verified")
            }
            (Some(p), true) => write!(f, "verification failed: {p}"),
            (Some(p), false) => {
                write!(
                    f,
                    "NOT verified (verification skipped); it would have failed: {p}"
                )
            }
        }
    }
}

/// One certificate of the server's chain, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertInfo {
    /// Subject distinguished name, e.g. `CN=mx.example.com`.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Subject alternative names, as `DNS:…`, `IP:…`, `email:…`, `URI:…`.
    pub sans: Vec<String>,
    /// Start of validity, `YYYY-MM-DD HH:MM:SS UTC`.
    pub not_before: String,
    /// End of validity, `YYYY-MM-DD HH:MM:SS UTC`.
    pub not_after: String,
    /// Start of validity, UNIX seconds.
    pub not_before_unix: i64,
    /// End of validity, UNIX seconds.
    pub not_after_unix: i64,
    /// Whole days from the check time to `not_after` (negative once
    /// expired); `None` without a clock.
    pub days_left: Option<i64>,
    /// `RSA`, `EC P-256`, `EC P-384`, `Ed25519`, … or the algorithm OID.
    pub key_type: String,
    /// Key size in bits, when known.
    pub key_bits: Option<u32>,
    /// SHA-256 of the DER, as colon-separated upper-case hex (as OpenSSL).
    pub sha256: String,
    /// Subject and issuer are the same name.
    pub self_issued: bool,
    /// Set when the DER could not be parsed; then only `sha256` is real.
    pub parse_error: Option<String>,
    /// The digests DANE compares TLSA records with; `None` in reports
    /// saved before they were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dane: Option<DaneDigests>,
}

/// SHA-256 and SHA-512 of a certificate and of its SubjectPublicKeyInfo, as
/// lower-case hex: what TLSA records' selector 0/1 and matching type 1/2
/// name (RFC 6698 §2.1). Matching type 0 (the full data) is compared by
/// hashing the record's data instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaneDigests {
    /// SHA-256 of the whole certificate (DER).
    pub cert_sha256: String,
    /// SHA-512 of the whole certificate.
    pub cert_sha512: String,
    /// SHA-256 of the SubjectPublicKeyInfo; empty when the DER did not read.
    pub spki_sha256: String,
    /// SHA-512 of the SubjectPublicKeyInfo; empty when the DER did not read.
    pub spki_sha512: String,
}

impl DaneDigests {
    /// The digests of one DER certificate (`spki`: its SubjectPublicKeyInfo).
    fn new(der: &[u8], spki: Option<&[u8]>) -> Self {
        let spki_256 = spki.map(|s| hex(&Sha256::digest(s))).unwrap_or_default();
        let spki_512 = spki.map(|s| hex(&Sha512::digest(s))).unwrap_or_default();
        Self {
            cert_sha256: hex(&Sha256::digest(der)),
            cert_sha512: hex(&Sha512::digest(der)),
            spki_sha256: spki_256,
            spki_sha512: spki_512,
        }
    }
}

/// Lower-case hex, as TLSA data is written.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl CertInfo {
    /// Reads one DER certificate; `now_unix` gives `days_left`. A
    /// certificate that does not read still gets its fingerprint, with
    /// `parse_error` saying which field failed.
    pub fn from_der(der: &[u8], now_unix: Option<u64>) -> Self {
        let sha256 = fingerprint(der);
        match Certificate::from_der(der) {
            Ok(cert) => {
                let dane = DaneDigests::new(der, Some(&cert.spki_der()));
                Self {
                    dane: Some(dane),
                    ..Self::from_parsed(cert, sha256, now_unix)
                }
            }
            Err(e) => Self {
                subject: String::new(),
                issuer: String::new(),
                sans: Vec::new(),
                not_before: String::new(),
                not_after: String::new(),
                not_before_unix: 0,
                not_after_unix: 0,
                days_left: None,
                key_type: String::new(),
                key_bits: None,
                sha256,
                self_issued: false,
                parse_error: Some(e.to_string()),
                dane: Some(DaneDigests::new(der, None)),
            },
        }
    }

    fn from_parsed(cert: Certificate<'_>, sha256: String, now_unix: Option<u64>) -> Self {
        Self {
            self_issued: cert.subject.raw == cert.issuer.raw,
            subject: cert.subject.text,
            issuer: cert.issuer.text,
            sans: cert.alt_names.iter().map(ToString::to_string).collect(),
            not_before: utc_timestamp(cert.not_before),
            not_after: utc_timestamp(cert.not_after),
            not_before_unix: cert.not_before,
            not_after_unix: cert.not_after,
            days_left: now_unix
                .and_then(|now| i64::try_from(now).ok())
                .map(|now| (cert.not_after - now).div_euclid(86_400)),
            key_type: cert.key_type,
            key_bits: cert.key_bits,
            sha256,
            parse_error: None,
            dane: None,
        }
    }
}

/// The TLS facts of one session, in [`Event::TlsEstablished`] and in the
/// outcome (also after a failed handshake, with what was known).
///
/// [`Event::TlsEstablished`]: crate::smtp::Event::TlsEstablished
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsReport {
    /// The name sent as SNI and checked against the certificate (the
    /// spec's host; an IP literal is checked against IP SANs, no SNI).
    pub server_name: String,
    /// e.g. `TLSv1.3`; `None` if the handshake failed before it was agreed.
    pub protocol: Option<String>,
    /// e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: Option<String>,
    /// e.g. `X25519`.
    pub key_exchange: Option<String>,
    /// The server's certificates as sent: its own first, then the
    /// intermediates. Empty if none arrived.
    pub chain: Vec<CertInfo>,
    /// What the check found; `None` if the handshake failed before it.
    pub verification: Option<Verification>,
    /// The wall-clock time (UNIX seconds) validity was checked against.
    pub checked_at_unix: Option<u64>,
    /// Set when the server's certificate was trusted exactly because its
    /// SHA-256 (this, `AB:CD:…`) was pinned or the certificate itself was
    /// pasted ("trust exactly this certificate"); issuer, CA flag, names
    /// and dates were then not enforced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_sha256: Option<String>,
}

/// The report for `channel`'s handshake so far.
pub(crate) fn build_report(
    channel: &TlsChannel,
    server_name: &str,
    enforced: bool,
    unix_now: Option<u64>,
) -> TlsReport {
    let record = channel.check_record();
    let checked_at_unix = record.as_ref().map(|r| r.now.as_secs()).or(unix_now);
    let (chain, verification) = match &record {
        Some(record) => (
            record
                .chain
                .iter()
                .map(|der| CertInfo::from_der(der, checked_at_unix))
                .collect(),
            Some(Verification {
                enforced,
                problem: if record.pinned {
                    None
                } else {
                    record
                        .result
                        .as_ref()
                        .err()
                        .map(|e| classify(e, &record.chain, &[]))
                },
            }),
        ),
        None => (Vec::new(), None),
    };
    TlsReport {
        server_name: server_name.to_owned(),
        protocol: channel.protocol(),
        cipher_suite: channel.cipher_suite(),
        key_exchange: channel.key_exchange(),
        chain,
        verification,
        checked_at_unix,
        pinned_sha256: record
            .as_ref()
            .filter(|r| r.pinned)
            .and_then(|r| r.chain.first())
            .map(|der| fingerprint(der)),
    }
}

/// SHA-256 of `der` as `AB:CD:…`.
fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::failure::TlsFailureKind;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn unparsable_der_still_gets_a_fingerprint() {
        let info = CertInfo::from_der(b"not a certificate", Some(0));
        assert_eq!(
            info.parse_error.as_deref(),
            Some("could not read field certificate structure: truncated")
        );
        assert_eq!(info.sha256.len(), 32 * 3 - 1);
        // FIPS 180-2's "abc" vector.
        let abc = fingerprint(b"abc");
        assert!(abc.starts_with("BA:78:16:BF:8F:01"), "{abc}");
        assert!(abc.ends_with("F2:00:15:AD"), "{abc}");
    }

    #[test]
    fn verification_says_when_it_was_skipped() {
        let problem = TlsFailure {
            kind: TlsFailureKind::Expired,
            detail: "not valid after 2025-01-01".into(),
        };
        let skipped = Verification {
            enforced: false,
            problem: Some(problem.clone()),
        };
        assert!(!skipped.is_trusted());
        assert_eq!(
            skipped.to_string(),
            "NOT verified (verification skipped); it would have failed: certificate expired: not valid after 2025-01-01"
        );
        let ok = Verification {
            enforced: true,
            problem: None,
        };
        assert_eq!(ok.to_string(), "certificate verified");
    }
}
