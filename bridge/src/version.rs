//! The version text: `smtplab X.Y.Z (commit abc123def456, built
//! 2026-01-31)`, printed by `--version`, given in `/status` (`version`)
//! and shown in the page footer. The commit and the date come from the
//! build script (`build_version.rs`).

/// `X.Y.Z (commit …, built YYYY-MM-DD)`, as a literal for `concat!` (a
/// `const` cannot be concatenated at compile time).
macro_rules! detail {
    () => {
        concat!(
            env!("CARGO_PKG_VERSION"),
            " (commit ",
            env!("SMTPLAB_COMMIT"),
            ", built ",
            env!("SMTPLAB_BUILD_DATE"),
            ")"
        )
    };
}

/// What follows the program name in `--version`:
/// `X.Y.Z (commit …, built YYYY-MM-DD)`.
pub const VERSION_DETAIL: &str = detail!();

/// The whole version line: `smtplab X.Y.Z (commit …, built YYYY-MM-DD)`.
pub const VERSION_TEXT: &str = concat!("smtplab ", detail!());

#[cfg(test)]
#[allow(dead_code)]
#[path = "../build_version.rs"]
mod build_version;

#[cfg(test)]
mod tests {
    use super::build_version::civil_date;
    use super::*;

    #[test]
    fn civil_dates_from_epoch_seconds() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(86_399), "1970-01-01");
        assert_eq!(civil_date(86_400), "1970-01-02");
        assert_eq!(civil_date(951_782_400), "2000-02-29"); // leap day of a /400 year
        assert_eq!(civil_date(4_107_542_400), "2100-03-01"); // 2100 is no leap year
        assert_eq!(civil_date(1_767_225_599), "2025-12-31");
        assert_eq!(civil_date(1_767_225_600), "2026-01-01");
        assert_eq!(civil_date(-1), "1969-12-31");
    }

    #[test]
    fn the_version_text_has_its_shape() {
        let detail = VERSION_TEXT.strip_prefix("smtplab ").expect("program name");
        assert_eq!(detail, VERSION_DETAIL);
        let (semver, rest) = detail.split_once(" (commit ").expect("commit");
        assert_eq!(semver, env!("CARGO_PKG_VERSION"));
        let (commit, date) = rest.split_once(", built ").expect("date");
        assert!(!commit.is_empty() && !commit.contains(' '), "{commit}");
        let date = date.strip_suffix(')').expect("closing parenthesis");
        assert_eq!(date.len(), 10, "{date}");
        assert!(
            date.chars().enumerate().all(|(i, c)| if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }),
            "{date}"
        );
    }
}
