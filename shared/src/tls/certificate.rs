//! The fields of an X.509 certificate that the TLS report shows, read with
//! our own DER reader ([`super::der`]; why our own: the tab's wasm budget).
//! Names are in `certificate/name.rs`, validity times in
//! `certificate/validity.rs`.
//!
//! This only describes a certificate; rustls-webpki verifies it. What is
//! read: the issuer and subject names, the validity, the public key's
//! algorithm and size, and the subjectAltName extension. The other
//! tbsCertificate fields (version, serial, signature algorithm, unique IDs,
//! other extensions) and the outer signature are checked for shape and
//! skipped. A certificate that does not read gives a [`CertificateError`]
//! naming the field, which the report shows in place of the details.
//! <https://www.rfc-editor.org/rfc/rfc5280#section-4.1>

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::der::{self, DerError, Reader};

mod name;
mod validity;

pub(crate) use name::Name;

/// A certificate field, for [`CertificateError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// The outer Certificate or tbsCertificate SEQUENCE.
    Structure,
    /// `version`.
    Version,
    /// `serialNumber`.
    Serial,
    /// `signature` (the algorithm) in tbsCertificate.
    SignatureAlgorithm,
    /// `issuer`.
    Issuer,
    /// `validity`.
    Validity,
    /// `subject`.
    Subject,
    /// `subjectPublicKeyInfo`.
    PublicKey,
    /// The unique IDs or the `extensions` list.
    Extensions,
    /// The subjectAltName extension.
    SubjectAltName,
    /// `signatureAlgorithm` and `signatureValue` after tbsCertificate.
    Signature,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Structure => "certificate structure",
            Self::Version => "version",
            Self::Serial => "serial number",
            Self::SignatureAlgorithm => "signature algorithm",
            Self::Issuer => "issuer",
            Self::Validity => "validity",
            Self::Subject => "subject",
            Self::PublicKey => "public key",
            Self::Extensions => "extensions",
            Self::SubjectAltName => "subject alternative names",
            Self::Signature => "signature",
        })
    }
}

/// A certificate that could not be read, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("could not read field {field}: {source}")]
pub(crate) struct CertificateError {
    /// The field being read.
    pub(crate) field: Field,
    /// What was wrong with its bytes.
    pub(crate) source: DerError,
}

/// Tags a DER error with the field it was found in.
fn at(field: Field) -> impl Fn(DerError) -> CertificateError {
    move |source| CertificateError { field, source }
}

/// A subjectAltName entry of a kind the report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AltName<'a> {
    /// dNSName.
    Dns(&'a [u8]),
    /// rfc822Name.
    Email(&'a [u8]),
    /// uniformResourceIdentifier.
    Uri(&'a [u8]),
    /// iPAddress: 4 or 16 octets (other lengths are shown as bytes).
    Ip(&'a [u8]),
}

impl fmt::Display for AltName<'_> {
    /// OpenSSL's forms: `DNS:…`, `email:…`, `URI:…`, `IP:…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(s) => write!(f, "DNS:{}", String::from_utf8_lossy(s)),
            Self::Email(s) => write!(f, "email:{}", String::from_utf8_lossy(s)),
            Self::Uri(s) => write!(f, "URI:{}", String::from_utf8_lossy(s)),
            Self::Ip(bytes) => {
                if let Ok(v4) = <[u8; 4]>::try_from(*bytes) {
                    write!(f, "IP:{}", Ipv4Addr::from(v4))
                } else if let Ok(v6) = <[u8; 16]>::try_from(*bytes) {
                    write!(f, "IP:{}", Ipv6Addr::from(v6))
                } else {
                    write!(f, "IP:{bytes:02x?}")
                }
            }
        }
    }
}

/// What the report shows of an X.509 certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Certificate<'a> {
    /// Who signed it.
    pub(crate) issuer: Name<'a>,
    /// Whom it is for.
    pub(crate) subject: Name<'a>,
    /// Start of validity, UNIX seconds.
    pub(crate) not_before: i64,
    /// End of validity, UNIX seconds.
    pub(crate) not_after: i64,
    /// `RSA`, `EC P-256`, `Ed25519`, … or the algorithm's OID.
    pub(crate) key_type: String,
    /// The key size in bits, when the algorithm tells it.
    pub(crate) key_bits: Option<u32>,
    /// The subjectAltName entries shown (in order), empty without one.
    pub(crate) alt_names: Vec<AltName<'a>>,
    /// The SubjectPublicKeyInfo's contents (inside its SEQUENCE), for
    /// DANE's selector 1 ([`spki_der`](Self::spki_der)).
    pub(crate) spki: &'a [u8],
}

impl<'a> Certificate<'a> {
    /// Reads a DER certificate (exactly one, nothing after it).
    pub(crate) fn from_der(der: &'a [u8]) -> Result<Self, CertificateError> {
        let outer = der::single(der, der::SEQUENCE).map_err(at(Field::Structure))?;
        let mut cert = Reader::new(outer);
        let tbs = cert.expect(der::SEQUENCE).map_err(at(Field::Structure))?;
        let read = Self::from_tbs(tbs)?;
        let sig = at(Field::Signature);
        cert.expect(der::SEQUENCE).map_err(&sig)?;
        cert.expect(der::BIT_STRING).map_err(&sig)?;
        cert.finish().map_err(sig)?;
        Ok(read)
    }

    fn from_tbs(tbs: &'a [u8]) -> Result<Self, CertificateError> {
        let mut tbs = Reader::new(tbs);
        if let Some(version) = tbs.optional(0xa0).map_err(at(Field::Version))? {
            der::single(version, der::INTEGER).map_err(at(Field::Version))?;
        }
        tbs.expect(der::INTEGER).map_err(at(Field::Serial))?;
        tbs.expect(der::SEQUENCE)
            .map_err(at(Field::SignatureAlgorithm))?;
        let issuer = name::name(&mut tbs).map_err(at(Field::Issuer))?;
        let (not_before, not_after) = validity::validity(&mut tbs).map_err(at(Field::Validity))?;
        let subject = name::name(&mut tbs).map_err(at(Field::Subject))?;
        let spki = tbs.expect(der::SEQUENCE).map_err(at(Field::PublicKey))?;
        let (key_type, key_bits) = public_key(spki).map_err(at(Field::PublicKey))?;
        let ext = at(Field::Extensions);
        tbs.optional(0x81).map_err(&ext)?;
        tbs.optional(0x82).map_err(&ext)?;
        let mut alt_names = Vec::new();
        if let Some(list) = tbs.optional(0xa3).map_err(&ext)? {
            let mut list = Reader::new(der::single(list, der::SEQUENCE).map_err(&ext)?);
            while !list.is_empty() {
                let mut extension = Reader::new(list.expect(der::SEQUENCE).map_err(&ext)?);
                let id = extension.expect(der::OID).map_err(&ext)?;
                extension.optional(der::BOOLEAN).map_err(&ext)?;
                let value = extension.expect(der::OCTET_STRING).map_err(&ext)?;
                extension.finish().map_err(&ext)?;
                // id-ce-subjectAltName, 2.5.29.17; the first one counts.
                if id == [0x55, 0x1d, 0x11] && alt_names.is_empty() {
                    alt_names = subject_alt_names(value).map_err(at(Field::SubjectAltName))?;
                }
            }
        }
        tbs.finish().map_err(ext)?;
        Ok(Self {
            issuer,
            subject,
            not_before,
            not_after,
            key_type,
            key_bits,
            alt_names,
            spki,
        })
    }

    /// The whole SubjectPublicKeyInfo, DER (tag, length and contents), as
    /// DANE's selector 1 hashes it (RFC 6698 §2.1.2). DER has one length
    /// encoding, so rebuilding the header gives the bytes as sent.
    pub(crate) fn spki_der(&self) -> Vec<u8> {
        let len = self.spki.len();
        let mut out = Vec::with_capacity(len + 6);
        out.push(der::SEQUENCE);
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(self.spki);
        out
    }
}

/// The key type and size from SubjectPublicKeyInfo's contents.
fn public_key(spki: &[u8]) -> Result<(String, Option<u32>), DerError> {
    let mut spki = Reader::new(spki);
    let mut algorithm = Reader::new(spki.expect(der::SEQUENCE)?);
    let oid = der::oid_to_string(algorithm.expect(der::OID)?)?;
    let parameters = if algorithm.is_empty() {
        None
    } else {
        Some(algorithm.read()?)
    };
    algorithm.finish()?;
    let bits = spki.expect(der::BIT_STRING)?;
    spki.finish()?;
    // The first octet counts the unused bits; keys use whole octets.
    let Some((0, key)) = bits.split_first() else {
        return Err(DerError::BadValue);
    };
    Ok(match oid.as_str() {
        "1.2.840.113549.1.1.1" => {
            // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
            let mut rsa = Reader::new(der::single(key, der::SEQUENCE)?);
            let modulus = der::unsigned_bits(rsa.expect(der::INTEGER)?)?;
            rsa.expect(der::INTEGER)?;
            rsa.finish()?;
            ("RSA".to_owned(), Some(modulus))
        }
        "1.2.840.10045.2.1" => {
            let curve = match parameters {
                Some(p) if p.tag == der::OID => Some(der::oid_to_string(p.value)?),
                _ => None,
            };
            let (name, bits) = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => ("EC P-256".to_owned(), Some(256)),
                Some("1.3.132.0.34") => ("EC P-384".to_owned(), Some(384)),
                Some("1.3.132.0.35") => ("EC P-521".to_owned(), Some(521)),
                Some(other) => (format!("EC {other}"), point_bits(key)),
                None => ("EC".to_owned(), point_bits(key)),
            };
            (name, bits)
        }
        "1.3.101.112" => ("Ed25519".to_owned(), Some(256)),
        "1.3.101.113" => ("Ed448".to_owned(), Some(456)),
        _ => (oid, None),
    })
}

/// The field size of an EC point: 04‖X‖Y uncompressed, 02/03‖X compressed.
fn point_bits(point: &[u8]) -> Option<u32> {
    let (&form, coordinates) = point.split_first()?;
    let len = u32::try_from(coordinates.len()).ok()?;
    match form {
        4 if len > 0 && len % 2 == 0 => Some(len * 4),
        2 | 3 if len > 0 => Some(len * 8),
        _ => None,
    }
}

/// Reads GeneralNames (the extension's OCTET STRING contents), keeping the
/// kinds shown.
fn subject_alt_names(value: &[u8]) -> Result<Vec<AltName<'_>>, DerError> {
    let mut names = Reader::new(der::single(value, der::SEQUENCE)?);
    let mut out = Vec::new();
    while !names.is_empty() {
        let name = names.read()?;
        out.extend(match name.tag {
            0x81 => Some(AltName::Email(name.value)),
            0x82 => Some(AltName::Dns(name.value)),
            0x86 => Some(AltName::Uri(name.value)),
            0x87 => Some(AltName::Ip(name.value)),
            _ => None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use rcgen::string::{BmpString, TeletexString, UniversalString};
    use rcgen::{
        date_time_ymd, BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue,
        IsCa, Issuer, KeyPair, PublicKeyData, SanType, SignatureAlgorithm,
    };
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Real RSA public keys (PKCS#1 RSAPublicKey, made with `openssl
    /// genrsa`): ring cannot generate RSA keys, and the leaf's key needs
    /// no private half when the CA signs.
    const RSA_2048: &str = "MIIBCgKCAQEAonQRRul5/WLN0F8sjKRqgRhWIzi5zLBkhLVZIIFpXFhbGR9eqMGEMVk1wEfRh8iGCKg+V7SEQHr0qxSUM/AUUtnadPlBp81rNSsEmfy+ZXusgRPQ4NBIoGU7uHM3w9YZKF/PdOjC1bihDwnWbtx7zWtI12ITIGdhWEUzqrX57J8jN1tfEkEvdiFwvlnnbO/C+uJBI9OvHwn8EBrJVpnbztMt2w/Or2eeoTWkP76nq4ADg4xp9ZpeQDKfKjYkvWoR6qOzD8Urw83UOt2t8vOr7ybZpc4A3vTO6i6L21k1Cq7xQANhlN+i56FIYjNoiQNaNZNaVJ1J+Yba3JRtJPTcFwIDAQAB";
    const RSA_3072: &str = "MIIBigKCAYEAtNHJuQm6bGQKWjFNWUy5meKDb4rlSflErBNlo/f953dUbqDSeSj/Kj0aBgA3pIl7SzseHXg9BODOpo9hCOaW4Dk4EfuFepcSR4XyrtObVDJ11FL7TvmYijthmN7R6f8ozkmNT5NIWE8gYn1po8txUXLrV7VQqw0/V7666P7JB7On9aRQ3WQlXtWIDLMOThgtlRkoJjJ7xRpwoZU0F2h76IB4J7FbzspJ7NhJFWPCbyEGJDbYK3uQB2dGKsMijqnownUcV5cRty+aw7z8OMGm+jpoH8UcmRmRdV53eaX6u4OCt6GGMix+RoVhltvSYquo7q9HYdymT9208dWB3PHucE3YSEsMb8yJrWxjotFFlVg05bDlJePG5+DxG3YSw6iT3UuISdaHGSNM7r67AyPwzkQ5C4kpny90KkiRidTltItB/hgHl2zyEOKGaCBvzCdbVdkeYaKM30lagujeu8WcSzglwy4jKdsaIVnLOY6svriE9MbhBK4ISC5RvK+ZavgjAgMBAAE=";

    struct RsaPublicKey(Vec<u8>);

    impl PublicKeyData for RsaPublicKey {
        fn der_bytes(&self) -> &[u8] {
            &self.0
        }
        fn algorithm(&self) -> &'static SignatureAlgorithm {
            &rcgen::PKCS_RSA_SHA256
        }
    }

    fn rsa(b64: &str) -> RsaPublicKey {
        RsaPublicKey(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("base64"),
        )
    }

    fn key(alg: &'static SignatureAlgorithm) -> KeyPair {
        KeyPair::generate_for(alg).expect("key")
    }

    /// A P-384 CA named `CN=smtplab CA, O=smtplab, C=FR`.
    fn ca() -> Issuer<'static, KeyPair> {
        let mut params = params(&[], (2020, 1, 1), (2040, 1, 1));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "smtplab CA");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "smtplab");
        params.distinguished_name.push(DnType::CountryName, "FR");
        Issuer::new(params, key(&rcgen::PKCS_ECDSA_P384_SHA384))
    }

    fn params(sans: &[&str], from: (i32, u8, u8), until: (i32, u8, u8)) -> CertificateParams {
        let names = sans.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let mut params = CertificateParams::new(names).expect("params");
        params.distinguished_name = DistinguishedName::new();
        params.not_before = date_time_ymd(from.0, from.1, from.2);
        params.not_after = date_time_ymd(until.0, until.1, until.2);
        params
    }

    fn leaf(params: &CertificateParams, key: &impl PublicKeyData) -> Vec<u8> {
        let cert = params.signed_by(key, &ca()).expect("certificate");
        cert.der().to_vec()
    }

    fn read(der: &[u8]) -> Certificate<'_> {
        Certificate::from_der(der).expect("certificate reads")
    }

    #[test]
    fn ecdsa_leaf_gives_names_validity_and_alt_names() {
        let mut params = params(
            &["mx.example.com", "127.0.0.1", "::1"],
            (2024, 1, 1),
            (2030, 1, 1),
        );
        params.subject_alt_names.push(SanType::Rfc822Name(
            "postmaster@example.com".try_into().expect("ia5"),
        ));
        params.subject_alt_names.push(SanType::URI(
            "smtp://mx.example.com".try_into().expect("ia5"),
        ));
        let dn = &mut params.distinguished_name;
        dn.push(DnType::CommonName, "mx.example.com");
        dn.push(DnType::OrganizationalUnitName, "Mail");
        dn.push(DnType::LocalityName, "Lyon");
        dn.push(DnType::StateOrProvinceName, "Rhône");
        dn.push(
            DnType::CustomDnType(vec![1, 2, 840, 113_549, 1, 9, 1]),
            "hostmaster@example.com",
        );
        dn.push(DnType::CustomDnType(vec![1, 3, 6, 1, 4, 1, 99_999, 7]), "x");
        let der = leaf(&params, &key(&rcgen::PKCS_ECDSA_P256_SHA256));
        let cert = read(&der);
        assert_eq!(
            cert.subject.text,
            "CN=mx.example.com, OU=Mail, L=Lyon, ST=Rhône, \
             emailAddress=hostmaster@example.com, 1.3.6.1.4.1.99999.7=x"
        );
        assert_eq!(cert.issuer.text, "CN=smtplab CA, O=smtplab, C=FR");
        assert_ne!(cert.subject.raw, cert.issuer.raw);
        assert_eq!(
            (cert.not_before, cert.not_after),
            (1_704_067_200, 1_893_456_000)
        );
        assert_eq!(
            (cert.key_type.as_str(), cert.key_bits),
            ("EC P-256", Some(256))
        );
        let sans: Vec<String> = cert.alt_names.iter().map(ToString::to_string).collect();
        assert_eq!(
            sans,
            [
                "DNS:mx.example.com",
                "IP:127.0.0.1",
                "IP:::1",
                "email:postmaster@example.com",
                "URI:smtp://mx.example.com"
            ]
        );
    }

    #[test]
    fn rsa_keys_give_their_modulus_size() {
        for (b64, bits) in [(RSA_2048, 2048), (RSA_3072, 3072)] {
            let der = leaf(
                &params(&["rsa.example"], (2024, 1, 1), (2030, 1, 1)),
                &rsa(b64),
            );
            let cert = read(&der);
            assert_eq!((cert.key_type.as_str(), cert.key_bits), ("RSA", Some(bits)));
            assert_eq!(cert.alt_names, [AltName::Dns(b"rsa.example")]);
        }
    }

    #[test]
    fn self_signed_p384_and_ed25519_have_equal_names() {
        for (alg, kind, bits) in [
            (&rcgen::PKCS_ECDSA_P384_SHA384, "EC P-384", 384),
            (&rcgen::PKCS_ED25519, "Ed25519", 256),
        ] {
            let mut params = params(&["self.example"], (2024, 1, 1), (2030, 1, 1));
            params
                .distinguished_name
                .push(DnType::CommonName, "self.example");
            let der = params
                .self_signed(&key(alg))
                .expect("certificate")
                .der()
                .to_vec();
            let cert = read(&der);
            assert_eq!((cert.key_type.as_str(), cert.key_bits), (kind, Some(bits)));
            assert_eq!(cert.subject, cert.issuer);
            assert_eq!(cert.subject.text, "CN=self.example");
        }
    }

    #[test]
    fn long_and_short_validity_read_both_time_forms() {
        // Outside 1950..2050 rcgen writes GeneralizedTime (RFC 5280).
        let long = leaf(
            &params(&["a.example"], (1949, 6, 1), (2099, 12, 31)),
            &key(&rcgen::PKCS_ECDSA_P256_SHA256),
        );
        let cert = read(&long);
        assert_eq!(
            (cert.not_before, cert.not_after),
            (-649_641_600, 4_102_358_400)
        );
        let short = leaf(
            &params(&["a.example"], (2025, 6, 1), (2025, 6, 2)),
            &key(&rcgen::PKCS_ECDSA_P256_SHA256),
        );
        let cert = read(&short);
        assert_eq!(
            (cert.not_before, cert.not_after),
            (1_748_736_000, 1_748_822_400)
        );
    }

    #[test]
    fn string_types_of_names_are_decoded() {
        let mut params = params(&[], (2024, 1, 1), (2030, 1, 1));
        let dn = &mut params.distinguished_name;
        dn.push(
            DnType::CommonName,
            DnValue::BmpString(BmpString::try_from("Grüße").expect("bmp")),
        );
        dn.push(
            DnType::OrganizationName,
            DnValue::TeletexString(TeletexString::try_from("T61").expect("t61")),
        );
        dn.push(
            DnType::OrganizationalUnitName,
            DnValue::UniversalString(UniversalString::try_from("Ωmega").expect("ucs")),
        );
        let der = leaf(&params, &key(&rcgen::PKCS_ECDSA_P256_SHA256));
        let cert = read(&der);
        assert_eq!(cert.subject.text, "CN=Grüße, O=T61, OU=Ωmega");
        assert!(cert.alt_names.is_empty());
    }

    #[test]
    fn every_truncation_is_a_field_error() {
        let der = leaf(
            &params(&["t.example"], (2024, 1, 1), (2030, 1, 1)),
            &rsa(RSA_2048),
        );
        let mut fields = Vec::new();
        for end in 0..der.len() {
            let error = Certificate::from_der(&der[..end]).expect_err("truncated certificate");
            assert!(
                error.to_string().starts_with("could not read field "),
                "{error}"
            );
            fields.push(error.field);
        }
        // The outer length covers the whole input, so a cut is seen there.
        assert!(fields.iter().all(|f| *f == Field::Structure));
        // Cutting inside the TBS while fixing up the outer lengths is seen
        // at the field that was cut.
        let error = Certificate::from_der(&[0x30, 0x03, 0x30, 0x01, 0x02]).expect_err("cut");
        assert_eq!(error.field, Field::Serial);
        assert_eq!(
            error.to_string(),
            "could not read field serial number: truncated"
        );
    }

    #[test]
    fn over_long_lengths_and_trailing_bytes_are_errors() {
        let der = leaf(
            &params(&["t.example"], (2024, 1, 1), (2030, 1, 1)),
            &key(&rcgen::PKCS_ECDSA_P256_SHA256),
        );
        assert_eq!(der[1], 0x82, "a certificate over 255 bytes");
        let with_length = |length: &[u8]| {
            let mut bytes = vec![0x30];
            bytes.extend_from_slice(length);
            bytes.extend_from_slice(&der[4..]);
            Certificate::from_der(&bytes)
                .map(|_| ())
                .map_err(|e| e.source)
        };
        assert_eq!(
            with_length(&[0x84, 0xff, 0xff, 0xff, 0xff]),
            Err(DerError::Truncated)
        );
        assert_eq!(
            with_length(&[0x88, 0, 0, 0, 0, 0, 0, 1, 0]),
            Err(DerError::LengthTooLarge)
        );
        assert_eq!(with_length(&[0x80]), Err(DerError::IndefiniteLength));
        assert_eq!(with_length(&der[1..4]), Ok(()));
        let mut trailing = der.clone();
        trailing.push(0);
        assert_eq!(
            Certificate::from_der(&trailing)
                .map(|_| ())
                .map_err(|e| e.source),
            Err(DerError::TrailingData)
        );
    }

    #[test]
    fn garbage_and_corrupted_certificates_never_panic() {
        // A fixed xorshift stream: the same garbage on every run.
        let mut state: u32 = 0x2545_f491;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        for len in 0..400 {
            let garbage: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
            assert!(Certificate::from_der(&garbage).is_err(), "{garbage:02x?}");
        }
        let der = leaf(
            &params(&["c.example", "10.0.0.1"], (2024, 1, 1), (2030, 1, 1)),
            &rsa(RSA_2048),
        );
        let mut errors = 0;
        for i in 0..der.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut bytes = der.clone();
                bytes[i] ^= flip;
                errors += usize::from(Certificate::from_der(&bytes).is_err());
            }
        }
        // Flips in tags and lengths break the structure; flips in values
        // (key bits, signature) mostly still read.
        assert!(errors > 0 && errors < der.len() * 3, "{errors}");
    }
}
