//! Why a mail server fixture could not be set up or used.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// Why a mail server fixture could not be set up or used.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// A program is not installed.
    #[error("`{program}` not found: install the Debian package `{package}` (apt-get install -y {package})")]
    MissingProgram {
        /// The program looked for.
        program: &'static str,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// Postfix and Dovecot need root to start (they drop privileges themselves).
    #[error("the mail server fixture must run as root (effective uid {uid})")]
    NotRoot {
        /// The effective uid of this process.
        uid: u32,
    },
    /// A file system or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: io::Error,
    },
    /// Dovecot exited or never created its auth socket.
    #[error("dovecot did not start: {detail}")]
    DovecotStart {
        /// Exit status, stderr and log.
        detail: String,
    },
    /// `postfix start` failed.
    #[error("postfix did not start: {detail}")]
    PostfixStart {
        /// Exit status, output and log.
        detail: String,
    },
    /// Postfix started but its port gave no 220 greeting in time.
    #[error("no 220 greeting on {addr}: {detail}")]
    NoGreeting {
        /// The address tried.
        addr: SocketAddr,
        /// The last thing seen.
        detail: String,
    },
    /// No delivered message matched within the timeout.
    #[error(
        "no message containing {needle:?} for {mailbox} after {waited:?}; postfix log tail:\n{log}"
    )]
    MessageTimeout {
        /// The mailbox polled.
        mailbox: String,
        /// The text looked for.
        needle: String,
        /// How long it waited.
        waited: Duration,
        /// The end of the Postfix log, to see what happened to the message.
        log: String,
    },
}

impl FixtureError {
    pub(crate) fn io(what: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }
}
