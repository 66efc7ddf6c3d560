//! End-to-end tests of the bridge: `run()` on 127.0.0.1:0, real TCP peers
//! from tokio listeners, a tokio-tungstenite WebSocket client, and the real
//! `smtplab_shared::smtp::Session` engine driven through it.

mod attacks;
mod connections;
mod engine;
mod handshake;
mod harness;
mod hostile_clients;
mod hostile_servers;
mod limits;
mod relay;
mod requests;
mod session;
mod targets;
mod trust_anchors;
mod wire;
