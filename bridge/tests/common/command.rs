//! The `smtplab` binary as the tests start it: no token or password from
//! the environment, no browser, and a home folder of its own (so no user
//! settings file is found); output piped, killed when dropped.

use std::path::Path;
use std::process::Stdio;

use tokio::process::Command;

/// The binary at `path` (a copy, for the settings-beside-the-binary test).
pub(crate) fn smtplab_at(path: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(path);
    cmd.env_remove("SMTPLAB_TOKEN")
        .env_remove("SMTPLAB_AUTH_PASSWORD")
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", home)
        .env("SMTPLAB_NO_BROWSER", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// The binary cargo built for these tests.
pub(crate) fn smtplab(home: &Path) -> Command {
    smtplab_at(Path::new(env!("CARGO_BIN_EXE_smtplab")), home)
}
