//! Identity from the platform: behind a reverse proxy that authenticates
//! its users (oauth2-proxy, an ingress with single sign-on), the proxy
//! names the user in a header (`--trust-proxy-header NAME`) and the bridge
//! believes it only from the proxy's own addresses (`--trusted-proxy CIDR`).
//! A WebSocket handshake from a trusted address that carries the header is
//! that user's and needs no token; from any other address the header means
//! nothing and the token is required as before.
//!
//! The checks are pure functions of the peer address and the headers, so
//! they are tested here without a server.

use std::fmt;
use std::net::IpAddr;

use axum::http::{HeaderMap, HeaderName};
use ipnet::IpNet;

/// The longest user name accepted, in characters.
pub const MAX_USER_CHARS: usize = 128;

/// Whose header the bridge believes, and which header it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyTrust {
    /// The header naming the user (lowercase, as `http` keeps names).
    header: HeaderName,
    /// The proxies' addresses; never a `/0`.
    proxies: Vec<IpNet>,
}

/// Why the trust settings are refused at start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// Trusted proxies without a header name.
    #[error("--trusted-proxy (trusted_proxies) needs --trust-proxy-header (trust_proxy_header): which header names the user")]
    NoHeader,
    /// A header name without trusted proxies.
    #[error("--trust-proxy-header (trust_proxy_header) needs at least one --trusted-proxy CIDR (trusted_proxies): the addresses of the proxy that sets it")]
    NoProxies,
    /// Not a valid HTTP field name.
    #[error("invalid --trust-proxy-header {0:?}: not an HTTP header name")]
    HeaderName(String),
    /// A header the bridge reads for other checks.
    #[error("--trust-proxy-header {0:?} is a header the bridge checks itself; use the proxy's user header (e.g. X-Forwarded-User)")]
    ReservedHeader(String),
    /// Not an address or CIDR.
    #[error("invalid --trusted-proxy {0:?}: expected an address or a CIDR such as 10.0.0.5 or 10.0.0.0/24")]
    Cidr(String),
    /// `0.0.0.0/0` or `::/0`.
    #[error("refusing --trusted-proxy {0}: it trusts every address, so anyone who reaches the bridge could claim any user; give the proxy's addresses")]
    Everyone(String),
}

/// Why a handshake's user header is refused (400).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The header appears more than once.
    #[error("the user header appears more than once")]
    Duplicate,
    /// Empty, too long, not UTF-8, or with control characters.
    #[error("the user header is not a valid user name (1 to 128 visible characters)")]
    Invalid,
}

/// A user name from a trusted proxy: 1 to [`MAX_USER_CHARS`] characters, no
/// control characters, no whitespace but inner spaces. It goes into logs
/// and metrics (it is not a secret), never into a response.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UserName(String);

impl UserName {
    /// Checks `raw` (a header value's bytes).
    ///
    /// # Errors
    /// [`IdentityError::Invalid`].
    pub fn parse(raw: &[u8]) -> Result<Self, IdentityError> {
        let text = std::str::from_utf8(raw).map_err(|_| IdentityError::Invalid)?;
        let count = text.chars().count();
        let visible = text
            .chars()
            .all(|c| !c.is_control() && (c == ' ' || !c.is_whitespace()));
        if count == 0
            || count > MAX_USER_CHARS
            || !visible
            || text.starts_with(' ')
            || text.ends_with(' ')
        {
            return Err(IdentityError::Invalid);
        }
        Ok(Self(text.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserName({:?})", self.0)
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ProxyTrust {
    /// The trust settings from the options: both or neither.
    ///
    /// # Errors
    /// [`TrustError`]: one without the other, a bad header name or CIDR, a
    /// `/0`.
    pub fn from_settings(
        header: Option<&str>,
        proxies: &[String],
    ) -> Result<Option<Self>, TrustError> {
        let header = match (header, proxies.is_empty()) {
            (None, true) => return Ok(None),
            (None, false) => return Err(TrustError::NoHeader),
            (Some(_), true) => return Err(TrustError::NoProxies),
            (Some(h), false) => h,
        };
        let name = HeaderName::from_bytes(header.trim().as_bytes())
            .map_err(|_| TrustError::HeaderName(header.to_owned()))?;
        if matches!(
            name.as_str(),
            "host" | "origin" | "cookie" | "authorization" | "upgrade" | "connection"
        ) || name.as_str().starts_with("sec-websocket-")
        {
            return Err(TrustError::ReservedHeader(header.to_owned()));
        }
        let proxies = proxies
            .iter()
            .map(|p| parse_cidr(p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Self {
            header: name,
            proxies,
        }))
    }

    /// The header's name.
    pub fn header(&self) -> &HeaderName {
        &self.header
    }

    /// Whether `peer` is one of the proxies (an IPv4-mapped IPv6 peer as
    /// its IPv4 address, as a dual-stack listener reports IPv4 peers).
    pub fn is_trusted(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.proxies.iter().any(|net| net.contains(&peer))
    }

    /// The user a handshake from `peer` is made for: `None` when the peer
    /// is not a trusted proxy (the header is then ignored) or sent no
    /// header (the token decides).
    ///
    /// # Errors
    /// [`IdentityError`] for a trusted peer's unusable header.
    pub fn user(
        &self,
        peer: IpAddr,
        headers: &HeaderMap,
    ) -> Result<Option<UserName>, IdentityError> {
        if !self.is_trusted(peer) {
            return Ok(None);
        }
        let mut values = headers.get_all(&self.header).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(IdentityError::Duplicate);
        }
        UserName::parse(value.as_bytes()).map(Some)
    }
}

/// An address (a host route) or a CIDR; never one that covers every
/// address.
fn parse_cidr(text: &str) -> Result<IpNet, TrustError> {
    let text = text.trim();
    let net = match text.parse::<IpNet>() {
        Ok(net) => net,
        Err(_) => text
            .parse::<IpAddr>()
            .map(IpNet::from)
            .map_err(|_| TrustError::Cidr(text.to_owned()))?,
    };
    if net.prefix_len() == 0 {
        return Err(TrustError::Everyone(text.to_owned()));
    }
    Ok(net.trunc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn trust() -> ProxyTrust {
        ProxyTrust::from_settings(
            Some("X-Forwarded-User"),
            &[
                "127.0.0.1/32".to_owned(),
                "10.1.0.0/16".to_owned(),
                "::1".to_owned(),
            ],
        )
        .expect("valid")
        .expect("set")
    }

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(
                "x-forwarded-user",
                HeaderValue::from_bytes(v).expect("header value"),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn both_settings_or_neither() {
        assert_eq!(ProxyTrust::from_settings(None, &[]), Ok(None));
        assert_eq!(
            ProxyTrust::from_settings(None, &["127.0.0.1".into()]),
            Err(TrustError::NoHeader)
        );
        assert_eq!(
            ProxyTrust::from_settings(Some("X-User"), &[]),
            Err(TrustError::NoProxies)
        );
        let err = ProxyTrust::from_settings(None, &["127.0.0.1".into()]).expect_err("refused");
        assert!(err.to_string().contains("--trust-proxy-header"), "{err}");
    }

    #[test]
    fn a_cidr_of_everyone_is_refused_and_bad_ones_are_named() {
        for everyone in ["0.0.0.0/0", "::/0", "10.0.0.0/0"] {
            let err =
                ProxyTrust::from_settings(Some("X-User"), &[everyone.into()]).expect_err(everyone);
            assert_eq!(err, TrustError::Everyone(everyone.into()));
            assert!(err.to_string().contains("claim any user"), "{err}");
        }
        for bad in ["", "10.0.0.0/33", "proxy.example", "10.0.0.1/8/1"] {
            assert_eq!(
                ProxyTrust::from_settings(Some("X-User"), &[bad.into()]),
                Err(TrustError::Cidr(bad.into())),
                "{bad}"
            );
        }
        for bad in ["X User", "", "X-User:"] {
            assert!(matches!(
                ProxyTrust::from_settings(Some(bad), &["127.0.0.1".into()]),
                Err(TrustError::HeaderName(_))
            ));
        }
        for reserved in ["Host", "origin", "Sec-WebSocket-Key", "Cookie"] {
            assert!(matches!(
                ProxyTrust::from_settings(Some(reserved), &["127.0.0.1".into()]),
                Err(TrustError::ReservedHeader(_))
            ));
        }
    }

    #[test]
    fn only_a_trusted_peer_names_the_user() {
        let t = trust();
        let alice = headers(&[b"alice"]);
        let user = |peer: &str, h: &HeaderMap| t.user(ip(peer), h);
        assert_eq!(
            user("127.0.0.1", &alice)
                .expect("ok")
                .expect("user")
                .as_str(),
            "alice"
        );
        assert_eq!(
            user("10.1.200.3", &alice).expect("ok").map(|u| u.0),
            Some("alice".into())
        );
        assert_eq!(
            user("::1", &alice).expect("ok").map(|u| u.0),
            Some("alice".into())
        );
        assert_eq!(
            user("::ffff:127.0.0.1", &alice).expect("ok").map(|u| u.0),
            Some("alice".into()),
            "IPv4-mapped is the IPv4 address"
        );
        for untrusted in ["127.0.0.2", "10.2.0.1", "192.0.2.1", "::2"] {
            assert_eq!(user(untrusted, &alice), Ok(None), "{untrusted}");
            // Even an unusable header is ignored from elsewhere.
            assert_eq!(user(untrusted, &headers(&[b"\xff\xfe"])), Ok(None));
        }
        assert_eq!(
            user("127.0.0.1", &HeaderMap::new()),
            Ok(None),
            "no header: the token decides"
        );
        assert_eq!(
            user("127.0.0.1", &headers(&[b"alice", b"bob"])),
            Err(IdentityError::Duplicate)
        );
    }

    #[test]
    fn user_names_are_visible_text_of_1_to_128_characters() {
        for good in [
            &b"alice"[..],
            b"alice@example.org",
            b"CN=Alice Smith,O=Example",
            "Zoë Ångström".as_bytes(),
            &[b'a'; 128],
        ] {
            assert!(UserName::parse(good).is_ok(), "{good:?}");
        }
        let long = "é".repeat(128);
        assert!(
            UserName::parse(long.as_bytes()).is_ok(),
            "128 characters, 256 bytes"
        );
        for bad in [
            &b""[..],
            b" alice",
            b"alice ",
            b"al\tice",
            b"al\x7fice",
            b"\xff\xfe",
            "al\u{85}ice".as_bytes(),
            "al\u{2028}ice".as_bytes(),
            &[b'a'; 129],
        ] {
            assert_eq!(UserName::parse(bad), Err(IdentityError::Invalid), "{bad:?}");
        }
        let too_long = "é".repeat(129);
        assert!(UserName::parse(too_long.as_bytes()).is_err());
    }
}
