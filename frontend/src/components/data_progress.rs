//! The message's progress while it goes out: a `<progress>` with the bytes
//! that left the browser of the message's total. Both numbers are counted
//! by the guided run's socket (see `state::run::data_progress`), so a big
//! attachment over a slow link shows how far it got, not an animation.

use smtplab_shared::smtp::{Step, StepStatus};
use yew::prelude::*;

use super::use_app_state;
use crate::i18n::{tt, ttf, Tm};
use crate::state::run::DataProgress as Progress;
use crate::state::Run;

/// `bytes` for people: B, KiB, MiB or GiB with one decimal.
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    // Display only: f64 is exact far beyond any message size.
    #[allow(clippy::cast_precision_loss)]
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The progress to show: while the run's message step runs (DATA's
/// content or the BDAT chunks) and the count has started.
pub(crate) fn shown_progress(run: &Run) -> Option<Progress> {
    let sending = run
        .steps
        .rows()
        .iter()
        .any(|row| row.step == Step::Message && row.status == StepStatus::Running);
    (run.running && sending).then_some(run.data?)
}

/// `<progress id="data-progress">` while the message goes out; nothing
/// otherwise.
#[component]
pub(crate) fn DataProgress() -> Html {
    let state = use_app_state();
    let lang = state.lang;
    let Some(progress) = state.run.as_ref().and_then(shown_progress) else {
        return html! {};
    };
    let sent = progress.sent.to_string();
    let total = progress.total.to_string();
    let text = ttf(
        lang,
        Tm::ProgressText,
        &[
            &human_bytes(progress.sent),
            &human_bytes(progress.total),
            &progress.percent().to_string(),
        ],
    );
    html! {
        <div class="data-progress">
            <label for="data-progress">{ tt(lang, Tm::ProgressLabel) }</label>
            <progress id="data-progress" data-testid="data-progress" data-sent={sent.clone()}
                      data-total={total.clone()} max={total} value={sent}
                      aria-valuetext={text.clone()}></progress>
            <span class="data-progress-text" aria-hidden="true">{ text }</span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::run::RunAction;
    use crate::state::test_spec;
    use crate::transcript::EntryIds;
    use smtplab_shared::smtp::{Event, Stage, StepList};
    use std::time::Duration;

    #[test]
    fn bytes_read_as_people_expect() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
        assert_eq!(human_bytes(5 << 40), "5120.0 GiB");
    }

    #[test]
    fn progress_shows_only_while_the_message_step_runs() {
        let mut slot = None;
        let mut ids = EntryIds::default();
        let mut apply = |slot: &mut Option<Run>, action| Run::apply(slot, action, &mut ids);
        apply(
            &mut slot,
            RunAction::Started {
                target: "mx:25".into(),
                steps: StepList::for_spec(&test_spec(Stage::Data, 1)),
            },
        );
        let progress = Progress {
            sent: 10,
            total: 40,
        };
        let shown = |slot: &Option<Run>| shown_progress(slot.as_ref().expect("a run"));
        assert_eq!(shown(&slot), None, "nothing counted yet");
        apply(
            &mut slot,
            RunAction::Engine {
                at_ms: 1,
                event: Event::StepStarted {
                    step: Step::Message,
                    at: Duration::from_millis(1),
                },
            },
        );
        assert_eq!(shown(&slot), None, "the count has not come");
        apply(&mut slot, RunAction::DataProgress { at_ms: 2, progress });
        assert_eq!(shown(&slot), Some(progress));
        apply(
            &mut slot,
            RunAction::Engine {
                at_ms: 3,
                event: Event::StepFinished {
                    step: Step::Message,
                    ok: true,
                    elapsed: Duration::from_millis(2),
                },
            },
        );
        assert_eq!(shown(&slot), None, "the server answered the message");
    }
}
