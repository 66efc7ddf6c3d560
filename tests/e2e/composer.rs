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
//!   flight's replies is explained as RCPT's);
//! - a Latin-1 .eml loaded with the whole-message file picker arrives byte
//!   for byte, "not UTF-8" and "8BITMIME not known" said before the run;
//! - once a run's EHLO told Postfix's SIZE limit, a message over it (an
//!   attachment) is warned about, and the warning goes with the attachment;
//! - AUTH CRAM-MD5 from the AUTH choice delivers (Dovecot checks it); the
//!   OAuth choices ask for a bearer token in a masked field instead;
//! - an IDN recipient domain and EHLO name go out as A-labels (the
//!   browser's own conversion), as the transcript shows.
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
use smtplab_e2e::postfix::{MailOptions, DOMAIN, USER};
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::{Bridge, MailServer};

/// How long the app gets to load, render and reach the bridge.
const APP_READY: Duration = Duration::from_secs(15);
/// How long a guided session gets to reach its verdict.
const VERDICT: Duration = Duration::from_secs(20);
/// How long Postfix gets to deliver.
const DELIVERY: Duration = Duration::from_secs(15);
/// Postfix's `message_size_limit` (SIZE), small enough to go over.
const SIZE_LIMIT: u64 = 200_000;
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
            (
                "a_loaded_latin1_eml_arrives_byte_for_byte_with_its_warnings",
                latin1_eml_arrives,
            ),
            (
                "after_ehlo_a_message_over_the_size_limit_is_warned_about",
                size_limit_is_warned_about,
            ),
            (
                "cram_md5_delivers_and_oauth_asks_for_a_masked_token",
                cram_md5_and_token_field,
            ),
            (
                "international_domains_go_as_a_labels_in_ehlo_and_rcpt",
                idn_goes_as_a_labels,
            ),
        ],
    );
}

fn start_rig() -> Result<Rig, String> {
    let browser = Browser::start_in_background();
    let server = MailServer::start_with(&MailOptions {
        message_size_limit: Some(SIZE_LIMIT),
        ..MailOptions::default()
    })
    .map_err(|e| e.to_string())?;
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

fn latin1_eml_arrives(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "composer-latin1", |page| async move {
        let needle = needle(rig, "latin1");
        let mut eml = format!(
            "From: <{USER}>\nTo: <{USER}>\nSubject: {needle}\n\
             Date: Sun, 06 Dec 2026 08:00:00 +0000\nMessage-ID: <{needle}@smtplab.test>\n\
             MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n\
             Content-Transfer-Encoding: 8bit\n\n"
        )
        .into_bytes();
        eml.extend_from_slice(b"Caf\xe9 cr\xe8me br\xfbl\xe9e.\n.A dotted line.\nLast line.\n");
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("latin1.eml");
        std::fs::write(&path, &eml).map_err(|e| e.to_string())?;
        open_and_fill(rig, &page, "unused", "unused").await?;
        page.click("#whole-mode").await?;
        page.type_keys("#eml-file", &path.display().to_string())
            .await?;
        page.wait_for("#whole-not-utf8", Duration::from_secs(5))
            .await?;
        let warnings = page.text("#whole-warnings").await?.unwrap_or_default();
        check(warnings.contains("8BITMIME"), || {
            format!("no 8BITMIME warning before the run: {warnings:?}")
        })?;
        deliver(&page).await?;
        let delivered = rig
            .server
            .wait_for_message_bytes(USER, needle.as_bytes(), DELIVERY)?;
        check(delivered.ends_with(&eml), || {
            let tail = &delivered[delivered.len().saturating_sub(eml.len() + 100)..];
            format!(
                "the delivered file does not end with the .eml's bytes:\n{}",
                String::from_utf8_lossy(tail)
            )
        })?;
        let warnings = page.text("#whole-warnings").await?.unwrap_or_default();
        check(!warnings.contains("8BITMIME"), || {
            format!("Postfix offered 8BITMIME, still warned: {warnings:?}")
        })
    })
}

fn size_limit_is_warned_about(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "composer-size", |page| async move {
        open_and_fill(rig, &page, "size", "size").await?;
        page.select("#stop-after", "ehlo").await?;
        let (kind, verdict) = run_to_verdict(&page, VERDICT).await?;
        check(kind == "completed", || {
            format!("verdict {kind:?}: {verdict}")
        })?;
        let within = page.text("#message-size").await?.unwrap_or_default();
        check(within.contains(&SIZE_LIMIT.to_string()), || {
            format!("the size line does not name the SIZE limit: {within:?}")
        })?;
        check(page.text("#size-warning").await?.is_none(), || {
            "a small message is warned about".to_owned()
        })?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("big.bin");
        std::fs::write(&path, vec![0x5a; 180_000]).map_err(|e| e.to_string())?;
        page.type_keys("#attach-files", &path.display().to_string())
            .await?;
        let warning = page
            .wait_for("#size-warning", Duration::from_secs(5))
            .await?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        check(warning.contains(&SIZE_LIMIT.to_string()), || {
            format!("the warning does not name the limit: {warning:?}")
        })?;
        let bytes: u64 = page
            .eval(
                "return document.querySelector('#message-size').dataset.bytes;",
                vec![],
            )
            .await?
            .as_str()
            .and_then(|b| b.parse().ok())
            .ok_or("no size in bytes")?;
        check(bytes > SIZE_LIMIT, || {
            format!("{bytes} bytes shown, not over")
        })?;
        page.click("#attachment-remove-0").await?;
        page.poll(
            "the size warning to go with the attachment",
            Duration::from_secs(5),
            || async {
                Ok(match page.text("#size-warning").await? {
                    None => Ok(()),
                    Some(text) => Err(format!("still shown: {text}")),
                })
            },
        )
        .await?;
        Ok(())
    })
}

fn cram_md5_and_token_field(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "composer-cram-md5", |page| async move {
        let needle = needle(rig, "cram");
        open_and_fill(rig, &page, &needle, "CRAM-MD5").await?;
        page.select("#auth-mechanism", "xoauth2").await?;
        let kind = page
            .eval(
                "const t = document.querySelector('#auth-token'); \
                 return [t ? t.type : null, !!document.querySelector('#auth-password')];",
                vec![],
            )
            .await?;
        check(kind == serde_json::json!(["password", false]), || {
            format!("XOAUTH2 shows [token type, password field?] = {kind}")
        })?;
        page.select("#auth-mechanism", "cram_md5").await?;
        page.fill("#auth-username", rig.server.user()).await?;
        page.fill("#auth-password", rig.server.password()).await?;
        deliver(&page).await?;
        let transcript = page.text("#transcript").await?.unwrap_or_default();
        check(transcript.contains("AUTH CRAM-MD5"), || {
            format!("no AUTH CRAM-MD5 in the transcript:\n{transcript}")
        })?;
        rig.server.wait_for_message(USER, &needle, DELIVERY)?;
        Ok(())
    })
}

fn idn_goes_as_a_labels(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "composer-idn", |page| async move {
        open_and_fill(rig, &page, "idn", "idn").await?;
        page.fill("#ehlo-name", "bücher.example").await?;
        page.click("#rcpt-add").await?;
        page.fill("#rcpt-to-1", "kim@bücher.example").await?;
        page.select("#stop-after", "rcpt").await?;
        let (kind, verdict) = run_to_verdict(&page, VERDICT).await?;
        check(kind != "failed" || verdict.contains("RCPT"), || {
            format!("verdict {kind:?}: {verdict}")
        })?;
        let transcript = page.text("#transcript").await?.unwrap_or_default();
        for line in [
            "EHLO xn--bcher-kva.example",
            "RCPT TO:<kim@xn--bcher-kva.example>",
        ] {
            check(transcript.contains(line), || {
                format!("no {line:?} in the transcript:\n{transcript}")
            })?;
        }
        Ok(())
    })
}
