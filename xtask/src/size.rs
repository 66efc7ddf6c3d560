//! Raw and gzip sizes of the built files, for the build report: the gzip size
//! is what a browser downloads when the bridge (or any server) compresses.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

/// Size of `bytes` after `gzip -9`.
pub(crate) fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(bytes)
        .expect("writing to a Vec cannot fail");
    encoder
        .finish()
        .expect("writing to a Vec cannot fail")
        .len()
}

/// `12345` → `"12.1 KiB"`.
pub(crate) fn human(len: usize) -> String {
    #[allow(clippy::cast_precision_loss)] // file sizes are far below 2^52
    let kib = len as f64 / 1024.0;
    format!("{kib:.1} KiB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_shrinks_repetitive_input() {
        let input = vec![b'a'; 10_000];
        let len = gzip_len(&input);
        assert!(len > 0 && len < 200, "gzip of 10k 'a' was {len} bytes");
    }

    #[test]
    fn human_rounds_to_one_decimal() {
        assert_eq!(human(1024), "1.0 KiB");
        assert_eq!(human(1536), "1.5 KiB");
    }
}
