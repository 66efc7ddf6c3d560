//! hickory's records as the wire's [`DnsRecord`]s: which hickory type a
//! [`RecordType`] asks for ([`query_type`]), one record's shape
//! ([`to_record`]), and the order a `resolved` lists them in ([`arrange`]).

use std::fmt::Write as _;
use std::net::IpAddr;

use hickory_resolver::proto::rr::{Name, RData, RecordType as HickoryType};
use smtplab_shared::wire::{DnsRecord, RecordType};

/// The hickory type to ask for.
pub(super) fn query_type(rtype: RecordType) -> HickoryType {
    match rtype {
        RecordType::Mx => HickoryType::MX,
        RecordType::A => HickoryType::A,
        RecordType::Aaaa => HickoryType::AAAA,
        RecordType::Txt => HickoryType::TXT,
        RecordType::Ptr => HickoryType::PTR,
        RecordType::Tlsa => HickoryType::TLSA,
        RecordType::Cname => HickoryType::CNAME,
    }
}

/// The record as the wire shows it, when it is of the type asked for
/// (an answer also holds the CNAMEs followed to reach it, and RRSIGs).
pub(super) fn to_record(rtype: RecordType, data: &RData) -> Option<DnsRecord> {
    Some(match (rtype, data) {
        (RecordType::Mx, RData::MX(mx)) => DnsRecord::Mx {
            preference: mx.preference,
            exchange: name_text(&mx.exchange),
        },
        (RecordType::A, RData::A(a)) => DnsRecord::Address {
            address: IpAddr::V4(a.0),
        },
        (RecordType::Aaaa, RData::AAAA(aaaa)) => DnsRecord::Address {
            address: IpAddr::V6(aaaa.0),
        },
        (RecordType::Txt, RData::TXT(txt)) => DnsRecord::Txt {
            text: txt_text(&txt.txt_data),
        },
        (RecordType::Ptr, RData::PTR(ptr)) => DnsRecord::Name {
            name: name_text(&ptr.0),
        },
        (RecordType::Cname, RData::CNAME(cname)) => DnsRecord::Name {
            name: name_text(&cname.0),
        },
        (RecordType::Tlsa, RData::TLSA(tlsa)) => DnsRecord::Tlsa {
            usage: tlsa.cert_usage.into(),
            selector: tlsa.selector.into(),
            matching_type: tlsa.matching.into(),
            data: lower_hex(&tlsa.cert_data),
        },
        _ => return None,
    })
}

/// Puts records in the order `resolved` promises and drops duplicates:
/// MX by preference, then name; TXT, TLSA, PTR and CNAME sorted too (their
/// order on the wire is random, RFC 2181 §5); A and AAAA as the server
/// gave them (some servers order them on purpose).
pub(super) fn arrange(rtype: RecordType, records: &mut Vec<DnsRecord>) {
    match rtype {
        RecordType::A | RecordType::Aaaa => {
            let mut seen = std::collections::HashSet::new();
            records.retain(|r| seen.insert(r.clone()));
        }
        RecordType::Mx => {
            records.sort_by(|a, b| mx_key(a).cmp(&mx_key(b)));
            records.dedup();
        }
        RecordType::Txt | RecordType::Ptr | RecordType::Tlsa | RecordType::Cname => {
            records.sort_by_key(sort_key);
            records.dedup();
        }
    }
}

fn mx_key(record: &DnsRecord) -> (u16, &str) {
    match record {
        DnsRecord::Mx {
            preference,
            exchange,
        } => (*preference, exchange.as_str()),
        _ => (u16::MAX, ""),
    }
}

fn sort_key(record: &DnsRecord) -> (u8, u8, u8, String) {
    match record {
        DnsRecord::Txt { text } => (0, 0, 0, text.clone()),
        DnsRecord::Name { name } => (0, 0, 0, name.clone()),
        DnsRecord::Tlsa {
            usage,
            selector,
            matching_type,
            data,
        } => (*usage, *selector, *matching_type, data.clone()),
        DnsRecord::Mx { .. } | DnsRecord::Address { .. } => (0, 0, 0, String::new()),
    }
}

/// A name without the trailing dot; the root (a null MX, RFC 7505) as `"."`.
fn name_text(name: &Name) -> String {
    if name.is_root() {
        return ".".to_owned();
    }
    let text = name.to_ascii();
    text.strip_suffix('.').unwrap_or(&text).to_owned()
}

/// A TXT record's character-strings joined with nothing between them
/// (RFC 7208 §3.3, RFC 7489 §6.3: a long SPF or DMARC record is split into
/// several strings of at most 255 octets); bytes that are not UTF-8 become
/// U+FFFD.
fn txt_text(strings: &[Box<[u8]>]) -> String {
    let joined: Vec<u8> = strings.iter().flat_map(|s| s.iter().copied()).collect();
    String::from_utf8_lossy(&joined).into_owned()
}

fn lower_hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

#[cfg(test)]
mod tests {
    use hickory_resolver::proto::rr::rdata::tlsa::{CertUsage, Matching, Selector};
    use hickory_resolver::proto::rr::rdata::{CNAME, PTR, TLSA, TXT};

    use super::*;

    #[test]
    fn txt_strings_are_joined_without_separator_and_bad_utf8_is_replaced() {
        let long = "a".repeat(255);
        let txt = TXT::from_bytes(vec![long.as_bytes(), b"b c", b"\xffd"]);
        assert_eq!(
            to_record(RecordType::Txt, &RData::TXT(txt)),
            Some(DnsRecord::Txt {
                text: format!("{long}b c\u{fffd}d")
            })
        );
    }

    #[test]
    fn tlsa_ptr_and_cname_take_their_wire_shapes() {
        let tlsa = TLSA::new(
            CertUsage::DaneEe,
            Selector::Spki,
            Matching::Sha256,
            vec![0xab, 0x01, 0xff],
        );
        assert_eq!(
            to_record(RecordType::Tlsa, &RData::TLSA(tlsa)),
            Some(DnsRecord::Tlsa {
                usage: 3,
                selector: 1,
                matching_type: 1,
                data: "ab01ff".into()
            })
        );
        let target = Name::from_ascii("mx.example.").expect("name");
        assert_eq!(
            to_record(RecordType::Ptr, &RData::PTR(PTR(target.clone()))),
            Some(DnsRecord::Name {
                name: "mx.example".into()
            })
        );
        let cname = RData::CNAME(CNAME(target));
        assert_eq!(
            to_record(RecordType::Cname, &cname),
            Some(DnsRecord::Name {
                name: "mx.example".into()
            })
        );
        // A CNAME in the answer to another type is the path, not the answer.
        assert_eq!(to_record(RecordType::Txt, &cname), None);
    }

    #[test]
    fn records_are_ordered_and_deduplicated_per_type() {
        let txt = |t: &str| DnsRecord::Txt { text: t.into() };
        let mut records = vec![txt("v=spf1 -all"), txt("b"), txt("v=spf1 -all")];
        arrange(RecordType::Txt, &mut records);
        assert_eq!(records, [txt("b"), txt("v=spf1 -all")]);
        let a = |ip: &str| DnsRecord::Address {
            address: ip.parse().expect("ip"),
        };
        let mut records = vec![a("192.0.2.9"), a("192.0.2.1"), a("192.0.2.9")];
        arrange(RecordType::A, &mut records);
        assert_eq!(records, [a("192.0.2.9"), a("192.0.2.1")]);
    }
}
