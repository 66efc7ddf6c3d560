//! One seed session by Debian's `swaks`, run directly against the mail
//! server: the whole process timed by the wall clock, and swaks's own
//! `--show-time-lapse` figures (the sum of its send/receive pairs, which
//! leaves out Perl's start-up and the TCP connect).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use super::{BenchError, Seed};
use crate::program;

/// What one swaks run took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SwaksTiming {
    /// Spawn to exit, ms.
    pub wall_ms: f64,
    /// The sum of swaks's "response in N.NNNs" lines, ms (1 ms resolution
    /// per line).
    pub lapse_ms: f64,
    /// How many such lines there were (one per reply awaited).
    pub replies: usize,
}

/// The `swaks` program, or where to get it.
///
/// # Errors
/// [`BenchError::Setup`] when it is not installed.
pub fn find_swaks() -> Result<PathBuf, BenchError> {
    program::find_program("swaks")
        .ok_or_else(|| BenchError::Setup("swaks not found: apt-get install -y swaks".into()))
}

/// `swaks --version`'s first line.
pub fn version(swaks: &Path) -> String {
    Command::new(swaks)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown version".into())
}

/// The arguments of one run: the seed session against `127.0.0.1:port`
/// without TLS, with the time lapse shown.
pub fn args(seed: &Seed<'_>, port: u16) -> Vec<String> {
    [
        "--server",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--ehlo",
        seed.ehlo,
        "--auth",
        "LOGIN",
        "--auth-user",
        seed.user,
        "--auth-password",
        seed.password,
        "--from",
        seed.from,
        "--to",
        seed.to,
        "--header",
        &format!("Subject: {}", seed.subject),
        "--body",
        &seed.body("swaks"),
        "--timeout",
        "30",
        "--show-time-lapse",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// Runs swaks once with `args` and times it.
///
/// # Errors
/// [`BenchError::Swaks`] when it cannot start or exits non-zero (with its
/// output), or prints no time lapse.
pub fn run(swaks: &Path, args: &[String]) -> Result<SwaksTiming, BenchError> {
    let start = Instant::now();
    let output = Command::new(swaks)
        .args(args)
        .output()
        .map_err(|e| BenchError::Swaks(format!("spawn {}: {e}", swaks.display())))?;
    let wall_ms = start.elapsed().as_secs_f64() * 1000.0;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(BenchError::Swaks(format!(
            "{}:\n{stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let lapses = lapses_ms(&stdout);
    if lapses.is_empty() {
        return Err(BenchError::Swaks(format!(
            "no \"response in\" lines in swaks's output:\n{stdout}"
        )));
    }
    Ok(SwaksTiming {
        wall_ms,
        lapse_ms: lapses.iter().sum(),
        replies: lapses.len(),
    })
}

/// The figures of swaks's `response in 0.012s` lines, in ms.
fn lapses_ms(output: &str) -> Vec<f64> {
    output
        .lines()
        .filter_map(|line| {
            let rest = &line[line.find("response in ")? + "response in ".len()..];
            let secs: f64 = rest.trim().strip_suffix('s')?.parse().ok()?;
            Some(secs * 1000.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_the_time_lapse_lines() {
        let out = "=== Trying 127.0.0.1:2525...\n=== Connected to 127.0.0.1.\n\
                   ===   response in 0.004s\n<-  220 mx ESMTP\n -> EHLO x\n\
                   ===   response in 0.001s\n<-  250 ok\n";
        let lapses = lapses_ms(out);
        assert_eq!(lapses.len(), 2);
        assert!(
            (lapses.iter().sum::<f64>() - 5.0).abs() < 1e-9,
            "{lapses:?}"
        );
        assert!(lapses_ms("no lapse here\n").is_empty());
    }
}
