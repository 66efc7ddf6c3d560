//! Check 1, reachability and firewall: connect (timed), wait for the 220
//! banner (timed), QUIT. Tells refused, filtered (timeout), reset, DNS
//! failure and "connected but no banner" apart, and names a long greeting
//! delay a greet pause, not slowness.

use std::time::Duration;

use super::check::{CheckKind, CheckResult, CheckVerdict, Fact};
use super::input::{CheckInput, InputError, PlannedSession};
use super::record::{ConnectAttempt, SessionRecord};
use crate::smtp::session::SessionExtras;
use crate::smtp::{explain_code, FailReason, Reply, Stage, Step, Verdict};
use crate::wire::ErrorCode;

/// A greeting slower than this is reported as a greet pause.
pub const GREET_PAUSE_THRESHOLD: Duration = Duration::from_secs(2);

/// Why a session never got an SMTP conversation going, in words.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unreachable {
    /// The one-sentence finding.
    pub(crate) summary: String,
    /// What to do.
    pub(crate) advice: String,
}

/// The session for check 1: connect, greeting, QUIT.
///
/// # Errors
/// [`InputError::Spec`] for an empty host, port 0 or a bad EHLO name.
pub fn reachability_session(input: &CheckInput) -> Result<PlannedSession, InputError> {
    let spec = input.base_spec(&input.host, Stage::Connect);
    PlannedSession::new("reachability", spec, SessionExtras::default())
}

/// Judges check 1 from the session's record.
pub fn evaluate_reachability(input: &CheckInput, record: &SessionRecord) -> CheckResult {
    let kind = CheckKind::Reachability;
    let target = format!("{}:{}", input.host.trim(), input.port);
    let mut evidence = vec![record.connect_line()];
    evidence.extend(record.lines(|s| matches!(s, Step::Connect | Step::Quit)));
    let mut details = Vec::new();
    if let ConnectAttempt::Connected { peer, connect_ms } = &record.connect {
        details.push(Fact::new("peer", peer.clone()));
        details.push(Fact::new("connect time", format!("{connect_ms:.1} ms")));
    }
    if let Some(problem) = unreachable(&target, input.timeouts.greeting_ms, record) {
        let mut result = CheckResult::new(
            kind,
            CheckVerdict::Fail,
            problem.summary,
            evidence,
            problem.advice,
        );
        result.details = details;
        return result;
    }
    let Some((greeting, delay)) = record.greeting() else {
        let summary = format!("{target}: the session ended before a greeting");
        return CheckResult::new(
            kind,
            CheckVerdict::Fail,
            summary,
            evidence,
            "Run the check again.",
        );
    };
    let connect_ms = match &record.connect {
        ConnectAttempt::Connected { connect_ms, .. } => *connect_ms,
        ConnectAttempt::Failed { .. } => 0.0,
    };
    details.push(Fact::new("greeting delay", format_duration(delay)));
    details.push(Fact::new(
        "greeting lines",
        greeting.lines.len().to_string(),
    ));
    let early = record
        .greeting_first_byte_at
        .zip(greeting_at(record))
        .map(|(first, last)| last.saturating_sub(first));
    if let Some(spread) = early.filter(|d| *d >= GREET_PAUSE_THRESHOLD) {
        details.push(Fact::new(
            "greeting spread",
            format!(
                "the first line came {} before the last (a multi-line greeting sent in pieces)",
                format_duration(spread)
            ),
        ));
    }
    details.push(Fact::new(
        "sent before the greeting",
        if record.sent_before_greeting() {
            "something (a bug)"
        } else {
            "nothing"
        },
    ));
    let banner = greeting.lines.last().map_or("", String::as_str);
    if delay > GREET_PAUSE_THRESHOLD {
        let summary = format!(
            "{target} answered in {connect_ms:.0} ms; the 220 banner came after {}: a greet pause (a deliberate anti-spam delay), not slowness",
            format_duration(delay)
        );
        let (verdict, advice) = if input.port == 25 {
            (
                CheckVerdict::Pass,
                "On port 25 a greet pause (Postfix postscreen_greet_wait, Exim/Sendmail greet_pause) makes spam software that talks before the banner give itself away; real senders wait (RFC 5321 §4.5.3.2.1 lets them wait 5 minutes). Nothing was sent before the final 220 line, as the protocol requires. Keep it under the senders' greeting timeout.",
            )
        } else {
            (
                CheckVerdict::Warn,
                "On a submission port the greet pause only delays your own users' mail programs; anti-spam delays belong on port 25. Nothing was sent before the final 220 line.",
            )
        };
        let mut result = CheckResult::new(kind, verdict, summary, evidence, advice);
        result.details = details;
        return result;
    }
    let summary = format!(
        "{target} accepts connections ({connect_ms:.0} ms) and greets with 220 after {}: {banner}",
        format_duration(delay)
    );
    let advice =
        "The port is open and an SMTP server answers. Nothing was sent before the final 220 line.";
    let mut result = CheckResult::new(kind, CheckVerdict::Pass, summary, evidence, advice);
    result.details = details;
    result
}

/// When the final greeting line arrived.
fn greeting_at(record: &SessionRecord) -> Option<Duration> {
    record.events.iter().find_map(|e| match e {
        crate::smtp::Event::Reply {
            step: Step::Connect,
            expected: true,
            at,
            ..
        } => Some(*at),
        _ => None,
    })
}

/// The finding when a session never got past the greeting; `None` if it
/// did (a 220 arrived).
pub(crate) fn unreachable(
    target: &str,
    greeting_ms: u64,
    record: &SessionRecord,
) -> Option<Unreachable> {
    let say = |summary: String, advice: &str| {
        Some(Unreachable {
            summary,
            advice: advice.to_owned(),
        })
    };
    if let ConnectAttempt::Failed { code, message } = &record.connect {
        return match code {
            ErrorCode::Refused => say(
                format!("{target}: connection refused: nothing listens on that port, or a firewall rejects"),
                "Check that the mail server runs and listens on this port and address (ss -ltn), and that no firewall answers with a reject (RST or ICMP).",
            ),
            ErrorCode::Timeout => say(
                format!("{target}: no answer within the connect timeout: likely filtered by a firewall"),
                "A silent drop usually means a firewall (or a provider blocking port 25 outbound). Check the server's firewall and security groups, and whether your network allows outbound connections to this port.",
            ),
            ErrorCode::Reset => say(
                format!("{target}: the connection was reset"),
                "Something (the server or a middlebox) reset the connection. Check the server's logs and any connection-rate or IP filters.",
            ),
            ErrorCode::Dns
            | ErrorCode::Nxdomain
            | ErrorCode::NoRecords
            | ErrorCode::Servfail
            | ErrorCode::Dnssec => say(
                format!("{target}: DNS failure: the name does not resolve ({message})"),
                "Check the spelling of the host name and its A/AAAA records.",
            ),
            ErrorCode::Unreachable => say(
                format!("{target}: no route to the host or network"),
                "Check the address and your network's routing (or an ICMP unreachable from a firewall).",
            ),
            ErrorCode::Forbidden => say(
                format!("{target}: the bridge's policy does not allow this target ({message})"),
                "Allow the port with the bridge's --allow-port, or test another target.",
            ),
            ErrorCode::Limit | ErrorCode::BadRequest | ErrorCode::Internal | ErrorCode::Https => say(
                format!("{target}: the bridge could not connect ({}: {message})", code.as_str()),
                "This is a problem of the bridge, not of the mail server; retry.",
            ),
        };
    }
    if record.greeting().is_some() {
        return None;
    }
    let connected = format!("{target}: connected");
    match record.verdict() {
        Some(Verdict::Failed {
            step: Step::Connect,
            reason,
        }) => match reason {
            FailReason::Timeout => say(
                format!("{connected} but no banner within {} ms", greeting_ms),
                "The TCP port is open but no SMTP greeting came: the service may hang, be overloaded, or this is not an SMTP port (some ports wait for the client, e.g. implicit TLS on 465: try TLS mode implicit).",
            ),
            FailReason::ConnectionClosed => say(
                format!("{connected}, then the server closed without a banner"),
                "The server accepted and dropped the connection: typical of access rules (tcp_wrappers, postscreen blocklists) or a server out of processes. Check its logs for your address.",
            ),
            FailReason::UnexpectedReply(reply) => say(
                format!("{connected}, but the server refuses service: {}", first_line(reply)),
                &refusal_advice(reply),
            ),
            FailReason::Protocol(why) => say(
                format!("{connected}, but what came back is not an SMTP greeting ({why})"),
                "Another service listens on this port, or it speaks TLS first (port 465: use TLS mode implicit).",
            ),
            // Needs MAIL, so never at Connect; said plainly all the same.
            FailReason::NotOffered(requirement) => say(
                format!("{connected}, but smtplab did not send: {requirement}"),
                "The session asked for an extension the server does not offer.",
            ),
            FailReason::Tls(failure) => say(
                format!("{connected}, but TLS failed before the greeting: {failure}"),
                "See the TLS report for the certificate or handshake problem.",
            ),
            FailReason::Aborted(why) => say(
                format!("{target}: not connected ({why})"),
                "Retry; if it persists, check the bridge.",
            ),
        },
        _ => say(
            format!("{target}: no greeting was recorded"),
            "Run the check again.",
        ),
    }
}

fn refusal_advice(reply: &Reply) -> String {
    let code = reply.code;
    format!(
        "{} ({code}: {}) A 554 greeting usually means your address is blocked (blocklist or access rule); a 421 that the server is busy or shutting down.",
        "The server greets with a refusal instead of 220.",
        explain_code(code)
    )
}

/// The first line of a reply.
pub(crate) fn first_line(reply: &Reply) -> &str {
    reply.lines.first().map_or("", String::as_str)
}

/// `850 ms` or `6.0 s`.
pub(crate) fn format_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}
