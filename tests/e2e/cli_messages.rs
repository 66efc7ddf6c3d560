//! `smtplab send`'s message and envelope options end to end (issue 17):
//! the real `smtplab` binary against the real Postfix (plaintext listener on
//! 127.0.0.1), each delivered file read back from the Maildir.
//!
//! - `--attach` of 5 MB of random bytes decodes to the same SHA-256;
//! - `--pipeline` sends MAIL, the RCPTs and DATA in one flight;
//! - `--bdat 65536` delivers in chunks (Postfix offers CHUNKING);
//! - one unknown recipient of three: delivered to the two, the refused one
//!   listed, exit 0 as swaks (cross-checked); `--strict-rcpt` ends at it;
//! - `--data FILE.eml` (LF endings, Latin-1 bytes, a leading dot) arrives
//!   byte for byte after Postfix's own headers;
//! - `--header`/`--add-header` arrive; a 60-character Japanese Subject
//!   arrives as encoded words and decodes back exactly.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use mail_parser::{MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};
use smtplab_e2e::bridge_process::binary;
use smtplab_e2e::finished::Finished;
use smtplab_e2e::postfix::{DOMAIN, OTHER_USER};
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::MailServer;
use tempfile::TempDir;

/// The EHLO name sent.
const EHLO: &str = "messages.smtplab.test";
/// How long a delivery may take to reach the Maildir.
const DELIVERY: Duration = Duration::from_secs(20);

fn main() {
    run_with_rig(
        "e2e CLI messages",
        Rig::start,
        &[
            (
                "attach_5_mb_random_bytes_arrive_with_the_same_sha256",
                attach_five_megabytes,
            ),
            (
                "pipeline_sends_mail_rcpts_and_data_in_one_flight",
                pipeline_one_flight,
            ),
            ("bdat_65536_delivers_in_chunks", bdat_chunks),
            (
                "one_unknown_of_three_recipients_delivers_to_two_exit_0_as_swaks",
                partial_recipients,
            ),
            (
                "strict_rcpt_ends_at_the_unknown_recipient_exit_24",
                strict_recipients,
            ),
            (
                "data_eml_arrives_byte_identical_after_postfix_headers",
                data_byte_identical,
            ),
            ("custom_headers_arrive", custom_headers),
            (
                "japanese_60_char_subject_arrives_as_encoded_words_and_decodes_back",
                japanese_subject,
            ),
        ],
    );
}

/// Shared by every trial.
struct Rig {
    /// Postfix with its plaintext listener (PIPELINING, CHUNKING, 8BITMIME
    /// offered as Postfix does by default).
    server: MailServer,
    /// The `smtplab` binary.
    smtplab: PathBuf,
    /// The trials' files.
    dir: TempDir,
}

impl Rig {
    fn start() -> Result<Self, String> {
        let server = MailServer::start().map_err(|e| e.to_string())?;
        let smtplab = binary().map_err(|e| e.to_string())?;
        let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        Ok(Self {
            server,
            smtplab,
            dir,
        })
    }

    fn server(&self) -> String {
        format!("127.0.0.1:{}", self.server.port())
    }

    /// A needle unique to this instance and `tag`.
    fn needle(&self, tag: &str) -> String {
        format!("msg-needle-{tag}-{}", self.server.port())
    }

    /// `smtplab send` with the server, EHLO, sender and `to`, then `args`.
    fn send(&self, to: &str, args: &[&str]) -> Result<Finished, Failed> {
        let server = self.server();
        let mut command = Command::new(&self.smtplab);
        command
            .arg("send")
            .args([
                "--server",
                &server,
                "--ehlo",
                EHLO,
                "--from",
                self.server.user(),
                "--to",
                to,
                "--timeout",
                "20",
            ])
            .args(args)
            .env_remove("SMTPLAB_AUTH_PASSWORD")
            .env_remove("SMTPLAB_AUTH_TOKEN");
        Finished::of(command, "smtplab send")
    }

    /// The Maildir `new/` folder of `mailbox`.
    fn maildir(&self, mailbox: &str) -> PathBuf {
        let local = mailbox.split('@').next().unwrap_or(mailbox);
        self.server
            .base_dir()
            .join("mail")
            .join(DOMAIN)
            .join(local)
            .join("new")
    }

    /// The delivered file in `mailbox` containing `needle`, as bytes (the
    /// fixture's `wait_for_message` reads UTF-8 only).
    fn wait_for_bytes(&self, mailbox: &str, needle: &str) -> Result<Vec<u8>, Failed> {
        let start = Instant::now();
        loop {
            if let Some(found) = find_in(&self.maildir(mailbox), needle.as_bytes()) {
                return Ok(found);
            }
            if start.elapsed() >= DELIVERY {
                return Err(format!(
                    "no message with {needle:?} in {mailbox} within {DELIVERY:?}; postfix log:\n{}",
                    self.server.log_tail(20)
                )
                .into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Writes `bytes` to a file named `name` in the rig's folder.
    fn file(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, Failed> {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }
}

fn find_in(dir: &Path, needle: &[u8]) -> Option<Vec<u8>> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries.flatten().find_map(|entry| {
        let bytes = std::fs::read(entry.path()).ok()?;
        bytes
            .windows(needle.len())
            .any(|w| w == needle)
            .then_some(bytes)
    })
}

/// Random bytes from a xorshift generator seeded by the clock (the test
/// only needs bytes no encoder can shortcut).
fn random_bytes(len: usize) -> Vec<u8> {
    let mut state = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64)
        | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// 5 MB of random bytes as `--attach` (named by `--attach-name`, typed by
/// `--attach-type`): the delivered message parses, its attachment has the
/// name, the type and the SHA-256 of the file.
fn attach_five_megabytes(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("attach");
    let bytes = random_bytes(5 * 1024 * 1024);
    let digest = Sha256::digest(&bytes);
    let path = rig.file("random-5mb.bin", &bytes)?;
    let path = path.to_string_lossy();
    let subject = format!("Subject: {needle}");
    let run = rig.send(
        OTHER_USER,
        &[
            "--header",
            &subject,
            "--body",
            "Five megabytes attached.",
            "--attach-type",
            "application/x-smtplab-test",
            "--attach-name",
            "random.bin",
            "--attach",
            &format!("@{path}"),
        ],
    )?;
    run.expect_code(0, "smtplab send --attach")?;
    let message = rig.wait_for_bytes(OTHER_USER, &needle)?;
    let parsed = MessageParser::new()
        .parse(&message)
        .ok_or("the delivered message does not parse")?;
    let attachment = parsed
        .attachment(0)
        .ok_or("the delivered message has no attachment")?;
    if attachment.attachment_name() != Some("random.bin") {
        return Err(format!("attachment name {:?}", attachment.attachment_name()).into());
    }
    let ctype = attachment
        .content_type()
        .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")));
    if ctype.as_deref() != Some("application/x-smtplab-test") {
        return Err(format!("attachment type {ctype:?}").into());
    }
    let got = Sha256::digest(attachment.contents());
    if got != digest {
        return Err(format!(
            "SHA-256 differs: sent {digest:x}, delivered {got:x} ({} of {} bytes)",
            attachment.contents().len(),
            bytes.len()
        )
        .into());
    }
    println!(
        "{} bytes delivered in a {}-byte message, SHA-256 {digest:x}",
        bytes.len(),
        message.len()
    );
    Ok(())
}

/// `--pipeline --json` to two recipients: one flight of MAIL, two RCPTs
/// and DATA (3 round trips saved), said after the verdict too; without
/// `--pipeline` there is no flight.
fn pipeline_one_flight(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("pipeline");
    let to = format!("{OTHER_USER},{}", rig.server.user());
    let run = rig.send(&to, &["--pipeline", "--body", &needle, "--json"])?;
    run.expect_code(0, "smtplab send --pipeline --json")?;
    let report = run.json()?;
    if report["pipelined_flights"] != serde_json::json!([4]) {
        return Err(format!(
            "pipelined_flights {} (expected [4]: MAIL, 2 RCPT, DATA)\n{}",
            report["pipelined_flights"], run.stdout
        )
        .into());
    }
    if report["round_trips_saved"] != 3 {
        return Err(format!("round_trips_saved {}", report["round_trips_saved"]).into());
    }
    // The flight's four commands are sent before the first of their replies.
    let entries = report["entries"].as_array().ok_or("no entries")?;
    let mail = entries
        .iter()
        .position(|e| {
            e["kind"] == "sent"
                && e["lines"][0]
                    .as_str()
                    .is_some_and(|l| l.starts_with("MAIL FROM"))
        })
        .ok_or("no MAIL FROM in the entries")?;
    let kinds: Vec<&str> = entries[mail..mail + 4]
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or(""))
        .collect();
    if kinds != ["sent", "sent", "sent", "sent"] {
        return Err(format!("after MAIL FROM: {kinds:?}\n{}", run.stdout).into());
    }
    rig.server.wait_for_message(OTHER_USER, &needle, DELIVERY)?;
    rig.server
        .wait_for_message(rig.server.user(), &needle, DELIVERY)?;
    let human = rig.send(OTHER_USER, &["--pipeline", "--body", &needle])?;
    human.expect_code(0, "smtplab send --pipeline")?;
    if !human
        .stdout
        .contains("=== PIPELINING: 2 round trips saved (flights of 3 commands)")
    {
        return Err(format!("no saved round trips after the verdict:\n{}", human.stdout).into());
    }
    let plain = rig.send(OTHER_USER, &["--body", &needle, "--json"])?;
    plain.expect_code(0, "smtplab send without --pipeline")?;
    if plain.json()?["pipelined_flights"] != serde_json::json!([]) {
        return Err(format!("a flight without --pipeline:\n{}", plain.stdout).into());
    }
    Ok(())
}

/// `--bdat 65536` with a 200 KB attachment: BDAT chunks of 65536 bytes,
/// a last one, no DATA; the message arrives.
fn bdat_chunks(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("bdat");
    let path = rig.file("bdat.bin", &random_bytes(200 * 1024))?;
    let path = path.to_string_lossy();
    let subject = format!("Subject: {needle}");
    let run = rig.send(
        OTHER_USER,
        &["--bdat", "65536", "--header", &subject, "--attach", &path],
    )?;
    run.expect_code(0, "smtplab send --bdat 65536")?;
    let out = &run.stdout;
    let chunks = out.matches(" -> BDAT 65536\n").count();
    if chunks < 4 || !out.contains(" LAST\n") || out.contains(" -> DATA") {
        return Err(format!("{chunks} full chunks, or no LAST, or DATA:\n{out}").into());
    }
    let message = rig.wait_for_bytes(OTHER_USER, &needle)?;
    if !contains(&message, b"bdat.bin") {
        return Err("the attachment is not in the delivered message".into());
    }
    println!("{chunks} chunks of 65536 bytes and a last one");
    Ok(())
}

/// bob, nobody (unknown), alice: delivered to bob and alice, nobody listed
/// with Postfix's 550 after the verdict, exit 0; swaks exits 0 too.
fn partial_recipients(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("partial");
    let unknown = format!("nobody@{DOMAIN}");
    let to = format!("{OTHER_USER},{unknown},{}", rig.server.user());
    let run = rig.send(&to, &["--body", &needle])?;
    run.expect_code(0, "smtplab send with one unknown recipient")?;
    let refused = format!("*** refused recipient {unknown}: 550 ");
    let verdict = run
        .stdout
        .find("=== delivered")
        .ok_or_else(|| format!("not delivered:\n{}", run.stdout))?;
    if !run.stdout[verdict..].contains(&refused) {
        return Err(format!("{refused:?} not after the verdict:\n{}", run.stdout).into());
    }
    rig.server.wait_for_message(OTHER_USER, &needle, DELIVERY)?;
    rig.server
        .wait_for_message(rig.server.user(), &needle, DELIVERY)?;
    let json = rig.send(&to, &["--body", &needle, "--json"])?;
    json.expect_code(0, "smtplab send --json with one unknown recipient")?;
    let report = json.json()?;
    let list = report["refused_recipients"]
        .as_array()
        .ok_or("no refused_recipients")?;
    if list.len() != 1
        || list[0]["address"] != unknown.as_str()
        || list[0]["index"] != 1
        || list[0]["code"] != 550
    {
        return Err(format!("refused_recipients: {}", report["refused_recipients"]).into());
    }
    let server = rig.server();
    let swaks = Command::new("swaks")
        .args([
            "--server",
            &server,
            "--ehlo",
            EHLO,
            "--from",
            rig.server.user(),
            "--to",
            &to,
            "--body",
            &needle,
            "--timeout",
            "20",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run swaks: {e}"))?;
    if swaks.status.code() != Some(0) {
        return Err(format!(
            "swaks exits {:?} here, smtplab 0:\n{}",
            swaks.status.code(),
            String::from_utf8_lossy(&swaks.stdout)
        )
        .into());
    }
    Ok(())
}

/// The same three with `--strict-rcpt`: the session ends at nobody with
/// 24, no DATA is sent and bob gets nothing.
fn strict_recipients(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("strict");
    let to = format!("{OTHER_USER},nobody@{DOMAIN},{}", rig.server.user());
    let run = rig.send(&to, &["--strict-rcpt", "--body", &needle])?;
    run.expect_code(24, "smtplab send --strict-rcpt")?;
    if run.stdout.contains(" -> DATA")
        || run
            .stdout
            .contains(&format!("RCPT TO:<{}>", rig.server.user()))
    {
        return Err(format!("went on after the refusal:\n{}", run.stdout).into());
    }
    // A delivery would take well under this (the other trials' wait).
    std::thread::sleep(Duration::from_secs(2));
    if find_in(&rig.maildir(OTHER_USER), needle.as_bytes()).is_some() {
        return Err("bob got the message despite --strict-rcpt".into());
    }
    Ok(())
}

/// A `.eml` with LF endings, Latin-1 (not UTF-8) bytes and a line starting
/// with a dot, sent with `--data`: warned about its bare LFs, sent with
/// BODY=8BITMIME, and the delivered file ends with exactly its bytes.
fn data_byte_identical(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("data");
    let mut eml: Vec<u8> = Vec::new();
    eml.extend_from_slice(
        format!(
            "From: {}\nTo: {OTHER_USER}\nSubject: {needle}\nDate: Sun, 06 Dec 2026 08:00:00 +0000\nMessage-ID: <{needle}@smtplab.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n",
            rig.server.user()
        )
        .as_bytes(),
    );
    eml.extend_from_slice(b"Caf\xe9 cr\xe8me br\xfbl\xe9e, na\xefve fa\xe7ade.\n");
    eml.extend_from_slice(b".A line starting with a dot (dot-stuffed on the wire).\n");
    eml.extend_from_slice(b"..two dots\n\nLast line.\n");
    if std::str::from_utf8(&eml).is_ok() {
        return Err("the test file should not be UTF-8".into());
    }
    let path = rig.file("latin1.eml", &eml)?;
    let run = rig.send(OTHER_USER, &["--data", &path.to_string_lossy()])?;
    run.expect_code(0, "smtplab send --data latin1.eml")?;
    if !run.stderr.contains("bare LF") {
        return Err(format!("no bare-LF warning on stderr:\n{}", run.stderr).into());
    }
    if !run.stdout.contains("BODY=8BITMIME") {
        return Err(format!("8-bit message without BODY=8BITMIME:\n{}", run.stdout).into());
    }
    let delivered = rig.wait_for_bytes(OTHER_USER, &needle)?;
    if !delivered.ends_with(&eml) {
        let tail = &delivered[delivered.len().saturating_sub(eml.len() + 200)..];
        return Err(format!(
            "the delivered file does not end with the .eml's bytes:\nsent:\n{}\ndelivered tail:\n{}",
            String::from_utf8_lossy(&eml),
            String::from_utf8_lossy(tail)
        )
        .into());
    }
    let added = &delivered[..delivered.len() - eml.len()];
    println!(
        "{} bytes identical after Postfix's {} bytes of headers",
        eml.len(),
        added.len()
    );
    Ok(())
}

/// `--header` (twice, one replacing the generated Subject) and
/// `--add-header` arrive as given.
fn custom_headers(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("headers");
    let campaign = format!("X-Campaign: {needle}");
    let subject = format!("Subject: headers {needle}");
    let run = rig.send(
        OTHER_USER,
        &[
            "--header",
            &campaign,
            "--add-header",
            "X-Smtplab-Second: two words",
            "--header",
            &subject,
        ],
    )?;
    run.expect_code(0, "smtplab send --header")?;
    let message = rig.server.wait_for_message(OTHER_USER, &needle, DELIVERY)?;
    for wanted in [
        format!("\n{campaign}\n"),
        "\nX-Smtplab-Second: two words\n".to_owned(),
        format!("\n{subject}\n"),
    ] {
        if !message.contains(&wanted) {
            return Err(format!("{wanted:?} missing in:\n{message}").into());
        }
    }
    if message.matches("\nSubject: ").count() != 1 {
        return Err(format!("the generated Subject was not replaced:\n{message}").into());
    }
    Ok(())
}

/// A 60-character Japanese Subject via `--header`: on the wire and in the
/// Maildir only ASCII encoded words (each at most 75 characters), which
/// decode back to exactly the subject given.
fn japanese_subject(rig: &Rig) -> Result<(), Failed> {
    let needle = rig.needle("japanese");
    let subject: String = "日本語の件名が正しく届くかを確かめるための長いテスト用の件名です。"
        .chars()
        .cycle()
        .take(60)
        .collect();
    if subject.chars().count() != 60 {
        return Err("the subject is not 60 characters".into());
    }
    let header = format!("Subject: {subject}");
    let run = rig.send(OTHER_USER, &["--header", &header, "--body", &needle])?;
    run.expect_code(0, "smtplab send --header 'Subject: 日本語…'")?;
    let message = rig.wait_for_bytes(OTHER_USER, &needle)?;
    let head_end = message
        .windows(2)
        .position(|w| w == b"\n\n")
        .ok_or("no blank line in the delivered message")?;
    let head = String::from_utf8_lossy(&message[..head_end]).into_owned();
    if !head.is_ascii() {
        return Err(format!("raw UTF-8 in the delivered headers:\n{head}").into());
    }
    let words: Vec<&str> = head
        .split_whitespace()
        .filter(|w| w.starts_with("=?") && w.ends_with("?="))
        .collect();
    if words.len() < 2 || words.iter().any(|w| w.len() > 75) {
        return Err(format!("encoded words {words:?} in:\n{head}").into());
    }
    let parsed = MessageParser::new()
        .parse(&message)
        .ok_or("the delivered message does not parse")?;
    if parsed.subject() != Some(subject.as_str()) {
        return Err(format!(
            "decoded subject {:?}, sent {subject:?}\n{head}",
            parsed.subject()
        )
        .into());
    }
    println!(
        "{} encoded words decode back to the 60 characters",
        words.len()
    );
    Ok(())
}
