//! `smtplab send` and `smtplab check`: the shared engine as a command-line tool, natively over
//! TCP (no bridge, no browser), with swaks' option names and exit codes.
//!
//! # Layout
//! - [`args`]: the options ([`SendArgs`]) and the help's examples.
//! - [`plan`]: options and a session file → the [`SessionSpec`] and the rest.
//! - [`compose`]: attachments, HTML and headers through the shared MIME composer.
//! - [`driver`]: the tokio `TcpStream` ↔ [`Session`] loop and the connect.
//! - [`output`]: the transcript, the result and the `--json` report.
//! - [`exit`]: swaks' exit codes and the verdict → code mapping.
//! - [`send`]: the whole command.
//! - [`check`]: `smtplab check`, the tab's Diagnostics checks natively.
//!
//! [`SessionSpec`]: smtplab_shared::smtp::SessionSpec
//! [`Session`]: smtplab_shared::smtp::Session

pub mod args;
pub mod check;
pub mod compose;
pub mod driver;
pub mod exit;
pub mod output;
pub mod plan;
pub mod send;

pub use args::SendArgs;
pub use exit::SendExit;
