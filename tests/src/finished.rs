//! One finished child process as the trials check it: its exit code and
//! its output as text, with the checks the CLI trials repeat.

use std::process::{Command, Stdio};

use libtest_mimic::Failed;
use serde_json::Value;

/// A process that ran to its end (standard input was empty).
#[derive(Debug)]
pub struct Finished {
    /// The exit code (`None` when a signal ended it).
    pub code: Option<i32>,
    /// Standard output, lossily UTF-8.
    pub stdout: String,
    /// Standard error, lossily UTF-8.
    pub stderr: String,
}

impl Finished {
    /// Runs `command` to its end; `what` names it in the error.
    ///
    /// # Errors
    /// The program could not be started.
    pub fn of(mut command: Command, what: &str) -> Result<Self, Failed> {
        let output = command
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {what}: {e}"))?;
        Ok(Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }

    /// Standard output followed by standard error.
    pub fn stdout_and_err(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Exit code 0, or an error with both outputs.
    ///
    /// # Errors
    /// Another code.
    pub fn expect_ok(&self, what: &str) -> Result<(), Failed> {
        self.expect_code(0, what)
    }

    /// Exit code `code`, or an error with both outputs.
    ///
    /// # Errors
    /// Another code.
    pub fn expect_code(&self, code: i32, what: &str) -> Result<(), Failed> {
        if self.code == Some(code) {
            return Ok(());
        }
        Err(format!(
            "{what}: exit {:?}, expected {code}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        )
        .into())
    }

    /// Standard output as a JSON document.
    ///
    /// # Errors
    /// It is not JSON.
    pub fn json(&self) -> Result<Value, Failed> {
        serde_json::from_str(&self.stdout)
            .map_err(|e| format!("not a JSON report ({e}):\n{}", self.stdout).into())
    }
}
