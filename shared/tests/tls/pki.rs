//! Test certificates made with rcgen: a CA, server certificates it signs
//! (valid, expired, not yet valid, for other names), a self-signed one,
//! and the fixed clock they are judged by.

use std::sync::Arc;

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use smtplab_shared::tls::TimeProvider;

/// The tests' "now": 2025-06-01 00:00:00 UTC.
pub(crate) const NOW_UNIX: u64 = 1_748_736_000;

/// A calendar day as rcgen takes it.
pub(crate) type Day = (i32, u8, u8);

/// Certificates are valid from here…
pub(crate) const VALID_FROM: Day = (2024, 1, 1);
/// …to here (1675 days after `NOW_UNIX`).
pub(crate) const VALID_UNTIL: Day = (2030, 1, 1);

/// A clock stuck at [`NOW_UNIX`], the driver's wall clock in these tests.
#[derive(Debug)]
pub(crate) struct FixedClock;

impl TimeProvider for FixedClock {
    fn current_time(&self) -> Option<UnixTime> {
        Some(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            NOW_UNIX,
        )))
    }
}

/// The clock as the engine takes it.
pub(crate) fn clock() -> Arc<dyn TimeProvider> {
    Arc::new(FixedClock)
}

/// What a test server presents: its chain (own certificate first) and key.
pub(crate) struct ServerIdentity {
    /// Server certificate, then intermediates.
    pub(crate) chain: Vec<CertificateDer<'static>>,
    /// The certificate's private key (PKCS#8).
    pub(crate) key: PrivatePkcs8KeyDer<'static>,
}

impl ServerIdentity {
    /// The key as rustls's server config takes it.
    pub(crate) fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.key.clone_key())
    }
}

/// A test CA.
pub(crate) struct TestCa {
    /// Its certificate as PEM, what a user would paste.
    pub(crate) pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl TestCa {
    /// A fresh CA named `smtplab test CA`.
    pub(crate) fn new() -> Self {
        Self::named("smtplab test CA")
    }

    /// A fresh CA with this common name, valid from [`VALID_FROM`] to 2034.
    pub(crate) fn named(name: &str) -> Self {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.not_before = date_time_ymd(VALID_FROM.0, VALID_FROM.1, VALID_FROM.2);
        params.not_after = date_time_ymd(2034, 1, 1);
        let cert = params.self_signed(&key).expect("CA certificate");
        Self {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for `names` (DNS names or IP literals), valid
    /// from `from` to `until`, signed by this CA.
    pub(crate) fn server(&self, names: &[&str], from: Day, until: Day) -> ServerIdentity {
        let key = KeyPair::generate().expect("server key");
        let params = server_params(names, from, until);
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("server certificate");
        ServerIdentity {
            chain: vec![cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }
}

/// A self-signed server certificate for `names`, valid now.
pub(crate) fn self_signed(names: &[&str]) -> ServerIdentity {
    let key = KeyPair::generate().expect("server key");
    let params = server_params(names, VALID_FROM, VALID_UNTIL);
    let cert = params.self_signed(&key).expect("self-signed certificate");
    ServerIdentity {
        chain: vec![cert.der().clone()],
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
    }
}

fn server_params(names: &[&str], from: Day, until: Day) -> CertificateParams {
    let sans: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(sans).expect("server params");
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().copied().unwrap_or("server"),
    );
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = date_time_ymd(from.0, from.1, from.2);
    params.not_after = date_time_ymd(until.0, until.1, until.2);
    params
}
