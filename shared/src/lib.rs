//! smtplab's IO-free core, shared by the browser tab and the native bridge.
//!
//! Nothing here opens a socket, spawns a task or reads the clock: callers pass
//! bytes and the time in and drain what comes out (the sans-IO split of
//! quinn-proto). The same code therefore runs in wasm32 and natively, and is
//! tested without a network.
//!
//! # Layout
//! - [`wire`]: the bridge wire protocol (JSON control messages).
//! - [`link`]: the client side of that protocol around the engine, the
//!   one every driver (tab, console, tests, bench) runs.
//! - [`smtp`]: SMTP replies, capabilities, commands, credentials,
//!   explanations, the session spec and the session engine.
//! - [`calendar`]: dates from UNIX seconds (certificate times, `Date:`).
//! - [`diagnose`]: the Diagnostics checks (pass/warn/fail with evidence
//!   and advice) and the DNS-driven domain orchestrator.
//! - [`posture`]: SPF, DMARC, MTA-STS and TLS-RPT records, parsed and judged.
//! - [`tls`]: sans-IO TLS under the engine (STARTTLS and implicit TLS):
//!   the driver's provider and clock, verification, the TLS report.

pub mod calendar;
pub mod diagnose;
pub mod link;
pub mod mime;
pub mod posture;
pub mod smtp;
pub mod tls;
pub mod wire;
