//! One seed session in the tab: Run clicked from a script in the page, and
//! the page's own clock (`performance.now()`) read at the click and when
//! the verdict appears, so WebDriver's round trips are not in the figure.
//!
//! A `MutationObserver` watches the page: the old verdict must go first
//! (Run clears it, and disables the button while running), then the moment
//! `#verdict` comes back with a `data-verdict` is the end of the session
//! (the engine emits its outcome after QUIT's 221), and the moment Run is
//! enabled again is when the app closed the session.
//!
//! The page's `WebSocket` constructor is wrapped (once per page) to note
//! when the run's socket sent `connect` and when its last binary frame (the
//! server's bytes: QUIT's 221 comes last) arrived: the session on the wire,
//! the same span swaks's `--show-time-lapse` sums (connect, greeting, each
//! command to its reply), without the click handling, the WebSocket
//! handshake and the rendering.

use std::time::Duration;

use serde_json::Value;

use crate::browser::{Page, Problem};

/// How long one session may take from the click to Run enabled again.
const SESSION_TIMEOUT: Duration = Duration::from_secs(30);

/// Page script, first part: the run's record `s` and the page's WebSocket
/// wrapped (once) to note its frames; [`OBSERVE_AND_CLICK_JS`] follows, which
/// clicks Run and returns `null`, or why it could not click.
const START_HEAD_JS: &str = "\
    const btn = document.getElementById('run-button');\
    if (!btn || btn.disabled) return 'the Run button is missing or disabled';\
    const s = { t0: 0, cleared: false, verdictAt: null, kind: null, endedAt: null, connectAt: null, lastBytesAt: null };\
    window.__tabBench = s;\
    if (!window.__tabBenchWs) {\
      const Orig = window.WebSocket;\
      const Wrapped = function (url, protocols) {\
        const ws = protocols === undefined ? new Orig(url) : new Orig(url, protocols);\
        const rec = window.__tabBench;\
        const send = ws.send.bind(ws);\
        ws.send = (data) => {\
          if (rec && rec.connectAt === null && typeof data === 'string' && data.includes('\"connect\"')) { rec.connectAt = performance.now(); }\
          return send(data);\
        };\
        ws.addEventListener('message', (e) => {\
          if (rec && typeof e.data !== 'string' && rec.verdictAt === null) { rec.lastBytesAt = performance.now(); }\
        });\
        return ws;\
      };\
      Wrapped.prototype = Orig.prototype;\
      Object.assign(Wrapped, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });\
      window.WebSocket = Wrapped;\
      window.__tabBenchWs = true;\
    }\
";

/// Page script, the end of both benches' start scripts: a `MutationObserver`
/// that notes in `s` when the old verdict went, the new one came (`verdictAt`,
/// `kind`) and Run came back (`endedAt`), then `s.t0` and the click.
pub(crate) const OBSERVE_AND_CLICK_JS: &str = "\
    let obs = null;\
    const look = () => {\
      const now = performance.now();\
      const v = document.getElementById('verdict');\
      const b = document.getElementById('run-button');\
      if (!s.cleared) { if (!v || (b && b.disabled)) { s.cleared = true; } else { return; } }\
      if (s.verdictAt === null && v && v.dataset.verdict) { s.verdictAt = now; s.kind = v.dataset.verdict; }\
      if (s.verdictAt !== null && s.endedAt === null && b && !b.disabled) { s.endedAt = now; if (obs) obs.disconnect(); }\
    };\
    obs = new MutationObserver(look);\
    obs.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });\
    s.t0 = performance.now();\
    btn.click();\
    look();\
    return null;";

/// Page script: the observer's record.
const STATE_JS: &str = "return window.__tabBench || null;";

/// Page script: the step list as the app shows it.
pub(crate) const STEPS_JS: &str = "\
    return [...document.querySelectorAll('[data-testid=step]')].map(li => \
      [li.dataset.step ?? '', li.dataset.status ?? '', li.querySelector('.step-time')?.innerText ?? '']);";

/// What one session in the tab took, by the page's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct TabTiming {
    /// Click to the verdict in the page, ms.
    pub verdict_ms: f64,
    /// Click to Run enabled again (the app closed the session), ms.
    pub ended_ms: f64,
    /// On the wire: `connect` sent to the last server bytes before the
    /// verdict (QUIT's 221), ms.
    pub wire_ms: f64,
    /// The verdict kind (`delivered` when all went well).
    pub kind: String,
    /// The step list: (step, status, time in ms as the app shows it).
    pub steps: Vec<(String, String, Option<f64>)>,
}

/// Clicks Run in `page` (the guided form already filled) and times the
/// session to its verdict.
///
/// # Errors
/// A timeout (with the page's text), a Run button that cannot be clicked,
/// or a verdict other than `delivered`.
pub async fn run_once(page: &Page) -> Result<TabTiming, Problem> {
    let start = format!("{START_HEAD_JS}{OBSERVE_AND_CLICK_JS}");
    let started = page.eval(&start, vec![]).await?;
    if let Some(why) = started.as_str() {
        return Err(Problem::Check(why.to_owned()));
    }
    let (verdict_ms, ended_ms, wire_ms, kind) = page
        .poll(
            "the verdict and Run enabled again",
            SESSION_TIMEOUT,
            || async {
                let state = page.eval(STATE_JS, vec![]).await?;
                Ok(read_state(&state))
            },
        )
        .await?;
    let steps = page.eval(STEPS_JS, vec![]).await?;
    let steps: Vec<(String, String, String)> = serde_json::from_value(steps.clone())
        .map_err(|e| Problem::Check(format!("step list {steps}: {e}")))?;
    let steps = steps
        .into_iter()
        .map(|(step, status, time)| {
            let ms = time.strip_suffix(" ms").and_then(|n| n.trim().parse().ok());
            (step, status, ms)
        })
        .collect();
    let timing = TabTiming {
        verdict_ms,
        ended_ms,
        wire_ms,
        kind,
        steps,
    };
    if timing.kind != "delivered" {
        let verdict = page.text("#verdict").await?.unwrap_or_default();
        return Err(Problem::Check(format!(
            "verdict {:?}, want delivered: {verdict}",
            timing.kind
        )));
    }
    Ok(timing)
}

/// `(verdict ms, ended ms, wire ms, kind)` once every moment is recorded.
fn read_state(state: &Value) -> Result<(f64, f64, f64, String), String> {
    let num = |name: &str| state.get(name).and_then(Value::as_f64);
    match (
        num("t0"),
        num("verdictAt"),
        num("endedAt"),
        num("connectAt"),
        num("lastBytesAt"),
    ) {
        (Some(t0), Some(verdict), Some(ended), Some(connect), Some(last)) => Ok((
            verdict - t0,
            ended - t0,
            last - connect,
            state
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        )),
        _ => Err(format!("page record {state}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_record_counts_from_the_click() {
        let done = json!({"t0": 100.0, "cleared": true, "verdictAt": 142.5, "kind": "delivered", "endedAt": 150.0,
                          "connectAt": 110.0, "lastBytesAt": 114.25});
        assert_eq!(
            read_state(&done),
            Ok((42.5, 50.0, 4.25, "delivered".to_owned()))
        );
        let unwrapped = json!({"t0": 100.0, "cleared": true, "verdictAt": 142.5, "kind": "delivered", "endedAt": 150.0,
                               "connectAt": null, "lastBytesAt": null});
        assert!(
            read_state(&unwrapped).is_err(),
            "no wire times: the socket was not seen"
        );
        let running =
            json!({"t0": 100.0, "cleared": true, "verdictAt": null, "kind": null, "endedAt": null});
        assert!(read_state(&running).is_err());
        assert!(read_state(&Value::Null).is_err());
    }
}
