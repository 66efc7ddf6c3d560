//! The app's hooks: all IO lives here, never in components.
//!
//! - `batched_dispatch`: the driver's actions reach the reducer at most
//!   once per frame, so renders do not pace an SMTP session.
//! - [`use_bridge`]: owns the WebSockets to the bridge (the probe, a guided
//!   run's and the console's, each run or console connection a
//!   [`LinkSocket`](crate::link_socket::LinkSocket)), turns what happens
//!   into [`Action`](crate::state::Action)s.
//! - [`use_checks`]: drives the Diagnostics checks (`resolve` sockets and
//!   one [`LinkSocket`](crate::link_socket::LinkSocket) per session).
//! - [`use_persistence`]: `localStorage` (saved sessions, language), the
//!   share-link fragment, file import.
//! - [`use_files`]: the composer's picked files (attachments, an .eml).
//! - [`use_sandbox`]: the bridge's SMTP sandbox (`/sandbox`) and its inbox.
//! - [`use_version`]: the bridge's version (`/status`) for the footer.
//! - [`use_view`]: the view the URL fragment names (`hashchange`).
//! - [`use_theme`]: the colour theme (choice in `localStorage`, the
//!   system's `prefers-color-scheme` watched live, `<html data-theme>`).
//! - [`use_shortcuts`]: the page's keyboard shortcuts (window `keydown`).

mod batched_dispatch;
mod use_bridge;
mod use_checks;
mod use_files;
mod use_persistence;
mod use_sandbox;
mod use_shortcuts;
mod use_theme;
mod use_version;
mod use_view;

pub(crate) use use_bridge::{use_bridge, ConsoleTarget};
pub(crate) use use_checks::use_checks;
pub(crate) use use_files::use_files;
pub(crate) use use_persistence::use_persistence;
pub(crate) use use_sandbox::use_sandbox;
pub(crate) use use_shortcuts::{use_shortcuts, Shortcut};
pub(crate) use use_theme::use_theme;
pub(crate) use use_version::use_version;
pub(crate) use use_view::use_view;
