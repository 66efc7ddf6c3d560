//! End-to-end tests of the bridge: `run()` on 127.0.0.1:0, real TCP peers
//! from tokio listeners, and a tokio-tungstenite WebSocket client.

mod handshake;
mod harness;
mod limits;
mod relay;
mod session;
