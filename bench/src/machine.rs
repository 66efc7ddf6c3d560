//! What a run ran on: CPUs, CPU model, kernel, load average and the date,
//! read from `/proc` and `date`.

/// Logical CPUs available to this process.
pub fn nproc() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// The first `model name` in `/proc/cpuinfo`.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The kernel release.
pub fn kernel() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "unknown".into(), |s| s.trim().to_owned())
}

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".into(),
        |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

/// The 1-minute load average as a number.
pub fn load_1min() -> Option<f64> {
    load_average().split_whitespace().next()?.parse().ok()
}

/// The current UTC date and time, `YYYY-MM-DD HH:MM UTC`.
pub fn utc_now() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown date".into())
}

/// What a benchmark table's heading says of the machine: the same line for
/// the relay and the tab halves.
#[derive(Debug, Clone, Default)]
pub struct RunMachine {
    /// UTC date and time.
    pub date: String,
    /// Logical CPUs.
    pub nproc: usize,
    /// CPU model name.
    pub cpu: String,
    /// Kernel release.
    pub kernel: String,
    /// `/proc/loadavg` (1, 5, 15 min) when the run started.
    pub load_start: String,
    /// `/proc/loadavg` when it ended.
    pub load_end: String,
}

impl RunMachine {
    /// The machine now, at the end of a run that started with `load_start`
    /// (read with [`load_average`] then).
    pub fn at_end(load_start: String) -> Self {
        Self {
            date: utc_now(),
            nproc: nproc(),
            cpu: cpu_model(),
            kernel: kernel(),
            load_start,
            load_end: load_average(),
        }
    }

    /// The heading line, for a run of `secs` seconds.
    pub fn heading(&self, secs: f64) -> String {
        format!(
            "Measured {} on {} CPUs ({}), Linux {}; load average (1/5/15 min) {} at the start, {} at the end; {secs:.0} s in all.",
            self.date, self.nproc, self.cpu, self.kernel, self.load_start, self.load_end
        )
    }
}
