//! The tab's half of the performance benchmark (`tab-bench`, run by
//! `scripts/bench.sh`): what a first visit downloads, the time to the app's
//! first render, and the seed session (EHLO, AUTH LOGIN, MAIL, RCPT, DATA,
//! the message, QUIT) through the tab and the bridge against the time the
//! same session takes by `swaks` run directly. Everything runs on 127.0.0.1:
//! a throw-away Postfix with Dovecot SASL ([`MailServer`]), the real
//! `smtplab` binary ([`Bridge`]) and headless Chromium ([`Browser`]).
//!
//! # Layout
//! - [`swaks_run`]: one swaks session, wall clock and its own time lapse.
//! - [`tab_run`]: one session in the tab, timed by the page's clock.
//! - [`maildir`]: counting the deliveries.
//! - [`report`]: the Markdown table and its section of `docs/benchmarks.md`.

pub mod attach;
pub mod maildir;
pub mod report;
pub mod swaks_run;
pub mod tab_run;

use std::time::{Duration, Instant};

use crate::browser::{Browser, Page, Problem};
use crate::first_render::{self, Timings};
use crate::guided_form::{fill_form, FormInput};
use crate::postfix::USER;
use crate::ui_size::{self, DistFile};
use crate::{Bridge, MailServer};
use swaks_run::SwaksTiming;
use tab_run::TabTiming;

/// How long the app gets to load and render.
const APP_READY: Duration = Duration::from_secs(15);
/// How long a delivery may take to reach the Maildir after its session.
const DELIVERY: Duration = Duration::from_secs(20);

/// Why the benchmark could not finish.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A program is missing or a fixture (Postfix, bridge, chromedriver) did not start.
    #[error("set-up: {0}")]
    Setup(String),
    /// A page did not behave (the message has its text and a screenshot path).
    #[error("in the browser: {0}")]
    Browser(String),
    /// swaks failed.
    #[error("swaks: {0}")]
    Swaks(String),
    /// A session did not deliver its message.
    #[error("delivery: {0}")]
    Delivery(String),
    /// The run took longer than `--deadline-secs`.
    #[error("deadline of {secs} s passed during {during}")]
    Deadline {
        /// The deadline.
        secs: u64,
        /// What was being measured.
        during: String,
    },
}

/// What to measure and how often.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Seed sessions timed per client (swaks and the tab), after one warm-up each.
    pub runs: usize,
    /// Navigations timed, cold and warm each.
    pub navigations: usize,
    /// The whole run must end within this.
    pub deadline: Duration,
}

/// The seed session both clients run.
#[derive(Debug, Clone, Copy)]
pub struct Seed<'a> {
    /// The EHLO name.
    pub ehlo: &'a str,
    /// AUTH LOGIN user.
    pub user: &'a str,
    /// AUTH LOGIN password.
    pub password: &'a str,
    /// MAIL FROM.
    pub from: &'a str,
    /// RCPT TO.
    pub to: &'a str,
    /// The Subject header.
    pub subject: &'a str,
}

impl Seed<'_> {
    /// The message body sent by `client`; it ends with [`Seed::needle`] of
    /// that client, by which its deliveries are counted.
    pub fn body(&self, client: &str) -> String {
        format!(
            "The seed session, timed by smtplab's tab-bench.\n{}",
            Self::needle(client)
        )
    }

    /// The word in the body that marks `client`'s messages.
    pub fn needle(client: &str) -> String {
        format!("tab-bench-via-{client}")
    }
}

/// Everything one run measured.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// `dist/` as read at the start (checked to be what the bridge serves).
    pub files: Vec<DistFile>,
    /// One fresh Chromium session per navigation.
    pub cold: Vec<Timings>,
    /// Reloads in one session, after one unmeasured navigation.
    pub warm: Vec<Timings>,
    /// swaks run directly, in order.
    pub swaks: Vec<SwaksTiming>,
    /// Sessions in the tab, in order.
    pub tab: Vec<TabTiming>,
    /// Messages delivered, (swaks, tab), warm-up runs included.
    pub delivered: (usize, usize),
    /// `chromium --version`.
    pub chromium: String,
    /// `swaks --version`.
    pub swaks_version: String,
}

/// Runs the benchmark: starts the rig, measures, stops the rig.
///
/// # Errors
/// The first [`BenchError`]; the rig is stopped either way.
pub fn run(settings: &Settings) -> Result<Figures, BenchError> {
    let deadline = Deadline {
        at: Instant::now() + settings.deadline,
        secs: settings.deadline.as_secs(),
    };
    let swaks = swaks_run::find_swaks()?;
    let mut figures = Figures {
        files: ui_size::read_dist().map_err(BenchError::Setup)?,
        swaks_version: swaks_run::version(&swaks),
        chromium: chromium_version(),
        ..Figures::default()
    };
    // chromedriver starts while Postfix comes up.
    let browser = Browser::start_in_background();
    let server = MailServer::start().map_err(|e| BenchError::Setup(e.to_string()))?;
    let bridge = Bridge::spawn(server.port(), &[]).map_err(|e| BenchError::Setup(e.to_string()))?;
    let browser = browser
        .finish()
        .map_err(|e| BenchError::Setup(e.to_string()))?;
    let rig = Rig {
        server: &server,
        bridge: &bridge,
        browser: &browser,
        deadline,
    };
    rig.first_render(settings.navigations, &mut figures)?;
    rig.sessions(settings.runs, &swaks, &mut figures)?;
    Ok(figures)
}

/// The started fixtures and the deadline, for the measuring steps.
struct Rig<'a> {
    server: &'a MailServer,
    bridge: &'a Bridge,
    browser: &'a Browser,
    deadline: Deadline,
}

/// When the run must end.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: Instant,
    secs: u64,
}

impl Deadline {
    fn check(self, during: &str) -> Result<(), BenchError> {
        if Instant::now() >= self.at {
            Err(BenchError::Deadline {
                secs: self.secs,
                during: during.to_owned(),
            })
        } else {
            Ok(())
        }
    }
}

impl Rig<'_> {
    /// Runs `body` on a fresh Chromium session; a failure carries the
    /// page's text, a screenshot and the bridge's log.
    fn on_page<F, Fut>(&self, name: &str, body: F) -> Result<(), BenchError>
    where
        F: FnOnce(Page) -> Fut,
        Fut: std::future::Future<Output = Result<(), Problem>>,
    {
        self.browser
            .trial(
                name,
                || format!("bridge log:\n{}", self.bridge.stderr()),
                body,
            )
            .map_err(|f| BenchError::Browser(f.message().unwrap_or("failed").to_owned()))
    }

    /// Cold navigations (a fresh session each), then warm reloads in one
    /// session, where the served files are checked against `dist/`.
    fn first_render(&self, navigations: usize, figures: &mut Figures) -> Result<(), BenchError> {
        let url = self.bridge.url();
        for _ in 0..navigations {
            self.deadline.check("the cold navigations")?;
            let cold = &mut figures.cold;
            self.on_page("tab-bench-cold", |page| async move {
                cold.push(first_render::measure(&page, url, APP_READY).await?);
                Ok(())
            })?;
        }
        let (warm, files, deadline) = (&mut figures.warm, &figures.files, self.deadline);
        self.on_page("tab-bench-warm", |page| async move {
            // The first navigation of the session fills the cache.
            first_render::measure(&page, url, APP_READY).await?;
            for _ in 0..navigations {
                deadline
                    .check("the warm navigations")
                    .map_err(|e| Problem::Check(e.to_string()))?;
                warm.push(first_render::measure(&page, url, APP_READY).await?);
            }
            for file in files {
                ui_size::check_served(&page, file).await?;
            }
            Ok(())
        })
    }

    /// The seed session by swaks and in the tab, alternating, one warm-up
    /// each, every delivery counted before the next session.
    fn sessions(
        &self,
        runs: usize,
        swaks: &std::path::Path,
        figures: &mut Figures,
    ) -> Result<(), BenchError> {
        let password = self.server.password();
        let seed = Seed {
            ehlo: "tab-bench.smtplab.test",
            user: self.server.user(),
            password,
            from: USER,
            to: USER,
            subject: "smtplab tab-bench seed session",
        };
        let swaks_args = swaks_run::args(&seed, self.server.port());
        let inbox_dir = maildir::new_dir(self.server, USER);
        let (swaks_needle, tab_needle) = (Seed::needle("swaks"), Seed::needle("tab"));
        let (inbox, swaks_needle, tab_needle, swaks_args) =
            (&inbox_dir, &swaks_needle, &tab_needle, &swaks_args);
        let tab_body = seed.body("tab");
        let form = FormInput {
            port: self.server.port(),
            ehlo: seed.ehlo,
            login: Some((seed.user, password)),
            subject: seed.subject,
            body: &tab_body,
        };
        let (swaks_times, tab_times, delivered) =
            (&mut figures.swaks, &mut figures.tab, &mut figures.delivered);
        let deadline = self.deadline;
        let url = self.bridge.url();
        self.on_page("tab-bench-session", |page| async move {
            crate::browser::open_app(&page, url, APP_READY).await?;
            fill_form(&page, &form).await?;
            let swaks_once = |delivered: &mut (usize, usize)| -> Result<SwaksTiming, Problem> {
                let timing = swaks_run::run(swaks, swaks_args).map_err(into_problem)?;
                delivered.0 += 1;
                maildir::wait_for_count(inbox, swaks_needle, delivered.0, DELIVERY)
                    .map_err(into_problem)?;
                Ok(timing)
            };
            // Warm-up: Perl's files in the page cache, the tab's engine
            // and socket paths exercised once; not counted.
            swaks_once(delivered)?;
            tab_once(&page, delivered, inbox, tab_needle).await?;
            for i in 0..runs {
                deadline
                    .check("the seed sessions")
                    .map_err(|e| Problem::Check(e.to_string()))?;
                // Alternate which goes first, so neither always follows
                // the other's delivery.
                if i % 2 == 0 {
                    swaks_times.push(swaks_once(delivered)?);
                    tab_times.push(tab_once(&page, delivered, inbox, tab_needle).await?);
                } else {
                    tab_times.push(tab_once(&page, delivered, inbox, tab_needle).await?);
                    swaks_times.push(swaks_once(delivered)?);
                }
            }
            Ok(())
        })?;
        let (swaks_seen, tab_seen) = (
            maildir::count(inbox, swaks_needle),
            maildir::count(inbox, tab_needle),
        );
        if (swaks_seen, tab_seen) != (runs + 1, runs + 1) {
            return Err(BenchError::Delivery(format!(
                "{swaks_seen} messages from swaks and {tab_seen} from the tab, expected {} each",
                runs + 1
            )));
        }
        Ok(())
    }
}

/// One session in the tab, then its delivery counted.
async fn tab_once(
    page: &Page,
    delivered: &mut (usize, usize),
    inbox: &std::path::Path,
    needle: &str,
) -> Result<TabTiming, Problem> {
    let timing = tab_run::run_once(page).await?;
    delivered.1 += 1;
    maildir::wait_for_count(inbox, needle, delivered.1, DELIVERY).map_err(into_problem)?;
    Ok(timing)
}

fn into_problem(e: BenchError) -> Problem {
    Problem::Check(e.to_string())
}

/// `chromium --version`, or "chromium" when it cannot be run.
pub(crate) fn chromium_version() -> String {
    crate::program::find_program("chromium")
        .and_then(|path| {
            std::process::Command::new(path)
                .arg("--version")
                .output()
                .ok()
        })
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "chromium (version unknown)".into())
}
