//! Shared by the end-to-end benchmarks: what every benchmark shares (statistics, the machine line,
//! target verdicts, writing a section of docs/BENCHMARKS.md) comes from `fieldkit-benchkit`; this
//! adds reading a process tree's memory and CPU time from /proc.

pub use fieldkit_benchkit::{Stats, machine, now, record_target, summary, verdict, write_section};
use std::path::Path;

/// `pid` and every process descended from it.
pub fn process_tree(pid: u32) -> Vec<u32> {
    let mut tree = vec![pid];
    let mut index = 0;
    while index < tree.len() {
        let parent = tree[index];
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // Field 4 (ppid) follows the parenthesised command name, which may hold spaces.
            let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
            if ppid == Some(parent) && !tree.contains(&child) {
                tree.push(child);
            }
        }
        index += 1;
    }
    tree
}

/// Resident memory of `pids` together, in bytes (VmRSS).
pub fn rss_bytes(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .filter_map(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .sum::<u64>()
        * 1024
}

/// User plus system CPU time of `pids` together, in clock ticks.
pub fn cpu_ticks(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|stat| {
            let rest = stat.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            // After the name: state is field 3, so utime (14) and stime (15) sit at 11 and 12.
            Some(rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?)
        })
        .sum()
}

/// The pid of the running process whose executable is `binary`.
pub fn pid_of(binary: &Path) -> Option<u32> {
    let wanted = std::fs::canonicalize(binary).ok()?;
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
        (std::fs::read_link(entry.path().join("exe")).ok()? == wanted).then_some(pid)
    })
}

/// Proportional set size of `pids` together, in bytes: each process's `Pss:` line of
/// /proc/PID/smaps_rollup (pages shared between processes counted once, split among them).
/// Processes that have gone (or cannot be read) count nothing.
pub fn pss_bytes(pids: &[u32]) -> u64 {
    pids.iter().filter_map(|&pid| pss_of(pid)).sum()
}

/// One process's proportional set size in bytes, from /proc/PID/smaps_rollup.
pub fn pss_of(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = rollup.lines().find(|l| l.starts_with("Pss:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// The command name of `pid` (/proc/PID/comm, at most 15 characters: "WebKitWebProces").
pub fn process_name(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).ok().map(|name| name.trim_end().to_string())
}

/// The running process whose command line (program and arguments) satisfies `wanted`.
pub fn pid_with_cmdline(wanted: impl Fn(&[String]) -> bool) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
        let raw = std::fs::read(entry.path().join("cmdline")).ok()?;
        let args: Vec<String> =
            raw.split(|&b| b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
        wanted(&args).then_some(pid)
    })
}

/// The process among `root`'s descendants (see [`process_tree`]) whose executable is `binary`.
pub fn descendant_running(root: u32, binary: &Path) -> Option<u32> {
    let wanted = std::fs::canonicalize(binary).ok()?;
    process_tree(root)
        .into_iter()
        .find(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == wanted))
}
