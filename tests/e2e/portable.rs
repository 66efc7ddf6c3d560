//! Smoke tests of the portable files (`cargo xtask dist`), started as a
//! user on a locked-down desktop starts them: copied alone into an empty
//! folder and run with no arguments.
//!
//! - the static Linux file, with no environment at all (`env -i`: no HOME,
//!   no PATH), serves the page and relays a session that Postfix delivers;
//! - the Windows `.exe` under Debian's Wine serves the page, answers `/ws`
//!   with `hello` and relays a session that Postfix delivers;
//! - a second instance started while the first runs picks other ports (the
//!   page's and the sandbox's) and both work;
//! - `smtplab send` in the Windows `.exe` under Wine delivers to Postfix
//!   (exit 0) and exits 28 on a wrong password, as swaks.
//!
//! The only setting is a `smtplab.toml` beside the file allowing the test
//! Postfix's high port (the default policy allows 25, 465, 587 and 2525):
//! so the portable settings are exercised too.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use libtest_mimic::Failed;
use smtplab_e2e::bridge_process::Bridge;
use smtplab_e2e::portable::{artefact, http_get, Folder, Wine};
use smtplab_e2e::postfix::OTHER_USER;
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::ws_driver::run_session;
use smtplab_e2e::MailServer;
use smtplab_shared::smtp::{
    compose_message, AuthMechanism, AuthSpec, Secret, SessionSpec, Stage, Timeouts, TlsMode,
    Verdict,
};
use smtplab_shared::wire::ServerMessage;

const LINUX: &str = "smtplab-linux-x86_64";
const WINDOWS: &str = "smtplab-windows-x86_64.exe";

/// How long a bare start may take to print its URL (Wine's first start
/// makes its prefix: about 30 s).
const NATIVE_START: Duration = Duration::from_secs(30);
const WINE_START: Duration = Duration::from_secs(180);

struct Rig {
    server: MailServer,
    linux: PathBuf,
    windows: PathBuf,
}

fn main() {
    run_with_rig(
        "portable",
        start_rig,
        &[
            (
                "linux_file_alone_with_env_i_serves_the_page_and_delivers",
                linux_file_with_no_environment,
            ),
            (
                "windows_exe_under_wine_serves_the_page_says_hello_and_delivers",
                windows_exe_under_wine,
            ),
            (
                "a_second_instance_picks_other_ports_and_both_work",
                second_instance_picks_other_ports,
            ),
            ("version_names_the_commit_and_build_date", version_line),
            (
                "windows_exe_send_under_wine_delivers_and_exits_28_on_a_wrong_password",
                windows_send_under_wine,
            ),
        ],
    );
}

fn start_rig() -> Result<Rig, String> {
    // Both files first: a missing one is a clear failure before Postfix starts.
    let linux = artefact(LINUX)?;
    let windows = artefact(WINDOWS)?;
    let server = MailServer::start().map_err(|e| e.to_string())?;
    Ok(Rig {
        server,
        linux,
        windows,
    })
}

/// A folder with a copy of `file` and a `smtplab.toml` allowing Postfix's port.
fn folder(rig: &Rig, file: &std::path::Path) -> Result<Folder, Failed> {
    let folder = Folder::with_copy_of(file)?;
    folder.write_settings(&format!("allow_ports = [{}]\n", rig.server.port()))?;
    Ok(folder)
}

fn linux_file_with_no_environment(rig: &Rig) -> Result<(), Failed> {
    let folder = folder(rig, &rig.linux)?;
    let bridge = Bridge::spawn_command(folder.bare_command(), String::new(), NATIVE_START)?;
    check_started(&bridge)?;
    check_page(&bridge)?;
    delivers_through(rig, &bridge, "linux").map(|_| ())
}

/// One Wine trial at a time: each `Wine` stops the shared prefix's
/// wineserver when dropped, which would kill the other trial's program.
static WINE_ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn windows_exe_under_wine(rig: &Rig) -> Result<(), Failed> {
    let _one = WINE_ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let folder = folder(rig, &rig.windows)?;
    let wine = Wine::new()?;
    wine.install_stub_beside(folder.exe())?;
    let bridge = Bridge::spawn_command(wine.command(folder.exe()), String::new(), WINE_START)?;
    check_page(&bridge)?;
    // `hello` first, then the relayed session: run_session records every
    // control message the bridge sent.
    let report = delivers_through(rig, &bridge, "wine")?;
    match report.first() {
        Some(ServerMessage::Hello { .. }) => Ok(()),
        other => Err(format!("the first message on /ws was {other:?}, not hello").into()),
    }
}

fn second_instance_picks_other_ports(rig: &Rig) -> Result<(), Failed> {
    let folder = folder(rig, &rig.linux)?;
    let first = Bridge::spawn_command(folder.bare_command(), String::new(), NATIVE_START)?;
    let second = Bridge::spawn_command(folder.bare_command(), String::new(), NATIVE_START)?;
    let (a, b) = (address(&first)?, address(&second)?);
    if a == b {
        return Err(format!("both instances claim {a}").into());
    }
    let (sa, sb) = (
        first
            .sandbox_addr()
            .ok_or("the first instance has no sandbox line")?,
        second
            .sandbox_addr()
            .ok_or("the second instance has no sandbox line")?,
    );
    if sa == sb {
        return Err(format!("both sandboxes claim {sa}").into());
    }
    // Whichever took the usual ports, the other said which it took instead.
    for bridge in [&first, &second] {
        check_page(bridge)?;
        let info = http_get(
            address(bridge)?,
            &format!("/sandbox?token={}", bridge.token()),
        )?;
        let text = String::from_utf8_lossy(&info.body);
        let own = bridge.sandbox_addr().ok_or("no sandbox line")?;
        if info.status != 200 || !text.contains(&own.to_string()) {
            return Err(format!(
                "/sandbox of {} does not announce its own sandbox {own}: {} {text}",
                bridge.url(),
                info.status
            )
            .into());
        }
    }
    let moved = format!("{}{}", first.stdout(), second.stdout());
    if a.port() != 8025 && b.port() != 8025 && !moved.contains("8025") {
        return Err(format!("neither instance mentions port 8025:\n{moved}").into());
    }
    delivers_through(rig, &first, "first")?;
    delivers_through(rig, &second, "second")?;
    Ok(())
}

fn version_line(rig: &Rig) -> Result<(), Failed> {
    let out = Command::new(&rig.linux)
        .arg("--version")
        .env_clear()
        .output()
        .map_err(|e| format!("running --version: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.trim();
    // smtplab X.Y.Z (commit abc1234…, built YYYY-MM-DD)
    let ok = out.status.success()
        && line.starts_with(&format!("smtplab {} (commit ", env!("CARGO_PKG_VERSION")))
        && line.contains(", built 20")
        && line.ends_with(')');
    if !ok {
        return Err(format!("--version printed {line:?} ({})", out.status).into());
    }
    Ok(())
}

/// The URL, sandbox and how-to-stop lines of a bare start.
fn check_started(bridge: &Bridge) -> Result<(), Failed> {
    bridge
        .sandbox_addr()
        .ok_or_else(|| format!("no sandbox line:\n{}", bridge.stdout()))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !bridge.stdout().contains("Ctrl+C") {
        if std::time::Instant::now() > deadline {
            return Err(format!("no line saying how to stop:\n{}", bridge.stdout()).into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if !bridge.url().starts_with("http://127.0.0.1:") {
        return Err(format!("not on loopback: {}", bridge.url()).into());
    }
    Ok(())
}

fn address(bridge: &Bridge) -> Result<SocketAddr, Failed> {
    bridge
        .addr()
        .ok_or_else(|| format!("no address in {}", bridge.url()).into())
}

/// `GET /?token=…` answers the embedded UI page.
fn check_page(bridge: &Bridge) -> Result<(), Failed> {
    let page = http_get(address(bridge)?, &format!("/?token={}", bridge.token()))?;
    let html = String::from_utf8_lossy(&page.body);
    let is_ui = page.status == 200
        && page
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
        && html.contains("<html")
        && html.contains(".wasm");
    if !is_ui {
        return Err(format!(
            "GET / answered {} {:?} with {} bytes:\n{}\nstderr:\n{}",
            page.status,
            page.header("content-type"),
            page.body.len(),
            html.chars().take(400).collect::<String>(),
            bridge.stderr()
        )
        .into());
    }
    Ok(())
}

/// An AUTH PLAIN session through `bridge` that Postfix stores; returns the
/// bridge's control messages.
fn delivers_through(rig: &Rig, bridge: &Bridge, tag: &str) -> Result<Vec<ServerMessage>, Failed> {
    let needle = format!("portable-{tag}-{}", rig.server.port());
    let rcpt = vec![OTHER_USER.to_owned()];
    let spec = SessionSpec {
        host: "127.0.0.1".to_owned(),
        port: rig.server.port(),
        ehlo_name: "portable.smtplab.test".to_owned(),
        auth: Some(AuthSpec {
            mechanism: AuthMechanism::Plain,
            username: rig.server.user().to_owned(),
            password: Secret::new(rig.server.password()),
        }),
        mail_from: rig.server.user().to_owned(),
        message: compose_message(
            rig.server.user(),
            &rcpt,
            &format!("portable {tag}"),
            &format!("Sent through a portable smtplab.\n{needle}\n"),
            "Mon, 01 Jan 2024 00:00:00 +0000",
            &format!("<{needle}@smtplab.test>"),
        ),
        rcpt_to: rcpt,
        stop_after: Stage::Data,
        timeouts: Timeouts {
            greeting_ms: 15_000,
            reply_ms: 15_000,
        },
        tls: TlsMode::None,
        envelope: Default::default(),
    };
    let report = block_on(run_session(bridge.url(), spec))?
        .map_err(|e| format!("{e}\nbridge stderr:\n{}", bridge.stderr()))?;
    if report.outcome.verdict != Verdict::Delivered {
        return Err(format!(
            "verdict {:?}, transcript:\n{}\nbridge stderr:\n{}",
            report.outcome.verdict,
            report.transcript.join("\n"),
            bridge.stderr()
        )
        .into());
    }
    rig.server
        .wait_for_message(OTHER_USER, &needle, Duration::from_secs(15))?;
    Ok(report.bridge_messages)
}

fn block_on<F: Future>(future: F) -> Result<F::Output, Failed> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(future))
}

/// `smtplab send` in the `.exe` under Wine, straight to Postfix (no
/// bridge): AUTH PLAIN, delivered (exit 0, the message in the Maildir);
/// then a wrong password, exit 28 as swaks.
fn windows_send_under_wine(rig: &Rig) -> Result<(), Failed> {
    let _one = WINE_ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let folder = Folder::with_copy_of(&rig.windows)?;
    let wine = Wine::new()?;
    wine.install_stub_beside(folder.exe())?;
    let needle = format!("portable-send-wine-{}", rig.server.port());
    let server = format!("127.0.0.1:{}", rig.server.port());
    let send = |password: &str| -> Result<(Option<i32>, String), Failed> {
        let mut command = wine.command(folder.exe());
        command
            .args(["send", "--server", &server, "--ehlo", "wine.smtplab.test"])
            .args(["--auth", "PLAIN", "--auth-user", rig.server.user()])
            .args(["--from", rig.server.user(), "--to", OTHER_USER])
            .args(["--body", &needle, "--timeout", "15"])
            .env("SMTPLAB_AUTH_PASSWORD", password);
        run_bounded(command, WINE_START)
    };
    let (code, out) = send(rig.server.password())?;
    if code != Some(0) || !out.contains("=== delivered") {
        return Err(format!("smtplab send under Wine: exit {code:?}\n{out}").into());
    }
    rig.server
        .wait_for_message(OTHER_USER, &needle, Duration::from_secs(15))?;
    let (code, out) = send("not-the-password")?;
    if code != Some(28) {
        return Err(format!("wrong password under Wine: exit {code:?}, not 28\n{out}").into());
    }
    Ok(())
}

/// Runs `command` with no stdin, killed after `limit`; its exit code and
/// its stdout and stderr together.
fn run_bounded(mut command: Command, limit: Duration) -> Result<(Option<i32>, String), Failed> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut stderr = child.stderr.take().ok_or("no stderr")?;
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("wait: {e}"))? {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {limit:?}").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = format!(
        "{}{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    Ok((status.code(), text))
}
