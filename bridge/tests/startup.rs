//! The `smtplab` binary as a double-clicked program: `--version` and its
//! `/status` twin, the exit codes (and their table in `--help`), a
//! `smtplab.toml` beside a copied binary, a start with an empty
//! environment (`env -i`), and taken default ports that move while a taken
//! chosen port is exit code 3.

#[path = "common/command.rs"]
mod command;
#[path = "common/http.rs"]
mod http;
#[path = "common/process.rs"]
mod process;

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use command::{smtplab, smtplab_at};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, ChildStdout, Command};

const STEP: Duration = Duration::from_secs(30);
const TOKEN: &str = "startup-test-token";
const STOP_LINE: &str = "Press Ctrl+C (or close this window) to stop smtplab.";

async fn output(mut cmd: Command) -> Output {
    tokio::time::timeout(STEP, cmd.output())
        .await
        .expect("exits by itself")
        .expect("run smtplab")
}

/// Spawns `cmd`. A binary copied a moment ago can be "busy" (ETXTBSY) while
/// a child another test thread forked meanwhile still holds the copy's
/// write descriptor, until that child execs: try again for a short while.
async fn spawn(cmd: &mut Command) -> Child {
    for _ in 0..50 {
        match cmd.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            result => return result.expect("spawn smtplab"),
        }
    }
    cmd.spawn().expect("spawn smtplab (still busy after 1 s)")
}

async fn read_line(stdout: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    tokio::time::timeout(STEP, stdout.read_line(&mut line))
        .await
        .expect("a line in time")
        .expect("read stdout");
    line.trim_end().to_owned()
}

/// A started bridge: the child, its stdout lines so far and `host:port`.
struct Started {
    child: Child,
    lines: Vec<String>,
    authority: String,
}

/// Spawns `cmd` and reads stdout up to the stop line.
async fn start(mut cmd: Command) -> Started {
    let mut child = spawn(&mut cmd).await;
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    loop {
        let line = read_line(&mut stdout).await;
        assert!(!line.is_empty(), "stdout ended early: {lines:?}");
        lines.push(line.clone());
        if line == STOP_LINE {
            break;
        }
    }
    let url = lines[0]
        .strip_prefix("smtplab listening on http://")
        .unwrap_or_else(|| panic!("the URL line first: {lines:?}"));
    let authority = url.split_once('/').expect("a path").0.to_owned();
    Started {
        child,
        lines,
        authority,
    }
}

impl Started {
    /// `GET path` (with the token); the status code and the body.
    async fn get(&self, path: &str) -> (u16, String) {
        http::get(&self.authority, &format!("{path}?token={TOKEN}"), STEP).await
    }

    async fn json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("json")
    }

    /// SIGTERM; the exit code and stderr.
    async fn stop(self) -> (Option<i32>, String) {
        let out = process::terminate(self.child, STEP).await;
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn port_of(authority: &str) -> u16 {
    authority
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .expect("a port")
}

#[tokio::test]
async fn version_has_the_commit_and_date_and_status_says_the_same() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = smtplab(home.path());
    cmd.arg("--version");
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(0));
    let line = String::from_utf8(out.stdout).expect("utf-8");
    let line = line.trim_end();
    let rest = line
        .strip_prefix(concat!("smtplab ", env!("CARGO_PKG_VERSION"), " (commit "))
        .unwrap_or_else(|| panic!("{line:?}"));
    let (commit, date) = rest.split_once(", built ").expect("a build date");
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit:?}"
    );
    let date = date.strip_suffix(')').expect("closing parenthesis");
    let parts: Vec<_> = date.split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [4, 2, 2],
        "{date}"
    );

    let mut cmd = smtplab(home.path());
    cmd.args(["--listen", "127.0.0.1:0", "--sandbox-listen", "127.0.0.1:0"])
        .args(["--token", TOKEN]);
    let bridge = start(cmd).await;
    let status = bridge.json("/status").await;
    assert_eq!(status["version"], line, "{status}");
    let (code, _) = bridge.stop().await;
    assert_eq!(code, Some(0), "stopped normally");
}

#[tokio::test]
async fn help_lists_the_exit_codes_and_bad_input_gets_code_2() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = smtplab(home.path());
    cmd.arg("--help");
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Usage: smtplab"), "{help}");
    assert!(help.contains("Exit codes:"), "{help}");
    for code in [
        "0  stopped",
        "1  runtime",
        "2  bad arguments",
        "3  cannot listen",
    ] {
        assert!(help.contains(code), "{code}: {help}");
    }
    assert!(help.contains("--no-browser"), "{help}");

    let mut cmd = smtplab(home.path());
    cmd.arg("--no-such-flag");
    assert_eq!(output(cmd).await.status.code(), Some(2), "clap usage error");

    let mut cmd = smtplab(home.path());
    cmd.args(["--config", "/nonexistent/smtplab.toml"]);
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(2), "unreadable --config");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("settings: /nonexistent/smtplab.toml (--config)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: cannot read /nonexistent/smtplab.toml"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_chosen_address_that_is_taken_is_exit_code_3() {
    let home = tempfile::tempdir().expect("temp dir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let mut cmd = smtplab(home.path());
    cmd.args(["--listen", &addr, "--no-sandbox"]);
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty(), "nothing announced");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("error: cannot listen on {addr}")),
        "{stderr}"
    );
}

#[tokio::test]
async fn smtplab_toml_beside_a_copied_binary_is_read() {
    let home = tempfile::tempdir().expect("temp dir");
    let folder = tempfile::tempdir().expect("temp dir");
    let exe = folder.path().join(
        Path::new(env!("CARGO_BIN_EXE_smtplab"))
            .file_name()
            .expect("name"),
    );
    std::fs::copy(env!("CARGO_BIN_EXE_smtplab"), &exe).expect("copy the binary");
    // A port that was free a moment ago: the file chooses it, so it does
    // not move.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let file = folder.path().join("smtplab.toml");
    std::fs::write(
        &file,
        format!("listen = \"127.0.0.1:{port}\"\ntoken = \"{TOKEN}\"\nsandbox_listen = \"127.0.0.1:0\"\n"),
    )
    .expect("write smtplab.toml");
    let bridge = start(smtplab_at(&exe, home.path())).await;
    assert_eq!(port_of(&bridge.authority), port, "{:?}", bridge.lines);
    assert!(
        bridge.lines[0].ends_with(&format!("/?token={TOKEN}")),
        "{:?}",
        bridge.lines
    );
    let (code, stderr) = bridge.stop().await;
    assert_eq!(code, Some(0));
    assert!(
        stderr.contains(&format!(
            "settings: {} (beside the program)",
            file.display()
        )),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_empty_environment_starts_with_the_defaults() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smtplab"));
    cmd.env_clear()
        .args(["--listen", "127.0.0.1:0", "--sandbox-listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let bridge = start(cmd).await;
    assert_eq!(bridge.lines.len(), 3, "{:?}", bridge.lines);
    assert!(
        bridge.lines[1].starts_with("SMTP sandbox on 127.0.0.1:"),
        "{:?}",
        bridge.lines
    );
    let (code, stderr) = bridge.stop().await;
    assert_eq!(code, Some(0));
    assert!(stderr.contains("settings: "), "{stderr}");
    assert!(
        stderr.contains("no graphical session"),
        "no DISPLAY: no browser, and a hint: {stderr}"
    );
}

#[tokio::test]
async fn taken_default_ports_move_and_the_sandbox_reports_the_real_one() {
    // Hold the defaults (or find them held already, by another smtplab).
    let _bridge_port = std::net::TcpListener::bind("127.0.0.1:8025");
    let _sandbox_port = std::net::TcpListener::bind("127.0.0.1:2525");
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = smtplab(home.path());
    cmd.args(["--token", TOKEN]);
    let bridge = start(cmd).await;
    let port = port_of(&bridge.authority);
    assert_ne!(port, 8025, "{:?}", bridge.lines);
    let sandbox = bridge.json("/sandbox").await;
    assert_eq!(sandbox["enabled"], true, "{sandbox}");
    let sandbox_port = sandbox["port"].as_u64().expect("port");
    assert_ne!(sandbox_port, 2525);
    assert_eq!(
        bridge.lines[1],
        format!(
            "SMTP sandbox on {} (user demo@sandbox.smtplab, password smtplab-demo)",
            sandbox["addr"].as_str().expect("addr")
        )
    );
    assert_eq!(bridge.lines[2], STOP_LINE);
    let (code, stderr) = bridge.stop().await;
    assert_eq!(code, Some(0));
    assert!(
        stderr.contains(&format!(
            "note: 127.0.0.1:8025 is in use (another smtplab?); smtplab listens on 127.0.0.1:{port} instead"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "note: 127.0.0.1:2525 is in use (another smtplab?); the SMTP sandbox listens on 127.0.0.1:{sandbox_port} instead"
        )),
        "{stderr}"
    );
}
