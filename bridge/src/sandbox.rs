//! The bridge's side of the embedded SMTP sandbox (`smtplab_sandbox`):
//! starting it beside the bridge (a taken port is a warning, not a failure),
//! the line announcing it, and what the bridge serves about it
//! (`GET /sandbox`, `GET /sandbox/messages`: the JSON of the shared
//! `smtplab_shared::wire::sandbox` types, which the tab reads). The
//! sandbox's bound address is also an exact exception in the target policy
//! ([`crate::policy`]), so a tab can reach it even when internal targets are
//! denied.

use std::net::SocketAddr;

use smtplab_sandbox::{
    Inbox, SandboxConfig, SandboxHandle, StartError, DEFAULT_PAGE_MESSAGES, DEMO_PASSWORD,
    DEMO_USER,
};
use smtplab_shared::wire::sandbox::SandboxInfo;

/// What the bridge knows of a running sandbox: where it listens and its
/// inbox (a live view: the clone sees every new message).
#[derive(Debug, Clone)]
pub struct SandboxLink {
    /// The bound address (the real port when the configuration said 0).
    pub addr: SocketAddr,
    /// The messages the sandbox received.
    pub inbox: Inbox,
}

impl SandboxLink {
    /// The link to a started sandbox.
    pub fn new(handle: &SandboxHandle) -> Self {
        Self {
            addr: handle.addr(),
            inbox: handle.inbox(),
        }
    }
}

/// Why the sandbox did not start; its `Display` is the warning line the
/// binary prints before carrying on without it.
#[derive(Debug, thiserror::Error)]
#[error("warning: SMTP sandbox not started ({source}); the bridge runs without it (--sandbox-listen ADDR moves it, --no-sandbox turns it off)")]
pub struct SandboxUnavailable {
    /// The sandbox's error (address in use, …).
    #[source]
    pub source: StartError,
}

/// Starts the sandbox with `config` until [`SandboxHandle::shutdown`].
///
/// # Errors
/// [`SandboxUnavailable`] when it cannot start (typically: the port is
/// taken by another process, perhaps another `smtplab`).
pub async fn start(config: SandboxConfig) -> Result<SandboxHandle, SandboxUnavailable> {
    smtplab_sandbox::start(config, std::future::pending())
        .await
        .map_err(|source| SandboxUnavailable { source })
}

/// The line `smtplab` prints on stdout after its URL line.
pub fn announcement(addr: SocketAddr) -> String {
    format!("SMTP sandbox on {addr} (user {DEMO_USER}, password {DEMO_PASSWORD})")
}

/// The body of `GET /sandbox`: [`SandboxInfo::listening`] for a running
/// sandbox (the demo account is public by design), else `{"enabled":false}`.
pub fn info_json(link: Option<&SandboxLink>) -> String {
    link.map_or_else(SandboxInfo::default, |link| {
        SandboxInfo::listening(link.addr, DEMO_USER, DEMO_PASSWORD)
    })
    .to_json()
}

/// A `GET /sandbox/messages` query that is not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}={value:?} is not a number (GET /sandbox/messages takes ?limit=N&before=ID)")]
pub struct BadPageQuery {
    /// The parameter.
    pub name: &'static str,
    /// Its value as sent.
    pub value: String,
}

/// The body of `GET /sandbox/messages?limit=N&before=ID` (both optional;
/// other parameters, such as `token`, are ignored): one page of the inbox,
/// newest first, `{"total":…,"messages":[…],"next_before":…}` (see
/// [`Inbox::page`]: at most `limit` messages, [`DEFAULT_PAGE_MESSAGES`]
/// when not given, and a few MB).
///
/// # Errors
/// [`BadPageQuery`] when `limit` or `before` is not a decimal number.
pub fn messages_json(inbox: &Inbox, query: Option<&str>) -> Result<String, BadPageQuery> {
    let mut limit = DEFAULT_PAGE_MESSAGES;
    let mut before = None;
    for pair in query.unwrap_or("").split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let number = |name: &'static str| {
            value.parse::<u64>().map_err(|_| BadPageQuery {
                name,
                value: value.chars().take(40).collect(),
            })
        };
        match name {
            "limit" => limit = usize::try_from(number("limit")?).unwrap_or(usize::MAX),
            "before" => before = Some(number("before")?),
            _ => {}
        }
    }
    Ok(inbox.page(before, limit).to_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_taken_port_is_a_warning_naming_the_way_out() {
        let taken = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = taken.local_addr().expect("addr");
        let err = start(SandboxConfig::new(addr))
            .await
            .expect_err("the port is taken");
        let line = err.to_string();
        assert!(
            line.starts_with("warning: SMTP sandbox not started"),
            "{line}"
        );
        assert!(line.contains(&addr.to_string()), "{line}");
        assert!(line.contains("--no-sandbox"), "{line}");
    }

    #[tokio::test]
    async fn info_tells_the_address_and_the_demo_account() {
        let handle = start(SandboxConfig::new("127.0.0.1:0".parse().expect("addr")))
            .await
            .expect("starts");
        let link = SandboxLink::new(&handle);
        let info: serde_json::Value = serde_json::from_str(&info_json(Some(&link))).expect("json");
        assert_eq!(info["enabled"], true);
        assert_eq!(info["addr"], handle.addr().to_string());
        assert_eq!(info["port"], handle.addr().port());
        assert_eq!(info["user"], DEMO_USER);
        assert_eq!(info["password"], DEMO_PASSWORD);
        assert_eq!(info_json(None), r#"{"enabled":false}"#);
        assert_eq!(
            announcement(handle.addr()),
            format!(
                "SMTP sandbox on {} (user demo@sandbox.smtplab, password smtplab-demo)",
                handle.addr()
            )
        );
        handle.shutdown();
        handle.stopped().await;
    }

    #[tokio::test]
    async fn messages_come_in_pages_chosen_by_limit_and_before() {
        let handle = start(SandboxConfig::new("127.0.0.1:0".parse().expect("addr")))
            .await
            .expect("starts");
        let inbox = handle.inbox();
        let page = |q: Option<&str>| -> serde_json::Value {
            serde_json::from_str(&messages_json(&inbox, q).expect("page")).expect("json")
        };
        assert_eq!(
            page(None),
            serde_json::json!({"total": 0, "messages": [], "next_before": null})
        );
        assert_eq!(page(Some("token=t&limit=5"))["total"], 0);
        for (q, name) in [
            ("limit=x", "limit"),
            ("before=-1", "before"),
            ("limit=", "limit"),
        ] {
            assert_eq!(
                messages_json(&inbox, Some(q)).map_err(|e| e.name),
                Err(name),
                "{q}"
            );
        }
        handle.shutdown();
        handle.stopped().await;
    }
}
