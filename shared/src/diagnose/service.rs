//! Check 2, the SMTP service: banner, EHLO (HELO fallback), the capability
//! list explained, then HELP, NOOP, RSET, VRFY and EXPN probed, each reply
//! judged (refusing VRFY/EXPN is good practice).

use super::check::{CheckKind, CheckResult, CheckVerdict, Fact};
use super::input::{probes, CheckInput, InputError, PlannedSession};
use super::reachability::{first_line, unreachable};
use super::record::SessionRecord;
use crate::smtp::session::{Probe, ProbeVerb};
use crate::smtp::{explain_extension, Reply, Stage, Step};

/// The session for check 2: EHLO, then the five probes, then QUIT. VRFY
/// asks for the user's address when given (else `postmaster`), EXPN for
/// `postmaster`.
///
/// # Errors
/// [`InputError::Spec`] for an empty host, port 0 or a bad EHLO name.
pub fn service_session(input: &CheckInput) -> Result<PlannedSession, InputError> {
    let spec = input.base_spec(&input.host, Stage::Ehlo);
    let vrfy = if input.user_address.trim().is_empty() {
        "postmaster".to_owned()
    } else {
        input.user_address.trim().to_owned()
    };
    let list = vec![
        Probe::Help,
        Probe::Noop,
        Probe::Rset,
        Probe::Vrfy(vrfy),
        Probe::Expn("postmaster".to_owned()),
    ];
    PlannedSession::new("service", spec, probes(list))
}

/// Judges check 2 from the session's record.
pub fn evaluate_service(input: &CheckInput, record: &SessionRecord) -> CheckResult {
    let kind = CheckKind::Service;
    let target = format!("{}:{}", input.host.trim(), input.port);
    let evidence = record.transcript();
    if let Some(problem) = unreachable(&target, input.timeouts.greeting_ms, record) {
        return CheckResult::new(
            kind,
            CheckVerdict::Fail,
            problem.summary,
            evidence,
            problem.advice,
        );
    }
    let mut details = Vec::new();
    if let Some((greeting, _)) = record.greeting() {
        details.push(Fact::new("banner", greeting.lines.join(" / ")));
    }
    let helo = record.reply(Step::Helo);
    let ehlo_ok = record.capabilities().is_some();
    let helo_ok = helo.is_some_and(|r| r.code.as_u16() == 250);
    if !ehlo_ok && !helo_ok {
        let why = record
            .reply(Step::Ehlo)
            .map_or("no answer".to_owned(), |r| first_line(r).to_owned());
        let summary = format!("{target} greets but refuses EHLO and HELO ({why})");
        let advice = "The server does not accept this client's greeting: check the EHLO name (some servers want a fully qualified name that resolves) and the server's helo restrictions.";
        return CheckResult::new(kind, CheckVerdict::Fail, summary, evidence, advice);
    }
    let mut verdict = CheckVerdict::Pass;
    let mut notes = Vec::new();
    if let Some(caps) = record.capabilities() {
        for ext in &caps.extensions {
            details.push(Fact::new(
                format!("EHLO {}", ext.keyword()),
                explain_extension(ext),
            ));
        }
        if !caps.has("STARTTLS") && !record.encrypted() {
            verdict = verdict.max(CheckVerdict::Warn);
            notes.push("EHLO offers no STARTTLS: mail to and from this server travels unencrypted. Configure a certificate and enable STARTTLS.".to_owned());
        }
    } else {
        verdict = verdict.max(CheckVerdict::Warn);
        notes.push("EHLO was refused and HELO accepted: the server speaks plain SMTP only (no STARTTLS, SIZE, 8BITMIME, AUTH …).".to_owned());
    }
    for (step, reply) in record.replies() {
        let Step::Probe { verb, .. } = step else {
            continue;
        };
        let (level, words) = judge_probe(verb, reply);
        verdict = verdict.max(level);
        details.push(Fact::new(
            verb.to_string(),
            format!("{} — {words}", first_line(reply)),
        ));
        if level != CheckVerdict::Pass {
            notes.push(format!("{verb}: {words}"));
        }
    }
    let summary = match verdict {
        CheckVerdict::Pass => {
            format!("{target} speaks ESMTP; EHLO and the probed commands answer as they should")
        }
        _ => format!(
            "{target} speaks SMTP, with {} point(s) to look at",
            notes.len()
        ),
    };
    let advice = if notes.is_empty() {
        "Nothing to change. VRFY and EXPN do not reveal mailboxes, which is good practice (RFC 5321 §3.5, §7.3).".to_owned()
    } else {
        notes.join(" ")
    };
    let mut result = CheckResult::new(kind, verdict, summary, evidence, advice);
    result.details = details;
    result
}

/// How one probe's reply is judged, with a sentence.
pub(crate) fn judge_probe(verb: ProbeVerb, reply: &Reply) -> (CheckVerdict, String) {
    let code = reply.code.as_u16();
    let pass = |s: &str| (CheckVerdict::Pass, s.to_owned());
    let warn = |s: &str| (CheckVerdict::Warn, s.to_owned());
    match (verb, code) {
        (ProbeVerb::Help, 211 | 214) => pass("answered"),
        (ProbeVerb::Help, 500 | 502 | 504) => pass("not implemented, which is allowed"),
        (ProbeVerb::Help, _) => warn("unusual answer to HELP (211 or 214 expected)"),
        (ProbeVerb::Noop | ProbeVerb::Rset, 250) => pass("answered 250 as required"),
        (ProbeVerb::Noop | ProbeVerb::Rset, _) => {
            warn("should be answered with 250 (RFC 5321 §4.1.1.5, §4.1.1.9); some clients rely on it")
        }
        (ProbeVerb::Vrfy, 250 | 251) => warn(
            "VRFY confirms mailboxes: anyone can enumerate your users (e.g. for spam or password guessing). Disable it (Postfix: disable_vrfy_command = yes)",
        ),
        (ProbeVerb::Expn, 250) => warn(
            "EXPN expands lists: it reveals their members. Disable it",
        ),
        (ProbeVerb::Vrfy | ProbeVerb::Expn, 252) => {
            pass("refused to verify (252: will try to deliver anyway): refusing is good practice")
        }
        (ProbeVerb::Vrfy | ProbeVerb::Expn, 500..=599) => {
            pass("refused: refusing is good practice (no user enumeration)")
        }
        (ProbeVerb::Vrfy | ProbeVerb::Expn, 400..=499) => {
            pass("refused for now: no mailbox is revealed")
        }
        (ProbeVerb::Vrfy | ProbeVerb::Expn, _) => warn("unusual answer"),
    }
}
