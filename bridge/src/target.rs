//! Target rules: the host names and address ranges an operator allows or
//! denies (`allow_targets`, `deny_targets`), and the ranges that are internal
//! to a network (loopback, private, link-local, …), which a bridge reachable
//! from other machines refuses by default so it cannot be used to reach into
//! the network it runs in (SSRF).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::IpNet;

/// One allow or deny entry: a host name (exact, or `*.suffix` for any name
/// below it), or an address range in CIDR form (a bare address is a /32 or
/// /128).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetRule {
    /// A host name as the client writes it in `connect`, lowercase, without a
    /// trailing dot.
    Host(String),
    /// `*.example.com`: any name ending in `.example.com` (not the name itself).
    Suffix(String),
    /// An address range, matched against every resolved address, and an
    /// IPv4 range also against the IPv4 address an IPv6 one carries
    /// ([`embedded_ipv4`]).
    Net(IpNet),
}

/// Why a rule could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Neither an address, a CIDR range nor a host name.
    #[error("{rule:?} is not a host name, *.domain, IP address or CIDR range")]
    Invalid {
        /// The rule as written.
        rule: String,
    },
}

impl FromStr for TargetRule {
    type Err = RuleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rule = s.trim();
        let invalid = || RuleError::Invalid { rule: s.to_owned() };
        if let Ok(net) = rule.parse::<IpNet>() {
            return Ok(Self::Net(canonical_net(net)));
        }
        if let Ok(ip) = rule.parse::<IpAddr>() {
            return Ok(Self::Net(IpNet::from(canonical_ip(ip))));
        }
        // Something that looks like a range but did not parse is a typo, not a name.
        if rule.contains('/') || rule.contains(':') {
            return Err(invalid());
        }
        let name = normalize_host(rule);
        let (wild, body) = match name.strip_prefix("*.") {
            Some(body) => (true, body),
            None => (false, name.as_str()),
        };
        let valid = !body.is_empty()
            && body.len() <= 253
            && body.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if !valid {
            return Err(invalid());
        }
        Ok(if wild {
            Self::Suffix(format!(".{body}"))
        } else {
            Self::Host(body.to_owned())
        })
    }
}

impl fmt::Display for TargetRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Host(h) => f.write_str(h),
            Self::Suffix(s) => write!(f, "*{s}"),
            Self::Net(n) => write!(f, "{n}"),
        }
    }
}

impl TargetRule {
    /// Whether the rule names `host` (as the client wrote it) or contains
    /// `addr` (one of its resolved addresses).
    pub fn matches(&self, host: &str, addr: IpAddr) -> bool {
        match self {
            Self::Host(h) => normalize_host(host) == *h,
            Self::Suffix(s) => normalize_host(host).ends_with(s.as_str()),
            Self::Net(n) => {
                let ip = canonical_ip(addr);
                n.contains(&ip)
                    || match ip {
                        IpAddr::V6(v6) => {
                            embedded_ipv4(v6).is_some_and(|v4| n.contains(&IpAddr::V4(v4)))
                        }
                        IpAddr::V4(_) => false,
                    }
            }
        }
    }
}

/// Lowercase, without a trailing dot and IPv6 brackets.
fn normalize_host(host: &str) -> String {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is the IPv4 address it
/// carries: the kernel connects to that IPv4 host, so rules must see it as
/// one, or `::ffff:127.0.0.1` would slip past a loopback rule.
pub fn canonical_ip(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// The IPv4 address an IPv6 address carries on its way to an IPv4 host:
/// IPv4-compatible `::a.b.c.d` (deprecated, still routed by some stacks;
/// not `::` nor `::1`), NAT64 `64:ff9b::a.b.c.d` (RFC 6052) and 6to4
/// `2002:a.b.c.d::/48` (RFC 3056). IPv4-mapped addresses are left to
/// [`canonical_ip`]. A connection to such an address reaches (the network
/// of) that IPv4 host, so the address rules and [`is_internal`] judge it
/// too.
pub fn embedded_ipv4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let seg = v6.segments();
    let v4 = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if seg[..6].iter().all(|&s| s == 0) && !v6.is_unspecified() && !v6.is_loopback() {
        return Some(v4(seg[6], seg[7]));
    }
    if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6].iter().all(|&s| s == 0) {
        return Some(v4(seg[6], seg[7]));
    }
    if seg[0] == 0x2002 {
        return Some(v4(seg[1], seg[2]));
    }
    None
}

fn canonical_net(net: IpNet) -> IpNet {
    net.trunc()
}

/// Whether `addr` is inside the network the bridge runs in rather than on
/// the public internet: loopback, RFC 1918 private, carrier-grade NAT
/// (100.64/10), link-local (169.254/16, fe80::/10, cloud metadata lives
/// there), unique-local (fc00::/7), "this network" (0/8), the IETF protocol
/// assignments (192.0.0/24), benchmarking (198.18/15), the reserved 240/4,
/// site-local (fec0::/10), and the IPv6 forms that embed such an IPv4
/// address (IPv4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16).
pub fn is_internal(addr: IpAddr) -> bool {
    match canonical_ip(addr) {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

fn is_internal_v6(v6: Ipv6Addr) -> bool {
    let seg = v6.segments();
    if v6.is_loopback() || v6.is_unspecified() {
        return true;
    }
    // fc00::/7 unique local, fe80::/10 link-local, fec0::/10 site-local.
    if (seg[0] & 0xfe00) == 0xfc00 || (seg[0] & 0xffc0) == 0xfe80 || (seg[0] & 0xffc0) == 0xfec0 {
        return true;
    }
    embedded_ipv4(v6).is_some_and(is_internal_v4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn rules_parse_names_wildcards_addresses_and_ranges() {
        assert_eq!(
            "Mail.Example.COM.".parse::<TargetRule>(),
            Ok(TargetRule::Host("mail.example.com".into()))
        );
        assert_eq!(
            "*.example.com".parse::<TargetRule>(),
            Ok(TargetRule::Suffix(".example.com".into()))
        );
        assert_eq!(
            "10.1.2.3".parse::<TargetRule>().map(|r| r.to_string()),
            Ok("10.1.2.3/32".into())
        );
        assert_eq!(
            "10.1.2.3/8".parse::<TargetRule>().map(|r| r.to_string()),
            Ok("10.0.0.0/8".into())
        );
        assert_eq!(
            "fd00::/8".parse::<TargetRule>().map(|r| r.to_string()),
            Ok("fd00::/8".into())
        );
        for bad in [
            "",
            "10.0.0.0/33",
            "a b",
            "*.",
            "exa mple.com",
            "1.2.3.4/x",
            "a:b",
        ] {
            assert!(bad.parse::<TargetRule>().is_err(), "{bad}");
        }
        assert!("a..b".parse::<TargetRule>().is_err());
    }

    #[test]
    fn rules_match_names_and_resolved_addresses() {
        let any = ip("192.0.2.1");
        let host: TargetRule = "mx.example.com".parse().expect("rule");
        assert!(host.matches("MX.example.com.", any));
        assert!(!host.matches("evil-mx.example.com", any));
        let wild: TargetRule = "*.example.com".parse().expect("rule");
        assert!(wild.matches("a.b.example.com", any));
        assert!(!wild.matches("example.com", any));
        assert!(!wild.matches("badexample.com", any));
        let net: TargetRule = "10.0.0.0/8".parse().expect("rule");
        assert!(net.matches("anything", ip("10.9.8.7")));
        assert!(net.matches("anything", ip("::ffff:10.9.8.7")));
        assert!(!net.matches("anything", ip("11.0.0.1")));
    }

    #[test]
    fn ipv4_rules_see_the_ipv4_inside_compatible_nat64_and_6to4_addresses() {
        let net: TargetRule = "10.0.0.0/8".parse().expect("rule");
        for carrier in [
            "64:ff9b::a00:1",
            "64:ff9b::10.200.0.1",
            "::10.0.0.1",
            "2002:a00:1::",
            "2002:a0b:c0d:1::99",
        ] {
            assert!(net.matches("h", ip(carrier)), "{carrier}");
        }
        for other in [
            "64:ff9b::b00:1",
            "::11.0.0.1",
            "2002:b00:1::",
            "2001:db8::a00:1",
            "64:ff9b:1::a00:1",
            "::1",
        ] {
            assert!(!net.matches("h", ip(other)), "{other}");
        }
        // An IPv6 rule still matches the IPv6 address itself.
        let nat64: TargetRule = "64:ff9b::/96".parse().expect("rule");
        assert!(nat64.matches("h", ip("64:ff9b::a00:1")));
        let six_to_four: TargetRule = "2002::/16".parse().expect("rule");
        assert!(six_to_four.matches("h", ip("2002:a00:1::")));
        assert!(!six_to_four.matches("h", ip("10.0.0.1")));
        assert_eq!(
            embedded_ipv4("64:ff9b::c0a8:101".parse().expect("ip")),
            Some(Ipv4Addr::new(192, 168, 1, 1))
        );
        assert_eq!(embedded_ipv4(Ipv6Addr::LOCALHOST), None);
        assert_eq!(embedded_ipv4(Ipv6Addr::UNSPECIFIED), None);
    }

    #[test]
    fn internal_ranges_cover_loopback_private_link_local_and_embeddings() {
        for internal in [
            "127.0.0.1",
            "127.255.0.9",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.1.2.3",
            "192.0.0.8",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd12:3456::1",
            "fec0::1",
            "::ffff:127.0.0.1",
            "::ffff:192.168.0.1",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:0101::1",
        ] {
            assert!(is_internal(ip(internal)), "{internal}");
        }
        for public in [
            "192.0.2.1",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2001:db8::1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:0808:0808::1",
        ] {
            assert!(!is_internal(ip(public)), "{public}");
        }
    }
}
