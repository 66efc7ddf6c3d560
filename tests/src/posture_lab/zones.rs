//! The lab's DNS data as dnsmasq options: `good.test` (every posture check
//! passes), `bad.test` (each one fails or warns) and `nomail.test` (an A
//! record and nothing else), plus the reverse zone of `127.0.0.0/8`.
//!
//! Addresses are `--host-record`s, which make the name exist (NODATA, not
//! NXDOMAIN, for its other types) and also a PTR. A `--ptr-record` for the
//! same address overrides that PTR: `127.0.0.4` points to
//! `host.elsewhere.test`, `127.0.0.1` to `localhost`. `127.0.0.5` must have
//! no PTR at all, so `mx2.bad.test`'s address is a raw A record
//! (`--dns-rr=NAME,1,HEX`, no PTR made); dnsmasq does not count a raw
//! record as making its name exist, so an inert NAPTR at the name does
//! (AAAA is then NODATA, as a real server answers). `127.in-addr.arpa` is
//! `--local`, so a missing PTR is NXDOMAIN rather than a refused forward.

use std::net::Ipv4Addr;

use super::{
    LabMx, BAD_DOMAIN, BAD_TLSA_HEX, ELSEWHERE_ADDR, ELSEWHERE_HOST, GOOD_DOMAIN, NOMAIL_ADDR,
    NOMAIL_DOMAIN, POLICY_HOST_ADDR, POLICY_HOST_PTR, SPF_INCLUDES,
};

/// TLSA (RFC 6698) as a dnsmasq raw record type.
const TLSA: u16 = 52;
/// An A record as a raw record type (no PTR made).
const A: u16 = 1;

/// What the zones need from the running lab.
#[derive(Debug)]
pub(super) struct ZoneInputs<'a> {
    /// The STARTTLS port of every MX, in the TLSA owner names
    /// (`_PORT._tcp.HOST`).
    pub(super) smtp_port: u16,
    /// SHA-256 of mx1.good.test's SubjectPublicKeyInfo, hex (TLSA 3 1 1).
    pub(super) mx1_good_spki_sha256: &'a str,
    /// SHA-256 of mx2.good.test's whole certificate, hex (TLSA 3 0 1).
    pub(super) mx2_good_cert_sha256: &'a str,
}

/// Every record option for dnsmasq, in the order of the lab's table.
pub(super) fn records(inputs: &ZoneInputs<'_>) -> Vec<String> {
    let port = inputs.smtp_port;
    let mut records = vec![
        // The reverse zone is answered here only: no PTR is NXDOMAIN.
        "--local=/127.in-addr.arpa/".to_owned(),
    ];
    // good.test: two MX, forward-confirmed PTRs, a strict SPF/DMARC,
    // MTA-STS enforce, TLS-RPT, DANE on both MX.
    records.extend(mx(GOOD_DOMAIN, &[LabMx::Mx1Good, LabMx::Mx2Good]));
    for host in [LabMx::Mx1Good, LabMx::Mx2Good] {
        records.push(host_record(host.host(), host.addr()));
    }
    records.extend([
        txt(GOOD_DOMAIN, "v=spf1 mx include:_spf.good.test -all"),
        txt("_spf.good.test", "v=spf1 ip4:127.0.0.0/8 -all"),
        txt(
            "_dmarc.good.test",
            "v=DMARC1; p=reject; rua=mailto:dmarc@good.test; adkim=s; aspf=s",
        ),
        txt("_mta-sts.good.test", "v=STSv1; id=20261206T000000"),
        host_record("mta-sts.good.test", POLICY_HOST_ADDR),
        txt(
            "_smtp._tls.good.test",
            "v=TLSRPTv1; rua=mailto:tlsrpt@good.test",
        ),
        tlsa(
            port,
            LabMx::Mx1Good.host(),
            3,
            1,
            1,
            inputs.mx1_good_spki_sha256,
        ),
        tlsa(
            port,
            LabMx::Mx2Good.host(),
            3,
            0,
            1,
            inputs.mx2_good_cert_sha256,
        ),
    ]);
    // bad.test: a PTR that is not forward-confirmed, no PTR at all, two SPF
    // records (one +all, one over the 10-lookup limit), DMARC p=none, an
    // MTA-STS policy not naming the MX, no TLS-RPT, a TLSA matching nothing.
    records.extend(mx(BAD_DOMAIN, &[LabMx::Mx1Bad, LabMx::Mx2Bad]));
    records.extend([
        host_record(LabMx::Mx1Bad.host(), LabMx::Mx1Bad.addr()),
        ptr(LabMx::Mx1Bad.addr(), ELSEWHERE_HOST),
        host_record(ELSEWHERE_HOST, ELSEWHERE_ADDR),
        a(LabMx::Mx2Bad.host(), LabMx::Mx2Bad.addr()),
        // Inert (nothing asks for NAPTR); it makes the name exist.
        format!("--naptr-record={},1,1,,,,.", LabMx::Mx2Bad.host()),
        txt(BAD_DOMAIN, "v=spf1 +all"),
        txt(BAD_DOMAIN, &spf_over_the_limit()),
    ]);
    for include in SPF_INCLUDES {
        records.push(txt(include, "v=spf1 -all"));
    }
    records.extend([
        txt("_dmarc.bad.test", "v=DMARC1; p=none"),
        txt("_mta-sts.bad.test", "v=STSv1; id=1"),
        host_record("mta-sts.bad.test", POLICY_HOST_ADDR),
        ptr(POLICY_HOST_ADDR, POLICY_HOST_PTR),
        tlsa(port, LabMx::Mx1Bad.host(), 3, 1, 1, BAD_TLSA_HEX),
    ]);
    // nomail.test: an address, no MX, no TXT.
    records.push(host_record(NOMAIL_DOMAIN, NOMAIL_ADDR));
    records
}

/// The second SPF record of `bad.test`: one `include:` per name of
/// [`SPF_INCLUDES`], eleven DNS lookups where RFC 7208 §4.6.4 allows ten.
pub(super) fn spf_over_the_limit() -> String {
    let includes: Vec<String> = SPF_INCLUDES
        .iter()
        .map(|n| format!("include:{n}"))
        .collect();
    format!("v=spf1 {} -all", includes.join(" "))
}

fn mx(domain: &str, hosts: &[LabMx]) -> Vec<String> {
    hosts
        .iter()
        .map(|host| format!("--mx-host={domain},{},{}", host.host(), host.preference()))
        .collect()
}

/// An A record and its PTR (unless a `--ptr-record` overrides it).
fn host_record(name: &str, addr: Ipv4Addr) -> String {
    format!("--host-record={name},{addr}")
}

/// A raw A record: no PTR.
fn a(name: &str, addr: Ipv4Addr) -> String {
    format!("--dns-rr={name},{A},{}", hex(&addr.octets()))
}

fn ptr(addr: Ipv4Addr, name: &str) -> String {
    let [a, b, c, d] = addr.octets();
    format!("--ptr-record={d}.{c}.{b}.{a}.in-addr.arpa,{name}")
}

/// One TXT record of one string (each text here is under 255 octets;
/// dnsmasq would split a text at commas, and none has one). No quotes:
/// on the command line dnsmasq keeps them as part of the text.
fn txt(name: &str, text: &str) -> String {
    debug_assert!(text.len() < 256 && !text.contains(','), "{text}");
    format!("--txt-record={name},{text}")
}

/// `_PORT._tcp.HOST TLSA usage selector matching data`: rdata is the three
/// bytes then the association data.
fn tlsa(port: u16, host: &str, usage: u8, selector: u8, matching: u8, data_hex: &str) -> String {
    format!(
        "--dns-rr=_{port}._tcp.{host},{TLSA},{}{data_hex}",
        hex(&[usage, selector, matching])
    )
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spf_over_the_limit_has_eleven_includes_in_one_string() {
        let spf = spf_over_the_limit();
        assert_eq!(spf.matches("include:").count(), 11);
        assert!(spf.len() < 256, "{} octets", spf.len());
    }

    #[test]
    fn only_mx2_bad_has_no_ptr_making_record() {
        let inputs = ZoneInputs {
            smtp_port: 2525,
            mx1_good_spki_sha256: "aa",
            mx2_good_cert_sha256: "bb",
        };
        let records = records(&inputs);
        assert!(records.iter().all(|r| !r.contains("127.0.0.5")));
        let ptrs: Vec<&String> = records.iter().filter(|r| r.starts_with("--ptr")).collect();
        assert_eq!(ptrs.len(), 2, "{ptrs:?}");
        assert!(records.contains(&"--dns-rr=_2525._tcp.mx1.good.test,52,030101aa".to_owned()));
        assert!(records.contains(&"--dns-rr=mx2.bad.test,1,7f000005".to_owned()));
    }
}
