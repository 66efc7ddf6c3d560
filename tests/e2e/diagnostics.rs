//! The Diagnostics panel end to end: the real UI in headless Chromium, the
//! real bridge (`--dns` pointing at Debian's dnsmasq on loopback), a real
//! Postfix, and small TCP peers written here for the cases a Postfix cannot
//! be (a silent server, a server whose VRFY confirms mailboxes).
//!
//! MX records carry no port, so every MX-test listener uses one port `P`
//! on its own loopback address (the bridge allows `P` with `--allow-port`):
//!
//! | address | listener |
//! | --- | --- |
//! | 127.0.0.1:P | Postfix, STARTTLS offered, `disable_vrfy_command = yes`, relaying refused |
//! | 127.0.0.2:P | Postfix relaying for `mynetworks = 127.0.0.0/8` without AUTH (an open relay to loopback clients) |
//! | 127.0.0.3:P | accepts and never speaks |
//! | 127.0.0.4:P | a permissive SMTP peer whose VRFY answers 250 |
//! | 127.0.0.5:P | nothing (connection refused) |
//!
//! dnsmasq serves `smtplab.test` (MX → .1), `backup.test` (MX 10 → .1,
//! MX 20 → .3), `dead.test` (MX → .5), and NXDOMAIN for the rest of `.test`.
//!
//! The `cli_check_*` trials run `smtplab check` (the binary, no bridge, no
//! browser) with the same inputs against the same listeners and zones, and
//! expect the verdicts the tab's trials expect.

use std::future::Future;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use serde_json::{json, Value};
use smtplab_e2e::browser::{open_app, Browser, BrowserError, Page, Problem};
use smtplab_e2e::dnsmasq::Dnsmasq;
use smtplab_e2e::postfix::{MailOptions, OTHER_USER, USER};
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::{Bridge, MailServer, TestCa};

/// How long the app gets to load and reach the bridge.
const APP_READY: Duration = Duration::from_secs(15);
/// How long a whole run of checks may take.
const RUN_DONE: Duration = Duration::from_secs(40);

/// Shared by every trial.
struct Rig {
    server: MailServer,
    bridge: Bridge,
    browser: Browser,
    /// The one port of every MX-test listener.
    port: u16,
    /// Postfix's certificate, pasted in the guided form ("trust exactly
    /// this certificate"): the checks that send credentials use STARTTLS
    /// with the guided session's TLS choices, and connect by 127.0.0.1,
    /// which the certificate does not name.
    cert_pem: String,
    _dns: Dnsmasq,
    _peers: Peers,
}

fn main() {
    run_with_rig(
        "diagnostics e2e",
        start_rig,
        &[
            (
                "domain_with_starttls_mx_passes_servers_postmaster_mailbox_and_relay",
                domain_passes,
            ),
            (
                "domain_with_a_silent_backup_mx_warns_and_refused_postmaster_fails",
                domain_backup_silent,
            ),
            (
                "domain_whose_only_mx_refuses_connections_fails_and_skips_mx_checks",
                domain_dead,
            ),
            ("nonexistent_domain_fails_with_nxdomain", domain_missing),
            (
                "strict_postfix_passes_reachability_service_delivery_mailbox_auth_and_relay",
                server_strict,
            ),
            (
                "open_relay_unknown_user_and_wrong_password_fail",
                server_open_relay,
            ),
            ("vrfy_that_confirms_mailboxes_warns", server_vrfy_confirms),
            ("silent_server_fails_with_no_banner", server_silent),
            (
                "closed_port_fails_as_refused_and_panel_speaks_japanese",
                server_closed,
            ),
            (
                "cli_check_strict_server_same_verdicts_as_the_tab",
                cli_server_strict,
            ),
            (
                "cli_check_open_relay_server_same_verdicts_as_the_tab",
                cli_server_open_relay,
            ),
            (
                "cli_check_silent_server_same_verdicts_as_the_tab",
                cli_server_silent,
            ),
            ("cli_check_domains_same_verdicts_as_the_tab", cli_domains),
        ],
    );
}

fn start_rig() -> Result<Rig, String> {
    let index = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist/index.html");
    if !index.is_file() {
        return Err(format!(
            "{} is missing: run `cargo run -p xtask -- build-ui --release` first",
            index.display()
        ));
    }
    let browser = Browser::start_in_background();
    let ca = TestCa::new("smtplab diagnostics test CA").map_err(|e| e.to_string())?;
    let identity = ca.server_identity().map_err(|e| e.to_string())?;
    let cert_pem = identity.cert_pem.clone();
    let server = MailServer::start_with(&MailOptions {
        tls: Some(identity),
        ..MailOptions::default()
    })
    .map_err(|e| e.to_string())?;
    let port = shared_port()?;
    add_postfix_listeners(&server, port)?;
    let peers = Peers::start(port)?;
    let dns = Dnsmasq::start(&[
        "--mx-host=smtplab.test,mx1.smtplab.test,10",
        "--host-record=mx1.smtplab.test,127.0.0.1",
        "--mx-host=backup.test,mx2.backup.test,20",
        "--mx-host=backup.test,mx1.backup.test,10",
        "--host-record=mx1.backup.test,127.0.0.1",
        "--host-record=mx2.backup.test,127.0.0.3",
        "--mx-host=dead.test,mx.dead.test,10",
        "--host-record=mx.dead.test,127.0.0.5",
    ])?;
    let dns_arg = dns.addr.to_string();
    let bridge =
        Bridge::spawn(port, &["--no-sandbox", "--dns", &dns_arg]).map_err(|e| e.to_string())?;
    let browser = browser.finish().map_err(|e| e.to_string())?;
    Ok(Rig {
        server,
        bridge,
        browser,
        port,
        cert_pem,
        _dns: dns,
        _peers: peers,
    })
}

/// A port free on every address of the table above.
fn shared_port() -> Result<u16, String> {
    for _ in 0..50 {
        let probe = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
        let port = probe.local_addr().map_err(|e| e.to_string())?.port();
        drop(probe);
        let free =
            (1..=5).all(|last| TcpListener::bind((Ipv4Addr::new(127, 0, 0, last), port)).is_ok());
        if free {
            return Ok(port);
        }
    }
    Err("no port free on 127.0.0.1-5".to_owned())
}

/// Adds the two MX-test listeners to the running Postfix (its `master.cf`),
/// `postmaster@smtplab.test` to its mailboxes and a `discard` default
/// transport, then reloads it and
/// waits for both listeners to greet. Only the new listeners are used, so
/// every smtpd serving them starts with the new configuration.
fn add_postfix_listeners(server: &MailServer, port: u16) -> Result<(), String> {
    let etc = server.base_dir().join("etc");
    let mut master = std::fs::OpenOptions::new()
        .append(true)
        .open(etc.join("master.cf"))
        .map_err(|e| format!("open master.cf: {e}"))?;
    let lines = format!(
        "127.0.0.1:{port} inet n - n - - smtpd\n  -o syslog_name=diag/strict\n  -o smtpd_tls_security_level=may\n  -o disable_vrfy_command=yes\n\
         127.0.0.2:{port} inet n - n - - smtpd\n  -o syslog_name=diag/open\n  -o mynetworks=127.0.0.0/8\n  -o smtpd_relay_restrictions=permit_mynetworks,reject_unauth_destination\n"
    );
    master
        .write_all(lines.as_bytes())
        .map_err(|e| format!("write master.cf: {e}"))?;
    let mut mailboxes = std::fs::OpenOptions::new()
        .append(true)
        .open(etc.join("vmailbox"))
        .map_err(|e| format!("open vmailbox: {e}"))?;
    mailboxes
        .write_all(b"postmaster@smtplab.test smtplab.test/postmaster/\n")
        .map_err(|e| format!("write vmailbox: {e}"))?;
    // The fixture's `error` default transport makes smtpd refuse off-box
    // recipients at RCPT, so no listener could be an open relay. `discard`
    // delivers nothing either, and lets the relay restrictions decide.
    let mut main_cf = std::fs::OpenOptions::new()
        .append(true)
        .open(etc.join("main.cf"))
        .map_err(|e| format!("open main.cf: {e}"))?;
    main_cf
        .write_all(b"default_transport = discard:smtplab diagnostics test discards off-box mail\n")
        .map_err(|e| format!("write main.cf: {e}"))?;
    let status = Command::new("postfix")
        .arg("-c")
        .arg(&etc)
        .arg("reload")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("postfix reload: {e}"))?;
    if !status.success() {
        return Err(format!("postfix reload: {status}\n{}", server.log_tail(20)));
    }
    for last in [1, 2] {
        let addr = SocketAddr::from((Ipv4Addr::new(127, 0, 0, last), port));
        wait_greeting(addr).map_err(|e| format!("{addr}: {e}\n{}", server.log_tail(20)))?;
    }
    Ok(())
}

fn wait_greeting(addr: SocketAddr) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = String::new();
    while Instant::now() < deadline {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(stream) => {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut line = String::new();
                let _ = BufReader::new(&stream).read_line(&mut line);
                if line.starts_with("220 ") {
                    let _ = (&stream).write_all(b"QUIT\r\n");
                    return Ok(());
                }
                last = format!("greeting {line:?}");
            }
            Err(e) => last = e.to_string(),
        }
        thread::sleep(Duration::from_millis(100));
    }
    Err(format!("no 220 greeting: {last}"))
}

/// The silent and the VRFY-confirming peers; they stop with the process.
struct Peers {
    /// Connections the silent peer holds open without a word.
    _held: Arc<Mutex<Vec<TcpStream>>>,
}

impl Peers {
    fn start(port: u16) -> Result<Self, String> {
        let silent = TcpListener::bind((Ipv4Addr::new(127, 0, 0, 3), port))
            .map_err(|e| format!("bind .3: {e}"))?;
        let held = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&held);
        thread::spawn(move || {
            for stream in silent.incoming().flatten() {
                if let Ok(mut held) = keep.lock() {
                    held.push(stream);
                }
            }
        });
        let chatty = TcpListener::bind((Ipv4Addr::new(127, 0, 0, 4), port))
            .map_err(|e| format!("bind .4: {e}"))?;
        thread::spawn(move || {
            for stream in chatty.incoming().flatten() {
                thread::spawn(move || permissive_smtp(stream));
            }
        });
        Ok(Self { _held: held })
    }
}

/// An SMTP peer that accepts everything, and whose VRFY confirms any
/// mailbox with 250: the hostile-to-privacy server Postfix cannot be
/// configured into (its VRFY answers 252 at best).
fn permissive_smtp(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    if out
        .write_all(b"220 permissive.test ESMTP test peer\r\n")
        .is_err()
    {
        return;
    }
    let mut in_data = false;
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = line.trim_end();
        if in_data {
            if text == "." {
                in_data = false;
                let _ = out.write_all(b"250 2.0.0 Ok: queued as PERMISSIVE1\r\n");
            }
            continue;
        }
        let verb = text.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            // STARTTLS is offered (never used by the check) so that VRFY
            // is the only thing to warn about.
            "EHLO" => b"250-permissive.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
            "VRFY" => b"250 2.1.5 Real Person <someone@permissive.test>\r\n",
            "EXPN" => b"502 5.5.1 EXPN not implemented\r\n",
            "HELP" => b"214 2.0.0 help yourself\r\n",
            "DATA" => {
                in_data = true;
                b"354 End data with <CR><LF>.<CR><LF>\r\n"
            }
            "QUIT" => {
                let _ = out.write_all(b"221 2.0.0 Bye\r\n");
                return;
            }
            _ => b"250 2.0.0 Ok\r\n",
        };
        if out.write_all(reply).is_err() {
            return;
        }
    }
}

// ---- the page ----

/// Runs `body` on a fresh page with the app open and the bridge ready (see
/// [`Browser::trial`]); a failure also shows the bridge's stderr.
fn on_page<F, Fut>(rig: &Rig, name: &str, body: F) -> Result<(), Failed>
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    rig.browser.trial(
        &format!("diag-{name}"),
        || format!("--- bridge stderr ---\n{}", rig.bridge.stderr()),
        |page| async move {
            open_app(&page, rig.bridge.url(), APP_READY).await?;
            // The checks' STARTTLS trusts what the guided session trusts.
            page.select("#tls-mode", "start_tls").await?;
            page.fill("#tls-ca-pem", &rig.cert_pem).await?;
            page.show_view("diagnostics").await?;
            page.wait_for("#diagnostics", APP_READY).await?;
            body(page).await.map_err(Problem::Check)
        },
    )
}

fn err(e: BrowserError) -> String {
    e.to_string()
}

/// What the form is filled with; `None` leaves a field as it is.
#[derive(Default)]
struct Inputs<'a> {
    domain: Option<&'a str>,
    host: Option<&'a str>,
    user: Option<&'a str>,
    from: Option<&'a str>,
    auth: Option<(&'a str, &'a str)>,
    timeout_secs: Option<u64>,
}

async fn fill(page: &Page, port: u16, inputs: &Inputs<'_>) -> Result<(), String> {
    page.fill("#diag-port", &port.to_string())
        .await
        .map_err(err)?;
    page.fill("#diag-ehlo", "diag-e2e.smtplab.test")
        .await
        .map_err(err)?;
    let fields = [
        ("#diag-domain", inputs.domain),
        ("#diag-host", inputs.host),
        ("#diag-user", inputs.user),
        ("#diag-from", inputs.from),
        ("#diag-auth-user", inputs.auth.map(|a| a.0)),
        ("#diag-auth-password", inputs.auth.map(|a| a.1)),
    ];
    for (css, value) in fields {
        if let Some(value) = value {
            page.fill(css, value).await.map_err(err)?;
        }
    }
    if let Some(secs) = inputs.timeout_secs {
        page.fill("#diag-timeout", &secs.to_string())
            .await
            .map_err(err)?;
    }
    Ok(())
}

/// Clicks `button`, waits for the run to end, and returns every check's
/// `(data-check, data-status, data-verdict)` from the progress list.
async fn run(page: &Page, button: &str) -> Result<Vec<(String, String, String)>, String> {
    page.click(button).await.map_err(err)?;
    page.wait_for_attr("#diag-progress", "data-running", &["false"], RUN_DONE)
        .await
        .map_err(err)?;
    let rows = page
        .eval(
            "return [...document.querySelectorAll('[data-testid=diag-check]')].map(li => \
             [li.dataset.check, li.dataset.status, li.dataset.verdict ?? '']);",
            vec![],
        )
        .await
        .map_err(err)?;
    serde_json::from_value(rows.clone()).map_err(|e| format!("progress {rows}: {e}"))
}

/// The verdict and text of `diag-result-<check>`.
async fn result(page: &Page, check: &str) -> Result<(String, String), String> {
    let css = format!("#diag-result-{check}");
    let verdict = page
        .wait_for_attr(
            &css,
            "data-verdict",
            &["pass", "warn", "fail"],
            Duration::from_secs(2),
        )
        .await
        .map_err(err)?;
    let text = page
        .eval(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
            vec![json!(css)],
        )
        .await
        .map_err(err)?;
    Ok((verdict, text.as_str().unwrap_or_default().to_owned()))
}

fn expect(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

/// Asserts the verdict of `check` and that its text holds every needle.
async fn expect_result(
    page: &Page,
    check: &str,
    verdict: &str,
    needles: &[&str],
) -> Result<String, String> {
    let (got, text) = result(page, check).await?;
    expect(got == verdict, || {
        format!("{check}: verdict {got}, want {verdict}:\n{text}")
    })?;
    for needle in needles {
        expect(text.contains(needle), || {
            format!("{check}: no {needle:?} in:\n{text}")
        })?;
    }
    Ok(text)
}

fn expect_progress(
    rows: &[(String, String, String)],
    want: &[(&str, &str, &str)],
) -> Result<(), String> {
    let got: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    expect(got == want, || format!("progress {got:?}, want {want:?}"))
}

/// Clicks a download button and returns the text of the Blob it offered
/// (the page's `URL.createObjectURL` is wrapped to keep the Blob).
async fn download(page: &Page, button: &str) -> Result<String, String> {
    page.eval(
        "window.__diagBlobs = []; const orig = URL.createObjectURL.bind(URL); \
         URL.createObjectURL = (b) => { window.__diagBlobs.push(b); return orig(b); }; return true;",
        vec![],
    )
    .await
    .map_err(err)?;
    page.click(button).await.map_err(err)?;
    let text = page
        .eval(
            "return window.__diagBlobs.length ? window.__diagBlobs[0].text() : null;",
            vec![],
        )
        .await
        .map_err(err)?;
    text.as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{button} offered no file"))
}

// ---- the trials ----

fn domain_passes(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "domain-passes", |page| async move {
        fill(
            &page,
            rig.port,
            &Inputs {
                domain: Some("smtplab.test"),
                user: Some(USER),
                ..Inputs::default()
            },
        )
        .await?;
        page.click("#diag-test-primary").await.map_err(err)?;
        let rows = run(&page, "#diag-run-domain").await?;
        expect_progress(
            &rows,
            &[
                ("domain_servers", "done", "pass"),
                ("domain_receives", "done", "pass"),
                ("user_receives", "done", "pass"),
                ("open_relay", "done", "pass"),
            ],
        )?;
        expect_result(
            &page,
            "domain_servers",
            "pass",
            &[
                "DNS: smtplab.test MX 10 mx1.smtplab.test",
                "mx1.smtplab.test A 127.0.0.1",
            ],
        )
        .await?;
        expect_result(
            &page,
            "domain_receives",
            "pass",
            &["RCPT TO:<postmaster@smtplab.test>", "250 2.1.5"],
        )
        .await?;
        expect_result(
            &page,
            "user_receives",
            "pass",
            &[&format!("RCPT TO:<{USER}>")],
        )
        .await?;
        expect_result(&page, "open_relay", "pass", &["Relay access denied"]).await?;
        let table = page
            .text("#diag-mx-table")
            .await
            .map_err(err)?
            .unwrap_or_default();
        let port = rig.port;
        expect(
            table.contains("mx1.smtplab.test") && table.contains("127.0.0.1"),
            || format!("MX table: {table}"),
        )?;
        page.wait_for_attr(
            "[data-testid=diag-mx-row][data-host='mx1.smtplab.test']",
            "data-ok",
            &["true"],
            Duration::from_secs(2),
        )
        .await
        .map_err(err)?;

        let json_text = download(&page, "#diag-download-json").await?;
        let report: Value = serde_json::from_str(&json_text)
            .map_err(|e| format!("report JSON: {e}\n{json_text}"))?;
        let kinds: Vec<&str> = report["results"].as_array().map_or_else(Vec::new, |r| {
            r.iter().filter_map(|x| x["kind"].as_str()).collect()
        });
        expect(
            kinds
                == [
                    "domain_servers",
                    "domain_receives",
                    "user_receives",
                    "open_relay",
                ],
            || format!("report results {kinds:?}"),
        )?;
        expect(
            report["target"]["domain"] == "smtplab.test" && report["target"]["port"] == port,
            || format!("report target {}", report["target"]),
        )?;
        expect(
            report["results"][0]["servers"][0]["host"] == "mx1.smtplab.test",
            || format!("report servers {}", report["results"][0]["servers"]),
        )?;
        let text = download(&page, "#diag-download-text").await?;
        expect(
            text.starts_with("smtplab diagnostics report")
                && text.contains("[PASS] Open relay")
                && text.contains("servers (preference order):"),
            || format!("text report:\n{text}"),
        )?;
        page.screenshot("diagnostics-domain.png", 2400)
            .await
            .map_err(err)?;
        Ok(())
    })
}

fn domain_backup_silent(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "domain-backup", |page| async move {
        fill(
            &page,
            rig.port,
            &Inputs {
                domain: Some("backup.test"),
                timeout_secs: Some(2),
                ..Inputs::default()
            },
        )
        .await?;
        let rows = run(&page, "#diag-run-domain").await?;
        expect_progress(
            &rows,
            &[
                ("domain_servers", "done", "warn"),
                ("domain_receives", "done", "fail"),
            ],
        )?;
        expect_result(
            &page,
            "domain_servers",
            "warn",
            &[
                "DNS: backup.test MX 10 mx1.backup.test",
                "DNS: backup.test MX 20 mx2.backup.test",
            ],
        )
        .await?;
        // Postfix does not accept mail for backup.test: postmaster is refused.
        expect_result(
            &page,
            "domain_receives",
            "fail",
            &[
                "RCPT TO:<postmaster@backup.test>",
                "554 5.7.1",
                "postmaster",
            ],
        )
        .await?;
        page.wait_for_attr(
            "[data-testid=diag-mx-row][data-host='mx1.backup.test']",
            "data-ok",
            &["true"],
            Duration::from_secs(2),
        )
        .await
        .map_err(err)?;
        page.wait_for_attr(
            "[data-testid=diag-mx-row][data-host='mx2.backup.test']",
            "data-ok",
            &["false"],
            Duration::from_secs(2),
        )
        .await
        .map_err(err)?;
        Ok(())
    })
}

fn domain_dead(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "domain-dead", |page| async move {
        fill(
            &page,
            rig.port,
            &Inputs {
                domain: Some("dead.test"),
                user: Some(USER),
                ..Inputs::default()
            },
        )
        .await?;
        page.click("#diag-test-primary").await.map_err(err)?;
        let rows = run(&page, "#diag-run-domain").await?;
        expect_progress(
            &rows,
            &[
                ("domain_servers", "done", "fail"),
                ("domain_receives", "done", "fail"),
                ("user_receives", "skipped", ""),
                ("open_relay", "skipped", ""),
            ],
        )?;
        expect_result(
            &page,
            "domain_servers",
            "fail",
            &["DNS: dead.test MX 10 mx.dead.test"],
        )
        .await?;
        let table = page
            .text("#diag-mx-table")
            .await
            .map_err(err)?
            .unwrap_or_default();
        expect(
            table.contains("mx.dead.test") && table.contains("refused"),
            || format!("MX table: {table}"),
        )?;
        page.wait_for_attr(
            "#diag-overall",
            "data-verdict",
            &["fail"],
            Duration::from_secs(2),
        )
        .await
        .map_err(err)?;
        Ok(())
    })
}

fn domain_missing(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "domain-missing", |page| async move {
        fill(
            &page,
            rig.port,
            &Inputs {
                domain: Some("no-such-domain.test"),
                ..Inputs::default()
            },
        )
        .await?;
        let rows = run(&page, "#diag-run-domain").await?;
        expect_progress(
            &rows,
            &[
                ("domain_servers", "done", "fail"),
                ("domain_receives", "done", "fail"),
            ],
        )?;
        expect_result(
            &page,
            "domain_servers",
            "fail",
            &["does not exist", "nxdomain"],
        )
        .await?;
        Ok(())
    })
}

fn server_strict(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "server-strict", |page| async move {
        fill(
            &page,
            rig.port,
            &Inputs {
                host: Some("127.0.0.1"),
                user: Some(OTHER_USER),
                from: Some(USER),
                auth: Some((USER, rig.server.password())),
                ..Inputs::default()
            },
        )
        .await?;
        page.click("#diag-include-delivery").await.map_err(err)?;
        let rows = run(&page, "#diag-run-server").await?;
        expect_progress(
            &rows,
            &[
                ("reachability", "done", "pass"),
                ("service", "done", "pass"),
                ("delivery", "done", "pass"),
                ("user_receives", "done", "pass"),
                ("can_send", "done", "pass"),
                ("open_relay", "done", "pass"),
            ],
        )?;
        expect_result(&page, "reachability", "pass", &["220 "]).await?;
        expect_result(&page, "service", "pass", &["STARTTLS", "VRFY", "502 5.5.1"]).await?;
        let delivery = expect_result(&page, "delivery", "pass", &["queued as"]).await?;
        expect_result(&page, "can_send", "pass", &["AUTH PLAIN", "235 2.7.0"]).await?;
        expect_result(
            &page,
            "open_relay",
            "pass",
            &["554 5.7.1", "Relay access denied"],
        )
        .await?;
        let password = rig.server.password();
        expect(!delivery.contains(password), || {
            "the password shows in the delivery result".to_owned()
        })?;
        let json_text = download(&page, "#diag-download-json").await?;
        expect(
            !json_text.contains(password) && json_text.contains(USER),
            || format!("JSON report leaks or lacks: {json_text}"),
        )?;
        // Check 3 really delivered: the message is in bob's Maildir.
        rig.server
            .wait_for_message(
                OTHER_USER,
                "Subject: smtplab delivery test",
                Duration::from_secs(15),
            )
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

fn server_open_relay(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "server-open", |page| async move {
        fill(
            &page,
            rig.port,
            &Inputs {
                host: Some("127.0.0.2"),
                user: Some("nobody@smtplab.test"),
                from: Some(USER),
                auth: Some((USER, "not-the-password")),
                ..Inputs::default()
            },
        )
        .await?;
        let rows = run(&page, "#diag-run-server").await?;
        expect_progress(
            &rows,
            &[
                ("reachability", "done", "pass"),
                ("service", "done", "warn"),
                ("user_receives", "done", "fail"),
                ("can_send", "done", "fail"),
                ("open_relay", "done", "fail"),
            ],
        )?;
        expect_result(
            &page,
            "user_receives",
            "fail",
            &["550 5.1.1", "nobody@smtplab.test"],
        )
        .await?;
        expect_result(&page, "can_send", "fail", &["535 5.7.8"]).await?;
        expect_result(
            &page,
            "open_relay",
            "fail",
            &[
                "OPEN RELAY",
                "RCPT TO:<relay-test@example.net>",
                "250 2.1.5",
            ],
        )
        .await?;
        Ok(())
    })
}

fn server_vrfy_confirms(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "server-vrfy", |page| async move {
        fill(
            &page,
            rig.port,
            &Inputs {
                host: Some("127.0.0.4"),
                user: Some("someone@permissive.test"),
                from: Some(USER),
                ..Inputs::default()
            },
        )
        .await?;
        let rows = run(&page, "#diag-run-server").await?;
        let service = rows
            .iter()
            .find(|r| r.0 == "service")
            .map(|r| r.2.clone())
            .unwrap_or_default();
        expect(service == "warn", || {
            format!("service verdict {service:?}: {rows:?}")
        })?;
        let text = expect_result(
            &page,
            "service",
            "warn",
            &[
                "VRFY someone@permissive.test",
                "250 2.1.5 Real Person",
                "disable_vrfy_command",
            ],
        )
        .await?;
        // VRFY is the only finding: STARTTLS is offered, the rest answers.
        expect(!text.contains("no STARTTLS"), || {
            format!("unexpected STARTTLS finding:\n{text}")
        })?;
        // The same peer accepts relaying: check 8 calls it an open relay.
        expect_result(&page, "open_relay", "fail", &["OPEN RELAY"]).await?;
        Ok(())
    })
}

fn server_silent(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "server-silent", |page| async move {
        fill(
            &page,
            rig.port,
            &Inputs {
                host: Some("127.0.0.3"),
                user: Some(USER),
                from: Some(USER),
                timeout_secs: Some(2),
                ..Inputs::default()
            },
        )
        .await?;
        let rows = run(&page, "#diag-run-server").await?;
        expect_progress(
            &rows,
            &[
                ("reachability", "done", "fail"),
                ("service", "done", "fail"),
                ("user_receives", "done", "fail"),
                ("can_send", "done", "fail"),
                ("open_relay", "done", "warn"),
            ],
        )?;
        expect_result(&page, "reachability", "fail", &["no banner"]).await?;
        Ok(())
    })
}

fn server_closed(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "server-closed", |page| async move {
        fill(
            &page,
            rig.port,
            &Inputs {
                host: Some("127.0.0.5"),
                ..Inputs::default()
            },
        )
        .await?;
        let rows = run(&page, "#diag-run-server").await?;
        let first = rows.first().cloned().unwrap_or_default();
        expect(
            first == ("reachability".into(), "done".into(), "fail".into()),
            || format!("progress {rows:?}"),
        )?;
        expect_result(
            &page,
            "reachability",
            "fail",
            &["refused", "bridge: error refused"],
        )
        .await?;
        // Checks 5 and 7 need a sender/mailbox that was not given: not run.
        let skipped: Vec<&str> = rows
            .iter()
            .filter(|r| r.1 == "skipped")
            .map(|r| r.0.as_str())
            .collect();
        expect(
            skipped.contains(&"user_receives") && skipped.contains(&"can_send"),
            || format!("progress {rows:?}"),
        )?;
        page.select("#lang-select", "ja").await.map_err(err)?;
        page.wait_for_text(
            "#diag-run-server",
            "サーバーをチェック",
            Duration::from_secs(5),
        )
        .await
        .map_err(err)?;
        page.wait_for_text("#diag-progress", "不合格", Duration::from_secs(5))
            .await
            .map_err(err)?;
        page.wait_for_text(
            "#diag-result-reachability",
            "到達性",
            Duration::from_secs(5),
        )
        .await
        .map_err(err)?;
        Ok(())
    })
}

// ---- `smtplab check`: the same inputs, the same verdicts ----

/// What `smtplab check` did: its exit code, each check's (kind, verdict)
/// and the report's text.
type CliChecked = (Option<i32>, Vec<(String, String)>, String);

/// `smtplab check ARGS --json --port P --ehlo (the tab's) --dns (dnsmasq)`:
/// its exit code, each check's `(kind, verdict)` and the report.
fn cli_check(rig: &Rig, args: &[&str], password: Option<&str>) -> Result<CliChecked, Failed> {
    let binary = smtplab_e2e::bridge_process::binary().map_err(|e| e.to_string())?;
    let mut command = Command::new(binary);
    command
        .arg("check")
        .args(args)
        .args(["--json", "--port", &rig.port.to_string()])
        .args(["--ehlo", "diag-e2e.smtplab.test"])
        .args(["--dns", &rig._dns.addr.to_string()])
        .stdin(Stdio::null())
        .env_remove("SMTPLAB_AUTH_PASSWORD");
    if let Some(p) = password {
        command.env("SMTPLAB_AUTH_PASSWORD", p);
    }
    let out = command
        .output()
        .map_err(|e| format!("run smtplab check: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let report: Value = serde_json::from_str(&stdout).map_err(|e| {
        format!(
            "not JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let verdicts = report["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| {
                    (
                        r["kind"].as_str().unwrap_or("").to_owned(),
                        r["verdict"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok((out.status.code(), verdicts, stdout))
}

/// The exit code and verdicts `smtplab check` must give: those the tab's
/// trial expects for the same inputs.
fn expect_cli(got: &CliChecked, code: i32, wanted: &[(&str, &str)]) -> Result<(), Failed> {
    let wanted: Vec<(String, String)> = wanted
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if got.0 != Some(code) || got.1 != wanted {
        return Err(format!(
            "expected exit {code} and {wanted:?}; got exit {:?} and {:?}\n{}",
            got.0, got.1, got.2
        )
        .into());
    }
    Ok(())
}

/// As `server_strict`: every server check passes; exit 0.
fn cli_server_strict(rig: &Rig) -> Result<(), Failed> {
    let password = rig.server.password();
    let got = cli_check(
        rig,
        &[
            "127.0.0.1",
            "--server-checks",
            "--user",
            OTHER_USER,
            "--from",
            USER,
            "--auth-user",
            USER,
            "--check",
            "reachability",
            "--check",
            "service",
            "--check",
            "delivery",
            "--check",
            "user-receives",
            "--check",
            "can-send",
            "--check",
            "open-relay",
        ],
        Some(password),
    )?;
    expect_cli(
        &got,
        0,
        &[
            ("reachability", "pass"),
            ("service", "pass"),
            ("delivery", "pass"),
            ("user_receives", "pass"),
            ("can_send", "pass"),
            ("open_relay", "pass"),
        ],
    )?;
    if got.2.contains(password) {
        return Err("the password is in the report".into());
    }
    Ok(())
}

/// As `server_open_relay`: service warns, the unknown user, the wrong
/// password and the open relay fail; exit 2.
fn cli_server_open_relay(rig: &Rig) -> Result<(), Failed> {
    let got = cli_check(
        rig,
        &[
            "127.0.0.2",
            "--user",
            "nobody@smtplab.test",
            "--from",
            USER,
            "--auth-user",
            USER,
            "--check",
            "reachability",
            "--check",
            "service",
            "--check",
            "user-receives",
            "--check",
            "can-send",
            "--check",
            "open-relay",
        ],
        Some("not-the-password"),
    )?;
    expect_cli(
        &got,
        2,
        &[
            ("reachability", "pass"),
            ("service", "warn"),
            ("user_receives", "fail"),
            ("can_send", "fail"),
            ("open_relay", "fail"),
        ],
    )
}

/// As `server_silent`: no banner within 2 s; exit 2.
fn cli_server_silent(rig: &Rig) -> Result<(), Failed> {
    let got = cli_check(
        rig,
        &[
            "127.0.0.3",
            "--user",
            USER,
            "--from",
            USER,
            "--timeout",
            "2",
            "--check",
            "reachability",
            "--check",
            "service",
            "--check",
            "user-receives",
            "--check",
            "can-send",
            "--check",
            "open-relay",
        ],
        None,
    )?;
    expect_cli(
        &got,
        2,
        &[
            ("reachability", "fail"),
            ("service", "fail"),
            ("user_receives", "fail"),
            ("can_send", "fail"),
            ("open_relay", "warn"),
        ],
    )
}

/// As the domain trials: `smtplab.test` passes, `backup.test` (a silent
/// backup MX) warns and its postmaster fails, `dead.test` and
/// `no-such-domain.test` fail.
fn cli_domains(rig: &Rig) -> Result<(), Failed> {
    // The tab's two domain checks; the domain report that `smtplab check
    // DOMAIN` adds has its own trials (tests/e2e/cli_report.rs).
    const TWO: [&str; 4] = ["--check", "domain-servers", "--check", "domain-receives"];
    let got = cli_check(rig, &[&["smtplab.test"][..], &TWO].concat(), None)?;
    expect_cli(
        &got,
        0,
        &[("domain_servers", "pass"), ("domain_receives", "pass")],
    )?;
    let got = cli_check(
        rig,
        &[&["backup.test", "--timeout", "2"][..], &TWO].concat(),
        None,
    )?;
    expect_cli(
        &got,
        2,
        &[("domain_servers", "warn"), ("domain_receives", "fail")],
    )?;
    for domain in ["dead.test", "no-such-domain.test"] {
        let got = cli_check(rig, &[&[domain][..], &TWO].concat(), None)?;
        expect_cli(
            &got,
            2,
            &[("domain_servers", "fail"), ("domain_receives", "fail")],
        )?;
    }
    Ok(())
}
