//! A throw-away certificate authority made with rcgen when a TLS test
//! binary starts, and the server certificate it issues to Postfix.
//!
//! Both are judged by the real clock (the machine's wall clock, as the
//! native driver's `DefaultTimeProvider` reads it), so they are made valid
//! from a day ago: the CA for a year, the server certificate for
//! [`SERVER_VALID_DAYS`]. The server certificate names DNS hosts only (by
//! default `localhost` and `mail.smtplab.test`), never an IP address, so a
//! session that connects by `127.0.0.1` meets a name mismatch.
//!
//! [`TestCa::server_identity_valid_for`] sets another lifetime (a
//! certificate about to expire), and [`ServerIdentity::self_signed`] makes
//! one no CA vouches for. Every identity carries its SubjectPublicKeyInfo
//! for DANE hashes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PublicKeyData,
};

/// The DNS names of the server certificate [`TestCa::server_identity`] makes
/// by default: no IP address among them.
pub const SERVER_NAMES: [&str; 2] = ["localhost", "mail.smtplab.test"];
/// How long the server certificate is valid from now, in days.
pub const SERVER_VALID_DAYS: u64 = 90;
/// How long the CA certificate is valid from now, in days.
const CA_VALID_DAYS: u64 = 365;
/// Both certificates start a day before "now", so a clock a little behind
/// does not find them not yet valid.
const BACKDATE: Duration = Duration::from_secs(86_400);

/// A test CA: its certificate as PEM (what a user pastes as an extra CA) and
/// the key it signs server certificates with.
pub struct TestCa {
    /// The CA certificate, PEM.
    pem: String,
    /// Its name and key, for signing.
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for TestCa {
    /// The certificate only; the key stays out of test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa")
            .field("pem", &self.pem)
            .finish_non_exhaustive()
    }
}

/// What the server presents: its certificate chain and private key, PEM.
#[derive(Clone)]
pub struct ServerIdentity {
    /// The server certificate (the CA is not included: clients hold it).
    pub cert_pem: String,
    /// The same certificate, DER.
    pub cert_der: Vec<u8>,
    /// The certificate's private key (PKCS#8 PEM).
    pub key_pem: String,
    /// The certificate's SubjectPublicKeyInfo, DER: what a DANE `3 1 x`
    /// TLSA record (selector 1) hashes.
    pub spki_der: Vec<u8>,
    /// The names in the certificate's subjectAltName (all DNS names).
    pub names: Vec<String>,
}

impl std::fmt::Debug for ServerIdentity {
    /// The certificate and names only; the key stays out of test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("names", &self.names)
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

impl TestCa {
    /// A fresh CA (new EC P-256 key) with this common name, valid from a day
    /// ago for a year.
    ///
    /// # Errors
    /// rcgen's error when the key or certificate cannot be made.
    pub fn new(common_name: &str) -> Result<Self, rcgen::Error> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "smtplab e2e tests");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        set_validity(&mut params, CA_VALID_DAYS);
        let cert = params.self_signed(&key)?;
        Ok(Self {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA certificate as PEM.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// A server certificate for [`SERVER_NAMES`], signed by this CA.
    ///
    /// # Errors
    /// rcgen's error when the key or certificate cannot be made.
    pub fn server_identity(&self) -> Result<ServerIdentity, rcgen::Error> {
        self.server_identity_for(&SERVER_NAMES)
    }

    /// A server certificate for these DNS names (the first is also the
    /// common name), valid from a day ago for [`SERVER_VALID_DAYS`], for
    /// server authentication, signed by this CA.
    ///
    /// # Errors
    /// rcgen's error when a name is unusable or signing fails.
    pub fn server_identity_for(&self, names: &[&str]) -> Result<ServerIdentity, rcgen::Error> {
        self.server_identity_valid_for(names, SERVER_VALID_DAYS)
    }

    /// As [`TestCa::server_identity_for`], but valid until `days` from now
    /// (a certificate about to expire, for expiry warnings).
    ///
    /// # Errors
    /// rcgen's error when a name is unusable or signing fails.
    pub fn server_identity_valid_for(
        &self,
        names: &[&str],
        days: u64,
    ) -> Result<ServerIdentity, rcgen::Error> {
        let key = KeyPair::generate()?;
        let (params, names) = server_params(names, days)?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(ServerIdentity {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key_pem: key.serialize_pem(),
            spki_der: key.subject_public_key_info(),
            names,
        })
    }
}

impl ServerIdentity {
    /// A server certificate for these DNS names signed by its own key, no
    /// CA at all (what a client meets as "self-signed, untrusted"), valid
    /// from a day ago until `days` from now. Unlike
    /// [`crate::exim`]'s, it is not a CA certificate (no `CA:TRUE`).
    ///
    /// # Errors
    /// rcgen's error when a name is unusable or signing fails.
    pub fn self_signed(names: &[&str], days: u64) -> Result<Self, rcgen::Error> {
        let key = KeyPair::generate()?;
        let (params, names) = server_params(names, days)?;
        let cert = params.self_signed(&key)?;
        Ok(Self {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key_pem: key.serialize_pem(),
            spki_der: key.subject_public_key_info(),
            names,
        })
    }
}

/// A server certificate's parameters: these DNS names (the first is also
/// the common name), server authentication, valid for `days` from now.
fn server_params(
    names: &[&str],
    days: u64,
) -> Result<(CertificateParams, Vec<String>), rcgen::Error> {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(names.clone())?;
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().map_or("server", String::as_str),
    );
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    set_validity(&mut params, days);
    Ok((params, names))
}

/// Valid from [`BACKDATE`] ago until `days` from now, by the wall clock.
fn set_validity(params: &mut CertificateParams, days: u64) {
    // The clock is before 1970 only on a broken machine; then epoch it is.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let epoch = date_time_ymd(1970, 1, 1);
    params.not_before = epoch + now.saturating_sub(BACKDATE);
    params.not_after = epoch + now + Duration::from_secs(days * 86_400);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_certificate_names_dns_hosts_only() {
        let ca = TestCa::new("unit CA").expect("CA");
        assert!(ca.pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let server = ca.server_identity().expect("server certificate");
        assert_eq!(server.names, ["localhost", "mail.smtplab.test"]);
        assert!(server.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(server.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(!format!("{server:?}").contains("PRIVATE KEY"));
    }

    #[test]
    fn certificates_carry_their_public_key_info() {
        let ca = TestCa::new("unit CA").expect("CA");
        let short = ca
            .server_identity_valid_for(&["mx.unit.test"], 10)
            .expect("short-lived certificate");
        let own = ServerIdentity::self_signed(&["self.unit.test"], 30).expect("self-signed");
        for identity in [short, own] {
            // The SPKI is a DER sequence found whole inside the certificate.
            assert_eq!(identity.spki_der.first(), Some(&0x30));
            assert!(identity
                .cert_der
                .windows(identity.spki_der.len())
                .any(|w| w == identity.spki_der.as_slice()));
        }
    }
}
