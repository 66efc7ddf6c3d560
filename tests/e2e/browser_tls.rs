//! TLS in the tab: the real UI (the `dist/` build embedded in the real
//! `smtplab` binary) in headless Chromium runs rustls in wasm, through the
//! real bridge, against a real Postfix presenting a certificate from a test
//! CA made at set-up: STARTTLS on the submission listener, implicit TLS on
//! the smtps one, an unknown issuer, a name mismatch and verification off.
//!
//! The mail side is the `tls` suite's rig (`tls/rig.rs`: the CA, Postfix
//! with its TLS listeners, one bridge allowed to reach them); one
//! chromedriver serves every trial and each trial opens its own Chromium
//! session. Everything is stopped before the process exits.

#[allow(dead_code)] // the native TLS helpers of the rig are not used here
#[path = "tls/rig.rs"]
mod rig;

use std::future::Future;
use std::time::Duration;

use libtest_mimic::Failed;
use serde_json::Value;
use smtplab_e2e::browser::require_built_ui;
use smtplab_e2e::browser::{open_app, Browser, BrowserError, Page, Problem};
use smtplab_e2e::postfix::OTHER_USER;
use smtplab_e2e::trials::run_with_rig;

use rig::{HOST, IP};

/// How long the app gets to load, render and reach the bridge.
const APP_READY: Duration = Duration::from_secs(15);
/// How long a session (handshake in wasm included) gets to its verdict.
const VERDICT: Duration = Duration::from_secs(30);

/// The mail rig and the browser, shared by every trial.
struct Rig {
    mail: rig::Rig,
    browser: Browser,
}

fn main() {
    require_built_ui();
    run_with_rig(
        "browser TLS e2e",
        start_rig,
        &[
            (
                "starttls_with_pasted_ca_is_trusted_and_delivers_in_chromium",
                starttls_delivers,
            ),
            (
                "implicit_tls_on_smtps_is_trusted_and_delivers",
                implicit_delivers,
            ),
            (
                "without_the_ca_fails_with_unknown_issuer_in_words",
                unknown_issuer_fails,
            ),
            (
                "by_ip_address_fails_with_name_mismatch_in_words",
                ip_is_a_name_mismatch,
            ),
            (
                "verify_off_delivers_and_says_not_verified",
                unverified_delivers,
            ),
            (
                "console_starttls_handshakes_in_the_tab_and_goes_on_encrypted",
                console_starttls,
            ),
            (
                "console_implicit_tls_reads_the_greeting_encrypted",
                console_implicit_tls,
            ),
        ],
    );
}

fn start_rig() -> Result<Rig, String> {
    let browser = Browser::start_in_background();
    let mail = rig::Rig::start()?;
    Ok(Rig {
        mail,
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

/// Runs `body` on a fresh page with the app open and the bridge ready (see
/// [`Browser::trial`]); a failure also shows the bridge's stderr.
fn on_page<F, Fut>(rig: &Rig, name: &str, body: F) -> Result<(), Failed>
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    rig.browser.trial(
        &format!("tls-{name}"),
        || format!("--- bridge stderr ---\n{}", rig.mail.bridge.stderr()),
        |page| async move {
            open_app(&page, rig.mail.bridge.url(), APP_READY).await?;
            page.select("#lang-select", "en").await?;
            body(page).await.map_err(Problem::Check)
        },
    )
}

/// A guided TLS session as the form gets it.
struct TlsForm<'a> {
    host: &'a str,
    port: u16,
    /// The `tls-mode` option value.
    mode: &'a str,
    /// Paste the test CA into `tls-ca-pem`.
    with_ca: bool,
    /// Leave "verify the certificate" on.
    verify: bool,
    needle: &'a str,
}

/// Fills the form (AUTH LOGIN as the test user, to bob) and clicks Run;
/// returns `(data-verdict, verdict text)`.
async fn run_session(
    page: &Page,
    rig: &Rig,
    form: &TlsForm<'_>,
) -> Result<(String, String), String> {
    let server = &rig.mail.server;
    page.fill("#server-host", form.host).await.map_err(err)?;
    page.fill("#server-port", &form.port.to_string())
        .await
        .map_err(err)?;
    page.select("#tls-mode", form.mode).await.map_err(err)?;
    page.fill("#ehlo-name", "browser-tls.smtplab.test")
        .await
        .map_err(err)?;
    if form.with_ca {
        page.fill("#tls-ca-pem", rig.mail.ca.pem())
            .await
            .map_err(err)?;
    }
    if !form.verify {
        page.click("#tls-verify").await.map_err(err)?;
        page.wait_for("#tls-verify-off", Duration::from_secs(5))
            .await
            .map_err(err)?;
    }
    page.select("#auth-mechanism", "login").await.map_err(err)?;
    page.fill("#auth-username", server.user())
        .await
        .map_err(err)?;
    page.fill("#auth-password", server.password())
        .await
        .map_err(err)?;
    page.fill("#mail-from", server.user()).await.map_err(err)?;
    page.fill("#rcpt-to-0", OTHER_USER).await.map_err(err)?;
    page.fill("#subject", &format!("smtplab browser tls {}", form.needle))
        .await
        .map_err(err)?;
    page.fill("#body", &format!("Encrypted in the tab.\n{}", form.needle))
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
    let text = page
        .text("#verdict")
        .await
        .map_err(err)?
        .unwrap_or_default();
    Ok((kind, text))
}

/// Waits for the TLS panel's verification result and returns it with the
/// panel's text.
async fn verification(page: &Page) -> Result<(String, String), String> {
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
        .text("#tls-panel")
        .await
        .map_err(err)?
        .unwrap_or_default();
    Ok((result, text))
}

/// A needle unique to this rig and `tag`.
fn needle(rig: &Rig, tag: &str) -> String {
    format!("browser-{}", rig.mail.needle(tag))
}

/// Checks the session delivered, the message reached bob, and the TLS
/// panel says `trusted` with a protocol, a cipher and days left on the
/// server certificate; returns the protocol.
async fn expect_trusted_delivery(
    page: &Page,
    rig: &Rig,
    form: &TlsForm<'_>,
) -> Result<String, String> {
    let (kind, verdict) = run_session(page, rig, form).await?;
    expect(kind == "delivered", || {
        format!("verdict {kind:?}, want delivered: {verdict}")
    })?;
    rig.mail
        .server
        .wait_for_message(OTHER_USER, form.needle, Duration::from_secs(15))
        .map_err(|e| e.to_string())?;
    let (result, panel) = verification(page).await?;
    expect(
        result == "trusted" && panel.contains(&format!("is issued for {HOST}")),
        || format!("verification {result:?}, want trusted for {HOST}:\n{panel}"),
    )?;
    let protocol = page
        .text("#tls-protocol")
        .await
        .map_err(err)?
        .unwrap_or_default();
    expect(protocol == "TLSv1.3" || protocol == "TLSv1.2", || {
        format!("tls-protocol {protocol:?}")
    })?;
    let cipher = page
        .text("#tls-cipher")
        .await
        .map_err(err)?
        .unwrap_or_default();
    expect(cipher.starts_with("TLS"), || {
        format!("tls-cipher {cipher:?}, want a suite name")
    })?;
    let cert = page
        .text("[data-testid=tls-cert][data-index='0']")
        .await
        .map_err(err)?
        .unwrap_or_default();
    let days = cert
        .split(" days left")
        .next()
        .and_then(|head| head.rsplit(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<u32>().ok());
    expect(
        days.is_some_and(|d| d > 0) && cert.contains("smtplab e2e test CA"),
        || format!("the server certificate shows no days left or issuer:\n{cert}"),
    )?;
    expect(!verdict.contains("NOT verified"), || {
        format!("a trusted session says NOT verified: {verdict}")
    })?;
    Ok(protocol)
}

/// One transcript line: milliseconds, marker, text.
type Line = (u64, String, String);

async fn transcript_lines(page: &Page) -> Result<Vec<Line>, String> {
    lines_of(page, "#transcript").await
}

/// The `(ms, marker, text)` lines of the transcript at `css`.
async fn lines_of(page: &Page, css: &str) -> Result<Vec<Line>, String> {
    let rows = page
        .eval(
            "return [...document.querySelectorAll(arguments[0] + ' .line')].map(l => \
             [l.querySelector('.ts')?.textContent ?? '', l.querySelector('.marker')?.textContent ?? '', \
              l.querySelector('.text')?.textContent ?? '']);",
            vec![Value::from(css)],
        )
        .await
        .map_err(err)?;
    let rows: Vec<(String, String, String)> =
        serde_json::from_value(rows.clone()).map_err(|e| format!("transcript {rows}: {e}"))?;
    let mut lines = Vec::new();
    let mut last = 0;
    for (stamp, marker, text) in rows {
        // `[+   123 ms]`; explanation lines have a blank stamp.
        let ms = stamp
            .trim()
            .strip_prefix("[+")
            .and_then(|s| s.strip_suffix("ms]"))
            .map(str::trim);
        if let Some(ms) = ms.and_then(|s| s.parse::<u64>().ok()) {
            last = ms;
        }
        lines.push((last, marker.trim().to_owned(), text));
    }
    Ok(lines)
}

fn show(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|(ms, m, t)| format!("[+{ms:>6} ms] {m:>3} {t}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn starttls_delivers(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "starttls", |page| async move {
        let needle = needle(rig, "starttls");
        let form = TlsForm {
            host: HOST,
            port: rig.mail.ports.submission,
            mode: "start_tls",
            with_ca: true,
            verify: true,
            needle: &needle,
        };
        let protocol = expect_trusted_delivery(&page, rig, &form).await?;

        let lines = transcript_lines(&page).await?;
        let tls_at = lines
            .iter()
            .position(|(_, m, t)| m == "===" && t.starts_with("TLS established"))
            .ok_or_else(|| format!("no `TLS established` line:\n{}", show(&lines)))?;
        let (before, after) = lines.split_at(tls_at);
        let plain = |m: &str| m == "->" || m == "<-" || m == "<**";
        let sent = |lines: &[Line], marker: &str, prefix: &str| {
            lines
                .iter()
                .any(|(_, m, t)| m == marker && t.starts_with(prefix))
        };
        expect(
            sent(before, "->", "STARTTLS")
                && before.iter().all(|(_, m, _)| m != "~>" && m != "<~")
                && after.iter().all(|(_, m, _)| !plain(m))
                && sent(after, "~>", "EHLO")
                && sent(after, "~>", "AUTH LOGIN")
                && sent(after, "~>", "DATA")
                && sent(after, "<~", "250"),
            || {
                format!(
                    "want STARTTLS in clear, then only ~>/<~ lines:\n{}",
                    show(&lines)
                )
            },
        )?;
        // The handshake: from the `220 … Ready to start TLS` reply to the
        // `TLS established` line, and the whole STARTTLS step.
        let ready = before
            .iter()
            .rev()
            .find(|(_, m, t)| m == "<-" && t.starts_with("220"))
            .map(|(ms, _, _)| *ms)
            .ok_or_else(|| format!("no 220 to STARTTLS:\n{}", show(&lines)))?;
        let handshake = after[0].0.saturating_sub(ready);
        let step = page
            .text("[data-step=STARTTLS] .step-time")
            .await
            .map_err(err)?
            .unwrap_or_default();
        let step_ms = step.strip_suffix(" ms").and_then(|n| n.parse::<u64>().ok());
        expect(step_ms.is_some(), || {
            format!("the STARTTLS step shows no time: {step:?}")
        })?;
        println!(
            "    Chromium STARTTLS handshake ({protocol}): {handshake} ms from the 220 to `TLS established`; \
             STARTTLS step {step}"
        );
        Ok(())
    })
}

fn implicit_delivers(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "implicit", |page| async move {
        let needle = needle(rig, "implicit");
        let form = TlsForm {
            host: HOST,
            port: rig.mail.ports.smtps,
            mode: "implicit",
            with_ca: true,
            verify: true,
            needle: &needle,
        };
        expect_trusted_delivery(&page, rig, &form).await?;
        let lines = transcript_lines(&page).await?;
        let greeting = lines.iter().find(|(_, _, t)| t.starts_with("220"));
        expect(
            greeting.is_some_and(|(_, m, _)| m == "<~")
                && lines
                    .iter()
                    .all(|(_, m, t)| m != "->" && m != "<-" && !t.starts_with("STARTTLS")),
            || {
                format!(
                    "want the 220 and everything after it over TLS, no STARTTLS:\n{}",
                    show(&lines)
                )
            },
        )?;
        if let Some(connect) = page
            .text("[data-step=connect] .step-time")
            .await
            .map_err(err)?
        {
            println!("    Chromium implicit TLS: connect step (TCP + handshake) {connect}");
        }
        Ok(())
    })
}

/// Runs a session that must fail verification and checks the verdict and
/// the panel say `title`; returns the verdict text.
async fn expect_tls_failure(
    page: &Page,
    rig: &Rig,
    form: &TlsForm<'_>,
    title: &str,
) -> Result<String, String> {
    let (kind, verdict) = run_session(page, rig, form).await?;
    expect(kind == "failed" && verdict.contains(title), || {
        format!("verdict {kind:?}, want failed with {title:?}: {verdict}")
    })?;
    let (result, panel) = verification(page).await?;
    expect(
        result == "failed" && panel.contains(&format!("Verification failed: {title}")),
        || format!("verification {result:?}, want failed with {title:?}:\n{panel}"),
    )?;
    let lines = transcript_lines(page).await?;
    expect(
        !lines
            .iter()
            .any(|(_, _, t)| t.starts_with("AUTH") || t.starts_with("MAIL")),
        || {
            format!(
                "AUTH or MAIL after a failed verification:\n{}",
                show(&lines)
            )
        },
    )?;
    Ok(verdict)
}

fn unknown_issuer_fails(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "unknown-issuer", |page| async move {
        let needle = needle(rig, "unknown-issuer");
        let form = TlsForm {
            host: HOST,
            port: rig.mail.ports.submission,
            mode: "start_tls",
            with_ca: false,
            verify: true,
            needle: &needle,
        };
        let verdict = expect_tls_failure(&page, rig, &form, "certificate issuer unknown").await?;
        let panel = page
            .text("#tls-panel")
            .await
            .map_err(err)?
            .unwrap_or_default();
        expect(
            panel.contains("paste that CA's certificate") && panel.contains("smtplab e2e test CA"),
            || format!("the panel lacks the advice or the chain:\n{panel}"),
        )?;
        println!("    {verdict}");
        Ok(())
    })
}

fn ip_is_a_name_mismatch(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "name-mismatch", |page| async move {
        let needle = needle(rig, "by-ip");
        let form = TlsForm {
            host: IP,
            port: rig.mail.ports.submission,
            mode: "start_tls",
            with_ca: true,
            verify: true,
            needle: &needle,
        };
        let verdict = expect_tls_failure(&page, rig, &form, "certificate name mismatch").await?;
        let server_name = page
            .text("#tls-server-name")
            .await
            .map_err(err)?
            .unwrap_or_default();
        expect(
            server_name == IP && verdict.contains("not issued for the host name"),
            || {
                format!("want server name {IP} and the mismatch advice; name {server_name:?}, verdict {verdict}")
            },
        )?;
        println!("    {verdict}");
        Ok(())
    })
}

fn unverified_delivers(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "unverified", |page| async move {
        let needle = needle(rig, "unverified");
        let form = TlsForm {
            host: HOST,
            port: rig.mail.ports.submission,
            mode: "start_tls",
            with_ca: false,
            verify: false,
            needle: &needle,
        };
        let (kind, verdict) = run_session(&page, rig, &form).await?;
        expect(kind == "delivered", || {
            format!("verdict {kind:?}, want delivered: {verdict}")
        })?;
        rig.mail
            .server
            .wait_for_message(OTHER_USER, &needle, Duration::from_secs(15))
            .map_err(|e| e.to_string())?;
        let warning = page
            .text("#verdict-unverified")
            .await
            .map_err(err)?
            .unwrap_or_default();
        expect(warning.contains("NOT verified"), || {
            format!("verdict-unverified says {warning:?}")
        })?;
        let (result, panel) = verification(&page).await?;
        expect(
            result == "skipped" && panel.contains("certificate issuer unknown"),
            || format!("verification {result:?}, want skipped with the unknown issuer:\n{panel}"),
        )?;
        let checked = page
            .eval(
                "return document.querySelector('#tls-verify')?.checked;",
                vec![],
            )
            .await
            .map_err(err)?;
        expect(checked == Value::Bool(false), || {
            format!("tls-verify is {checked}")
        })?;
        println!("    {warning}");
        Ok(())
    })
}

/// Types `line` into the console and sends it.
async fn console_type(page: &Page, line: &str) -> Result<(), String> {
    page.fill("#console-input", line).await.map_err(err)?;
    page.type_keys("#console-input", "\u{E007}")
        .await
        .map_err(err)
}

/// Connects the console to `port` with the test CA pasted in the form.
async fn console_connect(page: &Page, rig: &Rig, port: u16, implicit: bool) -> Result<(), String> {
    page.fill("#server-host", HOST).await.map_err(err)?;
    page.fill("#server-port", &port.to_string())
        .await
        .map_err(err)?;
    // The CA field shows once a TLS mode is chosen; the console uses the
    // form's TLS choices (its CA, verification) whatever the mode says.
    page.select("#tls-mode", "start_tls").await.map_err(err)?;
    page.fill("#tls-ca-pem", rig.mail.ca.pem())
        .await
        .map_err(err)?;
    page.show_view("console").await.map_err(err)?;
    if implicit {
        page.click("#console-implicit-tls").await.map_err(err)?;
    }
    page.click("#console-connect").await.map_err(err)?;
    page.wait_for_attr(
        "#console-status",
        "data-status",
        &["connected"],
        Duration::from_secs(10),
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// A typed STARTTLS: after its 220 the tab does the handshake itself, and
/// the EHLO typed next crosses the wire encrypted (`~>`, answered `<~`),
/// offering AUTH, which Postfix only offers under TLS.
fn console_starttls(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "console-starttls", |page| async move {
        console_connect(&page, rig, rig.mail.ports.submission, false).await?;
        page.wait_for_text("#console-transcript", "220 ", Duration::from_secs(10))
            .await
            .map_err(err)?;
        console_type(&page, "EHLO console.smtplab.test").await?;
        page.wait_for_text("#console-transcript", "STARTTLS", Duration::from_secs(10))
            .await
            .map_err(err)?;
        console_type(&page, "STARTTLS").await?;
        page.wait_for_text(
            "#console-transcript",
            "TLS established",
            Duration::from_secs(15),
        )
        .await
        .map_err(err)?;
        console_type(&page, "EHLO console.smtplab.test").await?;
        page.wait_for_text("#console-transcript", "AUTH", Duration::from_secs(10))
            .await
            .map_err(err)?;
        let lines = lines_of(&page, "#console-transcript").await?;
        let tls_at = lines
            .iter()
            .position(|(_, m, t)| m == "===" && t.starts_with("TLS established"))
            .ok_or_else(|| format!("no `TLS established` line:\n{}", show(&lines)))?;
        let (before, after) = lines.split_at(tls_at);
        let has = |lines: &[Line], marker: &str, prefix: &str| {
            lines
                .iter()
                .any(|(_, m, t)| m == marker && t.starts_with(prefix))
        };
        expect(
            has(before, "->", "STARTTLS")
                && has(before, "<-", "220")
                && has(after, "~>", "EHLO")
                && has(after, "<~", "250")
                && after.iter().all(|(_, m, _)| m != "->" && m != "<-")
                && after.iter().any(|(_, _, t)| t.contains("AUTH")),
            || {
                format!(
                    "want STARTTLS and 220 in clear, then EHLO ~> and 250 <~ with AUTH:\n{}",
                    show(&lines)
                )
            },
        )?;
        page.click("#console-quit").await.map_err(err)?;
        Ok(())
    })
}

/// The implicit-TLS choice: the handshake runs before the greeting, which
/// arrives decrypted and marked `<~`.
fn console_implicit_tls(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "console-implicit", |page| async move {
        console_connect(&page, rig, rig.mail.ports.smtps, true).await?;
        page.wait_for_text("#console-transcript", "220 ", Duration::from_secs(15))
            .await
            .map_err(err)?;
        let lines = lines_of(&page, "#console-transcript").await?;
        expect(
            lines
                .iter()
                .any(|(_, m, t)| m == "===" && t.starts_with("TLS established"))
                && lines
                    .iter()
                    .any(|(_, m, t)| m == "<~" && t.starts_with("220")),
            || {
                format!(
                    "want TLS established, then the 220 marked <~:\n{}",
                    show(&lines)
                )
            },
        )?;
        Ok(())
    })
}
