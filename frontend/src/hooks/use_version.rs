//! `use_version`: the bridge's version text for the page footer, read once
//! from `GET /status` (`"version": "smtplab X.Y.Z (commit …, built …)"`).
//! An older bridge without the field shows no footer.

use serde::Deserialize;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::browser;

/// The version text once `/status` answered, else `None`.
#[hook]
pub(crate) fn use_version() -> Option<String> {
    let version = use_state_eq(|| None);
    {
        let version = version.clone();
        use_effect_with((), move |()| {
            spawn_local(async move {
                if let Some(text) = browser::get_text("/status")
                    .await
                    .ok()
                    .and_then(|body| parse_version(&body))
                {
                    version.set(Some(text));
                }
            });
        });
    }
    (*version).clone()
}

/// The `version` of a `/status` body.
fn parse_version(json: &str) -> Option<String> {
    /// The part of `/status` the footer needs.
    #[derive(Deserialize)]
    struct Status {
        /// `smtplab X.Y.Z (commit …, built …)`.
        version: Option<String>,
    }
    serde_json::from_str::<Status>(json)
        .ok()?
        .version
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_comes_from_status() {
        let body =
            r#"{"version":"smtplab 0.1.0 (commit abc, built 2026-01-31)","sessions":0,"tasks":3}"#;
        assert_eq!(
            parse_version(body).as_deref(),
            Some("smtplab 0.1.0 (commit abc, built 2026-01-31)")
        );
        assert_eq!(parse_version(r#"{"sessions":0}"#), None, "an older bridge");
        assert_eq!(parse_version("not json"), None);
    }
}
