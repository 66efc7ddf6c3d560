//! The `smtplab` binary's exit codes (also in `--help`), and the start-up
//! failure that maps to each.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | stopped normally (Ctrl+C, SIGTERM, closing the window), or `--help`/`--version` |
//! | 1 | runtime error after start |
//! | 2 | bad arguments or settings (clap's usage errors, the settings file, the start-up checks) |
//! | 3 | cannot listen (the address is taken or not allowed) |

use crate::options::OptionsError;
use crate::ports::ListenError;

/// An exit code of the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Stopped normally.
    Stopped = 0,
    /// A runtime error after start.
    Runtime = 1,
    /// Bad arguments or settings; nothing was bound. Also clap's own code
    /// for a usage error.
    Usage = 2,
    /// The listen address could not be bound.
    CannotListen = 3,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit as u8)
    }
}

/// The exit-code table for `--help` (`after_help`).
pub const HELP: &str = "\
Exit codes:
  0  stopped normally (Ctrl+C, SIGTERM or closing the window)
  1  runtime error after start
  2  bad arguments or settings (flags, settings file, start-up checks)
  3  cannot listen (the chosen address is taken or not allowed)";

/// Why the binary stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The settings are refused (before anything is bound).
    #[error(transparent)]
    Options(#[from] OptionsError),
    /// The bridge's address could not be bound.
    #[error(transparent)]
    Listen(#[from] ListenError),
    /// Anything after start (the runtime, stdout, the signal handlers).
    #[error(transparent)]
    Runtime(#[from] anyhow::Error),
}

impl Failure {
    /// The exit code for this failure.
    pub fn exit(&self) -> Exit {
        match self {
            Self::Options(_) => Exit::Usage,
            Self::Listen(_) => Exit::CannotListen,
            Self::Runtime(_) => Exit::Runtime,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_its_code_and_the_help_lists_them() {
        let options = Failure::from(OptionsError::TlsPair);
        assert_eq!(options.exit(), Exit::Usage);
        let listen = Failure::from(ListenError {
            addr: "127.0.0.1:1".parse().expect("addr"),
            source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
        });
        assert_eq!(listen.exit(), Exit::CannotListen);
        assert!(
            listen
                .to_string()
                .starts_with("cannot listen on 127.0.0.1:1"),
            "{listen}"
        );
        assert_eq!(Failure::from(anyhow::anyhow!("x")).exit(), Exit::Runtime);
        for (code, exit) in [
            (0, Exit::Stopped),
            (1, Exit::Runtime),
            (2, Exit::Usage),
            (3, Exit::CannotListen),
        ] {
            assert_eq!(exit as u8, code);
            assert!(HELP.contains(&format!("\n  {code}  ")), "{HELP}");
        }
    }
}
