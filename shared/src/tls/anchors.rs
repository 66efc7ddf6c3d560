//! A compact binary encoding of a list of trust anchors, the form in which
//! the bridge hands the tab the public root CAs (`GET /trust-anchors.bin`)
//! instead of the tab carrying them in its WebAssembly (docs/tls.md).
//!
//! The layout, all integers big-endian:
//!
//! ```text
//! "SLTA"  magic, 4 bytes
//! u8      format version (1)
//! u16     number of anchors
//! then per anchor:
//!   u16 len, bytes   subject (the Name's DER contents, as webpki keeps it)
//!   u16 len, bytes   subjectPublicKeyInfo (DER contents)
//!   u8               1 if name constraints follow, 0 if none
//!   [u16 len, bytes] name constraints (DER contents), only when flagged
//! ```
//!
//! Nothing else may follow the last anchor. Decoding is bounds-checked and
//! never panics: garbage gives an [`AnchorsError`]. The bytes are what
//! webpki stores in a [`TrustAnchor`]; they are parsed (and any nonsense
//! refused) when a certificate chain is verified against them.

use rustls::pki_types::{Der, TrustAnchor};

/// The first four bytes of an encoded list.
pub const MAGIC: [u8; 4] = *b"SLTA";

/// The format version this code writes and reads.
pub const VERSION: u8 = 1;

/// The largest encoded list [`decode`] accepts; Mozilla's list is about
/// 100 KiB, an operating system's store a few hundred.
pub const MAX_ENCODED_BYTES: usize = 4 << 20;

/// Magic, version and count.
const HEADER_BYTES: usize = MAGIC.len() + 1 + 2;

/// Why bytes are not an encoded trust-anchor list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorsError {
    /// More bytes than [`MAX_ENCODED_BYTES`].
    #[error("trust-anchor list is {len} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// The length given.
        len: usize,
        /// [`MAX_ENCODED_BYTES`].
        limit: usize,
    },
    /// The bytes do not start with [`MAGIC`].
    #[error("not a trust-anchor list (wrong magic)")]
    BadMagic,
    /// A format version this code does not read.
    #[error("trust-anchor list version {0} is not supported (expected {VERSION})")]
    UnsupportedVersion(u8),
    /// The bytes end inside a header, length or field.
    #[error("trust-anchor list is truncated (anchor {index} of {count})")]
    Truncated {
        /// 0-based anchor being read when the bytes ran out.
        index: usize,
        /// The count the header announced.
        count: usize,
    },
    /// A name-constraints flag other than 0 or 1.
    #[error("trust-anchor #{index} has an invalid name-constraints flag {flag}")]
    BadFlag {
        /// 0-based anchor.
        index: usize,
        /// The byte found.
        flag: u8,
    },
    /// An anchor without a public key.
    #[error("trust-anchor #{index} has an empty public key")]
    EmptyKey {
        /// 0-based anchor.
        index: usize,
    },
    /// Bytes after the last announced anchor.
    #[error("{0} unexpected bytes after the last trust anchor")]
    TrailingBytes(usize),
}

/// Why a list cannot be encoded (a field or the count over its `u16`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// More than `u16::MAX` anchors.
    #[error("{0} trust anchors do not fit the format (at most 65535)")]
    TooMany(usize),
    /// A field over `u16::MAX` bytes.
    #[error("trust anchor #{index} has a {len}-byte field (at most 65535)")]
    FieldTooLong {
        /// 0-based anchor.
        index: usize,
        /// The field's length.
        len: usize,
    },
}

/// Encodes `anchors` in the format described in the module doc.
///
/// # Errors
/// [`EncodeError`] when the count or a field does not fit its `u16`.
pub fn encode(anchors: &[TrustAnchor<'_>]) -> Result<Vec<u8>, EncodeError> {
    let count = u16::try_from(anchors.len()).map_err(|_| EncodeError::TooMany(anchors.len()))?;
    let mut out = Vec::with_capacity(HEADER_BYTES + anchors.len() * 300);
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&count.to_be_bytes());
    for (index, anchor) in anchors.iter().enumerate() {
        put_field(&mut out, index, &anchor.subject)?;
        put_field(&mut out, index, &anchor.subject_public_key_info)?;
        match &anchor.name_constraints {
            None => out.push(0),
            Some(constraints) => {
                out.push(1);
                put_field(&mut out, index, constraints)?;
            }
        }
    }
    Ok(out)
}

fn put_field(out: &mut Vec<u8>, index: usize, field: &[u8]) -> Result<(), EncodeError> {
    let len = u16::try_from(field.len()).map_err(|_| EncodeError::FieldTooLong {
        index,
        len: field.len(),
    })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(field);
    Ok(())
}

/// Decodes a list written by [`encode`] into owned anchors.
///
/// # Errors
/// An [`AnchorsError`] for bytes that are over [`MAX_ENCODED_BYTES`], of
/// another format or version, truncated, or followed by extra bytes.
pub fn decode(bytes: &[u8]) -> Result<Vec<TrustAnchor<'static>>, AnchorsError> {
    if bytes.len() > MAX_ENCODED_BYTES {
        return Err(AnchorsError::TooLarge {
            len: bytes.len(),
            limit: MAX_ENCODED_BYTES,
        });
    }
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(AnchorsError::BadMagic);
    }
    let mut reader = Reader {
        rest: &bytes[MAGIC.len()..],
        index: 0,
        count: 0,
    };
    let version = reader.u8()?;
    if version != VERSION {
        return Err(AnchorsError::UnsupportedVersion(version));
    }
    reader.count = usize::from(reader.u16()?);
    // Each anchor takes at least five bytes, so a count the bytes cannot
    // hold is refused before anything is allocated for it.
    let mut anchors = Vec::with_capacity(reader.count.min(reader.rest.len() / 5));
    for index in 0..reader.count {
        reader.index = index;
        let subject = reader.field()?;
        let spki = reader.field()?;
        if spki.is_empty() {
            return Err(AnchorsError::EmptyKey { index });
        }
        let name_constraints = match reader.u8()? {
            0 => None,
            1 => Some(Der::from(reader.field()?.to_vec())),
            flag => return Err(AnchorsError::BadFlag { index, flag }),
        };
        anchors.push(TrustAnchor {
            subject: Der::from(subject.to_vec()),
            subject_public_key_info: Der::from(spki.to_vec()),
            name_constraints,
        });
    }
    if !reader.rest.is_empty() {
        return Err(AnchorsError::TrailingBytes(reader.rest.len()));
    }
    Ok(anchors)
}

/// A cursor over the bytes after the magic.
struct Reader<'a> {
    /// What is left to read.
    rest: &'a [u8],
    /// The anchor being read, for [`AnchorsError::Truncated`].
    index: usize,
    /// The announced count, for [`AnchorsError::Truncated`].
    count: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], AnchorsError> {
        if self.rest.len() < n {
            return Err(AnchorsError::Truncated {
                index: self.index,
                count: self.count,
            });
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, AnchorsError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, AnchorsError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn field(&mut self) -> Result<&'a [u8], AnchorsError> {
        let len = usize::from(self.u16()?);
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn anchor(subject: &[u8], spki: &[u8], nc: Option<&[u8]>) -> TrustAnchor<'static> {
        TrustAnchor {
            subject: Der::from(subject.to_vec()),
            subject_public_key_info: Der::from(spki.to_vec()),
            name_constraints: nc.map(|n| Der::from(n.to_vec())),
        }
    }

    #[test]
    fn mozilla_roots_round_trip() {
        let roots = webpki_roots::TLS_SERVER_ROOTS;
        let bytes = encode(roots).expect("Mozilla's list fits");
        assert_eq!(&bytes[..4], b"SLTA");
        let decoded = decode(&bytes).expect("decodes");
        assert_eq!(decoded.len(), roots.len());
        assert!(roots.iter().any(|r| r.name_constraints.is_some()));
        for (got, want) in decoded.iter().zip(roots) {
            assert_eq!(got, want);
        }
        assert!(bytes.len() < MAX_ENCODED_BYTES);
    }

    #[test]
    fn empty_list_and_name_constraints_round_trip() {
        assert_eq!(decode(&encode(&[]).expect("encodes")), Ok(Vec::new()));
        let list = vec![
            anchor(b"", b"k", None),
            anchor(b"subject", b"key", Some(b"")),
            anchor(b"s", b"key2", Some(b"constraints")),
        ];
        assert_eq!(decode(&encode(&list).expect("encodes")), Ok(list));
    }

    #[test]
    fn every_truncation_is_refused() {
        let list = vec![
            anchor(b"subject", b"key", Some(b"nc")),
            anchor(b"x", b"y", None),
        ];
        let bytes = encode(&list).expect("encodes");
        for len in 0..bytes.len() {
            assert!(
                decode(&bytes[..len]).is_err(),
                "prefix of {len} bytes accepted"
            );
        }
        assert!(matches!(
            decode(&bytes[..bytes.len() - 1]),
            Err(AnchorsError::Truncated { index: 1, count: 2 })
        ));
    }

    #[test]
    fn wrong_magic_version_flag_and_trailing_bytes_are_refused() {
        let bytes = encode(&[anchor(b"s", b"k", None)]).expect("encodes");
        let mut wrong = bytes.clone();
        wrong[0] = b'X';
        assert_eq!(decode(&wrong), Err(AnchorsError::BadMagic));
        assert_eq!(decode(b"<html>not it</html>"), Err(AnchorsError::BadMagic));
        let mut version = bytes.clone();
        version[4] = 2;
        assert_eq!(decode(&version), Err(AnchorsError::UnsupportedVersion(2)));
        let mut flag = bytes.clone();
        let last = flag.len() - 1;
        flag[last] = 7;
        assert_eq!(
            decode(&flag),
            Err(AnchorsError::BadFlag { index: 0, flag: 7 })
        );
        let mut trailing = bytes;
        trailing.extend_from_slice(b"xyz");
        assert_eq!(decode(&trailing), Err(AnchorsError::TrailingBytes(3)));
    }

    #[test]
    fn over_long_lengths_and_counts_are_refused_without_allocating() {
        // A count of 65535 with no anchor bytes behind it.
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&[VERSION, 0xff, 0xff]);
        assert!(matches!(
            decode(&header),
            Err(AnchorsError::Truncated {
                index: 0,
                count: 65535
            })
        ));
        // A subject length far past the end.
        let mut long = header[..5].to_vec();
        long.extend_from_slice(&[0, 1, 0xff, 0xff, b'a']);
        assert!(matches!(decode(&long), Err(AnchorsError::Truncated { .. })));
        let mut empty_key = header[..5].to_vec();
        empty_key.extend_from_slice(&[0, 1, 0, 1, b's', 0, 0, 0]);
        assert_eq!(decode(&empty_key), Err(AnchorsError::EmptyKey { index: 0 }));
        let huge = vec![0_u8; MAX_ENCODED_BYTES + 1];
        assert!(matches!(decode(&huge), Err(AnchorsError::TooLarge { .. })));
    }

    #[test]
    fn fields_over_u16_cannot_be_encoded() {
        let big = vec![0_u8; 70_000];
        assert_eq!(
            encode(&[anchor(b"s", &big, None)]),
            Err(EncodeError::FieldTooLong {
                index: 0,
                len: 70_000
            })
        );
    }
}
