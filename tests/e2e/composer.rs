//! The tab's message composer (issue 17) in the real UI (the `dist/` build
//! in the real `smtplab` binary, headless Chromium) against the real
//! Postfix, each trial checked on what Postfix delivered:
//!
//! - two custom header rows arrive as headers;
//! - a file set on the attachment picker (WebDriver's file upload, the
//!   counterpart of CDP's `DOM.setFileInputFiles`) arrives as an
//!   attachment whose decoded SHA-256 is the file's;
//! - a message pasted in whole-message mode arrives byte for byte after
//!   the headers Postfix adds (dot-stuffing undone, line endings LF in the
//!   Maildir as typed);
//! - the PIPELINING checkbox of the Extensions section makes the transcript
//!   say how many commands went in one flight, each reply explained as the
//!   answer to its own command (an unknown recipient's 550 amid the
//!   flight's replies is explained as RCPT's).
//!
//! One [`MailServer`], one [`Bridge`] and one chromedriver serve every
//! trial; each trial opens its own Chromium session. Only 127.0.0.1.

use std::future::Future;
use std::time::Duration;

use libtest_mimic::Failed;
use mail_parser::{MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};
use smtplab_e2e::browser::{
    check, open_app, require_built_ui, run_to_verdict, Browser, Page, Problem,
};
use smtplab_e2e::guided_form::{fill_form, FormInput};
use smtplab_e2e::postfix::{DOMAIN, USER};
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::{Bridge, MailServer};

/// How long the app gets to load, render and reach the bridge.
const APP_READY: Duration = Duration::from_secs(15);
/// How long a guided session gets to reach its verdict.
const VERDICT: Duration = Duration::from_secs(20);
/// How long Postfix gets to deliver.
const DELIVERY: Duration = Duration::from_secs(15);
/// The EHLO name the form sends.
const EHLO: &str = "composer-e2e.smtplab.test";

/// Shared by every trial.
struct Rig {
    server: MailServer,
    bridge: Bridge,
    browser: Browser,
}

fn main() {
    require_built_ui();
    run_with_rig(
        "composer e2e",
        start_rig,
        &[
            ("two_header_rows_arrive_as_headers", header_rows_arrive),
            (
                "a_picked_file_arrives_attached_with_the_same_sha256",
                attachment_arrives,
            ),
            (
                "a_pasted_whole_message_arrives_byte_for_byte",
                whole_message_arrives,
            ),
            (
                "the_pipelining_checkbox_sends_one_flight_and_says_so",
                pipelining_flight_is_shown,
            ),
        ],
    );
}

fn start_rig() -> Result<Rig, String> {
    let browser = Browser::start_in_background();
    let server = MailServer::start().map_err(|e| e.to_string())?;
    let bridge = Bridge::spawn(server.port(), &[]).map_err(|e| e.to_string())?;
    let browser = browser.finish().map_err(|e| e.to_string())?;
    Ok(Rig {
        server,
        bridge,
        browser,
    })
}

/// Runs `body` on a fresh page, the bridge's stderr and Postfix's log
/// added to a failure.
fn on_page<F, Fut>(rig: &Rig, name: &str, body: F) -> Result<(), Failed>
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = Result<(), Problem>>,
{
    let context = || {
        format!(
            "--- bridge stderr ---\n{}\n--- postfix log ---\n{}",
            rig.bridge.stderr(),
            rig.server.log_tail(20)
        )
    };
    rig.browser.trial(name, context, body)
}

/// A marker unique to one trial of this run.
fn needle(rig: &Rig, what: &str) -> String {
    format!("composer-{what}-{}", rig.server.port())
}

/// Opens the app and fills server, envelope, subject and body (no AUTH).
async fn open_and_fill(rig: &Rig, page: &Page, subject: &str, body: &str) -> Result<(), Problem> {
    open_app(page, rig.bridge.url(), APP_READY).await?;
    fill_form(
        page,
        &FormInput {
            port: rig.server.port(),
            ehlo: EHLO,
            login: None,
            subject,
            body,
        },
    )
    .await
}

/// Clicks Run and requires a delivery.
async fn deliver(page: &Page) -> Result<(), Problem> {
    let (kind, verdict) = run_to_verdict(page, VERDICT).await?;
    check(kind == "delivered", || {
        format!("verdict {kind:?}: {verdict}")
    })
}

fn header_rows_arrive(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "composer-headers", |page| async move {
        let needle = needle(rig, "headers");
        open_and_fill(rig, &page, &needle, "two custom headers").await?;
        page.click("#header-add").await?;
        page.click("#header-add").await?;
        page.fill("#header-name-0", "X-Smtplab-First").await?;
        page.fill("#header-value-0", "one value").await?;
        page.fill("#header-name-1", "X-Smtplab-Second").await?;
        page.fill("#header-value-1", "second, with a comma").await?;
        deliver(&page).await?;
        let message = rig.server.wait_for_message(USER, &needle, DELIVERY)?;
        let head = message.split("\n\n").next().unwrap_or_default().to_owned();
        for line in [
            "X-Smtplab-First: one value\n",
            "X-Smtplab-Second: second, with a comma\n",
        ] {
            check(head.contains(line), || {
                format!("the delivered headers lack {line:?}:\n{head}")
            })?;
        }
        Ok(())
    })
}

fn attachment_arrives(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "composer-attachment", |page| async move {
        let needle = needle(rig, "attachment");
        // Every byte value, in an order that is no text.
        let bytes: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("composer-blob.bin");
        std::fs::write(&path, &bytes).map_err(|e| e.to_string())?;
        open_and_fill(rig, &page, &needle, "one attachment").await?;
        page.type_keys("#attach-files", &path.display().to_string())
            .await?;
        let item = "[data-testid=attachment][data-name='composer-blob.bin']";
        page.wait_for(item, Duration::from_secs(5)).await?;
        let shown = page
            .eval(
                "const e = document.querySelector(arguments[0]); return [e.dataset.size, e.dataset.type];",
                vec![serde_json::json!(item)],
            )
            .await?;
        check(
            shown == serde_json::json!(["20000", "application/octet-stream"]),
            || format!("the attachment shows size and type {shown}"),
        )?;
        deliver(&page).await?;
        let message = rig.server.wait_for_message(USER, &needle, DELIVERY)?;
        let parsed = MessageParser::new()
            .parse(message.as_bytes())
            .ok_or("the delivered message does not parse")?;
        let attachment = parsed
            .attachments()
            .find(|a| a.attachment_name() == Some("composer-blob.bin"))
            .ok_or_else(|| format!("no composer-blob.bin attached:\n{message}"))?;
        check(
            Sha256::digest(attachment.contents()) == Sha256::digest(&bytes),
            || {
                format!(
                    "the attachment's SHA-256 differs ({} bytes arrived, {} sent)",
                    attachment.contents().len(),
                    bytes.len()
                )
            },
        )
    })
}

fn whole_message_arrives(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "composer-whole", |page| async move {
        let needle = needle(rig, "whole");
        let raw = format!(
            "From: Alice <{USER}>\n\
             To: <{USER}>\n\
             Subject: whole message {needle}\n\
             Date: Sat, 1 Nov 2025 10:00:00 +0000\n\
             Message-ID: <{needle}@smtplab.test>\n\
             X-Odd-Spacing:   kept   as   typed\n\
             MIME-Version: 1.0\n\
             Content-Type: text/plain; charset=us-ascii\n\
             \n\
             .a line that begins with a dot\n\
             ..and one with two\n\
             \n\
             last line {needle}\n"
        );
        open_and_fill(rig, &page, "unused", "unused").await?;
        page.click("#whole-mode").await?;
        page.fill("#whole-message", &raw).await?;
        let size = page
            .eval(
                "return document.querySelector('#message-size')?.dataset.bytes ?? null;",
                vec![],
            )
            .await?;
        let lines = raw.lines().count();
        let want = (raw.len() + lines).to_string();
        check(size.as_str() == Some(want.as_str()), || {
            format!("message size shown {size}, want {want} (CRLF line endings)")
        })?;
        deliver(&page).await?;
        let message = rig.server.wait_for_message(USER, &needle, DELIVERY)?;
        let start = message
            .find("From: Alice")
            .ok_or("no From line delivered")?;
        let (added, delivered) = message.split_at(start);
        check(delivered == raw, || {
            format!("delivered differs from pasted:\n--- delivered ---\n{delivered}\n--- pasted ---\n{raw}")
        })?;
        for line in added.lines() {
            let ok = line.starts_with(' ')
                || line.starts_with('\t')
                || [
                    "Return-Path:",
                    "Delivered-To:",
                    "X-Original-To:",
                    "Received:",
                ]
                .iter()
                .any(|h| line.starts_with(h));
            check(ok, || {
                format!("an unexpected line before the message: {line:?}")
            })?;
        }
        Ok(())
    })
}

fn pipelining_flight_is_shown(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "composer-pipelining", |page| async move {
        let needle = needle(rig, "pipelining");
        open_and_fill(rig, &page, &needle, "pipelined").await?;
        // A second recipient Postfix does not know: its 550 comes back in
        // the middle of the flight's replies.
        page.click("#rcpt-add").await?;
        page.fill("#rcpt-to-1", &format!("nobody@{DOMAIN}")).await?;
        page.click("#extensions-toggle").await?;
        page.click("#ext-pipelining").await?;
        deliver(&page).await?;
        let transcript = page.text("#transcript").await?.unwrap_or_default();
        // MAIL, two RCPT and DATA: four commands, three round trips saved.
        check(
            transcript.contains("4 commands in one flight, 3 round trips saved"),
            || format!("no flight note in the transcript:\n{transcript}"),
        )?;
        // The flight goes out before any of its replies, and each reply
        // is explained as the answer to its own command.
        let lines = page
            .eval(
                "return [...document.querySelectorAll('#transcript .line')].map(l => \
                 [l.querySelector('.marker').innerText.trim(), l.querySelector('.text').innerText]);",
                vec![],
            )
            .await?;
        let lines: Vec<(String, String)> =
            serde_json::from_value(lines.clone()).map_err(|e| format!("lines {lines}: {e}"))?;
        let position = |marker: &str, start: &str| {
            lines
                .iter()
                .position(|(m, t)| m == marker && t.starts_with(start))
        };
        let mail = position("->", "MAIL FROM:").ok_or("no MAIL FROM line")?;
        let data = position("->", "DATA").ok_or("no DATA line")?;
        let first_reply = lines
            .iter()
            .skip(mail)
            .position(|(m, _)| m == "<-")
            .map(|i| i + mail)
            .ok_or("no reply after MAIL FROM")?;
        check(
            position("->", "RCPT TO:").is_some_and(|r| r < data) && data < first_reply,
            || format!("MAIL, RCPT and DATA are not one flight before their replies: {lines:?}"),
        )?;
        // The 550 is the third reply: explained as RCPT's (an unknown
        // mailbox), not MAIL's (a refused sender).
        let refusal = lines
            .iter()
            .position(|(m, t)| m.starts_with('<') && t.starts_with("550"))
            .ok_or_else(|| format!("no 550 reply shown: {lines:?}"))?;
        let explained = lines
            .get(refusal + 1)
            .map(|(_, t)| t.as_str())
            .unwrap_or("");
        check(explained.contains("recipient does not exist"), || {
            format!("the 550 is not explained as the answer to RCPT: {explained:?}")
        })?;
        rig.server.wait_for_message(USER, &needle, DELIVERY)?;
        Ok(())
    })
}
