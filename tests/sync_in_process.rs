//! A laptop profile syncing with the server's real HTTP routes and SQLite storage, in one process
//! without sockets (tests/sync_tls.rs does the same over real mutual TLS): exactly once through retries and lost responses, and MDA
//! decisions coming back by pull.

use axum::Extension;
use axum::body::Body;
use axum::http::Request;
use fieldkit_core::SyncFailure;
use fieldkit_core::{ApplicationState, CoreError, Session};
use fieldkit_e2e::{OFFICER, PIN, capture, provision};
use fieldkit_protocol::{Decision, PROTOCOL_VERSION, PullResponse, PushResponse, paths};
use http_body_util::BodyExt;
use huduma_sync::storage::Storage;
use huduma_sync::storage::review::NewAudit;
use huduma_sync::storage::sqlite::SqliteStorage;
use huduma_sync::{ClientCertificate, app};
use std::sync::Arc;
use tower::ServiceExt;

const DEVICE: &str = "K7QM";
/// Stands for the fingerprint of the laptop's client certificate.
const CERTIFICATE: &str = "0000000000000000000000000000000000000000000000000000000000004b37";
const APPLICATIONS: u32 = 300;
const BATCH: usize = 64;

async fn post<T: serde::de::DeserializeOwned>(storage: &Arc<SqliteStorage>, path: &str, body: serde_json::Value) -> T {
    let router = app(Arc::clone(storage)).layer(Extension(ClientCertificate(CERTIFICATE.into())));
    let request = Request::post(path).body(Body::from(body.to_string())).expect("request");
    let response = router.oneshot(request).await.expect("response");
    assert!(response.status().is_success(), "{path}: {}", response.status());
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    serde_json::from_slice(&bytes).expect("json")
}

/// Pushes the whole outbox in batches; when `lose_first_response` is set the first answer is
/// thrown away (as if the link dropped after the server committed) and the batch is sent again.
async fn push_all(session: &mut Session, storage: &Arc<SqliteStorage>, lose_first_response: bool) -> u32 {
    let mut lose = lose_first_response;
    let mut pushes = 0;
    loop {
        let records = session.outbox_records(BATCH).expect("outbox");
        if records.is_empty() {
            return pushes;
        }
        let body = serde_json::json!({ "protocol": PROTOCOL_VERSION, "records": records });
        let response: PushResponse = post(storage, paths::PUSH, body).await;
        pushes += 1;
        if std::mem::take(&mut lose) {
            continue;
        }
        let tally = session.apply_push_results(&response.results).expect("apply");
        assert_eq!(tally.conflicts + tally.invalid, 0, "{tally:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_arrives_exactly_once_and_decisions_come_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = provision(&dir.path().join("laptop"));
    let mut session = profile.sign_in(OFFICER, PIN).expect("sign in");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("server store"));
    storage
        .enrol_device(
            DEVICE,
            CERTIFICATE,
            NewAudit::new("test", "device.enrolled", DEVICE, ""),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .expect("enrol");
    capture(&mut session, 20_000_000, APPLICATIONS);

    let pushes = push_all(&mut session, &storage, true).await;
    assert_eq!(pushes, APPLICATIONS.div_ceil(BATCH as u32) + 1, "one batch was sent twice");
    assert_eq!(storage.count().await.expect("count"), u64::from(APPLICATIONS), "exactly once");
    assert!(session.queue().expect("queue").is_empty());
    assert_eq!(session.applications(Some(ApplicationState::Synced)).expect("synced").len(), APPLICATIONS as usize);

    // Answers that arrive twice change nothing the second time.
    let synced = session.applications(Some(ApplicationState::Synced)).expect("synced");
    let replayed = fieldkit_protocol::RecordResult {
        id: synced[0].id,
        revision: synced[0].revision,
        outcome: fieldkit_protocol::PushOutcome::AlreadyStored,
    };
    assert_eq!(session.apply_push_results(&[replayed]).expect("replay").skipped, 1);

    // The MDAs decide three; the laptop pulls and applies them once.
    let (accepted, queried, rejected) = (&synced[0], &synced[1], &synced[2]);
    storage.decide(accepted.id, accepted.revision, Decision::Accepted).await.expect("accept");
    storage
        .decide(queried.id, queried.revision, Decision::Queried { question: "Confirm the phone number".into() })
        .await
        .expect("query");
    storage
        .decide(rejected.id, rejected.revision, Decision::Rejected { reason: "Duplicate".into() })
        .await
        .expect("reject");
    let pull = serde_json::json!({ "protocol": PROTOCOL_VERSION, "cursor": 0, "limit": 100 });
    let pulled: PullResponse = post(&storage, paths::PULL, pull.clone()).await;
    assert_eq!(session.apply_events(&pulled.events).expect("apply").decisions_applied, 3);
    session.record_sync_attempt(Ok(pulled.cursor)).expect("record success");
    // The cursor, and the last error, survive signing out and in again (a restart).
    drop(session);
    let mut session = profile.sign_in(OFFICER, PIN).expect("sign in again");
    let state = session.sync_state().expect("sync state");
    assert_eq!((state.pull_cursor, state.last_error), (pulled.cursor, None));
    assert!(state.last_success_at.is_some());
    let unreachable = SyncFailure::from_error(&CoreError::SyncUnreachable("connection refused".into()));
    let failed = session.record_sync_attempt(Err(&unreachable)).expect("record failure");
    assert_eq!((failed.pull_cursor, failed.last_error.as_ref()), (pulled.cursor, Some(&unreachable)));
    // Kept as a code, so it reads in the language the officer picks afterwards.
    let said = fieldkit_core::messages::failure(&unreachable, fieldkit_core::Lang::Sw);
    assert!(said.starts_with("Seva ya usawazishaji haifikiki (connection refused)"), "{said}");
    let stale = session.record_sync_attempt(Ok(0)).expect("stale cursor");
    assert_eq!(stale.pull_cursor, pulled.cursor, "the cursor never moves back");
    let again: PullResponse = post(&storage, paths::PULL, pull).await;
    assert_eq!(session.apply_events(&again.events).expect("apply again").decisions_skipped, 3, "idempotent");
    let state = |s: &mut Session, id: uuid::Uuid| s.application(&id.to_string()).expect("app").state;
    assert_eq!(state(&mut session, accepted.id), ApplicationState::Accepted);
    assert_eq!(state(&mut session, rejected.id), ApplicationState::Rejected);
    let reloaded = session.application(&queried.id.to_string()).expect("queried");
    assert_eq!(reloaded.state, ApplicationState::Queried);
    assert_eq!(reloaded.review_note.as_deref(), Some("Confirm the phone number"));

    // Corrected and resubmitted, the queried application arrives as its next revision.
    let mut form = reloaded.form.clone();
    form.insert("phone".into(), "0733000222".into());
    session.edit_application(queried.id, form).expect("correct");
    let resubmitted = session.submit_application(queried.id).expect("resubmit");
    assert!(resubmitted.revision > reloaded.revision);
    push_all(&mut session, &storage, false).await;
    assert_eq!(storage.count().await.expect("count"), u64::from(APPLICATIONS) + 1);
    let next = storage.application(queried.id, resubmitted.revision).await.expect("read").expect("stored");
    assert_eq!(next.record.body["application"]["form"]["phone"], "+254733000222");
    let first = storage.application(queried.id, queried.revision).await.expect("read").expect("kept");
    assert_eq!(first.decision, Some(Decision::Queried { question: "Confirm the phone number".into() }));
}
