//! The real UI (the `dist/` build embedded in the real `smtplab` binary) in
//! headless Chromium, driven through WebDriver, against the real Postfix:
//! a delivery through the guided form, a wrong password, a closed port, EHLO
//! typed in the raw console, and the time to first render.
//!
//! One [`MailServer`], one [`Bridge`] and one chromedriver serve every trial;
//! each trial opens its own Chromium session. The measuring trial runs alone
//! (it takes the rig's lock exclusively) so the other trials do not skew it.
//! The rig is dropped, and chromedriver and Chromium killed, before exit.

use std::future::Future;
use std::io::Write as _;
use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::sync::RwLock;
use std::time::Duration;

use libtest_mimic::Failed;
use serde_json::{json, Value};
use smtplab_e2e::browser::{
    check, dist_dir, open_app, require_built_ui, run_to_verdict, Browser, Page, Problem,
};
use smtplab_e2e::postfix::USER;
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::{Bridge, MailServer};
use smtplab_shared::smtp::{base64_encode, explain_code, ReplyCode};

/// How long the app gets to load, render and reach the bridge.
const APP_READY: Duration = Duration::from_secs(15);
/// How long a guided session gets to reach its verdict.
const VERDICT: Duration = Duration::from_secs(20);
/// The README picture: the top of the page, from the header to the end of
/// the transcript.
const README_SHOT_HEIGHT: u64 = 1100;
/// Navigations measured for the first-render figure.
const MEASURED_NAVIGATIONS: usize = 5;

/// Shared by every trial.
struct Rig {
    server: MailServer,
    bridge: Bridge,
    browser: Browser,
    /// `dist/` as it was when the bridge was built (name, bytes): other
    /// builds may rewrite `dist/` while the trials run.
    dist: Vec<(&'static str, Vec<u8>)>,
    /// Read by ordinary trials, written by the measuring one, so that it
    /// runs alone.
    exclusive: RwLock<()>,
}

fn main() {
    require_built_ui();
    run_with_rig(
        "browser e2e",
        start_rig,
        &[
            (
                "guided_auth_login_session_delivers_in_chromium",
                guided_session_delivers,
            ),
            (
                "wrong_password_shows_535_explained_and_fails_at_auth",
                wrong_password_fails_at_auth,
            ),
            (
                "closed_port_shows_connection_refused_in_words",
                closed_port_is_explained,
            ),
            (
                "console_ehlo_typed_by_hand_shows_capabilities",
                console_ehlo_by_hand,
            ),
            ("first_render_time_and_wasm_size", first_render_and_size),
            (
                "narrow_window_fits_and_the_keyboard_alone_runs_a_session",
                narrow_window_and_keyboard_only,
            ),
        ],
    );
}

/// Runs `body` on a fresh page (see [`Browser::trial`]); `exclusive` trials
/// run alone, so timing figures are not skewed by trials in parallel.
fn on_page<F, Fut>(rig: &Rig, name: &str, exclusive: bool, body: F) -> Result<(), Failed>
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = Result<(), Problem>>,
{
    let _shared = (!exclusive).then(|| rig.exclusive.read());
    let _alone = exclusive.then(|| rig.exclusive.write());
    rig.browser.trial(name, String::new, body)
}

/// The built UI files, as served.
const DIST_FILES: [&str; 3] = ["smtplab_bg.wasm", "smtplab.js", "index.html"];

fn start_rig() -> Result<Rig, String> {
    // chromedriver starts while Postfix and the bridge build come up.
    let browser = std::thread::spawn(Browser::start);
    let mut dist = Vec::new();
    for name in DIST_FILES {
        let bytes =
            std::fs::read(dist_dir().join(name)).map_err(|e| format!("read dist/{name}: {e}"))?;
        dist.push((name, bytes));
    }
    let server = MailServer::start().map_err(|e| e.to_string())?;
    let bridge = Bridge::spawn(server.port(), &[]).map_err(|e| e.to_string())?;
    let browser = browser
        .join()
        .map_err(|_| "chromedriver start panicked".to_owned())?;
    let browser = browser.map_err(|e| e.to_string())?;
    Ok(Rig {
        server,
        bridge,
        browser,
        dist,
        exclusive: RwLock::new(()),
    })
}

/// What the guided form is filled with.
struct FormInput<'a> {
    port: u16,
    /// User name and password for AUTH LOGIN; `None` for no AUTH.
    login: Option<(&'a str, &'a str)>,
    subject: &'a str,
    body: &'a str,
}

async fn fill_form(page: &Page, input: &FormInput<'_>) -> Result<(), Problem> {
    page.fill("#server-host", "127.0.0.1").await?;
    page.fill("#server-port", &input.port.to_string()).await?;
    page.fill("#ehlo-name", "browser-e2e.smtplab.test").await?;
    if let Some((user, password)) = input.login {
        page.select("#auth-mechanism", "login").await?;
        page.fill("#auth-username", user).await?;
        page.fill("#auth-password", password).await?;
    } else {
        page.select("#auth-mechanism", "none").await?;
    }
    page.fill("#mail-from", USER).await?;
    page.fill("#rcpt-to-0", USER).await?;
    page.fill("#subject", input.subject).await?;
    page.fill("#body", input.body).await?;
    Ok(())
}

fn explanation(code: u16) -> &'static str {
    ReplyCode::new(code).map_or("", explain_code)
}

fn guided_session_delivers(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "delivered", false, |page| async move {
        let url = rig.bridge.url();
        open_app(&page, url, APP_READY).await?;
        let href = page.eval("return window.location.href;", vec![]).await?;
        let href = href.as_str().unwrap_or_default().to_owned();
        check(
            !href.contains("token") && !href.contains(rig.bridge.token()),
            || format!("the token stayed in the address bar: {href}"),
        )?;

        let needle = format!("browser-needle-{}", rig.server.port());
        let body = format!(
            "Hello from smtplab in headless Chromium.\n.a line that begins with a dot\n{needle}"
        );
        let password = rig.server.password();
        fill_form(
            &page,
            &FormInput {
                port: rig.server.port(),
                login: Some((rig.server.user(), password)),
                subject: "smtplab browser e2e",
                body: &body,
            },
        )
        .await?;
        let (kind, verdict) = run_to_verdict(&page, VERDICT).await?;
        check(kind == "delivered", || {
            format!("verdict {kind:?}: {verdict}")
        })?;
        check(verdict.contains("queued as"), || {
            format!("no queue id in the verdict: {verdict}")
        })?;

        let steps = page
            .eval(
                "return [...document.querySelectorAll('[data-testid=step]')].map(li => \
                 [li.dataset.step, li.dataset.status, li.querySelector('.step-time')?.innerText ?? '']);",
                vec![],
            )
            .await?;
        let steps: Vec<(String, String, String)> =
            serde_json::from_value(steps.clone()).map_err(|e| format!("step list {steps}: {e}"))?;
        check(steps.len() >= 5, || format!("too few steps: {steps:?}"))?;
        for (step, status, time) in &steps {
            let ms = time.strip_suffix(" ms").and_then(|n| n.parse::<u64>().ok());
            check(status == "ok" && ms.is_some(), || {
                format!(
                    "step {step} shows {status:?} {time:?}, want ok with a time in ms: {steps:?}"
                )
            })?;
        }

        let message = rig
            .server
            .wait_for_message(USER, &needle, Duration::from_secs(15))?;
        check(
            message
                .lines()
                .any(|l| l == ".a line that begins with a dot"),
            || format!("the dot line did not arrive intact:\n{message}"),
        )?;
        check(
            message.contains("Subject: smtplab browser e2e")
                && message.contains("Hello from smtplab in headless Chromium."),
            || format!("subject or body missing:\n{message}"),
        )?;

        let transcript = page.text("#transcript").await?.unwrap_or_default();
        check(
            transcript.contains("334 VXNlcm5hbWU6") && transcript.contains("(Username:)"),
            || format!("no decoded LOGIN challenge in the transcript:\n{transcript}"),
        )?;
        let encoded = base64_encode(password);
        check(
            !transcript.contains(password) && !transcript.contains(&encoded),
            || format!("the password shows while masked:\n{transcript}"),
        )?;

        let shot = page.screenshot("delivered.png", README_SHOT_HEIGHT).await?;
        let readme_shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshot.png");
        std::fs::copy(&shot, &readme_shot)
            .map_err(|e| format!("copy {} to {}: {e}", shot.display(), readme_shot.display()))?;

        page.click("#reveal-secrets").await?;
        page.wait_for_text("#transcript", &encoded, Duration::from_secs(5))
            .await?;
        Ok(())
    })
}

fn wrong_password_fails_at_auth(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "wrong-password", false, |page| async move {
        open_app(&page, rig.bridge.url(), APP_READY).await?;
        fill_form(
            &page,
            &FormInput {
                port: rig.server.port(),
                login: Some((rig.server.user(), "not-the-password")),
                subject: "never sent",
                body: "never sent",
            },
        )
        .await?;
        let (kind, verdict) = run_to_verdict(&page, VERDICT).await?;
        check(kind == "failed", || {
            format!("verdict {kind:?}, want failed: {verdict}")
        })?;
        check(
            verdict.contains("Failed at AUTH") && verdict.contains("535"),
            || format!("the verdict does not say AUTH and 535: {verdict}"),
        )?;
        let words = explanation(535);
        check(!words.is_empty() && verdict.contains(words), || {
            format!("the verdict lacks the 535 explanation {words:?}: {verdict}")
        })?;
        let transcript = page.text("#transcript").await?.unwrap_or_default();
        check(
            transcript.contains("535 5.7.8") && transcript.contains(words),
            || format!("the transcript lacks 535 5.7.8 and its explanation:\n{transcript}"),
        )?;
        page.wait_for_attr(
            "[data-step=AUTH]",
            "data-status",
            &["failed"],
            Duration::from_secs(2),
        )
        .await?;
        Ok(())
    })
}

fn closed_port_is_explained(rig: &Rig) -> Result<(), Failed> {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("probe a port: {e}"))?
        .port();
    // The listener is closed again: nothing listens on `port` now.
    let bridge = Bridge::spawn(port, &[]).map_err(|e| e.to_string())?;
    on_page(rig, "closed-port", false, |page| async move {
        open_app(&page, bridge.url(), APP_READY).await?;
        fill_form(
            &page,
            &FormInput {
                port,
                login: None,
                subject: "never sent",
                body: "never sent",
            },
        )
        .await?;
        let (kind, verdict) = run_to_verdict(&page, VERDICT).await?;
        check(
            kind == "failed" && verdict.contains("Failed at connect"),
            || format!("verdict {kind:?}, want failed at connect: {verdict}"),
        )?;
        // frontend/src/problem.rs, `describe_error(ErrorCode::Refused, …)`.
        let words = format!(
            "Connection refused by 127.0.0.1:{port}: nothing listens on that port, or a firewall rejects the connection."
        );
        let text = page.text("body").await?.unwrap_or_default();
        check(verdict.contains(&words) && text.contains(&words), || {
            format!("the refusal is not explained as {words:?}; verdict: {verdict}")
        })?;
        Ok(())
    })
}

fn console_ehlo_by_hand(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "console", false, |page| async move {
        open_app(&page, rig.bridge.url(), APP_READY).await?;
        page.fill("#server-host", "127.0.0.1").await?;
        page.fill("#server-port", &rig.server.port().to_string())
            .await?;
        page.click("#console-connect").await?;
        page.wait_for_attr(
            "#console-status",
            "data-status",
            &["connected"],
            Duration::from_secs(10),
        )
        .await?;
        page.wait_for_text("#console-transcript", "220 ", Duration::from_secs(10))
            .await?;
        page.fill("#console-input", "EHLO console.smtplab.test")
            .await?;
        page.type_keys("#console-input", "\u{E007}").await?;
        let text = page
            .wait_for_text("#console-transcript", "250-AUTH", Duration::from_secs(10))
            .await?;
        for needle in [
            "EHLO console.smtplab.test",
            "250-PIPELINING",
            "LOGIN",
            &format!("250: {}", explanation(250)),
            &format!("220: {}", explanation(220)),
        ] {
            check(text.contains(needle), || {
                format!("console transcript lacks {needle:?}:\n{text}")
            })?;
        }
        page.click("#console-quit").await?;
        page.wait_for_attr(
            "#console-status",
            "data-status",
            &["disconnected"],
            Duration::from_secs(10),
        )
        .await?;
        Ok(())
    })
}

/// At 400 px wide nothing scrolls sideways, and a session runs with the
/// keyboard alone: Tab reaches every form control and the Run button in
/// order, and Enter on Run starts it.
fn narrow_window_and_keyboard_only(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "narrow-keyboard", false, |page| async move {
        page.client()
            .set_window_size(400, 900)
            .await
            .map_err(|e| Problem::Check(format!("resize the window: {e}")))?;
        open_app(&page, rig.bridge.url(), APP_READY).await?;
        let widths = page
            .eval(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
                vec![],
            )
            .await?;
        let (scroll, inner) = (
            widths[0].as_f64().unwrap_or(f64::MAX),
            widths[1].as_f64().unwrap_or(0.0),
        );
        check(scroll <= inner + 1.0, || {
            format!("at 400 px the page is {scroll} px wide: it scrolls sideways")
        })?;
        // Typed values only (WebDriver sends key events); then walk the
        // focus order with Tab from the first field.
        page.fill("#server-host", "127.0.0.1").await?;
        page.fill("#server-port", &rig.server.port().to_string())
            .await?;
        page.select("#stop-after", "ehlo").await?;
        page.eval("document.getElementById('server-host').focus();", vec![])
            .await?;
        let mut order = Vec::new();
        for _ in 0..80 {
            let id = page
                .eval(
                    "return document.activeElement ? document.activeElement.id : '';",
                    vec![],
                )
                .await?;
            let id = id.as_str().unwrap_or_default().to_owned();
            order.push(id.clone());
            if id == "run-button" {
                break;
            }
            page.client()
                .active_element()
                .await
                .map_err(|e| Problem::Check(format!("active element: {e}")))?
                .send_keys("\u{E004}")
                .await
                .map_err(|e| Problem::Check(format!("press Tab: {e}")))?;
        }
        for id in [
            "server-host",
            "server-port",
            "ehlo-name",
            "auth-mechanism",
            "mail-from",
            "stop-after",
            "run-button",
        ] {
            check(order.iter().any(|seen| seen == id), || {
                format!("Tab never reached #{id}; focus order: {order:?}")
            })?;
        }
        let position = |id: &str| order.iter().position(|seen| seen == id);
        check(
            position("server-host") < position("server-port")
                && position("server-port") < position("run-button"),
            || format!("focus order is not the reading order: {order:?}"),
        )?;
        page.client()
            .active_element()
            .await
            .map_err(|e| Problem::Check(format!("active element: {e}")))?
            .send_keys("\u{E007}")
            .await
            .map_err(|e| Problem::Check(format!("press Enter: {e}")))?;
        page.wait_for_attr(
            "#verdict",
            "data-verdict",
            &["completed"],
            Duration::from_secs(30),
        )
        .await?;
        let wide = page
            .eval(
                "const w = document.documentElement.clientWidth; return [document.documentElement.scrollWidth, w, \
                 Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > w + 1) \
                 .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)];",
                vec![],
            )
            .await?;
        check(
            wide[0].as_f64().unwrap_or(f64::MAX) <= wide[1].as_f64().unwrap_or(0.0) + 1.0,
            || format!("after the run the page scrolls sideways at 400 px: {wide}"),
        )?;
        page.screenshot("narrow-keyboard.png", 1600).await?;
        Ok(())
    })
}

/// Timings of one navigation, from the page's Performance API (ms since
/// navigation start).
#[derive(Debug)]
struct Timings {
    /// First contentful paint: the body is empty until the app renders, so
    /// this is the app's first render on screen.
    fcp: f64,
    /// `DOMContentLoaded` done.
    dcl: f64,
    /// The wasm fetch finished.
    wasm: f64,
}

impl Timings {
    fn from_json(value: &Value) -> Result<Self, String> {
        let field = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_f64)
                .ok_or_else(|| format!("no {name} in {value}"))
        };
        Ok(Self {
            fcp: field("fcp")?,
            dcl: field("dcl")?,
            wasm: field("wasm")?,
        })
    }
}

const TIMINGS_JS: &str = "\
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];\
    const nav = performance.getEntriesByType('navigation')[0];\
    const wasm = performance.getEntriesByType('resource').find(r => r.name.includes('.wasm'));\
    if (!fcp || !nav || !wasm) return null;\
    return { fcp: fcp.startTime, dcl: nav.domContentLoadedEventEnd, wasm: wasm.responseEnd };";

async fn measure(page: &Page, url: &str) -> Result<Timings, Problem> {
    page.goto(url).await?;
    page.wait_for("#session-form", APP_READY).await?;
    let timings = page
        .poll(
            "paint and navigation timings",
            Duration::from_secs(5),
            || async {
                let value = page.eval(TIMINGS_JS, vec![]).await?;
                Ok(Timings::from_json(&value))
            },
        )
        .await?;
    Ok(timings)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// FNV-1a over `bytes`, the same as the page computes over the served wasm.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn gzip_len(bytes: &[u8]) -> Result<usize, String> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    Ok(encoder.finish().map_err(|e| e.to_string())?.len())
}

fn first_render_and_size(rig: &Rig) -> Result<(), Failed> {
    let url = rig.bridge.url().to_owned();
    let mut cold = Vec::new();
    for _ in 0..MEASURED_NAVIGATIONS {
        // A fresh session per navigation: empty cache, as a first visit.
        let (url, cold) = (&url, &mut cold);
        on_page(rig, "first-render", true, |page| async move {
            cold.push(measure(&page, url).await?);
            Ok(())
        })?;
    }
    let wasm = rig
        .dist
        .iter()
        .find(|(name, _)| *name == "smtplab_bg.wasm")
        .map(|(_, b)| b.clone())
        .unwrap_or_default();
    let mut warm = Vec::new();
    let (url_ref, warm_ref, wasm_ref) = (&url, &mut warm, &wasm);
    on_page(rig, "first-render-warm", true, |page| async move {
        for _ in 0..MEASURED_NAVIGATIONS {
            warm_ref.push(measure(&page, url_ref).await?);
        }
        // The bridge serves exactly the dist/ build (it embeds it when compiled).
        let served = page
            .eval(
                "return fetch('./smtplab_bg.wasm', {cache: 'no-store'}).then(r => r.arrayBuffer()).then(b => {\
                   const a = new Uint8Array(b); let h = 0x811c9dc5;\
                   for (const x of a) { h = Math.imul(h ^ x, 0x01000193) >>> 0; }\
                   return [a.length, h]; });",
                vec![],
            )
            .await?;
        let expected = json!([wasm_ref.len(), fnv1a(wasm_ref)]);
        check(served == expected, || {
            format!("the bridge serves another wasm ({served} vs dist {expected}): rebuild the bridge after build-ui")
        })?;
        Ok(())
    })?;
    let cold_fcp = median(cold.iter().map(|t| t.fcp).collect());
    let warm_fcp = median(warm.iter().map(|t| t.fcp).collect());
    println!(
        "\nfirst render (first-contentful-paint, median of {MEASURED_NAVIGATIONS}): cold {cold_fcp:.0} ms \
         (DOMContentLoaded {:.0} ms, wasm fetched {:.0} ms), warm reload {warm_fcp:.0} ms",
        median(cold.iter().map(|t| t.dcl).collect()),
        median(cold.iter().map(|t| t.wasm).collect()),
    );
    println!(
        "  cold runs: {:?}",
        cold.iter().map(|t| t.fcp.round()).collect::<Vec<_>>()
    );
    println!(
        "  warm runs: {:?}",
        warm.iter().map(|t| t.fcp.round()).collect::<Vec<_>>()
    );
    for (name, bytes) in &rig.dist {
        println!(
            "  dist/{name}: {} bytes raw, {} bytes gzip -9",
            bytes.len(),
            gzip_len(bytes)?
        );
    }
    if cold.len() != MEASURED_NAVIGATIONS || warm.len() != MEASURED_NAVIGATIONS {
        return Err("some navigations were not measured".into());
    }
    Ok(())
}
