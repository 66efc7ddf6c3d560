//! The page's views (issue 20): one shown at a time, picked from the
//! navigation bar as a user does.

use std::time::Duration;

use super::{BrowserError, Page};

/// How long a view gets to show after its link is clicked.
const SHOWN: Duration = Duration::from_secs(5);

impl Page {
    /// Shows the view `name` (`guided`, `console`, `diagnostics`, `inbox`,
    /// `saved`) by clicking its link in the navigation bar, and waits until
    /// it is the one shown.
    ///
    /// # Errors
    /// When the link is missing or the view stays hidden.
    pub async fn show_view(&self, name: &str) -> Result<(), BrowserError> {
        self.click(&format!("#view-link-{name}")).await?;
        self.wait_for(&format!("#view-{name}:not([hidden])"), SHOWN)
            .await
            .map(drop)
    }
}
