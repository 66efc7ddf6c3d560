//! The app's hooks: all IO lives here, never in components.
//!
//! - [`use_bridge`]: owns the WebSockets to the bridge and the SMTP engine,
//!   turns what happens into [`Action`](crate::state::Action)s.
//! - [`use_persistence`]: `localStorage` (saved sessions, language), the
//!   share-link fragment, file import.

mod use_bridge;
mod use_persistence;

pub use use_bridge::use_bridge;
pub use use_persistence::{use_persistence, PersistenceHandle, LANG_KEY};
