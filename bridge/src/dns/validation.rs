//! DNSSEC validation (`--dnssec`): which keys are trusted ([`Validation`]:
//! the root keys hickory ships, plus the DNSKEYs of a
//! `--dnssec-trust-anchor` file), and what a validated answer says about
//! itself ([`authenticated`]).
//!
//! hickory-resolver validates every answer itself (RFC 4033–4035, with the
//! DO bit set and the RRSIGs, DNSKEYs and DS records fetched from the same
//! server): each record comes back with a proof. A bogus answer is already
//! an error there ([`DnsError::Bogus`](super::DnsError::Bogus)); what is
//! left is secure or insecure.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hickory_resolver::proto::dnssec::{Proof, TrustAnchors};
use hickory_resolver::proto::rr::{LowerName, Record, RecordType};
use hickory_resolver::proto::serialize::txt::trust_anchor::{Entry, Parser};

/// The keys a validating resolver trusts.
#[derive(Clone)]
pub struct Validation {
    /// The root's keys, and the file's when one was given.
    pub(super) anchors: Arc<TrustAnchors>,
    /// The `--dnssec-trust-anchor` file, for the log.
    source: Option<PathBuf>,
}

impl std::fmt::Debug for Validation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validation")
            .field("trust_anchor", &self.source)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Validation {
    /// Same anchors file (the root keys are the same for all).
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// Why a trust anchor file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TrustAnchorError {
    /// The file could not be read.
    #[error("cannot read the DNSSEC trust anchor file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The file is not DNSKEY records in zone-file format.
    #[error("invalid DNSSEC trust anchor file {path}: {reason} (expected DNSKEY records in zone-file format, such as `example. 3600 IN DNSKEY 257 3 13 <base64>` from `dig DNSKEY example.` or a dnssec-keygen .key file; DS records are not supported by the resolver)")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's explanation.
        reason: String,
    },
    /// The file holds no DNSKEY record.
    #[error("the DNSSEC trust anchor file {path} holds no DNSKEY record")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

impl Validation {
    /// Trusts the root zone's keys hickory ships (KSK-2017 and KSK-2024).
    pub fn root() -> Self {
        Self {
            anchors: Arc::new(TrustAnchors::default()),
            source: None,
        }
    }

    /// The validation the `dnssec` and `dnssec_trust_anchor` settings (and
    /// the `--dnssec` and `--dnssec-trust-anchor` flags) ask for: none
    /// unless `dnssec` is true or a trust anchor file is given (and `dnssec`
    /// is not false). The file is read now, so a bad one stops the start.
    ///
    /// # Errors
    /// [`TrustAnchorError`] for a file that cannot be used.
    pub fn from_settings(
        dnssec: Option<bool>,
        trust_anchor: Option<&Path>,
    ) -> Result<Option<Self>, TrustAnchorError> {
        if !dnssec.unwrap_or(trust_anchor.is_some()) {
            return Ok(None);
        }
        match trust_anchor {
            Some(path) => Self::from_file(path).map(Some),
            None => Ok(Some(Self::root())),
        }
    }

    /// Trusts the root's keys and the DNSKEY records in `path` (each for
    /// its owner name), so that a zone with no chain from the root (a local
    /// test zone) validates.
    ///
    /// hickory trusts a zone's DNSKEY set without asking its parent for DS
    /// records only when every key in the set is an anchor: list all of the
    /// zone's DNSKEYs (`dig DNSKEY zone.`), not only the key-signing key.
    ///
    /// # Errors
    /// [`TrustAnchorError`].
    pub fn from_file(path: &Path) -> Result<Self, TrustAnchorError> {
        let text = std::fs::read_to_string(path).map_err(|source| TrustAnchorError::Read {
            path: path.to_owned(),
            source,
        })?;
        let parse_error = |reason: String| TrustAnchorError::Parse {
            path: path.to_owned(),
            reason,
        };
        let entries = Parser::new(text.as_str())
            .parse()
            .map_err(|e| parse_error(e.to_string()))?;
        let mut anchors = TrustAnchors::default();
        let mut keys = 0;
        for entry in entries {
            let Entry::DNSKEY(record) = entry else {
                continue;
            };
            anchors.insert_with_name(
                record.data().public_key(),
                LowerName::from(record.name().clone()),
            );
            keys += 1;
        }
        if keys == 0 {
            return Err(TrustAnchorError::Empty {
                path: path.to_owned(),
            });
        }
        Ok(Self {
            anchors: Arc::new(anchors),
            source: Some(path.to_owned()),
        })
    }
}

/// Whether validated `answers` are secure: `true` when every record in
/// them (the CNAMEs followed included; RRSIGs aside) is proven secure,
/// `false` when any is insecure or indeterminate (an unsigned zone, or one
/// whose algorithm the resolver does not support).
pub(super) fn authenticated(answers: &[Record]) -> bool {
    let mut records = answers
        .iter()
        .filter(|r| r.record_type() != RecordType::RRSIG)
        .peekable();
    records.peek().is_some() && records.all(|r| r.proof == Proof::Secure)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    #[test]
    fn a_trust_anchor_file_needs_dnskey_records() {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        // A dnssec-keygen .key file: comments, the key split in two.
        writeln!(
            file,
            "; This is a key-signing key, keyid 19625, for signed.test.\n\
             signed.test. IN DNSKEY 257 3 13 pufX1P6KidNXWxq0jFnE9oGzGAVp55jde3QM3zNw5To8g++IMoTJN8Ju TIRy+j49cIAxhplUxLysHWW4jUi5eg=="
        )
        .expect("write");
        let validation = Validation::from_file(file.path()).expect("a DNSKEY");
        assert_eq!(validation.source.as_deref(), Some(file.path()));
        // The root keys stay.
        assert_eq!(validation.anchors.len(), TrustAnchors::default().len());

        let mut ds = tempfile::NamedTempFile::new().expect("temp file");
        writeln!(ds, "signed.test. IN DS 12345 13 2 0123456789abcdef").expect("write");
        let err = Validation::from_file(ds.path()).expect_err("DS");
        assert!(err.to_string().contains("DS records are not"), "{err}");

        let empty = tempfile::NamedTempFile::new().expect("temp file");
        assert!(matches!(
            Validation::from_file(empty.path()),
            Err(TrustAnchorError::Empty { .. })
        ));
        assert!(matches!(
            Validation::from_file(Path::new("/nonexistent/anchor.key")),
            Err(TrustAnchorError::Read { .. })
        ));
        // The settings: a file implies validation unless it is turned off.
        assert_eq!(Validation::from_settings(None, None).expect("off"), None);
        assert_eq!(
            Validation::from_settings(Some(true), None).expect("root"),
            Some(Validation::root())
        );
        assert!(Validation::from_settings(None, Some(file.path()))
            .expect("file")
            .is_some());
        assert_eq!(
            Validation::from_settings(Some(false), Some(file.path())).expect("off"),
            None
        );
    }

    #[test]
    fn only_an_all_secure_answer_is_authenticated() {
        let name = hickory_resolver::proto::rr::Name::from_ascii("a.test.").expect("name");
        let record = |proof| {
            let mut r = Record::from_rdata(
                name.clone(),
                60,
                hickory_resolver::proto::rr::RData::A(std::net::Ipv4Addr::new(192, 0, 2, 1).into()),
            );
            r.proof = proof;
            r
        };
        assert!(authenticated(&[record(Proof::Secure)]));
        assert!(!authenticated(&[
            record(Proof::Secure),
            record(Proof::Insecure)
        ]));
        assert!(!authenticated(&[record(Proof::Indeterminate)]));
        assert!(!authenticated(&[]));
    }
}
