//! `./run.sh` works for an ordinary user: no root, no sudo, no test
//! package. The README's run command, started as a user with no
//! privileges, builds the UI and the bridge and serves the page.
//!
//! Set-up (the test runs as root, like the rest of the end-to-end suite):
//! - an ordinary user, `smtplab-user`, is created if missing;
//! - it gets a Rust toolchain the way a shared installation gives one: the
//!   toolchain that runs these tests (`rustc --print sysroot`), readable and
//!   reachable (`o+x` is added on the folders above it that lack it and put
//!   back afterwards);
//! - the checkout (a user runs `./run.sh` in a checkout of their own) and
//!   root's cargo home are handed to the user for the duration, then handed
//!   back: the target directory and the downloaded crates are shared, so
//!   only what root has not built yet is compiled. (A cargo home at another
//!   path would rebuild every crate: cargo's fingerprint of a registry crate
//!   holds its source's absolute path.)
//!
//! With `SMTPLAB_LOCAL_CLANG=1`, set-up takes the no-root path for the C
//! compiler (Debian's clang unpacked into `.tools/`, no apt install), the
//! path a desktop without clang takes.
//!
//! Passing means: `./run.sh --listen 127.0.0.1:0` as that user prints the
//! URL line, and `GET /?token=…` answers the built UI.

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use libtest_mimic::Failed;
use smtplab_e2e::portable::http_get;
use smtplab_e2e::trials::run_with_rig;

const USER: &str = "smtplab-user";

/// A cold build of the UI and the bridge on two cores takes several
/// minutes; what root built already is reused.
const BUILD_LIMIT: Duration = Duration::from_secs(25 * 60);

struct Rig;

fn main() {
    run_with_rig(
        "run-as-user",
        || Ok::<_, String>(Rig),
        &[(
            "run_sh_builds_and_serves_for_an_ordinary_user_without_root",
            run_sh_as_user,
        )],
    );
}

/// Everything changed for the test, put back on drop.
#[derive(Default)]
struct Restore {
    modes: Vec<(PathBuf, u32)>,
    owners: Vec<(PathBuf, u32, u32)>,
    child: Option<Child>,
}

impl Drop for Restore {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The whole group: runuser, run.sh and the smtplab it became,
            // and any cargo still building.
            let _ = Command::new("kill")
                .args(["-TERM", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
        }
        for (dir, uid, gid) in self.owners.drain(..) {
            let _ = Command::new("chown")
                .arg("-R")
                .arg(format!("{uid}:{gid}"))
                .arg(&dir)
                .status();
        }
        for (dir, mode) in self.modes.drain(..).rev() {
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode));
        }
    }
}

fn run_sh_as_user(_: &Rig) -> Result<(), Failed> {
    if !is_root() {
        return Err(
            "this test creates an ordinary user: run it as root, like the rest of the e2e suite"
                .into(),
        );
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .map_err(|e| format!("the checkout: {e}"))?;
    let sysroot = PathBuf::from(output(Command::new("rustc").args(["--print", "sysroot"]))?);
    let home = PathBuf::from(format!("/home/{USER}"));
    ensure_user(&home)?;

    let cargo_home = std::env::var_os("CARGO_HOME").map_or_else(
        || {
            std::env::var_os("HOME")
                .map_or_else(|| PathBuf::from("/root"), PathBuf::from)
                .join(".cargo")
        },
        PathBuf::from,
    );
    let mut restore = Restore::default();
    for dir in [&sysroot, &repo, &cargo_home] {
        open_the_way(dir, &mut restore)?;
    }
    for dir in [&repo, &cargo_home] {
        lend(dir, &mut restore)?;
    }

    let path = format!("{}/bin:/usr/local/bin:/usr/bin:/bin", sysroot.display());
    let mut command = Command::new("runuser");
    command
        .args(["-u", USER, "--", "env", "-i"])
        .arg(format!("HOME={}", home.display()))
        .arg(format!("PATH={path}"))
        .arg(format!("CARGO_HOME={}", cargo_home.display()))
        .arg("SMTPLAB_NO_BROWSER=1")
        .arg("SMTPLAB_LOCAL_CLANG=1")
        .arg("./run.sh")
        .args(["--listen", "127.0.0.1:0", "--no-sandbox"])
        .current_dir(&repo)
        // Its own process group, so the test can stop everything it starts.
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|e| format!("runuser: {e}"))?;
    let (tx, rx) = mpsc::channel();
    for pipe in [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    restore.child = Some(child);

    let started = std::time::Instant::now();
    let mut log = Vec::new();
    let url = loop {
        let left = BUILD_LIMIT.saturating_sub(started.elapsed());
        match rx.recv_timeout(left) {
            Ok(line) => {
                // The bridge's own line, not a URL from set-up's output.
                let url = line
                    .strip_prefix("smtplab listening on ")
                    .map(|rest| rest.trim().to_owned());
                log.push(line);
                if let Some(url) = url {
                    break url;
                }
            }
            Err(_) => {
                return Err(format!(
                    "./run.sh as {USER} printed no URL within {:?}; its output:\n{}",
                    started.elapsed(),
                    tail(&log)
                )
                .into())
            }
        }
    };
    println!(
        "./run.sh as {USER}: URL after {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let text = log.join("\n");
    if !text.contains("clang: using") {
        return Err(format!(
            "set-up did not take the no-root clang path:\n{}",
            tail(&log)
        )
        .into());
    }
    let (authority, query) = url
        .trim_start_matches("http://")
        .split_once('/')
        .ok_or_else(|| format!("odd URL {url}"))?;
    let addr = authority.parse().map_err(|e| format!("{authority}: {e}"))?;
    let page = http_get(addr, &format!("/{query}"))?;
    let html = String::from_utf8_lossy(&page.body);
    if page.status != 200 || !html.contains(".wasm") {
        return Err(format!("GET / answered {}:\n{html}", page.status).into());
    }
    Ok(())
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_ok_and(|uid| uid == "0")
}

fn ensure_user(home: &Path) -> Result<(), String> {
    if Command::new("id")
        .arg(USER)
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Ok(());
    }
    run(Command::new("useradd")
        .args(["--create-home", "--shell", "/bin/bash", "--home-dir"])
        .arg(home)
        .arg(USER))
}

/// Adds `o+x` to every folder above and including `dir` that lacks it, so
/// the user can reach it (remembering the old modes).
fn open_the_way(dir: &Path, restore: &mut Restore) -> Result<(), String> {
    for ancestor in dir.ancestors() {
        let mode = std::fs::metadata(ancestor)
            .map_err(|e| format!("{}: {e}", ancestor.display()))?
            .permissions()
            .mode();
        if mode & 0o001 == 0 {
            std::fs::set_permissions(ancestor, std::fs::Permissions::from_mode(mode | 0o001))
                .map_err(|e| format!("{}: {e}", ancestor.display()))?;
            restore.modes.push((ancestor.to_path_buf(), mode));
        }
    }
    Ok(())
}

/// Hands `dir` (recursively) to the user until the test ends.
fn lend(dir: &Path, restore: &mut Restore) -> Result<(), String> {
    let meta = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    restore
        .owners
        .push((dir.to_path_buf(), meta.uid(), meta.gid()));
    run(Command::new("chown")
        .args(["-R", &format!("{USER}:{USER}")])
        .arg(dir))
}

fn run(command: &mut Command) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn output(command: &mut Command) -> Result<String, String> {
    let out = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{command:?} failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn tail(log: &[String]) -> String {
    let from = log.len().saturating_sub(60);
    log[from..].join("\n")
}
