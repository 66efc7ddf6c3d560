//! The transaction beyond plain MAIL/RCPT/DATA: PIPELINING flights,
//! refused recipients passed over (or not), BDAT, the ESMTP parameters on
//! MAIL and RCPT, extensions refused before MAIL, and the AUTH mechanisms
//! with a challenge (CRAM-MD5) or an error challenge (XOAUTH2,
//! OAUTHBEARER).

use super::*;
// Named, so it wins over the builtin `test` the glob would make ambiguous.
use smtplab_shared::smtp::{
    base64_encode, DsnNotify, DsnOptions, DsnRet, RefusedRecipient, Reply, Requirement,
};
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The Postfix-like spec without AUTH: `n` recipients `r0@…`, `r1@…`.
fn postfix_spec(rcpts: usize) -> SessionSpec {
    SessionSpec {
        ehlo_name: "client.example.test".into(),
        auth: None,
        mail_from: "test@example.test".into(),
        rcpt_to: (0..rcpts).map(|i| format!("r{i}@example.test")).collect(),
        message: "Subject: hi\r\n\r\nbye\r\n".into(),
        ..seed_spec()
    }
}

/// A script against the Postfix-like server: its greeting and EHLO reply,
/// then `rest`.
fn postfix_script(rest: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut steps = script(&[
        ("", "220 mail.example.test ESMTP"),
        ("EHLO client.example.test", POSTFIX_EHLO),
    ]);
    steps.extend(script(rest));
    steps
}

/// `Subject: hi` CRLF CRLF `bye` CRLF.
const SIZE: &str = "SIZE=20";

fn events_of<'a>(driver: &'a Driver, pick: impl Fn(&Event) -> bool + 'a) -> Vec<&'a Event> {
    driver.events.iter().filter(|e| pick(e)).collect()
}

#[test]
fn a_pipelined_flight_sends_mail_every_rcpt_and_data_at_once() {
    let mut spec = postfix_spec(2);
    spec.envelope.pipelining = true;
    let flight = format!(
        "MAIL FROM:<test@example.test> {SIZE}\nRCPT TO:<r0@example.test>\nRCPT TO:<r1@example.test>\nDATA"
    );
    let steps = postfix_script(&[
        (
            &flight,
            "250 2.1.0 Ok\n250 2.1.5 Ok\n250 2.1.5 Ok\n354 go ahead",
        ),
        ("Subject: hi\n\nbye\n.", "250 2.0.0 Ok: queued as ABC"),
        ("QUIT", "221 Bye"),
    ]);
    for chunk in CHUNKINGS {
        let driver = run(&spec, &steps, chunk);
        let outcome = driver.outcome();
        assert_eq!(outcome.verdict, Verdict::Delivered, "chunk {chunk}");
        assert_eq!(outcome.pipelined_flights, [4]);
        let flights = events_of(&driver, |e| matches!(e, Event::Pipelined { .. }));
        assert!(matches!(flights[..], [Event::Pipelined { commands: 4 }]));
        // Each reply is matched back to its own command's step.
        let replied: Vec<(Step, u16)> = driver
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Reply { step, reply, .. } => Some((*step, reply.code.as_u16())),
                _ => None,
            })
            .collect();
        use Step::*;
        assert_eq!(
            replied,
            [
                (Connect, 220),
                (Ehlo, 250),
                (Mail, 250),
                (Rcpt(0), 250),
                (Rcpt(1), 250),
                (Data, 354),
                (Message, 250),
                (Quit, 221)
            ]
        );
        let steps: Vec<Step> = outcome.steps.iter().map(|t| t.step).collect();
        assert_eq!(
            steps,
            [Connect, Ehlo, Mail, Rcpt(0), Rcpt(1), Data, Message, Quit]
        );
    }
}

#[test]
fn pipelining_not_offered_goes_one_by_one_and_says_so() {
    let mut spec = postfix_spec(1);
    spec.envelope.pipelining = true;
    let steps = script(&[
        ("", "220 old.example"),
        ("EHLO client.example.test", "250-old.example\n250 8BITMIME"),
        ("MAIL FROM:<test@example.test>", "250 ok"),
        ("RCPT TO:<r0@example.test>", "250 ok"),
        ("DATA", "354 go"),
        ("Subject: hi\n\nbye\n.", "250 queued"),
        ("QUIT", "221 Bye"),
    ]);
    let driver = run(&spec, &steps, 5);
    assert_eq!(driver.outcome().verdict, Verdict::Delivered);
    assert!(driver.outcome().pipelined_flights.is_empty());
    assert_eq!(
        events_of(&driver, |e| matches!(e, Event::PipeliningNotOffered)).len(),
        1
    );
}

#[test]
fn a_refused_recipient_among_three_is_passed_over_and_reported() {
    let spec = postfix_spec(3);
    let steps = postfix_script(&[
        (&format!("MAIL FROM:<test@example.test> {SIZE}"), "250 Ok"),
        ("RCPT TO:<r0@example.test>", "250 Ok"),
        (
            "RCPT TO:<r1@example.test>",
            "550 5.1.1 <r1@example.test>: User unknown",
        ),
        ("RCPT TO:<r2@example.test>", "250 Ok"),
        ("DATA", "354 go"),
        ("Subject: hi\n\nbye\n.", "250 2.0.0 Ok: queued as X"),
        ("QUIT", "221 Bye"),
    ]);
    for chunk in [1, 7, usize::MAX] {
        let driver = run(&spec, &steps, chunk);
        let outcome = driver.outcome();
        assert_eq!(outcome.verdict, Verdict::Delivered);
        assert_eq!(
            outcome.refused_recipients,
            [RefusedRecipient {
                index: 1,
                address: "r1@example.test".into(),
                reply: Reply::from_lines(&["550 5.1.1 <r1@example.test>: User unknown"])
                    .expect("valid"),
            }]
        );
        let failed: Vec<Step> = outcome
            .steps
            .iter()
            .filter(|t| !t.ok)
            .map(|t| t.step)
            .collect();
        assert_eq!(failed, [Step::Rcpt(1)]);
    }
}

#[test]
fn every_recipient_refused_fails_at_the_last_refusal_and_sends_no_data() {
    let spec = postfix_spec(2);
    let steps = postfix_script(&[
        (&format!("MAIL FROM:<test@example.test> {SIZE}"), "250 Ok"),
        ("RCPT TO:<r0@example.test>", "550 5.1.1 unknown"),
        ("RCPT TO:<r1@example.test>", "554 5.7.1 relay denied"),
        ("QUIT", "221 Bye"),
    ]);
    let driver = run(&spec, &steps, 3);
    let (step, reason) = driver.failed();
    assert_eq!(step, Step::Rcpt(1));
    assert!(matches!(reason, FailReason::UnexpectedReply(r) if r.code.as_u16() == 554));
    assert_eq!(driver.outcome().refused_recipients.len(), 2);
}

#[test]
fn pipelined_with_every_recipient_refused_reads_data_s_refusal_then_quits() {
    let mut spec = postfix_spec(1);
    spec.envelope.pipelining = true;
    let flight = format!("MAIL FROM:<test@example.test> {SIZE}\nRCPT TO:<r0@example.test>\nDATA");
    let steps = postfix_script(&[
        (
            &flight,
            "250 Ok\n550 5.1.1 unknown\n554 5.5.1 Error: no valid recipients",
        ),
        ("QUIT", "221 Bye"),
    ]);
    let driver = run(&spec, &steps, 4);
    let (step, reason) = driver.failed();
    assert_eq!(step, Step::Rcpt(0));
    assert!(matches!(reason, FailReason::UnexpectedReply(r) if r.code.as_u16() == 550));
}

#[test]
fn pipelined_mail_refused_reads_every_reply_due_before_quit() {
    let mut spec = postfix_spec(2);
    spec.envelope.pipelining = true;
    let flight = format!(
        "MAIL FROM:<test@example.test> {SIZE}\nRCPT TO:<r0@example.test>\nRCPT TO:<r1@example.test>\nDATA"
    );
    let steps = postfix_script(&[(&flight, "553 5.7.1 sender rejected")]);
    let mut driver = run_prefix(&spec, &steps, usize::MAX);
    assert_eq!(
        driver.take_sent(),
        "",
        "QUIT waits for the replies still due"
    );
    driver.feed(
        "503 5.5.1 need MAIL\n503 5.5.1 need MAIL\n503 5.5.1 need RCPT",
        6,
    );
    assert_eq!(driver.take_sent(), crlf("QUIT"));
    driver.feed("221 Bye", 100);
    let (step, reason) = driver.failed();
    assert_eq!(step, Step::Mail);
    assert!(matches!(reason, FailReason::UnexpectedReply(r) if r.code.as_u16() == 553));
}

#[test]
fn a_354_after_a_failed_flight_closes_without_quit() {
    let mut spec = postfix_spec(1);
    spec.envelope.pipelining = true;
    let flight = format!("MAIL FROM:<test@example.test> {SIZE}\nRCPT TO:<r0@example.test>\nDATA");
    let steps = postfix_script(&[(&flight, "451 4.3.0 try later\n250 Ok\n354 go")]);
    // QUIT would be read as message text: nothing more is sent.
    let driver = run(&spec, &steps, usize::MAX);
    assert_eq!(driver.failed().0, Step::Mail);
}

#[test]
fn strict_recipients_keep_data_out_of_the_flight() {
    let mut spec = postfix_spec(2);
    spec.envelope.pipelining = true;
    spec.envelope.strict_recipients = true;
    let flight = format!(
        "MAIL FROM:<test@example.test> {SIZE}\nRCPT TO:<r0@example.test>\nRCPT TO:<r1@example.test>"
    );
    let steps = postfix_script(&[
        (&flight, "250 Ok\n250 Ok\n550 unknown"),
        ("QUIT", "221 Bye"),
    ]);
    let driver = run(&spec, &steps, 2);
    assert_eq!(driver.failed().0, Step::Rcpt(1));
    assert_eq!(driver.outcome().pipelined_flights, [3]);
}

#[test]
fn bdat_sends_counted_chunks_without_dot_stuffing() {
    let mut spec = postfix_spec(1);
    spec.message = "Subject: x\n\n.dot\n".into(); // 20 bytes with CRLF
    spec.envelope.bdat_chunk = Some(8);
    let steps = postfix_script(&[
        ("MAIL FROM:<test@example.test> SIZE=20", "250 Ok"),
        ("RCPT TO:<r0@example.test>", "250 Ok"),
        ("BDAT 8\nSubject:", "250 2.0.0 Ok: 8 octets"),
        ("BDAT 8\n x\r\n\r\n.d", "250 2.0.0 Ok: 16 octets"),
        ("BDAT 4 LAST\not\r\n", "250 2.0.0 Ok: queued as BDAT1"),
        ("QUIT", "221 Bye"),
    ]);
    // The chunk bodies hold CRLFs of their own: compare raw bytes.
    let mut driver = Driver::connect(spec.clone());
    for (i, (client, server)) in steps.iter().enumerate() {
        let expected = match client.split_once('\n') {
            Some((line, body)) if line.starts_with("BDAT") => format!("{line}\r\n{body}"),
            _ => crlf(client),
        };
        assert_eq!(driver.take_sent(), expected, "exchange {i}");
        driver.feed(server, 3);
    }
    let outcome = driver.outcome();
    assert_eq!(outcome.verdict, Verdict::Delivered);
    assert_eq!(
        outcome.queue_id.as_deref(),
        Some("2.0.0 Ok: queued as BDAT1")
    );
    let steps: Vec<Step> = outcome.steps.iter().map(|t| t.step).collect();
    use Step::*;
    assert_eq!(steps, [Connect, Ehlo, Mail, Rcpt(0), Message, Quit]);
    let list = smtplab_shared::smtp::StepList::for_spec(&spec);
    assert!(list.rows().iter().all(|r| r.step != Data));
}

#[test]
fn extensions_the_session_needs_are_refused_before_mail_when_not_offered() {
    let bare = "250-old.example\n250 SIZE 1000";
    let mut eight_bit = postfix_spec(1);
    eight_bit.message = "Subject: x\n\nGrüße\n".into();
    let mut utf8 = postfix_spec(1);
    utf8.rcpt_to = vec!["用户@example.test".into()];
    let mut bdat = postfix_spec(1);
    bdat.envelope.bdat_chunk = Some(100);
    let mut dsn = postfix_spec(1);
    dsn.envelope.dsn = Some(DsnOptions {
        ret: Some(DsnRet::Full),
        ..DsnOptions::default()
    });
    for (spec, requirement) in [
        (eight_bit, Requirement::EightBitMime),
        (utf8, Requirement::SmtpUtf8),
        (bdat, Requirement::Chunking),
        (dsn, Requirement::Dsn),
    ] {
        let steps = script(&[
            ("", "220 old.example"),
            ("EHLO client.example.test", bare),
            ("QUIT", "221 Bye"),
        ]);
        let driver = run(&spec, &steps, 4);
        assert_eq!(
            driver.failed(),
            (Step::Mail, &FailReason::NotOffered(requirement))
        );
    }
}

#[test]
fn mail_and_rcpt_carry_body_smtputf8_and_dsn_parameters() {
    let mut spec = postfix_spec(1);
    spec.mail_from = "sender@example.test".into();
    spec.rcpt_to = vec!["用户@example.test".into()];
    spec.message = "Subject: x\n\nGrüße\n".into(); // 8-bit: 23 bytes with CRLF
    spec.envelope.dsn = Some(DsnOptions {
        ret: Some(DsnRet::Hdrs),
        envid: Some("QQ314159".into()),
        notify: vec![DsnNotify::Success, DsnNotify::Failure],
        orcpt: true,
    });
    let steps = postfix_script(&[
        (
            "MAIL FROM:<sender@example.test> SIZE=23 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ314159",
            "250 Ok",
        ),
        (
            "RCPT TO:<用户@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=utf-8;用户@example.test",
            "250 Ok",
        ),
        ("DATA", "354 go"),
        ("Subject: x\n\nGrüße\n.", "250 queued"),
        ("QUIT", "221 Bye"),
    ]);
    let driver = run(&spec, &steps, 9);
    assert_eq!(driver.outcome().verdict, Verdict::Delivered);
}

fn with_auth(mechanism: AuthMechanism, secret: &str) -> SessionSpec {
    SessionSpec {
        auth: Some(AuthSpec {
            mechanism,
            username: "tim".into(),
            password: secret.into(),
        }),
        stop_after: Stage::Auth,
        ..postfix_spec(1)
    }
}

#[test]
fn cram_md5_answers_the_challenge_with_the_rfc_2195_digest() {
    let spec = with_auth(AuthMechanism::CramMd5, "tanstaaftanstaaf");
    let challenge = base64_encode("<1896.697170952@postoffice.reston.mci.net>");
    let answer = base64_encode("tim b913a602c7eda7a495b4e6e7334d3890");
    let steps = postfix_script(&[
        ("AUTH CRAM-MD5", &format!("334 {challenge}")),
        (&answer, "235 2.7.0 Authentication successful"),
        ("QUIT", "221 Bye"),
    ]);
    let driver = run(&spec, &steps, 5);
    assert_eq!(
        driver.outcome().verdict,
        Verdict::Completed { stage: Stage::Auth }
    );
    let shown: Vec<&str> = driver
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Sent { line, .. } if line.secret => Some(line.display.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(shown, ["********"], "the answer is masked");
}

#[test]
fn a_cram_md5_challenge_that_is_not_base64_is_cancelled() {
    let spec = with_auth(AuthMechanism::CramMd5, "pw");
    let steps = postfix_script(&[
        ("AUTH CRAM-MD5", "334 ***"),
        ("*", "501 5.7.0 Authentication aborted"),
        ("QUIT", "221 Bye"),
    ]);
    let driver = run(&spec, &steps, 5);
    let (step, reason) = driver.failed();
    assert_eq!(step, Step::Auth);
    assert!(matches!(reason, FailReason::UnexpectedReply(r) if r.code.as_u16() == 501));
}

#[test]
fn xoauth2_sends_the_token_masked_and_reads_a_refusal_after_its_error_challenge() {
    let spec = with_auth(AuthMechanism::XOAuth2, "ya29.token");
    let initial = format!(
        "AUTH XOAUTH2 {}",
        base64_encode("user=tim\x01auth=Bearer ya29.token\x01\x01")
    );
    let error = base64_encode(r#"{"status":"401","schemes":"bearer","scope":"mail"}"#);
    let steps = postfix_script(&[(&initial, &format!("334 {error}"))]);
    let mut driver = run_prefix(&spec, &steps, 7);
    assert_eq!(
        driver.take_sent(),
        "\r\n",
        "an empty line ends the exchange"
    );
    driver.feed("535 5.7.8 Username and Password not accepted", 7);
    assert_eq!(driver.take_sent(), crlf("QUIT"));
    driver.feed("221 Bye", 7);
    let (step, reason) = driver.failed();
    assert_eq!(step, Step::Auth);
    assert!(matches!(reason, FailReason::UnexpectedReply(r) if r.code.as_u16() == 535));
    let displayed: Vec<&str> = driver
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Sent { line, .. } => Some(line.display.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        displayed.contains(&"AUTH XOAUTH2 ********"),
        "{displayed:?}"
    );
    assert!(!format!("{:?}", driver.events).contains("ya29"));
}

#[test]
fn oauthbearer_names_host_and_port_and_aborts_with_ctrl_a() {
    let spec = with_auth(AuthMechanism::OAuthBearer, "tok");
    let initial = format!(
        "AUTH OAUTHBEARER {}",
        base64_encode("n,a=tim,\x01host=127.0.0.1\x01port=2525\x01auth=Bearer tok\x01\x01")
    );
    let steps = postfix_script(&[
        (&initial, "334 eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0="),
        ("AQ==", "535 5.7.8 invalid token"),
        ("QUIT", "221 Bye"),
    ]);
    let driver = run(&spec, &steps, 7);
    assert_eq!(driver.failed().0, Step::Auth);
    let ok = with_auth(AuthMechanism::OAuthBearer, "tok");
    let steps = postfix_script(&[(&initial, "235 2.7.0 ok"), ("QUIT", "221 Bye")]);
    assert_eq!(
        run(&ok, &steps, 3).outcome().verdict,
        Verdict::Completed { stage: Stage::Auth }
    );
}

#[test]
fn oauth_specs_need_a_token_without_control_characters() {
    let mut spec = with_auth(AuthMechanism::XOAuth2, "");
    assert_eq!(spec.validate(), Err(SpecError::EmptyToken));
    spec.auth.as_mut().expect("auth").password = "a\x01b".into();
    assert_eq!(spec.validate(), Err(SpecError::ControlInCredentials));
    let mut bdat = postfix_spec(1);
    bdat.envelope.bdat_chunk = Some(0);
    assert_eq!(bdat.validate(), Err(SpecError::ZeroBdatChunk));
    let json = r#"{"host":"h","port":25,"ehlo_name":"e","mail_from":"a@b","rcpt_to":["c@d"],"message":"m",
        "auth":{"mechanism":"cram_md5","username":"u","password":"p"},
        "envelope":{"pipelining":true,"bdat_chunk":4096,"dsn":{"ret":"hdrs","notify":["success","delay"],"orcpt":true}}}"#;
    let spec: SessionSpec = serde_json::from_str(json).expect("valid spec");
    assert_eq!(spec.auth.expect("auth").mechanism, AuthMechanism::CramMd5);
    assert!(spec.envelope.pipelining);
    assert_eq!(spec.envelope.bdat_chunk, Some(4096));
    let dsn = spec.envelope.dsn.expect("dsn");
    assert_eq!(dsn.notify, [DsnNotify::Success, DsnNotify::Delay]);
}

#[test]
fn the_seed_session_takes_two_round_trips_fewer_with_pipelining() {
    let mut spec = seed_spec();
    spec.envelope.pipelining = true;
    let mut steps = seed_script();
    // MAIL, RCPT and DATA in one flight; their replies in one go.
    let flight = format!("{}\n{}\n{}", steps[MAIL].0, steps[RCPT].0, steps[DATA].0);
    let replies = format!("{}\n{}\n{}", steps[MAIL].1, steps[RCPT].1, steps[DATA].1);
    steps.splice(MAIL..=DATA, [(flight, replies)]);
    let one_by_one = seed_script().iter().filter(|(c, _)| !c.is_empty()).count();
    let pipelined = steps.iter().filter(|(c, _)| !c.is_empty()).count();
    for chunk in CHUNKINGS {
        let driver = run(&spec, &steps, chunk);
        assert_eq!(
            driver.outcome().verdict,
            Verdict::Delivered,
            "chunk {chunk}"
        );
        assert_eq!(driver.outcome().pipelined_flights, [3]);
    }
    println!("seed session round trips: {one_by_one} one by one, {pipelined} with PIPELINING");
    assert_eq!((one_by_one, pipelined), (9, 7));
}
