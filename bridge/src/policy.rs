//! Which targets a `connect` may reach: a port allow-list, a sanity check on
//! the host name, and a refusal of addresses that can never be a mail server
//! (unspecified, multicast, broadcast).

use std::collections::BTreeSet;
use std::net::IpAddr;

use smtplab_shared::wire::ErrorCode;

/// Longest host name accepted (RFC 1035 §2.3.4 allows 253 octets of text).
const MAX_HOST_LEN: usize = 253;

/// The target policy of one running bridge.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Ports a `connect` may name.
    allowed_ports: BTreeSet<u16>,
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
}

impl PolicyError {
    /// The wire code of the refusal: a malformed host is the client's
    /// mistake (`bad_request`), the rest are `forbidden`.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadHost => ErrorCode::BadRequest,
            Self::PortNotAllowed { .. } | Self::AddressNotAllowed { .. } => ErrorCode::Forbidden,
        }
    }
}

impl Policy {
    /// A policy allowing exactly `ports`.
    pub fn new(ports: impl IntoIterator<Item = u16>) -> Self {
        Self {
            allowed_ports: ports.into_iter().collect(),
        }
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
        if !self.allowed_ports.contains(&port) {
            return Err(PolicyError::PortNotAllowed {
                port,
                allowed: self.allowed_ports.iter().copied().collect(),
            });
        }
        Ok(())
    }

    /// Checks one resolved address before connecting to it.
    ///
    /// # Errors
    /// [`PolicyError::AddressNotAllowed`] for unspecified (`0.0.0.0`, `::`),
    /// multicast and broadcast addresses.
    pub fn check_addr(&self, addr: IpAddr) -> Result<(), PolicyError> {
        let refused = match addr {
            IpAddr::V4(v4) => v4.is_unspecified() || v4.is_multicast() || v4.is_broadcast(),
            IpAddr::V6(v6) => v6.is_unspecified() || v6.is_multicast(),
        };
        if refused {
            Err(PolicyError::AddressNotAllowed { addr })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let p = Policy::new([25]);
        for bad in ["0.0.0.0", "::", "224.0.0.1", "255.255.255.255", "ff02::1"] {
            let addr: IpAddr = bad.parse().expect("ip");
            assert_eq!(
                p.check_addr(addr),
                Err(PolicyError::AddressNotAllowed { addr })
            );
        }
        for ok in ["127.0.0.1", "::1", "192.0.2.1", "2001:db8::1"] {
            assert_eq!(p.check_addr(ok.parse().expect("ip")), Ok(()));
        }
    }
}
