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
use std::net::{Ipv4Addr, TcpListener};
use std::sync::RwLock;
use std::time::Duration;

use libtest_mimic::Failed;
use smtplab_bench::stats::median;
use smtplab_e2e::browser::{
    check, open_app, require_built_ui, run_to_verdict, Browser, Page, Problem,
};
use smtplab_e2e::first_render::{measure, Timings};
use smtplab_e2e::guided_form::{fill_form, FormInput};
use smtplab_e2e::postfix::USER;
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::ui_size::{self, DistFile};
use smtplab_e2e::{Bridge, MailServer};
use smtplab_shared::smtp::{base64_encode, explain_code, ReplyCode};

/// How long the app gets to load, render and reach the bridge.
const APP_READY: Duration = Duration::from_secs(15);
/// How long a guided session gets to reach its verdict.
const VERDICT: Duration = Duration::from_secs(20);
/// The delivered page's picture (tests/artifacts/delivered.png): the top
/// of the page, from the header to the end of the transcript. The README's
/// picture is tests/e2e/views.rs's.
const SHOT_HEIGHT: u64 = 1100;
/// Navigations measured for the first-render figure.
const MEASURED_NAVIGATIONS: usize = 5;
/// The EHLO name the guided form sends.
const EHLO: &str = "browser-e2e.smtplab.test";

/// Shared by every trial.
struct Rig {
    server: MailServer,
    bridge: Bridge,
    browser: Browser,
    /// `dist/` as it was when the bridge was built: other builds may
    /// rewrite `dist/` while the trials run.
    dist: Vec<DistFile>,
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

fn start_rig() -> Result<Rig, String> {
    // chromedriver starts while Postfix and the bridge build come up.
    let browser = Browser::start_in_background();
    let dist = ui_size::read_dist()?;
    let server = MailServer::start().map_err(|e| e.to_string())?;
    let bridge = Bridge::spawn(server.port(), &[]).map_err(|e| e.to_string())?;
    let browser = browser.finish().map_err(|e| e.to_string())?;
    Ok(Rig {
        server,
        bridge,
        browser,
        dist,
        exclusive: RwLock::new(()),
    })
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
                ehlo: EHLO,
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

        page.screenshot("delivered.png", SHOT_HEIGHT).await?;

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
                ehlo: EHLO,
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
                ehlo: EHLO,
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
        // The console connects to the guided form's server.
        page.show_view("console").await?;
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

fn first_render_and_size(rig: &Rig) -> Result<(), Failed> {
    let url = rig.bridge.url().to_owned();
    let mut cold = Vec::new();
    for _ in 0..MEASURED_NAVIGATIONS {
        // A fresh session per navigation: empty cache, as a first visit.
        let (url, cold) = (&url, &mut cold);
        on_page(rig, "first-render", true, |page| async move {
            cold.push(measure(&page, url, APP_READY).await?);
            Ok(())
        })?;
    }
    let mut warm = Vec::new();
    let (url_ref, warm_ref, dist) = (&url, &mut warm, &rig.dist);
    on_page(rig, "first-render-warm", true, |page| async move {
        for _ in 0..MEASURED_NAVIGATIONS {
            warm_ref.push(measure(&page, url_ref, APP_READY).await?);
        }
        // The bridge serves exactly the dist/ build (it embeds it when compiled).
        for file in dist {
            ui_size::check_served(&page, file).await?;
        }
        Ok(())
    })?;
    if cold.len() != MEASURED_NAVIGATIONS || warm.len() != MEASURED_NAVIGATIONS {
        return Err("some navigations were not measured".into());
    }
    let mid = |runs: &[Timings], f: fn(&Timings) -> f64| {
        median(&runs.iter().map(f).collect::<Vec<_>>()).unwrap_or(f64::NAN)
    };
    println!(
        "\nfirst render (first-contentful-paint, median of {MEASURED_NAVIGATIONS}): cold {:.0} ms \
         (DOMContentLoaded {:.0} ms, wasm fetched {:.0} ms), warm reload {:.0} ms",
        mid(&cold, |t| t.fcp),
        mid(&cold, |t| t.dcl),
        mid(&cold, |t| t.wasm),
        mid(&warm, |t| t.fcp),
    );
    println!(
        "  cold runs: {:?}",
        cold.iter().map(|t| t.fcp.round()).collect::<Vec<_>>()
    );
    println!(
        "  warm runs: {:?}",
        warm.iter().map(|t| t.fcp.round()).collect::<Vec<_>>()
    );
    for file in &rig.dist {
        println!(
            "  dist/{}: {} bytes raw, {} bytes gzip -9",
            file.name,
            file.raw_len(),
            file.gzip_len()?
        );
    }
    println!("  (the full table with the budgets: scripts/bench.sh, docs/benchmarks.md)");
    Ok(())
}
