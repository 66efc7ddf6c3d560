//! [`Check`]: one entry point for all eight checks, with the same calling
//! contract as [`DomainCheck`], so a driver has a single loop.

use super::check::{CheckKind, CheckResult};
use super::domain::{Action, CheckError, DomainCheck};
use super::input::{CheckInput, InputError, PlannedSession};
use super::reachability::{evaluate_reachability, reachability_session};
use super::record::SessionRecord;
use super::service::{evaluate_service, service_session};
use super::transaction::{
    can_send_session, delivery_session, evaluate_can_send, evaluate_delivery, evaluate_open_relay,
    evaluate_user_receives, open_relay_session, user_receives_session,
};
use crate::posture::{DomainReport, PolicyAnswer, ReportOptions};
use crate::wire::{DnsRecord, ErrorCode, RecordType};

/// One running check.
///
/// # Calling contract
/// Drain [`poll_action`](Self::poll_action): for [`Action::Resolve`] send
/// `resolve` and pass the answer to
/// [`handle_resolved`](Self::handle_resolved) or
/// [`handle_resolve_error`](Self::handle_resolve_error); for
/// [`Action::RunSession`] connect, run the session, and pass its
/// [`SessionRecord`] to [`handle_session`](Self::handle_session) with the
/// plan's label. Repeat until [`result`](Self::result) is `Some`.
#[derive(Debug, Clone)]
pub struct Check {
    /// The kind and its state.
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    /// A check of one session.
    Single {
        /// Which.
        kind: CheckKind,
        /// The input it judges against.
        input: Box<CheckInput>,
        /// The session to run, until polled.
        plan: Option<Box<PlannedSession>>,
        /// Its label.
        label: String,
        /// Once judged.
        result: Option<CheckResult>,
    },
    /// Checks 4 and 6.
    Domain(Box<DomainCheck>),
    /// The domain report's checks, run together (one result each).
    Posture(Box<DomainReport>),
}

impl Check {
    /// Starts check `kind`.
    ///
    /// # Errors
    /// The [`InputError`] of the check's missing or invalid input.
    pub fn new(kind: CheckKind, input: &CheckInput) -> Result<Self, InputError> {
        if kind.is_posture() {
            return Self::posture(input, &[kind], &ReportOptions::default());
        }
        let plan = match kind {
            CheckKind::DomainServers | CheckKind::DomainReceives => {
                return Ok(Self {
                    inner: Inner::Domain(Box::new(DomainCheck::new(kind, input)?)),
                });
            }
            CheckKind::Reachability => reachability_session(input)?,
            CheckKind::Service => service_session(input)?,
            CheckKind::Delivery => delivery_session(input)?,
            CheckKind::UserReceives => user_receives_session(input)?,
            CheckKind::CanSend => can_send_session(input)?,
            CheckKind::OpenRelay => open_relay_session(input)?,
            _ => return Self::posture(input, &[kind], &ReportOptions::default()),
        };
        Ok(Self {
            inner: Inner::Single {
                kind,
                input: Box::new(input.clone()),
                label: plan.label.clone(),
                plan: Some(Box::new(plan)),
                result: None,
            },
        })
    }

    /// The domain report's checks among `kinds` (the others are ignored),
    /// run together in one pass: [`results`](Self::results) has one result
    /// each.
    ///
    /// # Errors
    /// [`InputError::MissingDomain`].
    pub fn posture(
        input: &CheckInput,
        kinds: &[CheckKind],
        options: &ReportOptions,
    ) -> Result<Self, InputError> {
        Ok(Self {
            inner: Inner::Posture(Box::new(DomainReport::new(input, kinds, options)?)),
        })
    }

    /// Which check (the first, for the domain report).
    pub fn kind(&self) -> CheckKind {
        match &self.inner {
            Inner::Single { kind, .. } => *kind,
            Inner::Domain(domain) => domain.kind(),
            Inner::Posture(report) => report.kinds().first().copied().unwrap_or(CheckKind::Spf),
        }
    }

    /// Every check this runs (several for the domain report).
    pub fn kinds(&self) -> Vec<CheckKind> {
        match &self.inner {
            Inner::Posture(report) => report.kinds().to_vec(),
            _ => vec![self.kind()],
        }
    }

    /// Steps done and known so far, when the check can tell (the domain
    /// report); more may appear as answers come.
    pub fn progress(&self) -> Option<(usize, usize)> {
        match &self.inner {
            Inner::Posture(report) => Some(report.progress()),
            _ => None,
        }
    }

    /// The next thing to do, once; `None` while waiting or when done.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        match &mut self.inner {
            Inner::Single { plan, .. } => plan.take().map(Action::RunSession),
            Inner::Domain(domain) => domain.poll_action(),
            Inner::Posture(report) => report.poll_action(),
        }
    }

    /// See [`DomainCheck::handle_resolved`].
    ///
    /// # Errors
    /// [`CheckError::UnexpectedResolve`] if no such lookup is pending.
    pub fn handle_resolved(
        &mut self,
        name: &str,
        rtype: RecordType,
        records: &[DnsRecord],
    ) -> Result<(), CheckError> {
        self.handle_answer(name, rtype, records, None)
    }

    /// As [`handle_resolved`](Self::handle_resolved), with the bridge's
    /// DNSSEC answer (`authenticated` of `resolved`), which DANE needs.
    ///
    /// # Errors
    /// [`CheckError::UnexpectedResolve`] if no such lookup is pending.
    pub fn handle_answer(
        &mut self,
        name: &str,
        rtype: RecordType,
        records: &[DnsRecord],
        authenticated: Option<bool>,
    ) -> Result<(), CheckError> {
        match &mut self.inner {
            Inner::Domain(domain) => domain.handle_resolved(name, rtype, records),
            Inner::Posture(report) => report.handle_resolved(name, rtype, records, authenticated),
            Inner::Single { .. } => Err(CheckError::UnexpectedResolve {
                name: name.to_owned(),
                rtype,
            }),
        }
    }

    /// See [`DomainCheck::handle_resolve_error`].
    ///
    /// # Errors
    /// [`CheckError::UnexpectedResolve`] if no such lookup is pending.
    pub fn handle_resolve_error(
        &mut self,
        name: &str,
        rtype: RecordType,
        code: ErrorCode,
        message: &str,
    ) -> Result<(), CheckError> {
        match &mut self.inner {
            Inner::Domain(domain) => domain.handle_resolve_error(name, rtype, code, message),
            Inner::Posture(report) => report.handle_resolve_error(name, rtype, code, message),
            Inner::Single { .. } => Err(CheckError::UnexpectedResolve {
                name: name.to_owned(),
                rtype,
            }),
        }
    }

    /// A finished session of this check.
    ///
    /// # Errors
    /// [`CheckError::UnexpectedSession`] if no session with `label` is pending.
    pub fn handle_session(
        &mut self,
        label: &str,
        record: &SessionRecord,
    ) -> Result<(), CheckError> {
        match &mut self.inner {
            Inner::Domain(domain) => domain.handle_session(label, record),
            Inner::Posture(report) => report.handle_session(label, record),
            Inner::Single {
                kind,
                input,
                plan,
                label: expected,
                result,
            } => {
                if plan.is_some() || result.is_some() || label != expected.as_str() {
                    return Err(CheckError::UnexpectedSession {
                        label: label.to_owned(),
                    });
                }
                *result = evaluate(*kind, input, record);
                Ok(())
            }
        }
    }

    /// The answer to [`Action::FetchMtaSts`].
    ///
    /// # Errors
    /// [`CheckError::UnexpectedResolve`] if no fetch is pending.
    pub fn handle_policy(&mut self, answer: PolicyAnswer) -> Result<(), CheckError> {
        match &mut self.inner {
            Inner::Posture(report) => report.handle_policy(answer),
            _ => Err(CheckError::UnexpectedResolve {
                name: "mta-sts".into(),
                rtype: RecordType::A,
            }),
        }
    }

    /// The result, once the check is over (the first, for the domain
    /// report: see [`results`](Self::results)).
    pub fn result(&self) -> Option<&CheckResult> {
        match &self.inner {
            Inner::Single { result, .. } => result.as_ref(),
            Inner::Domain(domain) => domain.result(),
            Inner::Posture(report) => report.results().and_then(<[CheckResult]>::first),
        }
    }

    /// Every result, once the check is over; empty before.
    pub fn results(&self) -> Vec<CheckResult> {
        match &self.inner {
            Inner::Posture(report) => report.results().map(<[_]>::to_vec).unwrap_or_default(),
            _ => self.result().cloned().into_iter().collect(),
        }
    }

    /// True once the result is ready.
    pub fn is_done(&self) -> bool {
        match &self.inner {
            Inner::Posture(report) => report.results().is_some(),
            _ => self.result().is_some(),
        }
    }
}

/// Judges a one-session check from its record (checks 1, 2, 3, 5, 7, 8);
/// `None` for the domain checks, which need [`DomainCheck`].
pub fn evaluate(
    kind: CheckKind,
    input: &CheckInput,
    record: &SessionRecord,
) -> Option<CheckResult> {
    Some(match kind {
        CheckKind::Reachability => evaluate_reachability(input, record),
        CheckKind::Service => evaluate_service(input, record),
        CheckKind::Delivery => evaluate_delivery(input, record),
        CheckKind::UserReceives => evaluate_user_receives(input, record),
        CheckKind::CanSend => evaluate_can_send(input, record),
        CheckKind::OpenRelay => evaluate_open_relay(input, record),
        _ => return None,
    })
}
