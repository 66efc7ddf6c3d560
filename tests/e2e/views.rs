//! Issue 20 in headless Chromium: the page's views with addresses
//! (`#/guided`, `#/console`, `#/diagnostics`, `#/inbox`, `#/saved`), the
//! pictures (step timeline, certificate chain, diagnostics grid), themes,
//! shortcuts, the layout at 360 px and an axe-core accessibility scan,
//! with screenshots of every view at three widths (one of them is the
//! README's picture, docs/screenshot.png).
//!
//! The rig: a test CA, the real Postfix with its TLS listeners presenting a
//! certificate from it, a slow forwarder in front of Postfix (so a session
//! lasts long enough to change views or press Esc while it runs), the real
//! bridge with the UI embedded, and one chromedriver; each trial opens its
//! own Chromium session. The ids the trials use are the UI
//! contract (frontend/src/app.rs documents them).

#[path = "views/app.rs"]
mod app;
#[path = "views/look.rs"]
mod look;
#[path = "views/navigation.rs"]
mod navigation;
#[path = "views/pictures.rs"]
mod pictures;
#[path = "views/sequence.rs"]
mod sequence;
#[path = "views/slow_proxy.rs"]
mod slow_proxy;

use std::future::Future;
use std::time::Duration;

use libtest_mimic::Failed;
use smtplab_e2e::browser::{axe_source, open_app, require_built_ui, Browser, Page, Problem};
use smtplab_e2e::postfix::TlsPorts;
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::{Bridge, MailServer, TestCa};

use slow_proxy::SlowProxy;

/// How long the app gets to load, render and reach the bridge.
const APP_READY: Duration = Duration::from_secs(15);
/// The name of the test CA (the issuer of Postfix's certificate).
const CA_NAME: &str = "smtplab views test CA";
/// How long the slow forwarder waits before it connects to Postfix: time
/// enough to change views while the session waits for its greeting.
const SLOW_CONNECT: Duration = Duration::from_millis(1500);
/// How late the slow forwarder hands on each piece of Postfix's answer.
const SLOW_REPLY: Duration = Duration::from_millis(150);

/// Shared by every trial.
struct Rig {
    ca: TestCa,
    server: MailServer,
    /// Postfix's STARTTLS submission and implicit-TLS listeners.
    ports: TlsPorts,
    /// The slow road to Postfix's plaintext listener.
    slow: SlowProxy,
    bridge: Bridge,
    browser: Browser,
    /// axe-core's `axe.min.js`, or why it is missing (only the scan needs it).
    axe: Result<String, String>,
}

fn main() {
    require_built_ui();
    run_with_rig(
        "views e2e",
        start_rig,
        &[
            (
                "each_view_loads_by_its_url_with_the_others_hidden",
                navigation::reachable_by_url,
            ),
            (
                "each_view_is_reached_by_tab_and_enter_and_gets_focus",
                navigation::reachable_by_keyboard,
            ),
            (
                "back_returns_to_the_previous_view_and_reload_keeps_it",
                navigation::back_button,
            ),
            (
                "run_started_in_guided_completes_while_console_is_shown",
                navigation::run_in_background,
            ),
            (
                "ctrl_enter_runs_from_any_view_and_escape_cancels",
                navigation::shortcuts,
            ),
            (
                "help_overlay_opens_with_question_mark_and_lists_the_shortcuts",
                navigation::help_overlay,
            ),
            (
                "timeline_has_one_bar_per_step_with_widths_in_proportion",
                pictures::timeline,
            ),
            (
                "certificate_picture_shows_the_test_postfix_chain",
                pictures::cert_chain,
            ),
            (
                "diagnostics_grid_has_one_cell_per_check_and_server",
                pictures::diag_grid,
            ),
            (
                "transcript_diagram_has_an_arrow_per_command_and_no_credentials",
                sequence::sequence_diagram,
            ),
            (
                "dark_theme_follows_prefers_color_scheme_and_the_switch_overrides",
                look::dark_theme,
            ),
            ("no_view_scrolls_sideways_at_360_px", look::narrow),
            (
                "axe_finds_no_serious_or_critical_violation_on_any_view",
                look::axe_scan,
            ),
            (
                "screenshots_of_every_view_at_360_1024_1440_and_the_readme_picture",
                look::screenshots,
            ),
        ],
    );
}

fn start_rig() -> Result<Rig, String> {
    // chromedriver starts while Postfix and the bridge come up.
    let browser = Browser::start_in_background();
    let ca = TestCa::new(CA_NAME).map_err(|e| format!("test CA: {e}"))?;
    let (server, ports) = MailServer::start_with_tls_from(&ca)?;
    let slow = SlowProxy::start(server.addr(), SLOW_CONNECT, SLOW_REPLY)?;
    let extra = [
        "--allow-port".to_owned(),
        ports.submission.to_string(),
        "--allow-port".to_owned(),
        slow.port().to_string(),
    ];
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let bridge = Bridge::spawn(server.port(), &extra).map_err(|e| e.to_string())?;
    let browser = browser.finish().map_err(|e| e.to_string())?;
    Ok(Rig {
        ca,
        server,
        ports,
        slow,
        bridge,
        browser,
        axe: axe_source().map_err(|e| e.to_string()),
    })
}

/// Runs `body` on a fresh page (see [`Browser::trial`]) with the app open
/// at `#/start` in English and the bridge ready; a failure also shows the
/// bridge's stderr.
fn on_page<F, Fut>(rig: &Rig, name: &str, start: &str, body: F) -> Result<(), Failed>
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = Result<(), Problem>>,
{
    rig.browser.trial(
        &format!("views-{name}"),
        || format!("--- bridge stderr ---\n{}", rig.bridge.stderr()),
        |page| async move {
            open_app(&page, &app::url(rig, start), APP_READY).await?;
            page.select("#lang-select", "en").await?;
            body(page).await
        },
    )
}
