//! [`BatchedDispatch`]: the driver's actions, queued and handed to the
//! reducer at most every [`FRAME_MS`].
//!
//! Why: every dispatch makes Yew re-render the app, and a render of a long
//! transcript costs milliseconds, while an SMTP step through the bridge on
//! a LAN costs a fraction of one. The driver sends the next command inside
//! the WebSocket handler, before it dispatches, but a render queued behind
//! each reply still delayed the handling of the next reply, so a session's
//! pace was the render's, not the server's (docs/benchmarks.md, the tab
//! session against swaks). Queued actions keep their order and their
//! timestamps (taken when the event happened), so the transcript and the
//! step times are the same; only the painting is coalesced. The end of a
//! run is flushed at once, so the verdict shows without the frame's delay.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use yew::UseReducerDispatcher;

use crate::state::{Action, State};

/// How long queued actions wait for more before they are dispatched. Long
/// enough that a session with a nearby server (a few ms) is not rendered
/// half-way (a render in the middle of it would delay its next reply by the
/// render's time), short enough that a slow server's replies still appear
/// as they come (20 updates a second).
const FRAME_MS: u32 = 50;

/// A queue in front of the reducer's dispatcher. Cloning shares the queue.
#[derive(Clone)]
pub(super) struct BatchedDispatch {
    /// The reducer's own dispatcher.
    inner: UseReducerDispatcher<State>,
    /// Actions not yet dispatched, oldest first.
    queue: Rc<RefCell<Vec<Action>>>,
    /// A flush is scheduled.
    scheduled: Rc<Cell<bool>>,
    /// The last scheduled timer. Kept so that it is not cancelled; it is
    /// replaced (dropped) only when the next one is scheduled, never inside
    /// its own callback.
    timer: Rc<RefCell<Option<Timeout>>>,
}

impl BatchedDispatch {
    /// A queue in front of `inner`.
    pub(super) fn new(inner: UseReducerDispatcher<State>) -> Self {
        Self {
            inner,
            queue: Rc::default(),
            scheduled: Rc::default(),
            timer: Rc::default(),
        }
    }

    /// Queues `action`; it reaches the reducer at the next flush, within
    /// [`FRAME_MS`], after the actions queued before it.
    pub(super) fn dispatch(&self, action: Action) {
        self.queue.borrow_mut().push(action);
        if self.scheduled.replace(true) {
            return;
        }
        let this = self.clone();
        let timer = Timeout::new(FRAME_MS, move || {
            // The flag stays set while flushing: an action dispatched by
            // what a flush set off is queued and flushed by this loop, so
            // no timer is ever made (and the running one dropped) in here.
            while !this.queue.borrow().is_empty() {
                this.flush();
            }
            this.scheduled.set(false);
        });
        // Only reached with the flag clear, that is outside any timer's
        // callback, so dropping the previous, fired timer here is safe.
        self.timer.borrow_mut().replace(timer);
    }

    /// Dispatches every queued action now, in order (the end of a run: the
    /// verdict should not wait for the frame).
    pub(super) fn flush(&self) {
        let actions = std::mem::take(&mut *self.queue.borrow_mut());
        for action in actions {
            self.inner.dispatch(action);
        }
    }
}
