//! The SMTP extensions the engine uses, against the real Postfix through
//! the real bridge: PIPELINING (round trips counted in the transcript),
//! BDAT, SMTPUTF8 to a UTF-8 mailbox, 8BITMIME for a whole message in
//! another charset (kept byte for byte), CRAM-MD5 through Dovecot, and
//! refused recipients passed over.

use super::*;
use smtplab_e2e::postfix::{USER, UTF8_USER};

/// Round trips in a transcript: each run of client lines waits once.
fn round_trips(report: &SessionReport) -> usize {
    let mut trips = 0;
    let mut previous_was_client = false;
    for line in &report.transcript {
        let client = line.starts_with("C: ");
        if client && !previous_was_client {
            trips += 1;
        }
        previous_was_client = client;
    }
    trips
}

fn plain_spec(rig: &Rig, rcpt_to: Vec<String>, needle: &str) -> SessionSpec {
    let mut spec = spec(rig, Some(AuthMechanism::Plain), rcpt_to);
    spec.message = compose_message(
        rig.server.user(),
        &spec.rcpt_to,
        needle,
        &format!("{needle}\n"),
        "Mon, 01 Jan 2024 00:00:00 +0000",
        &format!("<{needle}@smtplab.test>"),
    );
    spec
}

pub(super) fn pipelining_cuts_the_round_trips(rig: &Rig) -> Result<(), Failed> {
    let rcpts = vec![OTHER_USER.to_owned(), USER.to_owned()];
    let needle = format!("pipelined-{}", rig.server.port());
    let mut pipelined = plain_spec(rig, rcpts.clone(), &needle);
    pipelined.envelope.pipelining = true;
    let with = run(rig, pipelined)?;
    if with.outcome.verdict != Verdict::Delivered || with.outcome.pipelined_flights != [4] {
        return Err(failure("Delivered with one flight of 4 commands", &with));
    }
    rig.server
        .wait_for_message(OTHER_USER, &needle, Duration::from_secs(15))?;
    let without = run(rig, plain_spec(rig, rcpts, "one-by-one"))?;
    if without.outcome.verdict != Verdict::Delivered {
        return Err(failure("Delivered one by one", &without));
    }
    let (a, b) = (round_trips(&with), round_trips(&without));
    println!("round trips, AUTH PLAIN + 2 recipients: {b} one by one, {a} with PIPELINING");
    // MAIL, RCPT, RCPT and DATA share one round trip instead of four.
    if b - a != 3 {
        return Err(format!(
            "expected 3 round trips saved, got {b} -> {a}\nwith:\n{}\nwithout:\n{}",
            with.transcript.join("\n"),
            without.transcript.join("\n")
        )
        .into());
    }
    Ok(())
}

pub(super) fn bdat_delivers_in_chunks(rig: &Rig) -> Result<(), Failed> {
    let needle = format!("bdat-{}", rig.server.port());
    let mut spec = plain_spec(rig, vec![OTHER_USER.to_owned()], &needle);
    let mut body = String::from_utf8(spec.message).map_err(|e| e.to_string())?;
    body.push_str(".a line starting with a dot, not stuffed in BDAT\r\n");
    body.push_str(&"filler line to span several chunks\r\n".repeat(200));
    spec.message = body.into_bytes();
    spec.envelope.bdat_chunk = Some(1000);
    let report = run(rig, spec)?;
    if report.outcome.verdict != Verdict::Delivered {
        return Err(failure("Delivered over BDAT", &report));
    }
    let chunks = report
        .transcript
        .iter()
        .filter(|l| l.starts_with("C: BDAT"))
        .count();
    if chunks < 7 || !report.transcript.iter().any(|l| l.ends_with(" LAST")) {
        return Err(failure("7 or more BDAT chunks, the last LAST", &report));
    }
    let stored = rig
        .server
        .wait_for_message(OTHER_USER, &needle, Duration::from_secs(15))?;
    if !stored.contains("\n.a line starting with a dot, not stuffed in BDAT") {
        return Err(format!("the dot line was changed:\n{stored}").into());
    }
    Ok(())
}

pub(super) fn smtputf8_delivers_to_a_utf8_mailbox(rig: &Rig) -> Result<(), Failed> {
    let needle = format!("utf8-{}", rig.server.port());
    let mut spec = spec(rig, Some(AuthMechanism::Plain), vec![UTF8_USER.to_owned()]);
    spec.message = format!(
        "From: <{}>\r\nTo: <{UTF8_USER}>\r\nSubject: 国際化メール {needle}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nこんにちは {needle}\r\n",
        rig.server.user()
    )
    .into_bytes();
    let report = run(rig, spec)?;
    if report.outcome.verdict != Verdict::Delivered {
        return Err(failure("Delivered to the UTF-8 mailbox", &report));
    }
    let mail = report
        .transcript
        .iter()
        .find(|l| l.starts_with("C: MAIL FROM"))
        .cloned()
        .unwrap_or_default();
    if !mail.contains(" SMTPUTF8") || !mail.contains(" BODY=8BITMIME") {
        return Err(failure(
            "MAIL FROM with SMTPUTF8 and BODY=8BITMIME",
            &report,
        ));
    }
    let stored = rig
        .server
        .wait_for_message(UTF8_USER, &needle, Duration::from_secs(15))?;
    if !stored.contains(&format!("Subject: 国際化メール {needle}")) {
        return Err(format!("the UTF-8 subject did not arrive as sent:\n{stored}").into());
    }
    Ok(())
}

pub(super) fn a_latin1_whole_message_arrives_byte_identical(rig: &Rig) -> Result<(), Failed> {
    let needle = format!("latin1-{}", rig.server.port());
    let mut spec = spec(rig, Some(AuthMechanism::Plain), vec![OTHER_USER.to_owned()]);
    // ISO-8859-1 "Grüße aus Köln": not UTF-8, so only 8BITMIME can carry it.
    let mut message = format!(
        "From: <{}>\r\nTo: <{OTHER_USER}>\r\nSubject: {needle}\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <{needle}@smtplab.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        rig.server.user()
    )
    .into_bytes();
    message.extend_from_slice(b"Gr\xfc\xdfe aus K\xf6ln\r\n.dot line\r\n");
    spec.message = message.clone();
    let report = run(rig, spec)?;
    if report.outcome.verdict != Verdict::Delivered {
        return Err(failure("Delivered", &report));
    }
    let stored = rig.server.wait_for_message_bytes(
        OTHER_USER,
        needle.as_bytes(),
        Duration::from_secs(15),
    )?;
    // Postfix adds its headers in front (Return-Path, Delivered-To,
    // Received…) and stores LF line ends; the message itself follows
    // (it has Date and Message-ID, so Postfix adds none inside it).
    let sent_lf: Vec<u8> = message.iter().copied().filter(|&b| b != b'\r').collect();
    if !stored.ends_with(&sent_lf) {
        return Err(format!(
            "not byte-identical after Postfix's headers:\n{:?}",
            String::from_utf8_lossy(&stored)
        )
        .into());
    }
    Ok(())
}

pub(super) fn cram_md5_authenticates_against_dovecot(rig: &Rig) -> Result<(), Failed> {
    let mut spec = spec(
        rig,
        Some(AuthMechanism::CramMd5),
        vec![OTHER_USER.to_owned()],
    );
    spec.stop_after = Stage::Auth;
    let report = run(rig, spec.clone())?;
    if report.outcome.verdict != (Verdict::Completed { stage: Stage::Auth }) {
        return Err(failure("AUTH CRAM-MD5 accepted", &report));
    }
    if !report.transcript.iter().any(|l| l == "C: AUTH CRAM-MD5") {
        return Err(failure("C: AUTH CRAM-MD5 in the transcript", &report));
    }
    check_no_secret_in_transcript(rig, &report)?;
    if let Some(auth) = spec.auth.as_mut() {
        auth.password = Secret::new("not-the-password");
    }
    let refused = run(rig, spec)?;
    let reply = failed_reply(&refused, Step::Auth)?;
    if reply.code.as_u16() != 535 {
        return Err(failure("535 for a wrong CRAM-MD5 password", &refused));
    }
    Ok(())
}

pub(super) fn one_unknown_among_three_recipients_delivers_to_two(rig: &Rig) -> Result<(), Failed> {
    let needle = format!("three-{}", rig.server.port());
    let rcpts = vec![
        OTHER_USER.to_owned(),
        "nobody@smtplab.test".to_owned(),
        USER.to_owned(),
    ];
    let report = run(rig, plain_spec(rig, rcpts, &needle))?;
    if report.outcome.verdict != Verdict::Delivered {
        return Err(failure("Delivered to the two known", &report));
    }
    let refused = &report.outcome.refused_recipients;
    let named = refused.len() == 1
        && refused[0].index == 1
        && refused[0].reply.code.as_u16() == 550
        && refused[0].address == "nobody@smtplab.test";
    if !named {
        return Err(failure("nobody@ refused with 550 and reported", &report));
    }
    for mailbox in [OTHER_USER, USER] {
        rig.server
            .wait_for_message(mailbox, &needle, Duration::from_secs(15))?;
    }
    Ok(())
}
