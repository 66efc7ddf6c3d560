//! `dist`: the portable files, one per OS, each a single `smtplab` binary
//! with the UI embedded, stripped, and at most [`MAX_BYTES`] long, plus a
//! `SHA256SUMS` listing them, in `target/portable/`.
//!
//! | file | target | needs |
//! | --- | --- | --- |
//! | `smtplab-linux-x86_64` | `x86_64-unknown-linux-musl` (static) | Debian's `musl-tools` (ring's C) |
//! | `smtplab-windows-x86_64.exe` | `x86_64-pc-windows-gnu` | Debian's `gcc-mingw-w64-x86-64` |
//!
//! Both targets are built by one cargo invocation (cargo spreads the two
//! over the cores) with the `dist` profile (workspace Cargo.toml): the size
//! levers are there, not here. Each file is then checked: its size, its
//! format (ELF without an interpreter, that is static; PE for Windows), and
//! hashed into `SHA256SUMS` in `sha256sum`'s format, so
//! `sha256sum -c SHA256SUMS` verifies a download.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _};
use sha2::{Digest as _, Sha256};

use crate::build_ui;

/// The size budget of each file (issue 12: "≤ 8 MB").
pub(crate) const MAX_BYTES: u64 = 8_000_000;

/// Where the files are written, under the cargo target directory.
const OUT_DIR: &str = "portable";

/// The cargo profile of the portable files.
const PROFILE: &str = "dist";

/// One portable file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Artefact {
    /// The name given with `--only` and in messages.
    pub(crate) name: &'static str,
    /// The Rust target triple.
    pub(crate) triple: &'static str,
    /// The file name users download.
    pub(crate) file: &'static str,
    /// The binary cargo writes (`smtplab` or `smtplab.exe`).
    built: &'static str,
    /// The C compiler ring's build needs for this target, and the Debian
    /// package that has it.
    cc: (&'static str, &'static str),
    /// What the finished file must look like.
    format: Format,
}

/// The executable formats checked after the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// ELF with no `PT_INTERP`: runs with no dynamic loader or shared library.
    StaticElf,
    /// A PE image (`MZ` … `PE\0\0`).
    Pe,
}

/// Every portable file this command can make.
pub(crate) const ARTEFACTS: &[Artefact] = &[
    Artefact {
        name: "linux-x86_64",
        triple: "x86_64-unknown-linux-musl",
        file: "smtplab-linux-x86_64",
        built: "smtplab",
        cc: ("musl-gcc", "musl-tools"),
        format: Format::StaticElf,
    },
    Artefact {
        name: "windows-x86_64",
        triple: "x86_64-pc-windows-gnu",
        file: "smtplab-windows-x86_64.exe",
        built: "smtplab.exe",
        cc: ("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64"),
        format: Format::Pe,
    },
];

/// Command-line options of `dist`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Options {
    /// Use the UI already in `dist/` instead of building it first.
    pub(crate) no_ui: bool,
    /// Only these artefacts (by [`Artefact::name`]); empty: all.
    pub(crate) only: Vec<&'static Artefact>,
}

impl Options {
    /// Parses the arguments after `dist`.
    ///
    /// # Errors
    /// On an unknown argument or artefact name.
    pub(crate) fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut options = Self::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--no-ui" => options.no_ui = true,
                "--only" => {
                    let Some(name) = args.next() else {
                        bail!("dist: --only needs an artefact name ({})", names());
                    };
                    let Some(artefact) = ARTEFACTS.iter().find(|a| a.name == name) else {
                        bail!(
                            "dist: unknown artefact {name:?} (expected one of {})",
                            names()
                        );
                    };
                    options.only.push(artefact);
                }
                other => bail!("dist: unknown argument {other:?} (expected --no-ui, --only NAME)"),
            }
        }
        Ok(options)
    }

    fn artefacts(&self) -> Vec<&'static Artefact> {
        if self.only.is_empty() {
            ARTEFACTS.iter().collect()
        } else {
            self.only.clone()
        }
    }
}

fn names() -> String {
    ARTEFACTS
        .iter()
        .map(|a| a.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds the UI (unless `--no-ui`), then the portable files, checks them and
/// writes `SHA256SUMS`.
///
/// # Errors
/// When a tool is missing (with the package that has it), a build fails, or
/// a file is over budget or not of its format.
pub(crate) fn run(options: &Options) -> anyhow::Result<()> {
    let root = build_ui::workspace_root();
    let artefacts = options.artefacts();
    preflight(&artefacts)?;
    if options.no_ui {
        if !root.join("dist").join("index.html").is_file() {
            bail!(
                "dist --no-ui: there is no UI in dist/; run `cargo xtask build-ui --release` first"
            );
        }
    } else {
        build_ui::run(&build_ui::Options { release: true })?;
    }

    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.current_dir(&root).args([
        "build",
        "--profile",
        PROFILE,
        "-p",
        "smtplab-bridge",
        "--bin",
        "smtplab",
    ]);
    // gzip copies of the UI only: the brotli copy of the wasm would take
    // ~0.5 MB of the budget (bridge/build.rs, `SMTPLAB_UI_NO_BROTLI`).
    cargo.env("SMTPLAB_UI_NO_BROTLI", "1");
    for artefact in &artefacts {
        cargo.args(["--target", artefact.triple]);
        // cc-rs reads CC_<triple with underscores>; a value already set wins.
        let var = format!("CC_{}", artefact.triple.replace('-', "_"));
        if std::env::var_os(&var).is_none() {
            cargo.env(var, artefact.cc.0);
        }
    }
    println!(
        "dist: building {} with the `{PROFILE}` profile",
        names_of(&artefacts)
    );
    let status = cargo.status().context("running cargo build")?;
    if !status.success() {
        bail!("dist: cargo build failed ({status})");
    }

    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let out = target_dir.join(OUT_DIR);
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let mut sums = String::new();
    let mut table = String::new();
    for artefact in &artefacts {
        let built = target_dir
            .join(artefact.triple)
            .join(PROFILE)
            .join(artefact.built);
        let bytes =
            std::fs::read(&built).with_context(|| format!("reading {}", built.display()))?;
        check(artefact, &bytes)?;
        let dest = out.join(artefact.file);
        std::fs::write(&dest, &bytes).with_context(|| format!("writing {}", dest.display()))?;
        make_executable(&dest)?;
        let digest = hex(&Sha256::digest(&bytes));
        writeln!(sums, "{digest}  {}", artefact.file).expect("string write");
        writeln!(
            table,
            "  {:<28} {:>10} bytes ({:.2} MB, budget {:.0} MB)  {}",
            artefact.file,
            bytes.len(),
            bytes.len() as f64 / 1e6,
            MAX_BYTES as f64 / 1e6,
            artefact.triple
        )
        .expect("string write");
    }
    std::fs::write(out.join("SHA256SUMS"), &sums).context("writing SHA256SUMS")?;
    println!("dist: wrote {}", out.display());
    print!("{table}");
    println!(
        "  SHA256SUMS (check with: cd {} && sha256sum -c SHA256SUMS)",
        out.display()
    );
    Ok(())
}

fn names_of(artefacts: &[&Artefact]) -> String {
    artefacts
        .iter()
        .map(|a| a.file)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Every tool the builds need, named with the package that provides it,
/// before anything is built.
fn preflight(artefacts: &[&Artefact]) -> anyhow::Result<()> {
    let mut missing = Vec::new();
    for artefact in artefacts {
        let var = format!("CC_{}", artefact.triple.replace('-', "_"));
        if std::env::var_os(&var).is_none() && !on_path(artefact.cc.0) {
            missing.push(format!(
                "{} (Debian package {}) for {}",
                artefact.cc.0, artefact.cc.1, artefact.file
            ));
        }
        let libdir = Command::new("rustc")
            .args(["--print", "target-libdir", "--target", artefact.triple])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        let installed = libdir.is_some_and(|dir| {
            std::fs::read_dir(dir).is_ok_and(|entries| {
                entries
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("libcore-"))
            })
        });
        if !installed {
            missing.push(format!(
                "the Rust target {} (rustup target add {})",
                artefact.triple, artefact.triple
            ));
        }
    }
    if !missing.is_empty() {
        bail!(
            "dist: missing {} (scripts/setup.sh installs them all)",
            missing.join("; ")
        );
    }
    Ok(())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The size budget and the format of a built file.
fn check(artefact: &Artefact, bytes: &[u8]) -> anyhow::Result<()> {
    let len = bytes.len() as u64;
    if len > MAX_BYTES {
        bail!(
            "dist: {} is {len} bytes, over the {MAX_BYTES}-byte budget",
            artefact.file
        );
    }
    match artefact.format {
        Format::StaticElf => match elf_interpreter(bytes) {
            Ok(false) => Ok(()),
            Ok(true) => bail!(
                "dist: {} has a dynamic loader (PT_INTERP): it is not static",
                artefact.file
            ),
            Err(why) => bail!("dist: {} is not a 64-bit ELF file: {why}", artefact.file),
        },
        Format::Pe => {
            if is_pe(bytes) {
                Ok(())
            } else {
                bail!("dist: {} is not a PE image", artefact.file)
            }
        }
    }
}

/// Whether a 64-bit little-endian ELF file names a program interpreter
/// (`PT_INTERP`), that is whether it needs a dynamic loader to start.
fn elf_interpreter(bytes: &[u8]) -> Result<bool, &'static str> {
    const PT_INTERP: u32 = 3;
    if bytes.get(..4) != Some(b"\x7fELF") {
        return Err("no ELF magic");
    }
    if bytes.get(4) != Some(&2) || bytes.get(5) != Some(&1) {
        return Err("not ELF64 little-endian");
    }
    let u16_at = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |at: usize| {
        bytes
            .get(at..at + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_le_bytes)
    };
    let phoff = u64_at(0x20).ok_or("truncated header")?;
    let phentsize = u16_at(0x36).ok_or("truncated header")?;
    let phnum = u16_at(0x38).ok_or("truncated header")?;
    let phoff = usize::try_from(phoff).map_err(|_| "program headers out of range")?;
    for i in 0..usize::from(phnum) {
        let at = phoff + i * usize::from(phentsize);
        if u32_at(at).ok_or("truncated program headers")? == PT_INTERP {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether the bytes are a PE image: `MZ`, then `PE\0\0` where the DOS
/// header's `e_lfanew` points.
fn is_pe(bytes: &[u8]) -> bool {
    if bytes.get(..2) != Some(b"MZ") {
        return false;
    }
    let Some(lfanew) = bytes
        .get(0x3c..0x40)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    else {
        return false;
    };
    bytes.get(lfanew..lfanew + 4) == Some(b"PE\0\0")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(unix)]
fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse() {
        assert_eq!(
            Options::parse(&[]).expect("no arguments parse"),
            Options::default()
        );
        let only = Options::parse(&["--no-ui".into(), "--only".into(), "windows-x86_64".into()])
            .expect("known artefact");
        assert!(only.no_ui);
        assert_eq!(only.artefacts(), vec![&ARTEFACTS[1]]);
        assert!(Options::parse(&["--only".into()]).is_err());
        let err = Options::parse(&["--only".into(), "amiga".into()]).expect_err("unknown");
        assert!(
            err.to_string().contains("linux-x86_64, windows-x86_64"),
            "{err}"
        );
    }

    #[test]
    fn the_running_test_binary_is_elf_and_dynamic_on_glibc() {
        // This test binary is built for the host: on x86_64 glibc Linux it
        // has an interpreter (ld-linux), which the check must see.
        let Ok(exe) = std::env::current_exe().and_then(std::fs::read) else {
            return;
        };
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert_eq!(elf_interpreter(&exe), Ok(true));
        }
    }

    #[test]
    fn malformed_files_are_refused() {
        assert_eq!(elf_interpreter(b"MZ\0\0"), Err("no ELF magic"));
        assert_eq!(
            elf_interpreter(b"\x7fELF\x01\x01"),
            Err("not ELF64 little-endian")
        );
        assert_eq!(
            elf_interpreter(b"\x7fELF\x02\x01\0\0"),
            Err("truncated header")
        );
        assert!(!is_pe(b"MZ"));
        let mut pe = vec![0u8; 0x48];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x40;
        pe[0x40..0x44].copy_from_slice(b"PE\0\0");
        assert!(is_pe(&pe));
        pe[0x41] = b'X';
        assert!(!is_pe(&pe));
    }

    #[test]
    fn a_static_elf_header_has_no_interpreter() {
        // A minimal ELF64 header with one PT_LOAD program header.
        let mut elf = vec![0u8; 0x40 + 0x38];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[5] = 1;
        elf[0x20..0x28].copy_from_slice(&0x40u64.to_le_bytes());
        elf[0x36..0x38].copy_from_slice(&0x38u16.to_le_bytes());
        elf[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes());
        elf[0x40..0x44].copy_from_slice(&1u32.to_le_bytes());
        assert_eq!(elf_interpreter(&elf), Ok(false));
        elf[0x40..0x44].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(elf_interpreter(&elf), Ok(true));
    }

    #[test]
    fn over_budget_is_refused() {
        let big = vec![0u8; usize::try_from(MAX_BYTES).expect("fits") + 1];
        let err = check(&ARTEFACTS[1], &big).expect_err("over budget");
        assert!(
            err.to_string().contains("over the 8000000-byte budget"),
            "{err}"
        );
    }
}
