//! The 25 MB attachment benchmark of issue 17 (`attach-bench`): one file of
//! random bytes sent with STARTTLS and AUTH LOGIN from the tab, through the
//! bridge, to a throw-away Postfix whose `message_size_limit` is raised to
//! 48 MiB ([`SIZE_LIMIT`]), against `swaks --attach` sending the same file to the same
//! submission listener. swaks is timed as a whole process (spawn to exit);
//! the tab from the click on Run to the verdict, by the page's clock.
//!
//! Both clients verify the server's certificate against a test CA made at
//! set-up (swaks with `--tls-verify --tls-ca-path`, the tab with the CA
//! pasted into its form); the certificate names `127.0.0.1`, so nothing
//! connects by name. The runs alternate (which goes first alternates too),
//! one warm-up each, then [`AttachSettings::runs`] measured each. Every
//! delivery is awaited in the Maildir and its attachment decoded and
//! compared by SHA-256 with the file.
//!
//! While the tab runs, a `PerformanceObserver` for `longtask` entries
//! (`buffered: true`) records every main-thread task over 50 ms; the
//! longest that overlaps the run is the "longest block". A 10 ms
//! `setInterval` heartbeat is kept as a cross-check (its longest gap is
//! what a user's click would have waited for at worst). The page's
//! `WebSocket` is wrapped to time the run's parts: click to `connect`,
//! the bytes the tab sent and when, the server's last bytes.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use smtplab_bench::machine::RunMachine;
use smtplab_bench::stats::median;

use super::report::group;
use super::swaks_run::{self, SwaksTiming};
use super::tab_run::{OBSERVE_AND_CLICK_JS, STEPS_JS};
use super::{chromium_version, BenchError};
use crate::browser::{open_app, Browser, Page, Problem};
use crate::postfix::{MailOptions, MailServer, DOMAIN, USER};
use crate::test_ca::TestCa;
use crate::Bridge;

/// The attachment's size by default: 25 MiB.
pub const DEFAULT_SIZE: usize = 25 << 20;
/// Postfix's `message_size_limit` for the run: 48 MiB (the 25 MiB file is
/// about 36 MB once base64-encoded). Not more: the fixture leaves Postfix's
/// `virtual_mailbox_limit` at its default, 51 200 000 bytes, and the
/// virtual delivery agent refuses to run ("virtual_mailbox_limit is smaller
/// than message_size_limit") when the message limit is above it.
pub const SIZE_LIMIT: u64 = 48 << 20;
/// Target: the tab's median ÷ swaks's median.
pub const RATIO_TARGET: f64 = 1.5;
/// The server name both clients connect to and verify (the certificate
/// names it as an IP address).
pub const HOST: &str = "127.0.0.1";
/// The attachment's file name.
pub const FILE_NAME: &str = "attach-bench.bin";

/// How long the app gets to load and render.
const APP_READY: Duration = Duration::from_secs(20);
/// How long the tab gets to read the picked file into the form.
const ATTACH_READY: Duration = Duration::from_secs(60);
/// How long one tab session may take from the click to Run enabled again.
const SESSION_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a delivery may take to reach the Maildir after its session.
const DELIVERY: Duration = Duration::from_secs(60);
/// How often the Maildir is read while waiting.
const POLL: Duration = Duration::from_millis(20);
/// How much of a delivered message is read to find its client's needle
/// (it is in the Subject, among the first headers).
const HEAD_BYTES: usize = 64 * 1024;

/// What to measure.
#[derive(Debug, Clone)]
pub struct AttachSettings {
    /// Measured runs per client, after one warm-up each.
    pub runs: usize,
    /// The attachment's size in bytes.
    pub size: usize,
    /// The whole run must end within this.
    pub deadline: Duration,
    /// A TLS 1.3 cipher suite Postfix is made to allow alone (OpenSSL's
    /// `Ciphersuites`, through `tls_config_file`), e.g.
    /// `TLS_CHACHA20_POLY1305_SHA256`; `None` leaves OpenSSL's default
    /// (the client's preference among AES-256-GCM, ChaCha20, AES-128-GCM).
    pub cipher: Option<String>,
}

/// One tab session, by the page's clock (ms from the click unless said).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TabRun {
    /// Click to the verdict.
    pub verdict_ms: f64,
    /// Click to Run enabled again.
    pub ended_ms: f64,
    /// Click to the `connect` text frame (what the app does before the
    /// socket is asked to reach the server).
    pub connect_ms: f64,
    /// Click to the first binary frame the tab sent (the first SMTP bytes).
    pub first_send_ms: f64,
    /// Click to the last binary frame the tab sent before the verdict.
    pub last_send_ms: f64,
    /// Click to the last server bytes before the verdict (QUIT's 221).
    pub last_bytes_ms: f64,
    /// Bytes the tab sent in binary frames (TLS records).
    pub sent_bytes: f64,
    /// Binary frames the tab sent.
    pub sends: usize,
    /// The longest `longtask` overlapping the run.
    pub longest_task_ms: f64,
    /// Click to that task's start.
    pub longest_start_ms: f64,
    /// Click to the last server bytes received before that task started
    /// (DATA's 354 when the task is the message's encryption).
    pub reply_before_longest_ms: f64,
    /// `longtask` entries overlapping the run.
    pub long_tasks: usize,
    /// Their summed duration.
    pub long_total_ms: f64,
    /// The longest gap between two ticks of a 10 ms heartbeat.
    pub max_gap_ms: f64,
    /// The verdict kind.
    pub kind: String,
    /// The step list: (step, status, time in ms as the app shows it).
    pub steps: Vec<(String, String, Option<f64>)>,
    /// Every `longtask` overlapping the run: (start from the click, length).
    pub tasks: Vec<(f64, f64)>,
    /// When server bytes arrived, from the click.
    pub replies: Vec<f64>,
}

/// Everything one run measured.
#[derive(Debug, Clone, Default)]
pub struct AttachFigures {
    /// The attachment's size.
    pub file_bytes: usize,
    /// Its SHA-256, hex.
    pub file_sha256: String,
    /// swaks, measured runs in order.
    pub swaks: Vec<SwaksTiming>,
    /// The tab, measured runs in order.
    pub tab: Vec<TabRun>,
    /// The warm-ups: (swaks, tab).
    pub warmup: Option<(SwaksTiming, TabRun)>,
    /// Picking the file: (ms until the UI lists it, longest task meanwhile).
    pub attach_ms: (f64, f64),
    /// A stored message from each client, in bytes: (swaks, tab).
    pub stored_bytes: (usize, usize),
    /// Deliveries whose attachment decoded to the file's SHA-256: (swaks, tab).
    pub verified: (usize, usize),
    /// The message size the UI shows before the run (`#message-size`).
    pub ui_message_bytes: Option<u64>,
    /// `chromium --version`.
    pub chromium: String,
    /// `swaks --version`.
    pub swaks_version: String,
    /// What the tab's TLS panel showed: protocol and cipher suite.
    pub tab_cipher: String,
    /// What swaks reported (its "TLS started with cipher" line).
    pub swaks_cipher: String,
    /// The suite Postfix was limited to, if any.
    pub forced_cipher: Option<String>,
}

impl AttachFigures {
    /// Median of swaks's wall clocks.
    pub fn swaks_median(&self) -> Option<f64> {
        median(&self.swaks.iter().map(|s| s.wall_ms).collect::<Vec<_>>())
    }

    /// Median of the tab's click → verdict.
    pub fn tab_median(&self) -> Option<f64> {
        median(&self.tab.iter().map(|t| t.verdict_ms).collect::<Vec<_>>())
    }

    /// The longest main-thread block over the measured runs.
    pub fn longest_block(&self) -> f64 {
        self.tab
            .iter()
            .map(|t| t.longest_task_ms)
            .fold(0.0, f64::max)
    }
}

/// Runs the benchmark: makes the file and the CA, starts Postfix, the
/// bridge and chromedriver, measures, stops everything.
///
/// # Errors
/// The first [`BenchError`]; the rig is stopped either way.
pub fn run(settings: &AttachSettings) -> Result<AttachFigures, BenchError> {
    let deadline = Instant::now() + settings.deadline;
    let check_deadline = |during: &str| {
        if Instant::now() >= deadline {
            Err(BenchError::Deadline {
                secs: settings.deadline.as_secs(),
                during: during.to_owned(),
            })
        } else {
            Ok(())
        }
    };
    let setup = |what: &str| {
        let what = what.to_owned();
        move |e: String| BenchError::Setup(format!("{what}: {e}"))
    };
    let swaks = swaks_run::find_swaks()?;
    let scratch = tempfile::Builder::new()
        .prefix("attach-bench-")
        .tempdir()
        .map_err(|e| setup("temp dir")(e.to_string()))?;
    let file = scratch.path().join(FILE_NAME);
    let data = random_bytes(settings.size).map_err(|e| setup("/dev/urandom")(e.to_string()))?;
    fs::write(&file, &data).map_err(|e| setup("write the attachment")(e.to_string()))?;
    let sha = hex(&Sha256::digest(&data));
    drop(data);
    let ca = TestCa::new("smtplab attach-bench CA").map_err(|e| setup("test CA")(e.to_string()))?;
    let ca_file = scratch.path().join("ca.pem");
    fs::write(&ca_file, ca.pem()).map_err(|e| setup("write ca.pem")(e.to_string()))?;
    let identity = ca
        .server_identity_for(&[HOST, "localhost"])
        .map_err(|e| setup("server certificate")(e.to_string()))?;
    let mut figures = AttachFigures {
        file_bytes: settings.size,
        file_sha256: sha.clone(),
        swaks_version: swaks_run::version(&swaks),
        chromium: chromium_version(),
        forced_cipher: settings.cipher.clone(),
        ..AttachFigures::default()
    };
    let browser = Browser::start_in_background();
    let server = MailServer::start_with(&MailOptions {
        tls: Some(identity),
        message_size_limit: Some(SIZE_LIMIT),
    })
    .map_err(|e| setup("Postfix")(e.to_string()))?;
    let submission = server
        .tls_ports()
        .ok_or_else(|| BenchError::Setup("Postfix started without TLS listeners".into()))?
        .submission;
    if let Some(suite) = &settings.cipher {
        limit_ciphersuites(&server, suite).map_err(setup("limit Postfix's TLS 1.3 suites"))?;
    }
    let bridge = Bridge::spawn(server.port(), &["--allow-port", &submission.to_string()])
        .map_err(|e| setup("bridge")(e.to_string()))?;
    let browser = browser
        .finish()
        .map_err(|e| setup("chromedriver")(e.to_string()))?;
    let swaks_args = swaks_args(&server, submission, &ca_file, &file);
    let mut inbox = Inbox::new(&server);
    figures.swaks_cipher = swaks_cipher(&swaks, &swaks_args)?;
    inbox.expect_one("swaks", &sha)?;
    figures.verified.0 += 1;
    let password = server.password().to_owned();
    let url = bridge.url().to_owned();
    let ca_pem = ca.pem().to_owned();
    let runs = settings.runs;
    let result = {
        let (figures, inbox, swaks_args) = (&mut figures, &mut inbox, &swaks_args);
        let (file, sha, swaks) = (&file, &sha, &swaks);
        let check_deadline = &check_deadline;
        browser.trial(
            "attach-bench",
            || format!("bridge log:\n{}", bridge.stderr()),
            |page| async move {
                open_app(&page, &url, APP_READY).await?;
                page.select("#lang-select", "en").await?;
                fill_tls_form(&page, submission, &password, &ca_pem).await?;
                figures.attach_ms = attach_file(&page, file, figures.file_bytes).await?;
                figures.ui_message_bytes = page
                    .eval(
                        "const e = document.getElementById('message-size'); return e ? Number(e.dataset.bytes) : null;",
                        vec![],
                    )
                    .await?
                    .as_u64();
                let swaks_once = |inbox: &mut Inbox, figures: &mut AttachFigures| {
                    let timing = swaks_run::run(swaks, swaks_args).map_err(to_problem)?;
                    let stored = inbox.expect_one("swaks", sha).map_err(to_problem)?;
                    figures.stored_bytes.0 = stored;
                    figures.verified.0 += 1;
                    Ok::<_, Problem>(timing)
                };
                let warm_swaks = swaks_once(inbox, figures)?;
                let warm_tab = tab_once(&page, inbox, figures, sha).await?;
                figures.warmup = Some((warm_swaks, warm_tab));
                let shown = |css: &'static str| {
                    let page = page.clone();
                    async move { page.text(css).await.map(Option::unwrap_or_default) }
                };
                figures.tab_cipher = format!(
                    "{} {}",
                    shown("#tls-protocol").await?,
                    shown("#tls-cipher").await?
                );
                for i in 0..runs {
                    check_deadline("the measured runs").map_err(to_problem)?;
                    if i % 2 == 0 {
                        let s = swaks_once(inbox, figures)?;
                        figures.swaks.push(s);
                        let t = tab_once(&page, inbox, figures, sha).await?;
                        figures.tab.push(t);
                    } else {
                        let t = tab_once(&page, inbox, figures, sha).await?;
                        figures.tab.push(t);
                        let s = swaks_once(inbox, figures)?;
                        figures.swaks.push(s);
                    }
                    eprintln!(
                        "attach-bench: run {}: swaks {:.0} ms, tab {:.0} ms (longest block {:.0} ms)",
                        i + 1,
                        figures.swaks.last().map_or(0.0, |s| s.wall_ms),
                        figures.tab.last().map_or(0.0, |t| t.verdict_ms),
                        figures.tab.last().map_or(0.0, |t| t.longest_task_ms),
                    );
                }
                Ok::<(), Problem>(())
            },
        )
    };
    result.map_err(|f| {
        BenchError::Browser(format!(
            "{}\npostfix log tail:\n{}",
            f.message().unwrap_or("failed"),
            server.log_tail(15)
        ))
    })?;
    Ok(figures)
}

/// One swaks run (not timed, delivered like the others) for its "TLS
/// started with cipher …" line.
fn swaks_cipher(swaks: &Path, args: &[String]) -> Result<String, BenchError> {
    let out = std::process::Command::new(swaks)
        .args(args)
        .output()
        .map_err(|e| BenchError::Swaks(format!("spawn {}: {e}", swaks.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(BenchError::Swaks(format!("{}:\n{text}", out.status)));
    }
    Ok(text
        .lines()
        .find_map(|l| {
            l.split_once("TLS started with cipher ")
                .map(|(_, c)| c.trim().to_owned())
        })
        .unwrap_or_else(|| "(no cipher line)".to_owned()))
}

/// Limits Postfix's TLS 1.3 cipher suites to `suite` with an OpenSSL
/// configuration (`tls_config_file`, `tls_config_name`) in the instance's
/// `etc/`, then reloads it.
fn limit_ciphersuites(server: &MailServer, suite: &str) -> Result<(), String> {
    let etc = server.base_dir().join("etc");
    let conf = etc.join("openssl-attach-bench.cnf");
    fs::write(
        &conf,
        format!(
            "attach_bench = attach_bench_settings\n\
             [attach_bench_settings]\nssl_conf = attach_bench_ssl\n\
             [attach_bench_ssl]\nsystem_default = attach_bench_tls\n\
             [attach_bench_tls]\nCiphersuites = {suite}\n"
        ),
    )
    .map_err(|e| format!("write {}: {e}", conf.display()))?;
    let run = |program: &str, args: &[&str]| -> Result<(), String> {
        let bin = crate::program::find_program(program).ok_or(format!("{program} not found"))?;
        let out = std::process::Command::new(&bin)
            .arg("-c")
            .arg(&etc)
            .args(args)
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} {args:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    run(
        "postconf",
        &[
            "-e",
            &format!("tls_config_file={}", conf.display()),
            "tls_config_name=attach_bench",
        ],
    )?;
    run("postfix", &["reload"])?;
    // smtpd processes started before the reload finish their session and
    // exit; new ones read the new settings.
    thread::sleep(Duration::from_secs(2));
    Ok(())
}

fn to_problem(e: BenchError) -> Problem {
    Problem::Check(e.to_string())
}

/// swaks's arguments: STARTTLS with the certificate verified against the
/// test CA, AUTH LOGIN, the file attached (`@path`: read from the file),
/// the DATA not echoed (`--suppress-data`: 34 MB of base64 on stdout is
/// no part of sending), the time lapse shown (which `swaks_run::run` wants).
fn swaks_args(server: &MailServer, port: u16, ca: &Path, file: &Path) -> Vec<String> {
    [
        "--server",
        HOST,
        "--port",
        &port.to_string(),
        "--tls",
        "--tls-verify",
        "--tls-ca-path",
        &ca.display().to_string(),
        "--ehlo",
        "attach-bench.smtplab.test",
        "--auth",
        "LOGIN",
        "--auth-user",
        server.user(),
        "--auth-password",
        server.password(),
        "--from",
        USER,
        "--to",
        USER,
        "--header",
        &format!("Subject: {}", subject("swaks")),
        "--body",
        "A 25 MB attachment, timed by smtplab's attach-bench.",
        "--attach-type",
        "application/octet-stream",
        "--attach",
        &format!("@{}", file.display()),
        "--suppress-data",
        "--timeout",
        "300",
        "--show-time-lapse",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// The Subject that marks `client`'s messages.
fn subject(client: &str) -> String {
    format!("smtplab attach-bench via {client}")
}

/// Fills the guided form: 127.0.0.1 and the submission port, STARTTLS
/// with the test CA pasted, AUTH LOGIN, from and to [`USER`].
async fn fill_tls_form(
    page: &Page,
    port: u16,
    password: &str,
    ca_pem: &str,
) -> Result<(), Problem> {
    page.fill("#server-host", HOST).await?;
    page.fill("#server-port", &port.to_string()).await?;
    page.select("#tls-mode", "start_tls").await?;
    page.fill("#ehlo-name", "attach-bench.smtplab.test").await?;
    page.fill("#tls-ca-pem", ca_pem).await?;
    page.select("#auth-mechanism", "login").await?;
    page.fill("#auth-username", USER).await?;
    page.fill("#auth-password", password).await?;
    page.fill("#mail-from", USER).await?;
    page.fill("#rcpt-to-0", USER).await?;
    page.fill("#subject", &subject("tab")).await?;
    page.fill(
        "#body",
        "A 25 MB attachment, timed by smtplab's attach-bench.",
    )
    .await?;
    Ok(())
}

/// Page script: a `longtask` observer (once per page) and a 10 ms
/// heartbeat, both writing into `window.__attachLong`; `arguments[0]`
/// resets the record.
const WATCH_JS: &str = "\
    if (!window.__attachLong || arguments[0]) { window.__attachLong = { tasks: [], lastTick: performance.now(), maxGap: 0, gapFrom: performance.now() }; }\
    const w = window.__attachLong;\
    if (!window.__attachLongObs) {\
      window.__attachLongObs = new PerformanceObserver((list) => {\
        for (const e of list.getEntries()) { window.__attachLong.tasks.push([e.startTime, e.duration]); }\
      });\
      window.__attachLongObs.observe({ type: 'longtask', buffered: true });\
      setInterval(() => {\
        const l = window.__attachLong; const now = performance.now();\
        if (now - l.lastTick > l.maxGap) { l.maxGap = now - l.lastTick; }\
        l.lastTick = now;\
      }, 10);\
    }\
    w.lastTick = performance.now(); w.maxGap = 0;\
    return true;";

/// Page script: the longtask entries as `[start, duration]` and the
/// heartbeat's longest gap since the reset.
const WATCHED_JS: &str =
    "const w = window.__attachLong; return w ? { tasks: w.tasks, maxGap: w.maxGap } : null;";

/// Puts `file` on the composer's `<input type=file>` and waits until the
/// UI lists it with its size; returns (ms until listed, the longest
/// main-thread task meanwhile).
async fn attach_file(page: &Page, file: &Path, size: usize) -> Result<(f64, f64), Problem> {
    let input = page
        .wait_for("#attach-files", Duration::from_secs(5))
        .await?;
    page.eval(WATCH_JS, vec![json!(true)]).await?;
    let t0 = page.eval("return performance.now();", vec![]).await?;
    let t0 = t0.as_f64().unwrap_or(0.0);
    input
        .send_keys(&file.display().to_string())
        .await
        .map_err(|e| Problem::Check(format!("send the file path to #attach-files: {e}")))?;
    let listed = page
        .poll(
            "the attachment listed with its size",
            ATTACH_READY,
            || async {
                let v = page
                    .eval(
                        "const e = document.querySelector('[data-testid=attachment]'); \
                         return e ? [e.dataset.name, Number(e.dataset.size), performance.now()] : null;",
                        vec![],
                    )
                    .await?;
                Ok(match serde_json::from_value::<(String, usize, f64)>(v.clone()) {
                    Ok((name, got, at)) if got == size && name == FILE_NAME => Ok(at),
                    _ => Err(format!("attachment row {v}")),
                })
            },
        )
        .await?;
    // The form's size line follows the attachment: let it settle.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let watched = page.eval(WATCHED_JS, vec![]).await?;
    let longest = tasks_in(&watched, t0, f64::INFINITY)
        .iter()
        .map(|t| t.1)
        .fold(0.0, f64::max);
    Ok((listed - t0, longest))
}

/// The `[start, duration]` entries of `watched` overlapping `from..to`.
fn tasks_in(watched: &Value, from: f64, to: f64) -> Vec<(f64, f64)> {
    let tasks: Vec<(f64, f64)> = watched
        .get("tasks")
        .and_then(|t| serde_json::from_value(t.clone()).ok())
        .unwrap_or_default();
    tasks
        .into_iter()
        .filter(|(start, dur)| start + dur >= from && *start <= to)
        .collect()
}

/// Page script, first part: the run's record `s` and the page's WebSocket
/// wrapped (once) to note its frames; [`OBSERVE_AND_CLICK_JS`] follows, which
/// clicks Run and returns `null`, or why it could not click.
const START_HEAD_JS: &str = "\
    const btn = document.getElementById('run-button');\
    if (!btn || btn.disabled) return 'the Run button is missing or disabled';\
    const s = { t0: 0, cleared: false, verdictAt: null, kind: null, endedAt: null, connectAt: null,\
                firstSendAt: null, lastSendAt: null, sent: 0, sends: 0, lastBytesAt: null, recv: [] };\
    window.__attachBench = s;\
    if (!window.__attachBenchWs) {\
      const Orig = window.WebSocket;\
      const Wrapped = function (url, protocols) {\
        const ws = protocols === undefined ? new Orig(url) : new Orig(url, protocols);\
        const rec = window.__attachBench;\
        const send = ws.send.bind(ws);\
        ws.send = (data) => {\
          if (rec && rec.verdictAt === null) {\
            const now = performance.now();\
            if (typeof data === 'string') { if (rec.connectAt === null && data.includes('\"connect\"')) { rec.connectAt = now; } }\
            else { const n = data.byteLength ?? data.size ?? 0; rec.sent += n; rec.sends += 1; if (rec.firstSendAt === null) { rec.firstSendAt = now; } rec.lastSendAt = now; }\
          }\
          return send(data);\
        };\
        ws.addEventListener('message', (e) => {\
          if (rec && typeof e.data !== 'string' && rec.verdictAt === null) { rec.lastBytesAt = performance.now(); rec.recv.push(rec.lastBytesAt); }\
        });\
        return ws;\
      };\
      Wrapped.prototype = Orig.prototype;\
      Object.assign(Wrapped, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });\
      window.WebSocket = Wrapped;\
      window.__attachBenchWs = true;\
    }\
";

/// One session in the tab, its delivery awaited and its attachment checked.
async fn tab_once(
    page: &Page,
    inbox: &mut Inbox,
    figures: &mut AttachFigures,
    sha: &str,
) -> Result<TabRun, Problem> {
    let run = click_and_time(page).await?;
    let stored = inbox.expect_one("tab", sha).map_err(to_problem)?;
    figures.stored_bytes.1 = stored;
    figures.verified.1 += 1;
    Ok(run)
}

/// Clicks Run (the form filled, the file attached) and times the session.
async fn click_and_time(page: &Page) -> Result<TabRun, Problem> {
    page.eval(WATCH_JS, vec![json!(false)]).await?;
    let start = format!("{START_HEAD_JS}{OBSERVE_AND_CLICK_JS}");
    let started = page.eval(&start, vec![]).await?;
    if let Some(why) = started.as_str() {
        return Err(Problem::Check(why.to_owned()));
    }
    let state = page
        .poll(
            "the verdict and Run enabled again",
            SESSION_TIMEOUT,
            || async {
                let state = page
                    .eval("return window.__attachBench || null;", vec![])
                    .await?;
                let done = state.get("endedAt").is_some_and(Value::is_number);
                Ok(if done {
                    Ok(state)
                } else {
                    Err(format!("page record {state}"))
                })
            },
        )
        .await?;
    let watched = page.eval(WATCHED_JS, vec![]).await?;
    let steps = page.eval(STEPS_JS, vec![]).await?;
    let steps: Vec<(String, String, String)> = serde_json::from_value(steps.clone())
        .map_err(|e| Problem::Check(format!("step list {steps}: {e}")))?;
    let mut run = read_run(&state, &watched)?;
    run.steps = steps
        .into_iter()
        .map(|(step, status, time)| {
            let ms = time.trim().strip_suffix("ms").and_then(|n| {
                n.trim()
                    .replace([' ', ',', '\u{a0}', '\u{202f}'], "")
                    .parse()
                    .ok()
            });
            (step, status, ms)
        })
        .collect();
    if run.kind != "delivered" {
        let verdict = page.text("#verdict").await?.unwrap_or_default();
        return Err(Problem::Check(format!(
            "verdict {:?}, want delivered: {verdict}",
            run.kind
        )));
    }
    Ok(run)
}

/// The run's figures from the page's records.
fn read_run(state: &Value, watched: &Value) -> Result<TabRun, Problem> {
    let num = |name: &str| state.get(name).and_then(Value::as_f64);
    let t0 = num("t0").ok_or_else(|| Problem::Check(format!("page record {state}")))?;
    let at = |name: &str| -> Result<f64, Problem> {
        num(name)
            .map(|v| v - t0)
            .ok_or_else(|| Problem::Check(format!("page record without {name}: {state}")))
    };
    let verdict_ms = at("verdictAt")?;
    let tasks = tasks_in(watched, t0, t0 + verdict_ms);
    let longest = tasks
        .iter()
        .copied()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((t0, 0.0));
    let recv: Vec<f64> = state
        .get("recv")
        .and_then(|r| serde_json::from_value(r.clone()).ok())
        .unwrap_or_default();
    let reply_before = recv
        .iter()
        .copied()
        .filter(|t| *t <= longest.0)
        .fold(t0, f64::max);
    Ok(TabRun {
        verdict_ms,
        ended_ms: at("endedAt")?,
        connect_ms: at("connectAt")?,
        first_send_ms: at("firstSendAt")?,
        last_send_ms: at("lastSendAt")?,
        last_bytes_ms: at("lastBytesAt")?,
        sent_bytes: num("sent").unwrap_or(0.0),
        sends: state.get("sends").and_then(Value::as_u64).unwrap_or(0) as usize,
        longest_task_ms: longest.1,
        longest_start_ms: longest.0 - t0,
        reply_before_longest_ms: reply_before - t0,
        tasks: tasks.iter().map(|(start, d)| (start - t0, *d)).collect(),
        replies: recv.iter().map(|t| t - t0).collect(),
        long_tasks: tasks.len(),
        long_total_ms: tasks.iter().map(|t| t.1).sum(),
        max_gap_ms: watched.get("maxGap").and_then(Value::as_f64).unwrap_or(0.0),
        kind: state
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        steps: Vec::new(),
    })
}

/// The Maildir `new/` of [`USER`]: each delivery awaited by its client's
/// Subject (read from the message's first [`HEAD_BYTES`] only), then
/// parsed and its attachment compared by SHA-256.
struct Inbox {
    dir: PathBuf,
    seen: HashSet<OsString>,
}

impl Inbox {
    fn new(server: &MailServer) -> Self {
        let local = USER.split('@').next().unwrap_or(USER);
        Self {
            dir: server
                .base_dir()
                .join("mail")
                .join(DOMAIN)
                .join(local)
                .join("new"),
            seen: HashSet::new(),
        }
    }

    /// Waits for exactly one new message, from `client`, checks its
    /// attachment against `sha` and returns its size.
    fn expect_one(&mut self, client: &str, sha: &str) -> Result<usize, BenchError> {
        let needle = subject(client);
        let start = Instant::now();
        loop {
            let mut fresh = Vec::new();
            if let Ok(entries) = fs::read_dir(&self.dir) {
                for entry in entries.flatten() {
                    if !self.seen.contains(&entry.file_name()) {
                        fresh.push(entry);
                    }
                }
            }
            match fresh.len() {
                0 => {}
                1 => {
                    let entry = &fresh[0];
                    self.seen.insert(entry.file_name());
                    let path = entry.path();
                    if !head_contains(&path, needle.as_bytes()) {
                        return Err(BenchError::Delivery(format!(
                            "a new message without {needle:?}: {}",
                            path.display()
                        )));
                    }
                    return check_attachment(&path, sha);
                }
                n => {
                    return Err(BenchError::Delivery(format!(
                        "{n} new messages in {} after one session by {client}",
                        self.dir.display()
                    )))
                }
            }
            if start.elapsed() >= DELIVERY {
                return Err(BenchError::Delivery(format!(
                    "no message from {client} in {} after {DELIVERY:?}",
                    self.dir.display()
                )));
            }
            thread::sleep(POLL);
        }
    }
}

/// Whether the first [`HEAD_BYTES`] of the file at `path` contain `needle`.
fn head_contains(path: &Path, needle: &[u8]) -> bool {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    if file.take(HEAD_BYTES as u64).read_to_end(&mut head).is_err() {
        return false;
    }
    head.windows(needle.len()).any(|w| w == needle)
}

/// Parses the stored message at `path`: one attachment named
/// [`FILE_NAME`] whose content has SHA-256 `sha`; returns the message size.
fn check_attachment(path: &Path, sha: &str) -> Result<usize, BenchError> {
    let bytes = fs::read(path)
        .map_err(|e| BenchError::Delivery(format!("read {}: {e}", path.display())))?;
    let parsed = MessageParser::new()
        .parse(&bytes)
        .ok_or_else(|| BenchError::Delivery(format!("{} does not parse", path.display())))?;
    let attachment = parsed
        .attachment(0)
        .ok_or_else(|| BenchError::Delivery(format!("{} has no attachment", path.display())))?;
    let got = hex(&Sha256::digest(attachment.contents()));
    if got != sha {
        return Err(BenchError::Delivery(format!(
            "{}: the attachment ({:?}, {} bytes) has SHA-256 {got}, the file {sha}",
            path.display(),
            attachment.attachment_name(),
            attachment.contents().len()
        )));
    }
    Ok(bytes.len())
}

fn random_bytes(n: usize) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::with_capacity(n);
    fs::File::open("/dev/urandom")?
        .take(n as u64)
        .read_to_end(&mut data)?;
    Ok(data)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Start of the generated block in `docs/benchmarks.md`.
pub const BEGIN: &str =
    "<!-- attach-bench:begin (written by attach-bench --write; edits here are replaced) -->";
/// End of the generated block.
pub const END: &str = "<!-- attach-bench:end -->";

/// The machine and the run, for the heading.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The machine, the date and the load.
    pub machine: RunMachine,
    /// The whole run.
    pub elapsed: Duration,
    /// How the program was started.
    pub command: String,
}

/// The Markdown block: heading line, the summary table, every run, the
/// median tab run's parts.
///
/// # Errors
/// When nothing was measured.
pub fn render(f: &AttachFigures, ctx: &Context) -> Result<String, String> {
    let swaks = f.swaks_median().ok_or("no swaks run was measured")?;
    let tab = f.tab_median().ok_or("no tab run was measured")?;
    let ratio = tab / swaks;
    let med = |v: Vec<f64>| median(&v).unwrap_or(0.0);
    let mut out = String::new();
    let _ = writeln!(out, "{}", ctx.machine.heading(ctx.elapsed.as_secs_f64()));
    let _ = writeln!(
        out,
        "Command: `{}`. {}, headless; {}.\n",
        ctx.command, f.chromium, f.swaks_version
    );
    let _ = writeln!(
        out,
        "Attachment: {} B of random bytes (SHA-256 `{}…`); stored messages {} B (swaks) and {} B (tab); \
         the UI showed {} B as the size to send. Every delivery's attachment decoded to the file's SHA-256 \
         ({} by swaks, {} by the tab, warm-ups included).\n",
        group(f.file_bytes),
        &f.file_sha256[..16.min(f.file_sha256.len())],
        group(f.stored_bytes.0),
        group(f.stored_bytes.1),
        f.ui_message_bytes.map_or("no".to_owned(), |b| group(b as usize)),
        f.verified.0,
        f.verified.1
    );
    let _ = writeln!(
        out,
        "TLS as negotiated: the tab (its TLS panel) {}; swaks {}; {}.\n",
        f.tab_cipher,
        f.swaks_cipher,
        f.forced_cipher.as_ref().map_or_else(
            || "Postfix's TLS 1.3 suites left at OpenSSL's default (the client's order decides)"
                .to_owned(),
            |c| format!("Postfix limited to `{c}` (OpenSSL `Ciphersuites` via `tls_config_file`)")
        )
    );
    out.push_str("| measure | value | target | met |\n|---|---|---|---|\n");
    let n = f.tab.len();
    let _ = writeln!(
        out,
        "| swaks `--attach`, whole process, median of {} | **{:.0} ms** |  |  |",
        f.swaks.len(),
        swaks
    );
    let _ = writeln!(
        out,
        "| tab, click → verdict, median of {n} | **{tab:.0} ms** |  |  |"
    );
    let _ = writeln!(
        out,
        "| tab ÷ swaks | **{ratio:.2}×** | ≤ {RATIO_TARGET}× | {} |",
        if ratio <= RATIO_TARGET {
            "yes"
        } else {
            "**no**"
        }
    );
    let _ = writeln!(
        out,
        "| longest main-thread block during a run (longtask, max of {n}) | **{:.0} ms** |  |  |",
        f.longest_block()
    );
    let _ = writeln!(
        out,
        "| longest gap of a 10 ms heartbeat during a run (max of {n}) | {:.0} ms |  |  |",
        f.tab.iter().map(|t| t.max_gap_ms).fold(0.0, f64::max)
    );
    let _ = writeln!(
        out,
        "| picking the file: until the UI lists it / longest block meanwhile | {:.0} ms / {:.0} ms |  |  |",
        f.attach_ms.0, f.attach_ms.1
    );
    out.push('\n');
    out.push_str(
        "| run | swaks wall | swaks on the wire (time lapse) | tab click → verdict | click → `connect` | \
         click → first / last binary frame sent | click → last reply | tab sent | longest block: length, start (the server's last bytes before it) | long tasks (n / ms) |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    let warm = f.warmup.as_ref().map(|(s, t)| ("warm-up".to_owned(), s, t));
    let rows = warm.into_iter().chain(
        f.swaks
            .iter()
            .zip(&f.tab)
            .enumerate()
            .map(|(i, (s, t))| ((i + 1).to_string(), s, t)),
    );
    for (name, s, t) in rows {
        let _ = writeln!(
            out,
            "| {name} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} / {:.0} ms | {:.0} ms | {:.1} MB in {} frames | {:.0} ms, at {:.0} ms ({:.0} ms) | {} / {:.0} ms |",
            s.wall_ms,
            s.lapse_ms,
            t.verdict_ms,
            t.connect_ms,
            t.first_send_ms,
            t.last_send_ms,
            t.last_bytes_ms,
            t.sent_bytes / 1e6,
            t.sends,
            t.longest_task_ms,
            t.longest_start_ms,
            t.reply_before_longest_ms,
            t.long_tasks,
            t.long_total_ms
        );
    }
    let _ = writeln!(
        out,
        "| median | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} / {:.0} ms | {:.0} ms |  | {:.0} ms | {:.0} / {:.0} ms |",
        swaks,
        med(f.swaks.iter().map(|s| s.lapse_ms).collect()),
        tab,
        med(f.tab.iter().map(|t| t.connect_ms).collect()),
        med(f.tab.iter().map(|t| t.first_send_ms).collect()),
        med(f.tab.iter().map(|t| t.last_send_ms).collect()),
        med(f.tab.iter().map(|t| t.last_bytes_ms).collect()),
        med(f.tab.iter().map(|t| t.longest_task_ms).collect()),
        med(f.tab.iter().map(|t| t.long_tasks as f64).collect()),
        med(f.tab.iter().map(|t| t.long_total_ms).collect()),
    );
    // The steps as the app shows them, in the run nearest the median.
    if let Some(mid) = f.tab.iter().min_by(|a, b| {
        (a.verdict_ms - tab)
            .abs()
            .total_cmp(&(b.verdict_ms - tab).abs())
    }) {
        out.push_str("\nThe app's steps in the run nearest the median (`.step-time`):");
        for (step, status, ms) in &mid.steps {
            let ms = ms.map_or("–".to_owned(), |m| format!("{m:.0} ms"));
            let _ = write!(out, " {step} {ms} ({status});");
        }
        out.push_str("\nIn that run, its long tasks (start from the click + length):");
        for (start, len) in &mid.tasks {
            let _ = write!(out, " {start:.0} + {len:.0} ms;");
        }
        out.push_str(" server bytes arrived at");
        for at in &mid.replies {
            let _ = write!(out, " {at:.0}");
        }
        out.push_str(" ms.\n");
    }
    Ok(out)
}

/// Replaces the block between [`BEGIN`] and [`END`] in `path` with
/// `section`; without the markers, appends `heading` and the block.
///
/// # Errors
/// When the file cannot be read or written.
pub fn write_section(path: &Path, heading: &str, section: &str) -> std::io::Result<()> {
    smtplab_bench::report::write_block(path, heading, (BEGIN, END), section)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_overlapping_the_run_only() {
        let watched = json!({"tasks": [[10.0, 60.0], [90.0, 55.0], [200.0, 70.0], [400.0, 80.0]], "maxGap": 75.0});
        let got = tasks_in(&watched, 100.0, 300.0);
        assert_eq!(got, vec![(90.0, 55.0), (200.0, 70.0)]);
        assert!(tasks_in(&Value::Null, 0.0, 1.0).is_empty());
    }

    #[test]
    fn a_run_reads_from_the_click() {
        let state = json!({"t0": 100.0, "verdictAt": 1100.0, "endedAt": 1120.0, "connectAt": 130.0,
                           "firstSendAt": 150.0, "lastSendAt": 1000.0, "lastBytesAt": 1090.0,
                           "sent": 1000.0, "sends": 3, "kind": "delivered"});
        let watched = json!({"tasks": [[120.0, 80.0]], "maxGap": 90.0});
        let run = read_run(&state, &watched).expect("complete record");
        assert_eq!(run.verdict_ms, 1000.0);
        assert_eq!(run.connect_ms, 30.0);
        assert_eq!(run.last_bytes_ms, 990.0);
        assert_eq!(run.longest_task_ms, 80.0);
        assert_eq!(run.long_tasks, 1);
        assert_eq!(run.sends, 3);
        assert!(read_run(&json!({"t0": 1.0}), &watched).is_err());
    }

    #[test]
    fn hex_and_grouping() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
        assert_eq!(group(26_214_400), "26 214 400");
        assert_eq!(group(12), "12");
    }
}
