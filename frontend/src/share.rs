//! Share links: the session, without its password, in the URL fragment as
//! `#s=<base64url(JSON SessionSpec)>`.
//!
//! The fragment never reaches a server, and the link is built from the
//! page address with its query and fragment cut off, so the bridge's
//! `?token=` can never end up in it.
//!
//! The payload is a session file's JSON ([`crate::session_file`]): a link
//! is read back by the file's parser, and drops the password as an export
//! without credentials does. This module builds on that one, never the
//! reverse.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use smtplab_shared::smtp::SessionSpec;

/// Re-exported from [`crate::session_file`], where it lives, for the
/// callers that import it from here.
pub(crate) use crate::session_file::without_password;
use crate::session_file::{parse_spec, ImportError};

/// The fragment key of a shared session.
pub(crate) const FRAGMENT_KEY: &str = "s=";

/// The fragment (without `#`) that carries `spec`, password removed.
pub(crate) fn encode_fragment(spec: &SessionSpec) -> String {
    let json =
        serde_json::to_string(&without_password(spec)).expect("a SessionSpec always serializes");
    format!("{FRAGMENT_KEY}{}", URL_SAFE_NO_PAD.encode(json))
}

/// The share link for `spec` on the page at `href` (its query, which may
/// hold the access token, and its fragment are dropped).
pub(crate) fn share_url(href: &str, spec: &SessionSpec) -> String {
    let base = href.split(['?', '#']).next().unwrap_or(href);
    format!("{base}#{}", encode_fragment(spec))
}

/// The session in a page fragment (with or without its `#`): `Ok(None)`
/// when the fragment holds no shared session.
///
/// # Errors
/// [`ImportError`] when the fragment has `s=` but it is not base64url of a
/// valid session.
pub(crate) fn decode_fragment(fragment: &str) -> Result<Option<SessionSpec>, ImportError> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let Some(encoded) = fragment
        .split('&')
        .find_map(|part| part.strip_prefix(FRAGMENT_KEY))
    else {
        return Ok(None);
    };
    // Tolerate padding and the standard alphabet a hand-edited link may have.
    let cleaned: String = encoded
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    let bytes = URL_SAFE_NO_PAD
        .decode(cleaned)
        .map_err(|_| ImportError::NotBase64)?;
    let text = String::from_utf8(bytes).map_err(|_| ImportError::NotBase64)?;
    parse_spec(&text).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::smtp::{
        compose_message, AuthMechanism, AuthSpec, Secret, Stage, Timeouts, TlsMode,
    };

    fn spec() -> SessionSpec {
        let rcpt = vec!["b@example.test".to_owned()];
        SessionSpec {
            host: "mx.example.test".into(),
            port: 587,
            ehlo_name: "me.example".into(),
            auth: Some(AuthSpec {
                mechanism: AuthMechanism::Plain,
                username: "kim".into(),
                password: Secret::new("hunter2-secret"),
            }),
            mail_from: "a@example.test".into(),
            message: compose_message("a@example.test", &rcpt, "件名 ü", "body", "d", "m@x"),
            rcpt_to: rcpt,
            stop_after: Stage::Rcpt,
            timeouts: Timeouts::default(),
            tls: TlsMode::StartTls,
            envelope: Default::default(),
        }
    }

    #[test]
    fn a_share_link_round_trips_without_the_password() {
        let link = share_url("http://127.0.0.1:8025/", &spec());
        let fragment = link.split_once('#').expect("fragment").1;
        let back = decode_fragment(fragment).expect("valid").expect("present");
        assert_eq!(back, without_password(&spec()));
        assert_eq!(back.auth.as_ref().map(|a| a.password.expose()), Some(""));
        assert_eq!(back.tls, TlsMode::StartTls);
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(&fragment[2..]).expect("base64url"))
            .expect("utf-8");
        assert!(!json.contains("hunter2"), "{json}");
        assert!(!link.contains("hunter2"));
        assert!(
            link.chars().all(|c| c.is_ascii_graphic()),
            "URL-safe: {link}"
        );
    }

    #[test]
    fn the_token_and_old_fragments_never_reach_the_link() {
        let link = share_url("http://127.0.0.1:8025/?token=abc123&x=1#s=old", &spec());
        assert!(link.starts_with("http://127.0.0.1:8025/#s="), "{link}");
        assert!(
            !link.contains("token") && !link.contains("abc123") && !link.contains("old"),
            "{link}"
        );
    }

    #[test]
    fn fragments_without_a_session_or_with_garbage_are_told_apart() {
        assert_eq!(decode_fragment(""), Ok(None));
        assert_eq!(decode_fragment("#section-2"), Ok(None));
        assert_eq!(decode_fragment("#s=***"), Err(ImportError::NotBase64));
        let not_json = URL_SAFE_NO_PAD.encode("{nope");
        assert!(matches!(
            decode_fragment(&format!("s={not_json}")),
            Err(ImportError::BadJson(_))
        ));
        let mut invalid = spec();
        invalid.rcpt_to.clear();
        let link = share_url("http://h/", &invalid);
        let err = decode_fragment(link.split_once('#').expect("fragment").1).expect_err("invalid");
        assert!(matches!(err, ImportError::Invalid(_)), "{err:?}");
    }
}
