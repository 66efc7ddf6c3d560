//! The colour theme: the system's (`prefers-color-scheme`, followed live)
//! unless the user picked light or dark, which the browser remembers.
//!
//! The page's CSS holds both palettes as variables (index.html): the dark
//! one applies under `<html data-theme="dark">`, and also under
//! `prefers-color-scheme: dark` before the app has set the attribute, so a
//! dark system never flashes a light page while the wasm loads.

/// The user's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Theme {
    /// Follow the system.
    #[default]
    Auto,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Theme {
    /// Every choice, in the switch's order.
    pub(crate) const ALL: [Self; 3] = [Self::Auto, Self::Light, Self::Dark];

    /// The value in the switch and in `localStorage`.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    /// The choice a stored or picked value names; `None` for anything else
    /// (a stored value from elsewhere is then ignored, not trusted).
    pub(crate) fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The palette to show (`data-theme`): `"dark"` or `"light"`.
    pub(crate) fn effective(self, system_prefers_dark: bool) -> &'static str {
        match self {
            Self::Dark => "dark",
            Self::Light => "light",
            Self::Auto if system_prefers_dark => "dark",
            Self::Auto => "light",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Theme;

    #[test]
    fn auto_follows_the_system_and_a_choice_wins() {
        assert_eq!(Theme::Auto.effective(true), "dark");
        assert_eq!(Theme::Auto.effective(false), "light");
        assert_eq!(Theme::Light.effective(true), "light");
        assert_eq!(Theme::Dark.effective(false), "dark");
    }

    #[test]
    fn codes_round_trip_and_strangers_are_refused() {
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.code()), Some(theme));
        }
        assert_eq!(Theme::parse("Dark"), None);
        assert_eq!(Theme::parse(""), None);
    }
}
