//! The portable files that `cargo xtask dist` writes to `target/portable/`,
//! started as a user would start them: copied into an empty folder and run
//! with no arguments and no environment (`env -i`), or under Wine for the
//! Windows file.
//!
//! - [`artefact`] finds a file (or says to run `cargo xtask dist`);
//! - [`Folder`] is an empty folder with a copy of a file and, optionally, the
//!   `smtplab.toml` beside it that the portable file reads;
//! - [`http_get`] is a plain HTTP/1.1 GET over loopback (no
//!   `Accept-Encoding`, so the bridge answers with the identity bytes);
//! - [`Wine`] runs the `.exe` under Debian's Wine with a test-only
//!   `bcryptprimitives.dll` (see `tests/fixtures/wine/`).

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The folder `cargo xtask dist` writes to: `$SMTPLAB_PORTABLE_DIR`, or
/// `portable/` in the cargo target directory.
pub fn portable_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SMTPLAB_PORTABLE_DIR") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        },
        PathBuf::from,
    );
    target.join("portable")
}

/// The portable file `name` (e.g. `smtplab-linux-x86_64`).
///
/// # Errors
/// When it has not been built, with the command that builds it.
pub fn artefact(name: &str) -> Result<PathBuf, String> {
    let path = portable_dir().join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing: build the portable files first with `cargo xtask dist` (./test.sh does)",
            path.display()
        ))
    }
}

/// An empty temporary folder holding a copy of one portable file.
#[derive(Debug)]
pub struct Folder {
    dir: tempfile::TempDir,
    exe: PathBuf,
}

impl Folder {
    /// Copies `file` into a new empty folder.
    ///
    /// # Errors
    /// When the folder or the copy cannot be made.
    pub fn with_copy_of(file: &Path) -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("smtplab-portable-")
            .tempdir()
            .map_err(|e| format!("temporary folder: {e}"))?;
        let name = file.file_name().ok_or("the file has no name")?;
        let exe = dir.path().join(name);
        std::fs::copy(file, &exe).map_err(|e| format!("copying {}: {e}", file.display()))?;
        Ok(Self { dir, exe })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The copied executable.
    pub fn exe(&self) -> &Path {
        &self.exe
    }

    /// Writes `smtplab.toml` beside the executable.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write_settings(&self, toml: &str) -> Result<(), String> {
        std::fs::write(self.dir.path().join("smtplab.toml"), toml)
            .map_err(|e| format!("writing smtplab.toml: {e}"))
    }

    /// The copied executable as a command with no environment at all (as
    /// `env -i`), started in its folder, with no arguments.
    pub fn bare_command(&self) -> Command {
        let mut command = Command::new(&self.exe);
        command.env_clear().current_dir(self.dir.path());
        command
    }
}

/// A response to [`http_get`].
#[derive(Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The header block, as received.
    pub head: String,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// `GET path` from `addr` with `Connection: close`, reading to the end
/// (10 s limit per read).
///
/// # Errors
/// When the connection fails or the answer is not HTTP.
pub fn http_get(addr: SocketAddr, path: &str) -> Result<HttpResponse, String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connecting to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("sending the request: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("reading the response from {addr}: {e}"))?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no HTTP header block in {} bytes", raw.len()))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {head:?}"))?;
    let mut body = raw[split + 4..].to_vec();
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    if chunked {
        body = dechunk(&body)?;
    }
    Ok(HttpResponse { status, head, body })
}

/// The payload of a chunked body.
fn dechunk(mut raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("chunk size line without CRLF")?;
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|e| format!("chunk size {size_text:?}: {e}"))?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = raw.get(..size).ok_or("truncated chunk")?;
        out.extend_from_slice(chunk);
        raw = raw.get(size + 2..).ok_or("chunk without CRLF")?;
    }
}

/// Debian's Wine with a prefix of the tests' own, and the test-only
/// `bcryptprimitives.dll`. `wineserver -k` on drop stops what is left.
#[derive(Debug)]
pub struct Wine {
    prefix: PathBuf,
    /// Where the stub DLL is built (never the exe's folder: copying a file
    /// onto itself would empty it).
    _work: tempfile::TempDir,
    stub: PathBuf,
}

/// The stub's C source, compiled with mingw by [`Wine::new`].
const STUB_SOURCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/wine/bcryptprimitives.c"
);

impl Wine {
    /// Checks that `wine` and mingw are there, builds the stub DLL in a
    /// folder of its own, and uses a Wine prefix under the cargo target
    /// directory (made at the first start, about 30 s, then reused).
    ///
    /// # Errors
    /// When a tool is missing (naming its Debian package) or the stub does
    /// not build.
    pub fn new() -> Result<Self, String> {
        for (tool, package) in [
            ("wine", "wine64"),
            ("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64"),
        ] {
            let found = Command::new(tool).arg("--version").output().is_ok();
            if !found {
                return Err(format!(
                    "{tool} is missing: apt-get install -y {package} (scripts/setup.sh does)"
                ));
            }
        }
        let work = tempfile::Builder::new()
            .prefix("smtplab-wine-stub-")
            .tempdir()
            .map_err(|e| format!("temporary folder: {e}"))?;
        let stub = work.path().join("bcryptprimitives.dll");
        let out = Command::new("x86_64-w64-mingw32-gcc")
            .args(["-shared", "-O2", "-o"])
            .arg(&stub)
            .arg(STUB_SOURCE)
            .arg("-ladvapi32")
            .output()
            .map_err(|e| format!("running mingw: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "building the stub DLL failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let prefix = portable_dir().parent().map_or_else(
            || work.path().join("wine-prefix"),
            |t| t.join("wine-prefix"),
        );
        Ok(Self {
            prefix,
            _work: work,
            stub,
        })
    }

    /// Puts the stub DLL beside `exe`, where Windows looks first.
    ///
    /// # Errors
    /// When the copy fails.
    pub fn install_stub_beside(&self, exe: &Path) -> Result<(), String> {
        let dir = exe.parent().ok_or("the exe has no folder")?;
        std::fs::copy(&self.stub, dir.join("bcryptprimitives.dll"))
            .map(|_| ())
            .map_err(|e| format!("copying the stub DLL: {e}"))
    }

    /// `wine EXE` in the exe's folder, quiet, in the tests' prefix, with no
    /// display and `SMTPLAB_NO_BROWSER` (on Windows smtplab always tries to
    /// open the browser, which Wine hands to xdg-open).
    pub fn command(&self, exe: &Path) -> Command {
        let mut command = Command::new("wine");
        command
            .arg(exe)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env("SMTPLAB_NO_BROWSER", "1")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        if let Some(dir) = exe.parent() {
            command.current_dir(dir);
        }
        command
    }
}

impl Drop for Wine {
    fn drop(&mut self) {
        let _ = Command::new("wineserver")
            .arg("-k")
            .env("WINEPREFIX", &self.prefix)
            .status();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n").as_deref(),
            Ok(&b"Wikipedia"[..])
        );
        assert!(dechunk(b"zz\r\n").is_err());
        assert!(dechunk(b"9\r\nshort\r\n").is_err());
    }

    #[test]
    fn headers_are_found_case_insensitively() {
        let response = HttpResponse {
            status: 200,
            head: "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nvary: accept-encoding".into(),
            body: Vec::new(),
        };
        assert_eq!(response.header("content-type"), Some("text/html"));
        assert_eq!(response.header("Vary"), Some("accept-encoding"));
        assert_eq!(response.header("etag"), None);
    }
}
