//! The page title: the last run's verdict, so a tab in the background (or
//! the window list) tells how the session ended without switching to it.

use smtplab_shared::smtp::Verdict;

use crate::i18n::views::{tvf, Vm};
use crate::i18n::Lang;

/// The app's name, the title's tail and the whole title before any run.
const APP: &str = "smtplab";

/// The title for a run to `target` (`host:port`): running, or its verdict;
/// just the app's name without a run.
pub(crate) fn page_title(lang: Lang, run: Option<(&str, bool, Option<&Verdict>)>) -> String {
    let Some((target, running, verdict)) = run else {
        return APP.to_owned();
    };
    let head = match verdict {
        Some(Verdict::Delivered) => tvf(lang, Vm::TitleDelivered, &[target]),
        Some(Verdict::Completed { .. }) => tvf(lang, Vm::TitleCompleted, &[target]),
        Some(Verdict::Failed { step, .. }) => {
            tvf(lang, Vm::TitleFailed, &[target, &step.to_string()])
        }
        None if running => tvf(lang, Vm::TitleRunning, &[target]),
        // Gone without an outcome (cancelled before the engine finished).
        None => return APP.to_owned(),
    };
    format!("{head} — {APP}")
}

#[cfg(test)]
mod tests {
    use smtplab_shared::smtp::{FailReason, Stage, Step, Verdict};

    use super::page_title;
    use crate::i18n::Lang;

    #[test]
    fn the_title_carries_the_verdict_and_the_target() {
        let target = "127.0.0.1:2525";
        assert_eq!(page_title(Lang::En, None), "smtplab");
        assert_eq!(
            page_title(Lang::En, Some((target, true, None))),
            "… running · 127.0.0.1:2525 — smtplab"
        );
        assert_eq!(
            page_title(Lang::En, Some((target, false, Some(&Verdict::Delivered)))),
            "✓ Delivered · 127.0.0.1:2525 — smtplab"
        );
        let completed = Verdict::Completed { stage: Stage::Ehlo };
        assert!(
            page_title(Lang::Ja, Some((target, false, Some(&completed)))).starts_with("✓ 完了")
        );
        let failed = Verdict::Failed {
            step: Step::Rcpt(0),
            reason: FailReason::Timeout,
        };
        let title = page_title(Lang::En, Some((target, false, Some(&failed))));
        assert!(title.starts_with("✗ Failed at RCPT TO #1"), "{title}");
        assert_eq!(page_title(Lang::En, Some((target, false, None))), "smtplab");
    }
}
