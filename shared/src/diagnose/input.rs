//! What the user gives the checks ([`CheckInput`]), and a session a check
//! asks the driver to run ([`PlannedSession`]).

use serde::{Deserialize, Serialize};

use crate::smtp::session::{Probe, SessionExtras};
use crate::smtp::{
    AuthSpec, Session, SessionSpec, SpecError, Stage, Timeouts, TlsContext, TlsMode,
};

/// The recipient used by the open-relay check when none is given: a
/// reserved domain (RFC 2606), so an open relay would never deliver it.
pub const DEFAULT_OUTSIDE_ADDRESS: &str = "relay-test@example.net";

/// What the user typed for the checks. Only the fields a check needs must
/// be filled; each check says which ([`InputError`] otherwise).
///
/// Holds the password of `auth`: keep it out of exports (the
/// [`Report`](super::Report) does not contain it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInput {
    /// The server to test (a name or an IP literal); for the domain checks
    /// the MX hosts are used instead.
    #[serde(default)]
    pub host: String,
    /// The TCP port (25 for MX hosts, 587/465 for submission).
    #[serde(default = "CheckInput::default_port")]
    pub port: u16,
    /// The mail domain, for the domain checks (MX lookup, postmaster@).
    #[serde(default)]
    pub domain: String,
    /// A mailbox to test receiving for (and to VRFY).
    #[serde(default)]
    pub user_address: String,
    /// The sender for MAIL FROM; empty means the null sender `<>` where a
    /// check allows it.
    #[serde(default)]
    pub from_address: String,
    /// The name sent with EHLO.
    pub ehlo_name: String,
    /// Credentials for the can-send check (AUTH); none means no AUTH.
    #[serde(default)]
    pub auth: Option<AuthSpec>,
    /// The open-relay check's recipient: an address outside the server's
    /// domains. It is only ever an RCPT TO argument; nothing connects to it.
    #[serde(default = "CheckInput::default_outside_address")]
    pub outside_address: String,
    /// TLS for the checks' sessions (the driver then needs
    /// [`Session::with_tls`]); the MX table sessions always run plaintext.
    #[serde(default)]
    pub tls: TlsMode,
    /// Timeouts of every session.
    #[serde(default)]
    pub timeouts: Timeouts,
    /// The `Date:` of the delivery check's message (the driver's clock, RFC
    /// 2822 form); only the delivery check needs it.
    #[serde(default)]
    pub date_rfc2822: String,
    /// The delivery check's `Message-ID`; only the delivery check needs it.
    #[serde(default)]
    pub message_id: String,
    /// Domain checks: connect to the address the MX host's A/AAAA lookup
    /// (the bridge's `resolve`) returned, instead of handing the bridge the
    /// host name to resolve again on `connect`. The table then tests exactly
    /// what DNS answered, even when the bridge's `connect` resolves through
    /// another resolver (its `--dns` serves `resolve` only).
    #[serde(default)]
    pub mx_connect_by_address: bool,
}

impl CheckInput {
    fn default_port() -> u16 {
        25
    }

    fn default_outside_address() -> String {
        DEFAULT_OUTSIDE_ADDRESS.to_owned()
    }

    /// An input for `host:port` with defaults elsewhere.
    pub fn new(host: impl Into<String>, port: u16, ehlo_name: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port,
            domain: String::new(),
            user_address: String::new(),
            from_address: String::new(),
            ehlo_name: ehlo_name.into(),
            auth: None,
            outside_address: Self::default_outside_address(),
            tls: TlsMode::None,
            timeouts: Timeouts::default(),
            date_rfc2822: String::new(),
            message_id: String::new(),
            mx_connect_by_address: false,
        }
    }

    /// The domain with no trailing dot, lower case.
    pub(crate) fn domain_name(&self) -> String {
        self.domain
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase()
    }

    /// A spec for `host` with everything but the transaction filled in.
    /// Before MAIL the addresses are never sent: the sender is left empty
    /// and the recipient is `postmaster@<ehlo name>`, only so the spec
    /// validates (a spec needs one recipient whatever it stops after).
    pub(crate) fn base_spec(&self, host: &str, stop_after: Stage) -> SessionSpec {
        let (mail_from, rcpt_to) = if stop_after < Stage::Mail {
            (
                String::new(),
                vec![format!("postmaster@{}", self.ehlo_name)],
            )
        } else {
            (self.from_address.clone(), Vec::new())
        };
        SessionSpec {
            host: host.trim().to_owned(),
            port: self.port,
            ehlo_name: self.ehlo_name.clone(),
            auth: None,
            mail_from,
            rcpt_to,
            message: Vec::new(),
            stop_after,
            timeouts: self.timeouts,
            tls: self.tls,
            envelope: crate::smtp::EnvelopeOptions::default(),
        }
    }
}

/// Why a check cannot run with this input; each message is fit to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The check needs a mail domain.
    #[error("enter the mail domain to test")]
    MissingDomain,
    /// The check needs a mailbox address.
    #[error("enter the mailbox address to test")]
    MissingUser,
    /// The check needs a sender address.
    #[error("enter the sender address")]
    MissingSender,
    /// The delivery check needs the date and message id from the driver.
    #[error("the message date and Message-ID are missing")]
    MissingMessageHeaders,
    /// The open-relay recipient is in the tested domain, so accepting it
    /// would prove nothing.
    #[error("the outside address {0:?} is in the tested domain; pick an address elsewhere")]
    OutsideIsLocal(String),
    /// The session the check builds is invalid.
    #[error(transparent)]
    Spec(#[from] SpecError),
}

/// One session a check wants run: the driver connects to `spec.host:port`
/// through the bridge, runs [`session`](Self::session) (or
/// [`session_with_tls`](Self::session_with_tls) when `spec.tls` is not
/// `none`), collects a [`SessionRecord`](super::SessionRecord) and hands it
/// back with the same `label`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedSession {
    /// Names this session within its check (e.g. `mx:mx1.example.com`).
    pub label: String,
    /// What to run.
    pub spec: SessionSpec,
    /// Probes and RSET-before-QUIT.
    pub extras: SessionExtras,
    /// Where to connect when not `spec.host`: an address of that host, so
    /// a session reaches one particular address while TLS still checks the
    /// certificate against the host name (the domain report's sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_host: Option<String>,
}

impl PlannedSession {
    /// A checked plan.
    pub(crate) fn new(
        label: impl Into<String>,
        spec: SessionSpec,
        extras: SessionExtras,
    ) -> Result<Self, InputError> {
        spec.validate()?;
        Ok(Self {
            label: label.into(),
            spec,
            extras,
            connect_host: None,
        })
    }

    /// The host (or address) the driver connects to.
    pub fn connect_to(&self) -> &str {
        self.connect_host.as_deref().unwrap_or(&self.spec.host)
    }

    /// The engine for a plaintext plan.
    pub fn session(&self) -> Session {
        Session::new(self.spec.clone()).with_extras(self.extras.clone())
    }

    /// The engine with the driver's TLS setup.
    pub fn session_with_tls(&self, tls: TlsContext) -> Session {
        Session::with_tls(self.spec.clone(), tls).with_extras(self.extras.clone())
    }
}

/// Extras with the given probes and no RSET.
pub(crate) fn probes(list: Vec<Probe>) -> SessionExtras {
    SessionExtras {
        probes: list,
        ..SessionExtras::default()
    }
}

/// Extras with RSET before QUIT and no probes.
pub(crate) fn rset() -> SessionExtras {
    SessionExtras {
        rset_before_quit: true,
        ..SessionExtras::default()
    }
}

/// The domain part of an address, lower case.
pub(crate) fn domain_of(address: &str) -> Option<String> {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
}
