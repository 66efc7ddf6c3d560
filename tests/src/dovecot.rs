//! The auth-only Dovecot that serves SASL to one test Postfix.
//!
//! Its config (rendered by [`crate::postfix`]) sets `protocols =`, so the
//! master starts no IMAP/POP3 listeners, only the auth service whose
//! `auth-client` socket Postfix's smtpd talks to.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::fixture_error::FixtureError;
use crate::{pidfile, program};

/// How long Dovecot gets to create its auth socket.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// A running Dovecot master, stopped on drop.
#[derive(Debug)]
pub(crate) struct DovecotAuth {
    /// The master's pid, read from `base_dir/master.pid`; Dovecot detaches,
    /// so there is no child handle to kill.
    pid: u32,
}

impl DovecotAuth {
    /// Starts `dovecot -c config` and waits until `run_dir/auth-client`
    /// exists.
    pub(crate) fn start(
        binary: &Path,
        config: &Path,
        run_dir: &Path,
        log: &Path,
    ) -> Result<Self, FixtureError> {
        let capture = log.with_extension("start");
        let (status, output) =
            program::run_starter(Command::new(binary).arg("-c").arg(config), &capture)
                .map_err(|source| FixtureError::io("run dovecot", source))?;
        if !status.success() {
            return Err(FixtureError::DovecotStart {
                detail: format!("{status}: {output}{}", log_text(log)),
            });
        }
        let socket = run_dir.join("auth-client");
        let pid_file = run_dir.join("master.pid");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(pid) = pidfile::read_pid(&pid_file) {
                if socket.exists() {
                    return Ok(Self { pid });
                }
                if !pidfile::is_running(pid) {
                    break;
                }
            }
            if Instant::now() >= deadline {
                // Stop whatever did start before giving up.
                if let Some(pid) = pidfile::read_pid(&pid_file) {
                    drop(Self { pid });
                }
                break;
            }
            thread::sleep(Duration::from_millis(25));
        }
        Err(FixtureError::DovecotStart {
            detail: format!("no socket at {}{}", socket.display(), log_text(log)),
        })
    }
}

impl Drop for DovecotAuth {
    fn drop(&mut self) {
        // SIGTERM to the master stops its children too. `dovecot stop` does
        // the same but polls for seconds.
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        pidfile::wait_gone(self.pid, Duration::from_secs(10));
    }
}

/// The Dovecot log, for error messages.
fn log_text(log: &Path) -> String {
    match fs::read_to_string(log) {
        Ok(text) if !text.trim().is_empty() => format!("; dovecot log:\n{}", text.trim_end()),
        _ => String::new(),
    }
}

/// The directory Dovecot's sockets go in, under a fixture's base dir.
pub(crate) fn run_dir(base: &Path) -> PathBuf {
    base.join("dovecot").join("run")
}
