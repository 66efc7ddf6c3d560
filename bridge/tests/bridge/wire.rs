//! The UI over the wire, through real HTTP on loopback: brotli for a
//! browser, gzip when brotli is refused, identity byte for byte the same as
//! `dist/`, `Vary: Accept-Encoding` always, content-hashed names cached for
//! good, and the page revalidated with its ETag (a `304` with no body).

use std::io::Read as _;
use std::path::PathBuf;

use smtplab_bridge::assets;

use crate::harness::{start, Bridge, TOKEN};

/// `Cache-Control` of a content-hashed file.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// What Chromium sends.
const BROWSER: &str = "Accept-Encoding: gzip, deflate, br, zstd";

/// The value of header `name` in a raw header block.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The folder the bridge embedded, as build.rs finds it.
fn dist() -> PathBuf {
    std::env::var_os("SMTPLAB_DIST").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist"),
        PathBuf::from,
    )
}

/// (path served, the file's bytes on disk, whether its name is hashed) for
/// the embedded UI: the built `dist/` files, or the not-built page.
fn served_files() -> Vec<(String, Vec<u8>, bool)> {
    let read = |path: PathBuf| {
        std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    };
    if !assets::ui_built() {
        let page = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/not-built.html");
        return vec![("index.html".to_owned(), read(page), false)];
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(dist().join("manifest.json"))).expect("manifest.json");
    let mut files = vec![
        ("index.html".to_owned(), false),
        ("manifest.json".to_owned(), false),
    ];
    for key in ["js", "wasm"] {
        let name = manifest[key].as_str().expect("a name").to_owned();
        files.push((name, true));
    }
    files
        .into_iter()
        .map(|(name, hashed)| {
            let bytes = read(dist().join(&name));
            (name, bytes, hashed)
        })
        .collect()
}

/// `GET /<path>` without a token, as a reload of the tab asks (the page
/// holds no secret) with the `extra` header lines.
async fn fetch(bridge: &Bridge, path: &str, extra: &[&str]) -> (u16, String, Vec<u8>) {
    bridge.get(&format!("/{path}"), None, extra).await
}

/// Whether the bridge holds compressed copies of `path` (build.rs keeps
/// none when gzip does not shrink the file, as for the tiny
/// `manifest.json`); the page, the JS and the wasm always have them.
fn compressed(path: &str) -> bool {
    let has = !assets::get(path).expect("embedded").encodings().is_empty();
    assert!(
        has || path == "manifest.json",
        "{path} has no compressed copy"
    );
    has
}

fn gunzip(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn unbrotli(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &body[..], &mut out).expect("valid brotli");
    out
}

#[tokio::test]
async fn a_browser_gets_brotli_that_decodes_to_the_built_file() {
    let bridge = start(|_| {}).await;
    for (path, bytes, _) in served_files() {
        let (status, head, body) = fetch(&bridge, &path, &[BROWSER]).await;
        assert_eq!(status, 200, "{path}: {head}");
        if !compressed(&path) {
            assert_eq!(header(&head, "content-encoding"), None, "{path}: {head}");
            assert!(body == bytes, "{path}: sent as it is");
            continue;
        }
        assert_eq!(
            header(&head, "content-encoding"),
            Some("br"),
            "{path}: {head}"
        );
        assert_eq!(header(&head, "vary"), Some("Accept-Encoding"), "{path}");
        assert_eq!(
            header(&head, "content-length"),
            Some(body.len().to_string().as_str())
        );
        assert!(body.len() < bytes.len(), "{path}: br is smaller");
        assert!(unbrotli(&body) == bytes, "{path}: br decodes to dist/");
    }
    bridge.shutdown().await;
}

#[tokio::test]
async fn gzip_when_brotli_is_not_accepted() {
    let bridge = start(|_| {}).await;
    for (path, bytes, _) in served_files() {
        if !compressed(&path) {
            continue;
        }
        for accept in [
            "Accept-Encoding: gzip, deflate",
            "Accept-Encoding: br;q=0, gzip",
        ] {
            let (status, head, body) = fetch(&bridge, &path, &[accept]).await;
            assert_eq!(status, 200, "{path}: {head}");
            assert_eq!(
                header(&head, "content-encoding"),
                Some("gzip"),
                "{path}: {accept}"
            );
            assert_eq!(header(&head, "vary"), Some("Accept-Encoding"), "{path}");
            assert!(gunzip(&body) == bytes, "{path}: gzip decodes to dist/");
        }
    }
    bridge.shutdown().await;
}

#[tokio::test]
async fn identity_is_the_built_file_byte_for_byte() {
    let bridge = start(|_| {}).await;
    for (path, bytes, _) in served_files() {
        for accept in [
            None,
            Some("Accept-Encoding: identity"),
            Some("Accept-Encoding: br;q=0, gzip;q=0"),
        ] {
            let extra: Vec<&str> = accept.into_iter().collect();
            let (status, head, body) = fetch(&bridge, &path, &extra).await;
            assert_eq!(status, 200, "{path}: {head}");
            assert_eq!(
                header(&head, "content-encoding"),
                None,
                "{path}: {accept:?}"
            );
            assert_eq!(header(&head, "vary"), Some("Accept-Encoding"), "{path}");
            assert!(
                body == bytes,
                "{path}: identity is dist/ byte for byte ({accept:?})"
            );
        }
    }
    bridge.shutdown().await;
}

#[tokio::test]
async fn hashed_names_are_immutable_and_the_rest_revalidated() {
    let bridge = start(|_| {}).await;
    let files = served_files();
    assert_eq!(
        files.iter().filter(|(_, _, hashed)| *hashed).count(),
        if assets::ui_built() { 2 } else { 0 }
    );
    for (path, _, hashed) in files {
        let (_, head, _) = fetch(&bridge, &path, &[BROWSER]).await;
        let cache = header(&head, "cache-control");
        if hashed {
            assert_eq!(cache, Some(IMMUTABLE), "{path}");
        } else {
            assert_eq!(cache, Some("no-cache"), "{path}");
        }
        let etag = header(&head, "etag").expect("an ETag");
        let suffix = if compressed(&path) { "-br\"" } else { "\"" };
        assert!(
            etag.starts_with('"') && etag.ends_with(suffix) && !etag.starts_with("W/"),
            "{path}: a strong ETag per encoding: {etag}"
        );
    }
    bridge.shutdown().await;
}

#[tokio::test]
async fn the_page_answers_if_none_match_with_304() {
    let bridge = start(|_| {}).await;
    let (status, head, _) = fetch(&bridge, "index.html", &[BROWSER]).await;
    assert_eq!(status, 200);
    let etag = header(&head, "etag").expect("an ETag").to_owned();
    let if_none_match = format!("If-None-Match: \"stale\", {etag}");

    let (status, head, body) = fetch(&bridge, "index.html", &[BROWSER, &if_none_match]).await;
    assert_eq!(status, 304, "{head}");
    assert!(body.is_empty());
    assert_eq!(header(&head, "etag"), Some(etag.as_str()));
    assert_eq!(header(&head, "vary"), Some("Accept-Encoding"));
    assert_eq!(header(&head, "cache-control"), Some("no-cache"));

    // `/` is the same page with the same tag.
    let (status, _, _) = fetch(&bridge, "", &[BROWSER, &if_none_match]).await;
    assert_eq!(status, 304);

    // The br tag does not stand for the gzip bytes, nor a stale tag for any.
    let (status, head, _) = fetch(
        &bridge,
        "index.html",
        &["Accept-Encoding: gzip", &if_none_match],
    )
    .await;
    assert_eq!(
        (status, header(&head, "content-encoding")),
        (200, Some("gzip"))
    );
    let (status, _, _) = fetch(
        &bridge,
        "index.html",
        &[BROWSER, "If-None-Match: \"stale\""],
    )
    .await;
    assert_eq!(status, 200);

    // With a wrong token, still a refusal, not a 304.
    let (status, _, _) = bridge
        .get("/index.html?token=wrong", None, &[BROWSER, &if_none_match])
        .await;
    assert_eq!(status, 401);
    bridge.shutdown().await;
}

#[tokio::test]
async fn the_page_with_the_token_in_its_url_is_never_stored() {
    let bridge = start(|_| {}).await;
    let (_, head, _) = fetch(&bridge, "index.html", &[BROWSER]).await;
    let etag = header(&head, "etag").expect("an ETag").to_owned();
    let path = format!("/?token={TOKEN}");
    let (status, head, body) = bridge
        .get(&path, None, &[BROWSER, &format!("If-None-Match: {etag}")])
        .await;
    assert_eq!(status, 200, "{head}");
    assert_eq!(header(&head, "cache-control"), Some("no-store"));
    assert_eq!(header(&head, "content-encoding"), Some("br"));
    assert!(!body.is_empty());
    bridge.shutdown().await;
}
