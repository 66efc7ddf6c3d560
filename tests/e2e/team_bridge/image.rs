//! The OCI image of `deploy/Containerfile`: linted (an empty base, a
//! numeric non-root user, no `RUN`, the file `cargo xtask dist` writes, the
//! entrypoint with `--no-browser` and the mounted policy), then built with
//! Debian's buildah (chroot isolation, vfs storage in a temporary root:
//! nothing is left behind), inspected, and run with a policy mounted
//! read-only: the bridge in it serves, as uid 65532.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use smtplab_e2e::bridge_process::Bridge;
use smtplab_e2e::portable::{artefact, http_get, portable_dir};
use smtplab_e2e::MailServer;

/// The portable Linux file (xtask/src/dist.rs `ARTEFACTS`).
const ARTEFACT: &str = "smtplab-linux-x86_64";
/// The numeric user the image runs as.
const USER: &str = "65532:65532";
/// Where the image reads its policy.
const POLICY: &str = "/etc/smtplab/smtplab.toml";

fn containerfile() -> Result<String, Failed> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/Containerfile");
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// The instructions of a Containerfile: (keyword, arguments), comments and
/// continuations handled.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        if !current.trim().is_empty() {
            joined.push(std::mem::take(&mut current));
        }
        current.clear();
    }
    joined
        .into_iter()
        .filter_map(|line| {
            let (keyword, args) = line.trim().split_once(char::is_whitespace)?;
            Some((keyword.to_ascii_uppercase(), args.trim().to_owned()))
        })
        .collect()
}

fn lint(text: &str) -> Result<(), String> {
    let steps = instructions(text);
    let of = |k: &'static str| {
        steps
            .iter()
            .filter(move |(kw, _)| kw == k)
            .map(|(_, a)| a.as_str())
    };
    let from: Vec<_> = of("FROM").collect();
    if from.len() != 1 || !(from[0] == "scratch" || from[0].starts_with("gcr.io/distroless/static"))
    {
        return Err(format!(
            "FROM must be scratch or distroless static, not {from:?}"
        ));
    }
    if of("RUN").next().is_some() {
        return Err("RUN needs a shell, which scratch has not".into());
    }
    let user: Vec<_> = of("USER").collect();
    let numeric_non_root = user.last().is_some_and(|u| {
        u.split(':')
            .all(|id| id.parse::<u32>().is_ok_and(|n| n != 0))
    });
    if !numeric_non_root {
        return Err(format!("USER must be numeric and not 0: {user:?}"));
    }
    if !of("COPY").any(|args| args.split_whitespace().next() == Some(ARTEFACT)) {
        return Err(format!(
            "no COPY of {ARTEFACT}, the file `cargo xtask dist` writes"
        ));
    }
    let entrypoint = of("ENTRYPOINT").next_back().unwrap_or_default().to_owned();
    let words: Vec<String> = serde_json::from_str(&entrypoint)
        .map_err(|e| format!("ENTRYPOINT is not the exec (JSON) form: {e}"))?;
    let has = |w: &str| words.iter().any(|x| x == w);
    if !has("--no-browser")
        || !words
            .windows(2)
            .any(|w| w[0] == "--config" && w[1] == POLICY)
    {
        return Err(format!(
            "ENTRYPOINT needs --no-browser and --config {POLICY}: {words:?}"
        ));
    }
    Ok(())
}

/// The trial (the mail server is not used).
pub(crate) fn builds_and_runs(_: &MailServer) -> Result<(), Failed> {
    lint(&containerfile()?)?;
    artefact(ARTEFACT)?;
    if !Path::new("/usr/bin/buildah").is_file() {
        return Err(
            "buildah is missing (Debian package buildah; scripts/setup.sh installs it)".into(),
        );
    }
    let scratch = tempfile::Builder::new()
        .prefix("smtplab-image-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let root = scratch.path();
    let storage = [
        "--root".to_owned(),
        root.join("storage").display().to_string(),
        "--runroot".to_owned(),
        root.join("run").display().to_string(),
        "--storage-driver".to_owned(),
        "vfs".to_owned(),
    ];
    let buildah = |args: &[&str]| -> Result<String, String> {
        let output = Command::new("buildah")
            .args(&storage)
            .args(args)
            .output()
            .map_err(|e| e.to_string())?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
        } else {
            Err(format!(
                "buildah {args:?}: {}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    };
    let containerfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/Containerfile");
    let context = portable_dir();
    let tag = "localhost/smtplab-e2e:test";
    let started = Instant::now();
    buildah(&[
        "bud",
        "--isolation",
        "chroot",
        "-q",
        "-f",
        &containerfile.display().to_string(),
        "-t",
        tag,
        &context.display().to_string(),
    ])?;
    println!("image built in {:?}", started.elapsed());
    let inspected: serde_json::Value =
        serde_json::from_str(&buildah(&["inspect", "--type", "image", tag])?)
            .map_err(|e| format!("buildah inspect: {e}"))?;
    let config = &inspected["OCIv1"]["config"];
    let words: Vec<String> = config["Entrypoint"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|w| w.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if config["User"] != USER || !words.iter().any(|w| w == "--no-browser") {
        return Err(format!("image config: {config}").into());
    }

    // Run it with a policy mounted read-only, on the host's loopback.
    let policy = root.join("smtplab.toml");
    std::fs::write(&policy, "listen = \"127.0.0.1:0\"\nsandbox = false\n")
        .map_err(|e| e.to_string())?;
    let container = buildah(&["from", tag])?;
    let mut command = Command::new("buildah");
    command
        .args(&storage)
        .args(["run", "--isolation", "chroot", "--user", USER, "-v"])
        .arg(format!("{}:{POLICY}:ro", policy.display()))
        .arg(&container)
        .arg("--")
        .args(&words);
    let bridge = Bridge::spawn_command(command, String::new(), Duration::from_secs(60))
        .map_err(|e| e.to_string())?;
    let checked = check_running(&bridge);
    // Stop the bridge inside (buildah itself would leave it running if
    // killed), then let the Bridge's drop reap buildah.
    if let Some(pid) = container_pid() {
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut bridge = bridge;
    while bridge.is_running() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(bridge);
    let _ = buildah(&["rm", &container]);
    let _ = buildah(&["rmi", "--force", tag]);
    checked.map_err(Failed::from)
}

/// The bridge in the container serves its page and runs as uid 65532.
fn check_running(bridge: &Bridge) -> Result<(), String> {
    let addr = bridge
        .addr()
        .ok_or_else(|| format!("no address in {}", bridge.url()))?;
    let page = http_get(addr, "/trust-anchors.bin")?;
    if page.status != 200 {
        return Err(format!(
            "GET /trust-anchors.bin from the container: {}",
            page.status
        ));
    }
    let pid = container_pid().ok_or("the container's smtplab is not in /proc")?;
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_default();
    if uid != "65532" {
        return Err(format!(
            "the container's smtplab runs as uid {uid}, not 65532"
        ));
    }
    Ok(())
}

/// The pid of the `smtplab` running in the container (not buildah): the
/// youngest process named `smtplab` started with the image's `--config`.
/// (Its token is not on its command line: it drew its own.)
fn container_pid() -> Option<u32> {
    let mut found: Vec<(u64, u32)> = std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let (name, rest) = stat.split_once(") ")?;
            if !name.ends_with("(smtplab") {
                return None;
            }
            let args = std::fs::read(entry.path().join("cmdline")).ok()?;
            let config = format!("--config\0{POLICY}");
            if !args.windows(config.len()).any(|w| w == config.as_bytes()) {
                return None;
            }
            let start: u64 = rest.split_whitespace().nth(19)?.parse().ok()?;
            Some((start, pid))
        })
        .collect();
    found.sort_unstable();
    found.last().map(|(_, pid)| *pid)
}
