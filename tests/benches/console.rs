//! Benchmark: the MDA review console's pages over a server holding many applications.
//!
//! - `cargo bench -p fieldkit-e2e --bench console` fills a SQLite `huduma-sync` store with 20,000
//!   applications (eight services, five laptops, ten days), then times the console's pages for an
//!   SHA technician through the real router in process (HTML rendered, no network), and replaces
//!   this benchmark's section of docs/BENCHMARKS.md.
//! - Without `--bench` (as `cargo test --all-targets` runs it) it is a smoke run over 400
//!   applications, nothing written.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fieldkit_core::catalogue::{Catalogue, sample};
use fieldkit_protocol::ApplicationRecord;
use http_body_util::BodyExt;
use huduma_sync::console::auth::{hash_password, token_hash, verify_password};
use huduma_sync::console::{Console, ConsoleSettings, router};
use huduma_sync::storage::Storage;
use huduma_sync::storage::review::{ConsoleRole, ConsoleSession, ConsoleUser, NewAudit, ReviewStorage};
use huduma_sync::storage::sqlite::SqliteStorage;
use serde_json::json;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt;

const LAPTOPS: [&str; 5] = ["K7QM", "M2XR", "P4TD", "R8WE", "T3HJ"];

struct Timing {
    name: String,
    samples: Vec<f64>,
    bytes: usize,
}

impl Timing {
    fn quantile(&self, q: f64) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort_by(f64::total_cmp);
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }
}

async fn fill(storage: &SqliteStorage, count: u32) -> Vec<(uuid::Uuid, String)> {
    let catalogue = Catalogue::built_in().expect("catalogue");
    let today = time::macros::date!(2026 - 11 - 27);
    let forms: Vec<_> = catalogue.services.iter().map(|s| (s.id.clone(), sample::answers(s, today).0)).collect();
    let start = 1_795_500_000_i64;
    let mut sha = Vec::new();
    let mut batch: Vec<(String, ApplicationRecord)> = Vec::new();
    for n in 0..count {
        let (service_id, form) = &forms[n as usize % forms.len()];
        // Every service on every day and laptop: day and laptop change with each round of services.
        let round = n / forms.len() as u32;
        let laptop = LAPTOPS[(round as usize / 10) % LAPTOPS.len()];
        let mut form = form.clone();
        let id_number = format!("{}", 20_000_000 + n);
        form.insert("id_number".into(), json!(id_number));
        form.insert("surname".into(), json!(format!("Surname{n}")));
        let id = uuid::Uuid::now_v7();
        let reference = format!("{laptop}-{n:06}-X");
        let created = start + i64::from(round % 10) * 86_400 + i64::from(round % 600) * 60;
        let body = json!({
            "application": { "id": id, "reference": reference, "service_id": service_id, "revision": 1, "form": form,
                "created_by": "FD001", "created_at": created,
                "outreach": { "id": format!("outreach-{}", round % 10), "name": format!("Outreach day {}", round % 10) } },
            "citizen": { "id_number": id_number, "surname": format!("Surname{n}"), "given_names": "Wanjiru",
                "date_of_birth": "1990-04-01", "sex": "female", "phone": "+254712000111", "county_code": "021" },
        });
        if service_id == "sha.member-registration" {
            sha.push((id, reference.clone()));
        }
        batch.push((laptop.to_string(), ApplicationRecord::new(id, 1, 1, service_id, &reference, body)));
        if batch.len() == 500 || n + 1 == count {
            for laptop in LAPTOPS {
                let records: Vec<_> = batch.iter().filter(|(l, _)| l == laptop).map(|(_, r)| r.clone()).collect();
                if !records.is_empty() {
                    storage.push(laptop, records).await.expect("push");
                }
            }
            batch.clear();
        }
    }
    sha
}

async fn get(router: &axum::Router, cookie: &str, path: &str) -> (StatusCode, usize) {
    let request = Request::builder().uri(path).header(header::COOKIE, cookie).body(Body::empty()).expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes().len();
    (status, bytes)
}

async fn time_get(router: &axum::Router, cookie: &str, name: &str, path: &str, samples: usize) -> Timing {
    let mut timing = Timing { name: name.to_string(), samples: Vec::new(), bytes: 0 };
    for _ in 0..samples {
        let started = Instant::now();
        let (status, bytes) = get(router, cookie, path).await;
        timing.samples.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, StatusCode::OK, "{path}");
        timing.bytes = bytes;
    }
    timing
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (count, samples) = if full { (20_000, 30) } else { (400, 2) };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("open"));
    let timings = runtime.block_on(async {
        let filled = Instant::now();
        let sha = fill(&storage, count).await;
        let fill_seconds = filled.elapsed().as_secs_f64();
        let now = time::OffsetDateTime::now_utc();
        let user = ConsoleUser {
            username: "achieng.sha".into(),
            display_name: "Achieng".into(),
            role: ConsoleRole::Technician,
            mda: Some("sha".into()),
            password_hash: hash_password("benchmark password").expect("hash"),
            disabled: false,
        };
        storage
            .create_account(user, NewAudit::new("bench", "account.created", "achieng.sha", ""), now)
            .await
            .expect("account");
        let token = "b".repeat(64);
        let session = ConsoleSession {
            username: "achieng.sha".into(),
            csrf_token: "c".repeat(64),
            created_at: now.unix_timestamp(),
            last_seen_at: now.unix_timestamp(),
        };
        storage.create_session(&token_hash(&token), session).await.expect("session");
        let console = Arc::new(Console::new(
            Arc::clone(&storage),
            ConsoleSettings::default(),
            Arc::new(time::OffsetDateTime::now_utc),
        ));
        let router = router(console);
        let cookie = format!("__Host-console={token}");
        let (first_id, first_reference) = sha[0].clone();
        let day = "2026-11-24";
        let last = &sha[sha.len() - 1].1;
        let name_number: u32 = last[5..11].parse().expect("reference number");
        let mut timings = vec![
            time_get(&router, &cookie, "Batches (all of SHA's)", "/batches", samples).await,
            time_get(&router, &cookie, "Applications, first page of 50", "/applications", samples).await,
            time_get(
                &router,
                &cookie,
                "Applications of one batch",
                &format!("/applications?device=K7QM&day={day}&outreach=outreach-0"),
                samples,
            )
            .await,
            time_get(
                &router,
                &cookie,
                "Search by reference",
                &format!("/applications?q={}", &first_reference[..11]),
                samples,
            )
            .await,
            time_get(
                &router,
                &cookie,
                "Search by name (scans bodies)",
                &format!("/applications?q=surname{name_number}"),
                samples,
            )
            .await,
            time_get(
                &router,
                &cookie,
                "One application (warnings, duplicates)",
                &format!("/applications/{first_id}/1"),
                samples,
            )
            .await,
        ];
        // Bulk accept pages of 50 through the real form, then export everything accepted.
        let mut accept = Timing { name: "Bulk accept 50 (one transaction)".into(), samples: Vec::new(), bytes: 0 };
        for chunk in sha.chunks(50).take(samples.max(4)) {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("csrf", &"c".repeat(64));
            for (id, _) in chunk {
                form.append_pair("item", &format!("{id}/1"));
            }
            let request = Request::builder()
                .method("POST")
                .uri("/applications/accept")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.finish()))
                .expect("request");
            let started = Instant::now();
            let response = router.clone().oneshot(request).await.expect("response");
            accept.samples.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
        }
        let accepted = accept.samples.len() * 50;
        timings.push(accept);
        timings.push(
            time_get(
                &router,
                &cookie,
                &format!("Export {accepted} accepted as CSV"),
                "/export/accepted.csv",
                samples.min(10),
            )
            .await,
        );
        timings.push(
            time_get(
                &router,
                &cookie,
                &format!("Export {accepted} accepted as JSON"),
                "/export/accepted.json",
                samples.min(10),
            )
            .await,
        );
        let mut login = Timing { name: "Password check (argon2id, 19 MiB, t=2)".into(), samples: Vec::new(), bytes: 0 };
        let hash = hash_password("benchmark password").expect("hash");
        for _ in 0..samples.min(10) {
            let started = Instant::now();
            assert!(verify_password("benchmark password", &hash));
            login.samples.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        timings.push(login);
        (timings, fill_seconds, sha.len())
    });
    let (timings, fill_seconds, sha_count) = timings;
    let services = Catalogue::built_in().expect("catalogue").services.len();

    let mut section = String::new();
    let _ = writeln!(section, "## Review console: pages over {count} synced applications\n");
    let _ = writeln!(
        section,
        "`cargo bench -p fieldkit-e2e --bench console`, {} on {} ({} cores), optimised dependencies. A SQLite \
         `huduma-sync` store holds {count} applications ({services} services, five laptops, ten days; filling it took \
         {fill_seconds:.1} s through `Storage::push`); an SHA technician ({sha_count} SHA applications) asks the real \
         console router in process, so the times are storage queries plus HTML rendering, without TLS or network. \
         Milliseconds over {samples} requests each, p99 by nearest rank.\n",
        time::OffsetDateTime::now_utc().date(),
        std::env::consts::ARCH,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    let _ = writeln!(section, "| request | median | p99 | response |");
    let _ = writeln!(section, "|---|---:|---:|---:|");
    for timing in &timings {
        let size = if timing.bytes > 0 { format!("{:.0} KB", timing.bytes as f64 / 1024.0) } else { String::new() };
        let _ = writeln!(
            section,
            "| {} | {:.1} | {:.1} | {size} |",
            timing.name,
            timing.quantile(0.5),
            timing.quantile(0.99)
        );
    }
    print!("{section}");
    if full {
        fieldkit_e2e::bench::write_section("console", &section);
    }
}
