//! The embedded UI: the files of `dist/` compiled into the binary by
//! `build.rs` (pre-compressed with brotli and gzip), their content types,
//! how each is served ([`negotiate`]: the encoding a request accepts and its
//! `If-None-Match`; `serve`: the response and its cache policy), the
//! Content-Security-Policy that lets the page run its WebAssembly and talk
//! only to this bridge, and the public root CAs the tab's TLS trusts
//! ([`trust_anchors`], served at [`TRUST_ANCHORS_PATH`]).
//!
//! Caching: a file whose name carries its content hash
//! ([`is_content_hashed`]: `smtplab-<16 hex>.js`, `smtplab_bg-<16 hex>.wasm`,
//! named so by the UI build) is `Cache-Control: public, max-age=31536000,
//! immutable`, since a new build is a new name. Every other file (the page,
//! `manifest.json`) is `no-cache` with a strong ETag per content and
//! encoding ([`Asset::etag`]), answered with `304 Not Modified` when the
//! request's `If-None-Match` names it.

use std::borrow::Cow;
use std::io::Read as _;
use std::sync::LazyLock;

use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use smtplab_shared::tls::anchors;

pub mod negotiate;
pub(crate) mod serve;

pub use negotiate::Encoding;

/// One row of the table `build.rs` generates: a file's copies as embedded.
/// At least one of `identity` and `gzip` is present.
#[derive(Debug, PartialEq, Eq)]
struct Embedded {
    /// Path relative to the UI root, with `/` separators.
    path: &'static str,
    /// First 128 bits of the SHA-256 of the file's bytes, hex: its ETags.
    digest: &'static str,
    /// The file's bytes, embedded only when gzip does not shrink it.
    identity: Option<&'static [u8]>,
    /// `gzip -9` of the file, when smaller than the file.
    gzip: Option<&'static [u8]>,
    /// Brotli (quality 11) of the file, when smaller than the gzip copy.
    br: Option<&'static [u8]>,
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// One embedded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// Path relative to the UI root, with `/` separators (`index.html`).
    pub path: &'static str,
    /// The `Content-Type` it is served with.
    pub content_type: &'static str,
    /// Its copies.
    file: &'static Embedded,
}

impl Asset {
    /// The file's own bytes: embedded, or inflated from the gzip copy
    /// (build.rs embeds no raw copy of a file gzip shrinks; see there why).
    pub fn identity(&self) -> Cow<'static, [u8]> {
        if let Some(bytes) = self.file.identity {
            return Cow::Borrowed(bytes);
        }
        let gzip = self
            .file
            .gzip
            .expect("build.rs embeds the raw or the gzip copy");
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(gzip)
            .read_to_end(&mut bytes)
            .expect("build.rs made a valid gzip copy");
        Cow::Owned(bytes)
    }

    /// The encodings it has a compressed copy in, brotli first.
    pub fn encodings(&self) -> Vec<Encoding> {
        let mut encodings = Vec::with_capacity(2);
        if self.file.br.is_some() {
            encodings.push(Encoding::Brotli);
        }
        if self.file.gzip.is_some() {
            encodings.push(Encoding::Gzip);
        }
        encodings
    }

    /// Its bytes in `encoding` (identity when it has no such copy).
    pub fn body(&self, encoding: Encoding) -> Cow<'static, [u8]> {
        let copy = match encoding {
            Encoding::Brotli => self.file.br,
            Encoding::Gzip => self.file.gzip,
            Encoding::Identity => None,
        };
        copy.map_or_else(|| self.identity(), Cow::Borrowed)
    }

    /// The strong ETag (quoted) of its representation in `encoding`: the
    /// content digest, plus `-br` / `-gz` for the compressed copies, since
    /// each is a different sequence of bytes (RFC 9110 §8.8.3.3).
    pub fn etag(&self, encoding: Encoding) -> String {
        let digest = self.file.digest;
        match encoding {
            Encoding::Brotli if self.file.br.is_some() => format!("\"{digest}-br\""),
            Encoding::Gzip if self.file.gzip.is_some() => format!("\"{digest}-gz\""),
            _ => format!("\"{digest}\""),
        }
    }

    /// Whether its name carries its content hash, so it can be cached
    /// forever ([`is_content_hashed`]).
    pub fn immutable(&self) -> bool {
        is_content_hashed(self.path)
    }
}

/// Whether the last segment of `path` is `<stem>-<16 lowercase hex>.<ext>`,
/// the form the UI build (`xtask build-ui`) gives the files it names by
/// their content hash.
pub fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _ext)) = name.rsplit_once('.') else {
        return false;
    };
    let Some((base, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    !base.is_empty()
        && hash.len() == 16
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether a real UI build is embedded (`false`: only the "not built" page).
pub fn ui_built() -> bool {
    UI_BUILT
}

/// The embedded file at `path` (relative, no leading `/`).
pub fn get(path: &str) -> Option<Asset> {
    FILES
        .binary_search_by(|file| file.path.cmp(path))
        .ok()
        .map(|i| {
            let file = &FILES[i];
            Asset {
                path: file.path,
                content_type: content_type(file.path),
                file,
            }
        })
}

/// The UI page; always present (the real one or the "not built" page).
pub fn index() -> Asset {
    get("index.html").expect("build.rs always embeds an index.html")
}

/// Where the tab fetches the public root CAs (relative to the page:
/// `./trust-anchors.bin`).
pub const TRUST_ANCHORS_PATH: &str = "/trust-anchors.bin";

/// The public root CAs in [`smtplab_shared::tls::anchors`]'s encoding:
/// Mozilla's list (`webpki-roots`) as this binary was built with it. The
/// tab no longer compiles them into its WebAssembly (docs/tls.md).
#[derive(Debug)]
pub struct TrustAnchorsFile {
    /// The encoded list.
    pub bytes: Vec<u8>,
    /// How many anchors it holds.
    pub count: usize,
    /// A strong validator for `ETag` / `If-None-Match` (quoted): the first
    /// 128 bits of the list's SHA-256, so a bridge with another list answers
    /// a stale copy with the new one.
    pub etag: String,
}

static TRUST_ANCHORS: LazyLock<TrustAnchorsFile> = LazyLock::new(|| {
    let roots = webpki_roots::TLS_SERVER_ROOTS;
    let bytes = anchors::encode(roots).expect("Mozilla's list fits the format (checked by tests)");
    let digest = Sha256::digest(&bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    TrustAnchorsFile {
        count: roots.len(),
        etag: format!("\"{hex}\""),
        bytes,
    }
});

/// The public root CAs, encoded once on first use.
pub fn trust_anchors() -> &'static TrustAnchorsFile {
    &TRUST_ANCHORS
}

/// The content type for a file name, by extension. `.wasm` must be
/// `application/wasm` for `WebAssembly.instantiateStreaming`.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The `sha256-…` sources of the embedded page's inline scripts, computed
/// once. The UI build puts a small inline module script in index.html that
/// imports the bindgen JS and calls `init()`; allowing exactly its hash keeps
/// `script-src` free of `'unsafe-inline'`.
static INLINE_SCRIPT_HASHES: LazyLock<Vec<String>> =
    LazyLock::new(|| inline_script_hashes(&String::from_utf8_lossy(&index().identity())));

/// The Content-Security-Policy for responses to a request with this (checked)
/// Host header: scripts only from the bridge (plus the page's own inline
/// loader by hash) and WebAssembly compilation; network only to the bridge
/// and its WebSocket (`wss://` when the page is served over TLS); no
/// framing, plugins or form posts.
pub fn content_security_policy(host: &str, tls: bool) -> String {
    let ws = if tls { "wss" } else { "ws" };
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for hash in INLINE_SCRIPT_HASHES.iter() {
        script_src.push_str(" '");
        script_src.push_str(hash);
        script_src.push('\'');
    }
    format!(
        "default-src 'self'; script-src {script_src}; connect-src 'self' {ws}://{host}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// The CSP hash sources (`sha256-<base64>`) of every inline `<script>` in
/// `html`, that is every script element without a `src` attribute.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut hashes = Vec::new();
    let mut from = 0;
    while let Some(open) = lower[from..].find("<script").map(|i| from + i) {
        let Some(tag_end) = lower[open..].find('>').map(|i| open + i) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else {
            break;
        };
        let tag = &lower[open..tag_end];
        let body = &html[tag_end + 1..close];
        if !has_src_attribute(tag) && !body.is_empty() {
            let digest = Sha256::digest(body.as_bytes());
            hashes.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        from = close;
    }
    hashes
}

fn has_src_attribute(tag: &str) -> bool {
    tag.split(|c: char| c.is_ascii_whitespace())
        .any(|attr| attr == "src" || attr.starts_with("src="))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(
            content_type("smtplab_bg-0123456789abcdef.wasm"),
            "application/wasm"
        );
        assert_eq!(
            content_type("smtplab-0123456789abcdef.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("snippets/x/style.CSS"),
            "text/css; charset=utf-8"
        );
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }

    #[test]
    fn an_index_page_is_always_embedded() {
        let index = index();
        assert_eq!(index.content_type, "text/html; charset=utf-8");
        let text = String::from_utf8_lossy(&index.identity()).into_owned();
        assert!(text.contains("<html"), "{text}");
        if !ui_built() {
            assert!(text.contains("./run.sh"));
        }
        assert_eq!(get("no/such/file"), None);
    }

    #[test]
    fn every_file_has_its_copies_and_distinct_etags() {
        for file in FILES {
            let asset = get(file.path).expect("listed");
            let identity = asset.identity();
            assert_eq!(
                format!("{:x}", Sha256::digest(&identity))[..32],
                *file.digest,
                "{}",
                file.path
            );
            for encoding in asset.encodings() {
                let body = asset.body(encoding);
                assert!(body.len() < identity.len(), "{}", file.path);
                assert_ne!(asset.etag(encoding), asset.etag(Encoding::Identity));
            }
            assert_eq!(asset.body(Encoding::Identity), identity);
        }
        let page = index();
        assert_eq!(page.encodings(), vec![Encoding::Brotli, Encoding::Gzip]);
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut &page.body(Encoding::Brotli)[..], &mut decoded)
            .expect("valid brotli");
        assert_eq!(decoded, page.identity().as_ref());
    }

    #[test]
    fn content_hashed_names_are_recognised() {
        assert!(is_content_hashed("smtplab-0123456789abcdef.js"));
        assert!(is_content_hashed("smtplab_bg-fedcba9876543210.wasm"));
        assert!(is_content_hashed("snippets/x/a-0123456789abcdef.js"));
        assert!(!is_content_hashed("smtplab.js"));
        assert!(!is_content_hashed("index.html"));
        assert!(!is_content_hashed("manifest.json"));
        assert!(!is_content_hashed("smtplab-0123456789ABCDEF.js"));
        assert!(!is_content_hashed("smtplab-0123456789abcde.js"));
        assert!(!is_content_hashed("-0123456789abcdef.js"));
        assert!(!is_content_hashed("smtplab-0123456789abcdef"));
    }

    #[test]
    fn trust_anchors_are_mozillas_list_and_decode() {
        let file = trust_anchors();
        assert_eq!(file.count, webpki_roots::TLS_SERVER_ROOTS.len());
        let decoded = anchors::decode(&file.bytes).expect("decodes");
        assert_eq!(decoded.len(), file.count);
        assert!(file.etag.starts_with('"') && file.etag.ends_with('"') && file.etag.len() == 34);
        assert!(std::ptr::eq(file, trust_anchors()));
    }

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html =
            "<head><script type=\"module\">import init from \"./smtplab-0123456789abcdef.js\"; init({ module_or_path: \"./smtplab_bg-0123456789abcdef.wasm\" });</script>\n\
                    <SCRIPT src=\"./a.js\"></SCRIPT><script>x</script></head>";
        let hashes = inline_script_hashes(html);
        let expected = |body: &str| {
            format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()))
            )
        };
        assert_eq!(
            hashes,
            vec![
                expected(
                    "import init from \"./smtplab-0123456789abcdef.js\"; \
                     init({ module_or_path: \"./smtplab_bg-0123456789abcdef.wasm\" });"
                ),
                expected("x")
            ]
        );
        // Computed independently with Python's hashlib.
        assert_eq!(
            inline_script_hashes("<script>alert(1)</script>"),
            vec!["sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=".to_owned()]
        );
    }

    #[test]
    fn csp_allows_wasm_and_only_our_websocket() {
        let csp = content_security_policy("localhost:8025", false);
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert!(
            csp.contains("connect-src 'self' ws://localhost:8025;"),
            "{csp}"
        );
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .expect("script-src");
        assert!(!script_src.contains("'unsafe-inline'") && !script_src.contains("'unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
