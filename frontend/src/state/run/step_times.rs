//! When each step of the guided run started, and the server's last reply
//! to it: what the step timeline draws beyond the step list's rows (which
//! know a step's duration, not where it sits in the session).

use std::rc::Rc;
use std::time::Duration;

use smtplab_shared::smtp::{Event, Step};

/// Start times and replies per step, and the latest time the run has seen.
///
/// Replies are kept as shared strings: the state is cloned on every
/// action, and this should not copy every reply each time.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct StepTimes {
    /// When each step started, on the run's clock (a step that runs again,
    /// as EHLO after STARTTLS, its latest start).
    started: Vec<(Step, Duration)>,
    /// The last reply to each step, its lines joined with `\n`.
    replies: Vec<(Step, Rc<str>)>,
    /// The latest time of any action: how far a running step has got.
    clock: Duration,
}

impl StepTimes {
    /// Notes one engine event, drained at `at_ms` since the run started.
    pub(crate) fn apply(&mut self, at_ms: u64, event: &Event) {
        self.tick(at_ms);
        match event {
            Event::StepStarted { step, at } => {
                self.clock = self.clock.max(*at);
                // EHLO runs again after STARTTLS: its elapsed time is the
                // second run's, so its start is too.
                match self.started.iter_mut().find(|(s, _)| s == step) {
                    Some((_, start)) => *start = *at,
                    None => self.started.push((*step, *at)),
                }
            }
            Event::Reply {
                step, reply, at, ..
            } => {
                self.clock = self.clock.max(*at);
                let text: Rc<str> = reply.lines.join("\n").into();
                match self.replies.iter_mut().find(|(s, _)| s == step) {
                    Some((_, last)) => *last = text,
                    None => self.replies.push((*step, text)),
                }
            }
            _ => {}
        }
    }

    /// Moves the clock to `at_ms` (it never goes back).
    pub(crate) fn tick(&mut self, at_ms: u64) {
        self.clock = self.clock.max(Duration::from_millis(at_ms));
    }

    /// When `step` started, if it did.
    pub(crate) fn started(&self, step: Step) -> Option<Duration> {
        self.started
            .iter()
            .find_map(|(s, at)| (*s == step).then_some(*at))
    }

    /// The server's last reply to `step`, if any.
    pub(crate) fn reply(&self, step: Step) -> Option<&str> {
        self.replies
            .iter()
            .find_map(|(s, text)| (*s == step).then_some(&**text))
    }

    /// The latest time seen.
    pub(crate) fn clock(&self) -> Duration {
        self.clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::smtp::Reply;

    fn reply(step: Step, lines: &[&str], at_ms: u64) -> Event {
        Event::Reply {
            step,
            reply: Reply::from_lines(lines).expect("reply"),
            expected: true,
            at: Duration::from_millis(at_ms),
        }
    }

    #[test]
    fn the_latest_start_and_the_last_reply_are_kept_per_step() {
        let mut times = StepTimes::default();
        let ms = Duration::from_millis;
        times.apply(
            3,
            &Event::StepStarted {
                step: Step::Connect,
                at: ms(2),
            },
        );
        times.apply(9, &reply(Step::Connect, &["220 mx ESMTP"], 8));
        times.apply(
            9,
            &Event::StepStarted {
                step: Step::Rcpt(0),
                at: ms(9),
            },
        );
        times.apply(12, &reply(Step::Rcpt(0), &["451 later"], 11));
        times.apply(
            13,
            &Event::StepStarted {
                step: Step::Rcpt(0),
                at: ms(12),
            },
        );
        times.apply(15, &reply(Step::Rcpt(0), &["250-a", "250 ok"], 14));
        assert_eq!(times.started(Step::Connect), Some(ms(2)));
        assert_eq!(
            times.started(Step::Rcpt(0)),
            Some(ms(12)),
            "the latest start"
        );
        assert_eq!(times.started(Step::Quit), None);
        assert_eq!(times.reply(Step::Connect), Some("220 mx ESMTP"));
        assert_eq!(times.reply(Step::Rcpt(0)), Some("250-a\n250 ok"));
        assert_eq!(times.reply(Step::Quit), None);
        assert_eq!(times.clock(), ms(15));
        times.tick(4);
        assert_eq!(times.clock(), ms(15), "the clock never goes back");
    }
}
