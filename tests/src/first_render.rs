//! The time from navigation to the app's first render, read from the page's
//! Performance API: shared by the browser trial that prints it and by the
//! `tab-bench` program that tables it.
//!
//! `index.html` has an empty `<body>` until the wasm app renders, so the
//! page's `first-contentful-paint` is the app's first render on screen.
//! Marks the app sets itself with `performance.mark` are read too, so a
//! "rendered" mark shows up in the figures once the app has one.

use std::time::Duration;

use serde_json::Value;

use crate::browser::{Page, Problem};

/// How long the timings may take to appear once the app has rendered.
const TIMINGS_WAIT: Duration = Duration::from_secs(5);

/// Timings of one navigation, in ms since navigation start.
#[derive(Debug, Clone, PartialEq)]
pub struct Timings {
    /// First contentful paint: the app's first render on screen.
    pub fcp: f64,
    /// `DOMContentLoaded` done.
    pub dcl: f64,
    /// The wasm fetch finished (`responseEnd`).
    pub wasm: f64,
    /// The app's own `performance.mark` entries (name, start time), in
    /// order; empty when the app sets none.
    pub marks: Vec<(String, f64)>,
}

impl Timings {
    /// Parses what [`TIMINGS_JS`] returns; `Err` names what is missing.
    ///
    /// # Errors
    /// A description of the missing field.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let field = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_f64)
                .ok_or_else(|| format!("no {name} in {value}"))
        };
        let marks = value
            .get("marks")
            .and_then(Value::as_array)
            .map(|marks| {
                marks
                    .iter()
                    .filter_map(|m| Some((m.get(0)?.as_str()?.to_owned(), m.get(1)?.as_f64()?)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            fcp: field("fcp")?,
            dcl: field("dcl")?,
            wasm: field("wasm")?,
            marks,
        })
    }

    /// The start time of the app's mark called `name`, if it set one.
    pub fn mark(&self, name: &str) -> Option<f64> {
        self.marks.iter().find(|(n, _)| n == name).map(|(_, t)| *t)
    }
}

/// The page script behind [`Timings`]: `null` until paint, navigation and
/// the wasm resource are all recorded.
pub const TIMINGS_JS: &str = "\
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];\
    const nav = performance.getEntriesByType('navigation')[0];\
    const wasm = performance.getEntriesByType('resource').find(r => r.name.includes('.wasm'));\
    if (!fcp || !nav || !wasm || !nav.domContentLoadedEventEnd) return null;\
    const marks = performance.getEntriesByType('mark').map(m => [m.name, m.startTime]);\
    return { fcp: fcp.startTime, dcl: nav.domContentLoadedEventEnd, wasm: wasm.responseEnd, marks };";

/// Navigates to `url`, waits up to `ready` for the app's form
/// (`#session-form`), then for the timings, and returns them.
///
/// # Errors
/// A timeout (with the page's text) or a failed WebDriver command.
pub async fn measure(page: &Page, url: &str, ready: Duration) -> Result<Timings, Problem> {
    page.goto(url).await?;
    page.wait_for("#session-form", ready).await?;
    let timings = page
        .poll("paint and navigation timings", TIMINGS_WAIT, || async {
            let value = page.eval(TIMINGS_JS, vec![]).await?;
            Ok(Timings::from_json(&value))
        })
        .await?;
    Ok(timings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_timings_and_the_app_marks() {
        let t = Timings::from_json(&json!({
            "fcp": 120.5, "dcl": 80.0, "wasm": 95.25, "marks": [["rendered", 118.0]]
        }))
        .expect("timings");
        assert_eq!((t.fcp, t.dcl, t.wasm), (120.5, 80.0, 95.25));
        assert_eq!(t.mark("rendered"), Some(118.0));
        assert_eq!(t.mark("other"), None);
        let none = Timings::from_json(&json!({"fcp": 1.0, "dcl": 2.0, "wasm": 3.0, "marks": []}))
            .expect("timings");
        assert!(none.marks.is_empty());
        assert!(Timings::from_json(&Value::Null).is_err());
    }
}
