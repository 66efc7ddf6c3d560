//! Opening the default browser at the tokenized URL after start, so a
//! double-clicked `smtplab` shows its page. Skipped with `--no-browser`,
//! when `SMTPLAB_NO_BROWSER` is set (tests, scripts), and on Linux and the
//! BSDs when there is no graphical session (neither `DISPLAY` nor
//! `WAYLAND_DISPLAY`); Windows and macOS always try. A failure is a
//! warning: the URL line is already printed.

use std::ffi::OsString;

/// Why the browser is not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// `--no-browser`.
    Flag,
    /// `SMTPLAB_NO_BROWSER` is set.
    Environment,
    /// No `DISPLAY` or `WAYLAND_DISPLAY` (Linux, BSD).
    NoGraphicalSession,
}

/// Whether to open the browser: `Ok` or why not. `env` reads a variable
/// (`std::env::var_os` in the binary); `unix_desktop` is true on systems
/// where a graphical session is told by `DISPLAY`/`WAYLAND_DISPLAY`.
///
/// # Errors
/// The [`Skip`] reason.
pub fn decide(
    no_browser: bool,
    unix_desktop: bool,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<(), Skip> {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    if no_browser {
        Err(Skip::Flag)
    } else if env("SMTPLAB_NO_BROWSER").is_some() {
        Err(Skip::Environment)
    } else if unix_desktop && !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
        Err(Skip::NoGraphicalSession)
    } else {
        Ok(())
    }
}

/// True where [`decide`] looks for `DISPLAY`/`WAYLAND_DISPLAY`: Unix other
/// than macOS (and Android/iOS, which have no console to start from).
pub const UNIX_DESKTOP: bool = cfg!(all(
    unix,
    not(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "android"
    ))
));

/// Opens `url` in the default browser on a thread of its own (a browser
/// launcher may block); a failure prints one warning line on stderr.
pub fn open_in_background(url: String) {
    let spawned = std::thread::Builder::new()
        .name("open-browser".into())
        .spawn(move || {
            if let Err(e) = webbrowser::open(&url) {
                eprintln!("warning: could not open a browser ({e}); open the URL above yourself");
            }
        });
    if let Err(e) = spawned {
        eprintln!("warning: could not open a browser ({e}); open the URL above yourself");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn the_flag_the_variable_and_a_missing_display_skip_it() {
        let x11 = [("DISPLAY", ":0")];
        assert_eq!(decide(false, true, env_of(&x11)), Ok(()));
        assert_eq!(
            decide(false, true, env_of(&[("WAYLAND_DISPLAY", "wayland-0")])),
            Ok(())
        );
        assert_eq!(decide(true, true, env_of(&x11)), Err(Skip::Flag));
        assert_eq!(
            decide(
                false,
                true,
                env_of(&[("DISPLAY", ":0"), ("SMTPLAB_NO_BROWSER", "")])
            ),
            Err(Skip::Environment),
            "set, even empty"
        );
        assert_eq!(
            decide(false, true, env_of(&[])),
            Err(Skip::NoGraphicalSession)
        );
        assert_eq!(
            decide(false, true, env_of(&[("DISPLAY", "")])),
            Err(Skip::NoGraphicalSession)
        );
        assert_eq!(
            decide(false, false, env_of(&[])),
            Ok(()),
            "Windows, macOS: always try"
        );
        assert_eq!(
            decide(false, false, env_of(&[("SMTPLAB_NO_BROWSER", "1")])),
            Err(Skip::Environment)
        );
    }
}
