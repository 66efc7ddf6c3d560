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
    fn wrong_password_is_refused_and_user_is_case_insensitive() {
        assert!(is_demo_account(&DEMO_USER.to_uppercase(), DEMO_PASSWORD));
        assert!(!is_demo_account(DEMO_USER, "wrong"));
    }
}
