//! What a first visit downloads: the files of `dist/` (the UI build the
//! bridge embeds), their raw and `gzip -9` sizes, and a check that the
//! running bridge serves exactly these bytes (it embeds `dist/` when it is
//! compiled, and `dist/` may have been rebuilt since).
//!
//! The JS and wasm have content-hashed names (`smtplab-<hash>.js`,
//! `smtplab_bg-<hash>.wasm`); the UI build lists the current ones in
//! `dist/manifest.json` (`{"js": …, "wasm": …}`), read by [`read_manifest`].

use std::io::Write as _;

use serde_json::json;

use crate::browser::{dist_dir, Page, Problem};

/// The list of the current hashed names, written by `xtask build-ui`.
pub const MANIFEST: &str = "manifest.json";

/// What a built UI file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistRole {
    /// The WebAssembly, `smtplab_bg-<hash>.wasm`.
    Wasm,
    /// The bindgen JS glue, `smtplab-<hash>.js`.
    Js,
    /// `index.html` (CSS and the loader inline).
    Page,
}

/// The content-hashed names of the current UI build (`dist/manifest.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The JS glue's name in `dist/`.
    pub js: String,
    /// The WebAssembly's name in `dist/`.
    pub wasm: String,
}

/// Reads `dist/manifest.json`.
///
/// # Errors
/// When it is missing (the UI is not built, or built before hashed names)
/// or is not `{"js": "…", "wasm": "…"}`.
pub fn read_manifest() -> Result<Manifest, String> {
    let path = dist_dir().join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("read {}: {e} (build the UI first)", path.display()))?;
    parse_manifest(&text)
        .ok_or_else(|| format!("{}: not {{\"js\", \"wasm\"}}: {text}", path.display()))
}

fn parse_manifest(text: &str) -> Option<Manifest> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(Manifest {
        js: value["js"].as_str()?.to_owned(),
        wasm: value["wasm"].as_str()?.to_owned(),
    })
}

/// Whether the last segment of `path` is `<stem>-<16 hex>.<ext>`, the form
/// of the content-hashed names (the bridge serves them `immutable`).
pub fn is_hashed_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _ext)) = name.rsplit_once('.') else {
        return false;
    };
    stem.rsplit_once('-').is_some_and(|(base, hash)| {
        !base.is_empty()
            && hash.len() == 16
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// One file of `dist/`.
#[derive(Debug, Clone)]
pub struct DistFile {
    /// What it is.
    pub role: DistRole,
    /// Its name in `dist/` (and its path under the bridge's root).
    pub name: String,
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

/// Reads the wasm, the JS and the page from `dist/`, in that order, under
/// the names [`read_manifest`] gives.
///
/// # Errors
/// Which file could not be read (the UI is not built).
pub fn read_dist() -> Result<Vec<DistFile>, String> {
    let manifest = read_manifest()?;
    [
        (DistRole::Wasm, manifest.wasm),
        (DistRole::Js, manifest.js),
        (DistRole::Page, "index.html".to_owned()),
    ]
    .into_iter()
    .map(|(role, name)| {
        std::fs::read(dist_dir().join(&name))
            .map(|bytes| DistFile {
                role,
                name: name.clone(),
                bytes,
            })
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
    fn the_manifest_names_the_hashed_files() {
        let manifest = parse_manifest(
            r#"{"js": "smtplab-0123456789abcdef.js", "wasm": "smtplab_bg-fedcba9876543210.wasm"}"#,
        )
        .expect("valid");
        assert_eq!(manifest.js, "smtplab-0123456789abcdef.js");
        assert_eq!(manifest.wasm, "smtplab_bg-fedcba9876543210.wasm");
        assert_eq!(parse_manifest(r#"{"js": "a.js"}"#), None);
        assert_eq!(parse_manifest("not json"), None);
        assert!(is_hashed_name(&format!("/{}", manifest.wasm)));
        assert!(is_hashed_name(&manifest.js));
        assert!(!is_hashed_name("/index.html") && !is_hashed_name("/smtplab.js"));
    }

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
