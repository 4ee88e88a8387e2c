//! The SQLite backend against the storage conformance suite, and durability across reopening.

use huduma_sync::storage::sqlite::SqliteStorage;
use huduma_sync::storage::{Storage, conformance};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = SqliteStorage::open(&dir.path().join("sync.db")).expect("open");
    conformance::run(&storage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_was_acknowledged_is_there_after_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sync.db");
    let record = fieldkit_protocol::ApplicationRecord::new(
        uuid::Uuid::now_v7(),
        1,
        1,
        "nssf.member-registration",
        "K7QM-000001-X",
        serde_json::json!({ "n": 1 }),
    );
    {
        let storage = SqliteStorage::open(&path).expect("open");
        storage.push("laptop-a", vec![record.clone()]).await.expect("push");
    }
    let reopened = SqliteStorage::open(&path).expect("reopen");
    let stored = reopened.application(record.id, 1).await.expect("read").expect("kept");
    assert_eq!(stored.record, record);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_review_conformance_suite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = SqliteStorage::open(&dir.path().join("sync.db")).expect("open");
    huduma_sync::storage::review_conformance::run(&storage).await;
}
