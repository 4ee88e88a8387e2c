//! Shared by the end-to-end benchmarks: replacing a benchmark's own section of docs/BENCHMARKS.md,
//! and reading a process tree's memory and CPU time from /proc.

use std::path::Path;

/// Replaces the text between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` in
/// docs/BENCHMARKS.md with `section` (appending the block the first time).
pub fn write_section(name: &str, section: &str) {
    let (start, end) = (format!("<!-- bench:{name}:start -->"), format!("<!-- bench:{name}:end -->"));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/BENCHMARKS.md");
    let existing = std::fs::read_to_string(&path).expect("read docs/BENCHMARKS.md");
    let block = format!("{start}\n{}\n{end}", section.trim_end());
    let updated = match (existing.find(&start), existing.find(&end)) {
        (Some(s), Some(e)) if e > s => format!("{}{block}{}", &existing[..s], &existing[e + end.len()..]),
        _ => format!("{}\n\n{block}\n", existing.trim_end()),
    };
    let temporary = path.with_extension("md.tmp");
    std::fs::write(&temporary, updated).expect("write");
    std::fs::rename(&temporary, &path).expect("replace");
    println!("wrote {}", path.display());
}

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

/// One line naming the machine a figure was measured on: CPU model, logical CPUs, RAM, kernel.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or_else(|| format!("unknown CPU ({})", std::env::consts::ARCH), |(_, v)| v.trim().to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpu}, {cores} logical CPUs, {memory_gib:.0} GiB RAM, Linux {}", kernel.trim())
}

/// "2026-11-28 15:20 UTC": when a section was measured.
pub fn now() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("{} {:02}:{:02} UTC", now.date(), now.hour(), now.minute())
}

/// Order statistics of one benchmark line's samples.
pub struct Stats {
    sorted: Vec<std::time::Duration>,
}

impl Stats {
    /// Panics on no samples: a benchmark that measured nothing must not report a figure.
    pub fn new(mut samples: Vec<std::time::Duration>) -> Stats {
        assert!(!samples.is_empty(), "no samples");
        samples.sort();
        Stats { sorted: samples }
    }
    /// Nearest-rank quantile, `q` in 0..=1.
    pub fn quantile(&self, q: f64) -> std::time::Duration {
        let rank = (q * self.sorted.len() as f64).ceil() as usize;
        self.sorted[rank.clamp(1, self.sorted.len()) - 1]
    }
    pub fn median(&self) -> std::time::Duration {
        self.quantile(0.5)
    }
    pub fn p99(&self) -> std::time::Duration {
        self.quantile(0.99)
    }
    pub fn max(&self) -> std::time::Duration {
        self.sorted[self.sorted.len() - 1]
    }
    pub fn len(&self) -> usize {
        self.sorted.len()
    }
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }
}

/// "**met**" or "**not met**", for a target line.
pub fn verdict(met: bool) -> &'static str {
    if met { "**met**" } else { "**not met**" }
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
