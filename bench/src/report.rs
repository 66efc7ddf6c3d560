//! The benchmark's result table: medians over the repeated runs per relay,
//! direct TCP as the physical limit, smtplab's ratio to it against the
//! targets, and the machine it ran on; rendered as Markdown and written
//! into its own marked section of `docs/benchmarks.md`.

use std::fmt::Write as _;
use std::path::Path;

use crate::machine::RunMachine;
use crate::measure::idle::IdleOutcome;
use crate::stats::median;

/// Start of the generated section in `docs/benchmarks.md`.
pub const BEGIN: &str =
    "<!-- relay-bench:begin (written by scripts/bench.sh; edits here are replaced) -->";
/// End of the generated section.
pub const END: &str = "<!-- relay-bench:end -->";

/// What one route measured: one value per repeated run.
#[derive(Debug, Clone, Default)]
pub struct RouteFigures {
    /// The route's name in the table.
    pub name: String,
    /// RTT p50 per run, µs.
    pub rtt_p50_us: Vec<f64>,
    /// RTT p99 per run, µs.
    pub rtt_p99_us: Vec<f64>,
    /// Client → server throughput per run, MiB/s.
    pub upload_mib_s: Vec<f64>,
    /// Server → client throughput per run, MiB/s.
    pub download_mib_s: Vec<f64>,
    /// SMTP transaction p50 per run, ms.
    pub smtp_p50_ms: Vec<f64>,
    /// SMTP transaction p99 per run, ms.
    pub smtp_p99_ms: Vec<f64>,
    /// Idle runs: (sessions asked for, outcome).
    pub idle: Vec<(usize, IdleOutcome)>,
    /// Failures, one line each.
    pub errors: Vec<String>,
}

impl RouteFigures {
    /// Empty figures for `name`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }

    fn idle_kib(&self, asked: usize) -> Option<(f64, usize)> {
        let runs: Vec<&IdleOutcome> = self
            .idle
            .iter()
            .filter(|(a, _)| *a == asked)
            .map(|(_, o)| o)
            .collect();
        let per: Vec<f64> = runs.iter().map(|o| o.kib_per_session).collect();
        Some((median(&per)?, runs.first()?.sessions))
    }
}

/// A target's test on the ratio smtplab ÷ direct.
type Check = fn(f64) -> bool;

/// The machine and the run's settings, for the heading.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The machine, the date and the load.
    pub machine: RunMachine,
    /// Repeated runs per latency/throughput measure.
    pub reps: usize,
    /// Repeated runs per idle size.
    pub idle_reps: usize,
    /// Round trips timed per run, and the message size.
    pub rtt_count: usize,
    /// Round-trip message size, bytes.
    pub rtt_size: usize,
    /// Bytes per throughput run.
    pub total_bytes: u64,
    /// Message size for throughput.
    pub chunk: usize,
    /// SMTP transactions per run.
    pub smtp_count: usize,
    /// Idle session counts.
    pub idle_sizes: Vec<usize>,
    /// Relay versions and notes, one line each.
    pub notes: Vec<String>,
    /// Wall time of the whole run, seconds.
    pub wall_secs: f64,
    /// The command that produced it.
    pub command: String,
}

/// One target and whether smtplab met it.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The measure.
    pub measure: String,
    /// The target as text.
    pub target: String,
    /// Met, not met, or not measured (`None`).
    pub met: Option<bool>,
}

/// Renders the section (between [`BEGIN`] and [`END`], markers excluded)
/// and the verdicts.
pub fn render(ctx: &Context, routes: &[RouteFigures]) -> (String, Vec<Verdict>) {
    let direct = routes.iter().find(|r| r.name == "direct TCP");
    let bridge = routes.iter().find(|r| r.name == "smtplab");
    let others: Vec<&RouteFigures> = routes
        .iter()
        .filter(|r| r.name != "direct TCP" && r.name != "smtplab")
        .collect();
    let mut verdicts = Vec::new();
    let mut out = String::new();
    let _ = writeln!(out, "{}", ctx.machine.heading(ctx.wall_secs));
    let _ = writeln!(out, "Command: `{}`.\n", ctx.command);
    let _ = write!(
        out,
        "| measure | direct TCP | smtplab | smtplab ÷ direct | target | met |"
    );
    for o in &others {
        let _ = write!(out, " {} |", o.name);
    }
    let _ = write!(out, "\n|---|---|---|---|---|---|");
    for _ in &others {
        let _ = write!(out, "---|");
    }
    out.push('\n');

    struct Row<'a> {
        measure: String,
        get: fn(&RouteFigures) -> Option<f64>,
        decimals: usize,
        /// (target text, check on the ratio smtplab ÷ direct).
        target: Option<(&'a str, Check)>,
    }
    let rows: Vec<Row<'_>> = vec![
        Row {
            measure: format!("RTT p50, {} B messages (µs)", ctx.rtt_size),
            get: |r| median(&r.rtt_p50_us),
            decimals: 1,
            target: Some(("≤ 2.0×", |x| x <= 2.0)),
        },
        Row {
            measure: format!("RTT p99, {} B messages (µs)", ctx.rtt_size),
            get: |r| median(&r.rtt_p99_us),
            decimals: 1,
            target: None,
        },
        Row {
            measure: format!(
                "throughput client → server, {} MiB in {} KiB messages (MiB/s)",
                ctx.total_bytes >> 20,
                ctx.chunk >> 10
            ),
            get: |r| median(&r.upload_mib_s),
            decimals: 0,
            target: Some(("≥ 0.5×", |x| x >= 0.5)),
        },
        Row {
            measure: format!(
                "throughput server → client, {} MiB in {} KiB writes (MiB/s)",
                ctx.total_bytes >> 20,
                ctx.chunk >> 10
            ),
            get: |r| median(&r.download_mib_s),
            decimals: 0,
            target: None,
        },
        Row {
            measure: "SMTP transaction p50, new session each (ms)".into(),
            get: |r| median(&r.smtp_p50_ms),
            decimals: 2,
            target: Some(("≤ 2.2×", |x| x <= 2.2)),
        },
        Row {
            measure: "SMTP transaction p99 (ms)".into(),
            get: |r| median(&r.smtp_p99_ms),
            decimals: 2,
            target: None,
        },
    ];
    for row in &rows {
        let d = direct.and_then(|r| (row.get)(r));
        let b = bridge.and_then(|r| (row.get)(r));
        let ratio = match (b, d) {
            (Some(b), Some(d)) if d > 0.0 => Some(b / d),
            _ => None,
        };
        let (target, met) = match row.target {
            Some((text, check)) => {
                let met = ratio.map(check);
                verdicts.push(Verdict {
                    measure: row.measure.clone(),
                    target: text.to_owned(),
                    met,
                });
                (text, met)
            }
            None => ("", None),
        };
        let _ = write!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            row.measure,
            num(d, row.decimals),
            num(b, row.decimals),
            ratio.map_or("–".into(), |x| format!("{x:.2}×")),
            target,
            yes_no(met, row.target.is_some()),
        );
        for o in &others {
            let v = (row.get)(o);
            let cell = match (v, d) {
                (Some(v), Some(d)) if d > 0.0 => {
                    format!("{} ({:.2}×)", num(Some(v), row.decimals), v / d)
                }
                _ => num(v, row.decimals),
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    for &asked in &ctx.idle_sizes {
        let measure = format!("memory per idle session, {asked} sessions (KiB)");
        let b = bridge.and_then(|r| r.idle_kib(asked));
        // The count is judged in its own row; this one is the memory.
        let met = b.map(|(kib, _)| kib <= 16.0);
        verdicts.push(Verdict {
            measure: measure.clone(),
            target: "≤ 16 KiB".into(),
            met,
        });
        let _ = write!(
            out,
            "| {measure} | – | {} | – | ≤ 16 KiB | {} |",
            match b {
                Some((kib, n)) if n != asked => format!("{kib:.1} (at {n} sessions)"),
                other => num(other.map(|x| x.0), 1),
            },
            yes_no(met, true)
        );
        for o in &others {
            let cell = match o.idle_kib(asked) {
                Some((kib, n)) if n == asked => format!("{kib:.1}"),
                Some((kib, n)) => format!("{kib:.1} (at {n} sessions)"),
                None => "–".into(),
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    let most = ctx.idle_sizes.iter().copied().max().unwrap_or(0);
    let held = |r: &RouteFigures| {
        r.idle
            .iter()
            .filter(|(a, _)| *a == most)
            .map(|(_, o)| o.sessions)
            .min()
    };
    let b_held = bridge.and_then(held);
    let met = Some(b_held.is_some_and(|n| n >= 10_000));
    verdicts.push(Verdict {
        measure: "concurrent sessions".into(),
        target: "10 000".into(),
        met,
    });
    let _ = write!(
        out,
        "| concurrent idle sessions held | – | {} | – | 10 000 | {} |",
        b_held.map_or("–".into(), |n| n.to_string()),
        yes_no(met, true)
    );
    for o in &others {
        let _ = write!(
            out,
            " {} |",
            o.idle
                .iter()
                .map(|(_, x)| x.sessions)
                .max()
                .map_or("–".into(), |n| n.to_string())
        );
    }
    out.push('\n');
    let fds = |r: &RouteFigures| -> Option<(String, bool)> {
        if r.idle.is_empty() {
            return None;
        }
        let back = r.idle.iter().all(|(_, o)| o.fds_after <= o.fds_before);
        let text = r
            .idle
            .iter()
            .map(|(_, o)| format!("{}→{}→{}", o.fds_before, o.fds_open, o.fds_after))
            .collect::<Vec<_>>()
            .join(", ");
        Some((text, back))
    };
    let b_fds = bridge.and_then(fds);
    let met = b_fds.as_ref().map(|(_, back)| *back);
    verdicts.push(Verdict {
        measure: "descriptors back to baseline after close".into(),
        target: "yes".into(),
        met,
    });
    let _ = write!(
        out,
        "| relay's file descriptors before → open → after close, per idle run | – | {} | – | back to baseline | {} |",
        b_fds.map_or("–".into(), |x| x.0),
        yes_no(met, true)
    );
    for o in &others {
        let _ = write!(out, " {} |", fds(o).map_or("–".into(), |x| x.0));
    }
    out.push('\n');

    let _ = writeln!(out, "\nEach cell is the median over the repeated runs ({} runs per latency and throughput measure, {} per idle size); the runs alternate between the relays so that each sees the same background load. Per-run values:\n", ctx.reps, ctx.idle_reps);
    for r in routes {
        let list = |v: &Vec<f64>, d: usize| {
            v.iter()
                .map(|x| format!("{x:.d$}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let idle = r
            .idle
            .iter()
            .map(|(a, o)| format!("{a}: {:.1}", o.kib_per_session))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "- {}: RTT p50 [{}] µs, p99 [{}] µs; up [{}] MiB/s, down [{}] MiB/s; SMTP p50 [{}] ms; idle KiB/session [{}]{}",
            r.name,
            list(&r.rtt_p50_us, 1),
            list(&r.rtt_p99_us, 1),
            list(&r.upload_mib_s, 0),
            list(&r.download_mib_s, 0),
            list(&r.smtp_p50_ms, 2),
            idle,
            if r.errors.is_empty() {
                String::new()
            } else {
                format!("; failures: {}", r.errors.join("; "))
            }
        );
    }
    let _ = writeln!(
        out,
        "\nHow: everything runs on 127.0.0.1 in one program (`bench/src/bin/bench.rs`), which starts as child processes the release `smtplab` binary (`RUST_LOG=warn`), the other relays, and itself with `--serve` as the server process: the TCP peers (echo, counting sink, source) and the SMTP sandbox (`smtplab_sandbox::start`, a real SMTP server). \
Round trips: one session, {} warm-up then {} round trips of {} B, each sent after the previous echo came back whole; p50 and p99 per run. \
Throughput: one session per run; client → server sends {} bytes in {} B binary messages and stops the clock when the sink's count (which must equal what was sent) comes back; server → client has the peer write the same amount and the client count it. \
SMTP: {} transactions per run, each on a new session (connect, and for smtplab the WebSocket handshake, `hello`, `connect`, `connected`), then EHLO, AUTH LOGIN (user, password), MAIL, RCPT, DATA, the message, QUIT, each sent after the previous reply; timed to the `221`. \
Idle memory: a fresh relay process per run; 8 warm-up sessions, then the RSS (websockify: PSS summed over its forked processes), then N more sessions opened to the peer and left idle, then the RSS again; growth ÷ N. The client WebSockets use 4 KiB read buffers (the client's memory is not the relay's). \
websocat and websockify speak no control protocol: each instance relays every WebSocket to one fixed TCP server, so their clients skip `hello`/`connect` and their figures are those of a raw relay; smtplab's include the protocol (and, per SMTP transaction, one more round trip for `connect`).",
        ctx.rtt_count / 10,
        ctx.rtt_count,
        ctx.rtt_size,
        ctx.total_bytes,
        ctx.chunk,
        ctx.smtp_count
    );
    for note in &ctx.notes {
        let _ = writeln!(out, "- {note}");
    }
    (out, verdicts)
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or("–".into(), |x| format!("{x:.decimals$}"))
}

fn yes_no(met: Option<bool>, has_target: bool) -> &'static str {
    match (met, has_target) {
        (_, false) => "",
        (Some(true), _) => "yes",
        (Some(false), _) => "**no**",
        (None, _) => "not measured",
    }
}

/// Replaces the marked section of `path` with `section` (creating the file,
/// or appending the section under `heading`, when there is none yet).
///
/// # Errors
/// When the file cannot be read or written.
pub fn write_section(path: &Path, heading: &str, section: &str) -> std::io::Result<()> {
    write_block(path, heading, (BEGIN, END), section)
}

/// Replaces the block between the `markers` (begin, end) in `path` with
/// `section`, keeping a blank line before what follows; without the
/// markers (or the file), appends `heading` and the block. Shared by the
/// relay and the tab benchmarks, each with its own markers.
///
/// # Errors
/// When the file cannot be read or written.
pub fn write_block(
    path: &Path,
    heading: &str,
    (begin, end): (&str, &str),
    section: &str,
) -> std::io::Result<()> {
    let block = format!("{begin}\n{section}{end}\n");
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "# Benchmarks\n".to_owned(),
        Err(e) => return Err(e),
    };
    let new = match (old.find(begin), old.find(end)) {
        (Some(b), Some(e)) if b < e => {
            let rest = old[e + end.len()..].trim_start_matches('\n');
            let gap = if rest.is_empty() { "" } else { "\n" };
            format!("{}{block}{gap}{rest}", &old[..b])
        }
        _ => format!("{}\n\n{heading}\n\n{block}", old.trim_end()),
    };
    std::fs::write(path, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_is_replaced_and_the_rest_kept() {
        let dir = std::env::temp_dir().join(format!("bench-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("benchmarks.md");
        std::fs::write(&path, "# Benchmarks\n\n## Tab\n\nkept\n").expect("write");
        write_section(&path, "## Relay", "first\n").expect("section");
        write_section(&path, "## Relay", "second\n").expect("section");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("## Tab\n\nkept"), "{text}");
        assert!(text.contains("second") && !text.contains("first"), "{text}");
        assert_eq!(text.matches("## Relay").count(), 1, "{text}");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
