//! smtplab's bridge: serves the UI to the browser tab and relays one
//! WebSocket per session to one TCP connection to a mail server, byte for
//! byte. The wire protocol is [`smtplab_shared::wire`], described in
//! `docs/protocol.md`.
//!
//! Start it with [`run`] on a bound listener; the `smtplab` binary is a thin
//! wrapper that parses arguments and passes ctrl-c / SIGTERM as the shutdown
//! signal.
//!
//! # Layout
//! - [`config`]: [`Config`], the settings and their defaults.
//! - [`access`]: the token, Host and Origin checks.
//! - [`policy`]: which targets a `connect` may reach.
//! - [`dial`]: DNS resolution and the TCP connect, with error codes.
//! - [`relay`]: the two pumps (WebSocket→TCP, TCP→WebSocket).
//! - [`assets`]: the embedded UI files and the Content-Security-Policy.
//! - `server`: the router, handshake checks and [`run`].
//! - `session`: one WebSocket session from `hello` to `closed`.
//! - `listener`: the accept loop's connection limit.

pub mod access;
pub mod assets;
pub mod config;
pub mod dial;
mod listener;
pub mod policy;
pub mod relay;
mod server;
mod session;

pub use access::AccessToken;
pub use config::Config;
pub use server::{listening_line, run};
