//! The public root CAs (Mozilla's list) for the tab's TLS, fetched from the
//! bridge that served the page instead of compiled into the WebAssembly
//! (docs/tls.md: ~50 KB gzip of key bytes the page budget cannot carry).
//!
//! The list is fetched only when a TLS session that trusts it starts, from
//! `./trust-anchors.bin` (relative to the page, so it follows the bridge's
//! address and scheme), decoded with
//! [`smtplab_shared::tls::anchors::decode`], and kept for the page's life.
//! A failed fetch is not kept: the next session start tries again.

use std::cell::RefCell;
use std::rc::Rc;

use smtplab_shared::tls::{anchors, TrustAnchor};
use wasm_bindgen::JsCast as _;

/// Where the list is, relative to the page (the bridge's
/// `/trust-anchors.bin`).
pub(crate) const URL: &str = "./trust-anchors.bin";

/// The decoded list, shared by every session of the page.
pub(crate) type PublicRoots = Rc<[TrustAnchor<'static>]>;

thread_local! {
    /// The list once loaded; the page has one thread.
    static LOADED: RefCell<Option<PublicRoots>> = const { RefCell::new(None) };
}

/// The list if it was already loaded on this page.
pub(crate) fn cached() -> Option<PublicRoots> {
    LOADED.with(|loaded| loaded.borrow().clone())
}

/// The list: the cached one, or fetched from the bridge and cached.
///
/// # Errors
/// A short reason (English, like the engine's setup errors): the bridge did
/// not answer, answered with another status than 200, or sent something
/// that is not a trust-anchor list.
pub(crate) async fn load() -> Result<PublicRoots, String> {
    if let Some(roots) = cached() {
        return Ok(roots);
    }
    let roots = parse(&fetch_bytes(URL).await?)?;
    LOADED.with(|loaded| *loaded.borrow_mut() = Some(Rc::clone(&roots)));
    Ok(roots)
}

/// Decodes the bridge's answer; an empty list is refused (it could verify
/// nothing, and the engine would say so less clearly).
///
/// # Errors
/// The decoder's reason, or that the list is empty.
pub(crate) fn parse(bytes: &[u8]) -> Result<PublicRoots, String> {
    let roots = anchors::decode(bytes).map_err(|e| e.to_string())?;
    if roots.is_empty() {
        return Err("the bridge sent an empty list".to_owned());
    }
    Ok(roots.into())
}

/// GETs `url` (the browser's HTTP cache revalidates it by `ETag`) and
/// returns the body of a 200 answer.
async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url))
            .await
            .map_err(|_| "the bridge did not answer".to_owned())?
            .dyn_into()
            .map_err(|_| "not an HTTP response".to_owned())?;
    if response.status() != 200 {
        return Err(format!("HTTP {} for {url}", response.status()));
    }
    let body = response
        .array_buffer()
        .map_err(|_| "unreadable body".to_owned())?;
    let body = wasm_bindgen_futures::JsFuture::from(body)
        .await
        .map_err(|_| "unreadable body".to_owned())?;
    Ok(js_sys::Uint8Array::new(&body).to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoded_mozilla_list_parses_and_garbage_does_not() {
        let bytes = anchors::encode(webpki_roots::TLS_SERVER_ROOTS).expect("encodes");
        let roots = parse(&bytes).expect("parses");
        assert_eq!(roots.len(), webpki_roots::TLS_SERVER_ROOTS.len());
        let html = parse(b"<!doctype html><title>not found</title>").expect_err("refused");
        assert!(html.contains("magic"), "{html}");
        let empty = anchors::encode(&[]).expect("encodes");
        assert_eq!(
            parse(&empty).expect_err("refused"),
            "the bridge sent an empty list"
        );
        assert!(parse(&bytes[..bytes.len() / 2]).is_err());
    }
}
