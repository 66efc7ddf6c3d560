//! Random tokens for the bridge's `--token` and the test user's password.

use std::fs::File;
use std::io::{self, Read};

/// Returns `bytes` random bytes from the kernel as lowercase hex (twice as
/// many characters). Hex keeps the value safe in URLs, `passwd-file` entries
/// and command lines.
///
/// # Errors
/// When `/dev/urandom` cannot be read.
pub(crate) fn random_hex(bytes: usize) -> io::Result<String> {
    let mut raw = vec![0u8; bytes];
    File::open("/dev/urandom")?.read_exact(&mut raw)?;
    Ok(raw.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_hex_and_differ() {
        let a = random_hex(16).expect("urandom");
        let b = random_hex(16).expect("urandom");
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
