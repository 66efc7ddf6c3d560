//! How the page looks: the dark theme and its switch, no sideways scroll
//! on a 360 px phone, the axe-core scan of every view in both themes, and
//! the screenshots (tests/artifacts/views-*.png, docs/screenshot.png).

use std::path::Path;
use std::time::Duration;

use libtest_mimic::Failed;
use serde_json::{json, Value};
use smtplab_e2e::browser::{check, open_app, ColorScheme, Page, Problem};

use crate::app::{self, fill_every_view, show, VIEWS, VIEW_CHANGE};
use crate::{on_page, Rig, APP_READY};

/// The widths every view is photographed at: a phone, a small laptop, a
/// wide screen.
const SHOT_WIDTHS: [u32; 3] = [360, 1024, 1440];
/// The window height the pages are laid out in (a screenshot grows it).
const HEIGHT: u32 = 900;
/// The tallest screenshot of a view.
const SHOT_MAX_HEIGHT: u64 = 4000;
/// The README's picture: the guided view after a delivered run at 1440 px,
/// from the header down this far.
const README_WIDTH: u32 = 1440;
const README_HEIGHT: u64 = 1100;
/// How long a theme change may animate before colours are measured.
const SETTLE: Duration = Duration::from_millis(600);

/// The theme as the page has it.
#[derive(Debug)]
struct Theme {
    /// `<html data-theme>`.
    effective: String,
    /// `#theme-select`'s value.
    chosen: String,
    /// `localStorage["smtplab.theme"]`.
    stored: Option<String>,
    /// The page background's relative luminance (0 black … 1 white): the
    /// body's colour, or the root's where the body's is transparent.
    luminance: f64,
    /// That colour, as the browser draws it (RGBA).
    rgba: Value,
}

const THEME: &str = "const paint = c => { const cv = document.createElement('canvas'); cv.width = cv.height = 1; \
      const x = cv.getContext('2d'); x.fillStyle = c; x.fillRect(0, 0, 1, 1); return [...x.getImageData(0, 0, 1, 1).data]; };\
    let px = paint(getComputedStyle(document.body).backgroundColor);\
    if (px[3] === 0) px = paint(getComputedStyle(document.documentElement).backgroundColor);\
    const sel = document.getElementById('theme-select');\
    return { effective: document.documentElement.dataset.theme || '', chosen: sel ? sel.value : '',\
      stored: localStorage.getItem('smtplab.theme'), rgba: px };";

/// WCAG's relative luminance of an sRGB colour.
fn luminance(rgba: &Value) -> f64 {
    let channel = |i: usize| {
        let c = rgba[i].as_f64().unwrap_or(255.0) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    // A transparent root is drawn on the browser's white canvas.
    if rgba[3].as_f64() == Some(0.0) {
        return 1.0;
    }
    0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
}

async fn theme(page: &Page) -> Result<Theme, Problem> {
    let v = page.eval(THEME, vec![]).await?;
    let text = |key: &str| v[key].as_str().unwrap_or_default().to_owned();
    Ok(Theme {
        effective: text("effective"),
        chosen: text("chosen"),
        stored: v["stored"].as_str().map(str::to_owned),
        luminance: luminance(&v["rgba"]),
        rgba: v["rgba"].clone(),
    })
}

/// Waits for `<html data-theme=want>`, lets the colours settle, and checks
/// the background is dark or light to match.
async fn expect_theme(page: &Page, want: &str, why: &str) -> Result<Theme, Problem> {
    page.wait_for_attr("html", "data-theme", &[want], VIEW_CHANGE)
        .await
        .map_err(|e| Problem::Check(format!("{why}: {e}")))?;
    tokio::time::sleep(SETTLE).await;
    let now = theme(page).await?;
    let fits = if want == "dark" {
        now.luminance < 0.2
    } else {
        now.luminance > 0.6
    };
    check(fits && now.effective == want, || {
        format!(
            "{why}: data-theme={:?} (want {want}), the background {} has luminance {:.2}",
            now.effective, now.rgba, now.luminance
        )
    })?;
    Ok(now)
}

pub(crate) fn dark_theme(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "dark-theme", "guided", |page| async move {
        let url = app::url(rig, "guided");
        page.emulate_color_scheme(Some(ColorScheme::Dark)).await?;
        page.goto("about:blank").await?;
        open_app(&page, &url, APP_READY).await?;
        let first = expect_theme(&page, "dark", "prefers-color-scheme: dark").await?;
        check(first.chosen == "auto" && first.stored.is_none(), || {
            format!("a first visit's theme switch: {first:?}, want auto and nothing stored")
        })?;

        page.select("#theme-select", "light").await?;
        let light = expect_theme(&page, "light", "the switch set to light").await?;
        check(light.stored.as_deref() == Some("light"), || {
            format!("the chosen theme is not remembered: {light:?}")
        })?;
        page.goto("about:blank").await?;
        open_app(&page, &url, APP_READY).await?;
        let kept = expect_theme(&page, "light", "light chosen, then a reload").await?;
        check(kept.chosen == "light", || {
            format!("after a reload the switch shows {:?}", kept.chosen)
        })?;

        page.select("#theme-select", "auto").await?;
        expect_theme(&page, "dark", "back to auto under a dark preference").await?;
        // Auto follows the system's preference as it changes.
        page.emulate_color_scheme(Some(ColorScheme::Light)).await?;
        expect_theme(&page, "light", "auto, the preference changed to light").await?;
        page.select("#theme-select", "dark").await?;
        expect_theme(
            &page,
            "dark",
            "the switch set to dark under a light preference",
        )
        .await?;
        page.emulate_color_scheme(None).await?;
        Ok(())
    })
}

/// Whether the document scrolls sideways, and which elements and texts
/// reach past the right edge outside any scrolling box of their own (for
/// the failure message).
async fn sideways(page: &Page) -> Result<Option<String>, Problem> {
    let v = page.eval(SIDEWAYS, vec![]).await?;
    let (scroll, width) = (
        v[0].as_f64().unwrap_or(f64::MAX),
        v[1].as_f64().unwrap_or(0.0),
    );
    Ok((scroll > width).then(|| {
        format!(
            "scrollWidth {scroll} > clientWidth {width}; past the edge: {}",
            v[2]
        )
    }))
}

const SIDEWAYS: &str = "const s = document.scrollingElement; const w = s.clientWidth; const out = [];\
    const name = e => { const up = e.id ? null : e.closest('[id]'); return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + \
      (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + \
      (up ? ' (in #' + up.id + ')' : ''); };\
    const clipped = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) \
      { if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };\
    const past = r => r.width > 0 && r.right + scrollX > w + 1;\
    for (const e of document.querySelectorAll('body *')) { const r = e.getBoundingClientRect();\
      if (past(r) && !clipped(e)) out.push(name(e) + ' (right ' + Math.round(r.right + scrollX) + ')'); }\
    const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); const range = document.createRange();\
    while (texts.nextNode()) { const t = texts.currentNode; if (!t.textContent.trim() || clipped(t)) continue;\
      range.selectNodeContents(t); const r = [...range.getClientRects()].find(past);\
      if (r) out.push('text ' + JSON.stringify(t.textContent.trim().slice(0, 50)) + ' in ' + name(t.parentElement) + \
        ' (right ' + Math.round(r.right + scrollX) + ')'); }\
    return [s.scrollWidth, w, out.slice(0, 12)];";

pub(crate) fn narrow(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "narrow", "guided", |page| async move {
        page.set_viewport(360, HEIGHT).await?;
        fill_every_view(&page, rig).await?;
        let mut wide = Vec::new();
        for view in VIEWS {
            show(&page, view).await?;
            if let Some(why) = sideways(&page).await? {
                wide.push(format!("{view}: {why}"));
                page.screenshot(&format!("views-narrow-{view}-failure.png"), SHOT_MAX_HEIGHT)
                    .await?;
            }
        }
        check(wide.is_empty(), || {
            format!(
                "at 360 px these views scroll sideways:\n{}",
                wide.join("\n")
            )
        })
    })
}

pub(crate) fn axe_scan(rig: &Rig) -> Result<(), Failed> {
    let source = rig.axe.clone().map_err(Failed::from)?;
    on_page(rig, "axe", "guided", |page| async move {
        fill_every_view(&page, rig).await?;
        let mut serious = Vec::new();
        let mut milder = std::collections::BTreeSet::new();
        for theme in ["light", "dark"] {
            page.select("#theme-select", theme).await?;
            page.wait_for_attr("html", "data-theme", &[theme], VIEW_CHANGE)
                .await?;
            tokio::time::sleep(SETTLE).await;
            for view in VIEWS {
                show(&page, view).await?;
                for violation in page.axe_violations(&source).await? {
                    if violation.is_serious() {
                        serious.push(format!("{view} view, {theme} theme: {violation}"));
                    } else {
                        milder.insert(format!(
                            "{} ({})",
                            violation.id,
                            violation.impact.as_deref().unwrap_or("?")
                        ));
                    }
                }
            }
        }
        println!("axe: minor or moderate rules broken somewhere (not refused): {milder:?}");
        check(serious.is_empty(), || {
            format!(
                "axe-core found {} serious or critical violation(s):\n{}",
                serious.len(),
                serious.join("\n")
            )
        })
    })
}

pub(crate) fn screenshots(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "screenshots", "guided", |page| async move {
        page.set_viewport(README_WIDTH, HEIGHT).await?;
        fill_every_view(&page, rig).await?;
        for width in SHOT_WIDTHS {
            page.set_viewport(width, HEIGHT).await?;
            for view in VIEWS {
                show(&page, view).await?;
                page.screenshot(&format!("views-{view}-{width}.png"), SHOT_MAX_HEIGHT)
                    .await?;
            }
        }
        page.set_viewport(README_WIDTH, HEIGHT).await?;
        show(&page, "guided").await?;
        let kind = page
            .eval(
                "return document.getElementById('verdict').dataset.verdict;",
                vec![],
            )
            .await?;
        check(kind == json!("delivered"), || {
            format!("the README picture would show verdict {kind}, want delivered")
        })?;
        let shot = page
            .screenshot(&format!("views-readme-{README_WIDTH}.png"), README_HEIGHT)
            .await?;
        let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshot.png");
        std::fs::copy(&shot, &readme)
            .map_err(|e| format!("copy {} to {}: {e}", shot.display(), readme.display()))?;
        page.select("#theme-select", "dark").await?;
        page.wait_for_attr("html", "data-theme", &["dark"], VIEW_CHANGE)
            .await?;
        tokio::time::sleep(SETTLE).await;
        page.screenshot(
            &format!("views-guided-{README_WIDTH}-dark.png"),
            SHOT_MAX_HEIGHT,
        )
        .await?;
        Ok(())
    })
}
