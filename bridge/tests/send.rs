//! `smtplab send` and `smtplab serve` as subcommands of the one binary:
//! `serve` starts the bridge (and its sandbox) with today's flags, `send`
//! delivers to that sandbox natively, and its exit codes for a refused
//! banner (21), a close mid-session (6) and a bad command line (1).

#[path = "common/command.rs"]
mod command;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use command::smtplab;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;

const STEP: Duration = Duration::from_secs(30);
const STOP_LINE: &str = "Press Ctrl+C (or close this window) to stop smtplab.";

async fn output(mut cmd: Command) -> Output {
    tokio::time::timeout(STEP, cmd.output())
        .await
        .expect("exits by itself")
        .expect("run smtplab")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `smtplab send` to `addr` from and to the sandbox's demo domain.
fn send(home: &Path, addr: &str, extra: &[&str]) -> Command {
    let mut cmd = smtplab(home);
    cmd.args(["send", "--server", addr, "--ehlo", "send.test"])
        .args(["--from", "demo@sandbox.smtplab", "--to", "ted@example.test"])
        .args(["--timeout", "10"])
        .args(extra);
    cmd
}

#[tokio::test]
async fn serve_starts_the_bridge_and_send_delivers_to_its_sandbox() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut serve = smtplab(home.path());
    serve.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--sandbox-listen",
        "127.0.0.1:0",
    ]);
    serve.args(["--token", "send-test-token"]);
    let mut child = serve.spawn().expect("spawn smtplab serve");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut sandbox = None;
    loop {
        let mut line = String::new();
        tokio::time::timeout(STEP, stdout.read_line(&mut line))
            .await
            .expect("a line in time")
            .expect("read stdout");
        assert!(!line.is_empty(), "stdout ended early");
        // SMTP sandbox on ADDR (user U, password P)
        if let Some(rest) = line.trim().strip_prefix("SMTP sandbox on ") {
            let (addr, creds) = rest.split_once(" (user ").expect("user");
            let (user, pass) = creds.split_once(", password ").expect("password");
            let pass = pass.trim_end_matches(')');
            sandbox = Some((addr.to_owned(), user.to_owned(), pass.to_owned()));
        }
        if line.trim() == STOP_LINE {
            break;
        }
    }
    let (addr, user, pass) = sandbox.expect("the sandbox line");

    // A token in the environment (the bridge's flag) does not get in the way.
    let mut cmd = send(home.path(), &addr, &["--auth-user", &user]);
    cmd.env("SMTPLAB_AUTH_PASSWORD", &pass)
        .env("SMTPLAB_TOKEN", "x");
    let out = output(cmd).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    for wanted in [
        "=== Trying ",
        "<-  220 ",
        "  # 220: The server is ready",
        " -> AUTH LOGIN",
        " -> ********",
        "(Username:)",
        " -> MAIL FROM:<demo@sandbox.smtplab>",
        "=== steps: connect ",
        "=== delivered: ",
    ] {
        assert!(shown.contains(wanted), "{wanted:?} in {shown}");
    }
    assert!(!shown.contains(&pass), "{shown}");
    assert!(!shown.contains("\x1b["), "no colour off a terminal");

    // Revealed on request; stopped early on request; JSON on request.
    let mut cmd = send(
        home.path(),
        &addr,
        &[
            "--auth",
            "PLAIN",
            "--auth-user",
            &user,
            "--show-credentials",
        ],
    );
    cmd.env("SMTPLAB_AUTH_PASSWORD", &pass);
    let shown = text(&output(cmd).await);
    assert!(shown.contains(" -> AUTH PLAIN AG"), "{shown}");
    let out = output(send(
        home.path(),
        &addr,
        &["--quit-after", "RCPT", "--json"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["outcome"]["verdict"]["Completed"]["stage"], "rcpt");
    assert_eq!(report["exit_code"], 0);
    assert!(report["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .all(|e| e["lines"][0] != "DATA"));
    // Japanese explanations.
    let shown = text(&output(send(home.path(), &addr, &["--lang", "ja", "-q", "mail"])).await);
    assert!(shown.contains("# 220: サーバー"), "{shown}");
    // Silent: nothing on success.
    let out = output(send(home.path(), &addr, &["--silent"])).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "{}", text(&out));

    child.kill().await.expect("stop the bridge");
}

/// A one-connection server that sends `greeting`, then reads one line and
/// closes.
async fn fake_server(greeting: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        stream.write_all(greeting.as_bytes()).await.expect("write");
        let mut buf = [0u8; 512];
        let _ = stream.read(&mut buf).await;
    });
    addr
}

#[tokio::test]
async fn a_refused_banner_is_21_and_a_close_is_6_as_swaks() {
    let home = tempfile::tempdir().expect("temp dir");
    let addr = fake_server("554 5.3.2 go away\r\n").await;
    let out = output(send(home.path(), &addr, &[])).await;
    assert_eq!(out.status.code(), Some(21), "{}", text(&out));
    assert!(
        text(&out).contains("<** 554 5.3.2 go away"),
        "{}",
        text(&out)
    );
    let addr = fake_server("220 fake ESMTP\r\n").await;
    let out = output(send(home.path(), &addr, &[])).await;
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
}

#[tokio::test]
async fn bad_command_lines_are_1_and_help_lists_the_codes() {
    let home = tempfile::tempdir().expect("temp dir");
    for args in [
        &["send", "--no-such-option"][..],
        &["send", "--to", "a@b.test"],
        &[
            "send",
            "--server",
            "h",
            "--to",
            "a@b.test",
            "--tls",
            "--tls-on-connect",
        ],
        &[
            "send",
            "--server",
            "h",
            "--to",
            "a@b.test",
            "--quit-after",
            "XCLIENT",
        ],
        &["send", "--server", "h", "--to", "no-at-sign"],
        &[
            "send",
            "--server",
            "h",
            "--to",
            "a@b.test",
            "--auth-user",
            "u",
        ],
    ] {
        let mut cmd = smtplab(home.path());
        cmd.args(args);
        let out = output(cmd).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
    }
    let mut cmd = smtplab(home.path());
    cmd.args(["send", "--help"]);
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for wanted in [
        "Examples:",
        "Exit codes (swaks' own):",
        "  28  error in AUTH",
        "--auth-password-file",
    ] {
        assert!(help.contains(wanted), "{wanted:?} in {help}");
    }
    // The bridge's own usage errors stay 2.
    let mut cmd = smtplab(home.path());
    cmd.args(["serve", "--no-such-flag"]);
    assert_eq!(output(cmd).await.status.code(), Some(2));
    let mut cmd = smtplab(home.path());
    cmd.args(["--listen", "127.0.0.1:0", "send"]);
    assert_eq!(output(cmd).await.status.code(), Some(2));
}

#[tokio::test]
async fn completions_for_each_shell_know_send_and_its_options() {
    let home = tempfile::tempdir().expect("temp dir");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let mut cmd = smtplab(home.path());
        cmd.args(["completions", shell]);
        let out = output(cmd).await;
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        for wanted in ["send", "serve", "tls-on-connect", "auth-password-file"] {
            assert!(script.contains(wanted), "{shell}: {wanted:?} missing");
        }
        if shell == "bash" {
            let path = home.path().join("smtplab.bash");
            std::fs::write(&path, script.as_bytes()).expect("write");
            let check = std::process::Command::new("bash")
                .arg("-n")
                .arg(&path)
                .status();
            if let Ok(status) = check {
                assert!(status.success(), "bash -n rejects the script");
            }
        }
    }
    let mut cmd = smtplab(home.path());
    cmd.args(["completions", "tcsh"]);
    assert_eq!(output(cmd).await.status.code(), Some(2), "not a shell");
}

#[tokio::test]
async fn man_pages_come_from_the_clap_definition() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = smtplab(home.path());
    cmd.arg("man");
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH smtplab 1"), "{page}");
    let mut cmd = smtplab(home.path());
    cmd.args(["man", "send"]);
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH smtplab-send 1"), "{page}");
    assert!(page.contains("auth\\-password\\-file"), "{page}");
    assert!(page.contains("Exit codes"), "{page}");
    let mut cmd = smtplab(home.path());
    cmd.args(["man", "nope"]);
    assert_eq!(output(cmd).await.status.code(), Some(2));
}

#[tokio::test]
async fn check_bad_command_lines_are_3_and_help_lists_its_codes() {
    let home = tempfile::tempdir().expect("temp dir");
    for args in [
        &["check"][..],
        &["check", "127.0.0.1:25", "--check", "nope"],
        &["check", "127.0.0.1:x"],
        &["check", "127.0.0.1:25", "--auth-user", "u"],
    ] {
        let mut cmd = smtplab(home.path());
        cmd.args(args);
        let out = output(cmd).await;
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", text(&out));
    }
    let mut cmd = smtplab(home.path());
    cmd.args(["help", "check"]);
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for wanted in ["Examples:", "Exit codes (the worst verdict):", "open-relay"] {
        assert!(help.contains(wanted), "{wanted:?} in {help}");
    }
}
