//! SMTP AUTH payloads (LOGIN and PLAIN) and secrets that never print.
//! <https://www.rfc-editor.org/rfc/rfc4954>, <https://www.rfc-editor.org/rfc/rfc4616>

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// What a masked secret looks like in transcripts.
pub const MASK: &str = "********";

/// A password or other secret. `Debug` and `Display` print `<redacted>`;
/// serde reads and writes the plain string (it travels inside the spec).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself; call only where it is really used.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True if the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(secret: String) -> Self {
        Self(secret)
    }
}

impl From<&str> for Secret {
    fn from(secret: &str) -> Self {
        Self(secret.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A user name and password. `Debug` shows the user name only.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The authentication identity.
    pub username: String,
    /// The password.
    pub password: Secret,
}

impl Credentials {
    /// Bundles a user name and a password.
    pub fn new(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The `AUTH PLAIN` initial response for these credentials.
    pub fn plain_initial_response(&self) -> String {
        plain_initial_response(&self.username, self.password.expose())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password)
            .finish()
    }
}

/// Why a 334 challenge could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The challenge text is not valid base64.
    #[error("334 challenge is not base64")]
    NotBase64,
}

/// Standard base64 (with padding) of the UTF-8 bytes of `text`.
pub fn base64_encode(text: &str) -> String {
    STANDARD.encode(text.as_bytes())
}

/// The `AUTH PLAIN` initial response: base64 of `\0user\0pass` (no
/// authorization identity). RFC 4616 §2.
pub fn plain_initial_response(username: &str, password: &str) -> String {
    let mut message = Vec::with_capacity(username.len() + password.len() + 2);
    message.push(0);
    message.extend_from_slice(username.as_bytes());
    message.push(0);
    message.extend_from_slice(password.as_bytes());
    STANDARD.encode(message)
}

/// The `AUTH CRAM-MD5` answer to a 334 challenge (RFC 2195 §2): base64 of
/// `user SP hex(HMAC-MD5(password, challenge))`, where `challenge` is the
/// 334's text, still base64.
///
/// # Errors
/// [`AuthError::NotBase64`] if the challenge is not base64.
pub fn cram_md5_response(
    username: &str,
    password: &str,
    challenge: &str,
) -> Result<String, AuthError> {
    use hmac::{Hmac, Mac};
    let challenge = STANDARD
        .decode(challenge.trim())
        .map_err(|_| AuthError::NotBase64)?;
    let mut mac = Hmac::<md5::Md5>::new_from_slice(password.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(&challenge);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(base64_encode(&format!("{username} {hex}")))
}

/// The `AUTH XOAUTH2` initial response: base64 of
/// `user=U ^A auth=Bearer T ^A ^A` (Google's and Microsoft's format).
pub fn xoauth2_initial_response(username: &str, token: &str) -> String {
    base64_encode(&format!("user={username}\x01auth=Bearer {token}\x01\x01"))
}

/// The `AUTH OAUTHBEARER` initial response (RFC 7628 §3.1): a GS2 header
/// naming the user (`,` and `=` escaped as `=2C` and `=3D`), then
/// `host`, `port` and `auth=Bearer T`, each ended by `^A`, then `^A`.
pub fn oauthbearer_initial_response(username: &str, host: &str, port: u16, token: &str) -> String {
    let user = username.replace('=', "=3D").replace(',', "=2C");
    base64_encode(&format!(
        "n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"
    ))
}

/// What a client sends after an OAuth mechanism's 334 error challenge, so
/// the server can end the exchange with its 5xx: an empty line for
/// XOAUTH2, base64 of `^A` (`AQ==`) for OAUTHBEARER (RFC 7628 §3.2.3).
pub const XOAUTH2_ABORT: &str = "";
/// See [`XOAUTH2_ABORT`].
pub const OAUTHBEARER_ABORT: &str = "AQ==";

/// Decodes a 334 challenge's text (e.g. `VXNlcm5hbWU6` → `Username:`).
/// Bytes that are not UTF-8 are replaced by U+FFFD; surrounding spaces are
/// ignored.
///
/// # Errors
/// [`AuthError::NotBase64`] if the text is not base64.
pub fn decode_challenge(text: &str) -> Result<String, AuthError> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| AuthError::NotBase64)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A 334 challenge decoded for a transcript (`334 VXNlcm5hbWU6` shows
/// `(Username:)`): `None` unless it is base64 of printable text, so a
/// binary challenge (CRAM-MD5's is text, others are not) is left alone.
pub fn decode_printable_challenge(challenge: &str) -> Option<String> {
    if challenge.is_empty() {
        return None;
    }
    let decoded = decode_challenge(challenge).ok()?;
    let printable =
        !decoded.is_empty() && decoded.chars().all(|c| !c.is_control() && c != '\u{fffd}');
    printable.then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn login_challenges_decode_to_prompts() {
        assert_eq!(decode_challenge("VXNlcm5hbWU6").as_deref(), Ok("Username:"));
        assert_eq!(decode_challenge("UGFzc3dvcmQ6").as_deref(), Ok("Password:"));
        assert_eq!(decode_challenge("not base64!"), Err(AuthError::NotBase64));
    }

    #[test]
    fn only_printable_challenges_are_shown_decoded() {
        assert_eq!(
            decode_printable_challenge("VXNlcm5hbWU6").as_deref(),
            Some("Username:")
        );
        assert_eq!(decode_printable_challenge(""), None);
        assert_eq!(decode_printable_challenge("not base64!"), None);
        // Base64 of bytes 0x00 0x01 0x02: binary, left alone.
        assert_eq!(decode_printable_challenge("AAEC"), None);
    }

    #[test]
    fn login_and_plain_payloads_are_base64() {
        assert_eq!(
            base64_encode("kim@fourthcoffee.com"),
            "a2ltQGZvdXJ0aGNvZmZlZS5jb20="
        );
        assert_eq!(base64_encode("Username:"), "VXNlcm5hbWU6");
        // RFC 4616 §4 example without authzid: "\0tim\0tanstaaftanstaaf".
        assert_eq!(
            plain_initial_response("tim", "tanstaaftanstaaf"),
            "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"
        );
        let creds = Credentials::new("tim", "tanstaaftanstaaf");
        assert_eq!(
            creds.plain_initial_response(),
            "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"
        );
    }

    #[test]
    fn cram_md5_matches_rfc_2195() {
        // RFC 2195 §2's example: user tim, secret tanstaaftanstaaf.
        let challenge = base64_encode("<1896.697170952@postoffice.reston.mci.net>");
        let response = cram_md5_response("tim", "tanstaaftanstaaf", &challenge).expect("base64");
        assert_eq!(
            decode_challenge(&response).as_deref(),
            Ok("tim b913a602c7eda7a495b4e6e7334d3890")
        );
        assert_eq!(
            cram_md5_response("tim", "x", "not base64!"),
            Err(AuthError::NotBase64)
        );
    }

    #[test]
    fn oauth_initial_responses_follow_their_formats() {
        assert_eq!(
            decode_challenge(&xoauth2_initial_response("a@b.test", "tok")).as_deref(),
            Ok("user=a@b.test\x01auth=Bearer tok\x01\x01")
        );
        // RFC 7628 §4.1's example shape, with a `,` escaped in the user.
        assert_eq!(
            decode_challenge(&oauthbearer_initial_response("u,1=2", "server.example.com", 143, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==")).as_deref(),
            Ok("n,a=u=2C1=3D2,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01")
        );
        assert_eq!(decode_challenge(OAUTHBEARER_ABORT).as_deref(), Ok("\x01"));
    }

    #[test]
    fn secret_never_prints() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(secret.expose(), "hunter2");
        let creds = Credentials::new("kim", "hunter2");
        let debug = format!("{creds:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("kim"));
    }

    #[test]
    fn secret_serializes_as_a_plain_string() {
        let secret = Secret::new("p\"w");
        let json = serde_json::to_string(&secret).expect("serializes");
        assert_eq!(json, r#""p\"w""#);
        let back: Secret = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, secret);
    }
}
