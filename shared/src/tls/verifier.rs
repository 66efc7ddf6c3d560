//! A server-certificate verifier that runs rustls's WebPKI verifier,
//! records what it found (the chain, the result and the time it checked
//! against), and, when the user chose "continue without verification",
//! accepts the certificate anyway. A server certificate whose SHA-256 is
//! pinned is accepted whatever the WebPKI check says (`super::pin`).

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, SignatureScheme};
use sha2::{Digest, Sha256};

/// What the certificate check found, for the report.
#[derive(Debug, Clone)]
pub(crate) struct CheckRecord {
    /// The end-entity certificate, then the intermediates, as sent.
    pub(crate) chain: Vec<CertificateDer<'static>>,
    /// WebPKI's verdict (chain, validity, name).
    pub(crate) result: Result<(), Error>,
    /// The time the validity was checked against.
    pub(crate) now: UnixTime,
    /// The server certificate's SHA-256 matched a pin: it was trusted
    /// exactly, whatever `result` says.
    pub(crate) pinned: bool,
}

/// Where the verifier leaves its [`CheckRecord`] for the channel to read.
pub(crate) type CheckSlot = Arc<Mutex<Option<CheckRecord>>>;

/// Wraps [`WebPkiServerVerifier`]; see the module doc.
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    /// The real check; `None` when only pins are trusted.
    inner: Option<Arc<WebPkiServerVerifier>>,
    /// The handshake signature algorithms (the provider's).
    algorithms: WebPkiSupportedAlgorithms,
    /// SHA-256 of the certificates trusted exactly.
    pins: Arc<Vec<[u8; 32]>>,
    /// Fail the handshake when the check fails.
    enforce: bool,
    /// Where the result goes; read by the channel after the handshake.
    record: CheckSlot,
}

impl RecordingVerifier {
    pub(crate) fn new(
        inner: Option<Arc<WebPkiServerVerifier>>,
        algorithms: WebPkiSupportedAlgorithms,
        pins: Arc<Vec<[u8; 32]>>,
        enforce: bool,
        record: CheckSlot,
    ) -> Self {
        Self {
            inner,
            algorithms,
            pins,
            enforce,
            record,
        }
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let result = match &self.inner {
            Some(inner) => inner
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map(|_| ()),
            None => Err(CertificateError::UnknownIssuer.into()),
        };
        let sha: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        let pinned = self.pins.contains(&sha);
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        // A poisoned lock only means another thread panicked mid-write; the
        // record is still the best information there is.
        let mut slot = self.record.lock().unwrap_or_else(|p| p.into_inner());
        *slot = Some(CheckRecord {
            chain,
            result: result.clone(),
            now,
            pinned,
        });
        match result {
            Err(e) if self.enforce && !pinned => Err(e),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.inner.as_ref().and_then(|v| v.root_hint_subjects())
    }
}
