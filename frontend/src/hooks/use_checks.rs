//! `use_checks`: the browser driver of `smtplab_shared::diagnose::Check`.
//!
//! It runs the checks of a [`RunPlan`] one after another. For each check it
//! drains `poll_action`: an `Action::Resolve` becomes a WebSocket carrying
//! one `resolve` (its `resolved` or `error` goes to `handle_resolved` /
//! `handle_resolve_error`); an `Action::RunSession` becomes a
//! [`LinkSocket`](crate::link_socket::LinkSocket) (the shared bridge link in engine mode) whose events are
//! collected into a `SessionRecord` for `handle_session` ([`action_link`]).
//! It only moves bytes, time, DNS answers and events: every SMTP step and
//! every judgement is the shared crate's.
//!
//! A domain report ([`RunPlan::is_report`]) is one `Check::posture`
//! running every report check together: its `Action::FetchMtaSts` becomes a
//! WebSocket carrying one `fetch_mta_sts`, its sessions connect to the MX
//! address the plan names (`PlannedSession::connect_to`) while TLS checks
//! the MX name, and each action it starts is shown as its progress
//! ([`ReportProgress`]). Its TLS sessions always verify the certificate
//! (with the guided session's CA field and roots): the report judges
//! certificates as a sender enforcing MTA-STS or DANE would.
//!
//! Sessions whose plan asks for TLS (the tab's checks use STARTTLS when
//! offered by default) get the guided session's TLS choices: its verify
//! switch and its CA field (pasted CAs and SHA-256 pins), with the public
//! roots fetched from the bridge once per page ([`crate::trust_anchors`]).
//! Sessions without credentials are opportunistic (the certificate is
//! reported, not enforced); see `action_link::planned_session`.

mod action_link;
mod answer;
mod request;

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use smtplab_shared::diagnose::{Check, CheckInput, CheckKind, CheckResult, Report};
use smtplab_shared::posture::ReportOptions;
use smtplab_shared::tls::TlsOptions;
use yew::prelude::*;

use crate::browser;
use crate::diagnostics::{
    DiagAction, DiagState, Next, ReportProgress, ReportStep, RunPlan, SkipReason,
};
use crate::trust_anchors::{self, PublicRoots};
use action_link::ActionLink;
use answer::Answer;

/// How often a session's deadline is checked.
const TICK_MS: u32 = 200;

/// What the panel may ask. Stable for the page's lifetime.
#[derive(Clone, PartialEq)]
pub(crate) struct ChecksHandle {
    /// Start a run with the guided session's TLS choices (ignored while
    /// one runs).
    pub(crate) run: Callback<(RunPlan, TlsOptions)>,
    /// Stop the running run; finished results stay.
    pub(crate) cancel: Callback<()>,
}

/// The checks driver.
#[hook]
pub(crate) fn use_checks(dispatch: UseReducerDispatcher<DiagState>) -> ChecksHandle {
    let driver = use_mut_ref(|| Driver {
        dispatch,
        next_id: 1,
        run: None,
        loading_roots: false,
    });
    {
        let driver = driver.clone();
        use_effect_with((), move |()| move || driver.borrow_mut().run = None);
    }
    let handle = use_memo((), move |()| {
        let d = Rc::clone(&driver);
        let run = Callback::from(move |(plan, tls)| Driver::start(&d, plan, tls));
        let d = driver;
        let cancel = Callback::from(move |()| Driver::cancel(&d));
        ChecksHandle { run, cancel }
    });
    (*handle).clone()
}

/// Shared by the callbacks and the socket and timer handlers (through a
/// `Weak`, so nothing outlives the component).
struct Driver {
    /// Where actions go.
    dispatch: UseReducerDispatcher<DiagState>,
    /// Id of the next WebSocket; events of older ones are dropped.
    next_id: u64,
    /// The run in progress.
    run: Option<ActiveRun>,
    /// The public roots are being fetched for a run about to start.
    loading_roots: bool,
}

/// A run in progress.
struct ActiveRun {
    /// What is left to do.
    plan: RunPlan,
    /// Finished results, in order.
    results: Vec<CheckResult>,
    /// The check running now.
    check: Option<Check>,
    /// The WebSocket of the check's pending action.
    link: Option<ActionLink>,
    /// The guided session's TLS choices, for sessions that use TLS.
    tls: TlsOptions,
    /// The public roots when `tls` trusts them (or why they could not be
    /// loaded; a TLS session then fails to set up).
    roots: Result<PublicRoots, String>,
    /// Checks session deadlines.
    _timer: Interval,
}

impl Driver {
    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn start(this: &Rc<RefCell<Self>>, plan: RunPlan, mut tls: TlsOptions) {
        if plan.is_report() {
            tls.verify = true;
        }
        {
            let d = this.borrow();
            if d.run.is_some() || d.loading_roots {
                return;
            }
        }
        if !tls.mozilla_roots {
            Self::begin(this, plan, tls, Ok(Rc::from(Vec::new())));
            return;
        }
        if let Some(roots) = trust_anchors::cached() {
            Self::begin(this, plan, tls, Ok(roots));
            return;
        }
        this.borrow_mut().loading_roots = true;
        let weak = Rc::downgrade(this);
        wasm_bindgen_futures::spawn_local(async move {
            let loaded = trust_anchors::load().await;
            if let Some(driver) = weak.upgrade() {
                driver.borrow_mut().loading_roots = false;
                Self::begin(&driver, plan, tls, loaded);
            }
        });
    }

    fn begin(
        this: &Rc<RefCell<Self>>,
        plan: RunPlan,
        tls: TlsOptions,
        roots: Result<PublicRoots, String>,
    ) {
        if this.borrow().run.is_some() {
            return;
        }
        let weak = Rc::downgrade(this);
        let timer = Interval::new(TICK_MS, move || {
            if let Some(driver) = weak.upgrade() {
                Self::tick(&driver);
            }
        });
        this.borrow_mut().run = Some(ActiveRun {
            plan,
            results: Vec::new(),
            check: None,
            link: None,
            tls,
            roots,
            _timer: timer,
        });
        Self::advance(this);
    }

    fn cancel(this: &Rc<RefCell<Self>>) {
        let Some(run) = this.borrow_mut().run.take() else {
            return;
        };
        Self::finish(this, run);
    }

    /// Ends the run: the report of what finished.
    fn finish(this: &Rc<RefCell<Self>>, run: ActiveRun) {
        let input = run.plan.report_input(&run.results);
        let mut report = Report::new(&input, browser::rfc5322_now());
        for result in run.results {
            report.push(result);
        }
        let dispatch = this.borrow().dispatch.clone();
        dispatch.dispatch(DiagAction::Finished(Box::new(report)));
    }

    /// Moves the run on until it waits for the network or is over.
    fn advance(this: &Rc<RefCell<Self>>) {
        loop {
            let mut d = this.borrow_mut();
            let dispatch = d.dispatch.clone();
            let Some(run) = d.run.as_mut() else {
                return;
            };
            if run.link.is_some() {
                return;
            }
            let Some(check) = run.check.as_mut() else {
                match run.plan.next(&run.results) {
                    Some(Next::Run(kind, input)) => match Check::new(kind, &input) {
                        Ok(check) => {
                            dispatch.dispatch(DiagAction::CheckStarted(kind));
                            run.check = Some(check);
                        }
                        Err(e) => dispatch.dispatch(DiagAction::CheckSkipped(
                            kind,
                            SkipReason::Input(e.to_string()),
                        )),
                    },
                    Some(Next::NoPrimaryMx(kind)) => {
                        dispatch.dispatch(DiagAction::CheckSkipped(kind, SkipReason::NoPrimaryMx));
                    }
                    Some(Next::Report(kinds, input, options)) => {
                        run.check = start_report(&dispatch, &kinds, &input, &options);
                    }
                    None => {
                        let run = d.run.take().expect("checked above");
                        drop(d);
                        Self::finish(this, run);
                        return;
                    }
                }
                continue;
            };
            if check.is_done() {
                for result in check.results() {
                    run.results.push(result.clone());
                    dispatch.dispatch(DiagAction::CheckDone(Box::new(result)));
                }
                run.check = None;
                continue;
            }
            let Some(action) = check.poll_action() else {
                // Nothing to do and no answer pending: a check never gets here.
                return;
            };
            if let Some((done, known)) = check.progress() {
                dispatch.dispatch(DiagAction::Progress(ReportProgress {
                    done,
                    known,
                    step: ReportStep::of(&action),
                }));
            }
            let id = d.take_id();
            drop(d);
            match Self::open_action(this, id, action) {
                Ok(link) => {
                    if let Some(run) = this.borrow_mut().run.as_mut() {
                        run.link = Some(link);
                    }
                    return;
                }
                Err(answer) => Self::answer(this, answer),
            }
        }
    }

    /// Hands an action's answer to the running check, then moves on.
    fn answer(this: &Rc<RefCell<Self>>, answer: Answer) {
        {
            let mut d = this.borrow_mut();
            let Some(run) = d.run.as_mut() else {
                return;
            };
            run.link = None;
            if let Some(check) = run.check.as_mut() {
                answer.hand_to(check);
            }
        }
        Self::advance(this);
    }
}

/// Starts the domain report of `kinds`; the checks it cannot run are
/// marked skipped (with the shared crate's words).
fn start_report(
    dispatch: &UseReducerDispatcher<DiagState>,
    kinds: &[CheckKind],
    input: &CheckInput,
    options: &ReportOptions,
) -> Option<Check> {
    match Check::posture(input, kinds, options) {
        Ok(check) => {
            let running = check.kinds();
            for kind in kinds {
                dispatch.dispatch(if running.contains(kind) {
                    DiagAction::CheckStarted(*kind)
                } else {
                    DiagAction::CheckSkipped(*kind, SkipReason::Input(String::new()))
                });
            }
            Some(check)
        }
        Err(e) => {
            for kind in kinds {
                let why = SkipReason::Input(e.to_string());
                dispatch.dispatch(DiagAction::CheckSkipped(*kind, why));
            }
            None
        }
    }
}
