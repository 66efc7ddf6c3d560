//! A team deployment on loopback: two `smtplab` replicas behind HAProxy
//! (`smtplab_e2e::haproxy`), each trusting the user header from 127.0.0.1
//! only, with its metrics listener, JSON audit log and an echo peer they
//! may relay to besides the Postfix. Each trial starts its own, so its
//! counts are its own; everything is stopped on drop.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use smtplab_e2e::bridge_process::Bridge;
use smtplab_e2e::haproxy::{free_port, Haproxy, ProxyConfig, USER_HEADER};
use smtplab_e2e::portable::http_get;

/// One replica: the bridge process, its metrics address and its pid.
pub(crate) struct Replica {
    /// The running `smtplab`.
    pub(crate) bridge: Bridge,
    /// `--metrics-listen`.
    pub(crate) metrics: SocketAddr,
    /// For SIGTERM (found by its unique `--token` in `/proc/*/cmdline`).
    pub(crate) pid: u32,
}

/// Two replicas, the proxy, the echo peer.
pub(crate) struct Team {
    /// Dropped after the proxy (field order is drop order).
    pub(crate) proxy: Haproxy,
    /// Replica 0 and 1, in HAProxy's round-robin order.
    pub(crate) replicas: Vec<Replica>,
    /// A TCP echo server on 127.0.0.1 the replicas may connect to.
    pub(crate) echo_port: u16,
}

impl Team {
    /// Starts an echo peer, two replicas allowed to reach `smtp_port` and
    /// the echo peer with the team flags plus `extra`, then HAProxy.
    ///
    /// # Errors
    /// What failed to start, with its output.
    pub(crate) fn start(smtp_port: u16, extra: &[&str]) -> Result<Self, String> {
        let echo_port = start_echo()?;
        let proxy_port = free_port().map_err(|e| e.to_string())?;
        let origin = format!("http://127.0.0.1:{proxy_port}");
        let mut replicas = Vec::new();
        for _ in 0..2 {
            let metrics =
                SocketAddr::from((Ipv4Addr::LOCALHOST, free_port().map_err(|e| e.to_string())?));
            let (echo, metrics_text) = (echo_port.to_string(), metrics.to_string());
            let mut args = vec![
                "--no-sandbox",
                "--allow-port",
                &echo,
                "--allow-origin",
                &origin,
                "--trust-proxy-header",
                USER_HEADER,
                "--trusted-proxy",
                "127.0.0.1/32",
                "--metrics-listen",
                &metrics_text,
                "--log-format",
                "json",
                // The default session limits: every proxied session comes
                // from 127.0.0.1, which as a trusted proxy is exempt from
                // the per-client ones.
            ];
            args.extend_from_slice(extra);
            let bridge = Bridge::spawn(smtp_port, &args).map_err(|e| e.to_string())?;
            let pid = pid_of(bridge.token())
                .ok_or_else(|| "cannot find the replica's pid in /proc".to_owned())?;
            replicas.push(Replica {
                bridge,
                metrics,
                pid,
            });
        }
        let addrs = replicas
            .iter()
            .map(|r| r.bridge.addr().ok_or("a replica printed no address"))
            .collect::<Result<Vec<_>, _>>()?;
        let proxy = Haproxy::start(&ProxyConfig {
            replicas: addrs,
            check_host: format!("127.0.0.1:{proxy_port}"),
            port: proxy_port,
            check_path: Some("/readyz".into()),
        })
        .map_err(|e| e.to_string())?;
        Ok(Self {
            proxy,
            replicas,
            echo_port,
        })
    }

    /// Replica `i`'s main listener.
    pub(crate) fn addr(&self, i: usize) -> SocketAddr {
        self.replicas[i]
            .bridge
            .addr()
            .expect("checked at start: every replica has an address")
    }

    /// `GET path` on replica `i`'s main listener: the status code.
    pub(crate) fn status_of(&self, i: usize, path: &str) -> Result<u16, String> {
        Ok(http_get(self.addr(i), path)?.status)
    }

    /// Replica `i`'s `/metrics` text.
    pub(crate) fn metrics(&self, i: usize) -> Result<String, String> {
        let response = http_get(self.replicas[i].metrics, "/metrics")?;
        if response.status != 200 {
            return Err(format!("/metrics of replica {i}: HTTP {}", response.status));
        }
        Ok(String::from_utf8_lossy(&response.body).into_owned())
    }

    /// The sum over both replicas of `name`'s samples carrying `labels`.
    pub(crate) fn metric_sum(&self, name: &str, labels: &[(&str, &str)]) -> Result<f64, String> {
        let mut total = 0.0;
        for i in 0..self.replicas.len() {
            total += sample_sum(&self.metrics(i)?, name, labels);
        }
        Ok(total)
    }

    /// Sessions open on replica `i`, from its `/status` (with its token).
    pub(crate) fn open_sessions(&self, i: usize) -> Result<u64, String> {
        let bridge = &self.replicas[i].bridge;
        let response = http_get(self.addr(i), &format!("/status?token={}", bridge.token()))?;
        let status: Value = serde_json::from_slice(&response.body)
            .map_err(|e| format!("/status of replica {i}: {e}"))?;
        status["sessions"]
            .as_u64()
            .ok_or_else(|| format!("/status of replica {i} has no sessions: {status}"))
    }

    /// Waits until no replica has a session open (the audit lines and the
    /// counters are written when a session ends).
    pub(crate) fn wait_idle(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let open: u64 = (0..self.replicas.len())
                .filter(|&i| self.replicas[i].bridge.addr().is_some())
                .map(|i| self.open_sessions(i).unwrap_or(0))
                .sum();
            if open == 0 {
                // The audit line is written as the session's task ends.
                thread::sleep(Duration::from_millis(200));
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{open} sessions still open after 15 s"));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Replica `i`'s audit records: the JSON lines of its stderr whose
    /// `event` is `session`.
    pub(crate) fn audit(&self, i: usize) -> Vec<Value> {
        audit_lines(&self.replicas[i].bridge.stderr())
    }

    /// Everything replica `i` wrote to stderr.
    pub(crate) fn stderr(&self, i: usize) -> String {
        self.replicas[i].bridge.stderr()
    }

    /// Sends SIGTERM to replica `i`.
    pub(crate) fn sigterm(&self, i: usize) -> Result<(), String> {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.replicas[i].pid.to_string()])
            .status()
            .map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("kill -TERM {}: {status}", self.replicas[i].pid))
        }
    }

    /// Whether replica `i`'s process still runs.
    pub(crate) fn is_running(&self, i: usize) -> bool {
        std::fs::read_to_string(format!("/proc/{}/stat", self.replicas[i].pid))
            .is_ok_and(|stat| !stat.contains(") Z "))
    }

    /// Both replicas' stderr, for failure messages.
    pub(crate) fn logs(&self) -> String {
        (0..self.replicas.len())
            .map(|i| format!("--- replica {i} stderr:\n{}", self.stderr(i)))
            .chain([format!("--- haproxy stderr:\n{}", self.proxy.stderr())])
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The JSON lines of `stderr` whose `event` is `session`.
pub(crate) fn audit_lines(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line.trim()).ok())
        .filter(|v| v["event"] == "session")
        .collect()
}

/// The sum of the samples of metric `name` (Prometheus text format) whose
/// labels include every `labels` pair.
pub(crate) fn sample_sum(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.trim().rsplit_once(' ')?;
            let (metric, rest) = match series.split_once('{') {
                Some((metric, rest)) => (metric, rest),
                None => (series, ""),
            };
            if metric != name {
                return None;
            }
            let matches = labels
                .iter()
                .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")));
            matches.then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}

/// The pid of the process whose command line holds `token`.
fn pid_of(token: &str) -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            args.windows(2)
                .any(|w| w[0] == b"--token" && w[1] == token.as_bytes())
                .then_some(pid)
        })
}

/// An echo server on 127.0.0.1 (a thread per connection); lives as long as
/// the test process.
fn start_echo() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 16 * 1024];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 || stream.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    Ok(port)
}
