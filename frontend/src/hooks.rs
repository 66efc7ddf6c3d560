//! The app's hooks: all IO lives here, never in components.
//!
//! - [`use_bridge`]: owns the WebSockets to the bridge and the SMTP engine,
//!   turns what happens into [`Action`](crate::state::Action)s.

mod use_bridge;

pub use use_bridge::use_bridge;
