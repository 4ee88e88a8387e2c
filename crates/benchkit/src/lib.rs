//! What every Field Kit benchmark shares, so that each figure in docs/BENCHMARKS.md is computed,
//! labelled and written the same way: nearest-rank statistics ([`Stats`]), the machine and time a
//! section was measured ([`machine`], [`now`]), target verdicts that `scripts/bench` collects into
//! the summary ([`record_target`], [`summary`]), and replacing a benchmark's own section of the
//! file ([`write_section`]).
//!
//! Used by the core crate's benchmarks (`crates/core/benches`) and by the end-to-end ones
//! (`tests/benches`, through `fieldkit_e2e::bench`).

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Order statistics of one benchmark line's samples.
#[derive(Debug, Clone)]
pub struct Stats {
    sorted: Vec<Duration>,
}

impl Stats {
    /// Panics on no samples: a benchmark that measured nothing must not report a figure.
    pub fn new(mut samples: Vec<Duration>) -> Stats {
        assert!(!samples.is_empty(), "no samples");
        samples.sort();
        Stats { sorted: samples }
    }

    /// Nearest-rank quantile, `q` in 0..=1: the smallest sample with at least `q` of all samples
    /// at or below it.
    pub fn quantile(&self, q: f64) -> Duration {
        let rank = (q * self.sorted.len() as f64).ceil() as usize;
        self.sorted[rank.clamp(1, self.sorted.len()) - 1]
    }

    pub fn median(&self) -> Duration {
        self.quantile(0.5)
    }

    pub fn p99(&self) -> Duration {
        self.quantile(0.99)
    }

    pub fn mean(&self) -> Duration {
        self.sorted.iter().sum::<Duration>() / self.sorted.len() as u32
    }

    pub fn min(&self) -> Duration {
        self.sorted[0]
    }

    pub fn max(&self) -> Duration {
        self.sorted[self.sorted.len() - 1]
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }
}

/// One line naming the machine a figure was measured on: CPU model, logical CPUs, RAM, kernel.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name") || l.starts_with("Model") || l.starts_with("Hardware"))
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

/// "**met**" or "**not met**", for a target line.
pub fn verdict(met: bool) -> &'static str {
    if met { "**met**" } else { "**not met**" }
}

/// docs/BENCHMARKS.md in this workspace.
pub fn benchmarks_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/BENCHMARKS.md")
}

/// Replaces the text between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` in
/// docs/BENCHMARKS.md with `section` (appending the block the first time), through a temporary
/// file and a rename so a benchmark killed half-way leaves the file as it was.
pub fn write_section(name: &str, section: &str) {
    let path = benchmarks_file();
    let existing = std::fs::read_to_string(&path).expect("read docs/BENCHMARKS.md");
    let updated = replace_section(&existing, name, section);
    let temporary = path.with_extension(format!("md.{name}.tmp"));
    std::fs::write(&temporary, updated).expect("write docs/BENCHMARKS.md's temporary copy");
    std::fs::rename(&temporary, &path).expect("replace docs/BENCHMARKS.md");
    println!("wrote {}", path.display());
}

fn replace_section(existing: &str, name: &str, section: &str) -> String {
    let (start, end) = (format!("<!-- bench:{name}:start -->"), format!("<!-- bench:{name}:end -->"));
    let block = format!("{start}\n{}\n{end}", section.trim_end());
    match (existing.find(&start), existing.find(&end)) {
        (Some(s), Some(e)) if e > s => format!("{}{block}{}", &existing[..s], &existing[e + end.len()..]),
        _ => format!("{}\n\n{block}\n", existing.trim_end()),
    }
}

/// Prints one target's verdict as a `bench-target` line (tab-separated: bench, target, measured,
/// reference, met or not met). `scripts/bench` collects these lines from every benchmark's output
/// into the summary at the top of docs/BENCHMARKS.md ([`summary`]).
pub fn record_target(bench: &str, target: &str, measured: &str, reference: &str, met: bool) {
    println!("{}", target_line(bench, target, measured, reference, met));
}

fn target_line(bench: &str, target: &str, measured: &str, reference: &str, met: bool) -> String {
    let clean = |s: &str| s.replace(['\t', '\n'], " ");
    format!(
        "bench-target\t{}\t{}\t{}\t{}\t{}",
        clean(bench),
        clean(target),
        clean(measured),
        clean(reference),
        if met { "met" } else { "not met" }
    )
}

/// The summary section from collected `bench-target` lines (other lines are ignored): one row per
/// target, in the order the benchmarks ran, and a count of targets met.
pub fn summary(lines: &str, measured_on: &str, minutes: u64) -> String {
    let rows: Vec<Vec<&str>> = lines
        .lines()
        .filter_map(|l| l.strip_prefix("bench-target\t"))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|fields| fields.len() == 5)
        .collect();
    let met = rows.iter().filter(|r| r[4] == "met").count();
    let mut out = format!(
        "## Targets at a glance\n\nFrom `./scripts/bench` ({minutes} min of benchmarks), {measured_on}. Each \
         figure beside its reference measured in the same run; how each was measured is in its section below. \
         **{met} of {} targets met.**\n\n| benchmark | target (issue 10) | measured | reference, same run | verdict |\n\
         |---|---|---|---|---|\n",
        rows.len()
    );
    for r in &rows {
        let verdict = if r[4] == "met" { "met" } else { "**not met**" };
        out.push_str(&format!("| {} | {} | {} | {} | {verdict} |\n", r[0], r[1], r[2], r[3]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let stats = Stats::new((1..=200).rev().map(Duration::from_millis).collect());
        assert_eq!(stats.median(), Duration::from_millis(100));
        assert_eq!(stats.p99(), Duration::from_millis(198));
        assert_eq!((stats.min(), stats.max()), (Duration::from_millis(1), Duration::from_millis(200)));
        let one = Stats::new(vec![Duration::from_millis(7)]);
        assert_eq!((one.median(), one.p99()), (Duration::from_millis(7), Duration::from_millis(7)));
    }

    #[test]
    fn a_section_is_replaced_in_place_or_appended_once() {
        let doc = "# Benchmarks\n\n<!-- bench:a:start -->\nold\n<!-- bench:a:end -->\n\nnotes by hand\n";
        let replaced = replace_section(doc, "a", "new\n");
        assert_eq!(replaced, "# Benchmarks\n\n<!-- bench:a:start -->\nnew\n<!-- bench:a:end -->\n\nnotes by hand\n");
        let appended = replace_section(&replaced, "b", "first");
        assert!(appended.ends_with("notes by hand\n\n<!-- bench:b:start -->\nfirst\n<!-- bench:b:end -->\n"));
        assert_eq!(replace_section(&appended, "b", "second").matches("bench:b:start").count(), 1);
    }

    #[test]
    fn the_summary_lists_every_target_line_and_counts_those_met() {
        let collected = format!(
            "noise\n{}\n{}\nbench-target\tbroken line\n",
            target_line("save", "≤ 1.2x", "2.9x", "bare INSERT 172 µs", false),
            target_line("documents", "slip ≤ 10 ms", "4.6\tms", "minimal PDF 0.3 ms", true)
        );
        let text = summary(&collected, "2026-11-28 on a test machine", 25);
        assert!(text.contains("**1 of 2 targets met.**"), "{text}");
        assert!(text.contains("| save | ≤ 1.2x | 2.9x | bare INSERT 172 µs | **not met** |"), "{text}");
        assert!(text.contains("| documents | slip ≤ 10 ms | 4.6 ms | minimal PDF 0.3 ms | met |"), "{text}");
        assert!(!text.contains("broken"), "{text}");
    }
}
