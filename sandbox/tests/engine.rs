//! smtplab's own SMTP engine (`smtplab_shared::smtp::Session`) delivers to
//! the sandbox, driven by a dumb loop over a real TcpStream: connect,
//! `handle_connected`, then feed input, drain every `poll_*`, and honour
//! `poll_timeout`.

use std::time::{Duration, Instant};

use smtplab_sandbox::{start, SandboxConfig, DEMO_PASSWORD, DEMO_USER};
use smtplab_shared::smtp::{
    compose_message, AuthMechanism, AuthSpec, Event, FailReason, Outcome, Secret, Session,
    SessionSpec, Stage, Step, Timeouts, TlsMode, Verdict,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Runs `session` against `stream` until it finishes; returns its outcome.
async fn drive(mut session: Session, mut stream: TcpStream) -> Outcome {
    let started = Instant::now();
    let now = || started.elapsed();
    session.handle_connected(now());
    let mut buf = vec![0u8; 16 * 1024];
    let hard_stop = started + Duration::from_secs(30);
    loop {
        while let Some(bytes) = session.poll_transmit() {
            stream.write_all(&bytes).await.expect("write");
        }
        let mut outcome = None;
        while let Some(event) = session.poll_event() {
            if let Event::Finished(o) = event {
                outcome = Some(o);
            }
        }
        if let Some(outcome) = outcome {
            return outcome;
        }
        assert!(Instant::now() < hard_stop, "session did not finish");
        let wait = session
            .poll_timeout()
            .map_or(Duration::from_secs(1), |deadline| {
                deadline.saturating_sub(now())
            });
        match tokio::time::timeout(wait, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => session.handle_closed(now()),
            Ok(Ok(n)) => session.handle_input(now(), &buf[..n]),
            Err(_) => session.handle_timeout(now()),
        }
    }
}

fn spec(port: u16, mechanism: AuthMechanism) -> SessionSpec {
    let to = vec!["bob@example.org".to_owned()];
    SessionSpec {
        host: "127.0.0.1".into(),
        port,
        ehlo_name: "engine.test".into(),
        auth: Some(AuthSpec {
            mechanism,
            username: DEMO_USER.into(),
            password: Secret::new(DEMO_PASSWORD),
        }),
        mail_from: "alice@engine.test".into(),
        message: compose_message(
            "alice@engine.test",
            &to,
            "Engine to sandbox",
            "Hello\n.leading dot survives\n",
            "Thu, 01 Jan 2026 00:00:00 +0000",
            "engine-1@engine.test",
        ),
        rcpt_to: to,
        stop_after: Stage::Data,
        timeouts: Timeouts::default(),
        tls: TlsMode::None,
        envelope: Default::default(),
    }
}

#[tokio::test]
async fn shared_engine_delivers_to_the_sandbox() {
    let sandbox = start(
        SandboxConfig::new("127.0.0.1:0".parse().expect("addr")),
        std::future::pending(),
    )
    .await
    .expect("sandbox starts");
    for (mechanism, n) in [(AuthMechanism::Login, 1), (AuthMechanism::Plain, 2)] {
        let stream = TcpStream::connect(sandbox.addr()).await.expect("connect");
        let outcome = drive(Session::new(spec(sandbox.addr().port(), mechanism)), stream).await;
        assert_eq!(
            outcome.verdict,
            Verdict::Delivered,
            "{mechanism:?}: {outcome:?}"
        );
        let queue = outcome.queue_id.expect("queue id text");
        let messages = sandbox.inbox().list();
        assert_eq!(messages.len(), n);
        let m = &messages[n - 1];
        assert!(queue.ends_with(&m.queue_id), "{queue} vs {}", m.queue_id);
        assert_eq!(m.header("Subject"), Some("Engine to sandbox"));
        assert_eq!(m.body, "Hello\r\n.leading dot survives\r\n");
        assert_eq!(m.authenticated_as.as_deref(), Some(DEMO_USER));
        let caps = outcome.capabilities.expect("EHLO capabilities");
        assert!(format!("{caps:?}").contains("Pipelining"), "{caps:?}");
    }
}

#[tokio::test]
async fn xoauth2_and_oauthbearer_take_the_configured_token_and_refuse_another() {
    let mut config = SandboxConfig::new("127.0.0.1:0".parse().expect("addr"));
    config.bearer_token = "configured-token-42".into();
    let sandbox = start(config, std::future::pending())
        .await
        .expect("sandbox starts");
    let port = sandbox.addr().port();
    for mechanism in [AuthMechanism::XOAuth2, AuthMechanism::OAuthBearer] {
        for (token, accepted) in [("configured-token-42", true), ("wrong-token", false)] {
            let mut spec = spec(port, mechanism);
            spec.auth.as_mut().expect("auth").password = Secret::new(token);
            spec.envelope.pipelining = true;
            let stream = TcpStream::connect(sandbox.addr()).await.expect("connect");
            let outcome = drive(Session::new(spec), stream).await;
            if accepted {
                assert_eq!(outcome.verdict, Verdict::Delivered, "{mechanism:?}");
                assert_eq!(outcome.pipelined_flights, [3], "MAIL, RCPT and DATA");
                let last = sandbox.inbox().list().pop().expect("a message");
                assert_eq!(last.authenticated_as.as_deref(), Some(DEMO_USER));
            } else {
                match &outcome.verdict {
                    Verdict::Failed {
                        step: Step::Auth,
                        reason: FailReason::UnexpectedReply(reply),
                    } => assert_eq!(reply.code.as_u16(), 535, "{mechanism:?}"),
                    other => panic!("{mechanism:?} with a wrong token: {other:?}"),
                }
            }
        }
    }
    assert_eq!(sandbox.inbox().list().len(), 2);
}
