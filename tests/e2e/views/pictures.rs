//! The pictures: the step timeline (one bar per step, its width the step's
//! time), the certificate chain of the test Postfix, and the Diagnostics
//! grid (one cell per check and server).

use std::collections::BTreeSet;

use libtest_mimic::Failed;
use serde_json::{json, Value};
use smtplab_e2e::browser::{check, Page, Problem};

use crate::app::{
    click, fill_slow_delivery, is_rendered, run_server_checks, run_starttls, wait_verdict,
};
use crate::{on_page, Rig, CA_NAME};

/// Whether the SVG at `css` has `role` img or group and an accessible name
/// (`aria-label`, `aria-labelledby` or a `<title>` of its own).
async fn expect_named_svg(page: &Page, css: &str) -> Result<(), Problem> {
    let svg = page
        .eval(
            "const s = document.querySelector(arguments[0]); if (!s) return null; \
             return [s.tagName.toLowerCase(), s.getAttribute('role'), \
               s.getAttribute('aria-label') || s.getAttribute('aria-labelledby') || \
               (s.querySelector(':scope > title') || {}).textContent || ''];",
            vec![json!(css)],
        )
        .await?;
    check(
        svg[0] == "svg"
            && (svg[1] == "img" || svg[1] == "group")
            && svg[2].as_str().is_some_and(|n| !n.trim().is_empty()),
        || format!("{css} is not an <svg role=img|group> with an accessible name: {svg}"),
    )
}

/// One bar of the timeline.
#[derive(Debug)]
struct Bar {
    step: String,
    status: String,
    ms: f64,
    width: f64,
    reply: String,
    tab_index: i64,
}

fn bars_from(value: &Value) -> Vec<Bar> {
    value
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| Bar {
                    step: r[0].as_str().unwrap_or_default().to_owned(),
                    status: r[1].as_str().unwrap_or_default().to_owned(),
                    ms: r[2].as_f64().unwrap_or(f64::NAN),
                    width: r[3].as_f64().unwrap_or(f64::NAN),
                    reply: r[4].as_str().unwrap_or_default().to_owned(),
                    tab_index: r[5].as_i64().unwrap_or(-1),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Widths in proportion to `data-ms`, scaled by the longest step: within
/// 2 % of the longest bar (at least 1 unit) for rounding, and short steps
/// may be drawn wider, up to a minimum width of 3 % (at least 4 units).
fn proportion_problems(bars: &[Bar]) -> Result<Vec<String>, String> {
    let longest = bars
        .iter()
        .filter(|b| b.ms.is_finite())
        .max_by(|a, b| a.ms.total_cmp(&b.ms))
        .ok_or("no bar has a time")?;
    // The slow road holds the greeting for 1.5 s.
    if longest.ms < 1000.0 || longest.width.is_nan() || longest.width <= 0.0 {
        return Err(format!(
            "the longest step is {} with {} ms drawn {} wide; the slow road's greeting takes 1.5 s",
            longest.step, longest.ms, longest.width
        ));
    }
    let scale = longest.width / longest.ms;
    let tolerance = (longest.width * 0.02).max(1.0);
    let minimum = (longest.width * 0.03).max(4.0);
    Ok(bars
        .iter()
        .filter_map(|bar| {
            let want = bar.ms * scale;
            let close = (bar.width - want).abs() <= tolerance;
            let widened = want < minimum && bar.width >= want - tolerance && bar.width <= minimum + tolerance;
            (!(close || widened)).then(|| {
                format!(
                    "{}: {} ms drawn {:.1} wide, want {want:.1} (± {tolerance:.1}, minimum {minimum:.1})",
                    bar.step, bar.ms, bar.width
                )
            })
        })
        .collect())
}

pub(crate) fn timeline(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "timeline", "guided", |page| async move {
        let needle = format!("views-timeline-{}", rig.server.port());
        fill_slow_delivery(&page, rig, &needle).await?;
        click(&page, "#run-button").await?;
        let kind = wait_verdict(&page).await?;
        check(kind == "delivered", || {
            format!("verdict {kind:?}, want delivered")
        })?;
        expect_named_svg(&page, "#step-timeline").await?;
        let bars = page
            .eval(
                "return [...document.querySelectorAll('#step-timeline [data-testid=timeline-bar]')].map(g => { \
                   const r = g.querySelector('[data-testid=timeline-rect]'); const t = g.querySelector('title'); \
                   return [g.dataset.step, g.dataset.status, Number(g.dataset.ms), r ? r.width.baseVal.value : null, \
                     t ? t.textContent : '', g.tabIndex]; });",
                vec![],
            )
            .await?;
        let bars = bars_from(&bars);
        let steps = page
            .eval(
                "return [...document.querySelectorAll('[data-testid=step]')].map(li => [li.dataset.step, li.dataset.status]);",
                vec![],
            )
            .await?;
        let steps: Vec<(String, String)> =
            serde_json::from_value(steps.clone()).map_err(|e| format!("step list {steps}: {e}"))?;
        let drawn: Vec<(String, String)> = bars
            .iter()
            .map(|b| (b.step.clone(), b.status.clone()))
            .collect();
        check(!steps.is_empty() && drawn == steps, || {
            format!("timeline bars {drawn:?}, want one per step of the list {steps:?}")
        })?;
        for bar in &bars {
            check(!bar.reply.trim().is_empty() && bar.tab_index == 0, || {
                format!("bar {bar:?} has no reply in its <title> or is not focusable (tabindex 0)")
            })?;
        }
        let problems = proportion_problems(&bars)?;
        check(problems.is_empty(), || {
            format!(
                "bar widths not in proportion to the step times:\n  {}\nall bars: {bars:?}",
                problems.join("\n  ")
            )
        })?;
        Ok(())
    })
}

pub(crate) fn cert_chain(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "cert-chain", "guided", |page| async move {
        run_starttls(&page, rig).await?;
        let result = page
            .wait_for_attr(
                "#cert-chain",
                "data-result",
                &["trusted", "failed", "skipped", "unchecked"],
                crate::app::VERDICT,
            )
            .await?;
        check(result == "trusted", || {
            format!("#cert-chain data-result={result:?}, want trusted")
        })?;
        expect_named_svg(&page, "#cert-chain").await?;
        let chain = page
            .eval(
                "const c = document.getElementById('cert-chain'); return { \
                   boxes: [...c.querySelectorAll('[data-testid=chain-cert]')].map(g => [g.dataset.index, \
                     g.dataset.subject || '', g.dataset.issuer || '', \
                     !!g.querySelector('[data-testid=validity-bar]'), !!g.querySelector('[data-testid=validity-today]')]), \
                   links: c.querySelectorAll('[data-testid=chain-link]').length, \
                   sent: document.querySelectorAll('[data-testid=tls-cert]').length };",
                vec![],
            )
            .await?;
        let boxes: Vec<(String, String, String, bool, bool)> =
            serde_json::from_value(chain["boxes"].clone())
                .map_err(|e| format!("chain boxes {chain}: {e}"))?;
        let sent = chain["sent"].as_u64().unwrap_or(0) as usize;
        let links = chain["links"].as_u64().unwrap_or(0) as usize;
        // Postfix sends its own certificate only; the picture may add the
        // trust anchor (the test CA) it was verified against.
        let with_anchor =
            boxes.len() == sent + 1 && boxes.last().is_some_and(|b| b.1.contains(CA_NAME));
        check(sent == 1 && (boxes.len() == sent || with_anchor), || {
            format!("{} chain-cert boxes for the {sent} certificate(s) Postfix sent (the TLS panel's list): {boxes:?}", boxes.len())
        })?;
        for (i, (index, subject, issuer, bar, today)) in boxes.iter().enumerate() {
            check(index == &i.to_string() && *bar && *today, || {
                format!("box {i}: data-index {index:?}, validity bar {bar}, today mark {today} ({subject})")
            })?;
            check(!subject.is_empty() && !issuer.is_empty(), || {
                format!("box {i} lacks data-subject or data-issuer: {boxes:?}")
            })?;
        }
        let (_, subject, issuer, _, _) = &boxes[0];
        check(
            subject.contains("localhost") && issuer.contains(CA_NAME),
            || {
                format!("the first box is {subject:?} issued by {issuer:?}, want Postfix's certificate for localhost issued by {CA_NAME:?}")
            },
        )?;
        check(links + 1 == boxes.len(), || {
            format!("{links} chain-link(s) between {} boxes", boxes.len())
        })?;
        Ok(())
    })
}

/// One grid cell: check, server, verdict, and whether it is (or holds) a button.
type Cell = (String, String, String, bool);

pub(crate) fn diag_grid(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "diag-grid", "diagnostics", |page| async move {
        let rows = run_server_checks(&page, rig).await?;
        let summary = page
            .eval(
                "const s = document.getElementById('diag-progress-summary'); \
                 return s ? [s.dataset.done, s.dataset.total] : null;",
                vec![],
            )
            .await?;
        let total = rows.len().to_string();
        check(
            summary[0] == total.as_str() && summary[1] == total.as_str(),
            || {
                format!("#diag-progress-summary [done, total] = {summary} after all {total} checks ended")
            },
        )?;
        let cells = page
            .eval(
                "return [...document.querySelectorAll('#diag-grid [data-testid=diag-grid-cell]')].map(c => \
                   [c.dataset.check || '', c.dataset.server || '', c.dataset.verdict || '', \
                    c.tagName === 'BUTTON' || !!c.querySelector('button')]);",
                vec![],
            )
            .await?;
        let cells: Vec<Cell> = serde_json::from_value(cells.clone())
            .map_err(|e| format!("grid cells {cells}: {e}"))?;
        let checks: BTreeSet<&str> = cells.iter().map(|c| c.0.as_str()).collect();
        let servers: BTreeSet<&str> = cells.iter().map(|c| c.1.as_str()).collect();
        let pairs: BTreeSet<(&str, &str)> =
            cells.iter().map(|c| (c.0.as_str(), c.1.as_str())).collect();
        let ran: BTreeSet<&str> = rows
            .iter()
            .filter(|r| r.1 == "done")
            .map(|r| r.0.as_str())
            .collect();
        let listed: BTreeSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        check(
            !cells.is_empty()
                && pairs.len() == cells.len()
                && cells.len() == checks.len() * servers.len()
                && (checks == ran || checks == listed),
            || {
                format!(
                    "the grid's {} cells are not one per check run × server: checks {checks:?}, \
                     servers {servers:?}, checks run {ran:?} (of {listed:?}); cells {cells:?}",
                    cells.len()
                )
            },
        )?;
        check(servers.iter().all(|s| s.contains("127.0.0.1")), || {
            format!("the grid's servers {servers:?}, want the checked 127.0.0.1")
        })?;
        for (name, status, verdict) in &rows {
            if status != "done" {
                continue;
            }
            for cell in cells.iter().filter(|c| &c.0 == name) {
                check(&cell.2 == verdict && cell.3, || {
                    format!(
                        "cell {cell:?}: want verdict {verdict:?} (the progress list's) on a button"
                    )
                })?;
            }
        }
        // A cell opens its check's evidence.
        let first = cells.iter().find(|c| ran.contains(c.0.as_str()));
        if let Some((name, server, _, _)) = first {
            let cell = format!(
                "[data-testid=diag-grid-cell][data-check='{name}'][data-server='{server}']"
            );
            // The cell itself when it is the button, else the button in it.
            page.click(&format!(
                "#diag-grid button{cell}, #diag-grid {cell} button"
            ))
            .await?;
            let evidence = format!("#diag-result-{name}");
            page.poll(
                &format!("{evidence} to show"),
                crate::app::VIEW_CHANGE,
                || async {
                    Ok(match is_rendered(&page, &evidence).await {
                        Ok(true) => Ok(()),
                        Ok(false) => Err("not shown".to_owned()),
                        Err(e) => Err(e.to_string()),
                    })
                },
            )
            .await?;
        }
        Ok(())
    })
}
