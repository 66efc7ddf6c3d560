//! What a diagnostic session does beyond a plain [`SessionSpec`]: commands
//! probed after EHLO, an RSET before QUIT, and no AUTH the server does not
//! advertise.
//!
//! These live beside the spec rather than in it so that every existing
//! `SessionSpec { .. }` literal stays valid; attach them with
//! [`Session::with_extras`](super::Session::with_extras).
//!
//! [`SessionSpec`]: crate::smtp::SessionSpec

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::smtp::command::Command;

/// A command sent after EHLO whose reply is recorded as data: whatever the
/// server answers (short of 421, a close or a timeout), the session goes on.
///
/// JSON: `"help"`, `"noop"`, `"rset"`, `{"vrfy":"postmaster"}`,
/// `{"expn":"staff"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Probe {
    /// `HELP` (RFC 5321 §4.1.1.8).
    Help,
    /// `NOOP` (RFC 5321 §4.1.1.9).
    Noop,
    /// `RSET` (RFC 5321 §4.1.1.5).
    Rset,
    /// `VRFY <string>`: does the server confirm a mailbox? (§3.5)
    Vrfy(String),
    /// `EXPN <string>`: does the server expand a mailing list? (§3.5)
    Expn(String),
}

/// The verb of a [`Probe`], without its argument (it labels
/// [`Step::Probe`](super::Step::Probe)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeVerb {
    /// `HELP`.
    Help,
    /// `NOOP`.
    Noop,
    /// `RSET`.
    Rset,
    /// `VRFY`.
    Vrfy,
    /// `EXPN`.
    Expn,
}

impl Probe {
    /// The verb alone.
    pub fn verb(&self) -> ProbeVerb {
        match self {
            Self::Help => ProbeVerb::Help,
            Self::Noop => ProbeVerb::Noop,
            Self::Rset => ProbeVerb::Rset,
            Self::Vrfy(_) => ProbeVerb::Vrfy,
            Self::Expn(_) => ProbeVerb::Expn,
        }
    }

    /// The command to send.
    pub fn command(&self) -> Command {
        match self {
            Self::Help => Command::Help(None),
            Self::Noop => Command::Noop,
            Self::Rset => Command::Rset,
            Self::Vrfy(what) => Command::Vrfy(what.clone()),
            Self::Expn(what) => Command::Expn(what.clone()),
        }
    }
}

impl fmt::Display for ProbeVerb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Help => "HELP",
            Self::Noop => "NOOP",
            Self::Rset => "RSET",
            Self::Vrfy => "VRFY",
            Self::Expn => "EXPN",
        })
    }
}

/// Optional additions to a session, for the diagnostic checks. The default
/// adds nothing, so a session without extras behaves exactly as before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionExtras {
    /// Commands sent one by one after the EHLO stage (after STARTTLS and
    /// the second EHLO, when TLS is on; also after a HELO fallback), before
    /// AUTH. Each becomes a [`Step::Probe`](super::Step::Probe) whose reply
    /// is `expected` and whose step is `ok` whatever its code. They run
    /// whenever the session gets past EHLO, also with `stop_after: ehlo`.
    #[serde(default)]
    pub probes: Vec<Probe>,
    /// After the last stage succeeded, send `RSET` ([`Step::Rset`](super::Step::Rset))
    /// before `QUIT`, so a transaction opened by MAIL/RCPT is dropped
    /// explicitly without DATA. The verdict reached stands whatever RSET
    /// gets; a non-250 only marks the step as not ok.
    #[serde(default)]
    pub rset_before_quit: bool,
    /// With credentials in the spec, send AUTH only when the (last) EHLO
    /// reply advertises it: otherwise the session ends after EHLO with
    /// `Completed { stage: Ehlo }` and QUIT, and the caller reads from the
    /// capabilities why (e.g. AUTH offered only after STARTTLS). The
    /// diagnostics set it; the guided session sends what the user asked.
    #[serde(default)]
    pub auth_only_if_offered: bool,
}
