//! Not a measurement: writes the "Targets at a glance" section of docs/BENCHMARKS.md from the
//! `bench-target` lines every benchmark printed during one `./scripts/bench` run.
//!
//! `scripts/bench` runs it last as `cargo bench -p fieldkit-e2e --bench summary` with
//! `FIELDKIT_BENCH_LOG` naming the collected output and `FIELDKIT_BENCH_MINUTES` the run's length.
//! Run without `--bench` (as `cargo test --all-targets` does) it renders a sample and writes
//! nothing.

use fieldkit_e2e::bench::{machine, now, summary, write_section};

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        let text = summary("bench-target\tsync\t≥ 5000/s\t6000/s\texchange alone 9000/s\tmet\n", "now", 1);
        assert!(text.contains("**1 of 1 targets met.**"), "{text}");
        return;
    }
    let log = std::env::var_os("FIELDKIT_BENCH_LOG").expect("FIELDKIT_BENCH_LOG: the benchmarks' collected output");
    let lines = std::fs::read_to_string(&log).expect("read the benchmarks' output");
    let minutes = std::env::var("FIELDKIT_BENCH_MINUTES").ok().and_then(|m| m.parse().ok()).unwrap_or(0);
    let section = summary(&lines, &format!("finished {} on {}", now(), machine()), minutes);
    print!("{section}");
    write_section("summary", &section);
}
