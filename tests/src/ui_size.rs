//! What a first visit downloads: the files of `dist/` (the UI build the
//! bridge embeds), their raw and `gzip -9` sizes, and a check that the
//! running bridge serves exactly these bytes (it embeds `dist/` when it is
//! compiled, and `dist/` may have been rebuilt since).

use std::io::Write as _;

use serde_json::json;

use crate::browser::{dist_dir, Page, Problem};

/// The built UI files, as the bridge serves them.
pub const DIST_FILES: [&str; 3] = ["smtplab_bg.wasm", "smtplab.js", "index.html"];

/// One file of `dist/`.
#[derive(Debug, Clone)]
pub struct DistFile {
    /// Its name in `dist/` (and its path under the bridge's root).
    pub name: &'static str,
    /// Its bytes, as read when the run started.
    pub bytes: Vec<u8>,
}

impl DistFile {
    /// Size in bytes.
    pub fn raw_len(&self) -> usize {
        self.bytes.len()
    }

    /// Size after `gzip -9`.
    ///
    /// # Errors
    /// When compressing fails (it works in memory, so only on allocation trouble).
    pub fn gzip_len(&self) -> Result<usize, String> {
        gzip_len(&self.bytes)
    }
}

/// Reads [`DIST_FILES`] from `dist/`.
///
/// # Errors
/// Which file could not be read (the UI is not built).
pub fn read_dist() -> Result<Vec<DistFile>, String> {
    DIST_FILES
        .iter()
        .map(|&name| {
            std::fs::read(dist_dir().join(name))
                .map(|bytes| DistFile { name, bytes })
                .map_err(|e| format!("read dist/{name}: {e}"))
        })
        .collect()
}

/// The length of `bytes` compressed with gzip at the best level (`gzip -9`).
///
/// # Errors
/// When the encoder fails.
pub fn gzip_len(bytes: &[u8]) -> Result<usize, String> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    Ok(encoder.finish().map_err(|e| e.to_string())?.len())
}

/// FNV-1a (32 bit) over `bytes`, the same as [`SERVED_FNV_JS`] computes in
/// the page over the served file.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Page script: fetches `arguments[0]` (relative to the page) past the
/// cache and returns `[length, FNV-1a]` of its bytes.
pub const SERVED_FNV_JS: &str = "\
    return fetch('./' + arguments[0], {cache: 'no-store'}).then(r => r.arrayBuffer()).then(b => {\
      const a = new Uint8Array(b); let h = 0x811c9dc5;\
      for (const x of a) { h = Math.imul(h ^ x, 0x01000193) >>> 0; }\
      return [a.length, h]; });";

/// Checks, from a page of the app, that the bridge serves `file` byte for
/// byte (length and FNV-1a).
///
/// # Errors
/// [`Problem::Check`] naming the file when the bridge serves other bytes
/// (rebuild the bridge after `build-ui`), or a failed WebDriver command.
pub async fn check_served(page: &Page, file: &DistFile) -> Result<(), Problem> {
    let served = page.eval(SERVED_FNV_JS, vec![json!(file.name)]).await?;
    let expected = json!([file.bytes.len(), fnv1a(&file.bytes)]);
    if served == expected {
        Ok(())
    } else {
        Err(Problem::Check(format!(
            "the bridge serves another {} ({served} vs dist/ {expected}): rebuild the bridge after build-ui",
            file.name
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_vectors() {
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn gzip_shrinks_repetition_and_keeps_a_header() {
        let repeated = vec![b'a'; 10_000];
        let len = gzip_len(&repeated).expect("gzip");
        assert!(len > 18 && len < 100, "{len}");
        assert!(gzip_len(b"").expect("gzip") >= 18);
    }
}
