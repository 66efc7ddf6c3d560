//! A slow road to the test Postfix: a TCP forwarder on 127.0.0.1 that waits
//! before it connects onwards and holds every piece of the server's answer
//! for a while. A session through it takes seconds instead of
//! milliseconds, so a trial can change views (or press Esc) while it runs,
//! and the step timeline has times worth comparing.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// The forwarder; its threads end with the test process.
pub(crate) struct SlowProxy {
    port: u16,
}

impl SlowProxy {
    /// Listens on a free 127.0.0.1 port; each connection waits
    /// `connect_delay`, connects to `upstream`, and then relays both ways,
    /// the server's bytes each `reply_delay` late.
    pub(crate) fn start(
        upstream: SocketAddr,
        connect_delay: Duration,
        reply_delay: Duration,
    ) -> Result<Self, String> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| format!("slow proxy: bind: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("slow proxy: {e}"))?
            .port();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                thread::spawn(move || {
                    thread::sleep(connect_delay);
                    if let Ok(server) = TcpStream::connect(upstream) {
                        relay(client, server, reply_delay);
                    }
                });
            }
        });
        Ok(Self { port })
    }

    /// The port to point the guided form at.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }
}

/// Copies client → server at once and server → client `delay` late, until
/// either side closes.
fn relay(client: TcpStream, server: TcpStream, delay: Duration) {
    let (Ok(client_in), Ok(server_out)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let upward = thread::spawn(move || copy(client_in, server_out, Duration::ZERO));
    copy(server, client, delay);
    let _ = upward.join();
}

fn copy(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                thread::sleep(delay);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}
