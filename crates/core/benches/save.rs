//! Benchmark: the time to save one application durably and encrypted, beside a bare rusqlite INSERT
//! with the same durability settings (WAL, synchronous = FULL, one transaction per row).
//!
//! `cargo bench -p fieldkit-core --bench save` measures 2,000 saves per line and writes the figures
//! into docs/BENCHMARKS.md. Run without `--bench` (as `cargo test --all-targets` does) it is a smoke
//! run: 20 samples, sanity checks, no file written.
//!
//! Each operation is timed on its own with `Instant`, so the report has medians and p99s, not just
//! means. Everything not being measured (signing in, registering citizens) happens before the clock
//! starts.

use fieldkit_core::{Config, LaptopPrefix, NewApplication, NewCitizen, NewOfficer, Profile, Role};
use rusqlite::{Connection, params};
use std::path::Path;
use std::time::{Duration, Instant};

const TARGET_RATIO: f64 = 1.2;

struct Stats {
    name: &'static str,
    samples: Vec<Duration>,
    /// Pages appended to the WAL per operation: what each commit writes and fsyncs.
    wal_pages_per_op: f64,
}

impl Stats {
    fn new(name: &'static str, mut samples: Vec<Duration>, wal_pages_per_op: f64) -> Stats {
        samples.sort();
        Stats { name, samples, wal_pages_per_op }
    }

    fn quantile(&self, q: f64) -> Duration {
        let index = ((self.samples.len() as f64 - 1.0) * q).round() as usize;
        self.samples[index]
    }

    fn mean(&self) -> Duration {
        self.samples.iter().sum::<Duration>() / self.samples.len() as u32
    }

    fn row(&self) -> String {
        let us = |d: Duration| format!("{:.0}", d.as_secs_f64() * 1e6);
        format!(
            "| {} | {} | {} | {} | {} | {} | {:.1} |",
            self.name,
            us(self.quantile(0.5)),
            us(self.quantile(0.99)),
            us(self.mean()),
            us(self.samples[0]),
            us(self.samples[self.samples.len() - 1]),
            self.wal_pages_per_op
        )
    }
}

/// A realistic national ID application form, about 10 answers.
fn form(i: usize) -> serde_json::Map<String, serde_json::Value> {
    let value = serde_json::json!({
        "surname": "Ng'ang'a", "given_names": "Wambui Njeri", "date_of_birth": "1990-04-12",
        "place_of_birth": "Kangema", "county": "021", "sub_county": "Kangema", "location": "Kanyenyaini",
        "sub_location": "Gacharage", "father_name": "Joseph Ng'ang'a Kamau", "father_id": "1234567",
        "mother_name": "Mary Wairimu Njoroge", "mother_id": "2345678", "phone": "+254712345678",
        "sequence": i,
    });
    value.as_object().cloned().unwrap_or_default()
}

/// Frames in the WAL since the last checkpoint (automatic checkpoints must be off).
fn wal_frames(conn: &Connection) -> f64 {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get::<_, i64>(1)).expect("wal frames") as f64
}

/// Checkpoints and truncates the WAL, then stops automatic checkpoints, so frames can be counted.
fn reset_wal(conn: &Connection) {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).expect("checkpoint");
    conn.pragma_update(None, "wal_autocheckpoint", 0).expect("autocheckpoint off");
}

fn bench_save(dir: &Path, warmup: usize, samples: usize) -> Stats {
    let profile = Profile::new(dir.join("profile"), Config::default());
    let prefix = LaptopPrefix::parse("K7QM").expect("prefix");
    let officer =
        NewOfficer { number: "CM001".into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
    let mut session = profile.create(&prefix, &officer, "482913").expect("create profile");
    let citizens: Vec<_> = (0..warmup + samples)
        .map(|i| {
            let new = NewCitizen {
                id_number: Some(format!("{}", 20_000_000 + i)),
                surname: "Otieno".into(),
                given_names: "Brian Ouma".into(),
                date_of_birth: "1988-02-29".into(),
                sex: "male".into(),
                phone: Some("0712345678".into()),
                county_code: Some("042".into()),
            };
            session.register_citizen(&new).expect("register").id
        })
        .collect();
    let mut times = Vec::with_capacity(samples);
    reset_wal(session.store().expect("unlocked").connection());
    for (i, citizen_id) in citizens.into_iter().enumerate() {
        let new = NewApplication {
            citizen_id,
            service_id: "national-id.first-issue".into(),
            catalogue_version: 1,
            form: form(i),
        };
        let started = Instant::now();
        session.save_and_submit(&new).expect("save");
        if i >= warmup {
            times.push(started.elapsed());
        }
    }
    let pages = wal_frames(session.store().expect("unlocked").connection()) / (warmup + samples) as f64;
    Stats::new("`Session::save_and_submit` (SQLCipher, audit, reference)", times, pages)
}

fn bench_bare_insert(path: &Path, key: bool, warmup: usize, samples: usize, name: &'static str) -> Stats {
    let conn = Connection::open(path).expect("open");
    if key {
        // The same raw-key form the store uses, with a fresh random key.
        conn.pragma_update(None, "key", random_raw_key()).expect("key");
    }
    conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
    conn.pragma_update(None, "synchronous", "FULL").expect("full");
    conn.execute_batch(
        "CREATE TABLE applications (id TEXT PRIMARY KEY, reference TEXT NOT NULL, citizen_id TEXT NOT NULL,
             service_id TEXT NOT NULL, state TEXT NOT NULL, form TEXT NOT NULL, created_at TEXT NOT NULL,
             updated_at TEXT NOT NULL) STRICT;
         CREATE INDEX applications_by_state ON applications(state);",
    )
    .expect("schema");
    let mut times = Vec::with_capacity(samples);
    reset_wal(&conn);
    for i in 0..warmup + samples {
        let form = serde_json::to_string(&form(i)).expect("form");
        let id = uuid::Uuid::now_v7().to_string();
        let started = Instant::now();
        let tx = conn.unchecked_transaction().expect("begin");
        tx.execute(
            "INSERT INTO applications VALUES (?1, ?2, ?3, 'national-id.first-issue', 'submitted', ?4, ?5, ?5)",
            params![id, format!("K7QM-{i:06}-X"), id, form, "2026-11-22T08:00:00.000Z"],
        )
        .expect("insert");
        tx.commit().expect("commit");
        if i >= warmup {
            times.push(started.elapsed());
        }
    }
    let pages = wal_frames(&conn) / (warmup + samples) as f64;
    Stats::new(name, times, pages)
}

fn random_raw_key() -> String {
    let mut bytes = [0u8; 32];
    fieldkit_core::crypto::random_bytes(&mut bytes).expect("random");
    format!("x'{}'", hex::encode(bytes))
}

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn machine(dir: &Path) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let kernel = command_output("uname", &["-sr"]);
    let fs = command_output("stat", &["-f", "-c", "%T", dir.to_str().unwrap_or(".")]);
    format!("{cpu}, {cores} cores, {kernel}; temp files on {fs}")
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (warmup, samples) = if full { (50, 2000) } else { (2, 20) };
    let dir = tempfile::tempdir().expect("tempdir");

    let save = bench_save(dir.path(), warmup, samples);
    let bare =
        bench_bare_insert(&dir.path().join("bare.db"), false, warmup, samples, "bare rusqlite INSERT (unencrypted)");
    let bare_encrypted =
        bench_bare_insert(&dir.path().join("bare-enc.db"), true, warmup, samples, "bare rusqlite INSERT (SQLCipher)");

    for stats in [&save, &bare, &bare_encrypted] {
        assert!(stats.samples.iter().all(|d| !d.is_zero()), "{}: a zero sample", stats.name);
        assert!(stats.quantile(0.99) >= stats.quantile(0.5), "{}: p99 below median", stats.name);
    }

    let ratio = save.quantile(0.5).as_secs_f64() / bare.quantile(0.5).as_secs_f64();
    let ratio_p99 = save.quantile(0.99).as_secs_f64() / bare.quantile(0.99).as_secs_f64();
    let met = if ratio <= TARGET_RATIO { "met" } else { "not met" };
    let date = time::OffsetDateTime::now_utc().date();
    let report = format!(
        "### Save one application (durable, encrypted) vs a bare INSERT\n\n\
         Measured {date} on {machine}. {samples} timed operations per line after {warmup} warm-up, each one\n\
         transaction with WAL and `synchronous = FULL`, timed alone with `Instant` (microseconds).\n\n\
         | Operation | median | p99 | mean | min | max | WAL pages per op |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n{}\n{}\n{}\n\n\
         Median ratio save / bare INSERT: **{ratio:.2}x** (p99 ratio {ratio_p99:.2}x); target <= {TARGET_RATIO}x: **{met}**.\n",
        save.row(),
        bare.row(),
        bare_encrypted.row(),
        machine = machine(dir.path()),
    );
    println!("{report}");
    if full {
        write_section(&report);
    }
}

/// Replaces this benchmark's section of docs/BENCHMARKS.md, keeping everything else.
fn write_section(report: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/BENCHMARKS.md");
    let (start, end) = ("<!-- bench:save:start -->", "<!-- bench:save:end -->");
    let existing = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let section = format!("{start}\n{report}{end}");
    let updated = match (existing.find(start), existing.find(end)) {
        (Some(s), Some(e)) if e > s => format!("{}{}{}", &existing[..s], section, &existing[e + end.len()..]),
        _ => format!("{}\n{}\n", existing.trim_end(), section),
    };
    std::fs::write(&path, updated).expect("write docs/BENCHMARKS.md");
    println!("wrote {}", path.display());
}
