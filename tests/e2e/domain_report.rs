//! The Diagnostics' domain report end to end: the real UI in headless
//! Chromium, the real bridge, and the posture lab (`smtplab_e2e::posture_lab`:
//! dnsmasq with `good.test` and `bad.test`, four STARTTLS MX listeners of
//! one Postfix on 127.0.0.2-5, an MTA-STS policy server over HTTPS, a test
//! CA).
//!
//! The bridge gets the lab's DNS (`--dns`), the MX port (`--allow-port`),
//! and the MTA-STS fetch's port and CA (`--mta-sts-port`, `--mta-sts-ca`);
//! it does not validate DNSSEC, so DANE is "not judged" (WARN). The tab
//! trusts the test CA through the guided session's CA field, as a user
//! with a private CA would.

use std::future::Future;
use std::time::Duration;

use libtest_mimic::Failed;
use serde_json::{json, Value};
use smtplab_e2e::browser::{check, open_app, Browser, Page, Problem};
use smtplab_e2e::posture_lab::{LabMx, BAD_DOMAIN, GOOD_DOMAIN};
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::{Bridge, PostureLab};

/// How long the app gets to load and reach the bridge.
const APP_READY: Duration = Duration::from_secs(15);
/// How long a whole report may take.
const REPORT_DONE: Duration = Duration::from_secs(90);
/// The report's default checks, in grid order.
const DEFAULT_ROWS: [&str; 7] = [
    "spf",
    "dmarc",
    "mta_sts",
    "tls_rpt",
    "dane",
    "reverse_dns",
    "mx_tls",
];

/// Shared by every trial.
struct Rig {
    bridge: Bridge,
    browser: Browser,
    lab: PostureLab,
}

fn main() {
    run_with_rig(
        "domain report e2e",
        start_rig,
        &[
            (
                "good_domain_grid_has_a_row_per_check_a_column_per_mx_and_passes_the_records",
                good_domain,
            ),
            (
                "bad_domain_fails_spf_and_tls_on_mx1_a_failing_cell_opens_its_evidence_and_speaks_japanese",
                bad_domain,
            ),
            (
                "blocklists_are_off_by_default_and_opting_in_with_a_zone_adds_their_row",
                blocklists,
            ),
        ],
    );
}

fn start_rig() -> Result<Rig, String> {
    smtplab_e2e::browser::require_built_ui();
    let browser = Browser::start_in_background();
    let lab = PostureLab::start().map_err(|e| e.to_string())?;
    let dns = lab.dns_addr().to_string();
    let https_port = lab.https_port().to_string();
    let ca = lab.ca_pem_path().to_string_lossy().into_owned();
    let bridge = Bridge::spawn(
        lab.smtp_port(),
        &[
            "--no-sandbox",
            "--dns",
            &dns,
            "--mta-sts-port",
            &https_port,
            "--mta-sts-ca",
            &ca,
        ],
    )
    .map_err(|e| e.to_string())?;
    let browser = browser.finish().map_err(|e| e.to_string())?;
    Ok(Rig {
        bridge,
        browser,
        lab,
    })
}

/// Runs `body` on a fresh page with the app open, the test CA in the guided
/// session's CA field and the Diagnostics' port and domain filled in.
fn on_page<F, Fut>(rig: &Rig, name: &str, domain: &str, body: F) -> Result<(), Failed>
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = Result<(), Problem>>,
{
    let domain = domain.to_owned();
    rig.browser.trial(
        &format!("report-{name}"),
        || format!("--- bridge stderr ---\n{}", rig.bridge.stderr()),
        |page| async move {
            open_app(&page, rig.bridge.url(), APP_READY).await?;
            page.select("#tls-mode", "start_tls").await?;
            page.fill("#tls-ca-pem", rig.lab.ca_pem()).await?;
            page.show_view("diagnostics").await?;
            page.wait_for("#diagnostics", APP_READY).await?;
            page.fill("#diag-port", &rig.lab.smtp_port().to_string())
                .await?;
            page.fill("#diag-ehlo", "report-e2e.smtplab.test").await?;
            page.fill("#diag-domain", &domain).await?;
            body(page).await
        },
    )
}

/// Records every text the progress line shows (a MutationObserver set up
/// before the click), clicks "Domain report" and waits for the run to end.
/// Returns the progress texts seen.
async fn run_report(page: &Page) -> Result<Vec<String>, Problem> {
    page.eval(
        "window.__steps = []; new MutationObserver(() => { \
           const p = document.getElementById('diag-report-progress'); \
           if (p) { const t = p.dataset.done + '/' + p.dataset.known + ' ' + p.textContent; \
             if (window.__steps[window.__steps.length - 1] !== t) window.__steps.push(t); } \
         }).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true}); \
         return true;",
        vec![],
    )
    .await?;
    page.click("#diag-run-report").await?;
    page.wait_for_attr("#diag-progress", "data-running", &["false"], REPORT_DONE)
        .await?;
    page.wait_for("#diag-report-grid", Duration::from_secs(5))
        .await?;
    let steps = page.eval("return window.__steps;", vec![]).await?;
    serde_json::from_value(steps.clone()).map_err(|e| Problem::Check(format!("{steps}: {e}")))
}

/// Every grid cell: `(data-check, data-scope, data-server, data-verdict, text)`.
async fn cells(page: &Page) -> Result<Vec<[String; 5]>, Problem> {
    let found = page
        .eval(
            "return [...document.querySelectorAll('[data-testid=diag-report-cell]')].map(td => \
             [td.dataset.check, td.dataset.scope, td.dataset.server ?? '', td.dataset.verdict, td.textContent]);",
            vec![],
        )
        .await?;
    serde_json::from_value(found.clone()).map_err(|e| Problem::Check(format!("{found}: {e}")))
}

/// The cell of `check` on `server`; `""`: its domain-wide verdict or, for
/// a check judged per server, its overall result.
fn cell<'a>(
    cells: &'a [[String; 5]],
    check: &str,
    server: &str,
) -> Result<&'a [String; 5], Problem> {
    cells
        .iter()
        .find(|c| c[0] == check && c[2] == server)
        .ok_or_else(|| Problem::Check(format!("no cell {check} × {server:?} in {cells:?}")))
}

/// Asserts the verdict of a cell, that it shows the verdict as an icon
/// and a word, and that its text holds `needle`.
fn expect_cell(
    cells: &[[String; 5]],
    check_id: &str,
    server: &str,
    verdict: &str,
    needle: &str,
) -> Result<(), Problem> {
    let c = cell(cells, check_id, server)?;
    let (icon, word) = match verdict {
        "pass" => ('\u{2714}', "PASS"),
        "warn" => ('\u{26a0}', "WARN"),
        _ => ('\u{2716}', "FAIL"),
    };
    check(c[3] == verdict, || {
        format!(
            "{check_id} × {server:?}: {}, want {verdict}: {:?}",
            c[3], c[4]
        )
    })?;
    check(
        c[4].contains(icon) && c[4].contains(word) && c[4].contains(needle),
        || {
            format!(
                "{check_id} × {server:?}: text {:?} lacks {icon} {word} {needle:?}",
                c[4]
            )
        },
    )
}

/// The text of a details element, and whether it is open.
async fn details(page: &Page, css: &str) -> Result<(bool, String), Problem> {
    let found = page
        .eval(
            "const e = document.querySelector(arguments[0]); return e ? [e.open, e.innerText] : null;",
            vec![json!(css)],
        )
        .await?;
    serde_json::from_value(found.clone()).map_err(|e| Problem::Check(format!("{css} {found}: {e}")))
}

/// Clicks a download button and returns the text of the Blob it offered.
async fn download(page: &Page, button: &str) -> Result<String, Problem> {
    page.eval(
        "window.__blobs = []; const orig = URL.createObjectURL.bind(URL); \
         URL.createObjectURL = (b) => { window.__blobs.push(b); return orig(b); }; return true;",
        vec![],
    )
    .await?;
    page.click(button).await?;
    let text = page
        .eval(
            "return window.__blobs.length ? window.__blobs[0].text() : null;",
            vec![],
        )
        .await?;
    text.as_str()
        .map(str::to_owned)
        .ok_or_else(|| Problem::Check(format!("{button} offered no file")))
}

// ---- the trials ----

fn good_domain(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "good", GOOD_DOMAIN, |page| async move {
        let steps = run_report(&page).await?;
        check(
            steps
                .iter()
                .any(|s| s.contains(" of ") && s.contains("TXT _dmarc.good.test"))
                && steps
                    .iter()
                    .any(|s| s.contains("STARTTLS with mx1.good.test at 127.0.0.2")),
            || format!("the progress never named the DMARC lookup and the TLS session: {steps:?}"),
        )?;
        let rows = page
            .eval(
                "return [...document.querySelectorAll('[data-testid=diag-report-row]')].map(r => r.dataset.check);",
                vec![],
            )
            .await?;
        check(rows == json!(DEFAULT_ROWS), || {
            format!("rows {rows}, want {DEFAULT_ROWS:?}")
        })?;
        let columns = page
            .eval(
                "return [...document.querySelectorAll('#diag-report-grid thead th[data-server]')].map(th => th.dataset.server);",
                vec![],
            )
            .await?;
        let hosts = [LabMx::Mx1Good.host(), LabMx::Mx2Good.host()];
        check(columns == json!(hosts), || {
            format!("columns {columns}, want {hosts:?}")
        })?;
        let cells = cells(&page).await?;
        for domain_wide in ["spf", "dmarc", "tls_rpt"] {
            expect_cell(&cells, domain_wide, "", "pass", "")?;
        }
        for host in hosts {
            expect_cell(&cells, "mta_sts", host, "pass", "matches")?;
            expect_cell(&cells, "reverse_dns", host, "pass", "")?;
            // DANE without a DNSSEC-validating bridge: shown, not judged.
            expect_cell(&cells, "dane", host, "warn", "not judged")?;
        }
        expect_cell(&cells, "mx_tls", LabMx::Mx1Good.host(), "pass", "")?;
        expect_cell(
            &cells,
            "mx_tls",
            LabMx::Mx2Good.host(),
            "warn",
            "expires in",
        )?;
        // The reports to download carry the report: the grid and each result.
        let text = download(&page, "#diag-download-text").await?;
        check(
            text.contains("summary (check × server)")
                && text.contains("mx2.good.test")
                && text.contains("DANE (TLSA)")
                && text.contains("DNS: _dmarc.good.test TXT"),
            || format!("the text report lacks the grid or evidence:\n{text}"),
        )?;
        let json_text = download(&page, "#diag-download-json").await?;
        let report: Value = serde_json::from_str(&json_text).map_err(|e| e.to_string())?;
        let kinds: Vec<&str> = report["results"]
            .as_array()
            .map(|r| r.iter().filter_map(|r| r["kind"].as_str()).collect())
            .unwrap_or_default();
        check(kinds == DEFAULT_ROWS, || format!("JSON kinds {kinds:?}"))?;
        check(
            report["results"][6]["cells"][1]["server"] == json!("mx2.good.test"),
            || format!("JSON mx_tls cells: {}", report["results"][6]["cells"]),
        )
    })
}

fn bad_domain(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "bad", BAD_DOMAIN, |page| async move {
        run_report(&page).await?;
        let cells = cells(&page).await?;
        let mx1 = LabMx::Mx1Bad.host();
        expect_cell(&cells, "spf", "", "fail", "")?;
        expect_cell(&cells, "mx_tls", mx1, "fail", "does not verify")?;
        expect_cell(&cells, "dane", mx1, "warn", "not judged")?;
        // A failed check starts open, with its evidence.
        let (open, spf) = details(&page, "#diag-report-spf").await?;
        check(open && spf.contains("DNS: bad.test TXT"), || {
            format!("SPF details (open {open}) lack the DNS line:\n{spf}")
        })?;
        // The failing TLS cell of mx1.bad.test opens its details on that
        // server: its note and its session's lines.
        let css = format!(
            "[data-testid=diag-report-cell][data-check=mx_tls][data-server='{mx1}'] button"
        );
        page.click(&css).await?;
        let focus = page
            .wait_for_text("#diag-report-focus", "C: STARTTLS", Duration::from_secs(5))
            .await?;
        // A picture of the failing report with a cell opened, kept in
        // tests/artifacts/ for a human to look at.
        page.screenshot("domain-report-bad", 4000).await?;
        check(
            focus.contains(&format!("{mx1}: FAIL")) && focus.contains("does not verify"),
            || format!("the focus of {mx1} lacks its verdict and note:\n{focus}"),
        )?;
        let server = page
            .eval(
                "return document.getElementById('diag-report-focus').dataset.server;",
                vec![],
            )
            .await?;
        check(server == json!(mx1), || format!("focus on {server}"))?;
        check(!focus.contains("— mx2.bad.test ["), || {
            format!("the focus shows another server's session:\n{focus}")
        })?;
        let (open, tls) = details(&page, "#diag-report-mx_tls").await?;
        check(open && tls.contains("C: STARTTLS"), || {
            format!("TLS details (open {open}) without the transcript:\n{tls}")
        })?;
        // A warning starts closed; its cell opens it.
        let (open, _) = details(&page, "#diag-report-dane").await?;
        check(!open, || "DANE's details start open".to_owned())?;
        page.click(&format!(
            "[data-testid=diag-report-cell][data-check=dane][data-server='{mx1}'] button"
        ))
        .await?;
        let (open, dane) = details(&page, "#diag-report-dane").await?;
        check(open && dane.contains("not judged"), || {
            format!("the DANE cell did not open its details (open {open}):\n{dane}")
        })?;
        // The grid's own words follow the page's language.
        page.select("#lang-select", "ja").await?;
        let spf = page
            .wait_for_text(
                "[data-testid=diag-report-cell][data-check=spf]",
                "不合格",
                Duration::from_secs(5),
            )
            .await?;
        let button = page.text("#diag-run-report").await?.unwrap_or_default();
        check(button.contains("ドメインレポート"), || {
            format!("in Japanese the button says {button:?}, the SPF cell {spf:?}")
        })
    })
}

fn blocklists(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "dnsbl", GOOD_DOMAIN, |page| async move {
        let state = page
            .eval(
                "return [document.getElementById('diag-dnsbl').checked, \
                 !!document.getElementById('diag-dnsbl-zones'), \
                 document.getElementById('diag-dnsbl-notice').textContent];",
                vec![],
            )
            .await?;
        check(
            state[0] == json!(false)
                && state[1] == json!(false)
                && state[2].as_str().is_some_and(|t| t.contains("third party")),
            || format!("blocklists not off by default, or no third-party notice: {state}"),
        )?;
        page.click("#diag-dnsbl").await?;
        page.click("#diag-run-report").await?;
        page.wait_for_text("#diag-form-error", "blocklist zone", Duration::from_secs(5))
            .await?;
        page.fill("#diag-dnsbl-zones", "bl.test").await?;
        run_report(&page).await?;
        let rows = page
            .eval(
                "return [...document.querySelectorAll('[data-testid=diag-report-row]')].map(r => r.dataset.check);",
                vec![],
            )
            .await?;
        check(
            rows.as_array().is_some_and(|r| r.len() == 8) && rows[7] == json!("dnsbl"),
            || format!("rows {rows}: no blocklist row last"),
        )?;
        let cells = cells(&page).await?;
        expect_cell(
            &cells,
            "dnsbl",
            LabMx::Mx1Good.host(),
            "pass",
            "not listed in bl.test",
        )
    })
}
