//! TXT, PTR, TLSA and CNAME through the bridge, against the dnsmasq of
//! [`start_dnsmasq`](super::start_dnsmasq), whose zone [`DNSMASQ_RECORDS`] adds to:
//! each type's shape, and NXDOMAIN and NODATA for each.

use smtplab_shared::wire::{reverse_name, DnsRecord, ErrorCode, RecordType, ServerMessage};

use super::{bridge, error_code, resolve, session, start_dnsmasq};

/// dnsmasq's flags for these trials' records. dnsmasq splits a text over
/// 255 octets into several character-strings, as a zone file must.
pub(super) const DNSMASQ_RECORDS: &[&str] = &[
    // Two TXT records, one of them two strings.
    "--txt-record=txt.smtplab.test,v=spf1 -all",
    "--txt-record=txt.smtplab.test,v=DMARC1; p=reject; ,rua=mailto:d@smtplab.test",
    // 300 octets: sent as strings of 255 and 45.
    concat!(
        "--txt-record=long.smtplab.test,",
        "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz",
        "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz",
        "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz",
        "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz",
        "0123456789ab"
    ),
    // Reverse names of documentation addresses (RFC 5737, RFC 3849): only
    // names here, nothing is sent to them.
    "--local=/2.0.192.in-addr.arpa/",
    "--ptr-record=10.2.0.192.in-addr.arpa,ptr.smtplab.test",
    "--local=/8.b.d.0.1.0.0.2.ip6.arpa/",
    "--ptr-record=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa,ptr6.smtplab.test",
    "--cname=alias.smtplab.test,mx1.smtplab.test",
    // TLSA (type 52): usage 3, selector 1, matching type 1, data.
    "--dns-rr=_25._tcp.mx1.smtplab.test,52,030101ABCDEF0123456789",
    "--dns-rr=_25._tcp.mx1.smtplab.test,52,020001FF00",
];

fn answer(msg: ServerMessage) -> Vec<DnsRecord> {
    match msg {
        ServerMessage::Resolved {
            records,
            authenticated,
            ..
        } => {
            assert_eq!(authenticated, None, "no --dnssec: nothing to say");
            records
        }
        other => panic!("expected resolved, got {other:?}"),
    }
}

fn text(t: &str) -> DnsRecord {
    DnsRecord::Txt { text: t.into() }
}

fn name(n: &str) -> DnsRecord {
    DnsRecord::Name { name: n.into() }
}

#[tokio::test]
async fn txt_records_come_whole_with_their_strings_joined() {
    let dns = start_dnsmasq();
    let bridge = bridge(|c| c.dns_server = Some(dns.addr)).await;
    let mut ws = session(&bridge.addr.to_string()).await;

    let two = resolve(&mut ws, "txt.smtplab.test", RecordType::Txt, Some(1)).await;
    assert!(
        matches!(
            &two,
            ServerMessage::Resolved {
                rtype: RecordType::Txt,
                id: Some(1),
                ..
            }
        ),
        "{two:?}"
    );
    assert_eq!(
        answer(two),
        [
            text("v=DMARC1; p=reject; rua=mailto:d@smtplab.test"),
            text("v=spf1 -all"),
        ]
    );
    let long = answer(resolve(&mut ws, "long.smtplab.test", RecordType::Txt, None).await);
    let expected = format!(
        "{}0123456789ab",
        "0123456789abcdefghijklmnopqrstuvwxyz".repeat(8)
    );
    assert_eq!(expected.len(), 300);
    assert_eq!(long, [text(&expected)]);

    let nodata = resolve(&mut ws, "nomx.test", RecordType::Txt, None).await;
    assert_eq!(error_code(&nodata), ErrorCode::NoRecords, "{nodata:?}");
    let nx = resolve(&mut ws, "nothere.test", RecordType::Txt, None).await;
    assert_eq!(error_code(&nx), ErrorCode::Nxdomain, "{nx:?}");
}

#[tokio::test]
async fn ptr_records_answer_the_reverse_name_of_an_address() {
    let dns = start_dnsmasq();
    let bridge = bridge(|c| c.dns_server = Some(dns.addr)).await;
    let mut ws = session(&bridge.addr.to_string()).await;

    let reverse = reverse_name("192.0.2.10".parse().expect("ip"));
    assert_eq!(reverse, "10.2.0.192.in-addr.arpa");
    let ptr = answer(resolve(&mut ws, &reverse, RecordType::Ptr, Some(4)).await);
    assert_eq!(ptr, [name("ptr.smtplab.test")]);
    let reverse6 = reverse_name("2001:db8::1".parse().expect("ip"));
    let ptr6 = answer(resolve(&mut ws, &reverse6, RecordType::Ptr, None).await);
    assert_eq!(ptr6, [name("ptr6.smtplab.test")]);

    let nx = resolve(&mut ws, "99.2.0.192.in-addr.arpa", RecordType::Ptr, None).await;
    assert_eq!(error_code(&nx), ErrorCode::Nxdomain, "{nx:?}");
    let nodata = resolve(&mut ws, "mx1.smtplab.test", RecordType::Ptr, None).await;
    assert_eq!(error_code(&nodata), ErrorCode::NoRecords, "{nodata:?}");
}

#[tokio::test]
async fn tlsa_records_come_as_numbers_and_lower_hex() {
    let dns = start_dnsmasq();
    let bridge = bridge(|c| c.dns_server = Some(dns.addr)).await;
    let mut ws = session(&bridge.addr.to_string()).await;

    let tlsa = answer(resolve(&mut ws, "_25._tcp.mx1.smtplab.test", RecordType::Tlsa, None).await);
    assert_eq!(
        tlsa,
        [
            DnsRecord::Tlsa {
                usage: 2,
                selector: 0,
                matching_type: 1,
                data: "ff00".into()
            },
            DnsRecord::Tlsa {
                usage: 3,
                selector: 1,
                matching_type: 1,
                data: "abcdef0123456789".into()
            },
        ]
    );
    let nodata = resolve(&mut ws, "mx1.smtplab.test", RecordType::Tlsa, None).await;
    assert_eq!(error_code(&nodata), ErrorCode::NoRecords, "{nodata:?}");
    let nx = resolve(&mut ws, "_25._tcp.nothere.test", RecordType::Tlsa, None).await;
    assert_eq!(error_code(&nx), ErrorCode::Nxdomain, "{nx:?}");
}

#[tokio::test]
async fn a_cname_lookup_gives_the_alias_and_other_lookups_follow_it() {
    let dns = start_dnsmasq();
    let bridge = bridge(|c| c.dns_server = Some(dns.addr)).await;
    let mut ws = session(&bridge.addr.to_string()).await;

    let cname = answer(resolve(&mut ws, "alias.smtplab.test", RecordType::Cname, None).await);
    assert_eq!(cname, [name("mx1.smtplab.test")]);
    // An A lookup follows the alias and lists only the address.
    let a = answer(resolve(&mut ws, "alias.smtplab.test", RecordType::A, None).await);
    assert_eq!(
        a,
        [DnsRecord::Address {
            address: "127.0.0.2".parse().expect("ip")
        }]
    );
    let nodata = resolve(&mut ws, "mx1.smtplab.test", RecordType::Cname, None).await;
    assert_eq!(error_code(&nodata), ErrorCode::NoRecords, "{nodata:?}");
    let nx = resolve(&mut ws, "nothere.test", RecordType::Cname, None).await;
    assert_eq!(error_code(&nx), ErrorCode::Nxdomain, "{nx:?}");
}
