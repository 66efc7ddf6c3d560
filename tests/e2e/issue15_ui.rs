//! Issue 15 in the real UI (the `dist/` build in the real `smtplab` binary,
//! headless Chromium), against small fake servers on 127.0.0.1 that behave
//! as foreign or hostile servers do:
//!
//! - item 2: a chosen TLS mode survives typing a port; a port/mode mismatch
//!   is pointed out; a TLS record instead of a greeting says "this port may
//!   expect implicit TLS";
//! - item 4: a relay refusal at RCPT is explained as one (with the hint to
//!   authenticate), not "as a greeting", in English and Japanese;
//! - item 6: a garbage banner and a 5,000-line EHLO reply are shown in the
//!   transcript (escaped, folded after 200 lines) before the error line;
//! - item 7: a bridge started with `--deny-internal true` names that rule
//!   and the flags that change it, not `--allow-port`;
//! - item 8: `/favicon.ico` is served and linked; every password field is
//!   inside a form.
//!
//! The rig: the fake servers (std threads), one bridge allowing their ports,
//! a second bridge with `--deny-internal true`, and one chromedriver. No
//! Postfix. Nothing connects anywhere but 127.0.0.1.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use libtest_mimic::Failed;
use serde_json::Value;
use smtplab_e2e::browser::{check, open_app, require_built_ui, run_to_verdict, Browser, Problem};
use smtplab_e2e::guided_form::{fill_form, FormInput};
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::Bridge;

/// How long the app gets to load, render and reach the bridge.
const APP_READY: Duration = Duration::from_secs(15);
/// How long a failing session may take to its verdict.
const VERDICT: Duration = Duration::from_secs(20);
/// How long a fake server keeps a connection open.
const IDLE: Duration = Duration::from_secs(30);
/// Lines in the over-long EHLO reply.
const LONG_EHLO_LINES: usize = 5000;

/// What a fake server does with each connection.
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    /// Sends a non-SMTP banner with binary bytes, then waits.
    Garbage,
    /// Greets, then answers EHLO with [`LONG_EHLO_LINES`] lines.
    LongEhlo,
    /// Sends a TLS alert record (as a TLS server does to bytes that are no
    /// handshake), then waits.
    TlsAlert,
    /// A server that refuses to relay: 554 5.7.1 to RCPT TO.
    RelayDenied,
}

/// A fake server on 127.0.0.1.
struct FakeServer {
    port: u16,
}

impl FakeServer {
    fn start(behaviour: Behaviour) -> Result<Self, String> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| format!("bind a fake server: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                thread::spawn(move || {
                    let _ = serve(stream, behaviour);
                });
            }
        });
        Ok(Self { port })
    }
}

fn serve(stream: TcpStream, behaviour: Behaviour) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::new(stream);
    let mut line = String::new();
    match behaviour {
        Behaviour::Garbage => {
            out.write_all(b"SSH-2.0-OpenSSH_9.2 smtplab-garbage\r\n\x01\x02\xffbinary\r\n")?;
            let _ = input.read_line(&mut line);
            return Ok(());
        }
        Behaviour::TlsAlert => {
            // Alert, TLS 1.0 record, 2 bytes: fatal (2), unexpected_message (10).
            out.write_all(b"\x15\x03\x01\x00\x02\x02\x0a")?;
            let _ = input.read_line(&mut line);
            return Ok(());
        }
        Behaviour::LongEhlo | Behaviour::RelayDenied => {
            out.write_all(b"220 fake.smtplab.test ESMTP\r\n")?;
        }
    }
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let answer = match (verb.as_str(), behaviour) {
            ("EHLO", Behaviour::LongEhlo) => {
                let mut reply = String::from("250-fake.smtplab.test\r\n");
                for i in 1..LONG_EHLO_LINES - 1 {
                    let _ = write!(reply, "250-X-LINE-{i:04}\r\n");
                }
                reply.push_str("250 HELP\r\n");
                reply
            }
            ("EHLO", _) => "250-fake.smtplab.test\r\n250 8BITMIME\r\n".to_owned(),
            ("RCPT", _) => "554 5.7.1 <bob@elsewhere.example>: Relay access denied\r\n".to_owned(),
            ("QUIT", _) => {
                out.write_all(b"221 2.0.0 Bye\r\n")?;
                let _ = out.shutdown(Shutdown::Both);
                return Ok(());
            }
            _ => "250 2.0.0 Ok\r\n".to_owned(),
        };
        out.write_all(answer.as_bytes())?;
    }
}

/// Shared by every trial.
struct Rig {
    garbage: FakeServer,
    long_ehlo: FakeServer,
    tls_alert: FakeServer,
    relay: FakeServer,
    /// Allows the fake servers' ports, internal addresses allowed.
    bridge: Bridge,
    /// `--deny-internal true`, the relay server's port allowed.
    closed: Bridge,
    browser: Browser,
}

fn main() {
    require_built_ui();
    run_with_rig(
        "issue 15 e2e",
        start_rig,
        &[
            (
                "a_chosen_tls_mode_survives_a_port_and_a_mismatch_is_pointed_out",
                tls_mode_survives_ports,
            ),
            (
                "a_tls_record_instead_of_a_greeting_suggests_implicit_tls",
                tls_record_suggests_implicit_tls,
            ),
            (
                "a_relay_refusal_at_rcpt_is_explained_for_rcpt_in_both_languages",
                relay_refusal_is_explained_for_rcpt,
            ),
            (
                "a_garbage_banner_is_shown_escaped_before_the_error",
                garbage_is_shown,
            ),
            (
                "a_5000_line_ehlo_is_shown_folded_after_200_lines",
                long_ehlo_is_folded,
            ),
            (
                "an_internal_target_names_the_deny_internal_rule_not_the_port",
                internal_target_names_its_rule,
            ),
            (
                "the_favicon_is_served_and_password_fields_are_in_forms",
                favicon_and_password_forms,
            ),
        ],
    );
}

fn start_rig() -> Result<Rig, String> {
    let browser = Browser::start_in_background();
    let garbage = FakeServer::start(Behaviour::Garbage)?;
    let long_ehlo = FakeServer::start(Behaviour::LongEhlo)?;
    let tls_alert = FakeServer::start(Behaviour::TlsAlert)?;
    let relay = FakeServer::start(Behaviour::RelayDenied)?;
    let ports: Vec<String> = [&long_ehlo, &tls_alert, &relay]
        .iter()
        .map(|s| s.port.to_string())
        .collect();
    let mut args = vec!["--no-sandbox"];
    for port in &ports {
        args.extend(["--allow-port", port.as_str()]);
    }
    let bridge = Bridge::spawn(garbage.port, &args).map_err(|e| e.to_string())?;
    let closed = Bridge::spawn(relay.port, &["--no-sandbox", "--deny-internal", "true"])
        .map_err(|e| e.to_string())?;
    let browser = browser.finish().map_err(|e| e.to_string())?;
    Ok(Rig {
        garbage,
        long_ehlo,
        tls_alert,
        relay,
        bridge,
        closed,
        browser,
    })
}

fn form(port: u16) -> FormInput<'static> {
    FormInput {
        port,
        ehlo: "issue15-e2e.smtplab.test",
        login: None,
        subject: "smtplab issue 15 e2e",
        body: "A session against a fake server.",
    }
}

async fn value(page: &smtplab_e2e::browser::Page, css: &str) -> Result<String, Problem> {
    let v = page
        .eval(
            "return document.querySelector(arguments[0]).value;",
            vec![Value::from(css)],
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

fn tls_mode_survives_ports(rig: &Rig) -> Result<(), Failed> {
    rig.browser.trial(
        "issue15-tls-mode",
        || rig.bridge.stderr(),
        |page| async move {
            open_app(&page, rig.bridge.url(), APP_READY).await?;
            page.select("#tls-mode", "implicit").await?;
            page.fill("#server-port", "2465").await?;
            let mode = value(&page, "#tls-mode").await?;
            check(mode == "implicit", || {
                format!("typing port 2465 changed the chosen TLS mode to {mode:?}")
            })?;
            check(page.text("#port-tls-mismatch").await?.is_none(), || {
                "2465 with implicit TLS is no mismatch".to_owned()
            })?;
            page.select("#tls-mode", "none").await?;
            let words = page
                .wait_for_text("#port-tls-mismatch", "2465", Duration::from_secs(5))
                .await?;
            check(words.contains("implicit TLS"), || {
                format!("the mismatch does not name implicit TLS: {words}")
            })?;
            page.fill("#server-port", "587").await?;
            let mode = value(&page, "#tls-mode").await?;
            check(mode == "none", || {
                format!("typing port 587 changed the chosen TLS mode to {mode:?}")
            })?;
            page.wait_for_text("#port-tls-mismatch", "STARTTLS", Duration::from_secs(5))
                .await?;
            page.select("#tls-mode", "start_tls").await?;
            page.fill("#server-port", "25").await?;
            check(page.text("#port-tls-mismatch").await?.is_none(), || {
                "port 25 with STARTTLS is no mismatch".to_owned()
            })?;
            Ok::<(), Problem>(())
        },
    )
}

fn tls_record_suggests_implicit_tls(rig: &Rig) -> Result<(), Failed> {
    rig.browser.trial(
        "issue15-tls-record",
        || rig.bridge.stderr(),
        |page| async move {
            open_app(&page, rig.bridge.url(), APP_READY).await?;
            fill_form(&page, &form(rig.tls_alert.port)).await?;
            page.select("#tls-mode", "none").await?;
            let (kind, _) = run_to_verdict(&page, VERDICT).await?;
            check(kind == "failed", || format!("verdict {kind:?}"))?;
            let hint = page.text("#verdict-hint").await?.unwrap_or_default();
            check(hint.contains("this port may expect implicit TLS"), || {
                format!("no implicit-TLS hint: {hint:?}")
            })?;
            Ok::<(), Problem>(())
        },
    )
}

fn relay_refusal_is_explained_for_rcpt(rig: &Rig) -> Result<(), Failed> {
    rig.browser.trial(
        "issue15-relay",
        || rig.bridge.stderr(),
        |page| async move {
            open_app(&page, rig.bridge.url(), APP_READY).await?;
            fill_form(&page, &form(rig.relay.port)).await?;
            // Trials run side by side on one origin: set the mode here.
            page.select("#tls-mode", "none").await?;
            let (kind, verdict) = run_to_verdict(&page, VERDICT).await?;
            check(kind == "failed", || format!("verdict {kind:?}: {verdict}"))?;
            check(
                verdict.contains("Relay access denied")
                    && verdict.contains("authenticate (AUTH)")
                    && !verdict.contains("greeting"),
                || format!("the 554 at RCPT is not explained as a relay refusal: {verdict}"),
            )?;
            let transcript = page.text("#transcript").await?.unwrap_or_default();
            check(
                transcript.contains("554: Relay refused") && !transcript.contains("as a greeting"),
                || format!("the transcript does not explain the 554 for RCPT:\n{transcript}"),
            )?;
            page.select("#lang-select", "ja").await?;
            page.wait_for_attr("html", "lang", &["ja"], Duration::from_secs(5))
                .await?;
            let verdict = page.text("#verdict").await?.unwrap_or_default();
            check(verdict.contains("中継が拒否されました"), || {
                format!("no Japanese relay explanation: {verdict}")
            })?;
            page.select("#lang-select", "en").await?;
            Ok::<(), Problem>(())
        },
    )
}

fn garbage_is_shown(rig: &Rig) -> Result<(), Failed> {
    rig.browser.trial(
        "issue15-garbage",
        || rig.bridge.stderr(),
        |page| async move {
            open_app(&page, rig.bridge.url(), APP_READY).await?;
            fill_form(&page, &form(rig.garbage.port)).await?;
            // Trials run side by side on one origin: set the mode here.
            page.select("#tls-mode", "none").await?;
            let (kind, _) = run_to_verdict(&page, VERDICT).await?;
            check(kind == "failed", || format!("verdict {kind:?}"))?;
            let transcript = page.text("#transcript").await?.unwrap_or_default();
            let banner = transcript.find("SSH-2.0-OpenSSH_9.2 smtplab-garbage");
            let binary = transcript.find("\\u{1}\\u{2}");
            let error = transcript.find("not a valid reply");
            check(
                matches!((banner, error), (Some(b), Some(e)) if b < e) && binary.is_some(),
                || format!("the garbage is not shown escaped before the error:\n{transcript}"),
            )?;
            Ok::<(), Problem>(())
        },
    )
}

fn long_ehlo_is_folded(rig: &Rig) -> Result<(), Failed> {
    rig.browser.trial(
        "issue15-long-ehlo",
        || rig.bridge.stderr(),
        |page| async move {
            open_app(&page, rig.bridge.url(), APP_READY).await?;
            fill_form(&page, &form(rig.long_ehlo.port)).await?;
            // Trials run side by side on one origin: set the mode here.
            page.select("#tls-mode", "none").await?;
            let (kind, _) = run_to_verdict(&page, VERDICT).await?;
            check(kind == "failed", || format!("verdict {kind:?}"))?;
            let transcript = page.text("#transcript").await?.unwrap_or_default();
            let first = transcript.find("250-X-LINE-0001");
            let last_shown = transcript.find("250-X-LINE-0199");
            let more = transcript.find(" more lines");
            let error = transcript.find("not a valid reply");
            check(
                matches!((first, last_shown, more, error), (Some(a), Some(b), Some(c), Some(d)) if a < b && b < c && c < d)
                    && !transcript.contains("X-LINE-0200"),
                || {
                    let tail: String = transcript.lines().rev().take(12).collect::<Vec<_>>().join("\n");
                    format!("the long EHLO is not shown folded after 200 lines before the error; the end:\n{tail}")
                },
            )?;
            Ok::<(), Problem>(())
        },
    )
}

fn internal_target_names_its_rule(rig: &Rig) -> Result<(), Failed> {
    rig.browser.trial(
        "issue15-internal",
        || rig.closed.stderr(),
        |page| async move {
            open_app(&page, rig.closed.url(), APP_READY).await?;
            fill_form(&page, &form(rig.relay.port)).await?;
            // Trials run side by side on one origin: set the mode here.
            page.select("#tls-mode", "none").await?;
            let (kind, verdict) = run_to_verdict(&page, VERDICT).await?;
            check(kind == "failed", || format!("verdict {kind:?}: {verdict}"))?;
            check(
                verdict.contains("internal address")
                    && verdict.contains("--deny-internal")
                    && verdict.contains("--allow-target 127.0.0.1")
                    && !verdict.contains("--allow-port"),
                || format!("the refusal does not name the internal-address rule: {verdict}"),
            )?;
            Ok::<(), Problem>(())
        },
    )
}

fn favicon_and_password_forms(rig: &Rig) -> Result<(), Failed> {
    rig.browser.trial(
        "issue15-favicon",
        || rig.bridge.stderr(),
        |page| async move {
            open_app(&page, rig.bridge.url(), APP_READY).await?;
            let icon = page
                .eval(
                    "return fetch('/favicon.ico').then(r => r.arrayBuffer().then(b => \
                     [r.status, r.headers.get('content-type'), b.byteLength]));",
                    vec![],
                )
                .await?;
            check(
                icon[0] == 200 && icon[1] == "image/x-icon" && icon[2].as_u64() > Some(0),
                || format!("/favicon.ico: {icon}"),
            )?;
            let link = page
                .eval(
                    "const l = document.querySelector('link[rel=icon]'); return l ? l.getAttribute('href') : null;",
                    vec![],
                )
                .await?;
            check(link == "./favicon.ico", || format!("icon link: {link}"))?;
            // The guided form's password field shows with an AUTH mechanism.
            page.select("#auth-mechanism", "login").await?;
            page.wait_for("#auth-password", Duration::from_secs(5))
                .await?;
            let fields = page
                .eval(
                    "return [...document.querySelectorAll('input[type=password]')]\
                     .map(i => [i.id, i.getAttribute('data-testid'), i.form !== null]);",
                    vec![],
                )
                .await?;
            let fields = fields.as_array().cloned().unwrap_or_default();
            let ids: Vec<&str> = fields.iter().filter_map(|f| f[0].as_str()).collect();
            check(
                ["auth-password", "diag-auth-password", "auth-helper-password"]
                    .iter()
                    .all(|id| ids.contains(id)),
                || format!("password fields: {fields:?}"),
            )?;
            check(
                fields
                    .iter()
                    .all(|f| f[0] == f[1] && f[2] == Value::Bool(true)),
                || format!("a password field outside a form (or an id changed): {fields:?}"),
            )?;
            Ok::<(), Problem>(())
        },
    )
}
