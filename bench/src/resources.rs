//! A process's resource figures read from `/proc` (Linux): resident and
//! proportional memory, open file descriptors, the process tree, and the
//! descriptor limit raise that thousands of loopback sessions need.

use std::io;

use anyhow::Context as _;

/// `VmRSS` of `pid`, in KiB.
///
/// # Errors
/// When `/proc/PID/status` cannot be read or has no `VmRSS` (the process is gone).
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmRSS")
}

/// `Pss` of `pid` (its resident pages, each shared page divided by the
/// processes sharing it), in KiB. Summed over forked children it is the
/// memory they really add, where a sum of RSS would count shared pages
/// once per process.
///
/// # Errors
/// When `/proc/PID/smaps_rollup` cannot be read.
pub fn pss_kib(pid: u32) -> anyhow::Result<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))?;
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no Pss")
}

/// Open file descriptors of `pid`.
///
/// # Errors
/// When `/proc/PID/fd` cannot be listed.
pub fn fd_count(pid: u32) -> anyhow::Result<u64> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))?.count() as u64)
}

/// `pid` and all its descendants (children found through
/// `/proc/PID/task/*/children`).
pub fn process_tree(pid: u32) -> Vec<u32> {
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{parent}/task")) {
            for task in tasks.flatten() {
                let children =
                    std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
                tree.extend(
                    children
                        .split_whitespace()
                        .filter_map(|c| c.parse::<u32>().ok()),
                );
            }
        }
        i += 1;
    }
    tree
}

/// Sums `figure` over `pid`'s process tree, skipping processes that ended
/// between the listing and the read.
///
/// # Errors
/// When `pid` itself cannot be read.
pub fn tree_sum(pid: u32, figure: fn(u32) -> anyhow::Result<u64>) -> anyhow::Result<u64> {
    let mut total = figure(pid)?;
    for child in process_tree(pid).into_iter().skip(1) {
        total += figure(child).unwrap_or(0);
    }
    Ok(total)
}

/// Raises this process's descriptor limit (soft and hard) to at least
/// `want`, which root may do past the inherited hard limit; children
/// started afterwards inherit it. Returns the soft limit in force.
///
/// # Errors
/// When the limit cannot be read.
pub fn raise_nofile(want: u64) -> io::Result<u64> {
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE)?;
    if soft >= want {
        return Ok(soft);
    }
    if rlimit::setrlimit(rlimit::Resource::NOFILE, want, want.max(hard)).is_ok() {
        return Ok(want);
    }
    rlimit::increase_nofile_limit(want)
}

/// Raises the descriptor limit to `need` ([`raise_nofile`]) and fails
/// when the limit in force stays below it, before a run that opens about
/// that many sockets starts anything. Returns the soft limit in force.
///
/// # Errors
/// When the limit cannot be read or stays below `need`.
pub fn ensure_nofile(need: u64) -> anyhow::Result<u64> {
    let nofile = raise_nofile(need).context("raising RLIMIT_NOFILE")?;
    if nofile < need {
        anyhow::bail!("RLIMIT_NOFILE is {nofile}, need about {need}");
    }
    Ok(nofile)
}

/// This process's soft descriptor limit (children inherit it).
///
/// # Errors
/// When it cannot be read.
pub fn nofile_limit() -> io::Result<u64> {
    Ok(rlimit::getrlimit(rlimit::Resource::NOFILE)?.0)
}
