//! The bridge's embedded SMTP sandbox as the tab sees it: what
//! `GET /sandbox` says ([`SandboxInfo`]), the inbox `GET /sandbox/messages`
//! lists ([`InboxPage`] of [`InboxMessage`]s), and the form preset that
//! makes a new user's first Run deliver to it. The inbox panel's state is
//! `crate::state::sandbox::Inbox`.
//!
//! The JSON types are the shared ones the bridge serializes
//! (`smtplab_shared::wire::sandbox`), so the two sides cannot drift.
//!
//! The rule for the preset: the bridge reports the sandbox enabled and the
//! form is untouched (nothing typed, no saved session, share link or file
//! loaded); see `crate::state::sandbox` and `FormState::touched`.

use std::ops::Deref;

use serde::Deserialize;
use smtplab_shared::smtp::{Secret, Stage, TlsMode};
use smtplab_shared::wire::sandbox as wire;
pub(crate) use smtplab_shared::wire::sandbox::{InboxMessage, InboxPage};

use crate::form::{AuthChoice, Form};

/// The sender the preset fills in.
pub(crate) const DEMO_FROM: &str = "demo@sandbox.smtplab";

/// The recipient the preset fills in (the sandbox accepts any).
pub(crate) const DEMO_TO: &str = "inbox@sandbox.smtplab";

/// The body of `GET /sandbox` with what the tab does with it: the shared
/// [`wire::SandboxInfo`] (its fields and [`wire::SandboxInfo::target`] are
/// reached through `Deref`), plus whether the form points at the sandbox
/// and the form preset for it, which need the tab's [`Form`].
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub(crate) struct SandboxInfo(pub(crate) wire::SandboxInfo);

impl std::fmt::Debug for SandboxInfo {
    /// Leaves the demo account's password out, as for every password in
    /// the tab (this one is shown on the page, but a log is not the page).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxInfo")
            .field("enabled", &self.enabled)
            .field("addr", &self.addr)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Deref for SandboxInfo {
    type Target = wire::SandboxInfo;

    fn deref(&self) -> &wire::SandboxInfo {
        &self.0
    }
}

impl From<wire::SandboxInfo> for SandboxInfo {
    fn from(info: wire::SandboxInfo) -> Self {
        Self(info)
    }
}

impl SandboxInfo {
    /// True when `host:port` is the sandbox (the bridge lets the tab reach
    /// it whatever its port policy says).
    pub(crate) fn is_target(&self, host: &str, port: &str) -> bool {
        self.target().is_some_and(|(h, p)| {
            h == host.trim().trim_start_matches('[').trim_end_matches(']')
                && port.trim() == p.to_string()
        })
    }

    /// The form set up to deliver a test message to the sandbox: its
    /// address, AUTH LOGIN with the demo account, demo addresses, no TLS
    /// (the sandbox speaks plaintext on loopback), everything else as in
    /// `base`.
    pub(crate) fn preset(&self, base: &Form) -> Option<Form> {
        let (host, port) = self.target()?;
        Some(Form {
            host,
            port: port.to_string(),
            auth: AuthChoice::Login,
            username: self.user.clone(),
            password: Secret::new(self.password.clone()),
            mail_from: DEMO_FROM.to_owned(),
            rcpt_to: vec![DEMO_TO.to_owned()],
            stop_after: Stage::Data,
            tls: TlsMode::None,
            ..base.clone()
        })
    }
}

/// Parses the body of `GET /sandbox`.
///
/// # Errors
/// serde's message when it is not the expected JSON.
pub(crate) fn parse_info(json: &str) -> Result<SandboxInfo, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

/// Parses the body of `GET /sandbox/messages`, newest first.
///
/// # Errors
/// serde's message when it is not the expected JSON.
pub(crate) fn parse_messages(json: &str) -> Result<InboxPage, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGES: &str = r#"{"total":5,"next_before":1,"messages":[
      {"id":2,"queue_id":"SBX000002","received_at_unix_ms":1767225601000,"helo":"h","mail_from":"",
       "rcpt_to":["x@y"],"authenticated_as":null,"size":3,"headers":[],"body":"hi"},
      {"id":1,"queue_id":"SBX000001","received_at_unix_ms":1767225600000,
      "helo":"client.test","mail_from":"alice@client.test",
      "rcpt_to":["bob@example.org"],"authenticated_as":"demo@sandbox.smtplab",
      "size":93,"headers":[["Subject","Hello"],["From","<alice@client.test>"]],
      "body":"First line\r\n"}]}"#;

    #[test]
    fn the_preset_follows_the_port_the_bridge_reports_not_2525() {
        // The bridge moved its sandbox off a taken 2525.
        let moved = parse_info(r#"{"enabled":true,"addr":"127.0.0.1:40123","host":"127.0.0.1","port":40123,"user":"u","password":"p"}"#).expect("info");
        let form = moved.preset(&Form::default()).expect("preset");
        assert_eq!(
            (form.host.as_str(), form.port.as_str()),
            ("127.0.0.1", "40123")
        );
        assert!(
            moved.is_target(&form.host, &form.port),
            "the run is let through as the sandbox"
        );
        assert!(!moved.is_target("127.0.0.1", "2525"));
    }

    #[test]
    fn debug_leaves_the_password_out() {
        let info = parse_info(
            r#"{"enabled":true,"addr":"127.0.0.1:2525","user":"u","password":"demo-pw"}"#,
        )
        .expect("info");
        let text = format!("{info:?}");
        assert!(
            !text.contains("demo-pw") && text.contains("127.0.0.1:2525"),
            "{text}"
        );
    }

    #[test]
    fn the_target_comes_from_host_and_port_or_the_address() {
        let only_addr =
            parse_info(r#"{"enabled":true,"addr":"[::1]:2600","user":"u","password":"p"}"#)
                .expect("info");
        assert_eq!(only_addr.target(), Some(("::1".to_owned(), 2600)));
        assert!(only_addr.is_target("[::1]", "2600"));
        assert!(only_addr.is_target("::1", " 2600 "));
        assert!(!only_addr.is_target("::1", "25"));
        assert_eq!(
            parse_info(r#"{"enabled":true,"addr":"nonsense"}"#)
                .expect("info")
                .target(),
            None
        );
    }

    #[test]
    fn the_inbox_lists_newest_first_with_headers_and_body() {
        let page = parse_messages(MESSAGES).expect("messages");
        assert_eq!(page.total, 5);
        assert_eq!(
            page.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
            [2, 1]
        );
        let first = &page.messages[1];
        assert_eq!(first.header("subject"), Some("Hello"));
        assert_eq!(first.body, "First line\r\n");
        assert_eq!(
            first.authenticated_as.as_deref(),
            Some("demo@sandbox.smtplab")
        );
        assert!(parse_messages("{}").is_err());
        assert!(parse_messages("[]").is_err(), "the old unbounded array");
    }
}
