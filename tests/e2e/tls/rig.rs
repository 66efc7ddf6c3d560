//! What every TLS trial shares: the test CA, a Postfix with TLS listeners
//! presenting a certificate from it, one bridge allowed to reach all three
//! ports, and helpers to build specs and TLS contexts and run sessions.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::Failed;
use smtplab_e2e::postfix::{MailOptions, TlsPorts, OTHER_USER};
use smtplab_e2e::test_ca::{ServerIdentity, TestCa};
use smtplab_e2e::ws_driver::{run_session, run_session_tls, SessionReport};
use smtplab_e2e::{Bridge, MailServer};
use smtplab_shared::smtp::{
    compose_message, AuthMechanism, AuthSpec, Event, Secret, SessionSpec, Stage, Timeouts, TlsMode,
    Verdict,
};
use smtplab_shared::tls::{TlsContext, TlsOptions};

/// The name the certificate is for (and that resolves to 127.0.0.1).
pub(crate) const HOST: &str = "localhost";
/// The address the certificate does not name.
pub(crate) const IP: &str = "127.0.0.1";

/// Shared by every trial.
pub(crate) struct Rig {
    /// The CA that signed Postfix's certificate.
    pub(crate) ca: TestCa,
    /// The certificate and key Postfix presents.
    pub(crate) identity: ServerIdentity,
    /// Postfix with the plaintext, submission and smtps listeners.
    pub(crate) server: MailServer,
    /// The real bridge, allowed to reach the three ports.
    pub(crate) bridge: Bridge,
    /// The TLS listeners.
    pub(crate) ports: TlsPorts,
}

impl Rig {
    /// Makes the CA and certificate, starts Postfix and the bridge.
    pub(crate) fn start() -> Result<Self, String> {
        let ca = TestCa::new("smtplab e2e test CA").map_err(|e| format!("test CA: {e}"))?;
        let identity = ca
            .server_identity()
            .map_err(|e| format!("server certificate: {e}"))?;
        let server = MailServer::start_with(&MailOptions {
            tls: Some(identity.clone()),
            ..MailOptions::default()
        })
        .map_err(|e| e.to_string())?;
        let ports = server
            .tls_ports()
            .ok_or("the server started without TLS listeners")?;
        let extra = [
            "--allow-port".to_owned(),
            ports.submission.to_string(),
            "--allow-port".to_owned(),
            ports.smtps.to_string(),
        ];
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let bridge = Bridge::spawn(server.port(), &extra).map_err(|e| e.to_string())?;
        Ok(Self {
            ca,
            identity,
            server,
            bridge,
            ports,
        })
    }

    /// A TLS context with ring, the system clock, Mozilla's roots and, if
    /// `with_ca`, the test CA pasted as an extra CA.
    pub(crate) fn context(&self, with_ca: bool, verify: bool) -> Result<TlsContext, Failed> {
        let options = TlsOptions {
            verify,
            mozilla_roots: true,
            extra_ca_pem: if with_ca {
                self.ca.pem().to_owned()
            } else {
                String::new()
            },
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let clock = Arc::new(rustls::time_provider::DefaultTimeProvider);
        TlsContext::new(provider, clock, &options, webpki_roots::TLS_SERVER_ROOTS)
            .map_err(|e| format!("TLS context: {e}").into())
    }

    /// A spec from the test user to bob at `host:port` in `tls` mode,
    /// authenticating with `mechanism`, with `needle` in the body.
    pub(crate) fn spec(
        &self,
        host: &str,
        port: u16,
        tls: TlsMode,
        mechanism: Option<AuthMechanism>,
        needle: &str,
    ) -> SessionSpec {
        let rcpt_to = vec![OTHER_USER.to_owned()];
        let message = compose_message(
            self.server.user(),
            &rcpt_to,
            &format!("e2e tls {needle}"),
            &format!("Sent over TLS (or not) by the smtplab e2e suite.\n{needle}\n"),
            "Mon, 01 Jan 2024 00:00:00 +0000",
            &format!("<{needle}@smtplab.test>"),
        );
        SessionSpec {
            host: host.to_owned(),
            port,
            ehlo_name: "e2e.smtplab.test".to_owned(),
            auth: mechanism.map(|mechanism| AuthSpec {
                mechanism,
                username: self.server.user().to_owned(),
                password: Secret::new(self.server.password()),
            }),
            mail_from: self.server.user().to_owned(),
            rcpt_to,
            message,
            stop_after: Stage::Data,
            timeouts: Timeouts {
                greeting_ms: 15_000,
                reply_ms: 15_000,
            },
            tls,
            envelope: Default::default(),
        }
    }

    /// A needle unique to this instance and `tag`.
    pub(crate) fn needle(&self, tag: &str) -> String {
        format!("tls-needle-{tag}-{}", self.server.port())
    }

    /// Runs `spec` (with `tls` if given) on a fresh runtime and checks the
    /// event stream ends with exactly one `Finished`.
    pub(crate) fn run(
        &self,
        spec: SessionSpec,
        tls: Option<TlsContext>,
    ) -> Result<SessionReport, Failed> {
        let url = self.bridge.ws_url();
        let report = match tls {
            Some(tls) => block_on(run_session_tls(&url, spec, tls))?,
            None => block_on(run_session(&url, spec))?,
        }
        .map_err(|e| format!("{e}\nbridge stderr:\n{}", self.bridge.stderr()))?;
        let finished = report
            .events
            .iter()
            .filter(|e| matches!(e, Event::Finished(_)))
            .count();
        if finished != 1 || !matches!(report.events.last(), Some(Event::Finished(_))) {
            return Err(failure("exactly one Finished, last", &report));
        }
        Ok(report)
    }

    /// Checks the verdict is `Delivered` and the message with `needle` is in
    /// bob's Maildir; returns the stored message.
    pub(crate) fn expect_delivered(
        &self,
        report: &SessionReport,
        needle: &str,
    ) -> Result<String, Failed> {
        if report.outcome.verdict != Verdict::Delivered {
            return Err(failure("verdict Delivered", report));
        }
        Ok(self
            .server
            .wait_for_message(OTHER_USER, needle, Duration::from_secs(15))?)
    }
}

fn block_on<F: Future>(future: F) -> Result<F::Output, Failed> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(future))
}

/// A failure message with the verdict, the TLS report and the transcript.
pub(crate) fn failure(expected: &str, report: &SessionReport) -> Failed {
    let tls = report
        .outcome
        .tls
        .as_ref()
        .map(|t| format!("{t:#?}"))
        .unwrap_or_else(|| "none".to_owned());
    format!(
        "expected {expected}; verdict: {}\ntls: {tls}\ntranscript:\n{}",
        report.outcome.verdict,
        report.transcript.join("\n")
    )
    .into()
}
