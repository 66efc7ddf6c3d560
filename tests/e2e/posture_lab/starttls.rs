//! A real STARTTLS handshake with rustls that accepts any certificate, only
//! to read what the server presents, and the test CA's verdict on it.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore};

/// What one MX showed: its greeting, its EHLO lines and, after STARTTLS,
/// its certificate.
#[derive(Debug)]
pub(crate) struct Presented {
    /// The 220 line.
    pub(crate) greeting: String,
    /// The EHLO reply's lines.
    pub(crate) ehlo: Vec<String>,
    /// The leaf certificate, DER.
    pub(crate) certificate: Vec<u8>,
}

/// Greeting, EHLO, STARTTLS, and a handshake (with `sni`) whose only
/// purpose is to read the certificate; then the connection is dropped.
pub(crate) fn presented(addr: SocketAddr, sni: &str) -> Result<Presented, String> {
    let mut tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(tcp.try_clone().map_err(|e| e.to_string())?);
    let greeting = read_reply(&mut reader)?.join("\n");
    tcp.write_all(b"EHLO lab-check.test\r\n")
        .map_err(|e| e.to_string())?;
    let ehlo = read_reply(&mut reader)?;
    tcp.write_all(b"STARTTLS\r\n").map_err(|e| e.to_string())?;
    let ready = read_reply(&mut reader)?;
    if !ready.first().is_some_and(|l| l.starts_with("220")) {
        return Err(format!("{addr}: STARTTLS answered {ready:?}"));
    }
    // The reader holds nothing more: the server waits for the ClientHello.
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnything(provider())))
        .with_no_client_auth();
    let name = ServerName::try_from(sni.to_owned()).map_err(|e| e.to_string())?;
    let mut tls = ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    while tls.is_handshaking() {
        tls.complete_io(&mut tcp)
            .map_err(|e| format!("{addr}: handshake: {e}"))?;
    }
    let certificate = tls
        .peer_certificates()
        .and_then(|chain| chain.first())
        .ok_or_else(|| format!("{addr}: no certificate presented"))?
        .to_vec();
    Ok(Presented {
        greeting,
        ehlo,
        certificate,
    })
}

/// The test CA's (webpki's) verdict on `certificate` for `name` at `now`.
pub(crate) fn verify(
    ca_pem: &str,
    certificate: &[u8],
    name: &str,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    let mut roots = RootCertStore::empty();
    let ca = CertificateDer::from_pem_slice(ca_pem.as_bytes())
        .map_err(|e| rustls::Error::General(e.to_string()))?;
    roots
        .add(ca)
        .map_err(|e| rustls::Error::General(e.to_string()))?;
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|e| rustls::Error::General(e.to_string()))?;
    let name =
        ServerName::try_from(name.to_owned()).map_err(|e| rustls::Error::General(e.to_string()))?;
    verifier
        .verify_server_cert(&CertificateDer::from(certificate), &[], &name, &[], now)
        .map(drop)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// Accepts every certificate; the handshake signatures are still checked.
#[derive(Debug)]
struct AcceptAnything(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The lines of one (multi-line) SMTP reply.
fn read_reply(reader: &mut impl BufRead) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err(format!("closed after {lines:?}"));
        }
        let line = line.trim_end().to_owned();
        let last = line.as_bytes().get(3) != Some(&b'-');
        lines.push(line);
        if last {
            return Ok(lines);
        }
    }
}
