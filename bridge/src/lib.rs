//! smtplab's bridge: serves the UI to the browser tab and relays one
//! WebSocket per session to one TCP connection to a mail server, byte for
//! byte. The wire protocol is [`smtplab_shared::wire`], described in
//! `docs/protocol.md`; the threat model is `docs/security.md`.
//!
//! Start it with [`run`] on a bound listener; the `smtplab` binary is a thin
//! wrapper that parses arguments ([`options`]) and passes ctrl-c / SIGTERM as
//! the shutdown signal.
//!
//! # Layout
//! - [`config`]: [`Config`], the settings and their defaults.
//! - [`options`]: the policy file (`--config`, TOML) merged with flags, and
//!   the start-up checks (TLS or `--insecure-listen` off loopback).
//! - [`access`]: the token (and its expiry), Host and Origin checks.
//! - [`identity`]: the user a trusted reverse proxy names in a header.
//! - [`users`]: per-user limits (sessions at once, bytes per hour).
//! - [`audit`]: the one line per session (`--log-format text|json`).
//! - [`metrics`]: the Prometheus counters for `GET /metrics`.
//! - [`health`]: `/healthz`, `/readyz`, the draining flag and the metrics
//!   listener's router.
//! - [`policy`]: which targets a `connect` may reach.
//! - [`target`]: allow/deny rules and the internal address ranges.
//! - [`dial`]: DNS resolution and the TCP connect, with error codes.
//! - [`dns`]: `resolve` lookups (MX, A, AAAA, TXT, PTR, TLSA, CNAME) with
//!   hickory-resolver, their bounds and typed errors, and DNSSEC validation
//!   (`--dnssec`).
//! - [`mta_sts`]: `fetch_mta_sts`, the bridge's own HTTPS GET of a
//!   domain's MTA-STS policy (one URL shape, bounded, no redirects).
//! - [`side_tasks`]: a session's bounded tasks beside the relay (the
//!   lookups and fetches run on them) and their answers queue.
//! - [`relay`]: the two pumps (WebSocket→TCP, TCP→WebSocket).
//! - [`tls`]: the rustls configuration for HTTPS/WSS.
//! - [`assets`]: the embedded UI files and the Content-Security-Policy.
//! - [`sandbox`]: starting the embedded SMTP sandbox, its announcement and
//!   `/sandbox` JSON.
//! - [`settings`]: which settings file the binary reads (`--config`, beside
//!   the program, the user's config folder).
//! - [`ports`]: binding, and moving off a taken default port.
//! - [`browser`]: opening the default browser at start, or why not.
//! - [`exit`]: the binary's exit codes and the failures behind them.
//! - [`version`]: `smtplab X.Y.Z (commit …, built …)`.
//! - [`cli`]: `smtplab send` and `smtplab check`, the engine and the
//!   Diagnostics checks natively in a terminal.
//! - `server`: the router, handshake checks and [`run`].
//! - `session`: one WebSocket session from `hello` to `closed`; its
//!   `resolve` and `fetch_mta_sts` requests, in both phases.
//! - `listener`: the accept loop, connection limits, header and write timeouts.
//! - `clients`: per-client session (and connection) counts.
//! - `deadline`: the write timeout on every connection.

pub mod access;
pub mod assets;
pub mod audit;
pub mod browser;
pub mod cli;
mod clients;
pub mod config;
mod deadline;
pub mod dial;
pub mod dns;
pub mod exit;
pub mod health;
pub mod identity;
mod listener;
pub mod metrics;
pub mod mta_sts;
pub mod options;
pub mod policy;
pub mod ports;
pub mod relay;
pub mod sandbox;
mod server;
mod session;
pub mod settings;
pub mod side_tasks;
pub mod target;
pub mod tls;
pub mod users;
pub mod version;

pub use access::AccessToken;
pub use config::Config;
pub use server::{listening_line, run, run_with_metrics};
