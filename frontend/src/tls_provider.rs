//! The tab's rustls crypto provider: ring's cipher suites, key-exchange
//! groups, signature verification and randomness, and nothing for signing.
//!
//! rustls's `ring::default_provider()` also hands rustls ring's
//! `KeyProvider`, which parses PKCS#8/SEC1/PKCS#1 private keys and signs
//! with RSA, ECDSA and Ed25519. The tab is only ever a TLS *client* that
//! never presents a client certificate (`with_no_client_auth`), so none of
//! that can run; but a `&dyn KeyProvider` in the provider keeps all of it
//! linked into the wasm. [`provider`] swaps in [`NoClientKeys`], which
//! refuses every key, so the linker drops ring's signing and key-parsing
//! code. What a mail-server test needs is all kept: every suite and group a
//! server may pick (the list below is ring's whole set) and every
//! signature scheme a server certificate or handshake may use.

use std::sync::Arc;

use rustls::crypto::ring::{cipher_suite, kx_group};
use rustls::crypto::{CryptoProvider, KeyProvider};
use rustls::pki_types::PrivateKeyDer;
use rustls::sign::SigningKey;
use rustls::SupportedCipherSuite;

/// The cipher suites offered, most preferred first. TLS 1.3's three are
/// all a 1.3 server may choose from; for TLS 1.2 the ECDHE suites with
/// AEAD ciphers (ECDSA and RSA certificates) cover any server a browser
/// can talk to. ring has no CBC or static-RSA suites, so none are lost.
///
/// ChaCha20-Poly1305 comes first in each version: wasm32 has no AES
/// instructions, so ring's constant-time software AES-GCM encrypts about
/// 3.4 times slower than ChaCha20 here (a 25 MB attachment: 1.16 s against
/// 0.34 s, docs/benchmarks.md), as on phones without AES hardware, which
/// put it first for the same reason. Servers that follow the client's order
/// (Postfix's default) then choose it; every suite is still offered.
static CIPHER_SUITES: &[SupportedCipherSuite] = &[
    cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
    cipher_suite::TLS13_AES_256_GCM_SHA384,
    cipher_suite::TLS13_AES_128_GCM_SHA256,
    cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    cipher_suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
];

/// The tab's crypto provider: ring for everything a TLS client without a
/// client certificate does, [`NoClientKeys`] for private keys.
///
/// Key-exchange groups: X25519 first (what servers prefer), then the NIST
/// curves P-256 and P-384 for servers that offer only those.
#[must_use]
pub(crate) fn provider() -> CryptoProvider {
    // Only the verification algorithms and the randomness are taken from
    // ring's default provider; its key provider is dropped here, so
    // nothing refers to ring's signing code and LTO removes it.
    let ring = rustls::crypto::ring::default_provider();
    CryptoProvider {
        cipher_suites: CIPHER_SUITES.to_vec(),
        kx_groups: vec![kx_group::X25519, kx_group::SECP256R1, kx_group::SECP384R1],
        signature_verification_algorithms: ring.signature_verification_algorithms,
        secure_random: ring.secure_random,
        key_provider: &NoClientKeys,
    }
}

/// A [`KeyProvider`] that loads no private key: the tab never presents a
/// client certificate, and refusing here keeps ring's key parsing and
/// signing out of the wasm.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoClientKeys;

/// Why [`NoClientKeys`] refused, as rustls reports it.
pub(crate) const NO_CLIENT_KEYS: &str =
    "smtplab's tab never presents a client certificate, so it loads no private key";

impl KeyProvider for NoClientKeys {
    fn load_private_key(
        &self,
        _key_der: PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General(NO_CLIENT_KEYS.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::client::UnbufferedClientConnection;
    use rustls::pki_types::{PrivatePkcs8KeyDer, ServerName};
    use rustls::{CipherSuite, ClientConfig, NamedGroup, RootCertStore, SignatureScheme};

    // rustls without `std` has no clock of its own.
    use crate::tls_setup::Fixed;

    #[test]
    fn builds_a_client_config_for_tls12_and_tls13() {
        let config = ClientConfig::builder_with_details(Arc::new(provider()), Arc::new(Fixed))
            .with_safe_default_protocol_versions()
            .expect("the provider supports TLS 1.2 and 1.3")
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth();
        assert_eq!(
            config.crypto_provider().cipher_suites.len(),
            CIPHER_SUITES.len()
        );
        // A client connection can be started with it.
        let name = ServerName::try_from("mail.example.test").expect("a DNS name");
        assert!(UnbufferedClientConnection::new(Arc::new(config), name).is_ok());
    }

    #[test]
    fn has_the_suites_and_groups_a_mail_server_test_needs() {
        let p = provider();
        let suites: Vec<CipherSuite> = p
            .cipher_suites
            .iter()
            .map(SupportedCipherSuite::suite)
            .collect();
        assert_eq!(
            suites,
            [
                CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS13_AES_256_GCM_SHA384,
                CipherSuite::TLS13_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            ]
        );
        let groups: Vec<NamedGroup> = p.kx_groups.iter().map(|g| g.name()).collect();
        assert_eq!(
            groups,
            [
                NamedGroup::X25519,
                NamedGroup::secp256r1,
                NamedGroup::secp384r1
            ]
        );
        let schemes = p.signature_verification_algorithms.supported_schemes();
        for scheme in [
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::ECDSA_NISTP384_SHA384,
            SignatureScheme::ED25519,
            SignatureScheme::RSA_PSS_SHA256,
            SignatureScheme::RSA_PKCS1_SHA256,
        ] {
            assert!(schemes.contains(&scheme), "{scheme:?} is verified");
        }
        let mut random = [0u8; 32];
        p.secure_random.fill(&mut random).expect("randomness");
        assert_ne!(random, [0u8; 32]);
    }

    #[test]
    fn key_provider_refuses_every_key() {
        let p = provider();
        // A well-formed PKCS#8 Ed25519 key (RFC 8410 §10.3): refused all the same.
        let ed25519: &[u8] = &[
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20, 0xd4, 0xee, 0x72, 0xdb, 0xf9, 0x13, 0x58, 0x4a, 0xd5, 0xb6, 0xd8, 0xf1,
            0xf7, 0x69, 0xf8, 0xad, 0x3a, 0xfe, 0x7c, 0x28, 0xcb, 0xf1, 0xd4, 0xfb, 0xe0, 0x97,
            0xa8, 0x8f, 0x44, 0x75, 0x58, 0x42,
        ];
        // ring's own key provider does load it, so the refusal is ours.
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ed25519.to_vec()));
        assert!(rustls::crypto::ring::default_provider()
            .key_provider
            .load_private_key(key)
            .is_ok());
        for der in [ed25519, &[][..]] {
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der.to_vec()));
            let err = p.key_provider.load_private_key(key).expect_err("refused");
            assert_eq!(err, rustls::Error::General(NO_CLIENT_KEYS.to_owned()));
        }
        assert!(!p.key_provider.fips());
    }
}
