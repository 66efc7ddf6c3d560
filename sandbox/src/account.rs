//! The sandbox's one demo account and the SASL payloads that carry its
//! credentials: AUTH PLAIN (RFC 4616) and AUTH LOGIN.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// The demo account's user name. Public on purpose: the UI shows it so a
/// new user's first Run can authenticate against the sandbox.
pub const DEMO_USER: &str = "demo@sandbox.smtplab";

/// The demo account's password. Public on purpose, like [`DEMO_USER`]: the
/// sandbox only listens on loopback and delivers nowhere.
pub const DEMO_PASSWORD: &str = "smtplab-demo";

/// The bearer token the sandbox accepts by default for the demo account
/// over AUTH XOAUTH2 and OAUTHBEARER; public like [`DEMO_PASSWORD`], and
/// replaced by [`SandboxConfig::bearer_token`](crate::SandboxConfig::bearer_token).
pub const DEMO_BEARER_TOKEN: &str = "smtplab-demo-token";

/// The user and token of an XOAUTH2 payload,
/// `user=U ^A auth=Bearer T ^A ^A`.
pub(crate) fn decode_xoauth2(line: &str) -> Result<(String, String), PayloadError> {
    let text = decode_text(line)?;
    let mut user = None;
    let mut token = None;
    for field in text.split('\x01') {
        if let Some(u) = field.strip_prefix("user=") {
            user = Some(u.to_owned());
        } else if let Some(t) = field.strip_prefix("auth=Bearer ") {
            token = Some(t.to_owned());
        }
    }
    user.zip(token).ok_or(PayloadError::OAuthShape)
}

/// The user and token of an OAUTHBEARER payload (RFC 7628 §3.1):
/// `n,a=U,` then `^A`-separated `key=value` fields with `auth=Bearer T`.
pub(crate) fn decode_oauthbearer(line: &str) -> Result<(String, String), PayloadError> {
    let text = decode_text(line)?;
    let mut fields = text.split('\x01');
    let gs2 = fields.next().unwrap_or_default();
    let user = gs2
        .split(',')
        .find_map(|part| part.strip_prefix("a="))
        .map(|u| u.replace("=2C", ",").replace("=3D", "="));
    let token = fields.find_map(|f| f.strip_prefix("auth=Bearer ").map(str::to_owned));
    user.zip(token).ok_or(PayloadError::OAuthShape)
}

/// Whether `user` and `token` are the demo account's with the configured
/// bearer token.
pub(crate) fn is_demo_token(user: &str, token: &str, expected: &str) -> bool {
    user.eq_ignore_ascii_case(DEMO_USER) && !expected.is_empty() && token == expected
}

/// Whether `user` and `password` are the demo account's. The user name is
/// compared case-insensitively (it is an address); the password exactly.
pub(crate) fn is_demo_account(user: &str, password: &str) -> bool {
    user.eq_ignore_ascii_case(DEMO_USER) && password == DEMO_PASSWORD
}

/// Why a SASL payload could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PayloadError {
    /// Not valid base64.
    #[error("not valid base64")]
    Base64,
    /// Decoded, but not UTF-8.
    #[error("not UTF-8")]
    Utf8,
    /// An XOAUTH2/OAUTHBEARER payload without a user or a bearer token.
    #[error("no user or bearer token")]
    OAuthShape,
    /// A PLAIN payload without the two NUL separators.
    #[error("not authzid NUL authcid NUL passwd")]
    PlainShape,
}

/// Decodes one base64 line of an AUTH exchange into text.
pub(crate) fn decode_text(line: &str) -> Result<String, PayloadError> {
    let bytes = STANDARD
        .decode(line.trim())
        .map_err(|_| PayloadError::Base64)?;
    String::from_utf8(bytes).map_err(|_| PayloadError::Utf8)
}

/// Decodes an AUTH PLAIN response, `base64(authzid NUL authcid NUL passwd)`,
/// into the identity to log in as and the password. An authorization
/// identity other than empty or the authentication identity is kept as
/// the identity, so that it fails the account check (the sandbox lets no
/// one act for someone else).
/// <https://www.rfc-editor.org/rfc/rfc4616#section-2>
pub(crate) fn decode_plain(line: &str) -> Result<(String, String), PayloadError> {
    let text = decode_text(line)?;
    let mut parts = text.splitn(3, '\0');
    let (Some(authzid), Some(authcid), Some(password)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(PayloadError::PlainShape);
    };
    let identity = if authzid.is_empty() || authzid == authcid {
        authcid
    } else {
        authzid
    };
    Ok((identity.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_payload_with_empty_authzid_yields_user_and_password() {
        let line = STANDARD.encode(format!("\0{DEMO_USER}\0{DEMO_PASSWORD}"));
        let (user, password) = decode_plain(&line).expect("valid payload");
        assert!(is_demo_account(&user, &password));
    }

    #[test]
    fn plain_payload_acting_for_someone_else_fails_the_account_check() {
        let line = STANDARD.encode(format!("boss@x\0{DEMO_USER}\0{DEMO_PASSWORD}"));
        let (user, password) = decode_plain(&line).expect("valid payload");
        assert!(!is_demo_account(&user, &password));
    }

    #[test]
    fn malformed_payloads_are_errors_not_panics() {
        assert_eq!(decode_plain("!!!"), Err(PayloadError::Base64));
        assert_eq!(
            decode_plain(&STANDARD.encode("no separators")),
            Err(PayloadError::PlainShape)
        );
        assert_eq!(
            decode_text(&STANDARD.encode([0xff, 0xfe])),
            Err(PayloadError::Utf8)
        );
    }

    #[test]
    fn oauth_payloads_yield_user_and_token() {
        let xoauth2 = STANDARD.encode("user=demo@sandbox.smtplab\x01auth=Bearer tok\x01\x01");
        assert_eq!(
            decode_xoauth2(&xoauth2),
            Ok(("demo@sandbox.smtplab".into(), "tok".into()))
        );
        let bearer = STANDARD.encode("n,a=a=2Cb,\x01host=h\x01port=25\x01auth=Bearer t2\x01\x01");
        assert_eq!(decode_oauthbearer(&bearer), Ok(("a,b".into(), "t2".into())));
        assert_eq!(
            decode_xoauth2(&STANDARD.encode("user=x")),
            Err(PayloadError::OAuthShape)
        );
        assert!(is_demo_token(DEMO_USER, "t", "t"));
        assert!(!is_demo_token(DEMO_USER, "", ""));
        assert!(!is_demo_token(DEMO_USER, "u", "t"));
    }

    #[test]
    fn wrong_password_is_refused_and_user_is_case_insensitive() {
        assert!(is_demo_account(&DEMO_USER.to_uppercase(), DEMO_PASSWORD));
        assert!(!is_demo_account(DEMO_USER, "wrong"));
    }
}
