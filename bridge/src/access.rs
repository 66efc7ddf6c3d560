//! Who may use the bridge: the per-start secret token (compared in constant
//! time), the Host check against DNS rebinding and the Origin check against
//! other web pages opening a WebSocket.
//!
//! All checks are pure functions of the request's URI and headers, so they are
//! tested here without a server.

use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, StatusCode};
use base64::Engine as _;
use subtle::ConstantTimeEq as _;

/// Random bytes in a generated token: 192 bits, well above the 128 needed.
const TOKEN_BYTES: usize = 24;

/// The secret a request must carry in its `?token=` query parameter.
///
/// Never in a cookie: cookies ignore ports, so every other web server on
/// the same host would receive it. The tab keeps it in `sessionStorage`
/// (per origin, port included) and adds it to each request itself.
///
/// Its `Debug` output is redacted so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

/// Why a token given by the operator is unusable.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token is empty.
    #[error("the token is empty")]
    Empty,
    /// The token has a character that would need escaping in a URL.
    #[error("the token may only contain A-Z a-z 0-9 - . _ ~")]
    NotUrlSafe,
}

impl AccessToken {
    /// A fresh token of 192 random bits from the OS, base64url without padding.
    ///
    /// # Panics
    /// If the operating system has no random source, as nothing safe can be
    /// done without one.
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).expect("the OS random source is available");
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// An operator-chosen token (`--token`, `SMTPLAB_TOKEN`).
    ///
    /// # Errors
    /// [`TokenError`] when it is empty or not made of URL-unreserved characters
    /// (it is printed in a URL unescaped).
    pub fn parse(token: &str) -> Result<Self, TokenError> {
        if token.is_empty() {
            return Err(TokenError::Empty);
        }
        if !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        {
            return Err(TokenError::NotUrlSafe);
        }
        Ok(Self(token.to_owned()))
    }

    /// The token itself, for the URL printed at start.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this token. The comparison takes the same time
    /// wherever the first difference is, so timing does not reveal a prefix.
    pub fn matches(&self, candidate: &str) -> bool {
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// Why a request was turned away. The messages are the plain-text bodies of
/// the responses and never echo the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// No `?token=`.
    #[error(
        "missing token: open the URL that smtplab printed when it started (it ends in ?token=...)"
    )]
    MissingToken,
    /// A token that is not this bridge's (perhaps from an earlier start).
    #[error("wrong token: open the URL that smtplab printed when it started; the token changes at every start")]
    WrongToken,
    /// The Host header names neither the listen address nor localhost.
    #[error("unexpected Host header: use the address smtplab printed when it started")]
    BadHost,
    /// A WebSocket handshake from a page of another origin.
    #[error("cross-origin WebSocket refused: only the smtplab page itself (or an --allow-origin) may connect")]
    ForeignOrigin,
    /// The right token, but its `--token-ttl` has passed.
    #[error("token expired: it was valid for {ttl_secs} s after smtplab started (--token-ttl); restart smtplab for a new URL")]
    TokenExpired {
        /// The configured lifetime, in seconds.
        ttl_secs: u64,
    },
}

impl AccessError {
    /// The HTTP status the refusal is answered with.
    pub fn status(self) -> StatusCode {
        match self {
            Self::MissingToken | Self::WrongToken | Self::TokenExpired { .. } => {
                StatusCode::UNAUTHORIZED
            }
            Self::BadHost | Self::ForeignOrigin => StatusCode::FORBIDDEN,
        }
    }
}

/// The access rules of one running bridge.
#[derive(Debug, Clone)]
pub struct Access {
    /// The secret.
    token: AccessToken,
    /// Lowercase `host:port` values accepted in the Host header.
    hosts: Vec<String>,
    /// Lowercase origins accepted besides the bridge's own.
    extra_origins: Vec<String>,
    /// The bridge's own scheme, `http` or `https` (with TLS).
    scheme: &'static str,
    /// When the token stops being accepted, and its lifetime for the message.
    expiry: Option<(Instant, Duration)>,
}

impl Access {
    /// Rules for a bridge listening on `listen`: the Host may be the listen
    /// address, `localhost`, `127.0.0.1` or `[::1]` with its port, or the
    /// `host:port` of an extra origin.
    pub fn new(token: AccessToken, listen: SocketAddr, extra_origins: &[String]) -> Self {
        let port = listen.port();
        let mut hosts = vec![
            listen.to_string(),
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ];
        if port == 80 {
            // Browsers leave the default port out of the Host header.
            hosts.extend(["localhost".into(), "127.0.0.1".into(), "[::1]".into()]);
            hosts.push(listen.ip().to_string());
        }
        let extra_origins: Vec<String> =
            extra_origins.iter().map(|o| normalize_origin(o)).collect();
        hosts.extend(extra_origins.iter().filter_map(|o| {
            o.split_once("://")
                .map(|(_, authority)| authority.to_owned())
        }));
        Self {
            token,
            hosts: hosts.into_iter().map(|h| h.to_ascii_lowercase()).collect(),
            extra_origins,
            scheme: "http",
            expiry: None,
        }
    }

    /// The page is served over TLS: the bridge's own origin is `https://`.
    #[must_use]
    pub fn with_tls(mut self, tls: bool) -> Self {
        self.scheme = if tls { "https" } else { "http" };
        self
    }

    /// The token is refused once `ttl` has passed from now.
    #[must_use]
    pub fn with_token_ttl(mut self, ttl: Option<Duration>) -> Self {
        self.expiry = ttl.map(|ttl| (Instant::now() + ttl, ttl));
        self
    }

    /// Checks the Host header (DNS rebinding defence: a page of
    /// `http://evil.example:8025` that re-resolves to 127.0.0.1 still sends
    /// `Host: evil.example:8025`) and returns its value.
    ///
    /// # Errors
    /// [`AccessError::BadHost`] when it is missing or not one of ours.
    pub fn check_host<'h>(&self, headers: &'h HeaderMap) -> Result<&'h str, AccessError> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .ok_or(AccessError::BadHost)?;
        if self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            Ok(host)
        } else {
            Err(AccessError::BadHost)
        }
    }

    /// Checks the Origin header of a WebSocket handshake against the bridge's
    /// own origin (`http://` + `host`, the checked Host header) and the extra
    /// origins.
    ///
    /// A request without Origin is accepted: browsers always send Origin on a
    /// WebSocket handshake, so its absence means a non-browser client (a test,
    /// a benchmark, a script), which cannot be steered by a web page and still
    /// needs the token.
    ///
    /// # Errors
    /// [`AccessError::ForeignOrigin`] for any other origin, including `null`.
    pub fn check_origin(&self, headers: &HeaderMap, host: &str) -> Result<(), AccessError> {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(());
        };
        let origin = origin.to_str().map_err(|_| AccessError::ForeignOrigin)?;
        let own = format!("{}://{host}", self.scheme);
        if origin.eq_ignore_ascii_case(&own)
            || self
                .extra_origins
                .iter()
                .any(|o| o.eq_ignore_ascii_case(origin))
        {
            Ok(())
        } else {
            Err(AccessError::ForeignOrigin)
        }
    }

    /// Checks the token in the `token` query parameter, the only place a
    /// request may carry it (a `Cookie` is ignored).
    ///
    /// # Errors
    /// [`AccessError::MissingToken`], [`AccessError::WrongToken`] or
    /// [`AccessError::TokenExpired`].
    pub fn check_token(&self, query: Option<&str>) -> Result<(), AccessError> {
        let candidate = query
            .and_then(token_in_query)
            .ok_or(AccessError::MissingToken)?;
        if !self.token.matches(candidate) {
            return Err(AccessError::WrongToken);
        }
        match self.expiry {
            Some((at, ttl)) if Instant::now() >= at => Err(AccessError::TokenExpired {
                ttl_secs: ttl.as_secs(),
            }),
            _ => Ok(()),
        }
    }
}

/// Lowercases an origin and drops a trailing `/`, the form browsers send.
pub fn normalize_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Whether `origin` looks like `http(s)://host[:port]` with no path, the only
/// form an Origin header takes.
pub fn is_valid_origin(origin: &str) -> bool {
    let origin = normalize_origin(origin);
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !authority.is_empty()
        && !authority.contains(['/', '?', '#', '@', ' '])
}

fn token_in_query(query: &str) -> Option<&str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(k, v)| (k == "token").then_some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn access() -> Access {
        let listen: SocketAddr = "127.0.0.1:8025".parse().expect("addr");
        Access::new(
            AccessToken::parse("s3cret").expect("token"),
            listen,
            &["http://ui.example:9000/".to_owned()],
        )
    }

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).expect("header value"));
        }
        h
    }

    #[test]
    fn generated_tokens_are_long_url_safe_and_distinct() {
        let a = AccessToken::generate();
        let b = AccessToken::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
        assert!(AccessToken::parse(a.as_str()).is_ok());
        assert_eq!(format!("{a:?}"), "AccessToken(<redacted>)");
    }

    #[test]
    fn operator_tokens_must_be_url_safe() {
        assert!(matches!(AccessToken::parse(""), Err(TokenError::Empty)));
        assert!(matches!(
            AccessToken::parse("a b"),
            Err(TokenError::NotUrlSafe)
        ));
        assert!(matches!(
            AccessToken::parse("a&b"),
            Err(TokenError::NotUrlSafe)
        ));
        assert!(AccessToken::parse("A-z_0.9~").is_ok());
    }

    #[test]
    fn token_matches_only_itself() {
        let t = AccessToken::parse("s3cret").expect("token");
        assert!(t.matches("s3cret"));
        assert!(!t.matches("s3cre"));
        assert!(!t.matches("s3cret2"));
        assert!(!t.matches("S3cret"));
        assert!(!t.matches(""));
    }

    #[test]
    fn token_is_read_from_the_query_only() {
        let a = access();
        assert_eq!(a.check_token(Some("token=s3cret")), Ok(()));
        assert_eq!(a.check_token(Some("x=1&token=s3cret")), Ok(()));
        assert_eq!(
            a.check_token(Some("token=nope")),
            Err(AccessError::WrongToken)
        );
        assert_eq!(
            a.check_token(Some("tok=s3cret")),
            Err(AccessError::MissingToken)
        );
        assert_eq!(a.check_token(None), Err(AccessError::MissingToken));
        assert_eq!(a.check_token(Some("")), Err(AccessError::MissingToken));
    }

    #[test]
    fn host_must_be_the_listen_address_or_loopback_names() {
        let a = access();
        for ok in [
            "127.0.0.1:8025",
            "localhost:8025",
            "LOCALHOST:8025",
            "[::1]:8025",
            "ui.example:9000",
        ] {
            assert_eq!(
                a.check_host(&headers(&[(header::HOST, ok)])),
                Ok(ok),
                "{ok}"
            );
        }
        for bad in [
            "evil.example:8025",
            "localhost:8026",
            "127.0.0.1",
            "localhost",
            "127.0.0.2:8025",
        ] {
            assert_eq!(
                a.check_host(&headers(&[(header::HOST, bad)])),
                Err(AccessError::BadHost),
                "{bad}"
            );
        }
        assert_eq!(a.check_host(&HeaderMap::new()), Err(AccessError::BadHost));
    }

    #[test]
    fn port_80_also_accepts_hosts_without_port() {
        let a = Access::new(
            AccessToken::parse("t").expect("token"),
            "127.0.0.1:80".parse().expect("addr"),
            &[],
        );
        assert!(a
            .check_host(&headers(&[(header::HOST, "localhost")]))
            .is_ok());
        assert!(a
            .check_host(&headers(&[(header::HOST, "127.0.0.1")]))
            .is_ok());
    }

    #[test]
    fn origin_must_be_own_or_allowed_or_absent() {
        let a = access();
        let host = "localhost:8025";
        assert_eq!(a.check_origin(&HeaderMap::new(), host), Ok(()));
        let own = headers(&[(header::ORIGIN, "http://localhost:8025")]);
        assert_eq!(a.check_origin(&own, host), Ok(()));
        let extra = headers(&[(header::ORIGIN, "http://ui.example:9000")]);
        assert_eq!(a.check_origin(&extra, host), Ok(()));
        for bad in [
            "http://evil.example",
            "http://127.0.0.1:8025",
            "https://localhost:8025",
            "null",
            "http://localhost:8025.evil.example",
        ] {
            let h = headers(&[(header::ORIGIN, bad)]);
            assert_eq!(
                a.check_origin(&h, host),
                Err(AccessError::ForeignOrigin),
                "{bad}"
            );
        }
    }

    #[test]
    fn refusals_map_to_401_and_403() {
        assert_eq!(AccessError::MissingToken.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(AccessError::WrongToken.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(AccessError::BadHost.status(), StatusCode::FORBIDDEN);
        assert_eq!(AccessError::ForeignOrigin.status(), StatusCode::FORBIDDEN);
        assert!(!AccessError::WrongToken.to_string().contains("s3cret"));
    }

    #[test]
    fn an_expired_token_is_refused_with_401_and_a_clear_message() {
        let a = access().with_token_ttl(Some(Duration::ZERO));
        let err = a.check_token(Some("token=s3cret")).expect_err("expired");
        assert_eq!(err, AccessError::TokenExpired { ttl_secs: 0 });
        assert_eq!(err.status(), StatusCode::UNAUTHORIZED);
        assert!(err.to_string().contains("token expired"), "{err}");
        assert!(!err.to_string().contains("s3cret"));
        // A wrong token stays "wrong", so expiry reveals nothing to a guesser.
        assert_eq!(
            a.check_token(Some("token=nope")),
            Err(AccessError::WrongToken)
        );
        let fresh = access().with_token_ttl(Some(Duration::from_secs(3600)));
        assert!(fresh.check_token(Some("token=s3cret")).is_ok());
    }

    #[test]
    fn with_tls_the_own_origin_is_https() {
        let a = access().with_tls(true);
        let https = headers(&[(header::ORIGIN, "https://localhost:8025")]);
        assert_eq!(a.check_origin(&https, "localhost:8025"), Ok(()));
        let http = headers(&[(header::ORIGIN, "http://localhost:8025")]);
        assert_eq!(
            a.check_origin(&http, "localhost:8025"),
            Err(AccessError::ForeignOrigin)
        );
    }

    #[test]
    fn origins_are_validated() {
        assert!(is_valid_origin("http://ui.example:9000"));
        assert!(is_valid_origin("https://ui.example/"));
        assert!(!is_valid_origin("ui.example"));
        assert!(!is_valid_origin("ftp://ui.example"));
        assert!(!is_valid_origin("http://ui.example/path"));
        assert!(!is_valid_origin("http://"));
    }
}
