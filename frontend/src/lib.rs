//! smtplab's browser tab (the library behind the thin `main.rs`): a Yew app that drives `smtplab_shared`'s SMTP
//! engine over a WebSocket to the local bridge.
//!
//! # Layout
//! - [`app`]: the root component and the page layout (and the test ids).
//! - [`state`]: `State`, `Action` and `impl Reducible` (logic in `State::apply`).
//! - [`i18n`]: languages (English, Japanese) and the message catalogue.
//! - [`form`]: the form's contents and their conversion to a `SessionSpec`.
//! - [`saved`]: sessions saved in `localStorage` (password only if asked).
//! - [`share`]: share links (`#s=` + base64url JSON, no password, no token).
//! - [`session_file`]: the session JSON file (export, import, its errors).
//! - [`note`]: transcript notes, worded in the page's language when shown.
//! - [`transcript`]: transcript entries, swaks-style formatting, masking.
//! - [`append_log`]: the append-only list that holds a transcript, cheap to clone.
//! - [`verdict`]: the end-of-session verdict in words.
//! - [`problem`]: bridge and connection failures in words.
//! - [`reason`]: the engine's typed reasons (abort, protocol, TLS skip) in words.
//! - [`tls_view`]: the TLS report, failures and hints in words.
//! - [`tls_provider`]: the tab's crypto provider (ring, minus signing).
//! - [`trust_anchors`]: the public root CAs, fetched from the bridge once.
//! - [`tls_setup`]: the crypto provider (ring) and clock for the engine's TLS.
//! - [`sandbox`]: the bridge's SMTP sandbox, its inbox and the form preset.
//! - [`diagnostics`]: the Diagnostics panel's state (form, run plan, progress).
//! - [`link_socket`]: one WebSocket driven by the shared bridge link.
//! - [`components`]: one component per file.
//! - [`hooks`]: `use_bridge`, `use_checks` and `use_persistence`, the only places with IO.
//! - [`socket`]: the typed WebSocket wrapper `use_bridge` uses.
//! - [`browser`]: the page URL and token, clock, clipboard, downloads,
//!   file reading, `localStorage`, the browser's language.
//!
//! Everything but `socket`, `hooks` and the thin wrappers in `browser`
//! is plain Rust, unit-tested natively with `cargo test -p smtplab-frontend`.

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
pub(crate) mod tls_provider;
pub(crate) mod tls_setup;
pub(crate) mod tls_view;
pub(crate) mod transcript;
pub(crate) mod trust_anchors;
pub(crate) mod verdict;

pub use app::start;
