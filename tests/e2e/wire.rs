//! The page over the wire, as headless Chromium counts it: the bytes a
//! first visit and a reload of the real UI (the `dist/` build embedded in
//! the real `smtplab` binary) transfer, from the Performance API's
//! `transferSize` of the navigation and every resource entry (headers plus
//! the encoded body; 0 for a cache hit, the headers only for a `304`).
//!
//! A fresh Chromium profile opens the tokenized URL (first visit: nothing
//! cached), then reloads twice: the second visit finds the hashed JS and
//! wasm in the cache (`immutable`), and fetches only the page (whose first
//! response, to the tokenized URL, was `no-store`); the third revalidates
//! the page too (`304`). The WebSocket is not a resource entry and is not
//! counted. Prints every figure; asserts the first visit is about the
//! compressed sizes, not the raw ones, and the reload is under 5 % of it.
//!
//! `cargo test -p smtplab-e2e --test wire -- --nocapture` (after
//! `cargo run -q -p xtask --release -- build-ui --release`).

use std::fmt::Write as _;
use std::net::{Ipv4Addr, TcpListener};
use std::time::Duration;

use libtest_mimic::Failed;
use serde_json::Value;
use smtplab_e2e::browser::{check, open_app, require_built_ui, Browser, Page, Problem};
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::ui_size::{self, DistFile, DistRole};
use smtplab_e2e::Bridge;

/// How long the app gets to load, render and reach the bridge.
const APP_READY: Duration = Duration::from_secs(20);
/// The reload may transfer at most this share of the first visit.
const RELOAD_SHARE_LIMIT: f64 = 0.05;
/// Headers and the small JSON the app fetches, on top of the files' bodies.
const OVERHEAD_ALLOWANCE: u64 = 16 * 1024;

struct Rig {
    bridge: Bridge,
    browser: Browser,
    /// `dist/` as read at the start.
    dist: Vec<DistFile>,
}

fn main() {
    require_built_ui();
    run_with_rig(
        "page over the wire",
        start_rig,
        &[(
            "a_reload_transfers_a_small_fraction_of_the_first_visit",
            first_and_second_visit,
        )],
    );
}

fn start_rig() -> Result<Rig, String> {
    let browser = Browser::start_in_background();
    let dist = ui_size::read_dist()?;
    // The bridge wants one allowed port; a port nothing listens on.
    let spare = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("probe a port: {e}"))?
        .port();
    let bridge = Bridge::spawn(spare, &[]).map_err(|e| e.to_string())?;
    let browser = browser.finish().map_err(|e| e.to_string())?;
    Ok(Rig {
        bridge,
        browser,
        dist,
    })
}

/// One performance entry, as the page reports it.
#[derive(Debug, Clone)]
struct Entry {
    /// Path of the URL (no query: the first one carries the token).
    path: String,
    /// Bytes on the wire: headers plus encoded body; 0 from the cache.
    transfer: u64,
    /// The body as sent (compressed).
    encoded: u64,
    /// The body once decoded.
    decoded: u64,
    /// The HTTP status Chromium reports (0 when not exposed; 200 for a
    /// response revalidated with a 304).
    status: u64,
}

/// Page script: `null` until the document has loaded; then every
/// navigation and resource entry, or `null` while the page is the one
/// marked by [`MARK_JS`] (a reload not yet under way).
const ENTRIES_JS: &str = "\
    if (window.__smtplabWireMark) return null;\
    const nav = performance.getEntriesByType('navigation')[0];\
    if (!nav || !nav.loadEventEnd) return null;\
    const all = [nav, ...performance.getEntriesByType('resource')];\
    return all.map(e => ({ path: new URL(e.name).pathname, transfer: e.transferSize,\
      encoded: e.encodedBodySize, decoded: e.decodedBodySize, status: e.responseStatus || 0 }));";

/// Page script: marks the current document, then reloads it.
const MARK_JS: &str = "window.__smtplabWireMark = true; setTimeout(() => location.reload(), 0);";

fn entries(value: &Value) -> Result<Vec<Entry>, String> {
    let list = value
        .as_array()
        .ok_or_else(|| format!("not a list: {value}"))?;
    list.iter()
        .map(|e| {
            let n = |k: &str| {
                e.get(k)
                    .and_then(Value::as_u64)
                    .ok_or(format!("no {k} in {e}"))
            };
            Ok(Entry {
                path: e
                    .get("path")
                    .and_then(Value::as_str)
                    .ok_or(format!("no path in {e}"))?
                    .to_owned(),
                transfer: n("transfer")?,
                encoded: n("encoded")?,
                decoded: n("decoded")?,
                status: n("status")?,
            })
        })
        .collect()
}

/// Waits for the app to be ready on a loaded (new) document, then for its
/// entries. The resources it fetches after start-up (`/status`) may land a
/// moment after the load event, so the list is read once it stops growing.
async fn visit_entries(page: &Page) -> Result<Vec<Entry>, Problem> {
    page.poll("the reloaded document", APP_READY, || async {
        let value = page.eval(ENTRIES_JS, vec![]).await?;
        Ok(if value.is_null() {
            Err("not loaded yet".to_owned())
        } else {
            Ok(())
        })
    })
    .await?;
    page.wait_for("#session-form", APP_READY).await?;
    page.wait_for_attr("#bridge-status", "data-status", &["ready"], APP_READY)
        .await?;
    let mut last = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let list = entries(&page.eval(ENTRIES_JS, vec![]).await?).map_err(Problem::Check)?;
        if list.len() == last {
            return Ok(list);
        }
        last = list.len();
    }
}

fn total(entries: &[Entry]) -> u64 {
    entries.iter().map(|e| e.transfer).sum()
}

fn describe(visit: &str, entries: &[Entry]) -> String {
    let mut out = format!("{visit}: {} B on the wire\n", total(entries));
    for e in entries {
        let _ = writeln!(
            out,
            "  {:<40} transfer {:>8} B  body {:>8} B encoded / {:>8} B decoded  status {}",
            e.path, e.transfer, e.encoded, e.decoded, e.status
        );
    }
    out
}

fn first_and_second_visit(rig: &Rig) -> Result<(), Failed> {
    let url = rig.bridge.url().to_owned();
    rig.browser.trial("wire", || rig.bridge.stderr(), |page| async move {
        open_app(&page, &url, APP_READY).await?;
        let first = visit_entries(&page).await?;
        page.eval(MARK_JS, vec![]).await?;
        let second = visit_entries(&page).await?;
        page.eval(MARK_JS, vec![]).await?;
        let third = visit_entries(&page).await?;

        print!("{}", describe("first visit (empty cache)", &first));
        print!("{}", describe("second visit (reload)", &second));
        print!("{}", describe("third visit (reload again)", &third));

        let raw: u64 = rig.dist.iter().map(|f| f.raw_len() as u64).sum();
        let mut gzip = 0;
        for f in &rig.dist {
            gzip += f.gzip_len().map_err(Problem::Check)? as u64;
        }
        let (first_total, second_total, third_total) = (total(&first), total(&second), total(&third));
        #[allow(clippy::cast_precision_loss)] // byte counts far below 2^52
        let share = second_total as f64 / first_total as f64;
        println!(
            "page over the wire: first visit {first_total} B, second visit {second_total} B ({:.2} %), \
             third {third_total} B; dist/ raw {raw} B, gzip -9 {gzip} B",
            share * 100.0
        );

        // The first visit fetched every built file, compressed.
        for file in &rig.dist {
            let path = if file.role == DistRole::Page { "/" } else { &format!("/{}", file.name) };
            let entry = first.iter().find(|e| e.path == path);
            check(entry.is_some(), || format!("the first visit did not fetch {path}"))?;
            let entry = entry.expect("checked");
            check(entry.decoded as usize == file.raw_len(), || {
                format!("{path}: decoded {} B, dist/ has {} B", entry.decoded, file.raw_len())
            })?;
            check(entry.encoded < entry.decoded, || format!("{path} was not compressed: {entry:?}"))?;
            if file.role == DistRole::Wasm {
                // Brotli, not gzip: smaller than gzip -9 of the same file.
                let gz = file.gzip_len().map_err(Problem::Check)? as u64;
                check(entry.encoded < gz, || {
                    format!("the wasm came as {} B, not below its gzip -9 size {gz} B", entry.encoded)
                })?;
            }
        }
        check(first_total <= gzip + OVERHEAD_ALLOWANCE, || {
            format!("first visit {first_total} B is above the gzip -9 sizes {gzip} B + {OVERHEAD_ALLOWANCE} B")
        })?;
        check(first_total * 2 < raw, || format!("first visit {first_total} B is not well under raw {raw} B"))?;
        // The reload: the hashed files from the cache, the page at most once.
        for e in second.iter().chain(&third) {
            if ui_size::is_hashed_name(&e.path) {
                check(e.transfer == 0, || format!("a reload fetched {} again: {e:?}", e.path))?;
            }
        }
        check(share < RELOAD_SHARE_LIMIT, || {
            format!("the reload transferred {second_total} B, {:.1} % of the first visit", share * 100.0)
        })?;
        check(third_total <= second_total, || format!("third visit {third_total} B > second {second_total} B"))?;
        // Chromium reports a revalidated entry with the cached body's sizes
        // and status 200; only its transfer (the 304's headers) shows it.
        let page_again = third.iter().find(|e| e.path == "/");
        check(
            page_again.is_some_and(|e| e.transfer > 0 && e.transfer < e.encoded),
            || format!("the third visit's page was not revalidated with a 304: {page_again:?}"),
        )?;
        Ok::<(), Problem>(())
    })
}
