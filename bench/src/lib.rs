//! smtplab's load and benchmark programs, and the pieces they share: the
//! real bridge as a child process, the TCP peers, the client side of the
//! control protocol, other relays for comparison, `/proc` figures and the
//! result table.
//!
//! # Layout
//! - [`bridge`]: `smtplab` as a child process on 127.0.0.1.
//! - [`deadline`]: a whole run bounded in time.
//! - [`servers`]: the peers and the SMTP sandbox in a process of their own.
//! - [`session`]: a client WebSocket session (`hello`, `connect`, `connected`).
//! - [`peer`]: the TCP peers (echo, counting sink, source, faulty ones).
//! - [`route`]: direct TCP, the bridge, or a raw relay, behind one [`route::Conn`].
//! - [`relay`]: websocat and websockify as child processes.
//! - [`measure`]: round trips, throughput, idle sessions, SMTP transactions.
//! - [`resources`]: RSS, PSS and descriptor counts from `/proc`; `RLIMIT_NOFILE`.
//! - [`stats`]: percentiles and medians.
//! - [`machine`]: CPU, kernel, load and date for the report.
//! - [`report`]: the Markdown table and `docs/benchmarks.md`.
//! - [`suite`]: the whole benchmark run over every route.
//!
//! Binaries: `load` (faults under load, `scripts/load.sh`) and `bench`
//! (the performance table, `scripts/bench.sh`).

pub mod bridge;
pub mod deadline;
pub mod machine;
pub mod measure;
pub mod peer;
pub mod relay;
pub mod report;
pub mod resources;
pub mod route;
pub mod servers;
pub mod session;
pub mod stats;
pub mod suite;
