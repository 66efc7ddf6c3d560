//! The bridge's HTTP JSON about its embedded SMTP sandbox (docs/protocol.md,
//! docs/sandbox.md): `GET /sandbox` ([`SandboxInfo`]) and
//! `GET /sandbox/messages` (an [`InboxPage`] of [`InboxMessage`]s).
//!
//! The bridge and the sandbox serialize these types and the tab
//! deserializes them, so the two sides cannot drift. Like the WebSocket
//! messages, the field names are a fixed contract: later versions add
//! fields, never rename these. Counts, ids and sizes are `u64` so that the
//! tab (wasm32, a 32-bit `usize`) reads every value the bridge can write.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// The body of `GET /sandbox`: whether the sandbox runs, where, and its demo
/// account (public by design: the UI shows it).
///
/// A running sandbox is
/// `{"addr":"127.0.0.1:2525","enabled":true,"host":"127.0.0.1","password":"smtplab-demo","port":2525,"user":"demo@sandbox.smtplab"}`
/// ([`SandboxInfo::listening`]); none is `{"enabled":false}` (the
/// [`Default`]: empty fields are left out). The fields are declared in the
/// order the bridge has always written them (alphabetical), so the bytes
/// on the wire stay the same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxInfo {
    /// `host:port` it listens on (`127.0.0.1:2525`, `[::1]:2525`); empty
    /// when it does not run.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub addr: String,
    /// The bridge started the sandbox.
    pub enabled: bool,
    /// Its IP address, said apart from `addr` (absent from older bridges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The demo account's password.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub password: String,
    /// Its port, said apart from `addr` (absent from older bridges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The demo account's user name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
}

impl SandboxInfo {
    /// A sandbox running on `addr` with the demo account `user`/`password`.
    pub fn listening(addr: SocketAddr, user: &str, password: &str) -> Self {
        Self {
            addr: addr.to_string(),
            enabled: true,
            host: Some(addr.ip().to_string()),
            password: password.to_owned(),
            port: Some(addr.port()),
            user: user.to_owned(),
        }
    }

    /// Where the sandbox listens, `(host, port)`: from `host` and `port`, or
    /// else parsed from `addr` (brackets of an IPv6 literal removed); `None`
    /// when it does not run or the address is unreadable.
    pub fn target(&self) -> Option<(String, u16)> {
        if !self.enabled {
            return None;
        }
        if let (Some(host), Some(port)) = (&self.host, self.port) {
            return Some((host.clone(), port));
        }
        let (host, port) = self.addr.rsplit_once(':')?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        Some((host.to_owned(), port.parse().ok()?))
    }

    /// The JSON body.
    pub fn to_json(&self) -> String {
        // Plain fields: serialization cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| r#"{"enabled":false}"#.to_owned())
    }
}

/// One message the sandbox received, with its envelope: an element of
/// [`InboxPage::messages`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxMessage {
    /// Sequence number, from 1, unique for the sandbox's life.
    pub id: u64,
    /// The queue id given in the final `250` (e.g. `SBX000001`).
    pub queue_id: String,
    /// When the final `.` (or `BDAT LAST`) arrived, in ms since the Unix epoch.
    pub received_at_unix_ms: u64,
    /// The client's EHLO/HELO name.
    pub helo: String,
    /// The `MAIL FROM` address; empty for the null reverse-path `<>`.
    pub mail_from: String,
    /// The `RCPT TO` addresses, in order.
    pub rcpt_to: Vec<String>,
    /// The user the client logged in as, if it did (`null` otherwise).
    pub authenticated_as: Option<String>,
    /// Size of the message content in bytes, after dot-unstuffing.
    pub size: u64,
    /// Header fields in order, `[name, value]`, names as sent, values
    /// unfolded and trimmed.
    pub headers: Vec<(String, String)>,
    /// Everything after the blank line that ends the header section; bytes
    /// that are not UTF-8 appear as U+FFFD.
    pub body: String,
}

impl InboxMessage {
    /// The value of the first header field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The body of `GET /sandbox/messages?limit=N&before=ID`: one page of the
/// inbox, newest first, `{"total":…,"messages":[…],"next_before":…}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxPage {
    /// Messages kept in the whole inbox, not only in this page.
    pub total: u64,
    /// This page's messages, newest first.
    pub messages: Vec<InboxMessage>,
    /// When older messages remain: the `before` that asks for the next page
    /// (the id of this page's oldest message); `null` on the last page.
    /// Absent from older bridges.
    #[serde(default)]
    pub next_before: Option<u64>,
}

impl InboxPage {
    /// The JSON body.
    pub fn to_json(&self) -> String {
        // Strings, numbers and lists: serialization cannot fail.
        serde_json::to_string(self)
            .unwrap_or_else(|_| r#"{"total":0,"messages":[],"next_before":null}"#.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// What the bridge served before these types existed (its `json!`
    /// object, keys sorted), byte for byte.
    const RUNNING: &str = r#"{"addr":"127.0.0.1:2525","enabled":true,"host":"127.0.0.1","password":"smtplab-demo","port":2525,"user":"demo@sandbox.smtplab"}"#;

    /// A page as the sandbox served it before (its `Page` and
    /// `StoredMessage`, fields in declaration order), byte for byte.
    const PAGE: &str = concat!(
        r#"{"total":5,"messages":["#,
        r#"{"id":2,"queue_id":"SBX000002","received_at_unix_ms":1767225601000,"helo":"h","mail_from":"","#,
        r#""rcpt_to":["x@y"],"authenticated_as":null,"size":3,"headers":[],"body":"hi"},"#,
        r#"{"id":1,"queue_id":"SBX000001","received_at_unix_ms":1767225600000,"helo":"client.test","#,
        r#""mail_from":"alice@client.test","rcpt_to":["bob@example.org"],"authenticated_as":"demo@sandbox.smtplab","#,
        r#""size":93,"headers":[["Subject","Hello"],["From","<alice@client.test>"]],"body":"First line\r\n"}"#,
        r#"],"next_before":1}"#
    );

    fn page() -> InboxPage {
        InboxPage {
            total: 5,
            messages: vec![
                InboxMessage {
                    id: 2,
                    queue_id: "SBX000002".into(),
                    received_at_unix_ms: 1_767_225_601_000,
                    helo: "h".into(),
                    mail_from: String::new(),
                    rcpt_to: vec!["x@y".into()],
                    authenticated_as: None,
                    size: 3,
                    headers: vec![],
                    body: "hi".into(),
                },
                InboxMessage {
                    id: 1,
                    queue_id: "SBX000001".into(),
                    received_at_unix_ms: 1_767_225_600_000,
                    helo: "client.test".into(),
                    mail_from: "alice@client.test".into(),
                    rcpt_to: vec!["bob@example.org".into()],
                    authenticated_as: Some("demo@sandbox.smtplab".into()),
                    size: 93,
                    headers: vec![
                        ("Subject".into(), "Hello".into()),
                        ("From".into(), "<alice@client.test>".into()),
                    ],
                    body: "First line\r\n".into(),
                },
            ],
            next_before: Some(1),
        }
    }

    #[test]
    fn sandbox_info_json_is_pinned() {
        let addr: SocketAddr = "127.0.0.1:2525".parse().expect("addr");
        let running = SandboxInfo::listening(addr, "demo@sandbox.smtplab", "smtplab-demo");
        assert_eq!(running.to_json(), RUNNING);
        assert_eq!(
            serde_json::from_str::<SandboxInfo>(RUNNING).expect("parses"),
            running
        );
        assert_eq!(SandboxInfo::default().to_json(), r#"{"enabled":false}"#);
        let off: SandboxInfo = serde_json::from_str(r#"{"enabled":false}"#).expect("parses");
        assert_eq!(off, SandboxInfo::default());
        let v6 = SandboxInfo::listening("[::1]:2600".parse().expect("addr"), "u", "p");
        assert_eq!(
            v6.to_json(),
            r#"{"addr":"[::1]:2600","enabled":true,"host":"::1","password":"p","port":2600,"user":"u"}"#
        );
    }

    #[test]
    fn inbox_page_json_is_pinned() {
        assert_eq!(page().to_json(), PAGE);
        assert_eq!(
            serde_json::from_str::<InboxPage>(PAGE).expect("parses"),
            page()
        );
        assert_eq!(
            InboxPage::default().to_json(),
            r#"{"total":0,"messages":[],"next_before":null}"#
        );
    }

    #[test]
    fn older_and_partial_bodies_still_parse() {
        // A bridge from before `host`, `port` and `next_before`.
        let old: SandboxInfo = serde_json::from_str(
            r#"{"enabled":true,"addr":"[::1]:2600","user":"u","password":"p"}"#,
        )
        .expect("parses");
        assert_eq!((old.host, old.port), (None, None));
        let page: InboxPage = serde_json::from_str(r#"{"total":0,"messages":[]}"#).expect("parses");
        assert_eq!(page.next_before, None);
        assert!(serde_json::from_str::<InboxPage>("{}").is_err());
        assert!(
            serde_json::from_str::<InboxPage>("[]").is_err(),
            "the old unbounded array"
        );
        assert!(
            serde_json::from_str::<SandboxInfo>("{}").is_err(),
            "no `enabled`"
        );
    }

    #[test]
    fn the_target_comes_from_host_and_port_or_the_address() {
        let running = SandboxInfo::listening("127.0.0.1:40123".parse().expect("addr"), "u", "p");
        assert_eq!(running.target(), Some(("127.0.0.1".to_owned(), 40123)));
        let only_addr = SandboxInfo {
            addr: "[::1]:2600".into(),
            enabled: true,
            ..SandboxInfo::default()
        };
        assert_eq!(only_addr.target(), Some(("::1".to_owned(), 2600)));
        let nonsense = SandboxInfo {
            addr: "nonsense".into(),
            enabled: true,
            ..SandboxInfo::default()
        };
        assert_eq!(nonsense.target(), None);
        assert_eq!(
            SandboxInfo {
                enabled: false,
                ..running
            }
            .target(),
            None
        );
    }

    #[test]
    fn a_header_is_found_whatever_its_case() {
        let page = page();
        let message = &page.messages[1];
        assert_eq!(message.header("subject"), Some("Hello"));
        assert_eq!(message.header("FROM"), Some("<alice@client.test>"));
        assert_eq!(message.header("To"), None);
    }
}
