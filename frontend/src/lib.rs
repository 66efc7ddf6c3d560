//! smtplab's browser tab (the library behind the thin `main.rs`): a Yew app that drives `smtplab_shared`'s SMTP
//! engine over a WebSocket to the local bridge.
//!
//! # Layout
//! - [`app`]: the root component and the page layout (and the test ids).
//! - [`state`]: `State`, `Action` and `impl Reducible` (logic in `State::apply`).
//! - [`form`]: the form's contents and their conversion to a `SessionSpec`.
//! - [`transcript`]: transcript entries, swaks-style formatting, masking.
//! - [`verdict`]: the end-of-session verdict in words.
//! - [`problem`]: bridge and connection failures in words.
//! - [`components`]: one component per file.
//! - [`hooks`]: `use_bridge`, the only place with IO.
//! - [`socket`]: the typed WebSocket wrapper `use_bridge` uses.
//! - [`browser`]: the page URL and token, clock, clipboard, downloads.
//!
//! Everything but `socket`, `hooks` and the thin wrappers in `browser`
//! is plain Rust, unit-tested natively with `cargo test -p smtplab-frontend`.

pub mod app;
pub mod browser;
pub mod components;
pub mod form;
pub mod hooks;
pub mod problem;
pub mod socket;
pub mod state;
pub mod transcript;
pub mod verdict;
