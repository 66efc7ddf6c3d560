//! Distinguished names ([`Name`]): read from DER and printed as text.

use std::fmt::Write as _;

use super::super::der::{self, DerError, Reader};

/// A distinguished name: its DER (to compare names byte for byte, as
/// path building does) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name<'a> {
    /// The Name's contents octets.
    pub(crate) raw: &'a [u8],
    /// `CN=…, O=…` in certificate order (see `name_to_string`).
    pub(crate) text: String,
}

/// Reads a Name (SEQUENCE OF RelativeDistinguishedName).
pub(super) fn name<'a>(reader: &mut Reader<'a>) -> Result<Name<'a>, DerError> {
    let raw = reader.expect(der::SEQUENCE)?;
    Ok(Name {
        raw,
        text: name_to_string(raw)?,
    })
}

/// A Name's contents as text, close to RFC 4514 but in certificate order
/// (as x509-parser printed it, which the report used before): attributes
/// `TYPE=value` joined by `, `, several in one RDN by ` + `, types by
/// their short names or as dotted OIDs, values unescaped.
fn name_to_string(contents: &[u8]) -> Result<String, DerError> {
    let mut out = String::new();
    let mut rdns = Reader::new(contents);
    while !rdns.is_empty() {
        let mut set = Reader::new(rdns.expect(der::SET)?);
        if set.is_empty() {
            return Err(DerError::BadValue);
        }
        let mut first_in_rdn = true;
        while !set.is_empty() {
            let mut attribute = Reader::new(set.expect(der::SEQUENCE)?);
            let oid = der::oid_to_string(attribute.expect(der::OID)?)?;
            let value = attribute.read()?;
            attribute.finish()?;
            if !out.is_empty() {
                out.push_str(if first_in_rdn { ", " } else { " + " });
            }
            first_in_rdn = false;
            out.push_str(attribute_name(&oid).unwrap_or(&oid));
            out.push('=');
            attribute_value(value, &mut out)?;
        }
    }
    Ok(out)
}

/// Short names of the attribute types printed (OpenSSL's); others print
/// as dotted OIDs.
fn attribute_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.15" => "businessCategory",
        "2.5.4.17" => "postalCode",
        "2.5.4.42" => "GN",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        _ => return None,
    })
}

/// Appends an attribute value: the string types as text (invalid bytes
/// replaced), anything else as upper-case hex of its contents.
fn attribute_value(value: der::Tlv<'_>, out: &mut String) -> Result<(), DerError> {
    match value.tag {
        // UTF8String, NumericString, PrintableString, TeletexString,
        // VideotexString, IA5String, GraphicString, VisibleString,
        // GeneralString.
        0x0c | 0x12 | 0x13 | 0x14 | 0x15 | 0x16 | 0x19 | 0x1a | 0x1b => {
            out.push_str(&String::from_utf8_lossy(value.value));
        }
        // BMPString: UTF-16BE.
        0x1e => {
            let chunks = value.value.chunks_exact(2);
            if !chunks.remainder().is_empty() {
                return Err(DerError::BadValue);
            }
            let units = chunks.map(|c| u16::from_be_bytes([c[0], c[1]]));
            out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')));
        }
        // UniversalString: UTF-32BE.
        0x1c => {
            let chunks = value.value.chunks_exact(4);
            if !chunks.remainder().is_empty() {
                return Err(DerError::BadValue);
            }
            out.extend(chunks.map(|c| {
                char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])).unwrap_or('\u{fffd}')
            }));
        }
        _ => {
            for byte in value.value {
                let _ = write!(out, "{byte:02X}");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// An AttributeTypeAndValue for 2.5.4.`kind` with this value element.
    fn attribute(kind: u8, tag: u8, value: &[u8]) -> Vec<u8> {
        let mut inner = vec![der::OID, 3, 0x55, 0x04, kind, tag, value.len() as u8];
        inner.extend_from_slice(value);
        let mut out = vec![der::SEQUENCE, inner.len() as u8];
        out.extend(inner);
        out
    }

    fn set(attributes: &[Vec<u8>]) -> Vec<u8> {
        let inner = attributes.concat();
        let mut out = vec![der::SET, inner.len() as u8];
        out.extend(inner);
        out
    }

    #[test]
    fn several_attributes_in_one_rdn_join_with_plus() {
        let contents = [
            set(&[attribute(3, 0x0c, b"a"), attribute(11, 0x13, b"b")]),
            set(&[attribute(6, 0x13, b"FR")]),
        ]
        .concat();
        assert_eq!(
            name_to_string(&contents).as_deref(),
            Ok("CN=a + OU=b, C=FR")
        );
        assert_eq!(name_to_string(&[]).as_deref(), Ok(""));
    }

    #[test]
    fn non_string_values_print_as_hex_and_unknown_types_as_oids() {
        let contents = set(&[attribute(97, der::OCTET_STRING, &[0xde, 0xad])]);
        assert_eq!(name_to_string(&contents).as_deref(), Ok("2.5.4.97=DEAD"));
        let invalid_utf8 = set(&[attribute(3, 0x0c, &[b'x', 0xff])]);
        assert_eq!(name_to_string(&invalid_utf8).as_deref(), Ok("CN=x\u{fffd}"));
    }

    #[test]
    fn malformed_names_are_errors() {
        assert_eq!(name_to_string(&set(&[])), Err(DerError::BadValue));
        let odd_bmp = set(&[attribute(3, 0x1e, &[0, b'a', 0])]);
        assert_eq!(name_to_string(&odd_bmp), Err(DerError::BadValue));
        let mut extra = set(&[attribute(3, 0x0c, b"a")]);
        extra.extend([der::SEQUENCE, 0]);
        assert!(matches!(
            name_to_string(&extra),
            Err(DerError::UnexpectedTag { .. })
        ));
        assert_eq!(name_to_string(&[der::SET, 5, 0]), Err(DerError::Truncated));
    }
}
