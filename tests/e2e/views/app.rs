//! What the trials do with the app: where each view is, which one shows,
//! key presses, and the runs that put the pictures on the page (a guided
//! session through the slow road, a STARTTLS one with the test CA, the
//! Diagnostics' "Check this server").

use std::time::Duration;

use serde_json::{json, Value};
use smtplab_e2e::browser::{check, BrowserError, Page, Problem};
use smtplab_e2e::guided_form::{fill_form, FormInput};
use smtplab_e2e::postfix::{OTHER_USER, USER};

use crate::Rig;

/// Every view, in the navigation's order.
pub(crate) const VIEWS: [&str; 5] = ["guided", "console", "diagnostics", "inbox", "saved"];
/// How long a view change gets to show.
pub(crate) const VIEW_CHANGE: Duration = Duration::from_secs(5);
/// How long a guided session (the slow road, or a handshake in wasm) gets.
pub(crate) const VERDICT: Duration = Duration::from_secs(40);
/// How long the Diagnostics' server checks get.
const DIAG_DONE: Duration = Duration::from_secs(60);
/// The EHLO name the sessions send.
pub(crate) const EHLO: &str = "views-e2e.smtplab.test";

/// WebDriver's key codes.
pub(crate) mod keys {
    /// Tab.
    pub(crate) const TAB: &str = "\u{E004}";
    /// Enter.
    pub(crate) const ENTER: &str = "\u{E007}";
    /// Escape.
    pub(crate) const ESCAPE: &str = "\u{E00C}";
    /// Control held, Enter, then every modifier released.
    pub(crate) const CTRL_ENTER: &str = "\u{E009}\u{E007}\u{E000}";
    /// Alt held, 2, then every modifier released: the second view.
    pub(crate) const ALT_2: &str = "\u{E00A}2\u{E000}";
}

/// The bridge's page at `#/view` (`""`: no fragment at all).
pub(crate) fn url(rig: &Rig, view: &str) -> String {
    if view.is_empty() {
        rig.bridge.url().to_owned()
    } else {
        format!("{}#/{view}", rig.bridge.url())
    }
}

/// Which views the page shows, as a trial sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ViewState {
    /// `location.hash`.
    pub(crate) hash: String,
    /// Every `data-testid=view` section, in page order.
    pub(crate) all: Vec<String>,
    /// The sections without `hidden`.
    pub(crate) unhidden: Vec<String>,
    /// The sections that take up room on the page.
    pub(crate) rendered: Vec<String>,
    /// The nav links with `aria-current="page"`.
    pub(crate) current: Vec<String>,
    /// The focused element's id.
    pub(crate) focus: String,
    /// `document.title`.
    pub(crate) title: String,
}

impl ViewState {
    /// Only `view` is shown, rendered and marked current, and every view
    /// of [`VIEWS`] is in the page.
    pub(crate) fn shows_only(&self, view: &str) -> bool {
        let one = [view.to_owned()];
        self.unhidden == one
            && self.rendered == one
            && self.current == one
            && VIEWS.iter().all(|v| self.all.iter().any(|a| a == v))
    }
}

const VIEW_STATE: &str = "const views = [...document.querySelectorAll('[data-testid=view]')];\
    return { hash: location.hash, all: views.map(v => v.dataset.view),\
      unhidden: views.filter(v => !v.hidden).map(v => v.dataset.view),\
      rendered: views.filter(v => v.getClientRects().length > 0).map(v => v.dataset.view),\
      current: [...document.querySelectorAll('#views-nav [aria-current=page]')].map(a => a.dataset.view),\
      focus: document.activeElement ? document.activeElement.id : '', title: document.title };";

/// The page's views now.
pub(crate) async fn view_state(page: &Page) -> Result<ViewState, BrowserError> {
    let v = page.eval(VIEW_STATE, vec![]).await?;
    let list = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let text = |key: &str| v[key].as_str().unwrap_or_default().to_owned();
    Ok(ViewState {
        hash: text("hash"),
        all: list("all"),
        unhidden: list("unhidden"),
        rendered: list("rendered"),
        current: list("current"),
        focus: text("focus"),
        title: text("title"),
    })
}

/// Waits until the page shows `view` alone (see [`ViewState::shows_only`]).
pub(crate) async fn wait_view(page: &Page, view: &str) -> Result<ViewState, Problem> {
    let what = format!("the {view} view alone (section, nav link with aria-current)");
    Ok(page
        .poll(&what, VIEW_CHANGE, || async {
            let state = view_state(page).await?;
            Ok(if state.shows_only(view) {
                Ok(state)
            } else {
                Err(format!("{state:?}"))
            })
        })
        .await?)
}

/// Shows `view` the way a bookmark does (`location.hash`) and waits for it.
pub(crate) async fn show(page: &Page, view: &str) -> Result<ViewState, Problem> {
    page.eval(
        "location.hash = arguments[0];",
        vec![json!(format!("#/{view}"))],
    )
    .await?;
    wait_view(page, view).await
}

/// Clicks `css` after scrolling it to the middle of the window, so no
/// sticky header lies over it where WebDriver would click.
pub(crate) async fn click(page: &Page, css: &str) -> Result<(), Problem> {
    page.wait_for(css, VIEW_CHANGE).await?;
    page.eval(
        "document.querySelector(arguments[0]).scrollIntoView({ block: 'center', inline: 'nearest' });",
        vec![json!(css)],
    )
    .await?;
    Ok(page.click(css).await?)
}

/// Types `keys` into the focused element (the body when nothing is).
pub(crate) async fn press(page: &Page, keys: &str) -> Result<(), Problem> {
    let active = page
        .client()
        .active_element()
        .await
        .map_err(|e| Problem::Check(format!("the focused element: {e}")))?;
    active
        .send_keys(keys)
        .await
        .map_err(|e| Problem::Check(format!("press {keys:?}: {e}")))
}

/// The focused element's id.
pub(crate) async fn focused(page: &Page) -> Result<String, Problem> {
    let id = page
        .eval(
            "return document.activeElement ? document.activeElement.id : '';",
            vec![],
        )
        .await?;
    Ok(id.as_str().unwrap_or_default().to_owned())
}

/// Whether an element matching `css` takes up room on the page.
pub(crate) async fn is_rendered(page: &Page, css: &str) -> Result<bool, Problem> {
    let shown = page
        .eval(
            "const e = document.querySelector(arguments[0]); \
             return !!e && !e.closest('[hidden]') && e.getClientRects().length > 0;",
            vec![json!(css)],
        )
        .await?;
    Ok(shown == json!(true))
}

/// Waits until `css` is rendered (`want`) or gone/hidden (`!want`).
pub(crate) async fn wait_rendered(page: &Page, css: &str, want: bool) -> Result<(), Problem> {
    let what = format!("{css} to be {}", if want { "shown" } else { "gone" });
    page.poll(&what, VIEW_CHANGE, || async {
        let now = page
            .eval(
                "const e = document.querySelector(arguments[0]); \
                 return !!e && !e.closest('[hidden]') && e.getClientRects().length > 0;",
                vec![json!(css)],
            )
            .await?;
        Ok(if now == json!(want) {
            Ok(())
        } else {
            Err(format!("rendered: {now}"))
        })
    })
    .await?;
    Ok(())
}

/// Fills the guided form for a delivery to Postfix through the slow road
/// (AUTH LOGIN as the test user, to the test user, `needle` in the body).
pub(crate) async fn fill_slow_delivery(
    page: &Page,
    rig: &Rig,
    needle: &str,
) -> Result<(), Problem> {
    fill_form(
        page,
        &FormInput {
            port: rig.slow.port(),
            ehlo: EHLO,
            login: Some((rig.server.user(), rig.server.password())),
            subject: "smtplab views e2e",
            body: &format!("Sent through the slow road.\n{needle}"),
        },
    )
    .await
}

/// Waits for the guided verdict; returns `data-verdict`.
pub(crate) async fn wait_verdict(page: &Page) -> Result<String, Problem> {
    Ok(page
        .wait_for_attr(
            "#verdict",
            "data-verdict",
            &["delivered", "completed", "failed"],
            VERDICT,
        )
        .await?)
}

/// A delivered STARTTLS session to Postfix's submission listener by the
/// name its certificate carries, the test CA pasted, verification on: the
/// run whose certificate chain the picture shows.
pub(crate) async fn run_starttls(page: &Page, rig: &Rig) -> Result<(), Problem> {
    let server = &rig.server;
    page.fill("#server-host", "localhost").await?;
    page.fill("#server-port", &rig.ports.submission.to_string())
        .await?;
    page.select("#tls-mode", "start_tls").await?;
    page.fill("#ehlo-name", EHLO).await?;
    page.fill("#tls-ca-pem", rig.ca.pem()).await?;
    page.select("#auth-mechanism", "login").await?;
    page.fill("#auth-username", server.user()).await?;
    page.fill("#auth-password", server.password()).await?;
    page.fill("#mail-from", server.user()).await?;
    page.fill("#rcpt-to-0", OTHER_USER).await?;
    page.fill("#subject", "smtplab views e2e over STARTTLS")
        .await?;
    page.fill("#body", "Encrypted in the tab, for the pictures.")
        .await?;
    click(page, "#run-button").await?;
    let kind = wait_verdict(page).await?;
    let verdict = page.text("#verdict").await?.unwrap_or_default();
    check(kind == "delivered", || {
        format!("the STARTTLS session: verdict {kind:?}, want delivered: {verdict}")
    })
}

/// One row of the Diagnostics' progress list: check, status, verdict.
pub(crate) type CheckRow = (String, String, String);

/// In the diagnostics view: "Check this server" against Postfix's
/// plaintext listener on 127.0.0.1, waiting until every check is over;
/// returns the progress list.
pub(crate) async fn run_server_checks(page: &Page, rig: &Rig) -> Result<Vec<CheckRow>, Problem> {
    show(page, "diagnostics").await?;
    page.fill("#diag-host", "127.0.0.1").await?;
    page.fill("#diag-port", &rig.server.port().to_string())
        .await?;
    page.fill("#diag-ehlo", EHLO).await?;
    page.fill("#diag-user", USER).await?;
    click(page, "#diag-run-server").await?;
    page.wait_for_attr("#diag-progress", "data-running", &["false"], DIAG_DONE)
        .await?;
    let rows = page
        .eval(
            "return [...document.querySelectorAll('[data-testid=diag-check]')].map(li => \
             [li.dataset.check, li.dataset.status, li.dataset.verdict ?? '']);",
            vec![],
        )
        .await?;
    let rows: Vec<CheckRow> =
        serde_json::from_value(rows.clone()).map_err(|e| format!("progress list {rows}: {e}"))?;
    check(!rows.is_empty(), || {
        "the server check ran no check".to_owned()
    })?;
    Ok(rows)
}

/// Everything each view can show: a STARTTLS delivery (verdict, timeline,
/// certificate chain), the server checks (the grid), a saved session; then
/// back to the guided view.
pub(crate) async fn fill_every_view(page: &Page, rig: &Rig) -> Result<(), Problem> {
    show(page, "guided").await?;
    run_starttls(page, rig).await?;
    run_server_checks(page, rig).await?;
    show(page, "saved").await?;
    page.fill("#save-name", "views e2e over STARTTLS").await?;
    click(page, "#save-button").await?;
    page.wait_for("[data-testid=saved-item]", VIEW_CHANGE)
        .await?;
    show(page, "guided").await?;
    Ok(())
}
