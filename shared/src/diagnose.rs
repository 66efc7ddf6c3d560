//! The Diagnostics checks, with no IO: for each of the eight checks the
//! session(s) it needs, built from the user's [`CheckInput`], and the
//! judgement of what came back ([`CheckResult`]: pass / warn / fail, a
//! summary, the transcript lines that show it, advice). The domain checks
//! are driven by a sans-IO orchestrator ([`DomainCheck`]) that asks the
//! driver for DNS lookups (the bridge's `resolve`) and sessions.
//!
//! The driver (the tab's hook, or a native test) does the IO: it runs
//! [`Action`]s and hands back [`SessionRecord`]s and DNS answers.
//! [`Check`] wraps every kind behind one loop; see docs/diagnostics.md.
//!
//! # Layout
//! - `check`: [`CheckKind`], [`CheckVerdict`], [`CheckResult`], [`Fact`].
//! - `input`: [`CheckInput`], [`InputError`], [`PlannedSession`].
//! - `record`: [`SessionRecord`], [`ConnectAttempt`] (what a driver collects).
//! - `reachability`: check 1.
//! - `service`: check 2.
//! - `transaction`: checks 3, 5, 7, 8.
//! - `domain`: checks 4 and 6 ([`DomainCheck`], [`Action`]).
//! - `server_row`: [`ServerRow`], a row of the MX table.
//! - `verdict_table`: how the MX table and DNS failures are judged.
//! - `runner`: [`Check`], one entry point for all kinds.
//! - `report`: [`Report`] (JSON and text).

mod check;
mod domain;
mod input;
mod reachability;
mod record;
mod report;
mod runner;
mod server_row;
mod service;
mod transaction;
mod verdict_table;

/// The engine's diagnostic extras, re-exported for the checks' drivers.
pub use crate::smtp::session::{Probe, ProbeVerb, SessionExtras};
pub use check::{CheckKind, CheckResult, CheckVerdict, Fact, ServerCell};
pub use domain::{Action, CheckError, DomainCheck, MAX_MX_HOSTS};
pub use input::{CheckInput, InputError, PlannedSession, DEFAULT_OUTSIDE_ADDRESS};
pub use reachability::{evaluate_reachability, reachability_session, GREET_PAUSE_THRESHOLD};
pub use record::{ConnectAttempt, SessionRecord};
pub use report::{Report, ReportTarget};
pub use runner::{evaluate, Check};
pub use server_row::ServerRow;
pub use service::{evaluate_service, service_session};
pub use transaction::{
    can_send_session, delivery_session, evaluate_can_send, evaluate_delivery, evaluate_open_relay,
    evaluate_user_receives, open_relay_session, user_receives_session,
};
