//! smtplab's SMTP sandbox: a small SMTP server the bridge can run beside
//! itself so that a new user's first Run delivers a message without any
//! other mail server. It listens on loopback only (127.0.0.1:2525 by
//! default), offers EHLO with PIPELINING, SIZE, 8BITMIME, SMTPUTF8,
//! CHUNKING, ENHANCEDSTATUSCODES and AUTH LOGIN PLAIN for one demo account
//! ([`DEMO_USER`] / [`DEMO_PASSWORD`]), accepts any recipient, answers the
//! final `250` with a queue id (`250 2.0.0 Ok: queued as SBX000001`) and
//! keeps what it receives in a bounded in-memory [`Inbox`]. It never relays
//! anything anywhere.
//!
//! Command parsing, DATA/BDAT receiving and reply writing are Stalwart's
//! `smtp-proto`; this crate adds the sequencing, the account, the inbox and
//! the tokio driver (see `docs/sandbox.md`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), smtplab_sandbox::StartError> {
//! let sandbox = smtplab_sandbox::start(
//!     smtplab_sandbox::SandboxConfig::default(),
//!     std::future::pending(),
//! )
//! .await?;
//! println!("sandbox on {}", sandbox.addr());
//! let json = sandbox.inbox().page(None, 100).to_json(); // GET /sandbox/messages
//! # let _ = json; Ok(()) }
//! ```
//!
//! # Layout
//! - [`config`]: [`SandboxConfig`], its defaults and start-up checks.
//! - [`account`]: the demo account and the AUTH PLAIN/LOGIN payloads.
//! - `conversation`: one SMTP conversation, no IO (the sequencing).
//! - `reply`: the reply lines, each with an enhanced status code.
//! - [`inbox`]: the bounded store, queue ids and the JSON pages.
//! - [`message`]: [`StoredMessage`] and the header/body split.
//! - `server`: [`start`], the accept loop and per-connection limits.

pub mod account;
pub mod config;
mod conversation;
pub mod inbox;
pub mod message;
mod reply;
mod server;

pub use account::{DEMO_BEARER_TOKEN, DEMO_PASSWORD, DEMO_USER};
pub use config::{ConfigError, SandboxConfig, DEFAULT_LISTEN};
pub use inbox::{Inbox, Page, DEFAULT_PAGE_MESSAGES, MAX_PAGE_BYTES, MAX_PAGE_MESSAGES};
pub use message::StoredMessage;
pub use server::{start, SandboxHandle, StartError};
