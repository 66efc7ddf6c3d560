//! A small, strict DER reader: tag-length-value elements over a byte slice,
//! definite lengths only, every length checked against the input.
//!
//! Why our own and not a crate: the tab's wasm has a size budget, and
//! x509-parser (with asn1-rs, der-parser, nom and its OID registry) cost
//! ~80 KB of code plus OID tables for what [`super::certificate`] needs: a
//! dozen fields of one certificate, read only to describe it (rustls-webpki
//! does the verifying). This reader knows just enough of X.690 for that:
//! low tag numbers, minimal definite lengths up to 4 GiB, OBJECT IDENTIFIER
//! and INTEGER contents. It never panics on input and never allocates
//! except to format an OID.
//! <https://www.itu.int/rec/T-REC-X.690>

use std::fmt::Write as _;

/// Universal tag of BOOLEAN.
pub(crate) const BOOLEAN: u8 = 0x01;
/// Universal tag of INTEGER.
pub(crate) const INTEGER: u8 = 0x02;
/// Universal tag of BIT STRING.
pub(crate) const BIT_STRING: u8 = 0x03;
/// Universal tag of OCTET STRING.
pub(crate) const OCTET_STRING: u8 = 0x04;
/// Universal tag of OBJECT IDENTIFIER.
pub(crate) const OID: u8 = 0x06;
/// Universal tag of UTCTime.
pub(crate) const UTC_TIME: u8 = 0x17;
/// Universal tag of GeneralizedTime.
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
/// Universal, constructed SEQUENCE (and SEQUENCE OF).
pub(crate) const SEQUENCE: u8 = 0x30;
/// Universal, constructed SET (and SET OF).
pub(crate) const SET: u8 = 0x31;

/// Why the bytes are not the DER that was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DerError {
    /// The input ends inside an element (tag, length or value).
    #[error("truncated")]
    Truncated,
    /// A tag number of 31 or more (several tag bytes); X.509 uses none.
    #[error("multi-byte tag")]
    HighTagNumber,
    /// BER's indefinite length (0x80), which DER forbids.
    #[error("indefinite length")]
    IndefiniteLength,
    /// A long-form length that a shorter form could have said.
    #[error("non-minimal length")]
    NonMinimalLength,
    /// A length of more than 4 bytes (over 4 GiB).
    #[error("length too large")]
    LengthTooLarge,
    /// Another element was expected here.
    #[error("expected tag 0x{expected:02x}, found 0x{found:02x}")]
    UnexpectedTag {
        /// The tag the structure has here.
        expected: u8,
        /// The tag in the input.
        found: u8,
    },
    /// Bytes after the last element of a structure.
    #[error("trailing data")]
    TrailingData,
    /// An OBJECT IDENTIFIER that is empty, non-minimal or too large.
    #[error("malformed object identifier")]
    BadOid,
    /// An INTEGER that is empty or not minimally encoded.
    #[error("malformed integer")]
    BadInteger,
    /// A primitive value with invalid contents (a time, a boolean, …).
    #[error("malformed value")]
    BadValue,
}

/// One element: its tag and its contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    /// The identifier octet (class, constructed bit and tag number).
    pub(crate) tag: u8,
    /// The contents octets.
    pub(crate) value: &'a [u8],
}

/// A cursor over consecutive DER elements (the contents of a SEQUENCE, or
/// a whole input).
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `input`.
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    /// No elements left.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next element, without reading it.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads the next element.
    pub(crate) fn read(&mut self) -> Result<Tlv<'a>, DerError> {
        let (&tag, after_tag) = self.rest.split_first().ok_or(DerError::Truncated)?;
        if tag & 0x1f == 0x1f {
            return Err(DerError::HighTagNumber);
        }
        let (&first, mut after_len) = after_tag.split_first().ok_or(DerError::Truncated)?;
        let len = match first {
            0..=0x7f => usize::from(first),
            0x80 => return Err(DerError::IndefiniteLength),
            _ => {
                let count = usize::from(first & 0x7f);
                if count > 4 {
                    return Err(DerError::LengthTooLarge);
                }
                let (bytes, rest) = after_len
                    .split_at_checked(count)
                    .ok_or(DerError::Truncated)?;
                after_len = rest;
                let len = bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
                // DER: the shortest form, so no leading zero byte and no
                // long form for lengths under 128.
                if bytes.first() == Some(&0) || len < 0x80 {
                    return Err(DerError::NonMinimalLength);
                }
                usize::try_from(len).map_err(|_| DerError::LengthTooLarge)?
            }
        };
        if len > after_len.len() {
            return Err(DerError::Truncated);
        }
        let (value, rest) = after_len.split_at(len);
        self.rest = rest;
        Ok(Tlv { tag, value })
    }

    /// Reads the next element, which must have tag `expected`, and
    /// returns its contents.
    pub(crate) fn expect(&mut self, expected: u8) -> Result<&'a [u8], DerError> {
        let tlv = self.read()?;
        if tlv.tag == expected {
            Ok(tlv.value)
        } else {
            Err(DerError::UnexpectedTag {
                expected,
                found: tlv.tag,
            })
        }
    }

    /// Reads the next element if it has tag `tag` (an OPTIONAL field).
    pub(crate) fn optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>, DerError> {
        if self.peek_tag() == Some(tag) {
            self.expect(tag).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Errs unless every element was read.
    pub(crate) fn finish(&self) -> Result<(), DerError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DerError::TrailingData)
        }
    }
}

/// The contents of the single element of `input`, which must have tag
/// `tag` and nothing after it.
pub(crate) fn single(input: &[u8], tag: u8) -> Result<&[u8], DerError> {
    let mut reader = Reader::new(input);
    let value = reader.expect(tag)?;
    reader.finish()?;
    Ok(value)
}

/// OBJECT IDENTIFIER contents as dotted decimal, e.g. `2.5.4.3`.
pub(crate) fn oid_to_string(contents: &[u8]) -> Result<String, DerError> {
    if contents.last().is_none_or(|b| b & 0x80 != 0) {
        return Err(DerError::BadOid);
    }
    let mut out = String::new();
    let mut arc: u64 = 0;
    let mut start = true;
    for &byte in contents {
        // A subidentifier's first byte is never 0x80 (non-minimal).
        if start && byte == 0x80 {
            return Err(DerError::BadOid);
        }
        if arc > u64::MAX >> 7 {
            return Err(DerError::BadOid);
        }
        arc = (arc << 7) | u64::from(byte & 0x7f);
        start = byte & 0x80 == 0;
        if start {
            if out.is_empty() {
                // The first subidentifier packs two arcs: 40 * X + Y.
                let (x, y) = match arc {
                    0..=39 => (0, arc),
                    40..=79 => (1, arc - 40),
                    _ => (2, arc - 80),
                };
                let _ = write!(out, "{x}.{y}");
            } else {
                let _ = write!(out, ".{arc}");
            }
            arc = 0;
        }
    }
    Ok(out)
}

/// The size in bits of the non-negative INTEGER with these contents
/// (e.g. an RSA modulus), or an error for a negative or non-minimal one.
pub(crate) fn unsigned_bits(contents: &[u8]) -> Result<u32, DerError> {
    let (&first, tail) = contents.split_first().ok_or(DerError::BadInteger)?;
    if first & 0x80 != 0 {
        return Err(DerError::BadInteger);
    }
    let magnitude = if first == 0 {
        match tail.first() {
            None => return Ok(0),
            // A leading zero is only there to clear the sign bit.
            Some(&next) if next & 0x80 == 0 => return Err(DerError::BadInteger),
            Some(_) => tail,
        }
    } else {
        contents
    };
    let top = magnitude.first().map_or(0, |&b| 8 - b.leading_zeros());
    let rest = u32::try_from(magnitude.len() - 1)
        .ok()
        .and_then(|n| n.checked_mul(8))
        .ok_or(DerError::BadInteger)?;
    Ok(rest + top)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn short_and_long_lengths_are_read() {
        let mut input = vec![0x04, 0x03, 1, 2, 3, 0x04, 0x81, 0x80];
        input.extend([7; 0x80]);
        let mut reader = Reader::new(&input);
        assert_eq!(reader.expect(OCTET_STRING), Ok(&[1u8, 2, 3][..]));
        assert_eq!(reader.peek_tag(), Some(OCTET_STRING));
        assert_eq!(reader.read().map(|t| t.value.len()), Ok(0x80));
        assert!(reader.is_empty());
        assert_eq!(reader.finish(), Ok(()));
    }

    #[test]
    fn malformed_lengths_are_typed_errors() {
        let cases: &[(&[u8], DerError)] = &[
            (&[], DerError::Truncated),
            (&[0x30], DerError::Truncated),
            (&[0x30, 0x05, 1, 2], DerError::Truncated),
            (&[0x30, 0x82, 0x01], DerError::Truncated),
            (&[0x30, 0x80, 0, 0], DerError::IndefiniteLength),
            (
                &[0x30, 0x81, 0x05, 1, 2, 3, 4, 5],
                DerError::NonMinimalLength,
            ),
            (&[0x30, 0x82, 0x00, 0x90], DerError::NonMinimalLength),
            (&[0x30, 0x85, 1, 0, 0, 0, 0], DerError::LengthTooLarge),
            (
                &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0],
                DerError::Truncated,
            ),
            (&[0x1f, 0x81, 0x01, 0x00], DerError::HighTagNumber),
        ];
        for (input, error) in cases {
            assert_eq!(Reader::new(input).read(), Err(*error), "{input:02x?}");
        }
    }

    #[test]
    fn tags_and_trailing_bytes_are_checked() {
        assert_eq!(
            single(&[0x02, 0x01, 0x05], SEQUENCE),
            Err(DerError::UnexpectedTag {
                expected: SEQUENCE,
                found: INTEGER
            })
        );
        assert_eq!(
            single(&[0x05, 0x00, 0x00], 0x05),
            Err(DerError::TrailingData)
        );
        assert_eq!(single(&[0x05, 0x00], 0x05), Ok(&[][..]));
        let mut reader = Reader::new(&[0x05, 0x00]);
        assert_eq!(reader.optional(BOOLEAN), Ok(None));
        assert_eq!(reader.optional(0x05), Ok(Some(&[][..])));
    }

    #[test]
    fn object_identifiers_print_dotted() {
        assert_eq!(oid_to_string(&[0x55, 0x04, 0x03]).as_deref(), Ok("2.5.4.3"));
        assert_eq!(
            oid_to_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]).as_deref(),
            Ok("1.2.840.113549.1.1.1")
        );
        assert_eq!(
            oid_to_string(&[0x2b, 0x81, 0x04, 0x00, 0x22]).as_deref(),
            Ok("1.3.132.0.34")
        );
        assert_eq!(oid_to_string(&[0x88, 0x37]).as_deref(), Ok("2.999"));
        assert_eq!(oid_to_string(&[]), Err(DerError::BadOid));
        assert_eq!(oid_to_string(&[0x55, 0x84]), Err(DerError::BadOid));
        assert_eq!(oid_to_string(&[0x55, 0x80, 0x01]), Err(DerError::BadOid));
        assert_eq!(oid_to_string(&[0xff; 12]), Err(DerError::BadOid));
    }

    #[test]
    fn integer_sizes_ignore_the_sign_byte() {
        assert_eq!(unsigned_bits(&[0x00, 0x80, 0x00]), Ok(16));
        assert_eq!(unsigned_bits(&[0x01, 0x00]), Ok(9));
        assert_eq!(unsigned_bits(&[0x00]), Ok(0));
        assert_eq!(unsigned_bits(&[0x7f]), Ok(7));
        assert_eq!(unsigned_bits(&[]), Err(DerError::BadInteger));
        assert_eq!(unsigned_bits(&[0x80]), Err(DerError::BadInteger));
        assert_eq!(unsigned_bits(&[0x00, 0x01]), Err(DerError::BadInteger));
    }
}
