//! Benchmark: a laptop's outbox through `huduma-sync` over mutual TLS on loopback, end to end
//! (encrypted store -> gzip'd JSON -> TLS 1.3 -> SQLite on the server, durably -> acknowledgements
//! marked in the laptop's store), for 100, 1,000 and 10,000 queued applications.
//!
//! Beside each end-to-end figure, measured in the same run on the same batches: the **exchange
//! alone**, the same records pushed by the same client over the same kind of connection to a
//! server that decodes each batch and answers "stored" for every record without storing anything,
//! and with nothing read from or marked in the laptop's store. The difference between the two is
//! what the two stores cost.
//!
//! - `cargo bench -p fieldkit-e2e --bench sync` runs each size three times (median run reported),
//!   seals the 10,000 into a USB bundle and imports it, and replaces this benchmark's section of
//!   docs/BENCHMARKS.md.
//! - Run without `--bench` (as `cargo test --all-targets` does) it is a smoke run: 50 and 200
//!   applications once each, the same sanity checks, nothing written.
//!
//! Bytes are counted twice: the HTTP bodies the client sent and received (gzip'd), and everything
//! a TCP proxy in front of the server relayed (TLS handshakes and records, HTTP headers). The slow,
//! lossy link has its own benchmark (`--bench slow_link`).

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use fieldkit_core::sync::{BatchSizer, Progress, SyncClient, sync_once};
use fieldkit_e2e::bench::{Stats, machine, now, record_target, verdict};
use fieldkit_e2e::deployment::Deployment;
use fieldkit_e2e::proxy::Proxy;
use fieldkit_e2e::{OFFICER, PIN, capture, provision_enrolled};
use fieldkit_protocol::{ApplicationRecord, PROTOCOL_VERSION, PushOutcome, PushRequest, PushResponse, RecordResult};
use huduma_sync::storage::Storage;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Targets from issue 10.
const TARGET_PER_SECOND: f64 = 5_000.0;
const TARGET_WIRE_BYTES: f64 = 400.0;

struct Run {
    applications: u32,
    seconds: f64,
    json_bytes: u64,
    body_sent: u64,
    body_received: u64,
    wire_bytes: u64,
    /// Records in each push, in order: the reference replays exactly these batches.
    batch_sizes: Vec<usize>,
    /// Time from one batch's records leaving the outbox to the next: read, push, mark synced.
    batch_times: Vec<Duration>,
    /// The same batches, the exchange alone (see the module comment).
    exchange_seconds: f64,
    exchange_batch_times: Vec<Duration>,
}

impl Run {
    fn per_second(&self) -> f64 {
        f64::from(self.applications) / self.seconds
    }
    fn exchange_per_second(&self) -> f64 {
        f64::from(self.applications) / self.exchange_seconds
    }
    fn per_app(&self, bytes: u64) -> f64 {
        bytes as f64 / f64::from(self.applications)
    }
}

async fn run(applications: u32, first_id: u32) -> Run {
    let deployment = Deployment::start().await;
    let proxy = Proxy::start(deployment.server.addr).await;
    let profile = provision_enrolled(&deployment.dir.path().join("laptop"), &deployment.enrolment_via(proxy.addr));
    let mut session = profile.sign_in(OFFICER, PIN).expect("sign in");
    capture(&mut session, first_id, applications);
    let all_records = session.outbox_records(applications as usize).expect("outbox");
    let json_bytes = serde_json::to_vec(&all_records).expect("json").len() as u64;
    let client = session.sync_client().expect("client");

    let mut batch_sizes = Vec::new();
    let mut batch_times = Vec::new();
    let mut last_sent = 0;
    let started = Instant::now();
    let mut last_at = started;
    let mut on_progress = |p: &Progress| {
        if p.records_sent > last_sent {
            batch_sizes.push((p.records_sent - last_sent) as usize);
            last_sent = p.records_sent;
            let at = Instant::now();
            batch_times.push(at - last_at);
            last_at = at;
        }
    };
    let report = sync_once(&mut session, &client, &mut BatchSizer::default(), &mut on_progress).await.expect("sync");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(report.pushed.synced, applications);
    assert_eq!(deployment.storage.count().await.expect("count"), u64::from(applications));
    assert_eq!(session.outbox_len().expect("outbox"), 0);
    assert_eq!(batch_sizes.iter().sum::<usize>(), applications as usize);

    let (exchange_seconds, exchange_batch_times) = exchange_alone(&deployment, all_records, &batch_sizes).await;
    Run {
        applications,
        seconds,
        json_bytes,
        body_sent: report.bytes_sent,
        body_received: report.bytes_received,
        wire_bytes: proxy.upstream_bytes() + proxy.downstream_bytes(),
        batch_sizes,
        batch_times,
        exchange_seconds,
        exchange_batch_times,
    }
}

/// The reference: `records` pushed in `batch_sizes` by a real [`SyncClient`] (same identity, same
/// pinning, same gzip) to a server with the deployment's certificate that decodes each batch and
/// answers without storing.
async fn exchange_alone(
    deployment: &Deployment,
    records: Vec<ApplicationRecord>,
    batch_sizes: &[usize],
) -> (f64, Vec<Duration>) {
    let tls = huduma_sync::tls::server_config(&deployment.pki).expect("server TLS");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let router = Router::new().route(fieldkit_protocol::paths::PUSH, axum::routing::post(answer_without_storing));
    let server = tokio::spawn(serve(listener, TlsAcceptor::from(tls), router));
    let client = SyncClient::new(&deployment.enrolment_via(addr)).expect("client");

    let mut records = records.into_iter();
    let mut times = Vec::with_capacity(batch_sizes.len());
    let started = Instant::now();
    for &size in batch_sizes {
        let batch: Vec<ApplicationRecord> = records.by_ref().take(size).collect();
        let at = Instant::now();
        let (answer, _) = client.push(batch).await.expect("push to the answering server");
        assert_eq!(answer.results.len(), size);
        times.push(at.elapsed());
    }
    let seconds = started.elapsed().as_secs_f64();
    server.abort();
    (seconds, times)
}

async fn answer_without_storing(headers: axum::http::HeaderMap, body: Bytes) -> impl IntoResponse {
    let gzipped = headers.get(header::CONTENT_ENCODING).is_some_and(|v| v.as_bytes() == b"gzip");
    let json =
        if gzipped { fieldkit_protocol::gzip::inflate(&body, 64 << 20).expect("inflate") } else { body.to_vec() };
    let request: PushRequest = serde_json::from_slice(&json).expect("a push request");
    let results = request
        .records
        .iter()
        .map(|r| RecordResult { id: r.id, revision: r.revision, outcome: PushOutcome::Stored })
        .collect();
    let answer = serde_json::to_vec(&PushResponse { protocol: PROTOCOL_VERSION, results }).expect("json");
    (
        [(header::CONTENT_TYPE, "application/json"), (header::CONTENT_ENCODING, "gzip")],
        fieldkit_protocol::gzip::deflate(&answer),
    )
}

async fn serve(listener: TcpListener, acceptor: TlsAcceptor, router: Router) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else { continue };
        let (acceptor, router) = (acceptor.clone(), router.clone());
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            let Ok(stream) = acceptor.accept(tcp).await else { return };
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(router))
                .await;
        });
    }
}

/// The USB route: seal the outbox into a bundle on the laptop, import it on the server.
struct BundleRun {
    applications: u32,
    export_seconds: f64,
    import_seconds: f64,
    bytes: usize,
}

async fn bundle_run(applications: u32, first_id: u32) -> BundleRun {
    let deployment = Deployment::start().await;
    let profile = provision_enrolled(&deployment.dir.path().join("laptop"), &deployment.enrolment);
    let mut session = profile.sign_in(OFFICER, PIN).expect("sign in");
    capture(&mut session, first_id, applications);
    let started = Instant::now();
    let bundle = session.export_bundle().expect("export");
    let export_seconds = started.elapsed().as_secs_f64();
    let secret = huduma_sync::pki::import_key(&deployment.pki).expect("import key");
    let started = Instant::now();
    let report =
        huduma_sync::import::import_bundle(&*deployment.storage, &secret, &bundle.bytes).await.expect("import");
    let import_seconds = started.elapsed().as_secs_f64();
    assert_eq!(report.stored, applications);
    BundleRun { applications, export_seconds, import_seconds, bytes: bundle.bytes.len() }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn line(r: &Run, runs: &[&Run]) -> String {
    let spread = runs.iter().map(|r| r.per_second()).fold((f64::MAX, 0.0_f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let batches = Stats::new(r.batch_times.clone());
    let exchange = Stats::new(r.exchange_batch_times.clone());
    format!(
        "| {} | {} | {:.2} s | **{:.0}** ({:.0}–{:.0}) | {:.0} | {:.0} / {:.0} ms | {:.0} / {:.0} ms | {:.0} B | {:.0} B | {:.0} B | **{:.0} B** |",
        r.applications,
        r.batch_sizes.len(),
        r.seconds,
        r.per_second(),
        spread.0,
        spread.1,
        r.exchange_per_second(),
        ms(batches.median()),
        ms(batches.p99()),
        ms(exchange.median()),
        ms(exchange.p99()),
        r.per_app(r.json_bytes),
        r.per_app(r.body_sent),
        r.per_app(r.body_received),
        r.per_app(r.wire_bytes),
    )
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let (sizes, runs): (&[u32], u32) = if full { (&[100, 1_000, 10_000], 3) } else { (&[50, 200], 1) };

    let mut medians = Vec::new();
    for (s, &size) in sizes.iter().enumerate() {
        let mut all: Vec<Run> =
            (0..runs).map(|i| runtime.block_on(run(size, 40_000_000 + (s as u32) * 1_000_000 + i * 100_000))).collect();
        all.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
        let median = all.remove(all.len() / 2);
        eprintln!("sync bench: {size} applications, median {:.0}/s", median.per_second());
        // Sanity: compression pays.
        assert!(median.body_sent < median.json_bytes, "gzip made bodies bigger");
        medians.push((median, all));
    }
    let largest = sizes[sizes.len() - 1];
    let bundle = runtime.block_on(bundle_run(largest, 49_000_000));
    assert!(bundle.bytes < largest as usize * 1_000, "bundle of {} bytes", bundle.bytes);

    let mut section = String::new();
    let _ = writeln!(section, "## Sync: applications end to end over mutual TLS on loopback\n");
    let _ = writeln!(
        section,
        "`cargo bench -p fieldkit-e2e --bench sync`, measured {} on {}; optimised build. One laptop profile \
         (encrypted store) pushes its whole outbox to a `huduma-sync` (SQLite, `synchronous = FULL`) in the same process, \
         through a counting TCP proxy: adaptive batches (from 16 up to 500), two in flight, each batch's \
         acknowledged applications marked synced in one transaction while the next batch travels. Median of {runs} runs per size (the range of \
         all runs in brackets). **Reference, same run, same batches:** the same records pushed by the same client \
         over the same kind of connection to a server that decodes each batch and answers \"stored\" without \
         storing, with nothing read from or written to the laptop's store: what the exchange alone costs. Batch \
         times are from one batch leaving the outbox to the next (read, push, durable commit on the server, marking \
         on the laptop); p99 by nearest rank over a run's batches. Bodies are gzip'd JSON; wire bytes include TLS \
         1.3 handshakes and records and HTTP headers, both directions.\n",
        now(),
        machine(),
    );
    let _ = writeln!(
        section,
        "| applications | batches | time | applications/s | reference: exchange alone, applications/s | batch p50 / p99 | reference batch p50 / p99 | JSON/app | sent/app (gzip) | received/app | wire/app |"
    );
    let _ = writeln!(section, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (median, others) in &medians {
        let mut runs_of_size: Vec<&Run> = others.iter().collect();
        runs_of_size.push(median);
        let _ = writeln!(section, "{}", line(median, &runs_of_size));
    }
    let (largest_run, _) = &medians[medians.len() - 1];
    let wire_worst = medians.iter().map(|(m, _)| m.per_app(m.wire_bytes)).fold(0.0_f64, f64::max);
    let _ = writeln!(
        section,
        "\nTargets: ≥ {TARGET_PER_SECOND:.0} applications/s end to end on loopback — {:.0}/s at {} applications, {}; \
         ≤ {TARGET_WIRE_BYTES:.0} bytes on the wire per application — at most {:.0} B, {}.",
        largest_run.per_second(),
        largest_run.applications,
        verdict(largest_run.per_second() >= TARGET_PER_SECOND),
        wire_worst,
        verdict(wire_worst <= TARGET_WIRE_BYTES),
    );
    let _ = writeln!(
        section,
        "\n**USB export bundle** (the same kind of laptop profile, no link): sealing {} applications took {:.2} s \
         ({:.0}/s, signed and encrypted, gzip'd inside), {:.0} B per application on the stick; \
         `huduma-sync import` verified, decrypted and stored them in {:.2} s ({:.0}/s).",
        bundle.applications,
        bundle.export_seconds,
        f64::from(bundle.applications) / bundle.export_seconds,
        bundle.bytes as f64 / f64::from(bundle.applications),
        bundle.import_seconds,
        f64::from(bundle.applications) / bundle.import_seconds,
    );
    print!("{section}");
    if full {
        fieldkit_e2e::bench::write_section("sync", &section);
        for (run, _) in &medians {
            record_target(
                "sync",
                &format!("≥ {TARGET_PER_SECOND:.0} applications/s end to end on loopback, {} queued", run.applications),
                &format!("{:.0}/s", run.per_second()),
                &format!("exchange alone {:.0}/s", run.exchange_per_second()),
                run.per_second() >= TARGET_PER_SECOND,
            );
        }
        let bytes = medians.iter().map(|(m, _)| m.per_app(m.wire_bytes)).fold(0.0_f64, f64::max);
        record_target(
            "sync",
            &format!("≤ {TARGET_WIRE_BYTES:.0} bytes on the wire per application"),
            &format!("{bytes:.0} B (worst size)"),
            &format!("{:.0} B of JSON before gzip", largest_run.per_app(largest_run.json_bytes)),
            bytes <= TARGET_WIRE_BYTES,
        );
    }
}
