//! The tab against the second MTA: the real UI in headless Chromium,
//! through the real bridge, against Exim 4.96 (`tests/src/exim.rs`) with a
//! `CA:TRUE` self-signed certificate and AUTH only after STARTTLS.
//!
//! - issue 15 item 1: the guided session says in words why the certificate
//!   is refused (a CA certificate used as the server's own; self-signed;
//!   the SHA-256 to pin), and with that pin in the CA field it verifies
//!   ("trusted exactly") and delivers;
//! - issue 15 item 3: the Diagnostics use STARTTLS when offered, with the
//!   guided session's CA field (the pin): "the user can send" passes with
//!   the credentials instead of failing on a 503 to a plaintext AUTH.

use std::future::Future;
use std::time::Duration;

use libtest_mimic::Failed;
use serde_json::json;
use smtplab_e2e::browser::{open_app, require_built_ui, Browser, BrowserError, Page, Problem};
use smtplab_e2e::exim::{Exim, DOMAIN};
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::Bridge;
use smtplab_shared::tls::fingerprint;

const APP_READY: Duration = Duration::from_secs(15);
const VERDICT: Duration = Duration::from_secs(30);
const RUN_DONE: Duration = Duration::from_secs(60);

struct Rig {
    exim: Exim,
    bridge: Bridge,
    browser: Browser,
}

fn main() {
    require_built_ui();
    run_with_rig(
        "browser Exim e2e",
        start_rig,
        &[
            (
                "ca_true_certificate_refused_in_words_then_pinned_and_delivered",
                guided_pin,
            ),
            (
                "diagnostics_use_starttls_and_the_guided_pin_so_can_send_passes",
                diagnostics_with_tls,
            ),
        ],
    );
}

fn start_rig() -> Result<Rig, String> {
    let browser = Browser::start_in_background();
    let exim = Exim::start().map_err(|e| e.to_string())?;
    let bridge = Bridge::spawn(exim.port(), &["--no-sandbox"]).map_err(|e| e.to_string())?;
    Ok(Rig {
        exim,
        bridge,
        browser: browser.finish().map_err(|e| e.to_string())?,
    })
}

fn err(e: BrowserError) -> String {
    e.to_string()
}

fn expect(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

fn on_page<F, Fut>(rig: &Rig, name: &str, body: F) -> Result<(), Failed>
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    rig.browser.trial(
        &format!("exim-{name}"),
        || {
            format!(
                "--- bridge stderr ---\n{}\n--- exim ---\n{}",
                rig.bridge.stderr(),
                rig.exim.log_tail(20)
            )
        },
        |page| async move {
            open_app(&page, rig.bridge.url(), APP_READY).await?;
            page.select("#lang-select", "en").await?;
            body(page).await.map_err(Problem::Check)
        },
    )
}

/// The guided form: STARTTLS to Exim with `ca` in the CA field.
async fn guided_form(page: &Page, rig: &Rig, ca: &str) -> Result<(), String> {
    page.fill("#server-host", "127.0.0.1").await.map_err(err)?;
    page.fill("#server-port", &rig.exim.port().to_string())
        .await
        .map_err(err)?;
    page.select("#tls-mode", "start_tls").await.map_err(err)?;
    page.fill("#ehlo-name", "browser-exim.smtplab.test")
        .await
        .map_err(err)?;
    page.fill("#tls-ca-pem", ca).await.map_err(err)
}

async fn run_guided(page: &Page, rig: &Rig) -> Result<(String, String, String), String> {
    page.select("#auth-mechanism", "plain").await.map_err(err)?;
    page.fill("#auth-username", rig.exim.user())
        .await
        .map_err(err)?;
    page.fill("#auth-password", rig.exim.password())
        .await
        .map_err(err)?;
    page.fill("#mail-from", rig.exim.user())
        .await
        .map_err(err)?;
    page.fill("#rcpt-to-0", &format!("postmaster@{DOMAIN}"))
        .await
        .map_err(err)?;
    page.fill("#subject", "smtplab browser exim")
        .await
        .map_err(err)?;
    page.fill("#body", "Pinned in the tab.")
        .await
        .map_err(err)?;
    page.click("#run-button").await.map_err(err)?;
    let kind = page
        .wait_for_attr(
            "#verdict",
            "data-verdict",
            &["delivered", "completed", "failed"],
            VERDICT,
        )
        .await
        .map_err(err)?;
    let result = page
        .wait_for_attr(
            "#tls-verification",
            "data-result",
            &["trusted", "failed", "skipped", "unchecked"],
            VERDICT,
        )
        .await
        .map_err(err)?;
    let text = page
        .text("#tls-verification")
        .await
        .map_err(err)?
        .unwrap_or_default();
    Ok((kind, result, text))
}

fn guided_pin(rig: &Rig) -> Result<(), Failed> {
    let sha = fingerprint(rig.exim.cert_der());
    on_page(rig, "guided-pin", |page| async move {
        // Nothing pasted: refused, in words, with the pin to use.
        guided_form(&page, rig, "").await?;
        let (kind, result, text) = run_guided(&page, rig).await?;
        expect(kind == "failed" && result == "failed", || {
            format!("{kind}/{result}: {text}")
        })?;
        for needle in [
            "self-signed",
            "CA certificate",
            "server's own certificate",
            sha.as_str(),
        ] {
            expect(text.contains(needle), || format!("no {needle:?} in {text}"))?;
        }
        expect(!text.contains("OtherError"), || text.clone())?;
        // The pin the words name: trusted exactly, delivered (on a fresh
        // load, so the first verdict is gone).
        open_app(&page, rig.bridge.url(), APP_READY)
            .await
            .map_err(|e| format!("reopen the app: {e:?}"))?;
        page.select("#lang-select", "en").await.map_err(err)?;
        guided_form(&page, rig, &format!("sha256 {sha}")).await?;
        let (kind, result, text) = run_guided(&page, rig).await?;
        expect(kind == "delivered" && result == "trusted", || {
            format!("{kind}/{result}: {text}")
        })?;
        expect(
            text.contains("trusted exactly") && text.contains(&sha),
            || text.clone(),
        )
    })
}

fn diagnostics_with_tls(rig: &Rig) -> Result<(), Failed> {
    let sha = fingerprint(rig.exim.cert_der());
    on_page(rig, "diagnostics", |page| async move {
        // The guided session's TLS choices: the pin in its CA field.
        guided_form(&page, rig, &format!("sha256 {sha}")).await?;
        page.show_view("diagnostics").await.map_err(err)?;
        page.wait_for("#diagnostics", APP_READY)
            .await
            .map_err(err)?;
        let port = rig.exim.port().to_string();
        let user = format!("postmaster@{DOMAIN}");
        for (css, value) in [
            ("#diag-host", "127.0.0.1"),
            ("#diag-port", port.as_str()),
            ("#diag-ehlo", "diag-exim.smtplab.test"),
            ("#diag-user", user.as_str()),
            ("#diag-from", rig.exim.user()),
            ("#diag-auth-user", rig.exim.user()),
            ("#diag-auth-password", rig.exim.password()),
        ] {
            page.fill(css, value).await.map_err(err)?;
        }
        page.click("#diag-run-server").await.map_err(err)?;
        page.wait_for_attr("#diag-progress", "data-running", &["false"], RUN_DONE)
            .await
            .map_err(err)?;
        let css = "#diag-result-can_send";
        let verdict = page
            .wait_for_attr(css, "data-verdict", &["pass", "warn", "fail"], VERDICT)
            .await
            .map_err(err)?;
        let text = page
            .eval(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                vec![json!(css)],
            )
            .await
            .map_err(err)?;
        let text = text.as_str().unwrap_or_default().to_owned();
        expect(verdict == "pass", || format!("can_send {verdict}: {text}"))?;
        expect(text.contains("succeeded") && !text.contains("503"), || {
            text.clone()
        })?;
        let relay = page
            .wait_for_attr(
                "#diag-result-open_relay",
                "data-verdict",
                &["pass", "warn", "fail"],
                VERDICT,
            )
            .await
            .map_err(err)?;
        expect(relay == "pass", || format!("open_relay {relay}"))
    })
}
