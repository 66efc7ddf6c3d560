//! One browser trial's life: a fresh Chromium session, the trial's body, a
//! failure report with what the page showed (text and a screenshot), and the
//! session closed whatever happened — shared by every browser test binary.

use std::fmt;
use std::future::Future;

use libtest_mimic::Failed;

use super::{Browser, BrowserError, Page};
use crate::FixtureError;

/// Why a browser trial failed.
#[derive(Debug)]
pub enum Problem {
    /// A WebDriver command or wait failed; timeouts already carry the page text.
    Browser(BrowserError),
    /// A check on what the page showed failed.
    Check(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Browser(e) => e.fmt(f),
            Self::Check(e) => f.write_str(e),
        }
    }
}

impl From<BrowserError> for Problem {
    fn from(e: BrowserError) -> Self {
        Self::Browser(e)
    }
}

impl From<FixtureError> for Problem {
    fn from(e: FixtureError) -> Self {
        Self::Check(e.to_string())
    }
}

impl From<String> for Problem {
    fn from(e: String) -> Self {
        Self::Check(e)
    }
}

impl From<&str> for Problem {
    fn from(e: &str) -> Self {
        Self::Check(e.to_owned())
    }
}

/// `Ok` when `ok`, else a failed check described by `what`.
///
/// # Errors
/// [`Problem::Check`] with `what()` when `ok` is false.
pub fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), Problem> {
    if ok {
        Ok(())
    } else {
        Err(Problem::Check(what()))
    }
}

impl Browser {
    /// Runs `body` on a fresh page and closes it. A failure is reported with
    /// the page's visible text, a screenshot `tests/artifacts/<name>-failure.png`
    /// and `context()` (e.g. the bridge's stderr), so a red trial says what the
    /// user would have seen.
    ///
    /// # Errors
    /// The trial's failure, as libtest-mimic wants it.
    pub fn trial<F, Fut, E>(
        &self,
        name: &str,
        context: impl FnOnce() -> String,
        body: F,
    ) -> Result<(), Failed>
    where
        F: FnOnce(Page) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Into<Problem>,
    {
        self.block_on(async {
            let page = self.open().await.map_err(|e| Failed::from(e.to_string()))?;
            let result = body(page.clone()).await.map_err(Into::into);
            let outcome = match result {
                Ok(()) => Ok(()),
                Err(problem) => {
                    let text = match &problem {
                        Problem::Browser(BrowserError::Timeout { .. }) => String::new(),
                        _ => format!("\n--- page text ---\n{}", page.visible_text().await),
                    };
                    let shot = match page.screenshot(&format!("{name}-failure.png"), 4000).await {
                        Ok(path) => format!("(screenshot: {})", path.display()),
                        Err(e) => format!("(no screenshot: {e})"),
                    };
                    let extra = context();
                    let extra = if extra.is_empty() {
                        extra
                    } else {
                        format!("\n{extra}")
                    };
                    Err(Failed::from(format!("{problem}{text}\n{shot}{extra}")))
                }
            };
            page.close().await;
            outcome
        })
    }
}

/// Opens `url` and waits until the app has rendered (`#session-form`) and
/// its banner says the bridge is ready.
///
/// # Errors
/// A timeout, or a check failure quoting the banner when the bridge is not ready.
pub async fn open_app(page: &Page, url: &str, ready: std::time::Duration) -> Result<(), Problem> {
    page.goto(url).await?;
    page.wait_for("#session-form", ready).await?;
    let status = page
        .wait_for_attr(
            "#bridge-status",
            "data-status",
            &["ready", "problem"],
            ready,
        )
        .await?;
    if status == "ready" {
        Ok(())
    } else {
        Err(Problem::Check(format!(
            "the bridge banner reports a problem: {:?}",
            page.text("#bridge-status").await?
        )))
    }
}

/// Clicks Run and waits up to `timeout` for the verdict; returns
/// `(data-verdict, verdict text)`.
///
/// # Errors
/// A timeout (with the page text) or a failed WebDriver command.
pub async fn run_to_verdict(
    page: &Page,
    timeout: std::time::Duration,
) -> Result<(String, String), Problem> {
    page.click("#run-button").await?;
    let kind = page
        .wait_for_attr(
            "#verdict",
            "data-verdict",
            &["delivered", "completed", "failed"],
            timeout,
        )
        .await?;
    let text = page.text("#verdict").await?.unwrap_or_default();
    Ok((kind, text))
}
