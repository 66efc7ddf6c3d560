//! What crosses the bridge: every binary frame the client sent, searched
//! for the password in each form it takes on the wire.

use libtest_mimic::Failed;
use smtplab_shared::smtp::{base64_encode, plain_initial_response, AuthMechanism, TlsMode};

use crate::rig::{failure, Rig, HOST};

/// Every binary frame the client sent through the bridge, for STARTTLS
/// sessions with AUTH LOGIN and AUTH PLAIN: the plaintext part (EHLO,
/// STARTTLS) is readable, the password in any form and the mail are not.
pub(crate) fn credentials_only_encrypted(rig: &Rig) -> Result<(), Failed> {
    for mechanism in [AuthMechanism::Login, AuthMechanism::Plain] {
        let needle = rig.needle(&format!("secret-{mechanism:?}"));
        let spec = rig.spec(
            HOST,
            rig.ports.submission,
            TlsMode::StartTls,
            Some(mechanism),
            &needle,
        );
        let report = rig.run(spec, Some(rig.context(true, true)?))?;
        rig.expect_delivered(&report, &needle)?;
        if !report.client_sent(b"STARTTLS\r\n") || !report.client_sent(b"EHLO e2e.smtplab.test") {
            return Err(failure(
                "the plaintext EHLO and STARTTLS in the frames",
                &report,
            ));
        }
        for (what, bytes) in secrets(rig) {
            if report.client_sent(bytes.as_bytes()) {
                return Err(failure(&format!("no {what} in the frames"), &report));
            }
        }
        for clear in [needle.as_str(), "MAIL FROM", "AUTH "] {
            if report.client_sent(clear.as_bytes()) {
                return Err(failure(&format!("no {clear:?} in the frames"), &report));
            }
        }
        let bytes: usize = report.client_frames.iter().map(Vec::len).sum();
        println!(
            "    {mechanism:?}: {} frames, {bytes} bytes searched; no credential in clear",
            report.client_frames.len()
        );
    }
    Ok(())
}

/// The control: over the plaintext listener the same search finds the
/// base64 password (LOGIN) and the PLAIN blob, so the check above can fail.
pub(crate) fn credentials_visible_in_plaintext(rig: &Rig) -> Result<(), Failed> {
    let secrets = secrets(rig);
    for (mechanism, expected) in [
        (AuthMechanism::Login, &secrets[1]),
        (AuthMechanism::Plain, &secrets[2]),
    ] {
        let needle = rig.needle(&format!("clear-{mechanism:?}"));
        let spec = rig.spec(
            HOST,
            rig.server.port(),
            TlsMode::None,
            Some(mechanism),
            &needle,
        );
        let report = rig.run(spec, None)?;
        rig.expect_delivered(&report, &needle)?;
        if !report.client_sent(expected.1.as_bytes()) || !report.client_sent(needle.as_bytes()) {
            return Err(failure(
                &format!("the {} in the frames", expected.0),
                &report,
            ));
        }
    }
    Ok(())
}

/// The password as typed, its base64 (AUTH LOGIN) and the AUTH PLAIN blob.
fn secrets(rig: &Rig) -> [(&'static str, String); 3] {
    let password = rig.server.password();
    [
        ("password", password.to_owned()),
        ("base64 password", base64_encode(password)),
        (
            "AUTH PLAIN blob",
            plain_initial_response(rig.server.user(), password),
        ),
    ]
}
