//! The tab benchmark's table: sizes, first render and the seed session
//! against the budgets, with the machine, the date and the load, as
//! Markdown; written into its own marked block of `docs/benchmarks.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use smtplab_bench::machine::RunMachine;
use smtplab_bench::stats::{median, percentile};

use super::Figures;
use crate::ui_size::DistRole;

/// Start of the generated block in `docs/benchmarks.md`.
pub const BEGIN: &str =
    "<!-- tab-bench:begin (written by scripts/bench.sh; edits here are replaced) -->";
/// End of the generated block.
pub const END: &str = "<!-- tab-bench:end -->";

/// Budget: wasm + JS, gzip, in bytes (350 KB).
pub const SIZE_BUDGET_BYTES: usize = 350_000;
/// Budget: first render after navigation, ms.
pub const RENDER_BUDGET_MS: f64 = 300.0;
/// Budget: the seed session in the tab ÷ by swaks.
pub const SESSION_BUDGET_RATIO: f64 = 1.5;

/// The machine and the run, for the heading.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The machine, the date and the load.
    pub machine: RunMachine,
    /// The whole run.
    pub elapsed: Duration,
    /// How the program was started.
    pub command: String,
}

/// The Markdown block: heading line, table, per-run values.
///
/// # Errors
/// When a figure is missing (nothing was measured).
pub fn render(figures: &Figures, ctx: &Context) -> Result<String, String> {
    let mut out = String::new();
    let _ = writeln!(out, "{}", ctx.machine.heading(ctx.elapsed.as_secs_f64()));
    let _ = writeln!(
        out,
        "Command: `{}`. {}, headless; {}.\n",
        ctx.command, figures.chromium, figures.swaks_version
    );
    out.push_str("| measure | value | target | met |\n|---|---|---|---|\n");
    sizes(&mut out, figures)?;
    render_times(&mut out, figures)?;
    sessions(&mut out, figures)?;
    out.push('\n');
    per_run(&mut out, figures);
    Ok(out)
}

fn row(out: &mut String, measure: &str, value: &str, target: &str, met: Option<bool>) {
    let met = match met {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "",
    };
    let _ = writeln!(out, "| {measure} | {value} | {target} | {met} |");
}

fn sizes(out: &mut String, figures: &Figures) -> Result<(), String> {
    let file = |role: DistRole| {
        figures
            .files
            .iter()
            .find(|f| f.role == role)
            .ok_or_else(|| format!("dist/: no {role:?} file was read"))
    };
    let (wasm, js, html) = (
        file(DistRole::Wasm)?,
        file(DistRole::Js)?,
        file(DistRole::Page)?,
    );
    let (wasm_gz, js_gz, html_gz) = (wasm.gzip_len()?, js.gzip_len()?, html.gzip_len()?);
    let total = wasm_gz + js_gz;
    row(
        out,
        "wasm + JS, gzip -9",
        &format!(
            "**{}** ({} + {} B)",
            kb(total),
            group(wasm_gz),
            group(js_gz)
        ),
        "≤ 350 KB",
        Some(total <= SIZE_BUDGET_BYTES),
    );
    for (label, f, gz) in [
        ("`smtplab_bg-<hash>.wasm`, raw / gzip -9", wasm, wasm_gz),
        ("`smtplab-<hash>.js`, raw / gzip -9", js, js_gz),
        ("`index.html` (CSS inline), raw / gzip -9", html, html_gz),
    ] {
        row(
            out,
            label,
            &format!("{} B / {} B", group(f.raw_len()), group(gz)),
            "",
            None,
        );
    }
    Ok(())
}

fn render_times(out: &mut String, figures: &Figures) -> Result<(), String> {
    let n = figures.cold.len();
    let pick = |runs: &[crate::first_render::Timings],
                f: fn(&crate::first_render::Timings) -> f64| {
        median(&runs.iter().map(f).collect::<Vec<_>>()).ok_or("no navigation was measured")
    };
    let cold = pick(&figures.cold, |t| t.fcp)?;
    let warm = pick(&figures.warm, |t| t.fcp)?;
    row(
        out,
        &format!(
            "first render, cold: fresh Chromium session (first-contentful-paint, median of {n})"
        ),
        &format!("**{cold:.0} ms**"),
        "≤ 300 ms",
        Some(cold <= RENDER_BUDGET_MS),
    );
    row(
        out,
        &format!(
            "first render, warm: reload in the same session (median of {})",
            figures.warm.len()
        ),
        &format!("**{warm:.0} ms**"),
        "≤ 300 ms",
        Some(warm <= RENDER_BUDGET_MS),
    );
    row(
        out,
        "`DOMContentLoaded`, cold / warm (median)",
        &format!(
            "{:.0} ms / {:.0} ms",
            pick(&figures.cold, |t| t.dcl)?,
            pick(&figures.warm, |t| t.dcl)?
        ),
        "",
        None,
    );
    row(
        out,
        "wasm fetched (`responseEnd`), cold / warm (median)",
        &format!(
            "{:.0} ms / {:.0} ms",
            pick(&figures.cold, |t| t.wasm)?,
            pick(&figures.warm, |t| t.wasm)?
        ),
        "",
        None,
    );
    let marks = mark_medians(&figures.cold);
    if marks.is_empty() {
        row(
            out,
            "the app's own render mark (`performance.mark`)",
            "none set by the app: first-contentful-paint is the render figure",
            "",
            None,
        );
    } else {
        let warm_marks = mark_medians(&figures.warm);
        for (name, cold_ms) in marks {
            let warm_ms = warm_marks
                .get(&name)
                .map_or_else(|| "–".to_owned(), |ms| format!("{ms:.0} ms"));
            row(
                out,
                &format!("the app's mark `{name}`, cold / warm (median)"),
                &format!("{cold_ms:.0} ms / {warm_ms}"),
                "",
                None,
            );
        }
    }
    Ok(())
}

/// The median start time of each mark the app set, over `runs`.
fn mark_medians(runs: &[crate::first_render::Timings]) -> BTreeMap<String, f64> {
    let mut all: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for t in runs {
        for (name, at) in &t.marks {
            all.entry(name.clone()).or_default().push(*at);
        }
    }
    all.into_iter()
        .filter_map(|(name, values)| Some((name, median(&values)?)))
        .collect()
}

/// Median and p90 (nearest rank) of `values`, ms.
fn mid_p90(values: &[f64]) -> Option<(f64, f64)> {
    let durations: Vec<Duration> = values
        .iter()
        .map(|ms| Duration::from_secs_f64(ms.max(0.0) / 1000.0))
        .collect();
    Some((
        median(values)?,
        percentile(&durations, 90.0)?.as_secs_f64() * 1000.0,
    ))
}

fn sessions(out: &mut String, figures: &Figures) -> Result<(), String> {
    let n = figures.tab.len();
    let wall: Vec<f64> = figures.swaks.iter().map(|s| s.wall_ms).collect();
    let lapse: Vec<f64> = figures.swaks.iter().map(|s| s.lapse_ms).collect();
    let verdict: Vec<f64> = figures.tab.iter().map(|t| t.verdict_ms).collect();
    let ended: Vec<f64> = figures.tab.iter().map(|t| t.ended_ms).collect();
    let wire: Vec<f64> = figures.tab.iter().map(|t| t.wire_ms).collect();
    let missing = || "no seed session was measured".to_owned();
    let (wall_mid, wall_p90) = mid_p90(&wall).ok_or_else(missing)?;
    let (lapse_mid, lapse_p90) = mid_p90(&lapse).ok_or_else(missing)?;
    let (tab_mid, tab_p90) = mid_p90(&verdict).ok_or_else(missing)?;
    let (end_mid, end_p90) = mid_p90(&ended).ok_or_else(missing)?;
    let (wire_mid, wire_p90) = mid_p90(&wire).ok_or_else(missing)?;
    row(
        out,
        &format!(
            "seed session by swaks, whole process by the wall clock (median / p90 of {})",
            wall.len()
        ),
        &format!("{wall_mid:.1} ms / {wall_p90:.1} ms"),
        "",
        None,
    );
    row(
        out,
        "seed session by swaks, its own `--show-time-lapse` (sum over its replies; median / p90)",
        &format!("{lapse_mid:.1} ms / {lapse_p90:.1} ms"),
        "",
        None,
    );
    row(
        out,
        &format!("seed session in the tab, click on Run to the verdict (median / p90 of {n})"),
        &format!("{tab_mid:.1} ms / {tab_p90:.1} ms"),
        "",
        None,
    );
    row(
        out,
        "seed session in the tab, click on Run to Run enabled again (median / p90)",
        &format!("{end_mid:.1} ms / {end_p90:.1} ms"),
        "",
        None,
    );
    row(
        out,
        "seed session in the tab on the wire: `connect` sent to QUIT's 221 received (median / p90)",
        &format!("{wire_mid:.1} ms / {wire_p90:.1} ms"),
        "",
        None,
    );
    // Like with like: the whole of each (what a user waits for, swaks's
    // Perl start-up included), then the session alone on each side.
    for (label, tab, swaks) in [
        (
            "tab, click to verdict ÷ swaks, whole process",
            (tab_mid, tab_p90),
            (wall_mid, wall_p90),
        ),
        (
            "tab on the wire ÷ swaks's own time lapse",
            (wire_mid, wire_p90),
            (lapse_mid, lapse_p90),
        ),
    ] {
        let ratio = tab.0 / swaks.0;
        row(
            out,
            &format!("{label}, medians (p90s)"),
            &format!("**{ratio:.2}×** ({:.2}×)", tab.1 / swaks.1),
            "≤ 1.5×",
            Some(ratio <= SESSION_BUDGET_RATIO),
        );
    }
    let (swaks_n, tab_n) = figures.delivered;
    let all = swaks_n == figures.swaks.len() + 1 && tab_n == n + 1;
    row(
        out,
        "messages delivered to the Maildir (one warm-up session each included)",
        &format!("swaks {swaks_n}, tab {tab_n}"),
        &format!("{} each", figures.swaks.len() + 1),
        Some(all),
    );
    Ok(())
}

fn per_run(out: &mut String, figures: &Figures) {
    let list = |values: Vec<f64>, digits: usize| {
        values
            .iter()
            .map(|v| format!("{v:.digits$}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    out.push_str("Per run, in the order measured:\n\n");
    let _ = writeln!(
        out,
        "- first render cold [{}] ms (`DOMContentLoaded` [{}], wasm `responseEnd` [{}]); warm [{}] ms",
        list(figures.cold.iter().map(|t| t.fcp).collect(), 0),
        list(figures.cold.iter().map(|t| t.dcl).collect(), 0),
        list(figures.cold.iter().map(|t| t.wasm).collect(), 0),
        list(figures.warm.iter().map(|t| t.fcp).collect(), 0),
    );
    let _ = writeln!(
        out,
        "- swaks wall clock [{}] ms; its time lapse [{}] ms over {} replies each",
        list(figures.swaks.iter().map(|s| s.wall_ms).collect(), 1),
        list(figures.swaks.iter().map(|s| s.lapse_ms).collect(), 0),
        figures.swaks.first().map_or(0, |s| s.replies),
    );
    let _ = writeln!(
        out,
        "- tab click → verdict [{}] ms; click → Run enabled [{}] ms; on the wire [{}] ms",
        list(figures.tab.iter().map(|t| t.verdict_ms).collect(), 1),
        list(figures.tab.iter().map(|t| t.ended_ms).collect(), 1),
        list(figures.tab.iter().map(|t| t.wire_ms).collect(), 2),
    );
    let mut steps: Vec<(String, Vec<f64>)> = Vec::new();
    for run in &figures.tab {
        for (step, _, ms) in &run.steps {
            let Some(ms) = ms else { continue };
            match steps.iter_mut().find(|(s, _)| s == step) {
                Some((_, values)) => values.push(*ms),
                None => steps.push((step.clone(), vec![*ms])),
            }
        }
    }
    let shown: Vec<String> = steps
        .iter()
        .filter_map(|(step, values)| Some(format!("{step} {:.0}", median(values)?)))
        .collect();
    let _ = writeln!(
        out,
        "- the tab's own step times (median per step, ms, as the step list shows them): {}",
        if shown.is_empty() {
            "none shown".to_owned()
        } else {
            shown.join(", ")
        }
    );
}

/// `bytes` as kB (1000 B) with one decimal.
fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

/// `1234567` as `1 234 567`.
pub(crate) fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Replaces the block between [`BEGIN`] and [`END`] in `path` with
/// `section`; without the markers, appends `heading` and the block.
///
/// # Errors
/// When the file cannot be read or written.
pub fn write_section(path: &Path, heading: &str, section: &str) -> std::io::Result<()> {
    smtplab_bench::report::write_block(path, heading, (BEGIN, END), section)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::first_render::Timings;
    use crate::tab_bench::swaks_run::SwaksTiming;
    use crate::tab_bench::tab_run::TabTiming;
    use crate::ui_size::{DistFile, DistRole};

    fn figures() -> Figures {
        let t = |fcp| Timings {
            fcp,
            dcl: 50.0,
            wasm: 60.0,
            marks: Vec::new(),
        };
        Figures {
            files: vec![
                DistFile {
                    role: DistRole::Wasm,
                    name: "smtplab_bg-0123456789abcdef.wasm".into(),
                    bytes: vec![7; 1000],
                },
                DistFile {
                    role: DistRole::Js,
                    name: "smtplab-0123456789abcdef.js".into(),
                    bytes: b"export {}".to_vec(),
                },
                DistFile {
                    role: DistRole::Page,
                    name: "index.html".into(),
                    bytes: b"<!doctype html>".to_vec(),
                },
            ],
            cold: vec![t(250.0), t(400.0), t(280.0)],
            warm: vec![t(120.0), t(110.0), t(130.0)],
            swaks: [40.0, 50.0, 60.0]
                .iter()
                .map(|&wall_ms| SwaksTiming {
                    wall_ms,
                    lapse_ms: 10.0,
                    replies: 9,
                })
                .collect(),
            tab: [55.0, 65.0, 75.0]
                .iter()
                .map(|&verdict_ms| TabTiming {
                    verdict_ms,
                    ended_ms: verdict_ms + 2.0,
                    wire_ms: 12.0,
                    kind: "delivered".into(),
                    steps: vec![("EHLO".into(), "ok".into(), Some(3.0))],
                })
                .collect(),
            delivered: (4, 4),
            chromium: "Chromium 1".into(),
            swaks_version: "swaks version 1".into(),
        }
    }

    #[test]
    fn the_table_holds_medians_ratios_and_verdicts() {
        let text = render(&figures(), &Context::default()).expect("render");
        assert!(text.contains("| first render, cold: fresh Chromium session (first-contentful-paint, median of 3) | **280 ms** | ≤ 300 ms | yes |"), "{text}");
        assert!(
            text.contains("**1.30×** (1.25×) | ≤ 1.5× | yes |"),
            "{text}"
        );
        // On the wire 12 ms against swaks's 10 ms time lapse.
        assert!(
            text.contains("tab on the wire ÷ swaks's own time lapse, medians (p90s) | **1.20×** (1.20×) | ≤ 1.5× | yes |"),
            "{text}"
        );
        assert!(text.contains("none set by the app"), "{text}");
        assert!(text.contains("swaks 4, tab 4 | 4 each | yes |"), "{text}");
        assert!(text.contains("EHLO 3"), "{text}");
    }

    #[test]
    fn groups_digits_by_three() {
        assert_eq!(group(568_555), "568 555");
        assert_eq!(group(1_309_530), "1 309 530");
        assert_eq!(group(12), "12");
    }

    #[test]
    fn the_block_is_replaced_and_the_rest_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("benchmarks.md");
        std::fs::write(&path, "# Benchmarks\n\n## Relay\n\nkept\n").expect("write");
        write_section(&path, "## Tab", "first\n").expect("section");
        std::fs::write(
            &path,
            std::fs::read_to_string(&path).expect("read") + "\nafter\n",
        )
        .expect("write");
        write_section(&path, "## Tab", "second\n").expect("section");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.ends_with(&format!("second\n{END}\n\nafter\n")),
            "{text}"
        );
        assert!(text.contains("## Relay\n\nkept"), "{text}");
        assert!(text.contains("second") && !text.contains("first"), "{text}");
        assert_eq!(text.matches("## Tab").count(), 1, "{text}");
    }
}
