//! HTTPS/WSS for the page: the rustls server configuration built from a PEM
//! certificate chain and private key (`--tls-cert`, `--tls-key`), with the
//! ring crypto provider (the one `shared` already uses), HTTP/1.1 only; and
//! the PEM certificate reader it shares with `--mta-sts-ca`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file could not be read or holds no PEM certificate.
    #[error("cannot read a PEM certificate chain from {path}: {reason}")]
    Certificate {
        /// The file given.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The key file could not be read or holds no PEM private key.
    #[error("cannot read a PEM private key from {path}: {reason}")]
    Key {
        /// The file given.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// rustls refused the pair (for example, the key does not match).
    #[error("the certificate and key are not usable together: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Builds the server configuration from PEM files.
///
/// # Errors
/// [`TlsError`] when a file is unreadable, empty of PEM items, or the key
/// does not fit the certificate.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = certificates(cert)?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
        path: key.to_owned(),
        reason: e.to_string(),
    })?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Reads every certificate of a PEM file: a chain to serve (`--tls-cert`)
/// or extra roots to trust (`--mta-sts-ca`).
///
/// # Errors
/// [`TlsError::Certificate`] when the file is unreadable, malformed or has
/// no `CERTIFICATE` block.
pub fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| TlsError::Certificate {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Certificate {
            path: path.to_owned(),
            reason: "no CERTIFICATE block".into(),
        });
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_pair_loads_and_garbage_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pair =
            rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&cert, pair.cert.pem()).expect("write");
        std::fs::write(&key, pair.signing_key.serialize_pem()).expect("write");
        assert!(server_config(&cert, &key).is_ok());

        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not pem").expect("write");
        assert!(matches!(
            server_config(&junk, &key),
            Err(TlsError::Certificate { .. })
        ));
        assert!(matches!(
            server_config(&cert, &junk),
            Err(TlsError::Key { .. })
        ));
        let missing = dir.path().join("missing.pem");
        let err = server_config(&missing, &key).expect_err("missing file");
        assert!(err.to_string().contains("missing.pem"), "{err}");
    }
}
