//! The page's views and their addresses: one view at a time, each named by
//! the URL fragment (`#/console`, …), so the back button, a reload and a
//! bookmark bring the same view back.
//!
//! The fragment also carries share links (`#s=…`, [`crate::share`]): any
//! fragment that does not name a view shows the guided session, which is
//! where a shared session lands.

use crate::i18n::views::Vm;

/// A view of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) enum View {
    /// The guided session: the form and the run (verdict, timeline, TLS,
    /// transcript).
    #[default]
    Guided,
    /// The raw console and its base64 / AUTH helpers.
    Console,
    /// The Diagnostics checks and the domain report.
    Diagnostics,
    /// The bridge's sandbox inbox.
    Inbox,
    /// Saved sessions, share links, session files.
    Saved,
}

impl View {
    /// Every view, in the navigation bar's order (Alt+1 … Alt+5).
    pub(crate) const ALL: [Self; 5] = [
        Self::Guided,
        Self::Console,
        Self::Diagnostics,
        Self::Inbox,
        Self::Saved,
    ];

    /// The name in the fragment, the ids and the `data-view` attributes.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Guided => "guided",
            Self::Console => "console",
            Self::Diagnostics => "diagnostics",
            Self::Inbox => "inbox",
            Self::Saved => "saved",
        }
    }

    /// The fragment that shows this view (`#/console`).
    pub(crate) fn fragment(self) -> String {
        format!("#/{}", self.name())
    }

    /// The view a fragment (`location.hash`, with or without its `#`)
    /// names; anything else (empty, a share link, a typo) is the guided
    /// session. A query after the name (`#/console?x`) is ignored.
    pub(crate) fn from_fragment(fragment: &str) -> Self {
        let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
        let Some(path) = fragment.strip_prefix('/') else {
            return Self::Guided;
        };
        let name = path
            .split(['?', '&', '/'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|v| v.name() == name)
            .unwrap_or_default()
    }

    /// The view's name in the navigation bar.
    pub(crate) fn label(self) -> Vm {
        match self {
            Self::Guided => Vm::Guided,
            Self::Console => Vm::Console,
            Self::Diagnostics => Vm::Diagnostics,
            Self::Inbox => Vm::Inbox,
            Self::Saved => Vm::Saved,
        }
    }

    /// The view Alt+`digit` shows (`'1'` = the first).
    pub(crate) fn from_digit(digit: &str) -> Option<Self> {
        let n: usize = digit.parse().ok()?;
        Self::ALL.get(n.checked_sub(1)?).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::View;

    #[test]
    fn every_view_round_trips_through_its_fragment() {
        for view in View::ALL {
            assert_eq!(View::from_fragment(&view.fragment()), view);
            assert_eq!(View::from_fragment(&view.fragment()[1..]), view);
        }
    }

    #[test]
    fn anything_else_is_the_guided_session() {
        for fragment in ["", "#", "#/", "#/nope", "#s=eyJ9", "#console", "#/guidedx"] {
            assert_eq!(View::from_fragment(fragment), View::Guided, "{fragment:?}");
        }
        assert_eq!(View::from_fragment("#/Console?x=1"), View::Console);
        assert_eq!(View::from_fragment("#/inbox/"), View::Inbox);
    }

    #[test]
    fn alt_digits_name_the_views_in_order() {
        assert_eq!(View::from_digit("1"), Some(View::Guided));
        assert_eq!(View::from_digit("5"), Some(View::Saved));
        assert_eq!(View::from_digit("0"), None);
        assert_eq!(View::from_digit("6"), None);
        assert_eq!(View::from_digit("x"), None);
    }
}
