//! Build-time version facts for `smtplab --version`, `/status` and the page
//! footer (`src/version.rs` reads them with `env!`):
//!
//! - `SMTPLAB_COMMIT`: `git rev-parse --short=12 HEAD` in the source tree;
//!   where there is no git (a source tarball), the `SMTPLAB_COMMIT`
//!   environment variable; else `unknown`.
//! - `SMTPLAB_BUILD_DATE`: the UTC date `YYYY-MM-DD` of `SOURCE_DATE_EPOCH`
//!   when set (reproducible builds), else of now.
//!
//! Cargo reruns the build script when `.git/HEAD` or the branch it points
//! to moves, so a new commit gives a new commit id. The date is the date of
//! that last run. Included by `build.rs` with `#[path]`, so it shares no
//! code with the asset embedding there.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Prints the `cargo:` lines for the commit id and the build date.
pub(crate) fn emit() {
    println!("cargo:rerun-if-env-changed=SMTPLAB_COMMIT");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    for path in git_watch_paths(&manifest) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let commit = git(&manifest, &["rev-parse", "--short=12", "HEAD"])
        .or_else(|| std::env::var("SMTPLAB_COMMIT").ok())
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        });
    println!("cargo:rustc-env=SMTPLAB_COMMIT={commit}");
    println!("cargo:rustc-env=SMTPLAB_BUILD_DATE={}", civil_date(epoch));
}

/// The files whose change means a new HEAD: `HEAD` itself, the ref it
/// points to (`refs/heads/main`), and `packed-refs` (where `git gc` moves
/// refs). Empty without git.
fn git_watch_paths(dir: &Path) -> Vec<PathBuf> {
    let mut names = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    if let Some(head_ref) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        names.push(head_ref);
    }
    names
        .iter()
        .filter_map(|name| git(dir, &["rev-parse", "--git-path", name]))
        .map(|path| dir.join(path))
        .filter(|path| path.exists())
        .collect()
}

/// `git ARGS` in `dir`: its trimmed stdout when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

/// The proleptic Gregorian UTC date of `secs` after 1970-01-01 as
/// `YYYY-MM-DD` (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
