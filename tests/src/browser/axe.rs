//! The automated accessibility scan: Deque's axe-core (npm, pinned in
//! `tests/package.json`, installed into `tests/node_modules` by
//! `scripts/setup.sh`) run inside the test's Chromium on the page as shown.
//!
//! The library is not added with a `<script>` element: the app's
//! Content-Security-Policy would refuse inline script. It runs as the body
//! of a WebDriver script instead, which the page's policy does not govern,
//! and defines `window.axe` for the following `axe.run`.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{BrowserError, Page};

/// `tests/node_modules/axe-core/axe.min.js`.
fn axe_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js")
}

/// The text of axe-core's `axe.min.js`, read once per test binary.
///
/// # Errors
/// [`BrowserError::Io`] naming `scripts/setup.sh` when it is not installed.
pub fn axe_source() -> Result<String, BrowserError> {
    let path = axe_path();
    fs::read_to_string(&path).map_err(|e| BrowserError::Io {
        what: format!(
            "read {} (npm's axe-core: run scripts/setup.sh, or `npm ci` in tests/)",
            path.display()
        ),
        source: e,
    })
}

/// One rule axe found broken, with where.
#[derive(Debug, Clone)]
pub struct AxeViolation {
    /// The rule, e.g. `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    /// What the rule asks for, in a sentence.
    pub help: String,
    /// Deque's page about the rule.
    pub help_url: String,
    /// A CSS selector of each element that breaks it.
    pub targets: Vec<String>,
    /// axe's summary of what to fix on the first element.
    pub summary: String,
}

impl AxeViolation {
    /// One entry of the list [`RUN`] hands back.
    fn from_json(v: &Value) -> Self {
        let text = |key: &str| v[key].as_str().unwrap_or_default().to_owned();
        Self {
            id: text("id"),
            impact: v["impact"].as_str().map(str::to_owned),
            help: text("help"),
            help_url: text("helpUrl"),
            targets: v["targets"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            summary: text("summary"),
        }
    }

    /// Serious or critical: what the views test refuses.
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_deref(), Some("serious" | "critical"))
    }
}

impl fmt::Display for AxeViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "[{}] {}: {} ({})",
            self.impact.as_deref().unwrap_or("?"),
            self.id,
            self.help,
            self.help_url
        )?;
        for target in &self.targets {
            writeln!(f, "    at {target}")?;
        }
        if !self.summary.is_empty() {
            writeln!(f, "    {}", self.summary.replace('\n', "\n    "))?;
        }
        Ok(())
    }
}

/// axe's run, mapped to what a failure report needs.
const RUN: &str = "const done = arguments[arguments.length - 1];\
    axe.run(document, { resultTypes: ['violations'] }).then(\
      r => done({ ok: r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, \
        helpUrl: v.helpUrl, targets: v.nodes.map(n => n.target.join(' ')), \
        summary: (v.nodes[0] && v.nodes[0].failureSummary) || '' })) }),\
      e => done({ error: String(e) }));";

impl Page {
    /// Runs axe-core (`source`, from [`axe_source`]) on the document as it
    /// is now and returns every violation (hidden elements are skipped, as
    /// a reader skips them).
    ///
    /// # Errors
    /// When the library does not load or the run throws.
    pub async fn axe_violations(&self, source: &str) -> Result<Vec<AxeViolation>, BrowserError> {
        // Not `Page::eval`: its error would quote the whole library.
        let loaded = self
            .client
            .execute(
                &format!("if (!window.axe) {{ {source}\n}} return typeof window.axe;"),
                vec![],
            )
            .await
            .map_err(BrowserError::command("load axe-core into the page"))?;
        if loaded != json!("object") {
            return Err(BrowserError::Driver {
                detail: format!("axe-core did not load into the page (window.axe is {loaded})"),
            });
        }
        let result: Value = self
            .client
            .execute_async(RUN, vec![])
            .await
            .map_err(BrowserError::command("axe.run"))?;
        if let Some(error) = result.get("error") {
            return Err(BrowserError::Driver {
                detail: format!("axe.run failed: {error}"),
            });
        }
        result["ok"]
            .as_array()
            .map(|list| list.iter().map(AxeViolation::from_json).collect())
            .ok_or_else(|| BrowserError::Driver {
                detail: format!("axe's answer has no violation list: {result}"),
            })
    }
}
