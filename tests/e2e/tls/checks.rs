//! Checks the TLS trials share: what a verified report must show, what a
//! TLS failure must look like, the lines sent, and the handshake time.

use std::time::Duration;

use libtest_mimic::Failed;
use smtplab_e2e::test_ca::SERVER_VALID_DAYS;
use smtplab_e2e::ws_driver::SessionReport;
use smtplab_shared::smtp::{Event, FailReason, Step, TlsFailureKind, Verdict};
use smtplab_shared::tls::{CertInfo, TlsReport};

use crate::rig::{failure, Rig};

/// The lines sent (as displayed, secrets masked) among `events`.
pub(crate) fn sent_lines(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Sent { line, .. } => Some(line.display.clone()),
            _ => None,
        })
        .collect()
}

/// The outcome's TLS report after a verified handshake with Postfix: TLS
/// 1.3 or 1.2, a cipher suite, the server certificate issued by the test CA
/// for `localhost`, days left within its validity, verification enforced
/// and passed; and the same report in the `TlsEstablished` event.
pub(crate) fn expect_verified_report<'a>(
    rig: &Rig,
    report: &'a SessionReport,
    host: &str,
) -> Result<&'a TlsReport, Failed> {
    let tls = report
        .outcome
        .tls
        .as_ref()
        .ok_or_else(|| failure("a TLS report in the outcome", report))?;
    let established = report.events.iter().find_map(|e| match e {
        Event::TlsEstablished(r) => Some(r),
        _ => None,
    });
    if established != Some(tls) {
        return Err(failure(
            "TlsEstablished carrying the outcome's report",
            report,
        ));
    }
    let protocol_ok = matches!(tls.protocol.as_deref(), Some("TLSv1.3" | "TLSv1.2"));
    let cipher_ok = tls
        .cipher_suite
        .as_deref()
        .is_some_and(|c| c.starts_with("TLS"));
    if !protocol_ok || !cipher_ok || tls.key_exchange.is_none() || tls.server_name != host {
        return Err(failure(
            "TLS 1.3/1.2, a cipher suite, a key exchange",
            report,
        ));
    }
    let cert = tls
        .chain
        .first()
        .ok_or_else(|| failure("the server certificate in the chain", report))?;
    let days_ok = cert
        .days_left
        .is_some_and(|d| d > 0 && d <= i64::try_from(SERVER_VALID_DAYS).unwrap_or(i64::MAX));
    if !days_ok
        || !cert.sans.iter().any(|s| s == "DNS:localhost")
        || cert.sans.iter().any(|s| s.starts_with("IP:"))
        || !cert.issuer.contains("smtplab e2e test CA")
        || cert.self_issued
        || cert.sha256.len() != 32 * 3 - 1
    {
        return Err(failure(
            "the test CA's certificate for localhost, 0 < days left <= 90",
            report,
        ));
    }
    match &tls.verification {
        Some(v) if v.enforced && v.is_trusted() => {}
        _ => return Err(failure("verification enforced and passed", report)),
    }
    // The certificate the server sent is the one made at set-up.
    if CertInfo::from_der(&rig.identity.cert_der, None).sha256 != cert.sha256 {
        return Err(failure("the certificate made at set-up", report));
    }
    Ok(tls)
}

/// A verdict `Failed { step, Tls(kind) }` with a report that still shows
/// the server's chain and the same finding.
pub(crate) fn expect_tls_failure(
    report: &SessionReport,
    step: Step,
    kind: TlsFailureKind,
) -> Result<&TlsReport, Failed> {
    let ok = matches!(
        &report.outcome.verdict,
        Verdict::Failed { step: at, reason: FailReason::Tls(f) } if *at == step && f.kind == kind
    );
    if !ok {
        return Err(failure(
            &format!("Failed at {step} with TLS {kind:?}"),
            report,
        ));
    }
    if report
        .events
        .iter()
        .any(|e| matches!(e, Event::TlsEstablished(_)))
    {
        return Err(failure("no TlsEstablished after a failed check", report));
    }
    let tls = report
        .outcome
        .tls
        .as_ref()
        .ok_or_else(|| failure("a TLS report after the failure", report))?;
    let found = tls
        .verification
        .as_ref()
        .and_then(|v| v.problem.as_ref())
        .map(|p| p.kind);
    if tls.chain.is_empty() || found != Some(kind) {
        return Err(failure(
            &format!("the chain and {kind:?} in the report"),
            report,
        ));
    }
    Ok(tls)
}

/// How long the handshake took, on the driver's clock: for STARTTLS from
/// the server's 220 to `TlsEstablished`, for implicit TLS (`Step::Connect`)
/// from the TCP side being up to `TlsEstablished`.
pub(crate) fn handshake_time(report: &SessionReport, step: Step) -> Option<Duration> {
    let start = report.events.iter().find_map(|e| match (step, e) {
        (
            Step::StartTls,
            Event::Reply {
                step: Step::StartTls,
                reply,
                at,
                ..
            },
        ) if reply.code.as_u16() == 220 => Some(*at),
        (
            Step::Connect,
            Event::StepStarted {
                step: Step::Connect,
                at,
            },
        ) => Some(*at),
        _ => None,
    })?;
    let done = report.time_of(|e| matches!(e, Event::TlsEstablished(_)))?;
    done.checked_sub(start)
}
