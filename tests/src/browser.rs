//! A WebDriver harness: `chromedriver` on a free loopback port driving
//! headless Chromium through `fantoccini`, with waits that time out with the
//! page's visible text in the error, and screenshots to `tests/artifacts/`.
//!
//! [`Browser`] owns the chromedriver process and a tokio runtime; each trial
//! opens its own [`Page`] (one Chromium session) and closes it when done.
//! Dropping the [`Browser`] kills chromedriver and every process below it
//! (Chromium and its helpers) by pid, so a failed or panicking trial leaves
//! nothing running.

use std::fmt::Write as _;
use std::fs;
use std::future::Future;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::program;

mod axe;
mod emulation;
mod trial;
mod views;
pub use axe::{axe_source, AxeViolation};
pub use emulation::ColorScheme;
pub use trial::{check, open_app, run_to_verdict, Problem};

/// The Chromium flags every session uses: headless, no sandbox (tests run as
/// root), and no background traffic (nothing may leave loopback).
pub const CHROMIUM_ARGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--window-size=1280,800",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
];

/// How long chromedriver gets to accept connections after it starts.
const DRIVER_STARTUP: Duration = Duration::from_secs(15);
/// How often a wait polls the page.
const POLL: Duration = Duration::from_millis(50);
/// At most this much of the page's text goes into an error.
const PAGE_TEXT_LIMIT: usize = 6_000;

/// Why the browser could not be started or a page did not behave.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// A program is not installed.
    #[error("{program} not found: apt-get install -y {package}")]
    MissingProgram {
        /// The binary looked for.
        program: &'static str,
        /// The Debian package that has it.
        package: &'static str,
    },
    /// A local resource (port, temp dir, runtime, file) failed.
    #[error("cannot {what}: {source}")]
    Io {
        /// What was attempted.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// chromedriver did not come up, or refused to open a session.
    #[error("chromedriver: {detail}")]
    Driver {
        /// The error and chromedriver's log tail.
        detail: String,
    },
    /// A WebDriver command failed.
    #[error("webdriver {what}: {source}")]
    Command {
        /// The command and its target.
        what: String,
        /// fantoccini's error.
        source: CmdError,
    },
    /// A wait ran out of time.
    #[error(
        "timed out after {waited:?} waiting for {what} (last: {last})\n--- page text ---\n{page}"
    )]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long the wait lasted.
        waited: Duration,
        /// The last value or error seen.
        last: String,
        /// The page's visible text at the time.
        page: String,
    },
}

impl BrowserError {
    fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }

    fn command(what: impl Into<String>) -> impl FnOnce(CmdError) -> Self {
        let what = what.into();
        move |source| Self::Command { what, source }
    }
}

/// [`Browser::start`] running on a thread of its own, so chromedriver comes
/// up while a rig starts its other parts (Postfix, the bridge).
#[derive(Debug)]
pub struct BrowserStart(std::thread::JoinHandle<Result<Browser, BrowserError>>);

impl BrowserStart {
    /// Waits for the start.
    ///
    /// # Errors
    /// As [`Browser::start`]; a start that panicked is a [`BrowserError::Driver`].
    pub fn finish(self) -> Result<Browser, BrowserError> {
        self.0.join().unwrap_or_else(|_| {
            Err(BrowserError::Driver {
                detail: "the chromedriver start panicked".to_owned(),
            })
        })
    }
}

/// chromedriver plus a runtime to drive it; kills everything it started on drop.
#[derive(Debug)]
pub struct Browser {
    /// The chromedriver process, leader of its own process group.
    driver: Child,
    /// `http://127.0.0.1:PORT`, chromedriver's endpoint.
    endpoint: String,
    /// The Chromium binary handed to every session.
    chromium: PathBuf,
    /// Holds chromedriver's log, for error messages.
    scratch: TempDir,
    /// Drives fantoccini's connections; multi-threaded so several trials can
    /// `block_on` at once.
    runtime: tokio::runtime::Runtime,
}

impl Browser {
    /// [`Browser::start`] on a thread of its own; [`BrowserStart::finish`]
    /// waits for it.
    pub fn start_in_background() -> BrowserStart {
        BrowserStart(std::thread::spawn(Self::start))
    }

    /// Starts chromedriver on a free loopback port and waits until it listens.
    ///
    /// # Errors
    /// A missing program, or chromedriver not listening within 15 s.
    pub fn start() -> Result<Self, BrowserError> {
        // fantoccini's connector builds a rustls config; with both ring and
        // aws-lc-rs compiled into the graph rustls cannot pick one itself.
        // Already installed (by another harness) is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let driver_bin =
            program::find_program("chromedriver").ok_or(BrowserError::MissingProgram {
                program: "chromedriver",
                package: "chromium-driver",
            })?;
        let chromium = program::find_program("chromium").ok_or(BrowserError::MissingProgram {
            program: "chromium",
            package: "chromium",
        })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| BrowserError::io("build a tokio runtime", e))?;
        let scratch = tempfile::tempdir().map_err(|e| BrowserError::io("create a temp dir", e))?;
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| BrowserError::io("find a free loopback port", e))?
            .port();
        let log = scratch.path().join("chromedriver.log");
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own group: Chromium and helpers inherit it, so all of them
            // can be found and ended together.
            .process_group(0)
            .spawn()
            .map_err(|e| BrowserError::io(format!("spawn {}", driver_bin.display()), e))?;
        let mut browser = Self {
            driver,
            endpoint: format!("http://127.0.0.1:{port}"),
            chromium,
            scratch,
            runtime,
        };
        let deadline = Instant::now() + DRIVER_STARTUP;
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            if let Ok(Some(status)) = browser.driver.try_wait() {
                return Err(browser.driver_error(format!("exited at start ({status})")));
            }
            if Instant::now() >= deadline {
                return Err(browser.driver_error(format!("not listening after {DRIVER_STARTUP:?}")));
            }
            std::thread::sleep(POLL);
        }
        Ok(browser)
    }

    /// Runs `future` to completion on the browser's runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Opens a new headless Chromium session (a fresh profile).
    ///
    /// # Errors
    /// [`BrowserError::Driver`] with chromedriver's log tail.
    pub async fn open(&self) -> Result<Page, BrowserError> {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({ "binary": self.chromium, "args": CHROMIUM_ARGS }),
        );
        let mut builder =
            ClientBuilder::rustls().map_err(|e| BrowserError::io("set up rustls", e))?;
        match builder
            .capabilities(capabilities)
            .connect(&self.endpoint)
            .await
        {
            Ok(client) => Ok(Page {
                client,
                endpoint: self.endpoint.clone(),
            }),
            Err(e) => Err(self.driver_error(format!("cannot open a session: {e}"))),
        }
    }

    fn driver_error(&self, what: String) -> BrowserError {
        let log =
            fs::read_to_string(self.scratch.path().join("chromedriver.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        BrowserError::Driver {
            detail: format!("{what}\nchromedriver log tail:\n{}", tail.join("\n")),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let leader = self.driver.id();
        // Found before chromedriver dies: orphans are re-parented and would
        // no longer be reachable from its pid.
        let mut pids = descendants(leader);
        pids.extend(group_members(leader));
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        pids.sort_unstable();
        pids.dedup();
        pids.retain(|&pid| pid != leader && pid != std::process::id());
        if !pids.is_empty() {
            let _ = Command::new("kill")
                .arg("-KILL")
                .args(pids.iter().map(u32::to_string))
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// One Chromium session. Cheap to clone (the clones share the session);
/// [`Page::close`] ends it.
#[derive(Debug, Clone)]
pub struct Page {
    /// The fantoccini client of this session.
    client: Client,
    /// chromedriver's endpoint, for its Chromium-only commands (CDP).
    endpoint: String,
}

impl Page {
    /// The fantoccini client, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Navigates to `url` and waits for the load event.
    ///
    /// # Errors
    /// When the navigation command fails.
    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        self.client
            .goto(url)
            .await
            .map_err(BrowserError::command("goto"))
    }

    /// Runs `script` (a function body; arguments in `arguments[i]`) and
    /// returns its JSON result.
    ///
    /// # Errors
    /// When the script throws or the command fails.
    pub async fn eval(&self, script: &str, args: Vec<Value>) -> Result<Value, BrowserError> {
        self.client
            .execute(script, args)
            .await
            .map_err(BrowserError::command(format!("execute {script:?}")))
    }

    /// The `innerText` of the first element matching `css`, if any.
    ///
    /// # Errors
    /// When the script fails.
    pub async fn text(&self, css: &str) -> Result<Option<String>, BrowserError> {
        let value = self
            .eval(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
                vec![json!(css)],
            )
            .await?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// The page's visible text (`document.body.innerText`), shortened to the
    /// last few thousand characters; never fails, for error messages.
    pub async fn visible_text(&self) -> String {
        let text = match self.text("body").await {
            Ok(Some(text)) => text,
            Ok(None) => "(no body)".to_owned(),
            Err(e) => format!("(cannot read the page: {e})"),
        };
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let skip = text.chars().count().saturating_sub(PAGE_TEXT_LIMIT);
        let shown: String = text.chars().skip(skip).collect();
        let mut out = format!("[{url}]\n");
        if skip > 0 {
            let _ = writeln!(out, "(… {skip} characters before)");
        }
        out.push_str(&shown);
        out
    }

    /// Polls `probe` until it yields a value, or fails after `timeout` with
    /// the last thing seen and the page's visible text.
    ///
    /// # Errors
    /// [`BrowserError::Timeout`].
    pub async fn poll<T, F, Fut>(
        &self,
        what: &str,
        timeout: Duration,
        mut probe: F,
    ) -> Result<T, BrowserError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Result<T, String>, BrowserError>>,
    {
        let start = Instant::now();
        let mut last;
        loop {
            match probe().await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(seen)) => last = seen,
                // Re-renders replace elements (stale references): try again.
                Err(e) => last = e.to_string(),
            }
            if start.elapsed() >= timeout {
                return Err(BrowserError::Timeout {
                    what: what.to_owned(),
                    waited: start.elapsed(),
                    last,
                    page: self.visible_text().await,
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until an element matches `css` and returns it.
    ///
    /// # Errors
    /// [`BrowserError::Timeout`] with the page's text.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element, BrowserError> {
        self.poll(&format!("an element matching {css:?}"), timeout, || async {
            let found = self
                .client
                .find_all(Locator::Css(css))
                .await
                .map_err(BrowserError::command("find"))?;
            Ok(found
                .into_iter()
                .next()
                .ok_or_else(|| "no match".to_owned()))
        })
        .await
    }

    /// Waits until the element matching `css` has attribute `attr` with one
    /// of the `accepted` values, and returns that value.
    ///
    /// # Errors
    /// [`BrowserError::Timeout`] with the last value and the page's text.
    pub async fn wait_for_attr(
        &self,
        css: &str,
        attr: &str,
        accepted: &[&str],
        timeout: Duration,
    ) -> Result<String, BrowserError> {
        let what = format!("{css:?} to have {attr} in {accepted:?}");
        self.poll(&what, timeout, || async {
            let value = self
                .eval(
                    "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
                    vec![json!(css), json!(attr)],
                )
                .await?;
            Ok(match value.as_str() {
                Some(v) if accepted.contains(&v) => Ok(v.to_owned()),
                Some(v) => Err(format!("{attr}={v:?}")),
                None => Err(format!("no element or no {attr}")),
            })
        })
        .await
    }

    /// Waits until the text of the element matching `css` contains `needle`,
    /// and returns the whole text.
    ///
    /// # Errors
    /// [`BrowserError::Timeout`] with the page's text.
    pub async fn wait_for_text(
        &self,
        css: &str,
        needle: &str,
        timeout: Duration,
    ) -> Result<String, BrowserError> {
        self.poll(
            &format!("{css:?} to contain {needle:?}"),
            timeout,
            || async {
                Ok(match self.text(css).await? {
                    Some(text) if text.contains(needle) => Ok(text),
                    Some(_) => Err("text without it".to_owned()),
                    None => Err("no element".to_owned()),
                })
            },
        )
        .await
    }

    /// Clicks the element matching `css` (waiting up to 5 s for it).
    ///
    /// # Errors
    /// When it does not appear or the click fails.
    pub async fn click(&self, css: &str) -> Result<(), BrowserError> {
        let element = self.wait_for(css, Duration::from_secs(5)).await?;
        element
            .click()
            .await
            .map_err(BrowserError::command(format!("click {css}")))
    }

    /// Replaces the value of the input or textarea matching `css` by typing
    /// `value` (real key events, so the app sees `input` events), then checks
    /// the field holds exactly `value`.
    ///
    /// # Errors
    /// When the field is missing, typing fails, or the value differs.
    pub async fn fill(&self, css: &str, value: &str) -> Result<(), BrowserError> {
        let element = self.wait_for(css, Duration::from_secs(5)).await?;
        element
            .clear()
            .await
            .map_err(BrowserError::command(format!("clear {css}")))?;
        element
            .send_keys(value)
            .await
            .map_err(BrowserError::command(format!("type into {css}")))?;
        self.expect_value(css, value).await
    }

    /// Chooses the option with `value` in the select matching `css`.
    ///
    /// # Errors
    /// When the select or option is missing.
    pub async fn select(&self, css: &str, value: &str) -> Result<(), BrowserError> {
        let element = self.wait_for(css, Duration::from_secs(5)).await?;
        element
            .select_by_value(value)
            .await
            .map_err(BrowserError::command(format!("select {value} in {css}")))?;
        self.expect_value(css, value).await
    }

    /// Types `keys` into the element matching `css` without clearing it
    /// (e.g. `"\u{E007}"`, Enter).
    ///
    /// # Errors
    /// When the element is missing or typing fails.
    pub async fn type_keys(&self, css: &str, keys: &str) -> Result<(), BrowserError> {
        let element = self.wait_for(css, Duration::from_secs(5)).await?;
        element
            .send_keys(keys)
            .await
            .map_err(BrowserError::command(format!("type into {css}")))
    }

    async fn expect_value(&self, css: &str, value: &str) -> Result<(), BrowserError> {
        let what = format!("{css:?} to hold {value:?}");
        self.poll(&what, Duration::from_secs(2), || async {
            let now = self
                .eval(
                    "const e = document.querySelector(arguments[0]); return e ? e.value : null;",
                    vec![json!(css)],
                )
                .await?;
            Ok(if now.as_str() == Some(value) {
                Ok(())
            } else {
                Err(format!("value {now}"))
            })
        })
        .await
    }

    /// Saves a PNG of the page from the top, `max_height` px at most, to
    /// `tests/artifacts/<name>`: the window is stretched to the page's height
    /// (capped) for the capture, then restored.
    ///
    /// # Errors
    /// When the capture or the file write fails.
    pub async fn screenshot(&self, name: &str, max_height: u64) -> Result<PathBuf, BrowserError> {
        // The window includes browser chrome: add it to the page's height.
        let extra = self
            .eval("return window.outerHeight - window.innerHeight;", vec![])
            .await?
            .as_u64()
            .unwrap_or(0);
        let page = self
            .eval("return document.documentElement.scrollHeight;", vec![])
            .await?
            .as_u64()
            .unwrap_or(800);
        let (width, old_height) = self
            .client
            .get_window_size()
            .await
            .map_err(BrowserError::command("window size"))?;
        let width = u32::try_from(width).unwrap_or(1280);
        let set = |h: u64| {
            self.client
                .set_window_size(width, u32::try_from(h).unwrap_or(800))
        };
        set(page.min(max_height.max(400)) + extra)
            .await
            .map_err(BrowserError::command("resize"))?;
        self.eval("window.scrollTo(0, 0);", vec![]).await?;
        let png = self
            .client
            .screenshot()
            .await
            .map_err(BrowserError::command("screenshot"));
        set(old_height)
            .await
            .map_err(BrowserError::command("resize"))?;
        let path = artifacts_dir().join(name);
        fs::create_dir_all(artifacts_dir())
            .map_err(|e| BrowserError::io("create tests/artifacts", e))?;
        fs::write(&path, png?)
            .map_err(|e| BrowserError::io(format!("write {}", path.display()), e))?;
        Ok(path)
    }

    /// Ends the session (Chromium exits).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// `tests/artifacts/`, where screenshots go.
pub fn artifacts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts")
}

/// Every process below `root` in the process tree.
fn descendants(root: u32) -> Vec<u32> {
    let table = process_table();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(table.iter().filter(|p| p.ppid == parent).map(|p| p.pid));
        i += 1;
    }
    found.remove(0);
    found
}

/// Every process in process group `group`.
fn group_members(group: u32) -> Vec<u32> {
    process_table()
        .into_iter()
        .filter(|p| p.pgrp == group)
        .map(|p| p.pid)
        .collect()
}

/// A row of `/proc/<pid>/stat`.
struct ProcessRow {
    pid: u32,
    ppid: u32,
    pgrp: u32,
}

fn process_table() -> Vec<ProcessRow> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = fs::read_to_string(entry.path().join("stat")).ok()?;
            // After the parenthesised name: state, ppid, pgrp, …
            let mut rest = stat.rsplit_once(')')?.1.split_whitespace().skip(1);
            let ppid = rest.next()?.parse().ok()?;
            let pgrp = rest.next()?.parse().ok()?;
            Some(ProcessRow { pid, ppid, pgrp })
        })
        .collect()
}

/// `<workspace>/dist/`, the UI build the bridge embeds when it is compiled.
pub fn dist_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist")
}

/// Ends the test binary with a clear message when the UI was not built
/// before the bridge: the browser trials would only test the "not built" page.
pub fn require_built_ui() {
    let index = dist_dir().join("index.html");
    if !index.is_file() {
        eprintln!(
            "the UI is not built ({} is missing): run `cargo run -p xtask -- build-ui --release` first \
             (./test.sh does), then rerun; the bridge embeds dist/ when it is compiled",
            index.display()
        );
        std::process::exit(101);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_grandchild_and_its_group() {
        let mut child = Command::new("sh")
            .args(["-c", "sleep 30 & wait"])
            .process_group(0)
            .spawn()
            .expect("spawn sh");
        let pid = child.id();
        let deadline = Instant::now() + Duration::from_secs(5);
        while descendants(pid).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let below = descendants(pid);
        let group = group_members(pid);
        for p in &below {
            let _ = Command::new("kill")
                .args(["-KILL", &p.to_string()])
                .status();
        }
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(below.len(), 1, "sleep under sh: {below:?}");
        assert!(
            group.contains(&pid) && group.contains(&below[0]),
            "group {group:?}"
        );
    }
}
