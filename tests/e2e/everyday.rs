//! Everyday use of the real UI (the `dist/` build embedded in the real
//! `smtplab` binary) in headless Chromium, against the bridge's own SMTP
//! sandbox: a new user's first Run, saved sessions with and without their
//! password, a share link, the exported swaks command run by Debian's swaks,
//! and the Japanese explanations.
//!
//! One [`Bridge`] (with `--sandbox-listen 127.0.0.1:0`) and one chromedriver
//! serve every trial; each trial opens its own Chromium session, so each
//! starts with a fresh profile (empty `localStorage` and `sessionStorage`,
//! no cookie). Trials
//! only ever connect to 127.0.0.1. Nothing else is needed: no Postfix.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use serde_json::{json, Value};
use smtplab_e2e::browser::{
    check, open_app, require_built_ui, run_to_verdict, Browser, Page, Problem,
};
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::Bridge;
use smtplab_sandbox::{DEMO_PASSWORD, DEMO_USER};
use smtplab_shared::smtp::{explain_code_ja, ReplyCode};

/// How long the app gets to load, render and reach the bridge.
const APP_READY: Duration = Duration::from_secs(15);
/// How long a guided session gets to reach its verdict.
const VERDICT: Duration = Duration::from_secs(20);
/// How long swaks gets to deliver.
const SWAKS: Duration = Duration::from_secs(30);

/// Shared by every trial.
struct Rig {
    bridge: Bridge,
    /// Where the bridge's sandbox listens (from its stdout line).
    sandbox: SocketAddr,
    browser: Browser,
}

fn main() {
    require_built_ui();
    run_with_rig(
        "everyday e2e",
        start_rig,
        &[
            (
                "first_run_delivers_to_the_sandbox_and_shows_the_message",
                first_run_delivers_to_sandbox,
            ),
            (
                "saved_sessions_round_trip_with_and_without_the_password",
                saved_sessions_round_trip,
            ),
            (
                "share_link_round_trips_without_password_or_token",
                share_link_round_trips,
            ),
            (
                "exported_swaks_command_delivers_to_the_sandbox",
                swaks_command_delivers,
            ),
            (
                "japanese_ui_explains_535_in_japanese",
                japanese_explains_535,
            ),
            (
                "page_footer_shows_what_version_prints",
                footer_shows_the_version,
            ),
            (
                "a_reload_keeps_the_token_in_the_tab_not_in_a_cookie",
                reload_keeps_the_token_in_the_tab,
            ),
            (
                "two_bridges_on_two_ports_do_not_disturb_each_other",
                two_bridges_side_by_side,
            ),
            (
                "a_tab_without_the_token_says_to_open_the_printed_address",
                tab_without_token_says_so,
            ),
        ],
    );
}

/// Runs `body` on a fresh page (see [`Browser::trial`]).
fn on_page<F, Fut>(rig: &Rig, name: &str, body: F) -> Result<(), Failed>
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = Result<(), Problem>>,
{
    rig.browser
        .trial(&format!("everyday-{name}"), String::new, body)
}

fn start_rig() -> Result<Rig, String> {
    let browser = Browser::start_in_background();
    // The bridge wants one allowed port; a port nothing listens on. The
    // sandbox is allowed whatever the policy says.
    let spare = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("probe a port: {e}"))?
        .port();
    let bridge =
        Bridge::spawn(spare, &["--sandbox-listen", "127.0.0.1:0"]).map_err(|e| e.to_string())?;
    let sandbox = bridge.sandbox_addr().ok_or_else(|| {
        format!(
            "the bridge printed no `SMTP sandbox on` line; stderr:\n{}",
            bridge.stderr()
        )
    })?;
    if !sandbox.ip().is_loopback() {
        return Err(format!("the sandbox listens on {sandbox}, not loopback"));
    }
    let browser = browser.finish().map_err(|e| e.to_string())?;
    Ok(Rig {
        bridge,
        sandbox,
        browser,
    })
}

impl Rig {
    /// `http://127.0.0.1:PORT`, the bridge's origin.
    fn origin(&self) -> String {
        let url = self.bridge.url();
        let without_query = url.split(['?', '#']).next().unwrap_or(url);
        without_query.trim_end_matches('/').to_owned()
    }
}

/// The `value` of the input, select or textarea matching `css`.
async fn value(page: &Page, css: &str) -> Result<String, Problem> {
    let v = page
        .eval(
            "const e = document.querySelector(arguments[0]); return e ? e.value : null;",
            vec![json!(css)],
        )
        .await?;
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| Problem::Check(format!("no field {css}")))
}

/// Waits until the field matching `css` holds `expected`.
async fn wait_for_value(
    page: &Page,
    css: &str,
    expected: &str,
    timeout: Duration,
) -> Result<(), Problem> {
    page.poll(&format!("{css} to hold {expected:?}"), timeout, || async {
        let v = page
            .eval(
                "const e = document.querySelector(arguments[0]); return e ? e.value : null;",
                vec![json!(css)],
            )
            .await?;
        Ok(if v.as_str() == Some(expected) {
            Ok(())
        } else {
            Err(format!("value {v}"))
        })
    })
    .await?;
    Ok(())
}

/// Waits until the form is preset for the sandbox (the bridge answered
/// `GET /sandbox` and the untouched form was filled).
async fn wait_for_sandbox_preset(page: &Page, sandbox: SocketAddr) -> Result<(), Problem> {
    wait_for_value(page, "#server-port", &sandbox.port().to_string(), APP_READY).await?;
    page.wait_for("#sandbox-preset", Duration::from_secs(5))
        .await?;
    Ok(())
}

/// A fresh tag for needles, so trials sharing the sandbox never match each
/// other's messages.
fn tag(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{what}-{}-{nanos}", std::process::id())
}

/// The sandbox inbox as the page reads it (`GET /sandbox/messages` with
/// the token the tab keeps in its `sessionStorage`).
async fn inbox_json(page: &Page) -> Result<Vec<Value>, Problem> {
    let list = page
        .eval(
            "const t = encodeURIComponent(sessionStorage.getItem('smtplab_token') || '');\
             return fetch('/sandbox/messages?token=' + t, {cache: 'no-store'}).then(r => r.ok ? r.json() : r.text().then(t => 'HTTP ' + r.status + ': ' + t));",
            vec![],
        )
        .await?;
    // The newest page, newest first (`{"total":…,"messages":[…],…}`); its
    // default size holds the whole default inbox (100 messages).
    match list.get("messages") {
        Some(Value::Array(items)) => Ok(items.clone()),
        _ => Err(Problem::Check(format!("GET /sandbox/messages gave {list}"))),
    }
}

fn header<'a>(message: &'a Value, name: &str) -> Option<&'a str> {
    message.get("headers")?.as_array()?.iter().find_map(|pair| {
        let pair = pair.as_array()?;
        (pair.first()?.as_str()?.eq_ignore_ascii_case(name))
            .then(|| pair.get(1)?.as_str())
            .flatten()
    })
}

fn first_run_delivers_to_sandbox(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "first-run", |page| async move {
        open_app(&page, rig.bridge.url(), APP_READY).await?;
        wait_for_sandbox_preset(&page, rig.sandbox).await?;
        for (css, expected) in [
            ("#server-host", rig.sandbox.ip().to_string()),
            ("#server-port", rig.sandbox.port().to_string()),
            ("#auth-mechanism", "login".to_owned()),
            ("#auth-username", DEMO_USER.to_owned()),
            ("#auth-password", DEMO_PASSWORD.to_owned()),
        ] {
            let now = value(&page, css).await?;
            check(now == expected, || {
                format!("{css} holds {now:?}, want the sandbox preset {expected:?}")
            })?;
        }
        page.wait_for_attr(
            "#sandbox-account",
            "data-user",
            &[DEMO_USER],
            Duration::from_secs(2),
        )
        .await?;
        // Nothing typed: the first Run sends the default message.
        let subject = value(&page, "#subject").await?;
        let body = value(&page, "#body").await?;
        check(!subject.is_empty() && !body.is_empty(), || {
            format!("empty default subject {subject:?} or body {body:?}")
        })?;

        let (kind, verdict) = run_to_verdict(&page, VERDICT).await?;
        check(kind == "delivered", || {
            format!("verdict {kind:?}, want delivered: {verdict}")
        })?;
        let queue_id = verdict
            .split("queued as ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_alphanumeric()).next())
            .filter(|id| !id.is_empty())
            .ok_or_else(|| format!("no queue id in the verdict: {verdict}"))?
            .to_owned();
        check(queue_id.starts_with("SBX"), || {
            format!("queue id {queue_id:?} is not the sandbox's")
        })?;

        // The panel refreshes itself after a delivered run.
        page.show_view("inbox").await?;
        let css =
            format!("#sandbox-panel [data-testid=sandbox-message][data-queue-id=\"{queue_id}\"]");
        page.wait_for(&css, Duration::from_secs(10)).await?;
        let item = page.text(&css).await?.unwrap_or_default();
        let headers = page
            .text(&format!("{css} [data-testid=sandbox-message-headers]"))
            .await?
            .unwrap_or_default();
        let shown_body = page
            .text(&format!("{css} [data-testid=sandbox-message-body]"))
            .await?
            .unwrap_or_default();
        check(item.contains(&subject) && item.contains(DEMO_USER), || {
            format!("the message {queue_id} does not show subject {subject:?} and the demo user:\n{item}")
        })?;
        check(
            headers.contains(&format!("Subject: {subject}"))
                && headers.contains("From:")
                && headers.contains("Date:"),
            || format!("the headers of {queue_id} lack Subject/From/Date:\n{headers}"),
        )?;
        check(shown_body.contains(&body), || {
            format!("the body of {queue_id} lacks {body:?}:\n{shown_body}")
        })?;
        Ok(())
    })
}

/// The index of the saved item named `name`, waiting for it to have
/// `data-password` = `password`.
async fn saved_index(page: &Page, name: &str, password: bool) -> Result<usize, Problem> {
    let css = format!("[data-testid=saved-item][data-name=\"{name}\"]");
    page.wait_for_attr(
        &css,
        "data-password",
        &[if password { "true" } else { "false" }],
        Duration::from_secs(5),
    )
    .await?;
    let index = page
        .eval(
            "return [...document.querySelectorAll('[data-testid=saved-item]')].findIndex(li => li.dataset.name === arguments[0]);",
            vec![json!(name)],
        )
        .await?;
    index
        .as_u64()
        .and_then(|i| usize::try_from(i).ok())
        .ok_or_else(|| Problem::Check(format!("no saved item {name:?} ({index})")))
}

fn saved_sessions_round_trip(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "saved-sessions", |page| async move {
        open_app(&page, rig.bridge.url(), APP_READY).await?;
        wait_for_sandbox_preset(&page, rig.sandbox).await?;
        let user = format!("{}@saved.smtplab.test", tag("saver"));
        let password = tag("saved-secret");
        page.fill("#auth-username", &user).await?;
        page.fill("#auth-password", &password).await?;
        page.fill("#subject", "saved session subject").await?;

        page.show_view("saved").await?;
        page.fill("#save-name", "without password").await?;
        page.click("#save-button").await?;
        saved_index(&page, "without password", false).await?;
        let stored = page
            .eval(
                "return JSON.stringify(Object.assign({}, localStorage));",
                vec![],
            )
            .await?;
        let stored = stored.as_str().unwrap_or_default().to_owned();
        check(
            stored.contains(&user) && !stored.contains(&password),
            || format!("after a save without the password, localStorage holds: {stored}"),
        )?;

        page.click("#remember-password").await?;
        page.fill("#save-name", "with password").await?;
        page.click("#save-button").await?;
        saved_index(&page, "with password", true).await?;
        let stored = page
            .eval(
                "return JSON.stringify(Object.assign({}, localStorage));",
                vec![],
            )
            .await?;
        check(
            stored.as_str().unwrap_or_default().contains(&password),
            || format!("the remembered password is not in localStorage: {stored}"),
        )?;

        // Back to `/` without ?token= (the tab's sessionStorage keeps it):
        // the untouched form is preset for the sandbox again, the list is
        // back.
        open_app(&page, &format!("{}/", rig.origin()), APP_READY).await?;
        wait_for_sandbox_preset(&page, rig.sandbox).await?;
        let now = value(&page, "#auth-username").await?;
        check(now == DEMO_USER, || {
            format!("after the reload the form holds user {now:?}, want the preset")
        })?;

        page.show_view("saved").await?;
        let i = saved_index(&page, "without password", false).await?;
        page.click(&format!("#saved-load-{i}")).await?;
        wait_for_value(&page, "#auth-username", &user, Duration::from_secs(5)).await?;
        let loaded = value(&page, "#auth-password").await?;
        check(loaded.is_empty(), || {
            format!("a session saved without its password loads with {loaded:?}")
        })?;
        check(
            value(&page, "#subject").await? == "saved session subject",
            || "the subject did not load".to_owned(),
        )?;
        check(
            value(&page, "#server-port").await? == rig.sandbox.port().to_string(),
            || "the port did not load".to_owned(),
        )?;

        let i = saved_index(&page, "with password", true).await?;
        page.click(&format!("#saved-load-{i}")).await?;
        wait_for_value(&page, "#auth-password", &password, Duration::from_secs(5)).await?;
        wait_for_value(&page, "#auth-username", &user, Duration::from_secs(1)).await?;
        Ok(())
    })
}

fn share_link_round_trips(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "share-link", |page| async move {
        open_app(&page, rig.bridge.url(), APP_READY).await?;
        wait_for_sandbox_preset(&page, rig.sandbox).await?;
        let user = format!("{}@share.smtplab.test", tag("sharer"));
        let password = tag("share-secret");
        let subject = tag("shared subject");
        page.fill("#auth-username", &user).await?;
        page.fill("#auth-password", &password).await?;
        page.fill("#subject", &subject).await?;
        page.fill("#ehlo-name", "shared.smtplab.test").await?;
        page.show_view("saved").await?;
        page.click("#share-button").await?;
        page.wait_for("#share-link", Duration::from_secs(5)).await?;
        let link = value(&page, "#share-link").await?;

        let token = rig.bridge.token();
        let prefix = format!("{}/#s=", rig.origin());
        check(link.starts_with(&prefix), || {
            format!("the link {link:?} does not start with {prefix:?}")
        })?;
        check(
            !link.contains(&password) && !link.contains(token) && !link.contains("token"),
            || format!("the link carries the password or the token: {link}"),
        )?;
        // What the fragment holds, decoded by the page (base64url JSON).
        let decoded = page
            .eval(
                "const b = arguments[0].replace(/-/g, '+').replace(/_/g, '/');\
                 const bytes = Uint8Array.from(atob(b + '='.repeat((4 - b.length % 4) % 4)), c => c.charCodeAt(0));\
                 return new TextDecoder().decode(bytes);",
                vec![json!(&link[prefix.len()..])],
            )
            .await?;
        let decoded = decoded.as_str().unwrap_or_default().to_owned();
        check(
            decoded.contains(&user) && decoded.contains(&subject),
            || format!("the fragment lacks the session: {decoded}"),
        )?;
        check(
            !decoded.contains(&password) && !decoded.contains(token),
            || format!("the fragment carries the password or the token: {decoded}"),
        )?;

        // Opened in another browser (a fresh profile: no cookie, no storage).
        let other = rig.browser.open().await?;
        let opened = async {
            open_app(
                &other,
                &format!(
                    "{}/?token={token}#{}",
                    rig.origin(),
                    &link[prefix.len() - 2..]
                ),
                APP_READY,
            )
            .await?;
            wait_for_value(&other, "#auth-username", &user, Duration::from_secs(10)).await?;
            for (css, expected) in [
                ("#server-host", rig.sandbox.ip().to_string()),
                ("#server-port", rig.sandbox.port().to_string()),
                ("#ehlo-name", "shared.smtplab.test".to_owned()),
                ("#auth-mechanism", "login".to_owned()),
                ("#subject", subject.clone()),
                ("#auth-password", String::new()),
            ] {
                let now = value(&other, css).await?;
                check(now == expected, || {
                    format!("the opened link gives {css} = {now:?}, want {expected:?}")
                })?;
            }
            other
                .wait_for_attr(
                    "#session-notice",
                    "data-kind",
                    &["info"],
                    Duration::from_secs(5),
                )
                .await?;
            Ok::<(), Problem>(())
        }
        .await;
        let opened = match opened {
            Ok(()) => Ok(()),
            Err(Problem::Browser(e)) => Err(Problem::Check(format!(
                "in the tab that opened the link: {e}"
            ))),
            Err(Problem::Check(e)) => Err(Problem::Check(format!(
                "in the tab that opened the link: {e}\n--- its text ---\n{}",
                other.visible_text().await
            ))),
        };
        other.close().await;
        opened
    })
}

/// Runs `command` with `sh -c`, killed after [`SWAKS`]; returns
/// `(success, stdout + stderr)`.
fn run_shell(command: &str) -> Result<(bool, String), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let file =
        |p: &Path| std::fs::File::create(p).map_err(|e| format!("create {}: {e}", p.display()));
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(file(&out)?)
        .stderr(file(&err)?)
        .spawn()
        .map_err(|e| format!("spawn sh: {e}"))?;
    let deadline = Instant::now() + SWAKS;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("`{command}` still running after {SWAKS:?}"));
            }
            Err(e) => return Err(format!("wait for sh: {e}")),
        }
    };
    let text = format!(
        "{}\n--- stderr ---\n{}",
        std::fs::read_to_string(&out).unwrap_or_default(),
        std::fs::read_to_string(&err).unwrap_or_default()
    );
    Ok((status.success(), format!("exit {status}\n{text}")))
}

fn swaks_command_delivers(rig: &Rig) -> Result<(), Failed> {
    if !Path::new("/usr/bin/swaks").is_file() {
        return Err("/usr/bin/swaks is missing: apt-get install -y swaks".into());
    }
    on_page(rig, "swaks", |page| async move {
        open_app(&page, rig.bridge.url(), APP_READY).await?;
        wait_for_sandbox_preset(&page, rig.sandbox).await?;
        let subject = tag("swaks-subject");
        let needle = tag("swaks-body");
        page.fill("#subject", &subject).await?;
        page.fill(
            "#body",
            &format!("Sent by swaks from smtplab's export.\n{needle}"),
        )
        .await?;
        let before = inbox_json(&page).await?.len();

        page.show_view("saved").await?;
        page.click("#export-swaks").await?;
        let masked = page
            .wait_for_text("#swaks-command", "--auth-password", Duration::from_secs(5))
            .await?;
        check(!masked.contains(DEMO_PASSWORD), || {
            format!("the password shows before reveal-secrets:\n{masked}")
        })?;
        // "Show credentials" sits with the run's transcript.
        page.show_view("guided").await?;
        page.click("#reveal-secrets").await?;
        page.show_view("saved").await?;
        let command = page
            .wait_for_text(
                "#swaks-command",
                &format!("--auth-password {DEMO_PASSWORD}"),
                Duration::from_secs(5),
            )
            .await?;
        let server = format!(
            "swaks --server {}:{} ",
            rig.sandbox.ip(),
            rig.sandbox.port()
        );
        // Only ever run against the loopback sandbox.
        check(
            command.starts_with(&server) && rig.sandbox.ip().is_loopback(),
            || format!("the command does not start with {server:?}:\n{command}"),
        )?;
        check(
            command.contains(&format!("--auth-user {DEMO_USER}"))
                && command.contains("--auth LOGIN"),
            || format!("the command lacks the AUTH LOGIN demo account:\n{command}"),
        )?;

        let (ok, output) = run_shell(&command)?;
        check(ok, || format!("swaks failed:\n{command}\n{output}"))?;
        check(output.contains("queued as SBX"), || {
            format!("swaks saw no sandbox queue id:\n{output}")
        })?;

        let inbox = inbox_json(&page).await?;
        let found = inbox
            .iter()
            .find(|m| header(m, "Subject") == Some(subject.as_str()));
        let found = found.ok_or_else(|| {
            format!(
                "no message with subject {subject:?} in the inbox ({} before, {} now)",
                before,
                inbox.len()
            )
        })?;
        check(inbox.len() > before, || {
            format!("the inbox did not grow: {before} → {}", inbox.len())
        })?;
        check(
            found
                .get("body")
                .and_then(Value::as_str)
                .is_some_and(|b| b.contains(&needle))
                && found.get("authenticated_as").and_then(Value::as_str) == Some(DEMO_USER),
            || format!("the swaks message lacks its body or AUTH: {found}"),
        )?;
        // And the panel shows it after a refresh.
        page.show_view("inbox").await?;
        page.click("#sandbox-refresh").await?;
        page.wait_for_text("#sandbox-messages", &needle, Duration::from_secs(10))
            .await?;
        Ok(())
    })
}

fn japanese_explains_535(rig: &Rig) -> Result<(), Failed> {
    let words = ReplyCode::new(535).map_or("", explain_code_ja);
    on_page(rig, "japanese-535", |page| async move {
        check(!words.is_empty(), || {
            "explain_code_ja(535) is empty".to_owned()
        })?;
        open_app(&page, rig.bridge.url(), APP_READY).await?;
        wait_for_sandbox_preset(&page, rig.sandbox).await?;
        page.select("#lang-select", "ja").await?;
        page.wait_for_attr("html", "lang", &["ja"], Duration::from_secs(5))
            .await?;
        page.fill("#auth-password", "not-the-demo-password").await?;
        let (kind, verdict) = run_to_verdict(&page, VERDICT).await?;
        check(kind == "failed", || {
            format!("verdict {kind:?}, want failed: {verdict}")
        })?;
        check(verdict.contains("535") && verdict.contains(words), || {
            format!("the verdict lacks 535 and its Japanese explanation {words:?}: {verdict}")
        })?;
        let transcript = page.text("#transcript").await?.unwrap_or_default();
        check(
            transcript.contains("535 5.7.8") && transcript.contains(&format!("535: {words}")),
            || format!("the transcript lacks 535 5.7.8 and `535: {words}`:\n{transcript}"),
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

/// The footer says what `smtplab --version` says: `smtplab X.Y.Z (commit …,
/// built YYYY-MM-DD)`.
fn footer_shows_the_version(rig: &Rig) -> Result<(), Failed> {
    let binary = smtplab_e2e::bridge_process::binary()?;
    let out = Command::new(&binary)
        .arg("--version")
        .output()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !version.starts_with("smtplab ") || !version.contains("(commit ") {
        return Err(format!("--version printed {version:?}").into());
    }
    on_page(rig, "footer", |page| async move {
        open_app(&page, rig.bridge.url(), APP_READY).await?;
        let footer = page
            .wait_for_text("#version", &version, Duration::from_secs(10))
            .await?;
        check(footer.trim() == version, || {
            format!("footer {footer:?}, --version {version:?}")
        })
    })
}

/// Reloads the page (`location.reload()`, as F5 does) and waits until the
/// new document's app reports the bridge ready.
async fn reload_app(page: &Page) -> Result<(), Problem> {
    page.eval(
        "window.__smtplabOld = true; setTimeout(() => location.reload(), 0);",
        vec![],
    )
    .await?;
    page.poll("the reloaded document", APP_READY, || async {
        let fresh = page
            .eval(
                "return document.readyState === 'complete' && !window.__smtplabOld;",
                vec![],
            )
            .await?;
        Ok(if fresh == Value::Bool(true) {
            Ok(())
        } else {
            Err("not reloaded yet".to_owned())
        })
    })
    .await?;
    page.wait_for("#session-form", APP_READY).await?;
    let status = page
        .wait_for_attr(
            "#bridge-status",
            "data-status",
            &["ready", "problem"],
            APP_READY,
        )
        .await?;
    check(status == "ready", || {
        format!("after the reload the bridge banner says {status}")
    })
}

/// The cookies the browser holds for the page's site (every port).
async fn cookies(page: &Page) -> Result<Vec<String>, Problem> {
    let all = page
        .client()
        .get_all_cookies()
        .await
        .map_err(|e| Problem::Check(format!("read the cookies: {e}")))?;
    Ok(all
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect())
}

/// The token never sits in a cookie (cookies ignore ports, so other web
/// servers on the host would get it), nor in the address after load; a
/// reload without it still reaches the bridge with it (`/status` for the
/// footer, `/sandbox` for the preset, `/ws` for the banner).
fn reload_keeps_the_token_in_the_tab(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "reload", |page| async move {
        let token = rig.bridge.token().to_owned();
        open_app(&page, rig.bridge.url(), APP_READY).await?;
        wait_for_sandbox_preset(&page, rig.sandbox).await?;
        for round in ["first load", "reload"] {
            let href = page.eval("return location.href;", vec![]).await?;
            let href = href.as_str().unwrap_or_default().to_owned();
            check(!href.contains("token") && !href.contains(&token), || {
                format!("{round}: the address holds the token: {href}")
            })?;
            let jar = cookies(&page).await?;
            check(jar.iter().all(|c| !c.contains(&token)), || {
                format!("{round}: a cookie holds the token: {jar:?}")
            })?;
            let kept = page
                .eval("return sessionStorage.getItem('smtplab_token');", vec![])
                .await?;
            check(kept.as_str() == Some(token.as_str()), || {
                format!("{round}: sessionStorage holds {kept}")
            })?;
            if round == "first load" {
                reload_app(&page).await?;
                wait_for_sandbox_preset(&page, rig.sandbox).await?;
                page.wait_for_text("#version", "smtplab", Duration::from_secs(10))
                    .await?;
            }
        }
        Ok(())
    })
}

/// Two bridges on two ports of 127.0.0.1 (one site to a cookie): each tab
/// keeps its own token, so opening the second does not lock the first
/// out, and going back to either without `?token=` works.
fn two_bridges_side_by_side(rig: &Rig) -> Result<(), Failed> {
    let spare = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("probe a port: {e}"))?
        .port();
    let other = Bridge::spawn(spare, &[]).map_err(|e| e.to_string())?;
    on_page(rig, "two-bridges", |page| async move {
        let other_origin = other
            .url()
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        open_app(&page, rig.bridge.url(), APP_READY).await?;
        wait_for_sandbox_preset(&page, rig.sandbox).await?;
        open_app(&page, other.url(), APP_READY).await?;
        // Back to the first bridge without its token in the address, then
        // to the second: each tab origin holds its own.
        open_app(&page, &format!("{}/", rig.origin()), APP_READY).await?;
        wait_for_sandbox_preset(&page, rig.sandbox).await?;
        reload_app(&page).await?;
        open_app(&page, &format!("{other_origin}/"), APP_READY).await?;
        let kept = page
            .eval("return sessionStorage.getItem('smtplab_token');", vec![])
            .await?;
        check(kept.as_str() == Some(other.token()), || {
            format!("the second bridge's origin holds {kept}")
        })?;
        let jar = cookies(&page).await?;
        check(jar.is_empty(), || format!("cookies were set: {jar:?}"))
    })
}

/// A fresh tab on `/` (no `?token=`, nothing in its `sessionStorage`) gets
/// the page, but the bridge refuses its WebSocket: the banner says the
/// token was refused and how to get a good one.
fn tab_without_token_says_so(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "no-token", |page| async move {
        page.goto(&format!("{}/", rig.origin())).await?;
        page.wait_for("#session-form", APP_READY).await?;
        let status = page
            .wait_for_attr(
                "#bridge-status",
                "data-status",
                &["ready", "problem"],
                APP_READY,
            )
            .await?;
        check(status == "problem", || {
            format!("without a token the banner says {status}")
        })?;
        page.wait_for_text("#bridge-status", "?token=", Duration::from_secs(10))
            .await?;
        Ok(())
    })
}
