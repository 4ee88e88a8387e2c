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
