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

/// Every earlier schema — the unversioned first one (0) and each numbered one — upgrades to the
/// latest with its data in place and filed for review; a database from a newer build is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_earlier_schema_upgrades_with_its_data() {
    use huduma_sync::storage::review::{NewAudit, ReviewFilter, ReviewStorage};
    use huduma_sync::storage::sqlite::LATEST_SCHEMA;
    for from in 0..LATEST_SCHEMA {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sync.db");
        let old = SqliteStorage::open_at_version(&path, from.max(1)).expect("old schema");
        // 2026-11-20 22:30 UTC is already 21 November in Kenya.
        let body =
            r#"{"application":{"created_at":1795213800,"outreach":{"id":"o-1","name":"Kangema market"}},"citizen":{}}"#;
        if from >= 2 {
            // From schema 2 on, the push itself files the application.
            let value: serde_json::Value = serde_json::from_str(body).expect("json");
            let id = uuid::Uuid::parse_str("0190f000-0000-7000-8000-000000000001").expect("uuid");
            let record =
                fieldkit_protocol::ApplicationRecord::new(id, 1, 1, "sha.member-registration", "K7QM-000001-X", value);
            old.push("K7QM", vec![record]).await.expect("push at the old schema");
        }
        drop(old);
        let conn = rusqlite::Connection::open(&path).expect("raw");
        if from == 0 {
            conn.pragma_update(None, "user_version", 0).expect("unversioned");
        }
        if from < 2 {
            conn.execute(
                "INSERT INTO applications (id, revision, device_id, content_hash, catalogue_version, service_id, reference, body)
                 VALUES ('0190f000-0000-7000-8000-000000000001', 1, 'K7QM', 'h', 1, 'sha.member-registration', 'K7QM-000001-X', ?1)",
                [body],
            )
            .expect("old row");
        }
        drop(conn);

        let upgraded = SqliteStorage::open(&path).expect("upgrade");
        assert_eq!(upgraded.schema_version().expect("version"), LATEST_SCHEMA, "from {from}");
        let filter = ReviewFilter { services: vec!["sha.member-registration".into()], ..ReviewFilter::default() };
        let (items, total) = upgraded.review_items(&filter, 10, 0).await.expect("items");
        assert_eq!(total, 1, "from {from}");
        assert_eq!(items[0].captured_on, "2026-11-21");
        assert_eq!(items[0].outreach_name.as_deref(), Some("Kangema market"));
        upgraded.append_audit(NewAudit::new("a", "b", "c", ""), time::OffsetDateTime::now_utc()).await.expect("audit");
        drop(upgraded);

        // The audit log refuses to be edited, even from outside the server.
        let conn = rusqlite::Connection::open(&path).expect("raw");
        let update = conn.execute("UPDATE console_audit SET actor = 'someone else'", []);
        assert!(update.is_err_and(|e| e.to_string().contains("append-only")));
        assert!(conn.execute("DELETE FROM console_audit", []).is_err());
        conn.pragma_update(None, "user_version", LATEST_SCHEMA as i64 + 1).expect("from the future");
        drop(conn);
        let refused = SqliteStorage::open(&path).err().expect("a newer schema is refused").to_string();
        assert!(refused.contains("newer than this build"), "{refused}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_outreach_conformance_suite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = SqliteStorage::open(&dir.path().join("sync.db")).expect("open");
    huduma_sync::storage::outreach::run_conformance(&storage).await;
}
