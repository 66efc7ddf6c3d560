//! The few browser facilities the app needs besides the WebSocket: the
//! page's token and WebSocket URL, the clock, the Date header and
//! Message-ID, the clipboard, file downloads and uploads, `localStorage`,
//! the page address and fragment, and the browser's language.
//!
//! The string logic is in plain functions, unit-tested natively; the thin
//! wrappers around `web_sys` only run in the browser.

use wasm_bindgen::{JsCast, JsValue};

use crate::problem::BridgeProblem;

/// Where the tab keeps the token between reloads: `sessionStorage`, which
/// belongs to this tab and this origin (scheme, host *and port*) and which
/// the browser never sends anywhere, unlike a cookie (cookies ignore ports).
const TOKEN_KEY: &str = "smtplab_token";

/// The page's token: read from `?token=` and removed from the address bar
/// (`history.replaceState`), so it does not linger in the history, in
/// screenshots or in a shared URL, and kept in the tab's `sessionStorage`;
/// on a page without one (a reload), the one kept there. `None` when
/// neither has one: the bridge then answers 401 and the tab says so.
pub(crate) fn take_token() -> Option<String> {
    let token = match read_token() {
        Some(token) => {
            store_token(&token);
            Some(token)
        }
        None => stored_token(),
    };
    TOKEN.with(|t| t.borrow_mut().clone_from(&token));
    token
}

thread_local! {
    /// The token [`take_token`] read, for later requests (`/sandbox`).
    static TOKEN: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The token [`take_token`] read at mount, if any.
pub(crate) fn token() -> Option<String> {
    TOKEN.with(|t| t.borrow().clone())
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn stored_token() -> Option<String> {
    session_storage()?
        .get_item(TOKEN_KEY)
        .ok()?
        .filter(|t| !t.is_empty())
}

fn store_token(token: &str) {
    if let Some(storage) = session_storage() {
        // Without storage (disabled by the user) only a reload suffers.
        let _ = storage.set_item(TOKEN_KEY, token);
    }
}

fn read_token() -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let search = location.search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    let token = params.get("token")?;
    params.delete("token");
    let rest = String::from(params.to_string());
    let path = location.pathname().unwrap_or_else(|_| "/".to_owned());
    let hash = location.hash().unwrap_or_default();
    let clean = if rest.is_empty() {
        format!("{path}{hash}")
    } else {
        format!("{path}?{rest}{hash}")
    };
    if let Ok(history) = window.history() {
        // Failing to tidy the address bar is harmless.
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&clean));
    }
    Some(token)
}

/// The bridge's WebSocket URL for a page served over `protocol` (`http:` or
/// `https:`) from `host` (`host:port`).
pub(crate) fn ws_url(protocol: &str, host: &str, token: Option<&str>) -> String {
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    match token {
        Some(token) => format!("{scheme}://{host}/ws?token={}", query_escape(token)),
        None => format!("{scheme}://{host}/ws"),
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986 §2.3).
fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// [`ws_url`] for this page.
pub(crate) fn page_ws_url(token: Option<&str>) -> Option<String> {
    let location = web_sys::window()?.location();
    Some(ws_url(
        &location.protocol().ok()?,
        &location.host().ok()?,
        token,
    ))
}

/// Milliseconds on the page's monotonic clock (`performance.now()`).
pub(crate) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Puts a named mark on the page's performance timeline (ignored where the
/// API is missing): how the tab's start-up is measured (docs/benchmarks.md).
pub(crate) fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// The RFC 5322 date of now, from the browser's clock.
pub(crate) fn rfc5322_now() -> String {
    rfc5322_from_utc_string(&String::from(js_sys::Date::new_0().to_utc_string()))
}

/// `Sat, 29 Nov 2025 04:21:00 GMT` (JavaScript's `toUTCString`) → `… +0000`:
/// RFC 5322 §4.3 marks `GMT` obsolete.
pub(crate) fn rfc5322_from_utc_string(utc: &str) -> String {
    match utc.strip_suffix(" GMT") {
        Some(rest) => format!("{rest} +0000"),
        None => utc.to_owned(),
    }
}

/// A fresh Message-ID (without `<>`) in `domain`.
pub(crate) fn new_message_id(domain: &str) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    // both are in range by construction
    let (millis, random) = (
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * f64::from(u32::MAX)) as u32,
    );
    let domain = if domain.is_empty() {
        "smtplab.localhost"
    } else {
        domain
    };
    format!("{millis}.{random:08x}.smtplab@{domain}")
}

/// Copies `text` to the clipboard (best effort: the page must have focus).
pub(crate) fn copy_text(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Offers `text` as a plain-text file download named `file_name`.
pub(crate) fn download_text(file_name: &str, text: &str) {
    download(file_name, text, "text/plain;charset=utf-8");
}

/// Offers `text` as a JSON file download named `file_name`.
pub(crate) fn download_json(file_name: &str, text: &str) {
    download(file_name, text, "application/json");
}

/// The value stored under `key` in `localStorage`, if any.
pub(crate) fn storage_get(key: &str) -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(key).ok()?
}

/// Stores `value` under `key` in `localStorage`; false if the browser
/// refused (private mode, quota, storage disabled).
pub(crate) fn storage_set(key: &str, value: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .is_some_and(|s| s.set_item(key, value).is_ok())
}

/// `navigator.language`, e.g. `ja-JP`.
pub(crate) fn browser_language() -> Option<String> {
    web_sys::window()?.navigator().language()
}

/// Sets `<html lang>`, so screen readers and fonts follow the page.
pub(crate) fn set_document_lang(code: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", code);
    }
}

/// The page's address (`location.href`).
pub(crate) fn page_href() -> Option<String> {
    web_sys::window()?.location().href().ok()
}

/// The page's fragment (`location.hash`, with its `#`).
pub(crate) fn page_fragment() -> Option<String> {
    web_sys::window()?.location().hash().ok()
}

/// The text of a file the user picked; `None` if it cannot be read.
pub(crate) async fn read_file_text(file: web_sys::File) -> Option<String> {
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()?;
    text.as_string()
}

/// The bytes of a file the user picked; `None` if it cannot be read.
pub(crate) async fn read_file_bytes(file: &web_sys::File) -> Option<Vec<u8>> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// `domain` in A-labels (`xn--…`), as the browser's URL parser (UTS #46)
/// converts a host name; `None` if it refuses it.
pub(crate) fn idn_to_ascii(domain: &str) -> Option<String> {
    let url = web_sys::Url::new(&format!("http://{domain}/")).ok()?;
    Some(url.hostname()).filter(|h| !h.is_empty())
}

fn download(file_name: &str, text: &str, mime: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(anchor) = document
        .create_element("a")
        .map(JsCast::unchecked_into::<web_sys::HtmlAnchorElement>)
    {
        anchor.set_href(&url);
        anchor.set_download(file_name);
        anchor.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// After a WebSocket failed before `hello`: asks `/status`, which the
/// bridge guards with the same token, to tell "unreachable" from "token
/// refused" (a browser hides the HTTP status of a refused WebSocket).
pub(crate) async fn diagnose(token: Option<&str>) -> BridgeProblem {
    let Some(window) = web_sys::window() else {
        return BridgeProblem::Unreachable;
    };
    let url = bridge_url("/status", token);
    let init = web_sys::RequestInit::new();
    init.set_cache(web_sys::RequestCache::NoStore);
    let promise = window.fetch_with_str_and_init(&url, &init);
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Err(_) => BridgeProblem::Unreachable,
        Ok(value) => match value.dyn_into::<web_sys::Response>() {
            Ok(response) => problem_for_status(response.status()),
            Err(_) => BridgeProblem::WebSocketFailed,
        },
    }
}

/// `path` on the bridge with `?token=` when the tab has one (without, the
/// bridge answers 401: no cookie or other ambient credential carries it).
pub(crate) fn bridge_url(path: &str, token: Option<&str>) -> String {
    match token {
        Some(token) => format!("{path}?token={}", query_escape(token)),
        None => path.to_owned(),
    }
}

/// GETs `path` from the bridge (with the page's token) and returns the
/// body of a 200 answer.
///
/// # Errors
/// A short reason: the HTTP status, or that the bridge did not answer.
pub(crate) async fn get_text(path: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = web_sys::RequestInit::new();
    init.set_cache(web_sys::RequestCache::NoStore);
    let promise = window.fetch_with_str_and_init(&bridge_url(path, token().as_deref()), &init);
    let response: web_sys::Response = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| "the bridge did not answer".to_owned())?
        .dyn_into()
        .map_err(|_| "not an HTTP response".to_owned())?;
    if response.status() != 200 {
        return Err(format!("HTTP {}", response.status()));
    }
    let text = response.text().map_err(|_| "unreadable body".to_owned())?;
    let text = wasm_bindgen_futures::JsFuture::from(text)
        .await
        .map_err(|_| "unreadable body".to_owned())?;
    text.as_string().ok_or_else(|| "unreadable body".to_owned())
}

/// The local date and time of `unix_ms` in the page's language.
pub(crate) fn local_time(unix_ms: u64, lang_code: &str) -> String {
    #[allow(clippy::cast_precision_loss)] // ms since 1970 are far below 2^52
    let date = js_sys::Date::new(&JsValue::from_f64(unix_ms as f64));
    String::from(date.to_locale_string(lang_code, &JsValue::UNDEFINED))
}

/// What an HTTP status of the page URL says about a failed WebSocket.
pub(crate) fn problem_for_status(status: u16) -> BridgeProblem {
    match status {
        401 => BridgeProblem::TokenRejected,
        403 => BridgeProblem::Forbidden,
        _ => BridgeProblem::WebSocketFailed,
    }
}

/// Sets `document.title` (the tab's and the window list's name).
pub(crate) fn set_title(title: &str) {
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(title);
    }
}

/// Sets `<html data-theme>`, which selects the CSS palette.
pub(crate) fn set_document_theme(theme: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", theme);
    }
}

/// The `(prefers-color-scheme: dark)` media query, to read and to watch.
pub(crate) fn dark_scheme_query() -> Option<web_sys::MediaQueryList> {
    web_sys::window()?
        .match_media("(prefers-color-scheme: dark)")
        .ok()
        .flatten()
}

/// Shows another fragment (`location.hash`): a history entry, so Back
/// returns; the browser fires `hashchange`.
pub(crate) fn set_fragment(fragment: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(fragment);
    }
}

/// Moves the keyboard focus to the element with `id`, if it is there.
pub(crate) fn focus_id(id: &str) {
    if let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_url_follows_the_page() {
        assert_eq!(
            ws_url("http:", "127.0.0.1:8025", Some("abc")),
            "ws://127.0.0.1:8025/ws?token=abc"
        );
        assert_eq!(
            ws_url("https:", "h:1", Some("a b&")),
            "wss://h:1/ws?token=a%20b%26"
        );
        assert_eq!(ws_url("http:", "h:1", None), "ws://h:1/ws");
    }

    #[test]
    fn bridge_urls_carry_the_token() {
        assert_eq!(bridge_url("/sandbox", Some("a b")), "/sandbox?token=a%20b");
        assert_eq!(bridge_url("/sandbox/messages", None), "/sandbox/messages");
    }

    #[test]
    fn js_utc_strings_become_rfc5322_dates() {
        assert_eq!(
            rfc5322_from_utc_string("Sat, 29 Nov 2025 04:21:00 GMT"),
            "Sat, 29 Nov 2025 04:21:00 +0000"
        );
    }

    #[test]
    fn statuses_name_the_problem() {
        assert_eq!(problem_for_status(401), BridgeProblem::TokenRejected);
        assert_eq!(problem_for_status(403), BridgeProblem::Forbidden);
        assert_eq!(problem_for_status(200), BridgeProblem::WebSocketFailed);
    }
}
