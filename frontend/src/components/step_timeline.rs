//! The step timeline: one horizontal bar per step of the guided run, like
//! a browser's network waterfall. A bar starts where its step started
//! (from the session's start) and is as long as the step took, so a slow
//! greeting or a slow RCPT stands out at a glance; the step list below
//! gives the same times as text.
//!
//! The geometry ([`layout`]) is a pure function of the rows, in SVG user
//! units; the SVG scales to its box. Colours come from the theme's
//! variables (index.html); every bar also carries a status mark, and
//! hovering or focusing it shows the server's reply (its `<title>`, and a
//! caption with a tooltip under the picture, which keyboard users see too).

use std::time::Duration;

use smtplab_shared::smtp::StepStatus;
use yew::prelude::*;

use super::step_list::status_word;
use super::use_app_state;
use crate::i18n::{tt, ttf, Lang, Tm};
use crate::state::Run;

/// Width of the whole picture, in user units.
const VIEW_WIDTH: f64 = 640.0;
/// Where bars may start: the step names sit left of it.
const PLOT_X: f64 = 120.0;
/// Width of the bars' area (the session's length).
const PLOT_WIDTH: f64 = 420.0;
/// Where the status mark and time sit, right of the bars.
const MARK_X: f64 = PLOT_X + PLOT_WIDTH + 10.0;
/// Height of one step's row.
const ROW_HEIGHT: f64 = 20.0;
/// Height of a bar within its row.
const BAR_HEIGHT: f64 = 12.0;
/// Room under the rows for the time axis.
const AXIS_HEIGHT: f64 = 18.0;
/// The narrowest bar: a step that took no measurable time still shows.
pub(crate) const MIN_BAR_WIDTH: f64 = 3.0;

/// When one step ran, as the timeline needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StepSpan {
    /// When it started (from the session's start); `None` if it never did.
    pub(crate) start: Option<Duration>,
    /// How long it took (or has taken so far); `None` if it never ran.
    pub(crate) length: Option<Duration>,
}

/// One bar, in user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bar {
    /// Left edge.
    pub(crate) x: f64,
    /// Width (at least [`MIN_BAR_WIDTH`]).
    pub(crate) width: f64,
    /// Top of the row.
    pub(crate) y: f64,
    /// The step's time in whole milliseconds (0 for a step that never ran).
    pub(crate) ms: u128,
}

/// The bars for `spans` and the session's length they are drawn against.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    /// One per span, in order.
    pub(crate) bars: Vec<Bar>,
    /// The time the plot's width stands for.
    pub(crate) span: Duration,
    /// The picture's height.
    pub(crate) height: f64,
}

/// Lays out one bar per span: `x` from the start, width proportional to
/// the length, against the latest end of any step. A step that never ran
/// gets a minimal bar after everything that did (where it would have come);
/// a step that ran gets its full width but never less than
/// [`MIN_BAR_WIDTH`].
pub(crate) fn layout(spans: &[StepSpan]) -> Layout {
    let span = spans
        .iter()
        .filter_map(|s| Some(s.start? + s.length.unwrap_or_default()))
        .max()
        .unwrap_or_default();
    let scale = PLOT_WIDTH / span.as_secs_f64().max(1e-3);
    let mut bars = Vec::with_capacity(spans.len());
    for (row, s) in spans.iter().enumerate() {
        let length = s.length.unwrap_or_default();
        let x = match s.start {
            Some(start) => PLOT_X + start.as_secs_f64() * scale,
            // Never ran: at the end, where the session stopped.
            None => PLOT_X + PLOT_WIDTH - MIN_BAR_WIDTH,
        };
        let width = (length.as_secs_f64() * scale).max(MIN_BAR_WIDTH);
        bars.push(Bar {
            // A minimal bar at the very end stays inside the plot.
            x: x.min(PLOT_X + PLOT_WIDTH - MIN_BAR_WIDTH),
            width,
            y: row as f64 * ROW_HEIGHT,
            ms: length.as_millis(),
        });
    }
    Layout {
        height: spans.len() as f64 * ROW_HEIGHT + AXIS_HEIGHT,
        bars,
        span,
    }
}

/// Where each step of `run` sits in time: finished steps from their start
/// and elapsed time, a running one up to the latest time the run has seen.
pub(crate) fn spans(run: &Run) -> Vec<StepSpan> {
    let clock = run.times.clock();
    run.steps
        .rows()
        .iter()
        .map(|row| {
            let start = run.times.started(row.step);
            let length = match (row.elapsed, start) {
                (Some(elapsed), _) => Some(elapsed),
                (None, Some(start)) if row.status == StepStatus::Running => {
                    Some(clock.saturating_sub(start))
                }
                _ => None,
            };
            StepSpan {
                // A step that finished without a start seen (none such
                // today) is drawn from the session's start.
                start: start.or(length.map(|_| Duration::ZERO)),
                length,
            }
        })
        .collect()
}

/// A mark that says the status without colour.
fn status_mark(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Ok => "✓",
        StepStatus::Failed => "✗",
        StepStatus::Running => "…",
        StepStatus::Skipped => "–",
        StepStatus::Pending => "○",
    }
}

/// One bar's words: its step, status, time and start.
fn bar_label(
    lang: Lang,
    name: &str,
    status: StepStatus,
    bar: &Bar,
    start: Option<Duration>,
) -> String {
    let start = start.map(|s| s.as_millis()).unwrap_or_default().to_string();
    ttf(
        lang,
        Tm::BarLabel,
        &[name, status_word(status, lang), &bar.ms.to_string(), &start],
    )
}

/// `x` in user units, as an attribute (two decimals are plenty).
fn units(value: f64) -> String {
    format!("{value:.2}")
}

/// The guided run's steps against time, with the server's reply to each.
#[component]
pub(crate) fn StepTimeline() -> Html {
    let state = use_app_state();
    // The bar the pointer is over or the focus is on, by step name.
    let shown = use_state(|| None::<String>);
    let lang = state.lang;
    let Some(run) = &state.run else {
        return html! {};
    };
    let rows = run.steps.rows();
    let spans = spans(run);
    let geometry = layout(&spans);
    // The caption's line (the hint, or the shown bar's words) and the shown
    // bar's reply, drawn over what follows so that nothing below moves.
    let mut caption = (tt(lang, Tm::TimelineHint).to_owned(), None::<String>);
    let bars = rows.iter().zip(&spans).zip(&geometry.bars).map(|((row, span), bar)| {
        let name = row.step.to_string();
        let status = row.status.as_str();
        let label = bar_label(lang, &name, row.status, bar, span.start);
        let reply = run.times.reply(row.step).unwrap_or_else(|| tt(lang, Tm::NoReply));
        let replied = format!("{} {reply}", tt(lang, Tm::Replied));
        let tip = format!("{label}\n{replied}");
        if shown.as_deref() == Some(name.as_str()) {
            caption = (label.clone(), Some(replied));
        }
        let show = {
            let shown = shown.clone();
            let name = name.clone();
            Callback::from(move |()| shown.set(Some(name.clone())))
        };
        let hide = {
            let shown = shown.clone();
            let name = name.clone();
            Callback::from(move |()| {
                if shown.as_deref() == Some(name.as_str()) {
                    shown.set(None);
                }
            })
        };
        let text_y = units(bar.y + ROW_HEIGHT / 2.0);
        html! {
            <g key={name.clone()} data-testid="timeline-bar" class={classes!("timeline-bar", status)}
               data-step={name.clone()} data-status={status} data-ms={bar.ms.to_string()}
               tabindex="0" role="img" aria-label={label.clone()}
               onfocus={show.reform(|_: FocusEvent| ())} onblur={hide.reform(|_: FocusEvent| ())}
               onmouseenter={show.reform(|_: MouseEvent| ())} onmouseleave={hide.reform(|_: MouseEvent| ())}>
                <title>{ tip }</title>
                <rect class="timeline-row" x="0" y={units(bar.y)} width={units(VIEW_WIDTH)}
                      height={units(ROW_HEIGHT)} />
                <text class="timeline-name" x={units(PLOT_X - 8.0)} y={text_y.clone()}
                      text-anchor="end" dominant-baseline="middle">{ name }</text>
                <rect data-testid="timeline-rect" class="timeline-rect" x={units(bar.x)}
                      y={units(bar.y + (ROW_HEIGHT - BAR_HEIGHT) / 2.0)} width={units(bar.width)}
                      height={units(BAR_HEIGHT)} rx="2" />
                <text class="timeline-mark" x={units(MARK_X)} y={text_y} dominant-baseline="middle">
                    { format!("{} {} ms", status_mark(row.status), bar.ms) }
                </text>
            </g>
        }
    });
    let bars: Html = bars.collect();
    let axis_y = geometry.height - AXIS_HEIGHT;
    let end_ms = format!("{} ms", geometry.span.as_millis());
    html! {
        <figure class="step-timeline">
            <svg id="step-timeline" data-testid="step-timeline" role="group"
                 aria-label={tt(lang, Tm::TimelineAria)} aria-describedby="step-timeline-caption"
                 viewBox={format!("0 0 {} {}", units(VIEW_WIDTH), units(geometry.height))}
                 width="100%" preserveAspectRatio="xMinYMin meet">
                { bars }
                <g class="timeline-axis" aria-hidden="true">
                    <line x1={units(PLOT_X)} x2={units(PLOT_X + PLOT_WIDTH)}
                          y1={units(axis_y + 2.0)} y2={units(axis_y + 2.0)} />
                    <text x={units(PLOT_X)} y={units(axis_y + 14.0)}>{ "0" }</text>
                    <text x={units(PLOT_X + PLOT_WIDTH)} y={units(axis_y + 14.0)}
                          text-anchor="end">{ end_ms }</text>
                </g>
            </svg>
            // Not live: a focused bar's name and description already say this.
            <figcaption id="step-timeline-caption" data-testid="timeline-caption" class="timeline-caption">
                <span class="timeline-caption-line">{ caption.0 }</span>
                if let Some(reply) = caption.1 {
                    <span class="timeline-tooltip" data-testid="timeline-tooltip">{ reply }</span>
                }
            </figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran(start_ms: u64, length_ms: u64) -> StepSpan {
        StepSpan {
            start: Some(Duration::from_millis(start_ms)),
            length: Some(Duration::from_millis(length_ms)),
        }
    }

    const NEVER: StepSpan = StepSpan {
        start: None,
        length: None,
    };

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn widths_are_proportional_to_step_times_and_bars_start_where_steps_did() {
        let layout = layout(&[ran(0, 10), ran(10, 30), ran(40, 60)]);
        let [a, b, c] = layout.bars[..] else {
            panic!("three bars: {layout:?}");
        };
        assert_eq!(layout.span, Duration::from_millis(100));
        assert!(close(b.width / a.width, 3.0), "{a:?} {b:?}");
        assert!(close(c.width / a.width, 6.0), "{a:?} {c:?}");
        assert!(close(a.x, PLOT_X));
        assert!(close(b.x, a.x + a.width), "b starts where a ended");
        assert!(
            close(c.x + c.width, PLOT_X + PLOT_WIDTH),
            "the last ends at the edge"
        );
        assert_eq!([a.ms, b.ms, c.ms], [10, 30, 60]);
        assert!(a.y < b.y && b.y < c.y, "one row each");
    }

    #[test]
    fn zero_time_steps_show_a_minimal_bar_and_keep_their_time() {
        let layout = layout(&[ran(0, 0), ran(0, 500), ran(500, 0)]);
        let bars = &layout.bars;
        assert!(close(bars[0].width, MIN_BAR_WIDTH));
        assert_eq!(bars[0].ms, 0);
        assert!(close(bars[1].width, PLOT_WIDTH));
        assert!(close(bars[2].width, MIN_BAR_WIDTH));
        assert!(bars[2].x + bars[2].width <= PLOT_X + PLOT_WIDTH + 1e-9);
    }

    #[test]
    fn sub_millisecond_steps_keep_their_proportions() {
        let us = Duration::from_micros;
        let spans = [
            StepSpan {
                start: Some(us(0)),
                length: Some(us(300)),
            },
            StepSpan {
                start: Some(us(300)),
                length: Some(us(600)),
            },
        ];
        let bars = layout(&spans).bars;
        assert!(close(bars[1].width / bars[0].width, 2.0), "{bars:?}");
        assert_eq!(bars[0].ms, 0);
    }

    #[test]
    fn steps_that_never_ran_sit_at_the_end_with_a_minimal_bar() {
        let layout = layout(&[ran(0, 20), NEVER, NEVER]);
        for bar in &layout.bars[1..] {
            assert!(close(bar.width, MIN_BAR_WIDTH));
            assert!(close(bar.x + bar.width, PLOT_X + PLOT_WIDTH));
            assert_eq!(bar.ms, 0);
        }
        assert!(close(layout.height, 3.0 * ROW_HEIGHT + AXIS_HEIGHT));
    }

    #[test]
    fn an_empty_or_unstarted_run_lays_out_without_dividing_by_zero() {
        assert!(layout(&[]).bars.is_empty());
        let bars = layout(&[NEVER]).bars;
        assert!(bars[0].x.is_finite() && close(bars[0].width, MIN_BAR_WIDTH));
    }

    #[test]
    fn a_running_step_reaches_the_latest_time_seen() {
        use crate::state::run::RunAction;
        use crate::state::test_spec;
        use crate::transcript::EntryIds;
        use smtplab_shared::smtp::{Event, Stage, Step, StepList};
        let mut slot = None;
        let mut ids = EntryIds::default();
        let mut apply = |action| Run::apply(&mut slot, action, &mut ids);
        apply(RunAction::Started {
            target: "mx:25".into(),
            steps: StepList::for_spec(&test_spec(Stage::Ehlo, 1)),
        });
        let ms = Duration::from_millis;
        let events = [
            Event::StepStarted {
                step: Step::Connect,
                at: ms(5),
            },
            Event::StepFinished {
                step: Step::Connect,
                ok: true,
                elapsed: ms(10),
            },
            Event::StepStarted {
                step: Step::Ehlo,
                at: ms(15),
            },
        ];
        for event in events {
            apply(RunAction::Engine { at_ms: 15, event });
        }
        apply(RunAction::Note {
            at_ms: 40,
            error: false,
            note: crate::note::Note::OpeningWebSocket,
        });
        let run = slot.expect("a run");
        let spans = spans(&run);
        assert_eq!(spans[0], ran(5, 10));
        assert_eq!(spans[1], ran(15, 25), "running: up to the note at 40 ms");
        assert_eq!(spans[2], NEVER, "QUIT is pending");
    }
}
