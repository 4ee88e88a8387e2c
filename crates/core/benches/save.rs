//! Benchmark: the time to save one application durably and encrypted, beside a bare rusqlite INSERT
//! with the same durability settings (WAL, `synchronous = FULL`, one transaction per row), plain and
//! on SQLCipher.
//!
//! - `cargo bench -p fieldkit-core --bench save` measures 2,000 operations per line (after 50 of
//!   warm-up) and replaces this benchmark's section of docs/BENCHMARKS.md.
//! - `cargo bench -p fieldkit-core --bench save -- --quick` measures 200 per line and only prints:
//!   a p99 of 200 samples is too rough to publish.
//! - Run without `--bench` (as `cargo test --benches` / `--all-targets` does) it is a smoke run: 20
//!   samples, sanity checks, nothing written.
//!
//! Method. Each operation is timed on its own with `Instant`, so the report has medians and p99s,
//! not just means. Everything not being measured (creating the profile and signing in, registering
//! citizens, building forms, ids and references) happens outside the timed region. The lines run
//! interleaved (one operation of each in turn, the order rotating) so that the disk's fsync latency,
//! which drifts a lot on virtual machines, weighs on them all alike. The timed pass uses the
//! production settings untouched, automatic WAL checkpoints included: they are part of what a save
//! costs and show up in the p99.
//!
//! A second, diagnostic pass splits the cost: the same operations with `synchronous = OFF` (no
//! fsync, so what remains is CPU, SQLCipher and page-cache writes) and with automatic checkpoints
//! off, so the WAL frames each commit appends can be counted. A raw `write 4 KiB + fsync` line gives
//! the disk's floor.

use fieldkit_benchkit::{Stats, machine, write_section};
use fieldkit_core::{Config, LaptopPrefix, NewApplication, NewCitizen, NewOfficer, Profile, Reference, Role, Session};
use rusqlite::{Connection, TransactionBehavior, params};
use std::fmt::Write as _;
use std::io::{Seek, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use uuid::Uuid;

const TARGET_RATIO: f64 = 1.2;
/// Service of the timed pass; the diagnostic pass applies the same citizens for another service, so
/// every (citizen, service) pair is used once and the one-open-application rule never trips.
const SERVICE: &str = "national-id.first-issue";

// --- plan ----------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Full,
    Quick,
    Smoke,
}

#[derive(Debug, Clone, Copy)]
struct Plan {
    mode: Mode,
    warmup: usize,
    samples: usize,
    diagnostic_warmup: usize,
    diagnostic_samples: usize,
}

impl Plan {
    fn from_args() -> Plan {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let bench = args.iter().any(|a| a == "--bench");
        let quick = args.iter().any(|a| a == "--quick");
        let mode = match (bench, quick) {
            (true, false) => Mode::Full,
            (true, true) => Mode::Quick,
            (false, _) => Mode::Smoke,
        };
        let (warmup, samples, diagnostic_warmup, diagnostic_samples) = match mode {
            Mode::Full => (50, 2000, 20, 500),
            Mode::Quick => (20, 200, 10, 100),
            Mode::Smoke => (2, 20, 2, 10),
        };
        Plan { mode, warmup, samples, diagnostic_warmup, diagnostic_samples }
    }

    fn citizens_needed(&self) -> usize {
        (self.warmup + self.samples).max(self.diagnostic_warmup + self.diagnostic_samples)
    }
}

// --- statistics ----------------------------------------------------------------------------------

/// The smoke checks, run in every mode.
fn check(stats: &Stats, name: &str) {
    assert!(stats.min() > Duration::ZERO, "{name}: a sample of zero");
    assert!(stats.p99() >= stats.median(), "{name}: p99 below the median");
    assert!(stats.max() >= stats.p99() && stats.median() >= stats.min(), "{name}: quantiles out of order");
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

// --- what is measured ----------------------------------------------------------------------------

/// A realistic national ID application: the answers a front-desk officer types, about a dozen.
fn form(i: usize) -> serde_json::Map<String, serde_json::Value> {
    const SURNAMES: [&str; 4] = ["Ng'ang'a", "Otieno", "Wanjiru", "Kiprotich"];
    const GIVEN: [&str; 4] = ["Wambui Njeri", "Brian Ouma", "Grace Akinyi", "Kipchumba Kibet"];
    const PLACES: [(&str, &str, &str, &str); 3] = [
        ("Kangema", "021", "Kangema", "Kanyenyaini"),
        ("Kisumu", "042", "Kisumu Central", "Kondele"),
        ("Eldoret", "027", "Kapseret", "Langas"),
    ];
    let (place, county, sub_county, location) = PLACES[i % PLACES.len()];
    let value = serde_json::json!({
        "surname": SURNAMES[i % SURNAMES.len()],
        "given_names": GIVEN[i % GIVEN.len()],
        "date_of_birth": format!("19{:02}-{:02}-{:02}", 60 + i % 40, 1 + i % 12, 1 + i % 28),
        "sex": if i.is_multiple_of(2) { "female" } else { "male" },
        "place_of_birth": place,
        "county_code": county,
        "sub_county": sub_county,
        "location": location,
        "sub_location": location,
        "father_name": format!("Joseph {} Kamau", SURNAMES[(i + 1) % SURNAMES.len()]),
        "mother_name": format!("Mary Wairimu {}", SURNAMES[(i + 2) % SURNAMES.len()]),
        "phone": format!("+2547{:08}", 12_000_000 + i),
        "documents": ["birth_certificate", "parent_id_copy"],
    });
    match value {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("a json! object literal is an object"),
    }
}

trait Line {
    /// Does operation `i`; returns the time of the measured part only.
    fn op(&mut self, i: usize) -> Duration;
    /// The SQLite connection underneath, for the diagnostic pass; `None` for the raw fsync floor.
    fn connection(&self) -> Option<&Connection>;
    /// Switches to the diagnostic pass (fresh keys for the same indices).
    fn begin_diagnostic(&mut self) {}
}

/// The subject: `Session::save_and_submit` on a real profile.
struct SaveLine {
    session: Session,
    citizens: Vec<Uuid>,
    /// Where in `citizens` this pass starts: the diagnostic pass uses the second half, because a
    /// citizen has one open application per service.
    offset: usize,
}

impl SaveLine {
    fn new(dir: &Path, citizens: usize) -> SaveLine {
        // Production configuration: the KDF cost only affects this one sign-in, not saves.
        let profile = Profile::new(dir.join("profile"), Config::default());
        let prefix = LaptopPrefix::parse("K7QM").expect("valid laptop prefix");
        let officer =
            NewOfficer { number: "CM001".into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
        let mut session = profile.create(&prefix, &officer, "482913").expect("create the profile (signs in)");
        let citizens = (0..citizens)
            .map(|i| {
                let new = NewCitizen {
                    id_number: Some(format!("{}", 20_000_000 + i)),
                    surname: "Otieno".into(),
                    given_names: "Brian Ouma".into(),
                    date_of_birth: "1988-02-29".into(),
                    sex: "male".into(),
                    phone: Some("0712345678".into()),
                    county_code: Some("042".into()),
                    sub_county: None,
                    kra_pin: None,
                };
                session.register_citizen(&new).expect("register a citizen").id
            })
            .collect();
        SaveLine { session, citizens, offset: 0 }
    }
}

impl Line for SaveLine {
    fn op(&mut self, i: usize) -> Duration {
        let new = NewApplication {
            citizen_id: self.citizens[self.offset + i],
            service_id: SERVICE.into(),
            catalogue_version: Some(1),
            form: form(i),
        };
        let started = Instant::now();
        let saved = self.session.save_and_submit(&new).expect("save_and_submit");
        let elapsed = started.elapsed();
        drop(saved);
        elapsed
    }

    fn connection(&self) -> Option<&Connection> {
        Some(self.session.store().expect("the session stays unlocked").connection())
    }

    fn begin_diagnostic(&mut self) {
        self.offset = self.citizens.len() / 2;
    }
}

/// The reference: one INSERT per IMMEDIATE transaction, into a table with a primary key and one
/// index. Like the store, it prepares its statement on each call (rusqlite's statement cache is a
/// feature this workspace leaves off).
struct BareLine {
    conn: Connection,
    prefix: LaptopPrefix,
    /// Offsets the reference sequence in the diagnostic pass.
    base: usize,
}

impl BareLine {
    fn new(path: &Path, encrypted: bool) -> BareLine {
        let conn = Connection::open(path).expect("open the bare database");
        if encrypted {
            // The raw-key form the store uses, with a fresh random key: no KDF, just AES-256 pages.
            conn.pragma_update(None, "key", random_raw_key()).expect("PRAGMA key");
        }
        conn.pragma_update(None, "journal_mode", "WAL").expect("journal_mode = WAL");
        conn.pragma_update(None, "synchronous", "FULL").expect("synchronous = FULL");
        conn.execute_batch(
            "CREATE TABLE applications (
                 id          TEXT PRIMARY KEY,
                 reference   TEXT NOT NULL,
                 citizen_id  TEXT NOT NULL,
                 service_id  TEXT NOT NULL,
                 state       TEXT NOT NULL,
                 form        TEXT NOT NULL,
                 created_at  TEXT NOT NULL,
                 updated_at  TEXT NOT NULL
             ) STRICT;
             CREATE INDEX applications_outbox ON applications(created_at, id) WHERE state = 'submitted';",
        )
        .expect("create the bare schema");
        let prefix = LaptopPrefix::parse(if encrypted { "B2EN" } else { "B1PL" }).expect("valid laptop prefix");
        BareLine { conn, prefix, base: 0 }
    }
}

impl Line for BareLine {
    fn op(&mut self, i: usize) -> Duration {
        let id = Uuid::now_v7().to_string();
        let citizen_id = Uuid::now_v7().to_string();
        let sequence = u32::try_from(self.base + i + 1).expect("sequence fits u32");
        let reference = Reference::new(&self.prefix, sequence).expect("reference in range");
        let form = serde_json::to_string(&form(i)).expect("encode the form");
        let at = "2026-11-22T08:00:00.123Z";
        let started = Instant::now();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).expect("BEGIN IMMEDIATE");
        tx.execute(
            "INSERT INTO applications (id, reference, citizen_id, service_id, state, form, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'submitted', ?5, ?6, ?6)",
            params![id, reference.as_str(), citizen_id, SERVICE, form, at],
        )
        .expect("INSERT");
        tx.commit().expect("COMMIT");
        started.elapsed()
    }

    fn connection(&self) -> Option<&Connection> {
        Some(&self.conn)
    }

    fn begin_diagnostic(&mut self) {
        self.base = 500_000;
    }
}

/// The disk's floor: overwrite one 4 KiB block of a file and fsync it (what SQLite calls on a
/// commit), with no database at all.
struct FsyncFloor {
    file: std::fs::File,
    block: Vec<u8>,
}

impl FsyncFloor {
    fn new(path: &Path) -> FsyncFloor {
        let mut file = std::fs::File::create(path).expect("create the fsync probe file");
        let block = vec![0x5a_u8; 4096];
        file.write_all(&block).expect("write the probe block");
        file.sync_all().expect("fsync the probe file");
        FsyncFloor { file, block }
    }
}

impl Line for FsyncFloor {
    fn op(&mut self, i: usize) -> Duration {
        self.block[i % 4096] ^= 1;
        let started = Instant::now();
        self.file.rewind().expect("seek");
        self.file.write_all(&self.block).expect("write 4 KiB");
        self.file.sync_all().expect("fsync");
        started.elapsed()
    }

    fn connection(&self) -> Option<&Connection> {
        None
    }
}

fn random_raw_key() -> String {
    let mut bytes = [0u8; 32];
    fieldkit_core::crypto::random_bytes(&mut bytes).expect("random bytes from the OS");
    format!("x'{}'", hex::encode(bytes))
}

/// Runs the lines interleaved: operation `i` of each in turn, the order rotating with `i`. The
/// first `warmup` operations of each line are not recorded.
fn run_interleaved(lines: &mut [&mut dyn Line], warmup: usize, samples: usize) -> Vec<Stats> {
    let mut times: Vec<Vec<Duration>> = lines.iter().map(|_| Vec::with_capacity(samples)).collect();
    for i in 0..warmup + samples {
        for k in 0..lines.len() {
            let which = (i + k) % lines.len();
            let elapsed = lines[which].op(i);
            if i >= warmup {
                times[which].push(elapsed);
            }
        }
    }
    times.into_iter().map(Stats::new).collect()
}

/// The diagnostic pass: no fsync, no automatic checkpoint, WAL frames counted.
struct Diagnostic {
    no_fsync: Stats,
    wal_frames_per_op: f64,
    page_size: i64,
}

fn run_diagnostic(lines: &mut [&mut dyn Line], plan: &Plan) -> Vec<Diagnostic> {
    for line in lines.iter_mut() {
        line.begin_diagnostic();
        let conn = line.connection().expect("diagnosed lines have a connection");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).expect("checkpoint");
        conn.pragma_update(None, "wal_autocheckpoint", 0).expect("wal_autocheckpoint = 0");
        conn.pragma_update(None, "synchronous", "OFF").expect("synchronous = OFF");
    }
    let stats = run_interleaved(lines, plan.diagnostic_warmup, plan.diagnostic_samples);
    let ops = (plan.diagnostic_warmup + plan.diagnostic_samples) as f64;
    lines
        .iter()
        .zip(stats)
        .map(|(line, no_fsync)| {
            let conn = line.connection().expect("diagnosed lines have a connection");
            // Column 1 of a checkpoint's result: frames in the WAL, all appended by this pass.
            let frames: i64 =
                conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1)).expect("count WAL frames");
            // SQLCipher answers as text on a keyed connection, SQLite as an integer.
            let page_size = match conn.query_row("PRAGMA page_size", [], |r| r.get::<_, rusqlite::types::Value>(0)) {
                Ok(rusqlite::types::Value::Integer(n)) => n,
                Ok(rusqlite::types::Value::Text(t)) => t.trim().parse().expect("page size is a number"),
                other => panic!("PRAGMA page_size gave {other:?}"),
            };
            conn.pragma_update(None, "synchronous", "FULL").expect("synchronous = FULL");
            conn.pragma_update(None, "wal_autocheckpoint", 1000).expect("wal_autocheckpoint = 1000");
            Diagnostic { no_fsync, wal_frames_per_op: frames as f64 / ops, page_size }
        })
        .collect()
}

// --- the machine ---------------------------------------------------------------------------------

/// The mount holding `dir`, from /proc/mounts (longest matching mount point): type, device, options.
fn filesystem_of(dir: &Path) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let Ok(mounts) = std::fs::read_to_string("/proc/mounts") else {
        return "unknown filesystem".into();
    };
    let unescape = |s: &str| s.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\");
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (device, point, kind, options) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
            let point = PathBuf::from(unescape(point));
            dir.starts_with(&point).then(|| (point, device.to_string(), kind.to_string(), options.to_string()))
        })
        .max_by_key(|(point, ..)| point.as_os_str().len())
        .map(|(point, device, kind, options)| format!("{kind} ({device} on {}, {options})", point.display()))
        .unwrap_or_else(|| "unknown filesystem".into())
}

// --- report --------------------------------------------------------------------------------------

fn report(plan: &Plan, filesystem: &str, dir: &Path, main: &[Stats], diag: &[Diagnostic]) -> String {
    let [save, bare, bare_enc, floor] = main else { unreachable!("four lines") };
    let mut out = String::new();
    let build = if cfg!(debug_assertions) { "debug build (smoke run)" } else { "optimised build" };
    let form_bytes = serde_json::to_string(&form(0)).map(|s| s.len()).unwrap_or(0);
    let _ = writeln!(out, "### Save one application (durable, encrypted) vs a bare INSERT\n");
    let _ = writeln!(
        out,
        "Measured {} on {}; temp files under `{}` on {}; {build}.\n",
        fieldkit_benchkit::now(),
        machine(),
        dir.parent().unwrap_or(dir).display(),
        filesystem
    );
    let _ = writeln!(
        out,
        "{} timed operations per line after {} of warm-up, the lines interleaved; each operation is one \
         transaction with `journal_mode = WAL`, `synchronous = FULL` and SQLite's default automatic \
         checkpoints, timed alone with `Instant`. Form: {} answers, {form_bytes} bytes of JSON. \
         Microseconds; p99 by nearest rank.\n",
        plan.samples,
        plan.warmup,
        form(0).len()
    );
    let _ = writeln!(out, "| Operation | median | p99 | mean | min | max |");
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: |");
    let names = [
        "`Session::save_and_submit` (SQLCipher store: validation, reference, audit chain)",
        "bare rusqlite INSERT, unencrypted SQLite",
        "bare rusqlite INSERT, SQLCipher (`PRAGMA key = x'…'`)",
    ];
    for (name, s) in names.iter().zip([save, bare, bare_enc]) {
        let _ = writeln!(
            out,
            "| {name} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            us(s.median()),
            us(s.p99()),
            us(s.mean()),
            us(s.min()),
            us(s.max())
        );
    }
    let ratio = us(save.median()) / us(bare.median());
    let met = if ratio <= TARGET_RATIO { "met" } else { "not met" };
    let _ = writeln!(
        out,
        "\nTarget: median save <= {TARGET_RATIO}x median bare INSERT. Measured **{ratio:.2}x** — **{met}**. \
         (p99 ratio {:.2}x; against the SQLCipher bare INSERT {:.2}x median, {:.2}x p99.)\n",
        us(save.p99()) / us(bare.p99()),
        us(save.median()) / us(bare_enc.median()),
        us(save.p99()) / us(bare_enc.p99()),
    );
    if plan.mode == Mode::Full {
        fieldkit_benchkit::record_target(
            "save",
            &format!("save ≤ {TARGET_RATIO}x a bare INSERT (median, same fsync settings)"),
            &format!("{ratio:.2}x: {:.0} µs (p99 {:.0})", us(save.median()), us(save.p99())),
            &format!(
                "bare INSERT {:.0} µs (p99 {:.0}); SQLCipher bare INSERT {:.0} µs",
                us(bare.median()),
                us(bare.p99()),
                us(bare_enc.median())
            ),
            ratio <= TARGET_RATIO,
        );
    }

    let [d_save, d_bare, d_enc] = diag else { unreachable!("three diagnosed lines") };
    let _ = writeln!(
        out,
        "**Where the time goes.** Diagnostic pass, {} operations per line: the same work with \
         `synchronous = OFF` (no fsync: CPU, SQLCipher and writes to the page cache only) and with \
         automatic checkpoints off so the WAL frames each commit appends can be counted. The disk's \
         floor, interleaved with the timed pass: overwrite one 4 KiB block of a plain file and fsync it, \
         median {:.0} µs, p99 {:.0} µs.\n",
        plan.diagnostic_samples,
        us(floor.median()),
        us(floor.p99())
    );
    let _ = writeln!(
        out,
        "| Operation | median, fsync on | median, no fsync | difference: fsync, checkpoints | WAL pages per commit | KiB per commit |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: |");
    let short = ["save_and_submit", "bare INSERT, unencrypted", "bare INSERT, SQLCipher"];
    for ((name, s), d) in short.iter().zip([save, bare, bare_enc]).zip([d_save, d_bare, d_enc]) {
        let with = us(s.median());
        let without = us(d.no_fsync.median());
        let _ = writeln!(
            out,
            "| {name} | {with:.0} | {without:.0} | {:.0} ({:.0} %) | {:.1} | {:.1} |",
            with - without,
            100.0 * (with - without) / with,
            d.wal_frames_per_op,
            d.wal_frames_per_op * (d.page_size as f64 + 24.0) / 1024.0
        );
    }
    // The gap between save and the bare INSERT, split three ways (the terms add up exactly).
    let encryption = us(bare_enc.median()) - us(bare.median());
    let domain_cpu = us(d_save.no_fsync.median()) - us(d_enc.no_fsync.median());
    let bigger_commit =
        (us(save.median()) - us(d_save.no_fsync.median())) - (us(bare_enc.median()) - us(d_enc.no_fsync.median()));
    let _ = writeln!(
        out,
        "\nThe save's median exceeds the bare INSERT's by {:.0} µs: about {encryption:.0} µs is SQLCipher \
         (bare SQLCipher − bare plain), {domain_cpu:.0} µs the save's own work without fsync (its extra \
         queries, index and audit rows, hashing and JSON: save − bare SQLCipher, both without fsync) and \
         {bigger_commit:.0} µs the fsync of its bigger commit (the difference column, save − bare SQLCipher). \
         Medians of separate runs, so the split is approximate. Encryption alone puts a floor under the \
         ratio: a save doing nothing but one SQLCipher INSERT would already be {:.2}x the plain one.",
        us(save.median()) - us(bare.median()),
        us(bare_enc.median()) / us(bare.median()),
    );
    out
}

fn main() {
    let plan = Plan::from_args();
    // Under $TMPDIR (default /tmp): fsync cost depends on the filesystem, which the report names.
    let dir = tempfile::tempdir().expect("create a temp directory");
    let filesystem = filesystem_of(dir.path());
    eprintln!(
        "save bench: {:?} mode, {} samples per line, in {} ({})",
        plan.mode,
        plan.samples,
        dir.path().display(),
        filesystem
    );

    let mut save = SaveLine::new(dir.path(), 2 * plan.citizens_needed());
    let mut bare = BareLine::new(&dir.path().join("bare.db"), false);
    let mut bare_enc = BareLine::new(&dir.path().join("bare-sqlcipher.db"), true);
    let mut floor = FsyncFloor::new(&dir.path().join("fsync-probe"));

    let main_stats = run_interleaved(&mut [&mut save, &mut bare, &mut bare_enc, &mut floor], plan.warmup, plan.samples);
    let diag = run_diagnostic(&mut [&mut save, &mut bare, &mut bare_enc], &plan);

    let names = ["save", "bare", "bare SQLCipher", "fsync floor"];
    for (name, s) in names.iter().zip(&main_stats) {
        check(s, name);
    }
    for (name, d) in names.iter().zip(&diag) {
        check(&d.no_fsync, name);
        assert!(d.wal_frames_per_op >= 1.0, "{name}: a commit appended no WAL frame");
    }
    // The save must at least have happened: every timed application is in the outbox.
    let queued = save.session.queue().expect("read the outbox").len();
    assert_eq!(queued, plan.warmup + plan.samples + plan.diagnostic_warmup + plan.diagnostic_samples);

    let section = report(&plan, &filesystem, dir.path(), &main_stats, &diag);
    println!("{section}");
    match plan.mode {
        Mode::Full => write_section("save", &section),
        Mode::Quick => println!("(--quick: docs/BENCHMARKS.md left as it is)"),
        Mode::Smoke => {}
    }
}
