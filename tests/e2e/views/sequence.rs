//! The transcript as a sequence diagram: after a STARTTLS session with
//! AUTH LOGIN to the test Postfix, the Text / Diagram switch shows one
//! client-to-server arrow per line the text transcript says was sent, a
//! server-to-client arrow with its code per reply, the TLS marker, and no
//! credential anywhere in the picture (its `<title>`s included: neither
//! the password nor the base64 of the user name or password AUTH LOGIN
//! sends; the user name itself is the MAIL FROM address) while "Show
//! credentials" is off, and both when it is on. At 360 px it fits the
//! window, axe-core finds nothing serious in it, and the choice survives a
//! change of view.

use std::time::Duration;

use fantoccini::Locator;
use libtest_mimic::Failed;
use serde_json::{json, Value};
use smtplab_e2e::browser::{artifacts_dir, check, Page, Problem};

use crate::app::{click, run_starttls, show};
use crate::{on_page, Rig};

/// The phone width the picture must fit.
const NARROW: u32 = 360;
/// The window's height meanwhile.
const HEIGHT: u32 = 900;
/// How long the picture gets to appear after the switch.
const SWITCH: Duration = Duration::from_secs(5);

/// What the page shows of the transcript, text and picture.
const SEEN: &str = "const svg = document.getElementById('transcript-diagram'); \
    const arrows = svg ? [...svg.querySelectorAll('[data-testid=seq-arrow]')] : []; \
    const b64 = s => btoa(unescape(encodeURIComponent(s))); \
    const secrets = [arguments[1], b64(arguments[0]), b64(arguments[1])]; \
    const all = svg ? svg.textContent + ' ' + [...svg.querySelectorAll('*')].map(e => \
      [...e.attributes].map(a => a.value).join(' ')).join(' ') : ''; \
    const r = svg ? svg.getBoundingClientRect() : { left: 0, right: 0, width: 0 }; \
    return { \
      svg: svg ? [svg.getAttribute('role'), svg.getAttribute('aria-label') || ''] : null, \
      sent: [...document.querySelectorAll('#transcript .line.t-client .text')].map(t => t.textContent), \
      c2s: arrows.filter(a => a.dataset.dir === 'c2s').map(a => [a.querySelector('.seq-label').textContent, a.tabIndex]), \
      s2c: arrows.filter(a => a.dataset.dir === 's2c').map(a => [a.dataset.code || '', a.querySelector('.seq-label').textContent, \
        (a.querySelector('title') || {}).textContent || '']), \
      markers: [...(svg ? svg.querySelectorAll('[data-testid=seq-marker]') : [])].map(m => m.textContent), \
      leaked: secrets.filter(s => s && all.includes(s)), \
      pressed: ['transcript-as-text', 'transcript-as-diagram'].map(id => \
        (document.getElementById(id) || { getAttribute: () => null }).getAttribute('aria-pressed')), \
      group: !!document.querySelector('[role=group] > #transcript-as-diagram'), \
      textHidden: !!document.getElementById('transcript') && document.getElementById('transcript').hidden, \
      fits: [Math.round(r.left), Math.round(r.right), window.innerWidth] };";

/// Reads [`SEEN`], with the test user's credentials to look for.
async fn seen(page: &Page, rig: &Rig) -> Result<Value, Problem> {
    Ok(page
        .eval(
            SEEN,
            vec![json!(rig.server.user()), json!(rig.server.password())],
        )
        .await?)
}

/// Saves a PNG of the picture alone to `tests/artifacts/<name>`, to look
/// at what a phone shows.
async fn save_picture(page: &Page, name: &str) -> Result<(), Problem> {
    let fail = |what: String| Problem::Check(format!("{name}: {what}"));
    let svg = page
        .client()
        .find(Locator::Css("#transcript-diagram"))
        .await
        .map_err(|e| fail(format!("find the picture: {e}")))?;
    let png = svg
        .screenshot()
        .await
        .map_err(|e| fail(format!("capture: {e}")))?;
    let dir = artifacts_dir();
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join(name), png))
        .map_err(|e| fail(format!("write: {e}")))
}

/// Runs axe-core with the picture shown, in both themes, and refuses a
/// serious or critical violation in the switch or the picture (the rest of
/// the page is the views trials' business). Without axe (not installed)
/// it says so and checks nothing.
async fn axe_on_the_picture(page: &Page, rig: &Rig) -> Result<(), Problem> {
    let Ok(source) = &rig.axe else {
        println!("axe-core is not installed: the diagram was not scanned");
        return Ok(());
    };
    let mut serious = Vec::new();
    for theme in ["dark", "light"] {
        page.select("#theme-select", theme).await?;
        page.wait_for_attr("html", "data-theme", &[theme], SWITCH)
            .await?;
        for violation in page.axe_violations(source).await? {
            let ours = violation
                .targets
                .iter()
                .any(|t| t.contains("transcript-") || t.contains("seq-"));
            if ours && violation.is_serious() {
                serious.push(format!("{theme} theme: {violation}"));
            }
        }
    }
    check(serious.is_empty(), || {
        format!(
            "axe-core finds serious or critical problems in the diagram or its switch:\n{}",
            serious.join("\n")
        )
    })
}

fn strings(value: &Value) -> Vec<String> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

pub(crate) fn sequence_diagram(rig: &Rig) -> Result<(), Failed> {
    on_page(rig, "sequence", "guided", |page| async move {
        page.set_viewport(NARROW, HEIGHT).await?;
        run_starttls(&page, rig).await?;
        let before = seen(&page, rig).await?;
        check(
            before["svg"].is_null() && before["pressed"] == json!(["true", "false"]),
            || format!("before the switch: want the text only, Text pressed: {before}"),
        )?;
        click(&page, "#transcript-as-diagram").await?;
        page.wait_for("#transcript-diagram", SWITCH).await?;
        let now = seen(&page, rig).await?;
        let context = || format!("what the page shows: {now:#}");
        check(
            now["pressed"] == json!(["false", "true"])
                && now["group"] == json!(true)
                && now["textHidden"] == json!(true),
            || {
                format!(
                    "the switch: want Diagram pressed in a role=group, the text hidden; {}",
                    context()
                )
            },
        )?;
        check(now["svg"][0] == "img" || now["svg"][0] == "group", || {
            format!("#transcript-diagram has no role img|group; {}", context())
        })?;
        check(
            now["svg"][1].as_str().is_some_and(|l| !l.trim().is_empty()),
            || format!("#transcript-diagram has no accessible name; {}", context()),
        )?;
        let sent = strings(&now["sent"]);
        let c2s: Vec<(String, i64)> =
            serde_json::from_value(now["c2s"].clone()).unwrap_or_default();
        check(sent.len() >= 6 && c2s.len() == sent.len(), || {
            format!(
                "{} c2s arrows for the {} lines the text transcript sent; {}",
                c2s.len(),
                sent.len(),
                context()
            )
        })?;
        check(c2s.iter().all(|(_, tab)| *tab == 0), || {
            format!("every arrow must be focusable (tabindex 0); {}", context())
        })?;
        check(
            c2s.iter().any(|(label, _)| label.starts_with("AUTH LOGIN"))
                && c2s.iter().filter(|(label, _)| label == "********").count() >= 2,
            || {
                format!(
                    "want an AUTH LOGIN arrow and two masked credential arrows; {}",
                    context()
                )
            },
        )?;
        check(now["leaked"] == json!([]), || {
            format!(
                "credentials in the picture with Show credentials off; {}",
                context()
            )
        })?;
        let s2c: Vec<(String, String, String)> =
            serde_json::from_value(now["s2c"].clone()).unwrap_or_default();
        check(
            !s2c.is_empty()
                && s2c
                    .iter()
                    .all(|(code, label, _)| code.len() == 3 && label.starts_with(code.as_str())),
            || {
                format!(
                    "every reply arrow carries its code, as data-code and as text; {}",
                    context()
                )
            },
        )?;
        check(
            s2c.iter().any(|(code, label, title)| {
                code == "250" && label.contains("lines") && title.lines().count() > 2
            }),
            || {
                format!(
                    "want EHLO's reply as one 250 arrow with a line count; {}",
                    context()
                )
            },
        )?;
        check(s2c.iter().any(|(code, _, _)| code == "235"), || {
            format!("want the 235 of AUTH; {}", context())
        })?;
        let markers = strings(&now["markers"]);
        check(
            markers.iter().any(|m| m.contains("TLS established")),
            || format!("want a TLS established marker; {}", context()),
        )?;
        let fits: Vec<i64> = serde_json::from_value(now["fits"].clone()).unwrap_or_default();
        check(
            fits.len() == 3 && fits[0] >= 0 && fits[1] <= fits[2] && fits[1] > fits[0],
            || format!("at {NARROW} px the picture is not inside the window: {fits:?}"),
        )?;
        save_picture(&page, "views-sequence-360.png").await?;
        axe_on_the_picture(&page, rig).await?;
        // "Show credentials" shows them in the picture too, as in the text.
        click(&page, "#reveal-secrets").await?;
        let revealed = seen(&page, rig).await?;
        click(&page, "#reveal-secrets").await?;
        check(strings(&revealed["leaked"]).len() >= 2, || {
            format!("with Show credentials on, want the base64 AUTH LOGIN sent in the picture: {revealed:#}")
        })?;
        // The choice lives as long as the page.
        show(&page, "console").await?;
        show(&page, "guided").await?;
        let back = seen(&page, rig).await?;
        check(
            back["pressed"] == json!(["false", "true"]) && !back["svg"].is_null(),
            || format!("after a change of view the diagram is no longer chosen: {back}"),
        )?;
        Ok(())
    })
}
