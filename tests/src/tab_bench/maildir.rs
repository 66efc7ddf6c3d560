//! Counting what arrived: the messages in a Maildir's `new/` that contain a
//! needle, polled until the expected count is there.

use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use super::BenchError;
use crate::postfix::{MailServer, DOMAIN};

/// How often the Maildir is read while waiting.
const POLL: Duration = Duration::from_millis(20);

/// `new/` of `mailbox`'s Maildir in `server`.
pub fn new_dir(server: &MailServer, mailbox: &str) -> PathBuf {
    let local = mailbox.split('@').next().unwrap_or(mailbox);
    server
        .base_dir()
        .join("mail")
        .join(DOMAIN)
        .join(local)
        .join("new")
}

/// How many messages in `dir` contain `needle` (0 when `dir` is missing).
pub fn count(dir: &Path, needle: &str) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| fs::read_to_string(e.path()).is_ok_and(|text| text.contains(needle)))
        .count()
}

/// Waits until `dir` holds exactly `expected` messages with `needle`.
///
/// # Errors
/// [`BenchError::Delivery`] when the count is short after `timeout`, or
/// larger than expected.
pub fn wait_for_count(
    dir: &Path,
    needle: &str,
    expected: usize,
    timeout: Duration,
) -> Result<(), BenchError> {
    let start = Instant::now();
    loop {
        let seen = count(dir, needle);
        if seen > expected {
            return Err(BenchError::Delivery(format!(
                "{seen} messages with {needle:?} in {}, expected {expected}",
                dir.display()
            )));
        }
        if seen == expected {
            return Ok(());
        }
        if start.elapsed() >= timeout {
            return Err(BenchError::Delivery(format!(
                "{seen} of {expected} messages with {needle:?} in {} after {timeout:?}",
                dir.display()
            )));
        }
        thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_messages_with_the_needle() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("1"), "Subject: a\n\nvia-swaks\n").expect("write");
        fs::write(dir.path().join("2"), "Subject: b\n\nvia-tab\n").expect("write");
        fs::write(dir.path().join("3"), "Subject: c\n\nvia-tab\n").expect("write");
        assert_eq!(count(dir.path(), "via-tab"), 2);
        assert_eq!(count(dir.path(), "via-swaks"), 1);
        assert_eq!(count(&dir.path().join("missing"), "x"), 0);
        assert!(wait_for_count(dir.path(), "via-tab", 2, Duration::ZERO).is_ok());
        assert!(wait_for_count(dir.path(), "via-tab", 3, Duration::ZERO).is_err());
        assert!(wait_for_count(dir.path(), "via-tab", 1, Duration::ZERO).is_err());
    }
}
