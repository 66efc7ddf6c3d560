//! Checks 3, 5, 7 and 8, which run a mail transaction: direct delivery,
//! "the user can receive" (RCPT, then RSET, no DATA), "the user can send"
//! (AUTH and MAIL FROM) and the open-relay test (RCPT TO an outside
//! address without AUTH, never DATA).

use super::check::{CheckKind, CheckResult, CheckVerdict, Fact};
use super::input::{domain_of, rset, CheckInput, InputError, PlannedSession};
use super::reachability::{first_line, unreachable};
use super::record::SessionRecord;
use crate::smtp::session::SessionExtras;
use crate::smtp::{
    compose_message, explain_code, explain_enhanced, FailReason, Reply, Stage, Step, Verdict,
};

/// The session for check 3: the full guided session (AUTH when given) to
/// the user's address, with a short test message.
///
/// # Errors
/// [`InputError::MissingUser`], [`InputError::MissingSender`],
/// [`InputError::MissingMessageHeaders`], or an invalid spec.
pub fn delivery_session(input: &CheckInput) -> Result<PlannedSession, InputError> {
    let user = required(&input.user_address, InputError::MissingUser)?;
    let from = required(&input.from_address, InputError::MissingSender)?;
    if input.date_rfc2822.trim().is_empty() || input.message_id.trim().is_empty() {
        return Err(InputError::MissingMessageHeaders);
    }
    let mut spec = input.base_spec(&input.host, Stage::Data);
    spec.auth.clone_from(&input.auth);
    spec.rcpt_to = vec![user.clone()];
    spec.message = compose_message(
        &from,
        &[user],
        "smtplab delivery test",
        "This message was sent by smtplab's delivery check.\r\n",
        &input.date_rfc2822,
        &input.message_id,
    );
    PlannedSession::new(
        "delivery",
        spec,
        no_unoffered_auth(SessionExtras::default()),
    )
}

/// The session for check 5: MAIL FROM (the sender, or `<>`), RCPT TO the
/// user, RSET, QUIT; no DATA.
///
/// # Errors
/// [`InputError::MissingUser`] or an invalid spec.
pub fn user_receives_session(input: &CheckInput) -> Result<PlannedSession, InputError> {
    let user = required(&input.user_address, InputError::MissingUser)?;
    recipient_session(input, &input.host, &user, "user_receives")
}

/// MAIL + RCPT `rcpt` + RSET + QUIT on `host` (checks 5 and 6).
pub(crate) fn recipient_session(
    input: &CheckInput,
    host: &str,
    rcpt: &str,
    label: &str,
) -> Result<PlannedSession, InputError> {
    let mut spec = input.base_spec(host, Stage::Rcpt);
    spec.rcpt_to = vec![rcpt.to_owned()];
    PlannedSession::new(label, spec, rset())
}

/// The session for check 7: AUTH when credentials are given, MAIL FROM
/// the sender, RSET, QUIT.
///
/// # Errors
/// [`InputError::MissingSender`] or an invalid spec.
pub fn can_send_session(input: &CheckInput) -> Result<PlannedSession, InputError> {
    let from = required(&input.from_address, InputError::MissingSender)?;
    let mut spec = input.base_spec(&input.host, Stage::Mail);
    spec.auth.clone_from(&input.auth);
    spec.mail_from = from;
    // Never sent (the session stops after MAIL); a spec needs a recipient.
    spec.rcpt_to = vec![input.outside_address.trim().to_owned()];
    PlannedSession::new("can_send", spec, no_unoffered_auth(rset()))
}

/// The session for check 8: without AUTH, MAIL FROM the sender (or the
/// outside address when none is given), RCPT TO the outside address,
/// RSET, QUIT. Never DATA, so nothing is relayed even by an open relay.
///
/// # Errors
/// [`InputError::OutsideIsLocal`] when the outside address is in the
/// tested domain, or an invalid spec.
pub fn open_relay_session(input: &CheckInput) -> Result<PlannedSession, InputError> {
    let outside = input.outside_address.trim().to_owned();
    let local = input.domain_name();
    if !local.is_empty() && domain_of(&outside).as_deref() == Some(local.as_str()) {
        return Err(InputError::OutsideIsLocal(outside));
    }
    let mut spec = input.base_spec(&input.host, Stage::Rcpt);
    if spec.mail_from.trim().is_empty() {
        spec.mail_from.clone_from(&outside);
    }
    spec.rcpt_to = vec![outside];
    PlannedSession::new("open_relay", spec, rset())
}

/// `extras` that never send AUTH the EHLO reply does not advertise (a
/// server answers such an AUTH with 503, which says nothing about the
/// credentials).
fn no_unoffered_auth(extras: SessionExtras) -> SessionExtras {
    SessionExtras {
        auth_only_if_offered: true,
        ..extras
    }
}

/// With credentials given, the session ended after EHLO because the server
/// did not advertise AUTH: (verdict, summary, advice), saying whether AUTH
/// is offered only after STARTTLS.
fn auth_not_offered(
    input: &CheckInput,
    record: &SessionRecord,
) -> Option<(CheckVerdict, String, String)> {
    input.auth.as_ref()?;
    if !matches!(
        record.verdict(),
        Some(Verdict::Completed { stage: Stage::Ehlo })
    ) {
        return None;
    }
    let capabilities = record.capabilities();
    if capabilities.is_some_and(|c| c.has("AUTH")) {
        return None;
    }
    let starttls = capabilities.is_some_and(|c| c.has("STARTTLS"));
    Some(if !record.encrypted() && starttls {
        (
            CheckVerdict::Fail,
            "AUTH is offered only after STARTTLS: the server's EHLO reply in plaintext lists STARTTLS but no AUTH, so no AUTH was sent".to_owned(),
            "The server lets clients authenticate only over TLS, as it should. Run the checks with TLS (STARTTLS when offered, or STARTTLS required) to test the credentials; sending AUTH in plaintext would only get 503 (AUTH not advertised).".to_owned(),
        )
    } else {
        (
            CheckVerdict::Fail,
            format!(
                "the server does not offer AUTH{}: its EHLO reply lists no AUTH, so no AUTH was sent",
                if record.encrypted() { " even over TLS" } else { "" }
            ),
            "This port does not take logins: submission is usually on port 587 (STARTTLS) or 465 (implicit TLS); on port 25 servers accept mail for their own domains without AUTH.".to_owned(),
        )
    })
}

fn required(value: &str, missing: InputError) -> Result<String, InputError> {
    let value = value.trim();
    if value.is_empty() {
        Err(missing)
    } else {
        Ok(value.to_owned())
    }
}

/// The first line of `reply` with what its codes mean.
pub(crate) fn describe(reply: &Reply) -> String {
    let mut text = format!("{} ({}", first_line(reply), explain_code(reply.code));
    if let Some(meaning) = reply.enhanced.and_then(explain_enhanced) {
        text.push_str("; ");
        text.push_str(meaning);
    }
    text.push(')');
    text
}

/// A failed transaction step as (verdict, summary): 4xx warn, 5xx fail.
fn refused(what: &str, reply: &Reply) -> (CheckVerdict, String) {
    let verdict = if reply.code.class() == 4 {
        CheckVerdict::Warn
    } else {
        CheckVerdict::Fail
    };
    (verdict, format!("{what} refused: {}", describe(reply)))
}

/// The shared start of every transaction check: the result when the
/// server was unreachable (fail; for the open-relay check "not tested").
fn start(kind: CheckKind, input: &CheckInput, record: &SessionRecord) -> Option<CheckResult> {
    let target = format!("{}:{}", input.host.trim(), input.port);
    match unreachable(&target, input.timeouts.greeting_ms, record) {
        Some(problem) => {
            let evidence = [vec![record.connect_line()], record.transcript()].concat();
            let verdict = if kind == CheckKind::OpenRelay {
                CheckVerdict::Warn
            } else {
                CheckVerdict::Fail
            };
            let summary = if kind == CheckKind::OpenRelay {
                format!("not tested: {}", problem.summary)
            } else {
                problem.summary
            };
            Some(CheckResult::new(
                kind,
                verdict,
                summary,
                evidence,
                problem.advice,
            ))
        }
        None => None,
    }
}

/// Judges check 3.
pub fn evaluate_delivery(input: &CheckInput, record: &SessionRecord) -> CheckResult {
    let kind = CheckKind::Delivery;
    if let Some(result) = start(kind, input, record) {
        return result;
    }
    let evidence = record.transcript();
    let outcome = record.outcome();
    if let Some(Verdict::Delivered) = outcome.map(|o| &o.verdict) {
        let queued = outcome.and_then(|o| o.queue_id.clone()).unwrap_or_default();
        let mut result = CheckResult::new(
            kind,
            CheckVerdict::Pass,
            format!("the server accepted the message for {}: {queued}", input.user_address.trim()),
            evidence,
            "Accepted means queued, not yet in the mailbox: check that it arrives (and not in spam). The queue id finds it in the server's log.",
        );
        result.details.push(Fact::new("queue id", queued));
        return result;
    }
    let (verdict, summary, advice) =
        auth_not_offered(input, record).unwrap_or_else(|| transaction_failure(record));
    CheckResult::new(kind, verdict, summary, evidence, advice)
}

/// Judges check 5 (and the postmaster part of 6) for recipient `rcpt`.
pub fn evaluate_user_receives(input: &CheckInput, record: &SessionRecord) -> CheckResult {
    judge_recipient(
        CheckKind::UserReceives,
        input,
        record,
        input.user_address.trim(),
    )
}

pub(crate) fn judge_recipient(
    kind: CheckKind,
    input: &CheckInput,
    record: &SessionRecord,
    rcpt: &str,
) -> CheckResult {
    if let Some(result) = start(kind, input, record) {
        return result;
    }
    let evidence = record.transcript();
    if let Some(reply) = record
        .reply(Step::Rcpt(0))
        .filter(|r| matches!(r.code.as_u16(), 250 | 251))
    {
        let summary = format!("{rcpt} is accepted as a recipient: {}", first_line(reply));
        let advice = "The server accepts mail for this address (then RSET and QUIT: nothing was sent). Acceptance at RCPT does not prove the mailbox exists: a catch-all or a later bounce is possible.";
        return CheckResult::new(kind, CheckVerdict::Pass, summary, evidence, advice);
    }
    let (verdict, summary, advice) = transaction_failure(record);
    CheckResult::new(kind, verdict, summary, evidence, advice)
}

/// Judges check 7.
pub fn evaluate_can_send(input: &CheckInput, record: &SessionRecord) -> CheckResult {
    let kind = CheckKind::CanSend;
    if let Some(result) = start(kind, input, record) {
        return result;
    }
    let evidence = record.transcript();
    let from = input.from_address.trim();
    if let Some((verdict, summary, advice)) = auth_not_offered(input, record) {
        return CheckResult::new(kind, verdict, summary, evidence, advice);
    }
    if let Some(Verdict::Completed { .. }) = record.verdict() {
        let (summary, advice) = match &input.auth {
            Some(auth) => (
                format!("AUTH as {} succeeded and MAIL FROM:<{from}> was accepted", auth.username),
                "The account can authenticate and use this sender. Whether it may send to outside domains is decided at RCPT.",
            ),
            None => (
                format!("MAIL FROM:<{from}> was accepted without AUTH"),
                "Without credentials this only shows the sender is accepted; on port 25 that is normal for incoming mail and says nothing about relaying (see the open-relay check). Give credentials to test submission.",
            ),
        };
        return CheckResult::new(kind, CheckVerdict::Pass, summary, evidence, advice);
    }
    let (verdict, summary, advice) = transaction_failure(record);
    CheckResult::new(kind, verdict, summary, evidence, advice)
}

/// Judges check 8: an accepted RCPT to the outside address is a fail.
pub fn evaluate_open_relay(input: &CheckInput, record: &SessionRecord) -> CheckResult {
    let kind = CheckKind::OpenRelay;
    if let Some(result) = start(kind, input, record) {
        return result;
    }
    let evidence = record.transcript();
    let outside = input.outside_address.trim();
    let Some(reply) = record.reply(Step::Rcpt(0)) else {
        let (_, summary, advice) = transaction_failure(record);
        return CheckResult::new(
            kind,
            CheckVerdict::Warn,
            format!("not tested: {summary}"),
            evidence,
            format!("The session ended before RCPT TO, so relaying could not be tested. {advice}"),
        );
    };
    let (verdict, summary, advice) = match reply.code.as_u16() {
        250 | 251 => (
            CheckVerdict::Fail,
            format!("OPEN RELAY: RCPT TO:<{outside}> was accepted without authentication ({})", first_line(reply)),
            "Anyone can send mail through this server to any domain: it will be abused for spam and blocklisted. Allow relaying only for authenticated users and your own networks (Postfix: smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination). No DATA was sent: nothing was relayed by this test.",
        ),
        400..=499 => (
            CheckVerdict::Warn,
            format!("RCPT TO:<{outside}> was deferred: {}", describe(reply)),
            "A temporary refusal (greylisting, rate limit) does not show whether the server would relay; run the check again later.",
        ),
        _ => (
            CheckVerdict::Pass,
            format!("relaying is refused: {}", first_line(reply)),
            "The server refuses to relay to outside domains for unauthenticated clients, as it should (e.g. 554 5.7.1 Relay access denied).",
        ),
    };
    CheckResult::new(kind, verdict, summary, evidence, advice)
}

/// (verdict, summary, advice) for a transaction that did not get what it
/// needed, by the failed step.
fn transaction_failure(record: &SessionRecord) -> (CheckVerdict, String, String) {
    let Some((step, reason)) = record.failure() else {
        return (
            CheckVerdict::Fail,
            "the session did not finish".to_owned(),
            "Run the check again.".to_owned(),
        );
    };
    let reply = match reason {
        FailReason::UnexpectedReply(reply) => reply,
        FailReason::Tls(failure) if failure.kind.is_certificate() => {
            return (
                CheckVerdict::Fail,
                format!("failed at {step}: TLS: {failure}"),
                "The server's certificate did not verify with the guided session's TLS choices, so nothing was sent over TLS: paste its CA certificate, or its SHA-256 pin (`sha256 AB:CD:…`, shown in the failure), in the guided session's CA field, or turn verification off there to test without it.".to_owned(),
            );
        }
        FailReason::Tls(failure) => {
            return (
                CheckVerdict::Fail,
                format!("failed at {step}: TLS: {failure}"),
                "The TLS handshake failed: the server may only speak old TLS versions (1.0/1.1), or not TLS on this port; try the guided session to see the handshake.".to_owned(),
            );
        }
        other => {
            return (
                CheckVerdict::Fail,
                format!("failed at {step}: {other}"),
                "The server stopped answering or broke the protocol mid-session; check its logs."
                    .to_owned(),
            );
        }
    };
    let code = reply.code.as_u16();
    let (what, advice) = match step {
        Step::Auth if matches!(code, 530 | 534 | 538) => ("AUTH", "The server wants TLS (or a stronger mechanism) before AUTH: use STARTTLS (port 587) or implicit TLS (port 465)."),
        Step::Auth if code == 504 => ("AUTH", "The server does not offer this mechanism: check the EHLO AUTH list."),
        Step::Auth if code == 503 => ("AUTH", "AUTH was out of sequence or not advertised (503): the server takes AUTH only when its EHLO reply lists it, often only after STARTTLS, and only once per session. This says nothing about the credentials."),
        Step::Auth if code == 535 => ("AUTH", "The credentials were refused (535): check the user name and password, and whether the account may send."),
        Step::Auth if code / 100 == 4 => ("AUTH", "AUTH failed temporarily (4xx): the server's authentication backend is unavailable or rate-limits logins; try again later."),
        Step::Auth if code == 500 || code == 502 => ("AUTH", "The server does not know the AUTH command here: it offers no authentication on this port."),
        Step::Auth => ("AUTH", "AUTH was refused: see the reply and its explanation."),
        Step::Mail => ("MAIL FROM", "The sender was refused: it may be a domain the account may not use (553 5.7.1), need AUTH (530), or fail a sender check (SPF, domain that does not resolve)."),
        Step::Rcpt(_) if matches!(code, 550 | 551 | 553) => ("RCPT TO", "The server does not accept this recipient (unknown user, or not a domain it handles)."),
        Step::Rcpt(_) if code == 554 => ("RCPT TO", "The server refuses this recipient by policy (relay access denied, blocked sender or client)."),
        Step::Rcpt(_) if code / 100 == 4 => ("RCPT TO", "Temporary: greylisting (450/451 4.7.1) accepts a retry after a few minutes; a full mailbox (452) or a rate limit clears later."),
        Step::Rcpt(_) => ("RCPT TO", "The recipient was refused."),
        Step::Data | Step::Message => ("the message", "The message was refused after RCPT: content filters, size limits or policy (see the reply text)."),
        Step::Ehlo | Step::Helo => ("EHLO", "The greeting was refused: check the EHLO name."),
        _ => ("the session", "See the transcript."),
    };
    let (verdict, summary) = refused(what, reply);
    (verdict, summary, advice.to_owned())
}
