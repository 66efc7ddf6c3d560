//! Which settings file the `smtplab` binary reads, for a program that is
//! copied somewhere and double-clicked:
//!
//! 1. `--config FILE`, when given: only that file (missing is an error);
//! 2. `smtplab.toml` in the executable's folder (a portable copy carries
//!    its settings beside it);
//! 3. `smtplab.toml` in the user's config folder: `$XDG_CONFIG_HOME/smtplab`
//!    or `~/.config/smtplab` on Linux, `%APPDATA%\smtplab` on Windows,
//!    `~/Library/Application Support/smtplab` on macOS (the `dirs` crate);
//! 4. none: the defaults.
//!
//! The file's keys are [`Options`](crate::options::Options)'. The order is
//! [`candidates`] and the choice [`choose`], both pure; [`locate`] asks the
//! system for the two folders. Without a home folder (`env -i`) there is no
//! user config folder, and the defaults apply.

use std::fmt;
use std::path::{Path, PathBuf};

/// The settings file's name, beside the executable and in the config folder.
pub const FILE_NAME: &str = "smtplab.toml";

/// Where a settings file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Named by `--config`.
    Flag,
    /// In the executable's folder.
    BesideProgram,
    /// In the user's config folder.
    UserConfig,
}

/// The settings the binary starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Read this file.
    File {
        /// Where it was found.
        place: Place,
        /// The file.
        path: PathBuf,
    },
    /// No file: the defaults. `looked_in` are the candidates that were missing.
    Defaults {
        /// The paths looked at, in order.
        looked_in: Vec<PathBuf>,
    },
}

impl fmt::Display for Choice {
    /// The stderr line saying which file is used.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { place, path } => {
                let why = match place {
                    Place::Flag => "--config",
                    Place::BesideProgram => "beside the program",
                    Place::UserConfig => "user config folder",
                };
                write!(f, "settings: {} ({why})", path.display())
            }
            Self::Defaults { looked_in } if looked_in.is_empty() => {
                write!(f, "settings: defaults (no settings file)")
            }
            Self::Defaults { looked_in } => {
                let paths: Vec<_> = looked_in.iter().map(|p| p.display().to_string()).collect();
                write!(f, "settings: defaults (no {})", paths.join(" or "))
            }
        }
    }
}

/// The automatic candidates, in order: beside the program, then the user's
/// config folder (`config_dir/smtplab/smtplab.toml`). A folder that is
/// unknown is left out.
pub fn candidates(exe_dir: Option<&Path>, config_dir: Option<&Path>) -> Vec<(Place, PathBuf)> {
    let mut out = Vec::new();
    if let Some(dir) = exe_dir {
        out.push((Place::BesideProgram, dir.join(FILE_NAME)));
    }
    if let Some(dir) = config_dir {
        out.push((Place::UserConfig, dir.join("smtplab").join(FILE_NAME)));
    }
    out
}

/// `--config` when given, else the first candidate that `is_file` says
/// exists, else the defaults.
pub fn choose(
    flag: Option<&Path>,
    candidates: Vec<(Place, PathBuf)>,
    is_file: impl Fn(&Path) -> bool,
) -> Choice {
    if let Some(path) = flag {
        return Choice::File {
            place: Place::Flag,
            path: path.to_owned(),
        };
    }
    let mut looked_in = Vec::new();
    for (place, path) in candidates {
        if is_file(&path) {
            return Choice::File { place, path };
        }
        looked_in.push(path);
    }
    Choice::Defaults { looked_in }
}

/// [`choose`] with this system's folders: the running executable's
/// (`std::env::current_exe`) and the user's config folder.
pub fn locate(flag: Option<&Path>) -> Choice {
    if flag.is_some() {
        return choose(flag, Vec::new(), |_| false);
    }
    let exe = std::env::current_exe().ok();
    let exe_dir = exe.as_deref().and_then(Path::parent);
    let config_dir = dirs::config_dir();
    choose(
        None,
        candidates(exe_dir, config_dir.as_deref()),
        Path::is_file,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    #[test]
    fn candidates_are_beside_the_program_then_the_config_folder() {
        assert_eq!(
            candidates(Some(&p("/opt/app")), Some(&p("/home/u/.config"))),
            vec![
                (Place::BesideProgram, p("/opt/app/smtplab.toml")),
                (Place::UserConfig, p("/home/u/.config/smtplab/smtplab.toml")),
            ]
        );
        assert_eq!(
            candidates(Some(&p("/opt/app")), None),
            vec![(Place::BesideProgram, p("/opt/app/smtplab.toml"))],
            "no home: no config folder"
        );
        assert!(candidates(None, None).is_empty());
    }

    #[test]
    fn the_flag_wins_then_the_first_existing_candidate_then_defaults() {
        let both = || candidates(Some(&p("/opt/app")), Some(&p("/cfg")));
        assert_eq!(
            choose(Some(&p("/etc/x.toml")), both(), |_| true),
            Choice::File {
                place: Place::Flag,
                path: p("/etc/x.toml")
            }
        );
        assert_eq!(
            choose(None, both(), |_| true),
            Choice::File {
                place: Place::BesideProgram,
                path: p("/opt/app/smtplab.toml")
            }
        );
        assert_eq!(
            choose(None, both(), |path| path.starts_with("/cfg")),
            Choice::File {
                place: Place::UserConfig,
                path: p("/cfg/smtplab/smtplab.toml")
            }
        );
        let none = choose(None, both(), |_| false);
        assert_eq!(
            none,
            Choice::Defaults {
                looked_in: vec![p("/opt/app/smtplab.toml"), p("/cfg/smtplab/smtplab.toml")]
            }
        );
        assert_eq!(
            none.to_string(),
            "settings: defaults (no /opt/app/smtplab.toml or /cfg/smtplab/smtplab.toml)"
        );
        assert_eq!(
            choose(None, both(), |_| true).to_string(),
            "settings: /opt/app/smtplab.toml (beside the program)"
        );
    }
}
