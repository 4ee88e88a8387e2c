//! A laptop syncing with a real `huduma-sync` over real mutual TLS on loopback: the trust rules,
//! exactly-once delivery of a big outbox, and the faults a field link produces.

use fieldkit_core::sync::{BatchSizer, SyncClient, sync_once};
use fieldkit_core::{ApplicationState, CoreError, Profile, Session};
use fieldkit_e2e::deployment::{self, Deployment, RunningServer, ServerProcess};
use fieldkit_e2e::proxy::Proxy;
use fieldkit_e2e::{OFFICER, PIN, capture, provision_enrolled};
use fieldkit_protocol::{Decision, Enrolment};
use huduma_sync::service::{Actor, devices};
use huduma_sync::storage::Storage;
use huduma_sync::storage::sqlite::SqliteStorage;
use std::sync::Arc;
use std::time::Duration;

fn laptop(dir: &std::path::Path, enrolment: &Enrolment) -> (Profile, Session) {
    let profile = provision_enrolled(&dir.join("laptop"), enrolment);
    let session = profile.sign_in(OFFICER, PIN).expect("sign in");
    (profile, session)
}

fn outbox(session: &mut Session) -> usize {
    session.queue().expect("queue").len()
}

async fn sync(session: &mut Session, sizer: &mut BatchSizer) -> Result<fieldkit_core::sync::SyncReport, CoreError> {
    let client = session.sync_client().expect("client");
    sync_once(session, &client, sizer, &mut |_| {}).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_applications_arrive_exactly_once() {
    const COUNT: u32 = 10_000;
    let deployment = Deployment::start().await;
    let (_profile, mut session) = laptop(deployment.dir.path(), &deployment.enrolment);
    capture(&mut session, 30_000_000, COUNT);
    let mut progress = Vec::new();
    let client = session.sync_client().expect("client");
    let report = sync_once(&mut session, &client, &mut BatchSizer::default(), &mut |p| progress.push(p.clone()))
        .await
        .expect("sync");
    assert_eq!(report.pushed.synced, COUNT);
    assert_eq!((report.pushed.conflicts, report.pushed.invalid), (0, 0));
    assert_eq!(deployment.storage.count().await.expect("count"), u64::from(COUNT), "exactly once");
    assert_eq!(outbox(&mut session), 0);
    // Progress went up in steps to the whole outbox, and the batches grew on a fast link.
    let last = progress.last().expect("progress");
    assert_eq!((last.records_waiting, last.records_sent), (u64::from(COUNT), u64::from(COUNT)));
    assert!(progress.windows(2).all(|w| w[0].records_sent <= w[1].records_sent));
    assert!(progress.iter().any(|p| p.batch_size > 100), "batches never grew");
    assert!(report.bytes_sent > 0 && report.bytes_sent < u64::from(COUNT) * 2_000, "{} bytes", report.bytes_sent);
    // Every stored record is one of the laptop's, at revision 1.
    let synced = session.applications(Some(ApplicationState::Synced)).expect("synced");
    assert_eq!(synced.len(), COUNT as usize);
    for application in synced.iter().step_by(97) {
        let stored = deployment.storage.application(application.id, 1).await.expect("read").expect("stored");
        assert_eq!(stored.record.reference, application.reference.as_str());
        assert_eq!(stored.device_id, "K7QM");
    }
    // A second run finds nothing to send.
    let again = sync(&mut session, &mut BatchSizer::default()).await.expect("sync again");
    assert_eq!((again.batches, again.pushed.synced), (0, 0));
}

/// Records the server holds with other content (a conflict a person must settle) stay in the
/// outbox and are passed over: the rest of the outbox, before and after them and across several
/// batches in flight, is stored once, and the run ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicting_records_are_passed_over_and_the_rest_arrive() {
    const COUNT: u32 = 300;
    let deployment = Deployment::start().await;
    let (_profile, mut session) = laptop(deployment.dir.path(), &deployment.enrolment);
    capture(&mut session, 31_000_000, COUNT);
    // The server already holds three of them, at the same revision, with different answers.
    let records = session.outbox_records(COUNT as usize).expect("outbox");
    let clashing: Vec<_> = [5, 150, 299]
        .iter()
        .map(|&i| {
            let r: &fieldkit_protocol::ApplicationRecord = &records[i];
            let mut body = r.body.clone();
            body["application"]["form"]["note"] = serde_json::json!("typed again on another laptop");
            fieldkit_protocol::ApplicationRecord::new(
                r.id,
                r.revision,
                r.catalogue_version,
                r.service_id.clone(),
                r.reference.clone(),
                body,
            )
        })
        .collect();
    deployment.storage.push("K7QM", clashing.clone()).await.expect("store the clashing versions");

    let mut sizer = BatchSizer::new(1, 64, Duration::from_secs(10));
    let report = sync(&mut session, &mut sizer).await.expect("sync");
    assert_eq!((report.pushed.synced, report.pushed.conflicts), (COUNT - 3, 3));
    assert!(report.batches >= 5, "several batches: {}", report.batches);
    assert_eq!(deployment.storage.count().await.expect("count"), u64::from(COUNT), "each stored once");
    let waiting: Vec<_> = session.queue().expect("outbox").iter().map(|a| a.id).collect();
    assert_eq!(waiting, clashing.iter().map(|r| r.id).collect::<Vec<_>>(), "only the conflicts wait");
    // They stay for a person: the next run reports them again and ends.
    let again = sync(&mut session, &mut sizer).await.expect("sync again");
    assert_eq!((again.pushed.synced, again.pushed.conflicts), (0, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_outcome_reaches_the_laptop_and_changes_the_application() {
    let deployment = Deployment::start().await;
    let (profile, mut session) = laptop(deployment.dir.path(), &deployment.enrolment);
    capture(&mut session, 31_000_000, 3);
    sync(&mut session, &mut BatchSizer::default()).await.expect("push");
    let synced = session.applications(Some(ApplicationState::Synced)).expect("synced");
    let storage = &deployment.storage;
    storage.decide(synced[0].id, 1, Decision::Accepted).await.expect("accept");
    storage.decide(synced[1].id, 1, Decision::Queried { question: "Which sub-county?".into() }).await.expect("query");
    let report = sync(&mut session, &mut BatchSizer::default()).await.expect("pull");
    assert_eq!(report.pulled.decisions_applied, 2);
    let state = |s: &mut Session, id: uuid::Uuid| s.application(&id.to_string()).expect("app");
    assert_eq!(state(&mut session, synced[0].id).state, ApplicationState::Accepted);
    let queried = state(&mut session, synced[1].id);
    assert_eq!((queried.state, queried.review_note.as_deref()), (ApplicationState::Queried, Some("Which sub-county?")));
    assert_eq!(state(&mut session, synced[2].id).state, ApplicationState::Synced);
    // The cursor survives a restart: signing in again and syncing applies nothing twice.
    drop(session);
    let mut session = profile.sign_in(OFFICER, PIN).expect("sign in");
    assert_eq!(session.sync_state().expect("state").pull_cursor, report.cursor);
    let again = sync(&mut session, &mut BatchSizer::default()).await.expect("again");
    assert_eq!((again.pulled.decisions_applied, again.pulled.decisions_skipped), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_cut_mid_batch_loses_nothing_and_duplicates_nothing() {
    let deployment = Deployment::start().await;
    let proxy = Proxy::start(deployment.server.addr).await;
    let (_profile, mut session) = laptop(deployment.dir.path(), &deployment.enrolment_via(proxy.addr));
    capture(&mut session, 32_000_000, 400);
    // Big batches, so a cut lands inside one: 200 records are about 20 kB gzip'd.
    let mut sizer = BatchSizer::new(200, 200, Duration::from_secs(60));
    for cut_after in [3_000, 8_000, 15_000] {
        proxy.cut_upstream_after(cut_after);
        let failed = sync(&mut session, &mut sizer).await;
        match failed {
            Err(e) => assert!(e.is_retryable(), "a cut link is worth retrying: {e}"),
            Ok(report) => panic!("the cut after {cut_after} bytes went unnoticed: {report:?}"),
        }
        let state = session.sync_state().expect("state");
        assert!(state.last_error.is_some(), "the failure is recorded for the officer");
    }
    let stored_before_retry = deployment.storage.count().await.expect("count");
    assert!(stored_before_retry < 400, "the cuts stopped the run before the end");
    sync(&mut session, &mut sizer).await.expect("retry");
    assert_eq!(deployment.storage.count().await.expect("count"), 400);
    assert_eq!(outbox(&mut session), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_lost_after_commit_or_a_batch_sent_twice_is_not_duplicated() {
    let deployment = Deployment::start().await;
    let (_profile, mut session) = laptop(deployment.dir.path(), &deployment.enrolment);
    capture(&mut session, 33_000_000, 50);
    let client = session.sync_client().expect("client");
    // The server commits and answers; the laptop never learns of it (the answer is dropped).
    let records = session.outbox_records(30).expect("outbox");
    client.push(records.clone()).await.expect("push");
    assert_eq!(deployment.storage.count().await.expect("count"), 30);
    // The same batch again, as a retry would send it: acknowledged, not stored twice.
    let (again, _) = client.push(records).await.expect("push again");
    assert!(again.results.iter().all(|r| r.outcome == fieldkit_protocol::PushOutcome::AlreadyStored));
    let report = sync(&mut session, &mut BatchSizer::default()).await.expect("sync");
    assert_eq!(report.pushed.synced, 50, "the laptop marks all synced once the server confirms");
    assert_eq!(deployment.storage.count().await.expect("count"), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_batch_and_restarted_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = deployment::pki_dir(dir.path());
    let db = dir.path().join("server.db");
    let config = dir.path().join("huduma-sync.toml");
    deployment::write_config(&config, &pki, &format!("backend = \"sqlite\"\npath = {:?}", db.display().to_string()));
    let server = ServerProcess::start(&config);
    let proxy = Proxy::start(server.addr).await;
    let enrolment = {
        let storage = SqliteStorage::open(&db).expect("open");
        deployment::enrol(&pki, &storage, "K7QM", proxy.addr).await
    };
    let (_profile, mut session) = laptop(dir.path(), &enrolment);
    capture(&mut session, 34_000_000, 600);
    let mut sizer = BatchSizer::new(100, 100, Duration::from_secs(60));
    let mut server = Some(server);
    // 100 records are about 10 kB gzip'd: each kill lands inside a run, in a different batch.
    for kill_at in [5_000, 14_000, 23_000] {
        let reached = proxy.when_upstream_reaches(proxy.upstream_bytes() + kill_at);
        let killer = {
            let running = server.take().expect("server");
            tokio::spawn(async move {
                let _ = reached.await;
                running.kill();
            })
        };
        let outcome = sync(&mut session, &mut sizer).await;
        if outcome.is_ok() {
            killer.abort();
            panic!("the run finished before {kill_at} bytes: {outcome:?}");
        }
        killer.await.expect("killer");
        assert!(outcome.as_ref().err().is_some_and(CoreError::is_retryable), "{outcome:?}");
        let restarted = ServerProcess::start(&config);
        proxy.retarget(restarted.addr);
        server = Some(restarted);
    }
    sync(&mut session, &mut sizer).await.expect("final sync");
    assert_eq!(outbox(&mut session), 0);
    drop(server);
    let storage = SqliteStorage::open(&db).expect("open");
    assert_eq!(storage.count().await.expect("count"), 600, "every application exactly once");
}

// --- trust ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_a_certificate_from_another_ca_is_refused_and_gets_nothing() {
    let deployment = Deployment::start().await;
    // An impostor: a complete deployment of its own, with its own CA, that knows our laptop.
    let impostor_dir = tempfile::tempdir().expect("tempdir");
    let impostor_pki = deployment::pki_dir(impostor_dir.path());
    let impostor_storage = Arc::new(SqliteStorage::open(&impostor_dir.path().join("s.db")).expect("open"));
    let impostor = RunningServer::start(&impostor_pki, Arc::clone(&impostor_storage)).await;
    let (_profile, mut session) = laptop(deployment.dir.path(), &deployment.enrolment_via(impostor.addr));
    capture(&mut session, 35_000_000, 5);
    let refused = sync(&mut session, &mut BatchSizer::default()).await.expect_err("impostor");
    assert_eq!(refused.code(), "server_not_trusted", "{refused}");
    assert!(!refused.is_retryable());
    assert_eq!(impostor_storage.count().await.expect("count"), 0);
    assert_eq!(outbox(&mut session), 5, "nothing left the outbox");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_without_a_valid_registered_certificate_are_refused() {
    let deployment = Deployment::start().await;
    let addr = deployment.server.addr;
    // A certificate from another CA: refused in the handshake.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other_pki = deployment::pki_dir(other_dir.path());
    let other_storage = SqliteStorage::open(&other_dir.path().join("s.db")).expect("open");
    let foreign = deployment::enrol(&other_pki, &other_storage, "K7QM", addr).await;
    let foreign = Enrolment { ca_pem: deployment.enrolment.ca_pem.clone(), ..foreign };
    let client = SyncClient::new(&foreign).expect("client");
    let refused = client.pull(0, 10).await.expect_err("foreign certificate");
    assert_eq!(refused.code(), "device_unknown", "{refused}");

    // A certificate from our CA that was never registered: refused by the registry.
    let unregistered = huduma_sync::pki::issue_device_cert(&deployment.pki, "P2ZX").expect("cert");
    let stray = Enrolment {
        device_id: "P2ZX".into(),
        cert_pem: unregistered.cert_pem,
        key_pem: unregistered.key_pem,
        ..deployment.enrolment.clone()
    };
    let refused = SyncClient::new(&stray).expect("client").pull(0, 10).await.expect_err("unregistered");
    assert_eq!(refused.code(), "device_unknown", "{refused}");

    // Our own laptop, until it is revoked.
    let (_profile, mut session) = laptop(deployment.dir.path(), &deployment.enrolment);
    capture(&mut session, 36_000_000, 2);
    sync(&mut session, &mut BatchSizer::default()).await.expect("enrolled laptop syncs");
    devices::revoke(&*deployment.storage, &Actor::cli(Some("test")), "K7QM", time::OffsetDateTime::now_utc())
        .await
        .expect("revoke");
    capture(&mut session, 36_000_100, 1);
    let refused = sync(&mut session, &mut BatchSizer::default()).await.expect_err("revoked");
    assert_eq!(refused.code(), "device_revoked", "{refused}");
    assert_eq!(deployment.storage.count().await.expect("count"), 2);
    let state = session.sync_state().expect("state");
    assert_eq!(state.last_error.as_ref().map(|f| f.code.as_str()), Some("device_revoked"), "{state:?}");
    // The laptop remembers it was revoked and stops dialling until it is enrolled again.
    assert!(state.revoked_at.is_some(), "{state:?}");
    assert_eq!(session.sync_client().expect_err("stops").code(), "device_revoked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_is_refused_on_both_ends() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let deployment = Deployment::start().await;
    // A plain HTTP request to the server gets no HTTP answer, only a closed connection (and
    // perhaps a TLS alert).
    let mut tcp = tokio::net::TcpStream::connect(deployment.server.addr).await.expect("connect");
    tcp.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer).await;
    assert!(!answer.starts_with(b"HTTP/"), "{:?}", String::from_utf8_lossy(&answer));
    // The laptop refuses an http:// server before connecting anywhere.
    let plain = Enrolment { server_url: format!("http://{}", deployment.server.addr), ..deployment.enrolment.clone() };
    assert_eq!(SyncClient::new(&plain).expect_err("http").code(), "enrolment_invalid");
    // Nor can an enrolment that says https:// be stored pointing elsewhere in the laptop.
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = fieldkit_e2e::provision(&dir.path().join("l"));
    let mut manager = profile.sign_in(OFFICER, PIN).expect("sign in");
    assert_eq!(manager.enrol(&deployment.enrolment).expect_err("not ICT").code(), "not_permitted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolment_for_another_laptop_is_refused() {
    let deployment = Deployment::start().await;
    let other = deployment::enrol(&deployment.pki, &*deployment.storage, "P2ZX", deployment.server.addr).await;
    let dir = tempfile::tempdir().expect("tempdir");
    // provision_enrolled creates laptop K7QM; enrolling it as P2ZX must fail and store nothing.
    let result = std::panic::catch_unwind(|| provision_enrolled(&dir.path().join("laptop"), &other));
    assert!(result.is_err(), "a P2ZX enrolment was accepted on K7QM");
}
