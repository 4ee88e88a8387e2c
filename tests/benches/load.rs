//! Benchmark: `huduma-sync` under many laptops at once, on SQLite and on PostgreSQL.
//!
//! Every simulated laptop has its own enrolled device certificate (issued by the deployment CA
//! and registered in the server's device registry, as `huduma-sync device enrol` does) and its
//! own [`SyncClient`], the laptop's real client: reqwest over rustls, TLS 1.3, the CA pinned,
//! the laptop's certificate presented, request bodies gzip'd as a laptop gzips them, one
//! keep-alive connection. Like a laptop whose link has just come back with a full outbox, each
//! pushes batches of [`BATCH`] queued applications back to back, each batch only after the
//! previous one was acknowledged (closed loop). The applications are wire records made by a real
//! laptop profile (`Session::outbox_records` after `capture`), given a fresh id and a reference
//! of the simulated laptop for each push, and their content hash recomputed as the laptop does
//! (`ApplicationRecord::new`).
//!
//! The server runs in this process, on its own tokio runtime (two worker threads and its own
//! blocking pool, as the `huduma-sync serve` binary has on two cores), through the same
//! `huduma_sync::serve::serve` accept loop, TLS configuration and storage backends the binary
//! uses; the load generator runs on a second runtime. On a two-core machine the two compete for
//! the CPU, so the figures are a floor for a server on its own machine.
//!
//! Per level: every laptop first connects (TLS handshake) and pushes one warm-up batch; none of
//! that is timed. Then all start together and push for a fixed time (full mode) or a fixed
//! number of batches (smoke mode). Latency is the time from handing a batch to the client to
//! having the server's acknowledgement of it; failed requests count as errors (by kind), are
//! retried like a laptop would retry, and are not in the latency figures.
//!
//! - `cargo bench -p fieldkit-e2e --bench load` (passes `--bench`): 50, 200 and 500 laptops on
//!   SQLite and, when `PGHOST` is set (run it under `pg_virtualenv`), PostgreSQL; with one laptop
//!   alone and `/health` under the same concurrency as references; rewrites this benchmark's
//!   section of docs/BENCHMARKS.md.
//! - Without `--bench` (as `cargo test --all-targets` runs it): 5 laptops, 2 batches each, on each
//!   backend available; every application acknowledged and stored, no errors; nothing written.

use fieldkit_core::sync::SyncClient;
use fieldkit_core::{LaptopPrefix, Reference};
use fieldkit_e2e::bench::{Stats, cpu_ticks, machine, now, process_tree, verdict, write_section};
use fieldkit_e2e::{OFFICER, PIN, capture, postgres, provision};
use fieldkit_protocol::{ApplicationRecord, Enrolment, PushOutcome};
use huduma_sync::pki::{self, DeviceCredentials};
use huduma_sync::storage::postgres::PostgresStorage;
use huduma_sync::storage::review::NewAudit;
use huduma_sync::storage::sqlite::SqliteStorage;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::sync::{Barrier, oneshot};
use uuid::Uuid;

/// Applications per push.
const BATCH: usize = 20;
/// Target from issue 10: this many laptops on PostgreSQL, no errors, p99 at most this.
const TARGET_LAPTOPS: usize = 500;
const TARGET_P99: Duration = Duration::from_millis(250);
/// The paced line: each laptop sends a batch this often (about what a 50 kbit/s link allows for a
/// gzip'd batch of 20 and its round trip), so 500 laptops offer 500 batches a second.
const PACE: Duration = Duration::from_secs(1);

/// When a laptop stops pushing.
#[derive(Clone, Copy)]
enum Until {
    Batches(usize),
    Elapsed(Duration),
}

impl Until {
    fn done(self, requests: usize, since: Instant) -> bool {
        match self {
            Until::Batches(n) => requests >= n,
            Until::Elapsed(d) => since.elapsed() >= d,
        }
    }
    fn describe(self) -> String {
        match self {
            Until::Batches(n) => format!("{n} batches each"),
            Until::Elapsed(d) => format!("{} s", d.as_secs()),
        }
    }
}

/// What one laptop saw.
#[derive(Default)]
struct Laptop {
    /// Timed requests (after the warm-up), failed ones included.
    requests: usize,
    /// Acknowledgement latencies of the timed requests that were acknowledged.
    latencies: Vec<Duration>,
    /// Applications acknowledged in the timed part.
    applications: u64,
    /// Applications acknowledged in all, warm-up included: each must be stored on the server.
    acknowledged: u64,
    /// Applications pushed at least once: the server may hold no more than these.
    attempted: u64,
    errors: BTreeMap<String, u32>,
    finished: Option<Instant>,
}

/// One line of the table: a level's laptops together.
struct Line {
    label: String,
    laptops: usize,
    requests: usize,
    applications: u64,
    seconds: f64,
    latencies: Stats,
    errors: BTreeMap<String, u32>,
    /// CPU seconds over the timed part: the server (its threads in this process, and the
    /// PostgreSQL backends when on PostgreSQL) and the load generator.
    server_cpu: f64,
    load_cpu: f64,
    /// The machine's 1-minute load average at the end: other work on it shows here.
    load_average: f64,
}

impl Line {
    fn error_count(&self) -> u32 {
        self.errors.values().sum()
    }
    fn cells(&self, backend: &str, reference: bool) -> String {
        let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
        let apps = if reference { "–".to_string() } else { self.applications.to_string() };
        let per_second =
            if reference { "–".to_string() } else { format!("**{:.0}**", self.applications as f64 / self.seconds) };
        let errors = match self.error_count() {
            0 => "0".to_string(),
            n => format!("**{n}** ({})", kinds(&self.errors)),
        };
        format!(
            "| {backend} | {} | {} | {} | {} | {per_second} | {:.0} | {} | **{}** | {} | {errors} | {:.0} % / {:.0} % | \
             {:.1} |",
            self.label,
            self.laptops,
            self.requests,
            apps,
            self.requests as f64 / self.seconds,
            ms(self.latencies.median()),
            ms(self.latencies.p99()),
            ms(self.latencies.max()),
            self.server_cpu / self.seconds * 100.0,
            self.load_cpu / self.seconds * 100.0,
            self.load_average,
        )
    }
}

fn kinds(errors: &BTreeMap<String, u32>) -> String {
    errors.iter().map(|(kind, n)| format!("{kind} ×{n}")).collect::<Vec<_>>().join("; ")
}

/// Device ids `K000`, `K001`, …: four Crockford base-32 characters, as enrolment requires.
fn device_id(index: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let digit = |n: usize| ALPHABET[n % 32] as char;
    format!("K{}{}{}", digit(index / 1024), digit(index / 32), digit(index))
}

/// A simulated laptop's outbox: the template records, each push under a fresh id and the next
/// reference of this laptop.
struct Outbox {
    prefix: LaptopPrefix,
    templates: Arc<Vec<ApplicationRecord>>,
    sequence: u32,
}

impl Outbox {
    fn next_batch(&mut self) -> Vec<ApplicationRecord> {
        (0..BATCH)
            .map(|_| {
                self.sequence += 1;
                let template = &self.templates[self.sequence as usize % self.templates.len()];
                let id = Uuid::now_v7();
                let reference = Reference::new(&self.prefix, self.sequence).expect("reference");
                let mut body = template.body.clone();
                body["application"]["id"] = serde_json::json!(id);
                body["application"]["reference"] = serde_json::json!(reference.as_str());
                ApplicationRecord::new(
                    id,
                    template.revision,
                    template.catalogue_version,
                    template.service_id.clone(),
                    reference.as_str(),
                    body,
                )
            })
            .collect()
    }
}

/// Wire records of `count` applications captured by a real laptop profile.
fn templates(root: &Path, count: u32) -> Vec<ApplicationRecord> {
    let profile = provision(&root.join("template-laptop"));
    let mut session = profile.sign_in(OFFICER, PIN).expect("sign in");
    capture(&mut session, 30_000_000, count);
    let records = session.outbox_records(count as usize).expect("outbox");
    assert_eq!(records.len(), count as usize);
    records
}

/// One push, its answer tallied into `laptop`; the batch back if it must be sent again.
async fn push(
    client: &SyncClient,
    batch: Vec<ApplicationRecord>,
    laptop: &mut Laptop,
    timed: bool,
) -> Option<Vec<ApplicationRecord>> {
    let retry = batch.clone();
    let sent = batch.len();
    let started = Instant::now();
    let answer = client.push(batch).await;
    let latency = started.elapsed();
    let phase = if timed { "" } else { "warm-up: " };
    match answer {
        Ok((response, _)) => {
            if timed {
                laptop.latencies.push(latency);
            }
            if response.results.len() != sent {
                *laptop
                    .errors
                    .entry(format!("{phase}{} results for {sent} records", response.results.len()))
                    .or_default() += 1;
            }
            for result in &response.results {
                if result.outcome.is_acknowledged() {
                    laptop.acknowledged += 1;
                    if timed {
                        laptop.applications += 1;
                    }
                } else {
                    let kind = match result.outcome {
                        PushOutcome::Conflict { .. } => "conflict",
                        PushOutcome::Invalid { .. } => "invalid",
                        _ => "not acknowledged",
                    };
                    *laptop.errors.entry(format!("{phase}record {kind}")).or_default() += 1;
                }
            }
            None
        }
        Err(e) => {
            *laptop.errors.entry(format!("{phase}{}: {e}", e.code())).or_default() += 1;
            Some(retry)
        }
    }
}

/// A laptop: connect and push one warm-up batch, wait for the others, then push until `until`.
/// `pace`: send a batch every `interval`, the first `offset` after the start (a laptop on a slow
/// link, or one of many whose links return at different moments), instead of back to back. It
/// models the offered load; it synchronises nothing (a late batch goes at once).
async fn laptop(
    client: SyncClient,
    mut outbox: Outbox,
    start: Arc<Barrier>,
    until: Until,
    pace: Option<(Duration, Duration)>,
) -> Laptop {
    let mut laptop = Laptop::default();
    let warm_up = outbox.next_batch();
    laptop.attempted += warm_up.len() as u64;
    // A failed warm-up batch is counted as an error and not sent again.
    push(&client, warm_up, &mut laptop, false).await;
    start.wait().await;
    let started = Instant::now();
    let mut again = None;
    while !until.done(laptop.requests, started) {
        if let Some((interval, offset)) = pace {
            let due = started + offset + interval * laptop.requests as u32;
            tokio::time::sleep_until(due.into()).await;
        }
        let batch = match again.take() {
            Some(batch) => batch,
            None => {
                let batch = outbox.next_batch();
                laptop.attempted += batch.len() as u64;
                batch
            }
        };
        laptop.requests += 1;
        again = push(&client, batch, &mut laptop, true).await;
        laptop.finished = Some(Instant::now());
    }
    laptop
}

/// The health probe: the same connection and identity as a laptop's, no storage behind it.
async fn prober(client: reqwest::Client, url: String, start: Arc<Barrier>, until: Until) -> Laptop {
    async fn probe(client: &reqwest::Client, url: &str) -> Result<(), String> {
        let response = client.get(url).send().await.map_err(|e| format!("transport: {e}"))?;
        let status = response.status();
        response.bytes().await.map_err(|e| format!("transport: {e}"))?;
        if status.is_success() { Ok(()) } else { Err(format!("HTTP {status}")) }
    }
    let mut laptop = Laptop::default();
    if let Err(e) = probe(&client, &url).await {
        *laptop.errors.entry(format!("warm-up: {e}")).or_default() += 1;
    }
    start.wait().await;
    let started = Instant::now();
    while !until.done(laptop.requests, started) {
        let sent = Instant::now();
        let answer = probe(&client, &url).await;
        laptop.requests += 1;
        match answer {
            Ok(()) => laptop.latencies.push(sent.elapsed()),
            Err(e) => *laptop.errors.entry(e).or_default() += 1,
        }
        laptop.finished = Some(Instant::now());
    }
    laptop
}

/// CPU time of this process's threads whose name starts with `prefix`, in clock ticks.
fn thread_ticks(prefix: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
    tasks
        .flatten()
        .filter(|task| std::fs::read_to_string(task.path().join("comm")).is_ok_and(|name| name.starts_with(prefix)))
        .filter_map(|task| {
            let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
            let rest = stat.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            Some(rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?)
        })
        .sum()
}

fn ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok()?.trim().parse::<f64>().ok())
        .unwrap_or(100.0)
}

/// Where the CPU went: the server's threads (everything in this process but the load
/// generator's threads) and the PostgreSQL cluster's processes, if any.
struct CpuMeter {
    /// The PostgreSQL cluster's postmaster, whose children are the backends.
    postmaster: Option<u32>,
}

impl CpuMeter {
    /// The processes to count: read after the warm-up, when the pool's backends exist.
    fn processes(&self) -> Vec<u32> {
        let mut processes = vec![std::process::id()];
        processes.extend(self.postmaster.map(process_tree).unwrap_or_default());
        processes
    }

    /// (server, load generator) CPU ticks so far, of `processes`.
    fn read(&self, processes: &[u32]) -> (u64, u64) {
        let all = cpu_ticks(processes);
        let load = thread_ticks(LOAD_THREADS);
        (all.saturating_sub(load), load)
    }
}

const LOAD_THREADS: &str = "load-gen";

/// The load itself: `clients` start together after their warm-up, until `until`.
fn run<F>(
    client_runtime: &Runtime,
    meter: &CpuMeter,
    label: &str,
    count: usize,
    spawn: impl Fn(usize, Arc<Barrier>) -> F,
) -> (Line, Laptop)
where
    F: std::future::Future<Output = Laptop> + Send + 'static,
{
    let start = Arc::new(Barrier::new(count + 1));
    let tasks: Vec<_> = (0..count).map(|i| client_runtime.spawn(spawn(i, Arc::clone(&start)))).collect();
    let (started, cpu_before, laptops) = client_runtime.block_on(async {
        start.wait().await;
        let started = Instant::now();
        let processes = meter.processes();
        let cpu_before = meter.read(&processes);
        let mut laptops = Vec::new();
        for task in tasks {
            laptops.push(task.await.expect("laptop task"));
        }
        let cpu_after = meter.read(&processes);
        (started, (cpu_before, cpu_after), laptops)
    });
    let (cpu_before, cpu_after) = cpu_before;
    let hz = ticks_per_second();
    let finished = laptops.iter().filter_map(|l| l.finished).max().unwrap_or(started);
    let mut total = Laptop::default();
    for laptop in laptops {
        total.requests += laptop.requests;
        total.latencies.extend(laptop.latencies);
        total.applications += laptop.applications;
        total.acknowledged += laptop.acknowledged;
        total.attempted += laptop.attempted;
        for (kind, n) in laptop.errors {
            *total.errors.entry(kind).or_default() += n;
        }
    }
    let line = Line {
        label: label.to_string(),
        laptops: count,
        requests: total.requests,
        applications: total.applications,
        seconds: (finished - started).as_secs_f64().max(1e-9),
        latencies: Stats::new(std::mem::take(&mut total.latencies)),
        errors: total.errors.clone(),
        server_cpu: cpu_after.0.saturating_sub(cpu_before.0) as f64 / hz,
        load_cpu: cpu_after.1.saturating_sub(cpu_before.1) as f64 / hz,
        load_average: std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|text| text.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0),
    };
    eprintln!(
        "load bench: {label}, {count} laptops: {} requests, {} applications, {:.0}/s, p50 {:?}, p99 {:?}, max {:?}, \
         {} errors {}",
        line.requests,
        line.applications,
        line.applications as f64 / line.seconds,
        line.latencies.median(),
        line.latencies.p99(),
        line.latencies.max(),
        line.error_count(),
        kinds(&line.errors)
    );
    (line, total)
}

/// A server task on the server runtime; stopped by [`RunningServer::stop`].
struct RunningServer {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    fn start<S: huduma_sync::Backend>(runtime: &Runtime, pki: &Path, storage: Arc<S>) -> RunningServer {
        let tls = huduma_sync::tls::server_config(pki).expect("tls config");
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            let (stop, stopped) = oneshot::channel::<()>();
            let task = tokio::spawn(huduma_sync::serve::serve(listener, tls, storage, async {
                let _ = stopped.await;
            }));
            RunningServer { addr, stop, task }
        })
    }

    fn stop(self, runtime: &Runtime) {
        let _ = self.stop.send(());
        runtime.block_on(self.task).expect("server task").expect("server");
    }
}

/// Everything shared by the levels: the runtimes, the CA, the laptops' certificates and records.
struct Bench {
    server_runtime: Runtime,
    client_runtime: Runtime,
    dir: tempfile::TempDir,
    pki: std::path::PathBuf,
    credentials: Vec<DeviceCredentials>,
    templates: Arc<Vec<ApplicationRecord>>,
}

impl Bench {
    fn enrolment(&self, credentials: &DeviceCredentials, server: SocketAddr) -> Enrolment {
        Enrolment {
            device_id: credentials.device_id.clone(),
            server_url: format!("https://{server}"),
            ca_pem: pki::ca_pem(&self.pki).expect("ca pem"),
            cert_pem: credentials.cert_pem.clone(),
            key_pem: credentials.key_pem.clone(),
            import_key: None,
        }
    }

    /// `laptops` laptops pushing to a server over `storage` (fresh, empty), until `until`.
    fn push_level<S: huduma_sync::Backend>(
        &self,
        storage: Arc<S>,
        meter: &CpuMeter,
        label: &str,
        laptops: usize,
        until: Until,
        pace: Option<Duration>,
    ) -> (Line, u64, u64, u64) {
        self.server_runtime.block_on(async {
            for credentials in &self.credentials[..laptops] {
                let audit = NewAudit::new("bench", "device.enrolled", credentials.device_id.as_str(), "");
                let now = time::OffsetDateTime::now_utc();
                storage
                    .enrol_device(&credentials.device_id, &credentials.fingerprint, audit, now)
                    .await
                    .expect("register");
            }
        });
        let server = RunningServer::start(&self.server_runtime, &self.pki, Arc::clone(&storage));
        let clients: Vec<_> = self.credentials[..laptops]
            .iter()
            .map(|c| SyncClient::new(&self.enrolment(c, server.addr)).expect("client"))
            .collect();
        let prefixes: Vec<_> =
            self.credentials[..laptops].iter().map(|c| LaptopPrefix::parse(&c.device_id).expect("prefix")).collect();
        let (line, total) = run(&self.client_runtime, meter, label, laptops, |i, start| {
            let outbox = Outbox { prefix: prefixes[i].clone(), templates: Arc::clone(&self.templates), sequence: 0 };
            let pace = pace.map(|interval| (interval, interval * i as u32 / laptops as u32));
            laptop(clients[i].clone(), outbox, start, until, pace)
        });
        drop(clients);
        server.stop(&self.server_runtime);
        let stored = self.server_runtime.block_on(storage.count()).expect("count");
        (line, stored, total.acknowledged, total.attempted)
    }

    /// `/health` from `laptops` connections at once, until `until`.
    fn health_level(&self, laptops: usize, until: Until) -> Line {
        let storage = Arc::new(SqliteStorage::open(&self.dir.path().join("health.db")).expect("store"));
        let server = RunningServer::start(&self.server_runtime, &self.pki, storage);
        let url = format!("https://{}{}", server.addr, fieldkit_protocol::paths::HEALTH);
        let clients: Vec<_> = self.credentials[..laptops]
            .iter()
            .map(|c| {
                let tls = fieldkit_core::sync::client::tls_config(&self.enrolment(c, server.addr)).expect("tls");
                reqwest::Client::builder().use_preconfigured_tls(tls).https_only(true).build().expect("client")
            })
            .collect();
        let meter = CpuMeter { postmaster: None };
        let (line, _) = run(&self.client_runtime, &meter, "`GET /health` (reference)", laptops, |i, start| {
            prober(clients[i].clone(), url.clone(), start, until)
        });
        drop(clients);
        server.stop(&self.server_runtime);
        line
    }
}

/// A fresh PostgreSQL database, its storage, the cluster's postmaster and its durability settings.
///
/// `pg_virtualenv` makes its throwaway cluster with `fsync = off`; production runs with it on,
/// and without it a commit costs nothing like what it costs on a real server. So it is turned on
/// (the cluster is this run's own and is deleted after it).
fn postgres_storage(runtime: &Runtime) -> (Arc<PostgresStorage>, Option<u32>, String) {
    runtime.block_on(async {
        let url = postgres::fresh_database().await;
        let storage = PostgresStorage::connect(&url).await.expect("connect");
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.expect("connect");
        let driver = tokio::spawn(connection);
        for statement in
            ["ALTER SYSTEM SET fsync = on", "ALTER SYSTEM SET synchronous_commit = on", "SELECT pg_reload_conf()"]
        {
            client.batch_execute(statement).await.expect("turn fsync on");
        }
        // The reload reaches backends at their next command: wait until this one sees it.
        loop {
            let fsync: String = client.query_one("SHOW fsync", &[]).await.expect("show").get(0);
            if fsync == "on" {
                break;
            }
            tokio::task::yield_now().await;
        }
        let mut settings = Vec::new();
        for name in ["server_version", "fsync", "synchronous_commit", "max_connections", "shared_buffers"] {
            let value: String = client.query_one(&format!("SHOW {name}"), &[]).await.expect("show").get(0);
            settings.push(format!("`{name} = {value}`"));
        }
        let backend: i32 = client.query_one("SELECT pg_backend_pid()", &[]).await.expect("pid").get(0);
        let stat = std::fs::read_to_string(format!("/proc/{backend}/stat")).unwrap_or_default();
        let postmaster =
            stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        drop(client);
        let _ = driver.await;
        (Arc::new(storage), postmaster, settings.join(", "))
    })
}

struct Backend {
    name: &'static str,
    settings: String,
    lines: Vec<Line>,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let postgres_available = std::env::var("PGHOST").is_ok_and(|v| !v.is_empty());
    // Full: the issue's levels for a fixed time each. Smoke: a handful, a couple of batches.
    let (levels, until, unloaded, health_until): (&[usize], _, _, _) = if full {
        (
            &[50, 200, TARGET_LAPTOPS],
            Until::Elapsed(Duration::from_secs(15)),
            Until::Batches(200),
            Until::Elapsed(Duration::from_secs(5)),
        )
    } else {
        (&[5], Until::Batches(2), Until::Batches(2), Until::Batches(2))
    };
    // For profiling: `FIELDKIT_LOAD_ONLY=postgres:500` runs that one line and writes nothing.
    let only = std::env::var("FIELDKIT_LOAD_ONLY").ok().and_then(|v| {
        let (backend, laptops) = v.split_once(':')?;
        Some((backend.to_lowercase(), laptops.parse::<usize>().ok()?))
    });
    let most = levels.iter().copied().chain(only.as_ref().map(|(_, n)| *n)).max().unwrap_or(1);

    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("huduma-sync")
        .enable_all()
        .build()
        .expect("server runtime");
    // Long-lived blocking threads, so none takes its CPU time with it before it is read.
    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(LOAD_THREADS)
        .thread_keep_alive(Duration::from_secs(3600))
        .enable_all()
        .build()
        .expect("client runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = fieldkit_e2e::deployment::pki_dir(dir.path());
    let credentials: Vec<_> =
        (0..most).map(|i| pki::issue_device_cert(&pki, &device_id(i)).expect("device certificate")).collect();
    let templates = Arc::new(templates(dir.path(), 60));
    let json_per_app =
        templates.iter().map(|r| serde_json::to_vec(r).expect("json").len()).sum::<usize>() / templates.len();
    let gzip_per_batch = {
        let request = fieldkit_protocol::PushRequest {
            protocol: fieldkit_protocol::PROTOCOL_VERSION,
            records: templates[..BATCH].to_vec(),
        };
        fieldkit_protocol::gzip::deflate(&serde_json::to_vec(&request).expect("json")).len()
    };
    let bench = Bench { server_runtime, client_runtime, dir, pki, credentials, templates };

    let mut backends = Vec::new();
    let mut sqlite =
        Backend { name: "SQLite", settings: "`journal_mode = WAL`, `synchronous = FULL`".into(), lines: Vec::new() };
    let mut postgres = Backend { name: "PostgreSQL", settings: String::new(), lines: Vec::new() };
    let mut databases = 0;
    let check = |backend: &str, line: &Line, stored: u64, acknowledged: u64, attempted: u64| {
        // Durability: every acknowledged application is on the server, and nothing else is.
        assert!(
            stored >= acknowledged && stored <= attempted,
            "{backend}, {} laptops: {stored} stored, {acknowledged} acknowledged, {attempted} pushed",
            line.laptops
        );
        if !full {
            assert_eq!(line.error_count(), 0, "{backend}: errors {:?}", line.errors);
            assert_eq!(acknowledged, attempted, "{backend}: every application acknowledged");
            assert_eq!(stored, attempted, "{backend}: every application stored once");
        }
    };
    if let Some((backend, laptops)) = &only {
        let until = if full { until } else { Until::Elapsed(Duration::from_secs(15)) };
        let line = if backend == "postgres" {
            let (storage, postmaster, _) = postgres_storage(&bench.server_runtime);
            bench.push_level(storage, &CpuMeter { postmaster }, "push", *laptops, until, None).0
        } else {
            let storage = Arc::new(SqliteStorage::open(&bench.dir.path().join("only.db")).expect("store"));
            bench.push_level(storage, &CpuMeter { postmaster: None }, "push", *laptops, until, None).0
        };
        println!("{}", line.cells(backend, false));
        return;
    }
    // One laptop alone, the levels back to back, then the target's level paced.
    let paced_label = format!("paced: a batch every {} ms each", PACE.as_millis());
    let plan = std::iter::once(("one laptop alone (reference)", 1, unloaded, None))
        .chain(levels.iter().map(|&laptops| ("push", laptops, until, None)))
        .chain(std::iter::once((paced_label.as_str(), most.min(TARGET_LAPTOPS), until, Some(PACE))));
    for (label, laptops, until, pace) in plan {
        databases += 1;
        let storage =
            Arc::new(SqliteStorage::open(&bench.dir.path().join(format!("server-{databases}.db"))).expect("store"));
        let meter = CpuMeter { postmaster: None };
        let (line, stored, acknowledged, attempted) = bench.push_level(storage, &meter, label, laptops, until, pace);
        check("SQLite", &line, stored, acknowledged, attempted);
        sqlite.lines.push(line);
        if postgres_available {
            let (storage, postmaster, settings) = postgres_storage(&bench.server_runtime);
            postgres.settings = settings;
            let meter = CpuMeter { postmaster };
            let (line, stored, acknowledged, attempted) =
                bench.push_level(storage, &meter, label, laptops, until, pace);
            check("PostgreSQL", &line, stored, acknowledged, attempted);
            postgres.lines.push(line);
        }
    }
    if !postgres_available {
        println!("load bench: PGHOST is not set, so no PostgreSQL lines (run under `pg_virtualenv`)");
    }
    let health: Vec<Line> = levels.iter().map(|&laptops| bench.health_level(laptops, health_until)).collect();
    for line in &health {
        if !full {
            assert_eq!(line.error_count(), 0, "/health: errors {:?}", line.errors);
        }
    }
    backends.push(sqlite);
    if postgres_available {
        backends.push(postgres);
    }
    if !full {
        return;
    }

    let mut section = String::new();
    let _ = writeln!(section, "## Sync server under load: many laptops at once over mutual TLS\n");
    let _ = writeln!(
        section,
        "`cargo bench -p fieldkit-e2e --bench load` (under `pg_virtualenv`), measured {} on {}; optimised build. \
         Each simulated laptop has its own device certificate from the deployment CA, registered in the server's \
         device registry, and its own `SyncClient` (the laptop's real client: rustls, TLS 1.3, the CA pinned, its \
         certificate presented, gzip'd JSON, one keep-alive connection). Like a laptop whose link has just come \
         back, each pushes batches of {BATCH} applications back to back, the next only once the last is \
         acknowledged (closed loop), for {} after a warm-up (handshake and one batch each, not timed) and a common \
         start. The records are a real laptop profile's outbox (`Session::outbox_records`, three services; \
         {json_per_app} B of JSON per application, {gzip_per_batch} B gzip'd per batch of {BATCH}), each pushed \
         under a fresh id and reference. **Latency** is from handing a batch to the client to holding the \
         server's acknowledgement, which the server sends only after the batch's transaction is durably \
         committed; p50 and p99 by nearest rank over every acknowledged batch. Failed requests count as errors, \
         are retried and are not in the latency columns. The server is `huduma_sync::serve::serve`, as `huduma-sync \
         serve` runs it, in the bench process on its own tokio runtime (2 worker threads, its own blocking pool); \
         the load generator runs on a second runtime in the same process. **This machine has two cores and the \
         load generator competes with the server for them** (the CPU column: server, including the PostgreSQL \
         backends, / load generator, in % of one core over the timed part; \"load avg\" is the machine's 1-minute \
         load average at the end of the line, since other work on a shared machine competes too). PostgreSQL is \
         `pg_virtualenv`'s throwaway cluster, which it makes with `fsync = off`; the benchmark turns `fsync` on \
         first, as in production. After each level the server's stored \
         count is checked: every acknowledged application is there.",
        now(),
        machine(),
        until.describe()
    );
    let _ = writeln!(section);
    for backend in &backends {
        let _ = writeln!(section, "- {}: {}", backend.name, backend.settings);
    }
    let _ = writeln!(section);
    let _ = writeln!(
        section,
        "| backend | load | laptops | requests | applications | applications/s | requests/s | p50 ms | p99 ms | max ms | \
         errors | CPU server / load | load avg |"
    );
    let _ = writeln!(section, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
    for backend in &backends {
        for line in &backend.lines {
            let _ = writeln!(section, "{}", line.cells(backend.name, false));
        }
    }
    for line in &health {
        let _ = writeln!(section, "{}", line.cells("none", true));
    }
    let _ = writeln!(section);
    let _ = writeln!(
        section,
        "The one-laptop rows are the unloaded latency ({}); the `/health` rows are the same connections and \
         identities asking for a route with no storage behind it, for {}: what TLS, HTTP and this machine's two \
         cores cost at that concurrency without the database. The paced rows are the same laptops sending a \
         batch every {} ms each (their starts spread over the first interval), as a fleet on slow links would, \
         instead of back to back. With every laptop in a closed loop, mean latency \
         is about laptops ÷ requests/s (Little's law): at {TARGET_LAPTOPS} laptops a p99 of {} ms needs roughly \
         {} requests/s or more.",
        unloaded.describe(),
        health_until.describe(),
        PACE.as_millis(),
        TARGET_P99.as_millis(),
        TARGET_LAPTOPS as u128 * 1000 / TARGET_P99.as_millis()
    );
    let _ = writeln!(section);
    let target = backends
        .iter()
        .find(|b| b.name == "PostgreSQL")
        .map(|b| (b.lines.iter().find(|l| l.laptops == TARGET_LAPTOPS && l.label == "push"), b.lines.last()));
    match target {
        Some((Some(line), Some(paced))) => {
            let met = line.error_count() == 0 && line.latencies.p99() <= TARGET_P99;
            let _ = writeln!(
                section,
                "Target (issue 10): {TARGET_LAPTOPS} laptops on PostgreSQL with 0 errors and p99 ≤ {} ms. Measured \
                 {} errors, p99 **{:.0} ms** with every laptop pushing back to back — {}. Paced (a batch a \
                 second from each laptop, {:.0} requests/s offered): {} errors, p99 {:.0} ms, which {} meet it.",
                TARGET_P99.as_millis(),
                line.error_count(),
                line.latencies.p99().as_secs_f64() * 1000.0,
                verdict(met),
                paced.laptops as f64 / PACE.as_secs_f64(),
                paced.error_count(),
                paced.latencies.p99().as_secs_f64() * 1000.0,
                if paced.error_count() == 0 && paced.latencies.p99() <= TARGET_P99 { "would" } else { "would not" }
            );
            let health = health.iter().find(|l| l.laptops == TARGET_LAPTOPS);
            fieldkit_e2e::bench::record_target(
                "load",
                &format!("{TARGET_LAPTOPS} laptops on PostgreSQL: 0 errors, p99 ≤ {} ms", TARGET_P99.as_millis()),
                &format!(
                    "{} errors, p99 {:.0} ms back to back ({:.0} ms paced)",
                    line.error_count(),
                    line.latencies.p99().as_secs_f64() * 1000.0,
                    paced.latencies.p99().as_secs_f64() * 1000.0
                ),
                &health.map_or_else(
                    || "one laptop alone".to_string(),
                    |h| {
                        format!(
                            "GET /health from {TARGET_LAPTOPS} laptops: p99 {:.0} ms",
                            h.latencies.p99().as_secs_f64() * 1000.0
                        )
                    },
                ),
                met,
            );
        }
        _ => {
            let _ = writeln!(
                section,
                "Target (issue 10): {TARGET_LAPTOPS} laptops on PostgreSQL with 0 errors and p99 ≤ {} ms: not \
                 measured in this run (no PostgreSQL).",
                TARGET_P99.as_millis()
            );
        }
    }
    write_section("load", &section);
}
