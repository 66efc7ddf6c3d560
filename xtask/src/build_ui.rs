//! `build-ui`: the frontend build pipeline, cargo → wasm-bindgen → wasm-opt →
//! `dist/`.
//!
//! `dist/` (at the workspace root, gitignored) is what the bridge embeds at
//! compile time and serves: `index.html`, the bindgen JS and wasm under
//! content-hashed names (`smtplab-<hash>.js`, `smtplab_bg-<hash>.wasm`, the
//! hash being the first 16 hex digits of the file's SHA-256), and
//! `manifest.json`, `{"js": "smtplab-<hash>.js", "wasm": "smtplab_bg-<hash>.wasm"}`,
//! for tools that need the current names (tests, benchmarks). The hashed
//! names let the bridge serve them `immutable`: a new build is a new URL.
//! The page's CSS is inline in `index.html`; the only other file copied is
//! the icon, `favicon.ico` (linked from the page, and what browsers ask for
//! anyway).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context as _};

use sha2::{Digest as _, Sha256};

use crate::{page, size};

/// The frontend package that is built.
const PACKAGE: &str = "smtplab-frontend";

/// File stem of the bindgen output: `smtplab.js` and `smtplab_bg.wasm`
/// before they are renamed to their content-hashed names.
const STEM: &str = "smtplab";

/// The page's icon, at the workspace root, copied as is into `dist/`.
const FAVICON: &str = "favicon.ico";

/// The list of the current hashed names in `dist/`.
pub(crate) const MANIFEST: &str = "manifest.json";

/// How many hex digits of the SHA-256 go into a hashed name: 64 bits, far
/// more than enough to tell builds apart.
const HASH_HEX_DIGITS: usize = 16;

/// npm's binaryen (`npm ci`); Debian's binaryen cannot read current rustc
/// output (TOOLCHAIN.md).
const WASM_OPT: &str = "node_modules/.bin/wasm-opt";

/// Command-line options of `build-ui`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Options {
    /// Build with `--profile wasm-release` and run `wasm-opt -Oz`.
    pub(crate) release: bool,
}

impl Options {
    /// Parses the arguments after `build-ui`.
    ///
    /// # Errors
    /// On any argument other than `--release`.
    pub(crate) fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut options = Self::default();
        for arg in args {
            match arg.as_str() {
                "--release" | "-r" => options.release = true,
                other => bail!("build-ui: unknown argument {other:?} (expected --release)"),
            }
        }
        Ok(options)
    }
}

/// Builds the frontend into `<workspace>/dist/` and prints the sizes.
///
/// # Errors
/// When a step fails: the cargo build, bindgen, wasm-opt or a file write.
pub(crate) fn run(options: &Options) -> anyhow::Result<()> {
    let root = workspace_root();
    let wasm = cargo_build(&root, options)?;
    let dist = root.join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).with_context(|| format!("removing {}", dist.display()))?;
    }
    std::fs::create_dir_all(&dist).with_context(|| format!("creating {}", dist.display()))?;

    bindgen(&wasm, &dist, options)?;
    let out_wasm = dist.join(format!("{STEM}_bg.wasm"));
    let wasm_opt = root.join(WASM_OPT);
    if !options.release {
        println!("wasm-opt: skipped (debug build)");
    } else if wasm_opt.exists() {
        optimize(&wasm_opt, &out_wasm)?;
    } else {
        println!("wasm-opt: skipped ({WASM_OPT} missing; run `npm ci` for a smaller wasm)");
    }

    let names = page::Names {
        js: rename_hashed(&dist, &format!("{STEM}.js"))?,
        wasm: rename_hashed(&dist, &format!("{STEM}_bg.wasm"))?,
    };
    let manifest = serde_json::json!({ "js": names.js, "wasm": names.wasm });
    std::fs::write(dist.join(MANIFEST), format!("{manifest:#}\n"))
        .context("writing dist/manifest.json")?;

    let index = root.join("index.html");
    let html =
        std::fs::read_to_string(&index).with_context(|| format!("reading {}", index.display()))?;
    let html = page::for_dist(&html, &names)?;
    std::fs::write(dist.join("index.html"), html).context("writing dist/index.html")?;
    std::fs::copy(root.join(FAVICON), dist.join(FAVICON))
        .with_context(|| format!("copying {FAVICON} into dist/"))?;

    report(&dist)
}

/// Renames `dist/<name>` to its content-hashed name and returns that name.
fn rename_hashed(dist: &Path, name: &str) -> anyhow::Result<String> {
    let from = dist.join(name);
    let bytes = std::fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
    let hashed = hashed_name(name, &bytes);
    std::fs::rename(&from, dist.join(&hashed))
        .with_context(|| format!("renaming {}", from.display()))?;
    Ok(hashed)
}

/// `smtplab.js` → `smtplab-<first 16 hex digits of SHA-256>.js`.
fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let hash = &hex[..HASH_HEX_DIGITS];
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-{hash}.{ext}"),
        None => format!("{name}-{hash}"),
    }
}

/// The workspace root: the xtask lives in `<root>/xtask`.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the xtask crate lives inside the workspace")
        .to_path_buf()
}

/// Runs `cargo build` for wasm32 and returns the path of the produced `.wasm`
/// (read from cargo's JSON messages, so `CARGO_TARGET_DIR` and profiles need
/// no guessing).
fn cargo_build(root: &Path, options: &Options) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "-p", PACKAGE, "--target", "wasm32-unknown-unknown"])
        .arg("--message-format=json-render-diagnostics")
        .stdout(Stdio::piped());
    if options.release {
        cmd.args(["--profile", "wasm-release"]);
    }
    println!(
        "cargo build -p {PACKAGE} --target wasm32-unknown-unknown{}",
        if options.release {
            " --profile wasm-release"
        } else {
            ""
        }
    );
    let output = cmd.spawn().context("starting cargo")?.wait_with_output()?;
    if !output.status.success() {
        bail!("cargo build failed ({})", output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    wasm_artifact(&stdout).context("cargo reported no .wasm for smtplab-frontend")
}

/// Finds the frontend's `.wasm` in cargo's `--message-format=json` output.
fn wasm_artifact(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["reason"] == "compiler-artifact" && msg["target"]["name"] == PACKAGE)
        .flat_map(|msg| {
            msg["filenames"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| f.as_str().map(PathBuf::from))
        })
        .rfind(|path| path.extension().is_some_and(|e| e == "wasm"))
}

/// The bindgen step through the CLI entry point: unlike the bare
/// `Bindgen` builder it keeps the default module path, so `init()` finds
/// `smtplab_bg.wasm` next to the JS (TOOLCHAIN.md's trap). The page's loader
/// passes the hashed wasm URL to `init` explicitly, so that default is never
/// used once the files are renamed.
fn bindgen(wasm: &Path, dist: &Path, options: &Options) -> anyhow::Result<()> {
    let mut args: Vec<std::ffi::OsString> = vec![
        "wasm-bindgen".into(),
        "--target".into(),
        "web".into(),
        "--no-typescript".into(),
        "--out-name".into(),
        STEM.into(),
        "--out-dir".into(),
        dist.into(),
    ];
    if options.release {
        args.push("--remove-name-section".into());
        args.push("--remove-producers-section".into());
    }
    args.push(wasm.into());
    println!("wasm-bindgen --target web {}", wasm.display());
    wasm_bindgen_cli::wasm_bindgen::run_cli_with_args(args).context("wasm-bindgen")
}

/// `wasm-opt -Oz` in place. The feature flags are the ones rustc enables by
/// default for wasm32-unknown-unknown; without them wasm-opt rejects the input.
///
/// Measured on the tab (binaryen 132, gzip -9 of the wasm): `--converge`
/// (repeat -Oz until it stops shrinking) and `--low-memory-unused` (fold
/// small constant offsets into loads and stores; rustc's stack sits at the
/// bottom of memory and nothing lives in its first KiB) save about 3 KB;
/// `-Os`, `-O2` and `--zero-filled-memory` did not beat this. rustc already
/// emits bulk-memory and non-trapping float-to-int code by default.
fn optimize(wasm_opt: &Path, wasm: &Path) -> anyhow::Result<()> {
    println!("wasm-opt -Oz --converge {}", wasm.display());
    let status = Command::new(wasm_opt)
        .args(["-Oz", "--converge", "--low-memory-unused"])
        .args([
            "--enable-bulk-memory",
            "--enable-bulk-memory-opt",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
            "--strip-debug",
            "--strip-producers",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(wasm)
        .status()
        .context("starting wasm-opt")?;
    if !status.success() {
        bail!("wasm-opt failed ({status})");
    }
    Ok(())
}

/// Prints every file in `dist/` with its raw and gzip size.
fn report(dist: &Path) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dist)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    println!("{}:", dist.display());
    for entry in entries {
        let bytes = std::fs::read(entry.path())?;
        println!(
            "  {:<32} {:>10} raw {:>10} gzip",
            entry.file_name().to_string_lossy(),
            size::human(bytes.len()),
            size::human(size::gzip_len(&bytes)),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_accept_release_only() {
        assert_eq!(Options::parse(&[]).expect("ok"), Options { release: false });
        assert!(Options::parse(&["--release".into()]).expect("ok").release);
        assert!(Options::parse(&["--debug".into()]).is_err());
    }

    #[test]
    fn hashed_names_follow_the_content() {
        let a = hashed_name("smtplab_bg.wasm", b"one");
        assert!(a.starts_with("smtplab_bg-") && a.ends_with(".wasm"), "{a}");
        assert_eq!(a.len(), "smtplab_bg-.wasm".len() + HASH_HEX_DIGITS);
        assert_eq!(a, hashed_name("smtplab_bg.wasm", b"one"));
        assert_ne!(a, hashed_name("smtplab_bg.wasm", b"two"));
        // SHA-256("abc") = ba7816bf8f01cfea…
        assert_eq!(
            hashed_name("smtplab.js", b"abc"),
            "smtplab-ba7816bf8f01cfea.js"
        );
    }

    #[test]
    fn wasm_artifact_is_read_from_cargo_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"smtplab_shared"},"filenames":["/t/libsmtplab_shared.rlib"]}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"smtplab-frontend"},"filenames":["/t/wasm32-unknown-unknown/debug/smtplab-frontend.wasm"]}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(
            wasm_artifact(messages),
            Some(PathBuf::from(
                "/t/wasm32-unknown-unknown/debug/smtplab-frontend.wasm"
            ))
        );
        assert_eq!(wasm_artifact("{\"reason\":\"build-finished\"}"), None);
    }
}
