//! The [`Answer`] of a check's pending action (a `resolve`, a
//! `fetch_mta_sts` or a session), handed to the check. Its own module so
//! that the requests ([`super::request`]) and the sessions
//! ([`super::action_link`]) both make answers without importing each other.

use smtplab_shared::diagnose::{Check, SessionRecord};
use smtplab_shared::posture::PolicyAnswer;
use smtplab_shared::wire::{DnsRecord, ErrorCode, RecordType};

/// The answer of an action, to hand to the check.
pub(super) enum Answer {
    /// `resolved`: the name and type asked, the records, and whether the
    /// bridge validated them with DNSSEC (`authenticated`).
    Resolved(String, RecordType, Vec<DnsRecord>, Option<bool>),
    /// The `resolve` failed: the name and type asked, the code and message.
    ResolveError(String, RecordType, ErrorCode, String),
    /// The `fetch_mta_sts` answer (the policy, or why not).
    Policy(PolicyAnswer),
    /// A session ended: the plan's label and what was recorded.
    Session(String, Box<SessionRecord>),
}

impl Answer {
    /// Hands the answer to `check`.
    pub(super) fn hand_to(self, check: &mut Check) {
        // An Err is an answer nobody asked for: impossible here, as each
        // answer comes from the action just polled.
        let _ = match self {
            Self::Resolved(name, rtype, records, authenticated) => {
                check.handle_answer(&name, rtype, &records, authenticated)
            }
            Self::ResolveError(name, rtype, code, message) => {
                check.handle_resolve_error(&name, rtype, code, &message)
            }
            Self::Policy(answer) => check.handle_policy(answer),
            Self::Session(label, record) => check.handle_session(&label, &record),
        };
    }
}
