//! What a TLS session needs from its driver: the user's choices
//! ([`TlsOptions`], serde) and the driver-built [`TlsContext`] holding the
//! crypto provider, the wall clock and the trust anchors.
//!
//! The public root CAs are not compiled in: the driver passes them to
//! [`TlsContext::new`] (natively `webpki_roots::TLS_SERVER_ROOTS`; in the
//! tab the list the bridge serves at `/trust-anchors.bin`, decoded with
//! [`super::anchors::decode`]), which keeps ~50 KB of key bytes out of the
//! tab's WebAssembly.

use std::fmt;
use std::sync::{Arc, Mutex};

use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, TrustAnchor, UnixTime};
use rustls::time_provider::TimeProvider;
use rustls::{ClientConfig, RootCertStore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::verifier::{CheckSlot, RecordingVerifier};

/// The user's TLS choices, as the form stores them (serde JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsOptions {
    /// Stop the session when the certificate does not verify. False is
    /// "continue without verification": the check still runs and the
    /// report says what it found.
    #[serde(default = "TlsOptions::yes")]
    pub verify: bool,
    /// Trust the public root CAs: Mozilla's list (`webpki-roots`). The
    /// list is not part of this crate: the driver passes it to
    /// [`TlsContext::new`] (the tab fetches it from the bridge's
    /// `/trust-anchors.bin`, which may add the bridge host's own store).
    /// The name stays: saved sessions store it.
    #[serde(default = "TlsOptions::yes")]
    pub mozilla_roots: bool,
    /// Extra trusted CA certificates, pasted as PEM (any number of
    /// `-----BEGIN CERTIFICATE-----` blocks; other blocks are ignored),
    /// and SHA-256 pins ("trust exactly this certificate", one per line,
    /// e.g. `sha256 AB:CD:…`; see [`super::pin`]). Each pasted certificate
    /// is pinned as well.
    #[serde(default)]
    pub extra_ca_pem: String,
}

impl TlsOptions {
    fn yes() -> bool {
        true
    }
}

impl Default for TlsOptions {
    /// Verify against Mozilla's roots, no extra CA.
    fn default() -> Self {
        Self {
            verify: true,
            mozilla_roots: true,
            extra_ca_pem: String::new(),
        }
    }
}

/// Why a [`TlsContext`] cannot be built; each message is fit to show the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsSetupError {
    /// The pasted CA text is not PEM.
    #[error("the pasted CA certificates are not valid PEM: {0}")]
    BadPem(String),
    /// The pasted CA text is non-empty but holds no certificate block.
    #[error("the pasted CA text holds no -----BEGIN CERTIFICATE----- block")]
    NoCertificateInPem,
    /// A pasted certificate cannot be a trust anchor.
    #[error("pasted CA certificate #{index} cannot be trusted: {why}")]
    BadCa {
        /// 1-based position among the pasted certificates.
        index: usize,
        /// What webpki said.
        why: String,
    },
    /// Neither Mozilla's roots nor a pasted CA or pin: nothing could verify.
    #[error("no trusted CA: keep Mozilla's roots or paste a CA certificate")]
    NoTrustAnchors,
    /// Mozilla's roots were asked for but the driver passed an empty list.
    #[error("the public CA list (Mozilla's roots) is empty: it was not loaded from the bridge")]
    NoPublicRoots,
    /// The driver could not get the public CA list (the tab: fetching or
    /// decoding the bridge's `/trust-anchors.bin`).
    #[error("could not load the public CA list from the bridge: {0}")]
    PublicRootsUnavailable(String),
    /// The crypto provider cannot make a TLS client configuration.
    #[error("the crypto provider cannot be used: {0}")]
    Provider(String),
}

/// Everything the engine needs to speak TLS, built by the driver once per
/// session (or shared between sessions: it is cheap to clone).
///
/// The crypto provider and the wall clock come from the driver so that
/// `shared` pulls in neither a provider nor browser glue. The clock is the
/// real time (UNIX), used for certificate validity and the report's days
/// left; the engine's `now` stays the time since the session started.
#[derive(Clone)]
pub struct TlsContext {
    /// Ciphers, key exchange, signature checks and randomness.
    provider: Arc<CryptoProvider>,
    /// Wall-clock time for certificate validity.
    time: Arc<dyn TimeProvider>,
    /// rustls's WebPKI verifier over the chosen trust anchors; `None` when
    /// only pins were given.
    webpki: Option<Arc<WebPkiServerVerifier>>,
    /// SHA-256 of every certificate trusted exactly (pins and pasted
    /// certificates).
    pins: Arc<Vec<[u8; 32]>>,
    /// Stop on a verification failure.
    verify: bool,
    /// How many pasted CA certificates were added.
    extra_cas: usize,
}

impl fmt::Debug for TlsContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsContext")
            .field("verify", &self.verify)
            .field("extra_cas", &self.extra_cas)
            .finish_non_exhaustive()
    }
}

impl TlsContext {
    /// Builds the trust anchors from `options` and checks that `provider`
    /// can make a client configuration. `public_roots` are the public root
    /// CAs, trusted when `options.mozilla_roots` is set and ignored
    /// otherwise (a driver that knows they are off may pass `&[]`).
    ///
    /// # Errors
    /// A [`TlsSetupError`] for pasted CA text that is not usable, public
    /// roots asked for but `public_roots` empty, no trust anchor at all, or
    /// an unusable provider.
    pub fn new(
        provider: Arc<CryptoProvider>,
        time: Arc<dyn TimeProvider>,
        options: &TlsOptions,
        public_roots: &[TrustAnchor<'static>],
    ) -> Result<Self, TlsSetupError> {
        let mut roots = RootCertStore::empty();
        if options.mozilla_roots {
            if public_roots.is_empty() {
                return Err(TlsSetupError::NoPublicRoots);
            }
            roots.extend(public_roots.iter().cloned());
        }
        let pin_text = super::pin::pin_lines(&options.extra_ca_pem)
            .map_err(|e| TlsSetupError::BadPem(e.to_string()))?;
        let extra = parse_pem_certificates(&options.extra_ca_pem, !pin_text.is_empty())?;
        for (i, der) in extra.iter().enumerate() {
            roots.add(der.clone()).map_err(|e| TlsSetupError::BadCa {
                index: i + 1,
                why: e.to_string(),
            })?;
        }
        let pins: Vec<[u8; 32]> = extra
            .iter()
            .map(|der| Sha256::digest(der.as_ref()).into())
            .chain(pin_text.iter().filter_map(|p| pin_bytes(p)))
            .collect();
        if roots.is_empty() && pins.is_empty() {
            return Err(TlsSetupError::NoTrustAnchors);
        }
        let webpki = if roots.is_empty() {
            None
        } else {
            Some(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| TlsSetupError::Provider(e.to_string()))?,
            )
        };
        let context = Self {
            provider,
            time,
            webpki,
            pins: Arc::new(pins),
            verify: options.verify,
            extra_cas: extra.len(),
        };
        context.client_config()?;
        Ok(context)
    }

    /// True when a verification failure stops the session.
    pub fn verify(&self) -> bool {
        self.verify
    }

    /// How many pasted CA certificates are trusted.
    pub fn extra_ca_count(&self) -> usize {
        self.extra_cas
    }

    /// The wall-clock time, from the driver's clock.
    pub fn unix_now(&self) -> Option<UnixTime> {
        self.time.current_time()
    }

    /// A client configuration whose verifier records into a fresh record.
    pub(crate) fn client_config(&self) -> Result<(Arc<ClientConfig>, CheckSlot), TlsSetupError> {
        let record: CheckSlot = Arc::new(Mutex::new(None));
        let verifier: Arc<dyn ServerCertVerifier> = Arc::new(RecordingVerifier::new(
            self.webpki.clone(),
            self.provider.signature_verification_algorithms,
            self.pins.clone(),
            self.verify,
            record.clone(),
        ));
        let config = ClientConfig::builder_with_details(self.provider.clone(), self.time.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError::Provider(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok((Arc::new(config), record))
    }
}

/// The 32 bytes of a pin as [`super::pin::pin_lines`] gives it (`AB:CD:…`).
fn pin_bytes(pin: &str) -> Option<[u8; 32]> {
    let bytes: Vec<u8> = pin
        .split(':')
        .map(|pair| u8::from_str_radix(pair, 16))
        .collect::<Result<_, _>>()
        .ok()?;
    bytes.try_into().ok()
}

/// The certificates in pasted PEM text; empty text gives none, and so
/// does text holding only pins (`has_pins`).
fn parse_pem_certificates(
    text: &str,
    has_pins: bool,
) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let certs = CertificateDer::pem_slice_iter(text.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsSetupError::BadPem(e.to_string()))?;
    if certs.is_empty() && !has_pins {
        return Err(TlsSetupError::NoCertificateInPem);
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn options_json_defaults_to_verifying_with_mozilla_roots() {
        let options: TlsOptions = serde_json::from_str("{}").expect("valid options");
        assert_eq!(options, TlsOptions::default());
        assert!(options.verify && options.mozilla_roots);
        let options: TlsOptions =
            serde_json::from_str(r#"{"verify":false,"extra_ca_pem":"x"}"#).expect("valid options");
        assert!(!options.verify && options.mozilla_roots);
    }

    #[test]
    fn public_roots_come_from_the_driver() {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let clock: Arc<dyn TimeProvider> = Arc::new(rustls::time_provider::DefaultTimeProvider);
        let options = TlsOptions::default();
        assert_eq!(
            TlsContext::new(provider.clone(), clock.clone(), &options, &[]).err(),
            Some(TlsSetupError::NoPublicRoots)
        );
        let roots = webpki_roots::TLS_SERVER_ROOTS;
        assert!(TlsContext::new(provider.clone(), clock.clone(), &options, roots).is_ok());
        // With the public roots off, the list given is ignored.
        let off = TlsOptions {
            mozilla_roots: false,
            ..TlsOptions::default()
        };
        assert_eq!(
            TlsContext::new(provider, clock, &off, roots).err(),
            Some(TlsSetupError::NoTrustAnchors)
        );
    }

    #[test]
    fn pem_text_without_certificates_is_refused() {
        assert_eq!(parse_pem_certificates("  \n", false), Ok(Vec::new()));
        assert_eq!(parse_pem_certificates("sha256 …", true), Ok(Vec::new()));
        assert_eq!(
            parse_pem_certificates("just some text", false),
            Err(TlsSetupError::NoCertificateInPem)
        );
        let truncated = "-----BEGIN CERTIFICATE-----\nMIIB\n";
        assert!(matches!(
            parse_pem_certificates(truncated, false),
            Err(TlsSetupError::BadPem(_))
        ));
    }
}
