//! Sessions saved in this browser (`localStorage`): a name, the spec, and
//! the password only when the user ticked "remember password".
//!
//! This module is the stored format and its rules; the hook
//! `use_persistence` reads and writes the text.

use serde::{Deserialize, Serialize};
use smtplab_shared::smtp::SessionSpec;

use crate::share::without_password;

/// The `localStorage` key of the saved sessions.
pub(crate) const STORAGE_KEY: &str = "smtplab.sessions.v1";

/// One saved session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SavedSession {
    /// The name the user gave it; unique in the list.
    pub(crate) name: String,
    /// True if the password is stored with it.
    pub(crate) remember_password: bool,
    /// The session; its password is empty unless `remember_password`.
    pub(crate) spec: SessionSpec,
}

impl SavedSession {
    /// A saved session named `name` (trimmed); the password is dropped
    /// unless `remember_password`.
    pub(crate) fn new(name: &str, spec: &SessionSpec, remember_password: bool) -> Self {
        Self {
            name: name.trim().to_owned(),
            remember_password,
            spec: if remember_password {
                spec.clone()
            } else {
                without_password(spec)
            },
        }
    }
}

/// The stored document: a version, so the format can change later.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    /// Format version (1).
    version: u32,
    /// The sessions, in the order shown.
    sessions: Vec<serde_json::Value>,
}

/// Adds `session`, replacing one of the same name in place.
pub(crate) fn upsert(list: &mut Vec<SavedSession>, session: SavedSession) {
    match list.iter_mut().find(|s| s.name == session.name) {
        Some(slot) => *slot = session,
        None => list.push(session),
    }
}

/// The text stored under [`STORAGE_KEY`].
pub(crate) fn to_storage(list: &[SavedSession]) -> String {
    let sessions = list
        .iter()
        .map(|s| serde_json::to_value(s).expect("a saved session always serializes"))
        .collect();
    serde_json::to_string(&Stored {
        version: 1,
        sessions,
    })
    .expect("always serializes")
}

/// The sessions in stored text; unreadable text or entries are skipped (a
/// broken entry must not hide the others).
pub(crate) fn from_storage(text: &str) -> Vec<SavedSession> {
    let Ok(stored) = serde_json::from_str::<Stored>(text) else {
        return Vec::new();
    };
    stored
        .sessions
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::smtp::{AuthMechanism, AuthSpec, Secret, Stage, Timeouts, TlsMode};

    fn spec(password: &str) -> SessionSpec {
        SessionSpec {
            host: "127.0.0.1".into(),
            port: 587,
            ehlo_name: "me".into(),
            auth: Some(AuthSpec {
                mechanism: AuthMechanism::Login,
                username: "kim".into(),
                password: Secret::new(password),
            }),
            mail_from: "a@b.test".into(),
            rcpt_to: vec![],
            message: "Subject: s\r\n\r\nb".into(),
            stop_after: Stage::Auth,
            timeouts: Timeouts::default(),
            tls: TlsMode::None,
            envelope: Default::default(),
        }
    }

    #[test]
    fn the_password_is_stored_only_when_asked() {
        let without = SavedSession::new(" relay test ", &spec("s3cret-pw"), false);
        assert_eq!(without.name, "relay test");
        let text = to_storage(std::slice::from_ref(&without));
        assert!(!text.contains("s3cret-pw"), "{text}");
        let back = from_storage(&text);
        assert_eq!(back, vec![without]);
        assert_eq!(
            back[0].spec.auth.as_ref().map(|a| a.password.expose()),
            Some("")
        );

        let with = SavedSession::new("relay test", &spec("s3cret-pw"), true);
        let text = to_storage(std::slice::from_ref(&with));
        assert!(text.contains("s3cret-pw"));
        assert_eq!(
            from_storage(&text)[0]
                .spec
                .auth
                .as_ref()
                .map(|a| a.password.expose()),
            Some("s3cret-pw")
        );
    }

    #[test]
    fn a_bearer_token_is_kept_out_like_a_password() {
        let mut oauth = spec("ya29.token-secret");
        if let Some(auth) = oauth.auth.as_mut() {
            auth.mechanism = AuthMechanism::XOAuth2;
        }
        oauth.rcpt_to = vec!["c@d.test".into()];
        let text = to_storage(&[SavedSession::new("oauth", &oauth, false)]);
        assert!(!text.contains("ya29.token-secret"), "{text}");
        let fragment = crate::share::encode_fragment(&oauth);
        let link = crate::share::decode_fragment(&fragment).expect("valid");
        assert_eq!(
            link.and_then(|s| s.auth)
                .map(|a| a.password.expose().to_owned()),
            Some(String::new())
        );
        let kept = to_storage(&[SavedSession::new("oauth", &oauth, true)]);
        assert!(kept.contains("ya29.token-secret"));
    }

    #[test]
    fn saving_a_name_again_replaces_it_in_place() {
        let mut list = Vec::new();
        upsert(&mut list, SavedSession::new("a", &spec("1"), false));
        upsert(&mut list, SavedSession::new("b", &spec("2"), false));
        upsert(&mut list, SavedSession::new("a", &spec("3"), true));
        let names: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(list[0].remember_password);
    }

    #[test]
    fn broken_storage_loses_only_what_is_broken() {
        assert!(from_storage("").is_empty());
        assert!(from_storage("[1,2]").is_empty());
        let good = serde_json::to_value(SavedSession::new("ok", &spec("x"), false)).expect("value");
        let text =
            serde_json::json!({ "version": 1, "sessions": [good, { "name": 5 }] }).to_string();
        assert_eq!(from_storage(&text).len(), 1);
    }
}
