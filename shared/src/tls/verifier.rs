//! A server-certificate verifier that runs rustls's WebPKI verifier,
//! records what it found (the chain, the result and the time it checked
//! against), and, when the user chose "continue without verification",
//! accepts the certificate anyway.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, DistinguishedName, Error, SignatureScheme};

/// What the certificate check found, for the report.
#[derive(Debug, Clone)]
pub(crate) struct CheckRecord {
    /// The end-entity certificate, then the intermediates, as sent.
    pub(crate) chain: Vec<CertificateDer<'static>>,
    /// WebPKI's verdict (chain, validity, name).
    pub(crate) result: Result<(), Error>,
    /// The time the validity was checked against.
    pub(crate) now: UnixTime,
}

/// Where the verifier leaves its [`CheckRecord`] for the channel to read.
pub(crate) type CheckSlot = Arc<Mutex<Option<CheckRecord>>>;

/// Wraps [`WebPkiServerVerifier`]; see the module doc.
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    /// The real check.
    inner: Arc<WebPkiServerVerifier>,
    /// Fail the handshake when the check fails.
    enforce: bool,
    /// Where the result goes; read by the channel after the handshake.
    record: CheckSlot,
}

impl RecordingVerifier {
    pub(crate) fn new(inner: Arc<WebPkiServerVerifier>, enforce: bool, record: CheckSlot) -> Self {
        Self {
            inner,
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
        let result = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map(|_| ());
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
        });
        match result {
            Err(e) if self.enforce => Err(e),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}
