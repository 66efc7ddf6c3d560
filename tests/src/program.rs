//! Finding and running the system programs the fixtures use.

use std::env;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// Directories searched after `PATH`: daemons live in sbin, which a non-login
/// shell's `PATH` (and so `cargo test`'s) often lacks.
const SBIN_DIRS: [&str; 4] = ["/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin"];

/// Returns the full path of `name` from `PATH` or the sbin directories.
pub(crate) fn find_program(name: &str) -> Option<PathBuf> {
    let from_path = env::var_os("PATH")
        .map(|p| env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    from_path
        .into_iter()
        .chain(SBIN_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Runs a command that starts a daemon and returns its status and output.
///
/// The output goes through `capture` (a file) rather than a pipe: the daemon
/// inherits the descriptors, and reading a pipe to its end would wait for
/// the daemon to exit (`Command::output` hangs on `dovecot` and `postfix
/// start`).
pub(crate) fn run_starter(
    command: &mut Command,
    capture: &Path,
) -> io::Result<(ExitStatus, String)> {
    let file = File::create(capture)?;
    let status = command
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()?;
    let text = fs::read_to_string(capture).unwrap_or_default();
    Ok((status, text.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sh_and_not_nonsense() {
        assert!(find_program("sh").is_some());
        assert!(find_program("smtplab-no-such-program").is_none());
    }

    #[test]
    fn starter_output_is_captured_even_if_a_child_keeps_the_descriptors() {
        let dir = tempfile::tempdir().expect("temp dir");
        let capture = dir.path().join("out");
        // The background sleep holds stdout open after sh exits.
        let (status, text) = run_starter(
            Command::new("sh").args(["-c", "echo started; sleep 2 & exit 3"]),
            &capture,
        )
        .expect("runs");
        assert_eq!(status.code(), Some(3));
        assert_eq!(text, "started");
    }
}
