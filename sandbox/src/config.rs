//! The sandbox's settings ([`SandboxConfig`]), their defaults, and the
//! start-up checks ([`ConfigError`]) made before anything is bound.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// Where the sandbox listens unless told otherwise: loopback, port 2525
/// (the common alternative submission port, which the bridge allows by
/// default and which needs no privileges).
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 2525);

/// The sandbox's settings. Build it with [`SandboxConfig::default`] (or
/// [`SandboxConfig::new`]) and change the public fields as needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxConfig {
    /// Address to listen on; port 0 picks a free port (tests). Must be a
    /// loopback address unless [`allow_non_loopback`](Self::allow_non_loopback)
    /// is set: the sandbox accepts mail for anyone, so it must not be
    /// reachable from other machines by accident.
    pub listen: SocketAddr,
    /// Lets [`listen`](Self::listen) be a non-loopback address. Off by
    /// default; the bridge never sets it unless its operator asks.
    pub allow_non_loopback: bool,
    /// The name the sandbox gives itself in its greeting and EHLO reply.
    pub hostname: String,
    /// Messages kept; the oldest is dropped when one more arrives.
    pub max_messages: usize,
    /// Largest message accepted (the DATA or BDAT content after
    /// dot-unstuffing); a larger one is refused with `552 5.3.4`. Also
    /// announced as `SIZE` in the EHLO reply.
    pub max_message_bytes: usize,
    /// What all kept messages cost together, in bytes of their JSON (a
    /// control byte costs 6, an invalid UTF-8 byte 3) plus a little per
    /// header field (see [`inbox::cost`](crate::inbox::cost)); the oldest
    /// are dropped until a new one fits. Bounds the inbox's memory whatever
    /// `max_messages` is, and what serving it takes.
    pub max_total_bytes: usize,
    /// Concurrent SMTP connections; one more is answered `421 4.7.0` and
    /// closed at once.
    pub max_connections: usize,
    /// Recipients in one transaction; one more gets `452 4.5.3`.
    pub max_recipients: usize,
    /// A connection that sends nothing for this long is told `421 4.4.2`
    /// and closed (slow or stuck clients).
    pub idle_timeout: Duration,
    /// The longest a connection may last, busy or not.
    pub max_connection_duration: Duration,
    /// Wrong AUTH attempts allowed on one connection before it is closed.
    pub max_auth_failures: u32,
    /// Refuse `MAIL FROM` with `530 5.7.0` until the client has logged in
    /// with the demo account. Off by default so that a first run needs no
    /// credentials; each stored message records whether it was sent
    /// authenticated.
    pub require_auth: bool,
    /// The bearer token AUTH XOAUTH2 and OAUTHBEARER accept for the demo
    /// account ([`DEMO_BEARER_TOKEN`](crate::DEMO_BEARER_TOKEN) by
    /// default); empty turns both mechanisms' logins off.
    pub bearer_token: String,
}

impl SandboxConfig {
    /// The defaults with the given listen address.
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            allow_non_loopback: false,
            hostname: "sandbox.smtplab".to_owned(),
            max_messages: 100,
            max_message_bytes: 1024 * 1024,
            max_total_bytes: 32 * 1024 * 1024,
            max_connections: 32,
            max_recipients: 100,
            idle_timeout: Duration::from_secs(60),
            max_connection_duration: Duration::from_secs(10 * 60),
            max_auth_failures: 3,
            require_auth: false,
            bearer_token: crate::DEMO_BEARER_TOKEN.to_owned(),
        }
    }

    /// Checks the settings without binding anything, so a caller can refuse
    /// to start before it opens any socket.
    ///
    /// # Errors
    /// [`ConfigError::NotLoopback`] for a non-loopback `listen` without
    /// `allow_non_loopback`; [`ConfigError::ZeroLimit`] for a limit of 0;
    /// [`ConfigError::BadHostname`] for an empty or multi-word hostname.
    pub fn check(&self) -> Result<(), ConfigError> {
        if !self.listen.ip().is_loopback() && !self.allow_non_loopback {
            return Err(ConfigError::NotLoopback { addr: self.listen });
        }
        let limits = [
            ("max_messages", self.max_messages),
            ("max_message_bytes", self.max_message_bytes),
            ("max_total_bytes", self.max_total_bytes),
            ("max_connections", self.max_connections),
            ("max_recipients", self.max_recipients),
        ];
        if let Some((name, _)) = limits.iter().find(|(_, value)| *value == 0) {
            return Err(ConfigError::ZeroLimit { name });
        }
        if self.idle_timeout.is_zero() || self.max_connection_duration.is_zero() {
            return Err(ConfigError::ZeroLimit { name: "timeout" });
        }
        let bad = |c: char| c.is_whitespace() || c.is_control();
        if self.hostname.is_empty() || self.hostname.chars().any(bad) {
            return Err(ConfigError::BadHostname);
        }
        Ok(())
    }
}

impl Default for SandboxConfig {
    /// The defaults on [`DEFAULT_LISTEN`] (`127.0.0.1:2525`).
    fn default() -> Self {
        Self::new(DEFAULT_LISTEN)
    }
}

/// Why a [`SandboxConfig`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The listen address is not loopback and `allow_non_loopback` is off.
    #[error("sandbox listen address {addr} is not loopback; the sandbox accepts mail for anyone and only listens on loopback unless explicitly allowed")]
    NotLoopback {
        /// The refused address.
        addr: SocketAddr,
    },
    /// A limit or timeout is zero, which would make the sandbox useless.
    #[error("sandbox setting {name} must be greater than zero")]
    ZeroLimit {
        /// The setting's name.
        name: &'static str,
    },
    /// The hostname is empty or has whitespace or control characters, which
    /// would break the greeting line.
    #[error("sandbox hostname must be one non-empty word")]
    BadHostname,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_listen_on_loopback_2525_and_pass_the_checks() {
        let config = SandboxConfig::default();
        assert_eq!(config.listen.to_string(), "127.0.0.1:2525");
        assert_eq!(config.max_messages, 100);
        assert_eq!(config.max_message_bytes, 1 << 20);
        assert_eq!(config.check(), Ok(()));
    }

    #[test]
    fn non_loopback_listen_is_refused_unless_allowed() {
        let mut config = SandboxConfig::new("0.0.0.0:2525".parse().expect("addr"));
        assert!(matches!(
            config.check(),
            Err(ConfigError::NotLoopback { .. })
        ));
        config.allow_non_loopback = true;
        assert_eq!(config.check(), Ok(()));
    }

    #[test]
    fn ipv6_loopback_is_accepted() {
        let config = SandboxConfig::new("[::1]:0".parse().expect("addr"));
        assert_eq!(config.check(), Ok(()));
    }

    #[test]
    fn zero_limits_are_refused() {
        let config = SandboxConfig {
            max_messages: 0,
            ..SandboxConfig::default()
        };
        assert_eq!(
            config.check(),
            Err(ConfigError::ZeroLimit {
                name: "max_messages"
            })
        );
    }
}
