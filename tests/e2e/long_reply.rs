//! A long EHLO reply in the real UI (the `dist/` build embedded in the real
//! `smtplab` binary), in headless Chromium: a small fake SMTP server on
//! 127.0.0.1 answers EHLO with a multi-line reply of [`EHLO_LINES`] lines,
//! the most the engine accepts (`MAX_REPLY_LINES`), and the guided session
//! must still deliver, within [`BOUND`] of the click on Run.
//!
//! The time is taken by the page's own clock (`performance.now()`): a script
//! in the page notes the time and clicks Run, and a `MutationObserver` notes
//! the moment `#verdict` comes back with a `data-verdict` (the DOM change,
//! before it is painted), so WebDriver's round trips are not in the figure.
//! The trial prints it as `long EHLO (1000 lines): click to verdict N ms`.
//!
//! The rig: the fake server (std threads, one per connection), one bridge
//! allowing only its port (no sandbox), and one chromedriver. Nothing else is
//! needed: no Postfix. Nothing connects anywhere but 127.0.0.1.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use libtest_mimic::Failed;
use smtplab_e2e::browser::{check, open_app, require_built_ui, Browser, Problem};
use smtplab_e2e::guided_form::{fill_form, FormInput};
use smtplab_e2e::tab_bench::tab_run;
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::Bridge;
use smtplab_shared::smtp::reply::{ReplyParser, MAX_REPLY_BYTES, MAX_REPLY_LINES};

/// Lines in the EHLO reply: 999 `250-` lines and the final `250 ` line.
const EHLO_LINES: usize = 1000;
/// The verdict must appear within this long after the click on Run.
const BOUND: Duration = Duration::from_secs(10);
/// How long the app gets to load, render and reach the bridge.
const APP_READY: Duration = Duration::from_secs(15);
/// How long the fake server waits for a client's next line.
const IDLE: Duration = Duration::from_secs(60);
/// The EHLO name the guided form sends.
const EHLO: &str = "long-ehlo-e2e.smtplab.test";

/// Shared by every trial.
struct Rig {
    server: FakeServer,
    bridge: Bridge,
    browser: Browser,
}

fn main() {
    require_built_ui();
    run_with_rig(
        "long reply e2e",
        start_rig,
        &[(
            "long_ehlo_reply_of_1000_lines_delivers_within_10_s_in_chromium",
            long_ehlo_delivers_in_time,
        )],
    );
}

fn start_rig() -> Result<Rig, String> {
    // chromedriver starts while the bridge is built and started.
    let browser = Browser::start_in_background();
    let server = FakeServer::start()?;
    let bridge = Bridge::spawn(server.port, &["--no-sandbox"]).map_err(|e| e.to_string())?;
    let browser = browser.finish().map_err(|e| e.to_string())?;
    Ok(Rig {
        server,
        bridge,
        browser,
    })
}

/// The EHLO reply: `EHLO_LINES` lines, all `250`, the last one final.
fn long_ehlo_reply() -> String {
    let mut reply = String::from("250-long-ehlo.smtplab.test greets you\r\n");
    for i in 1..EHLO_LINES - 1 {
        let _ = write!(reply, "250-X-LONG-EHLO-{i:04} keyword and parameters\r\n");
    }
    reply.push_str("250 X-LONG-EHLO-END\r\n");
    reply
}

/// The reply is the longest the engine accepts: exactly [`EHLO_LINES`]
/// lines, that many being `MAX_REPLY_LINES`, within `MAX_REPLY_BYTES`, and
/// the engine's own parser reads it as one reply of that many lines.
fn check_reply_is_accepted(reply: &str) -> Result<(), String> {
    if EHLO_LINES != MAX_REPLY_LINES || reply.len() > MAX_REPLY_BYTES {
        return Err(format!(
            "the EHLO reply has {EHLO_LINES} lines and {} bytes; the engine accepts at most \
             {MAX_REPLY_LINES} lines and {MAX_REPLY_BYTES} bytes",
            reply.len()
        ));
    }
    let mut parser = ReplyParser::new();
    parser.push(reply.as_bytes());
    match parser.next_reply() {
        Ok(Some(parsed)) if parsed.lines.len() == EHLO_LINES && !parser.has_partial() => Ok(()),
        other => Err(format!(
            "the engine's parser does not read the EHLO reply as one reply of {EHLO_LINES} lines: {:?}",
            other.map(|r| r.map(|r| r.lines.len()))
        )),
    }
}

/// A fake SMTP server on 127.0.0.1: greets with 220, answers EHLO with
/// [`long_ehlo_reply`] and everything else as a server that accepts the
/// mail, and records what each connection did.
struct FakeServer {
    port: u16,
    /// One entry per connection: the commands (verbs) and messages received.
    seen: Arc<Mutex<Vec<Arc<Mutex<Seen>>>>>,
    stop: Arc<AtomicBool>,
}

/// What one connection did.
#[derive(Debug, Default, Clone)]
struct Seen {
    /// The command verbs in order (`EHLO`, `MAIL`, …).
    verbs: Vec<String>,
    /// The messages received after DATA (lines joined by `\n`).
    messages: Vec<String>,
}

impl FakeServer {
    fn start() -> Result<Self, String> {
        let reply = long_ehlo_reply();
        check_reply_is_accepted(&reply)?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| format!("bind the fake server: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("fake server address: {e}"))?
            .port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen_in, stop_in, reply) = (Arc::clone(&seen), Arc::clone(&stop), Arc::new(reply));
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop_in.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let record = Arc::new(Mutex::new(Seen::default()));
                if let Ok(mut all) = seen_in.lock() {
                    all.push(Arc::clone(&record));
                }
                let reply = Arc::clone(&reply);
                thread::spawn(move || {
                    let _ = serve(stream, &reply, &record);
                });
            }
        });
        Ok(Self { port, seen, stop })
    }

    /// Every connection so far.
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map_or_else(
            |_| Vec::new(),
            |all| {
                all.iter()
                    .filter_map(|s| s.lock().ok().map(|s| s.clone()))
                    .collect()
            },
        )
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees `stop`.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
    }
}

/// One SMTP conversation, one command at a time (pipelined commands are
/// answered in order too).
fn serve(stream: TcpStream, ehlo_reply: &str, seen: &Mutex<Seen>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    stream.set_nodelay(true)?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::new(stream);
    out.write_all(b"220 long-ehlo.smtplab.test ESMTP fake server for smtplab tests\r\n")?;
    let mut line = String::new();
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
        if let Ok(mut s) = seen.lock() {
            s.verbs.push(verb.clone());
        }
        let answer: &str = match verb.as_str() {
            "EHLO" => ehlo_reply,
            "HELO" => "250 long-ehlo.smtplab.test\r\n",
            "MAIL" | "RCPT" | "RSET" | "NOOP" => "250 2.0.0 OK\r\n",
            "DATA" => {
                out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                let mut message = Vec::new();
                loop {
                    line.clear();
                    if input.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    let text = line.trim_end_matches(['\r', '\n']);
                    if text == "." {
                        break;
                    }
                    message.push(text.strip_prefix('.').unwrap_or(text).to_owned());
                }
                if let Ok(mut s) = seen.lock() {
                    s.messages.push(message.join("\n"));
                }
                "250 2.0.0 Ok: queued as LONGEHLO1\r\n"
            }
            "QUIT" => {
                out.write_all(b"221 2.0.0 Bye\r\n")?;
                let _ = out.shutdown(Shutdown::Both);
                return Ok(());
            }
            _ => "502 5.5.2 Command not recognized\r\n",
        };
        out.write_all(answer.as_bytes())?;
    }
}

fn long_ehlo_delivers_in_time(rig: &Rig) -> Result<(), Failed> {
    let needle = format!(
        "long-ehlo-needle-{}-{}",
        std::process::id(),
        rig.server.port
    );
    rig.browser.trial(
        "long-ehlo",
        || rig.bridge.stderr(),
        |page| async move {
            open_app(&page, rig.bridge.url(), APP_READY).await?;
            let body = format!("A session whose EHLO reply has {EHLO_LINES} lines.\n{needle}");
            fill_form(
                &page,
                &FormInput {
                    port: rig.server.port,
                    ehlo: EHLO,
                    login: None,
                    subject: "smtplab long EHLO e2e",
                    body: &body,
                },
            )
            .await?;
            // The benchmark's timed run: the page's clock from the click to
            // the verdict in the DOM; it fails unless the verdict is "delivered".
            let timing = tab_run::run_once(&page).await?;
            let ms = timing.verdict_ms;
            println!("long EHLO ({EHLO_LINES} lines): click to verdict {ms:.0} ms");
            check(ms <= BOUND.as_secs_f64() * 1000.0, || {
                format!("the verdict took {ms:.0} ms after the click, more than {BOUND:?}")
            })?;
            // The server's side: EHLO answered, the message arrived whole.
            let seen = rig.server.seen();
            let session = seen
                .iter()
                .find(|s| s.messages.iter().any(|m| m.contains(&needle)));
            check(session.is_some(), || {
                format!("the fake server received no message with {needle:?}: {seen:?}")
            })?;
            let verbs = session.map(|s| s.verbs.clone()).unwrap_or_default();
            check(
                verbs.first().map(String::as_str) == Some("EHLO")
                    && ["MAIL", "RCPT", "DATA"]
                        .iter()
                        .all(|v| verbs.iter().any(|s| s == v)),
                || format!("unexpected commands at the fake server: {verbs:?}"),
            )?;
            Ok::<(), Problem>(())
        },
    )
}
