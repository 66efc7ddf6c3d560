//! smtplab's browser tab (the library behind the thin `main.rs`, which only
//! calls [`start`]): a Yew app that drives `smtplab_shared`'s SMTP engine
//! over a WebSocket to the local bridge.
//!
//! # Layout
//! - [`app`]: [`start`], the root component, the page layout (and the test
//!   ids); it owns the state and every hook that does IO.
//! - [`state`]: `State`, `Action` and `impl Reducible`; one sub-state with
//!   its nested action per area: `state/form.rs`, `tools.rs` (saved
//!   sessions, notices), `run.rs` + `run/engine.rs` (the guided session,
//!   engine events folded in), `console.rs`, `sandbox.rs` (the inbox).
//! - [`append_log`]: the append-only list that holds a transcript; cloning
//!   it (every state clone) copies no entry.
//! - [`form`]: the form's contents (`form.rs`), its choices, validation into
//!   a `SessionSpec`, messages, and RFC 2047 subjects (`form/*.rs`); the
//!   message composer (header rows, HTML alternative, attachments, whole
//!   message), the Extensions (envelope options) and IDN conversion.
//! - [`i18n`]: languages (English, Japanese) and the message catalogue.
//! - [`saved`]: sessions saved in `localStorage` (password only if asked).
//! - [`share`]: share links (`#s=` + base64url JSON, no password, no
//!   bearer token, no attachments).
//! - [`session_file`]: the session JSON file (export, import, its errors).
//! - [`note`]: transcript notes, worded in the page's language when shown.
//! - [`transcript`]: transcript entries and ids; `transcript/lines.rs`
//!   (swaks-style lines, explanations, masking), `export.rs` (text, JSON),
//!   `console.rs` (what a typed console line shows).
//! - [`verdict`]: the end-of-session verdict in words.
//! - [`problem`]: bridge and connection failures in words.
//! - [`reason`]: the engine's typed reasons (abort, protocol, TLS skip) in words.
//! - [`tls_view`]: the TLS modes and STARTTLS hint; `tls_view/failure.rs`,
//!   `report.rs` (verification, parameters), `cert.rs` (the chain) in words.
//! - [`tls_provider`]: the tab's crypto provider (ring, minus signing).
//! - [`trust_anchors`]: the public root CAs, fetched from the bridge once.
//! - [`tls_setup`]: the crypto provider (ring) and clock for the engine's TLS.
//! - [`sandbox`]: the bridge's SMTP sandbox and the form preset for it.
//! - [`diagnostics`]: the Diagnostics panel's state (form, run plan, progress).
//! - [`link_socket`]: one WebSocket driven by the shared bridge link.
//! - [`components`]: one component per file.
//! - [`hooks`]: `use_bridge`, `use_checks` (+ `use_checks/action_link.rs`),
//!   `use_files` (the composer's picked files), `use_persistence`,
//!   `use_sandbox`, `use_version`: the only places with IO, all called by
//!   [`app`].
//! - [`socket`]: the typed WebSocket wrapper the hooks use.
//! - [`browser`]: the page URL and token, clock, clipboard, downloads,
//!   file reading, `localStorage`, the browser's language.
//!
//! Everything is `pub(crate)` but [`start`]. Everything but `socket`,
//! `hooks` and the thin wrappers in `browser` is plain Rust, unit-tested
//! natively with `cargo test -p smtplab-frontend`.

pub(crate) mod app;
pub(crate) mod append_log;
pub(crate) mod browser;
pub(crate) mod components;
pub(crate) mod diagnostics;
pub(crate) mod form;
pub(crate) mod hooks;
pub(crate) mod i18n;
pub(crate) mod link_socket;
pub(crate) mod note;
pub(crate) mod problem;
pub(crate) mod reason;
pub(crate) mod sandbox;
pub(crate) mod saved;
pub(crate) mod session_file;
pub(crate) mod share;
pub(crate) mod socket;
pub(crate) mod state;
pub(crate) mod theme;
pub(crate) mod title;
pub(crate) mod tls_provider;
pub(crate) mod tls_setup;
pub(crate) mod tls_view;
pub(crate) mod transcript;
pub(crate) mod trust_anchors;
pub(crate) mod verdict;
pub(crate) mod views;

pub use app::start;
