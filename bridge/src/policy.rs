//! Which targets a `connect` may reach: a port allow-list, a sanity check on
//! the host name, and, for every address the name resolves to, the
//! operator's allow and deny rules and the internal-range default.
//!
//! Addresses are checked **after** DNS resolution and right before each
//! connect, so a name cannot smuggle a denied address: `evil.example`
//! pointing at 10.0.0.1 is judged as 10.0.0.1.
//!
//! Precedence, first match wins:
//! 1. unspecified, multicast and broadcast addresses: always refused
//!    (`0.0.0.0` reaches the local host on Linux);
//! 2. an `allow_targets` rule (host name or range): allowed, an explicit
//!    exception;
//! 3. a `deny_targets` rule: refused;
//! 4. an internal address (see [`is_internal`]) while `deny_internal` is on
//!    (the default when the bridge listens on a non-loopback address): refused;
//! 5. anything else: allowed.
//!
//! Besides, exact endpoints (`ip:port`, see [`Policy::with_endpoint`]) are
//! always allowed: the bridge's own SMTP sandbox, reachable even when
//! internal addresses are denied, without opening any other port of its
//! address. Only that exact address and port pass; `localhost` resolving to
//! it passes too, as it is judged after resolution.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};

use smtplab_shared::wire::ErrorCode;

use crate::target::{canonical_ip, is_internal, TargetRule};

/// Longest host name accepted (RFC 1035 §2.3.4 allows 253 octets of text).
const MAX_HOST_LEN: usize = 253;

/// The target policy of one running bridge.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Ports a `connect` may name.
    allowed_ports: BTreeSet<u16>,
    /// Explicit exceptions: targets allowed even if denied below.
    allow: Vec<TargetRule>,
    /// Targets refused.
    deny: Vec<TargetRule>,
    /// Refuse internal addresses (loopback, private, link-local, …).
    deny_internal: bool,
    /// Exact `ip:port` endpoints always allowed (the embedded sandbox),
    /// whatever the port list and the address rules say.
    endpoints: Vec<SocketAddr>,
}

/// Why a target was refused before anything was connected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The port is not on the allow-list.
    #[error(
        "port {port} is not allowed (allowed: {allowed:?}; the bridge's --allow-port adds one)"
    )]
    PortNotAllowed {
        /// The refused port.
        port: u16,
        /// The ports that are allowed.
        allowed: Vec<u16>,
    },
    /// The host is empty, too long or has whitespace or control characters.
    #[error("host name is empty, longer than {MAX_HOST_LEN} bytes or has invalid characters")]
    BadHost,
    /// The name resolved to an address that cannot be a mail server.
    #[error("address {addr} cannot be connected to")]
    AddressNotAllowed {
        /// The refused address.
        addr: IpAddr,
    },
    /// A `deny_targets` rule matched the name or the resolved address.
    #[error("{addr} is denied by the bridge's rule {rule} (--deny-target); start the bridge with --allow-target {addr} to make an exception")]
    Denied {
        /// The resolved address.
        addr: IpAddr,
        /// The rule that matched, as written in the policy.
        rule: String,
    },
    /// The address is internal and the bridge refuses internal addresses.
    #[error("{addr} is an internal address (loopback, private or link-local) and this bridge refuses those (--deny-internal true); start the bridge with --allow-target {addr} to allow this address, or --deny-internal false to allow every internal address")]
    Internal {
        /// The resolved address.
        addr: IpAddr,
    },
}

impl PolicyError {
    /// The wire code of the refusal: a malformed host is the client's
    /// mistake (`bad_request`), the rest are `forbidden`.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadHost => ErrorCode::BadRequest,
            Self::PortNotAllowed { .. }
            | Self::AddressNotAllowed { .. }
            | Self::Denied { .. }
            | Self::Internal { .. } => ErrorCode::Forbidden,
        }
    }
}

impl Policy {
    /// A policy allowing exactly `ports`, with no target rules and internal
    /// addresses allowed.
    pub fn new(ports: impl IntoIterator<Item = u16>) -> Self {
        Self {
            allowed_ports: ports.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Adds the operator's rules and the internal-range default.
    #[must_use]
    pub fn with_targets(
        mut self,
        allow: Vec<TargetRule>,
        deny: Vec<TargetRule>,
        deny_internal: bool,
    ) -> Self {
        self.allow = allow;
        self.deny = deny;
        self.deny_internal = deny_internal;
        self
    }

    /// Always allows exactly `endpoint` (address and port), before every
    /// other rule: the bridge's own sandbox.
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: SocketAddr) -> Self {
        self.endpoints.push(SocketAddr::new(
            canonical_ip(endpoint.ip()),
            endpoint.port(),
        ));
        self
    }

    /// Checks a `connect` request before any DNS lookup or connection.
    ///
    /// # Errors
    /// [`PolicyError::BadHost`] or [`PolicyError::PortNotAllowed`].
    pub fn check_target(&self, host: &str, port: u16) -> Result<(), PolicyError> {
        if host.is_empty()
            || host.len() > MAX_HOST_LEN
            || host.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(PolicyError::BadHost);
        }
        if !self.allowed_ports.contains(&port) && !self.endpoints.iter().any(|e| e.port() == port) {
            return Err(self.port_not_allowed(port));
        }
        Ok(())
    }

    /// Checks one resolved address and the port before connecting: an
    /// exact endpoint passes; otherwise the port must be on the list and
    /// the address pass [`check_addr`](Self::check_addr).
    ///
    /// # Errors
    /// [`PolicyError::PortNotAllowed`] (a port only an endpoint has, on
    /// another address), or the errors of [`check_addr`](Self::check_addr).
    pub fn check_endpoint(&self, host: &str, addr: SocketAddr) -> Result<(), PolicyError> {
        let exact = SocketAddr::new(canonical_ip(addr.ip()), addr.port());
        if self.endpoints.contains(&exact) {
            return Ok(());
        }
        if !self.allowed_ports.contains(&addr.port()) {
            return Err(self.port_not_allowed(addr.port()));
        }
        self.check_addr(host, addr.ip())
    }

    fn port_not_allowed(&self, port: u16) -> PolicyError {
        PolicyError::PortNotAllowed {
            port,
            allowed: self.allowed_ports.iter().copied().collect(),
        }
    }

    /// Checks one resolved address of `host` before connecting to it, with
    /// the precedence in the module docs.
    ///
    /// # Errors
    /// [`PolicyError::AddressNotAllowed`], [`PolicyError::Denied`] or
    /// [`PolicyError::Internal`].
    pub fn check_addr(&self, host: &str, addr: IpAddr) -> Result<(), PolicyError> {
        let ip = canonical_ip(addr);
        let unusable = match ip {
            IpAddr::V4(v4) => v4.is_unspecified() || v4.is_multicast() || v4.is_broadcast(),
            IpAddr::V6(v6) => v6.is_unspecified() || v6.is_multicast(),
        };
        if unusable {
            return Err(PolicyError::AddressNotAllowed { addr });
        }
        if self.allow.iter().any(|r| r.matches(host, ip)) {
            return Ok(());
        }
        if let Some(rule) = self.deny.iter().find(|r| r.matches(host, ip)) {
            return Err(PolicyError::Denied {
                addr,
                rule: rule.to_string(),
            });
        }
        if self.deny_internal && is_internal(ip) {
            return Err(PolicyError::Internal { addr });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(list: &[&str]) -> Vec<TargetRule> {
        list.iter().map(|r| r.parse().expect("rule")).collect()
    }

    #[test]
    fn only_allowed_ports_pass() {
        let p = Policy::new([25, 587]);
        assert_eq!(p.check_target("mail.example", 25), Ok(()));
        assert_eq!(p.check_target("127.0.0.1", 587), Ok(()));
        let err = p
            .check_target("mail.example", 22)
            .expect_err("22 is not allowed");
        assert_eq!(
            err,
            PolicyError::PortNotAllowed {
                port: 22,
                allowed: vec![25, 587]
            }
        );
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert!(err.to_string().contains("port 22"));
    }

    #[test]
    fn malformed_hosts_are_bad_requests() {
        let p = Policy::new([25]);
        for bad in ["", "a b", "a\nb", "a\0b", &"a".repeat(254)] {
            let err = p.check_target(bad, 25).expect_err("malformed host");
            assert_eq!(err, PolicyError::BadHost);
            assert_eq!(err.code(), ErrorCode::BadRequest);
        }
    }

    #[test]
    fn unusable_addresses_are_forbidden() {
        let p = Policy::new([25]).with_targets(rules(&["0.0.0.0/0", "::/0"]), vec![], false);
        for bad in [
            "0.0.0.0",
            "::",
            "224.0.0.1",
            "255.255.255.255",
            "ff02::1",
            "::ffff:0.0.0.0",
        ] {
            let addr: IpAddr = bad.parse().expect("ip");
            assert_eq!(
                p.check_addr("h", addr),
                Err(PolicyError::AddressNotAllowed { addr })
            );
        }
        for ok in ["127.0.0.1", "::1", "192.0.2.1", "2001:db8::1"] {
            assert_eq!(p.check_addr("h", ok.parse().expect("ip")), Ok(()));
        }
    }

    #[test]
    fn internal_addresses_are_refused_only_when_deny_internal_is_on() {
        let open = Policy::new([25]);
        let closed = Policy::new([25]).with_targets(vec![], vec![], true);
        for internal in [
            "127.0.0.1",
            "10.1.1.1",
            "169.254.169.254",
            "::ffff:127.0.0.1",
            "fe80::1",
        ] {
            let addr: IpAddr = internal.parse().expect("ip");
            assert_eq!(open.check_addr("h", addr), Ok(()));
            let err = closed.check_addr("h", addr).expect_err("internal");
            assert_eq!(err, PolicyError::Internal { addr });
            assert_eq!(err.code(), ErrorCode::Forbidden);
        }
        assert_eq!(
            closed.check_addr("h", "192.0.2.1".parse().expect("ip")),
            Ok(())
        );
    }

    #[test]
    fn an_internal_refusal_names_its_rule_and_the_flags_that_change_it() {
        let closed = Policy::new([3525]).with_targets(vec![], vec![], true);
        let err = closed
            .check_endpoint("127.0.0.1", "127.0.0.1:3525".parse().expect("addr"))
            .expect_err("internal");
        let text = err.to_string();
        assert!(text.contains("internal address"), "{text}");
        assert!(text.contains("--deny-internal"), "{text}");
        assert!(text.contains("--allow-target 127.0.0.1"), "{text}");
        assert!(!text.contains("--allow-port"), "{text}");
        let denied = Policy::new([25]).with_targets(vec![], rules(&["192.0.2.0/24"]), false);
        let text = denied
            .check_addr("h", "192.0.2.7".parse().expect("ip"))
            .expect_err("denied")
            .to_string();
        assert!(
            text.contains("192.0.2.0/24") && text.contains("--allow-target 192.0.2.7"),
            "{text}"
        );
        assert!(!text.contains("--allow-port"), "{text}");
    }

    #[test]
    fn allow_rules_are_exceptions_to_deny_rules_and_the_internal_default() {
        let p = Policy::new([25]).with_targets(
            rules(&["10.1.2.3", "relay.corp.example"]),
            rules(&["10.0.0.0/8", "*.blocked.example", "198.51.100.0/24"]),
            true,
        );
        let ip = |s: &str| -> IpAddr { s.parse().expect("ip") };
        assert_eq!(p.check_addr("x", ip("10.1.2.3")), Ok(()));
        assert_eq!(p.check_addr("relay.corp.example", ip("10.9.9.9")), Ok(()));
        assert_eq!(
            p.check_addr("x", ip("10.1.2.4")),
            Err(PolicyError::Denied {
                addr: ip("10.1.2.4"),
                rule: "10.0.0.0/8".into()
            })
        );
        assert!(matches!(
            p.check_addr("mx.blocked.example", ip("192.0.2.1")),
            Err(PolicyError::Denied { .. })
        ));
        assert!(matches!(
            p.check_addr("fine.example", ip("198.51.100.7")),
            Err(PolicyError::Denied { .. })
        ));
        assert!(matches!(
            p.check_addr("x", ip("192.168.0.1")),
            Err(PolicyError::Internal { .. })
        ));
        assert_eq!(p.check_addr("fine.example", ip("192.0.2.1")), Ok(()));
    }

    #[test]
    fn deny_rules_refuse_ipv4_hidden_in_compatible_nat64_and_6to4_addresses() {
        // deny_internal off: only the operator's rule can refuse these.
        let p = Policy::new([25]).with_targets(vec![], rules(&["10.0.0.0/8"]), false);
        for carrier in [
            "64:ff9b::a00:1",
            "::10.0.0.1",
            "2002:a00:1::",
            "::ffff:10.0.0.1",
        ] {
            let addr: IpAddr = carrier.parse().expect("ip");
            assert_eq!(
                p.check_addr("h", addr),
                Err(PolicyError::Denied {
                    addr,
                    rule: "10.0.0.0/8".into()
                }),
                "{carrier}"
            );
        }
        for public in ["64:ff9b::808:808", "2002:808:808::1", "2001:db8::a00:1"] {
            assert_eq!(p.check_addr("h", public.parse().expect("ip")), Ok(()));
        }
    }

    #[test]
    fn an_endpoint_is_allowed_exactly_even_with_internal_denied() {
        let sandbox: SocketAddr = "127.0.0.1:34567".parse().expect("addr");
        let p = Policy::new([25, 2525])
            .with_targets(vec![], rules(&["127.0.0.0/8"]), true)
            .with_endpoint(sandbox);
        let at = |s: &str| -> SocketAddr { s.parse().expect("addr") };
        assert_eq!(p.check_target("localhost", 34567), Ok(()));
        assert_eq!(p.check_endpoint("localhost", sandbox), Ok(()));
        assert_eq!(
            p.check_endpoint("h", at("[::ffff:127.0.0.1]:34567")),
            Ok(())
        );
        // The same port elsewhere: the port is not on the list.
        assert!(matches!(
            p.check_endpoint("h", at("127.0.0.2:34567")),
            Err(PolicyError::PortNotAllowed { port: 34567, .. })
        ));
        assert!(matches!(
            p.check_endpoint("h", at("192.0.2.1:34567")),
            Err(PolicyError::PortNotAllowed { .. })
        ));
        // Another port of the same address: the usual rules.
        assert!(matches!(
            p.check_endpoint("h", at("127.0.0.1:2525")),
            Err(PolicyError::Denied { .. })
        ));
        assert!(matches!(
            p.check_target("h", 34568),
            Err(PolicyError::PortNotAllowed { .. })
        ));
    }

    #[test]
    fn deny_everything_plus_allow_is_an_allow_list() {
        let p = Policy::new([25]).with_targets(
            rules(&["mx.example.com"]),
            rules(&["0.0.0.0/0", "::/0"]),
            false,
        );
        let addr: IpAddr = "192.0.2.1".parse().expect("ip");
        assert_eq!(p.check_addr("mx.example.com", addr), Ok(()));
        assert!(p.check_addr("other.example.com", addr).is_err());
    }
}
