//! The session file: a [`SessionSpec`] as pretty JSON (its serde form), for
//! export and import, the errors an imported text can have, and the spec
//! without its password (what may leave the browser). The share link
//! (`crate::share`) carries the same JSON and is built on this module.

use smtplab_shared::smtp::{Secret, SessionSpec, SpecError};

use crate::form::describe_spec_error;
use crate::i18n::{tf, Lang, Msg};

/// Why an imported session (file or share link) cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ImportError {
    /// A share link's payload is not base64url of UTF-8 text.
    NotBase64,
    /// The text is not JSON (serde_json's words).
    BadJson(String),
    /// The JSON is not a session spec (a missing or mistyped field).
    NotASpec(String),
    /// The spec is well-formed but invalid.
    Invalid(SpecError),
}

impl ImportError {
    /// The error in words, for a file (`link` false) or a share link.
    pub(crate) fn describe(&self, lang: Lang, link: bool) -> String {
        let detail = match self {
            Self::NotBase64 => "base64url".to_owned(),
            Self::BadJson(why) | Self::NotASpec(why) => why.clone(),
            Self::Invalid(e) => describe_spec_error(e, lang),
        };
        if link {
            return tf(lang, Msg::NoticeBadLink, &[&detail]);
        }
        match self {
            Self::NotBase64 | Self::BadJson(_) => tf(lang, Msg::NoticeBadJson, &[&detail]),
            Self::NotASpec(_) => tf(lang, Msg::NoticeBadSpec, &[&detail]),
            Self::Invalid(_) => tf(lang, Msg::NoticeInvalidSpec, &[&detail]),
        }
    }
}

/// `spec` with the password emptied: what may leave the browser (a file
/// exported without credentials, a share link, a saved session without its
/// password).
pub(crate) fn without_password(spec: &SessionSpec) -> SessionSpec {
    let mut spec = spec.clone();
    if let Some(auth) = spec.auth.as_mut() {
        auth.password = Secret::new(String::new());
    }
    spec
}

/// Parses and validates a session file's text.
///
/// # Errors
/// [`ImportError::BadJson`] for text that is not JSON,
/// [`ImportError::NotASpec`] for JSON of another shape, and
/// [`ImportError::Invalid`] for a spec that fails validation.
pub(crate) fn parse_spec(text: &str) -> Result<SessionSpec, ImportError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ImportError::BadJson(e.to_string()))?;
    let spec: SessionSpec =
        serde_json::from_value(value).map_err(|e| ImportError::NotASpec(e.to_string()))?;
    // A bearer token is left out like a password (links, exports without
    // credentials): its absence is for the user to fill in, not an error.
    let mut checked = spec.clone();
    if let Some(auth) = checked.auth.as_mut() {
        if auth.mechanism.uses_token() && auth.password.is_empty() {
            auth.password = Secret::new("token to be typed");
        }
    }
    checked.validate().map_err(ImportError::Invalid)?;
    Ok(spec)
}

/// The session file for `spec`: pretty JSON, password included only when
/// `with_password` (the page passes "credentials shown").
pub(crate) fn to_file(spec: &SessionSpec, with_password: bool) -> String {
    let spec = if with_password {
        spec.clone()
    } else {
        without_password(spec)
    };
    serde_json::to_string_pretty(&spec).expect("a SessionSpec always serializes")
}

/// A file name for a session or transcript export of `host:port`.
pub(crate) fn file_name(target: &str, suffix: &str) -> String {
    let safe: String = target
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() {
        format!("smtplab{suffix}")
    } else {
        format!("smtplab-{safe}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::smtp::{AuthMechanism, AuthSpec, Stage, Timeouts, TlsMode};

    fn spec() -> SessionSpec {
        SessionSpec {
            host: "127.0.0.1".into(),
            port: 2525,
            ehlo_name: "me".into(),
            auth: Some(AuthSpec {
                mechanism: AuthMechanism::Login,
                username: "u".into(),
                password: Secret::new("pw"),
            }),
            mail_from: "a@b.test".into(),
            rcpt_to: vec!["c@d.test".into()],
            message: "Subject: x\r\n\r\nbody".into(),
            stop_after: Stage::Data,
            timeouts: Timeouts::default(),
            tls: TlsMode::None,
            envelope: Default::default(),
        }
    }

    #[test]
    fn an_exported_file_imports_back() {
        let file = to_file(&spec(), false);
        assert!(!file.contains("\"pw\""), "{file}");
        assert_eq!(parse_spec(&file), Ok(without_password(&spec())));
        assert_eq!(parse_spec(&to_file(&spec(), true)), Ok(spec()));
    }

    #[test]
    fn bad_files_get_clear_errors() {
        let err = parse_spec("{ not json").expect_err("bad");
        assert!(matches!(err, ImportError::BadJson(_)));
        assert!(
            err.describe(Lang::En, false)
                .starts_with("This file is not valid JSON: "),
            "{}",
            err.describe(Lang::En, false)
        );
        let err = parse_spec(r#"{"host":"h"}"#).expect_err("not a spec");
        assert!(
            matches!(&err, ImportError::NotASpec(why) if why.contains("port")),
            "{err:?}"
        );
        let mut invalid = spec();
        invalid.rcpt_to = vec!["nope".into()];
        let err = parse_spec(&to_file(&invalid, false)).expect_err("invalid");
        assert_eq!(
            err.describe(Lang::En, false),
            "The session in this file is not valid: recipient #1 address \"nope\" has no @"
        );
        assert!(err
            .describe(Lang::Ja, true)
            .starts_with("共有リンクを読み取れませんでした"));
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            file_name("127.0.0.1:2525", ".json"),
            "smtplab-127.0.0.1_2525.json"
        );
        assert_eq!(file_name("", ".txt"), "smtplab.txt");
    }
}
