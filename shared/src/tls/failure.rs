//! Why TLS failed, in the user's terms ([`TlsFailure`], [`TlsFailureKind`]),
//! and the mapping from rustls's errors to them.

use std::fmt;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, UnixTime};
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
            _ => return refusal_in_words(error, chain),
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
    let detail = match (kind, chain.first()) {
        (K::SelfSigned, Some(end_entity)) => format!(
            "the server's certificate is self-signed (its own issuer) and not among the trusted CAs; \
             paste it in the CA field, or trust exactly this certificate: put `sha256 {}` there ({error})",
            super::pin::fingerprint(end_entity)
        ),
        _ => error.to_string(),
    };
    TlsFailure { kind, detail }
}

/// A certificate refusal that rustls reports without a specific kind
/// (`Other`, bad encoding, wrong purpose, …), in words. Without rustls's
/// `std` feature (the tab), `Other` carries nothing, so the server's own
/// certificate is checked again here by webpki itself, on its own (no
/// trust anchors, at a time inside its validity): whatever it objects to
/// that does not depend on an issuer (a CA certificate used as the
/// server's own, a wrong or empty extended key usage, bad DER, an
/// unsupported critical extension) is named.
fn refusal_in_words(error: &Error, chain: &[CertificateDer<'_>]) -> TlsFailure {
    use TlsFailureKind as K;
    let end_entity = chain.first();
    let own = end_entity.and_then(end_entity_refusal);
    let self_issued = end_entity.is_some_and(is_self_issued);
    let pin_hint = end_entity.map(|c| {
        format!(
            "trust exactly this certificate: put `sha256 {}` (or the certificate itself) in the CA field",
            super::pin::fingerprint(c)
        )
    });
    let kind = match own {
        Some(webpki::Error::CaUsedAsEndEntity) if self_issued => K::SelfSigned,
        _ => K::BadCertificate,
    };
    let detail = match (&own, pin_hint) {
        (Some(webpki::Error::CaUsedAsEndEntity), Some(pin)) => format!(
            "{} is a CA certificate (basicConstraints CA:TRUE, which `openssl req -x509` sets by default) \
             used as the server's own certificate, which WebPKI refuses even when it is pasted as a trusted CA. \
             Re-issue it without the CA flag (e.g. `-addext basicConstraints=critical,CA:FALSE`), or {pin}.",
            if self_issued {
                "the server's certificate is self-signed and"
            } else {
                "the server's certificate"
            }
        ),
        (Some(e), Some(pin)) => format!("{}; or {pin}.", webpki_words(e)),
        (Some(e), None) => webpki_words(e),
        (None, _) => rustls_words(error),
    };
    TlsFailure { kind, detail }
}

/// What webpki finds wrong with `end_entity` on its own (not counting
/// an unknown issuer), if anything.
fn end_entity_refusal(end_entity: &CertificateDer<'_>) -> Option<webpki::Error> {
    let cert = match webpki::EndEntityCert::try_from(end_entity) {
        Ok(cert) => cert,
        Err(e) => return Some(e),
    };
    // A time inside the certificate's validity, so that dates (which rustls
    // reports by kind) do not hide what follows them.
    let inside = Certificate::from_der(end_entity)
        .ok()
        .and_then(|c| u64::try_from(c.not_before).ok())
        .map_or(UnixTime::since_unix_epoch(Duration::ZERO), |s| {
            UnixTime::since_unix_epoch(Duration::from_secs(s.saturating_add(1)))
        });
    match cert.verify_for_usage(
        &[],
        &[],
        &[],
        inside,
        webpki::KeyUsage::server_auth(),
        None,
        None,
    ) {
        Ok(_) | Err(webpki::Error::UnknownIssuer) => None,
        Err(e) => Some(e),
    }
}

/// A webpki refusal in words.
fn webpki_words(error: &webpki::Error) -> String {
    use webpki::Error as W;
    let words = match error {
        W::BadDer | W::BadDerTime | W::TrailingData(_) => {
            "the certificate is not well-formed DER (it cannot be read)"
        }
        W::CaUsedAsEndEntity => {
            "the server's certificate is a CA certificate (basicConstraints CA:TRUE) used as the server's own certificate; re-issue it without the CA flag"
        }
        W::EndEntityUsedAsCa => {
            "a certificate in the chain that is not a CA (no basicConstraints CA:TRUE) is used as an issuer"
        }
        W::CertDistrusted => "the certificate's key is explicitly distrusted",
        W::EmptyEkuExtension => {
            "the certificate has an extended key usage extension with no purposes in it"
        }
        W::RequiredEkuNotFoundContext(_) => {
            "the certificate's extended key usage does not include TLS server authentication (serverAuth)"
        }
        W::ExtensionValueInvalid | W::MalformedExtensions => {
            "an extension of the certificate is malformed (DNS names must be in the subjectAltName extension)"
        }
        W::UnsupportedCriticalExtension => {
            "the certificate has a critical extension WebPKI does not understand"
        }
        W::UnsupportedCertVersion => "the certificate is not an X.509 version 3 certificate",
        W::InvalidSerialNumber => "the certificate's serial number is malformed or negative",
        W::InvalidCertValidity => "the certificate's validity period ends before it starts",
        W::InvalidSignatureForPublicKey => {
            "a signature in the chain does not match the issuer's key"
        }
        W::SignatureAlgorithmMismatch => {
            "the certificate names two different signature algorithms"
        }
        W::UnsupportedSignatureAlgorithmContext(_)
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "the certificate is signed with an algorithm this client does not accept (e.g. SHA-1)"
        }
        W::NameConstraintViolation | W::MalformedNameConstraint => {
            "the certificate's names are outside what its CA may issue (name constraints)"
        }
        W::PathLenConstraintViolated => {
            "the chain is longer than an issuer's path length constraint allows"
        }
        W::MaximumPathDepthExceeded
        | W::MaximumPathBuildCallsExceeded
        | W::MaximumSignatureChecksExceeded
        | W::MaximumNameConstraintComparisonsExceeded => {
            "the chain is too long or too complex to verify"
        }
        W::MalformedDnsIdentifier => "a DNS name in the certificate is malformed",
        W::CertRevoked => "the certificate is revoked",
        W::UnknownIssuer => "the chain does not lead to a trusted CA",
        _ => return format!("WebPKI refuses the certificate ({error:?})"),
    };
    words.to_owned()
}

/// rustls's own certificate refusals, in words.
fn rustls_words(error: &Error) -> String {
    let words = match error {
        Error::InvalidCertificate(CertificateError::BadEncoding) => {
            "the certificate is not well-formed DER (it cannot be read)"
        }
        Error::InvalidCertificate(CertificateError::BadSignature) => {
            "a signature in the chain does not match the issuer's key (a pasted CA with the right name but another key?)"
        }
        Error::InvalidCertificate(
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. },
        ) => "the certificate's extended key usage does not include TLS server authentication (serverAuth)",
        Error::InvalidCertificate(CertificateError::UnhandledCriticalExtension) => {
            "the certificate has a critical extension WebPKI does not understand"
        }
        Error::InvalidCertificate(
            CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. },
        ) => "the certificate is signed with an algorithm this client does not accept (e.g. SHA-1)",
        Error::InvalidCertificate(CertificateError::UnknownRevocationStatus) => {
            "the certificate's revocation status is unknown"
        }
        Error::InvalidCertificate(CertificateError::Other(_)) => {
            return "a certificate in the chain is refused by WebPKI (an intermediate used as a CA without being one, a path or name constraint, …)".to_owned();
        }
        _ => return error.to_string(),
    };
    format!("{words} ({error})")
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
