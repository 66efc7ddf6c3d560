//! Getting around: each view by its address and by the keyboard, Back and
//! reload, a session that goes on while another view shows, the shortcuts
//! and their help.

use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use smtplab_e2e::browser::{check, open_app, Page, Problem};
use smtplab_e2e::postfix::USER;

use crate::app::{
    self, fill_slow_delivery, focused, is_rendered, keys, press, show, view_state, wait_rendered,
    wait_verdict, wait_view, VIEWS, VIEW_CHANGE,
};
use crate::{on_page, Rig, APP_READY};

/// At most this many Tab presses from the top of the page to a nav link.
const MAX_TABS: usize = 60;

/// A full load of `url` (not a same-document fragment change): the page
/// goes away first.
async fn load(page: &Page, url: &str) -> Result<(), Problem> {
    page.goto("about:blank").await?;
    open_app(page, url, APP_READY).await
}

pub(crate) fn reachable_by_url(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "by-url", "", |page| async move {
        // No fragment, and one no view has, both mean the guided view.
        wait_view(&page, "guided").await?;
        load(&page, &app::url(rig, "no-such-view")).await?;
        wait_view(&page, "guided").await?;
        for view in VIEWS {
            load(&page, &app::url(rig, view)).await?;
            let state = wait_view(&page, view).await?;
            check(state.hash == format!("#/{view}"), || {
                format!(
                    "#/{view} loaded, but the address now ends in {:?}",
                    state.hash
                )
            })?;
        }
        Ok(())
    })
}

pub(crate) fn reachable_by_keyboard(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "by-keyboard", "", |page| async move {
        for (i, view) in VIEWS.iter().enumerate() {
            // Loaded at another view, so that Enter changes something.
            let other = VIEWS[(i + 1) % VIEWS.len()];
            load(&page, &app::url(rig, other)).await?;
            wait_view(&page, other).await?;
            let link = format!("view-link-{view}");
            let mut order = Vec::new();
            while order.len() < MAX_TABS {
                press(&page, keys::TAB).await?;
                let now = focused(&page).await?;
                order.push(now.clone());
                if now == link {
                    break;
                }
            }
            check(order.last() == Some(&link), || {
                format!("{MAX_TABS} Tab presses never reached #{link}: {order:?}")
            })?;
            press(&page, keys::ENTER).await?;
            let state = wait_view(&page, view).await?;
            check(state.hash == format!("#/{view}"), || {
                format!("Enter on #{link} left the address at {:?}", state.hash)
            })?;
            let section = format!("view-{view}");
            page.poll(&format!("the focus on #{section}"), VIEW_CHANGE, || async {
                let state = view_state(&page).await?;
                Ok(if state.focus == section {
                    Ok(())
                } else {
                    Err(format!("focus on #{}", state.focus))
                })
            })
            .await?;
        }
        Ok(())
    })
}

pub(crate) fn back_button(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "back", "guided", |page| async move {
        wait_view(&page, "guided").await?;
        for view in ["console", "diagnostics", "saved"] {
            page.click(&format!("#view-link-{view}")).await?;
            wait_view(&page, view).await?;
        }
        let back = |page: Page| async move {
            page.client()
                .back()
                .await
                .map_err(|e| Problem::Check(format!("Back: {e}")))
        };
        for view in ["diagnostics", "console", "guided"] {
            back(page.clone()).await?;
            wait_view(&page, view).await?;
        }
        page.client()
            .forward()
            .await
            .map_err(|e| Problem::Check(format!("Forward: {e}")))?;
        wait_view(&page, "console").await?;
        page.client()
            .refresh()
            .await
            .map_err(|e| Problem::Check(format!("reload: {e}")))?;
        page.wait_for("#session-form", APP_READY).await?;
        wait_view(&page, "console").await?;
        Ok(())
    })
}

/// Polls until the title shows a finished run, checking on every look
/// that `view` stays the one shown; returns the title and whether the
/// run was seen running meanwhile.
async fn wait_finished_in(page: &Page, view: &str) -> Result<(String, bool), Problem> {
    let start = Instant::now();
    let mut seen_running = false;
    loop {
        let state = view_state(page).await?;
        check(state.shows_only(view), || {
            format!("while the session ran, the page left the {view} view: {state:?}")
        })?;
        if state.title.contains("running") {
            seen_running = true;
        } else if state.title.starts_with('✓') || state.title.starts_with('✗') {
            return Ok((state.title, seen_running));
        }
        check(start.elapsed() < app::VERDICT, || {
            format!(
                "no verdict in the title after {:?}: {:?}",
                app::VERDICT,
                state.title
            )
        })?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) fn run_in_background(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "background-run", "guided", |page| async move {
        let title = page.eval("return document.title;", vec![]).await?;
        check(title == "smtplab", || {
            format!("before a run the title is {title}, want \"smtplab\"")
        })?;
        let needle = format!("views-background-{}", rig.server.port());
        fill_slow_delivery(&page, rig, &needle).await?;
        app::click(&page, "#run-button").await?;
        page.click("#view-link-console").await?;
        wait_view(&page, "console").await?;
        let (title, seen_running) = wait_finished_in(&page, "console").await?;
        let target = format!("127.0.0.1:{}", rig.slow.port());
        check(seen_running, || {
            "the title never said \"running\" while the session ran".to_owned()
        })?;
        check(
            title == format!("✓ Delivered · {target} — smtplab"),
            || {
                format!("the title after the run is {title:?}, want \"✓ Delivered · {target} — smtplab\"")
            },
        )?;
        page.click("#view-link-guided").await?;
        wait_view(&page, "guided").await?;
        let kind = wait_verdict(&page).await?;
        let verdict = page.text("#verdict").await?.unwrap_or_default();
        check(kind == "delivered" && verdict.contains("queued as"), || {
            format!("the guided view shows verdict {kind:?}: {verdict}")
        })?;
        let live = page.text("#verdict-live").await?.unwrap_or_default();
        let live_text = page
            .eval(
                "const e = document.getElementById('verdict-live'); return e ? [e.getAttribute('role'), e.getAttribute('aria-live'), e.textContent] : null;",
                vec![],
            )
            .await?;
        check(
            live_text[0] == "status"
                && live_text[1] == "polite"
                && live_text[2].as_str().is_some_and(|t| !t.trim().is_empty()),
            || format!("the live region does not announce the verdict: {live_text} ({live:?})"),
        )?;
        rig.server
            .wait_for_message(USER, &needle, Duration::from_secs(15))?;
        Ok(())
    })
}

/// The run's state as the form shows it: running while Cancel is there.
async fn is_running(page: &Page) -> Result<bool, Problem> {
    is_rendered(page, "#cancel-button").await
}

pub(crate) fn shortcuts(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "shortcuts", "guided", |page| async move {
        let needle = format!("views-shortcut-{}", rig.server.port());
        fill_slow_delivery(&page, rig, &needle).await?;
        // Away from the form's fields: the page itself has the focus.
        page.eval(
            "document.activeElement && document.activeElement.blur();",
            vec![],
        )
        .await?;
        press(&page, keys::CTRL_ENTER).await?;
        page.poll("Ctrl+Enter to start the session", VIEW_CHANGE, || async {
            Ok(match is_running(&page).await {
                Ok(true) => Ok(()),
                Ok(false) => Err("no Cancel button".to_owned()),
                Err(e) => Err(e.to_string()),
            })
        })
        .await?;
        press(&page, keys::ESCAPE).await?;
        page.poll("Esc to cancel the session", VIEW_CHANGE, || async {
            Ok(match is_running(&page).await {
                Ok(false) => Ok(()),
                Ok(true) => Err("still running".to_owned()),
                Err(e) => Err(e.to_string()),
            })
        })
        .await?;
        let verdict = page
            .eval(
                "const v = document.getElementById('verdict'); return v ? v.dataset.verdict : null;",
                vec![],
            )
            .await?;
        check(verdict != "delivered", || {
            "the cancelled session still delivered".to_owned()
        })?;
        let title = page.eval("return document.title;", vec![]).await?;
        check(
            !title.as_str().unwrap_or_default().contains("running"),
            || format!("after Esc the title still says running: {title}"),
        )?;

        // Alt+2 shows the second view; from there Ctrl+Enter runs the
        // guided form as it is, and shows the guided view, where the run is.
        press(&page, keys::ALT_2).await?;
        wait_view(&page, "console").await?;
        press(&page, keys::CTRL_ENTER).await?;
        // The title still shows the cancelled run's end until this one starts.
        page.poll(
            "Ctrl+Enter in the console view to start the session",
            VIEW_CHANGE,
            || async {
                let state = view_state(&page).await?;
                Ok(if state.title.contains("running") {
                    Ok(())
                } else {
                    Err(format!("title {:?}", state.title))
                })
            },
        )
        .await?;
        wait_view(&page, "guided").await?;
        let (title, _) = wait_finished_in(&page, "guided").await?;
        check(title.starts_with("✓ Delivered"), || {
            format!("Ctrl+Enter in the console view: title {title:?}, want ✓ Delivered")
        })?;
        rig.server
            .wait_for_message(USER, &needle, Duration::from_secs(15))?;
        Ok(())
    })
}

/// The overlay's text, with spaces taken out and lower-cased, so
/// "Ctrl + Enter" and "Ctrl+Enter" read the same.
async fn help_text(page: &Page) -> Result<String, Problem> {
    let text = page.text("#help-overlay").await?.unwrap_or_default();
    Ok(text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase())
}

pub(crate) fn help_overlay(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "help", "guided", |page| async move {
        let button = page
            .eval(
                "const b = document.getElementById('help-button'); return b ? b.getAttribute('aria-haspopup') : null;",
                vec![],
            )
            .await?;
        check(button == "dialog", || {
            format!("#help-button aria-haspopup is {button}, want \"dialog\"")
        })?;
        page.eval(
            "document.activeElement && document.activeElement.blur();",
            vec![],
        )
        .await?;
        press(&page, "?").await?;
        wait_rendered(&page, "#help-overlay", true).await?;
        let dialog = page
            .eval(
                "const d = document.getElementById('help-overlay'); return [d.getAttribute('role'), d.getAttribute('aria-modal')];",
                vec![],
            )
            .await?;
        check(dialog[0] == "dialog" && dialog[1] == "true", || {
            format!("#help-overlay role/aria-modal: {dialog}")
        })?;
        let text = help_text(&page).await?;
        for shortcut in ["ctrl+enter", "esc", "?"] {
            check(text.contains(shortcut), || {
                format!("the help overlay does not list {shortcut:?}: {text}")
            })?;
        }
        press(&page, keys::ESCAPE).await?;
        wait_rendered(&page, "#help-overlay", false).await?;

        page.click("#help-button").await?;
        wait_rendered(&page, "#help-overlay", true).await?;
        page.click("#help-close").await?;
        wait_rendered(&page, "#help-overlay", false).await?;

        // A "?" typed into a field is text, not a shortcut.
        page.fill("#subject", "why?").await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        check(!is_rendered(&page, "#help-overlay").await?, || {
            "typing \"?\" into the subject opened the help overlay".to_owned()
        })?;
        show(&page, "console").await?;
        Ok(())
    })
}
