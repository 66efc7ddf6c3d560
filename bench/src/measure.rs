//! The measurements, each over a [`Route`](crate::route::Route) so the same
//! code times direct TCP, the bridge and the other relays.
//!
//! - [`rtt`]: round trips of small messages through one session.
//! - [`throughput`]: one direction, a fixed byte count, counted at the
//!   receiving end.
//! - [`idle`]: memory and descriptors of many idle sessions.
//! - [`smtp`]: whole SMTP transactions, each on a new session.

pub mod idle;
pub mod rtt;
pub mod smtp;
pub mod throughput;
