//! Why TLS failed, in the user's terms ([`TlsFailure`], [`TlsFailureKind`]),
//! and the mapping from rustls's errors to them.

use std::fmt;

use rustls::pki_types::CertificateDer;
use rustls::{CertificateError, Error};
use serde::{Deserialize, Serialize};

use super::certificate::Certificate;

/// What kind of TLS problem ended (or, unverified, would have ended) a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsFailureKind {
    /// STARTTLS was required but the EHLO reply did not offer it.
    NotOffered,
    /// The certificate's not-after date has passed.
    Expired,
    /// The certificate's not-before date has not come yet.
    NotYetValid,
    /// The chain does not lead to a trusted CA.
    UnknownIssuer,
    /// The chain does not lead to a trusted CA, and the server certificate
    /// is its own issuer.
    SelfSigned,
    /// The certificate is not valid for the host name (or IP) used.
    NameMismatch,
    /// The certificate is revoked.
    Revoked,
    /// Any other certificate problem (bad signature, wrong purpose, …).
    BadCertificate,
    /// The server answered with something that is not TLS (e.g. a
    /// plaintext greeting on an implicit-TLS connection).
    NotTls,
    /// The handshake failed for another reason (an alert from the server,
    /// no common protocol version or cipher, a malformed message).
    Handshake,
    /// The host is neither a DNS name nor an IP address usable for TLS.
    InvalidServerName,
}

impl TlsFailureKind {
    /// A short title, e.g. `certificate expired`.
    pub fn title(self) -> &'static str {
        match self {
            Self::NotOffered => "STARTTLS not offered",
            Self::Expired => "certificate expired",
            Self::NotYetValid => "certificate not yet valid",
            Self::UnknownIssuer => "certificate issuer unknown",
            Self::SelfSigned => "self-signed certificate",
            Self::NameMismatch => "certificate name mismatch",
            Self::Revoked => "certificate revoked",
            Self::BadCertificate => "invalid certificate",
            Self::NotTls => "the server does not speak TLS here",
            Self::Handshake => "TLS handshake failed",
            Self::InvalidServerName => "invalid TLS server name",
        }
    }

    /// True for problems found by the certificate check.
    pub fn is_certificate(self) -> bool {
        matches!(
            self,
            Self::Expired
                | Self::NotYetValid
                | Self::UnknownIssuer
                | Self::SelfSigned
                | Self::NameMismatch
                | Self::Revoked
                | Self::BadCertificate
        )
    }
}

/// A TLS problem: its kind and a sentence of detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsFailure {
    /// What went wrong.
    pub kind: TlsFailureKind,
    /// The specifics (rustls's message, the names presented, …).
    pub detail: String,
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.title(), self.detail)
    }
}

/// Turns a rustls error into the user's terms. `chain` (the server's
/// certificates) tells a self-signed certificate from an unknown issuer;
/// `first_bytes` (the first server bytes) tells plaintext from TLS.
pub(crate) fn classify(
    error: &Error,
    chain: &[CertificateDer<'_>],
    first_bytes: &[u8],
) -> TlsFailure {
    use TlsFailureKind as K;
    let kind = match error {
        Error::InvalidCertificate(cert) => match cert {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => K::Expired,
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                K::NotYetValid
            }
            CertificateError::UnknownIssuer => match chain.first() {
                Some(end_entity) if is_self_issued(end_entity) => K::SelfSigned,
                _ => K::UnknownIssuer,
            },
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                K::NameMismatch
            }
            CertificateError::Revoked => K::Revoked,
            _ => K::BadCertificate,
        },
        Error::NoCertificatesPresented => K::BadCertificate,
        Error::UnsupportedNameType => K::InvalidServerName,
        _ if looks_like_plaintext(first_bytes) => {
            return TlsFailure {
                kind: K::NotTls,
                detail: format!(
                    "the server sent {:?} instead of a TLS handshake; is this a plaintext (STARTTLS) port?",
                    String::from_utf8_lossy(first_bytes).trim_end()
                ),
            };
        }
        _ => K::Handshake,
    };
    TlsFailure {
        kind,
        detail: error.to_string(),
    }
}

/// Server bytes that start like SMTP text rather than a TLS record (whose
/// first byte is a content type, 20 to 24).
fn looks_like_plaintext(bytes: &[u8]) -> bool {
    bytes.first().is_some_and(|b| !(20..=24).contains(b))
        && bytes
            .iter()
            .all(|b| b.is_ascii_graphic() || matches!(b, b' ' | b'\r' | b'\n' | b'\t'))
}

/// Subject and issuer are the same name (an unreadable certificate is not).
fn is_self_issued(der: &CertificateDer<'_>) -> bool {
    Certificate::from_der(der).is_ok_and(|cert| cert.subject.raw == cert.issuer.raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn plaintext_is_told_apart_from_tls_records() {
        assert!(looks_like_plaintext(b"220 mx.example.com ESMTP\r\n"));
        assert!(!looks_like_plaintext(&[0x16, 0x03, 0x03, 0x00, 0x7a]));
        assert!(!looks_like_plaintext(&[0x15, 0x03, 0x03]));
        assert!(!looks_like_plaintext(b""));
    }
}
