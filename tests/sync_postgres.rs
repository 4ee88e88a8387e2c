//! The PostgreSQL backend: the shared conformance suite against a real server, schema
//! migrations under concurrency, and two stateless `huduma-sync` processes on one database.

use fieldkit_core::ApplicationState;
use fieldkit_core::sync::{BatchSizer, SyncClient, sync_once};
use fieldkit_e2e::deployment::{self, ServerProcess};
use fieldkit_e2e::{OFFICER, PIN, capture, postgres, provision_enrolled};
use fieldkit_protocol::{Decision, Enrolment, PushOutcome};
use huduma_sync::storage::Storage;
use huduma_sync::storage::postgres::{LATEST_SCHEMA, PostgresStorage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_storage_conformance_suite() {
    let url = postgres::fresh_database().await;
    let storage = PostgresStorage::connect(&url).await.expect("connect");
    huduma_sync::storage::conformance::run(&storage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_migrate_once() {
    let url = postgres::fresh_database().await;
    let (a, b, c) =
        tokio::join!(PostgresStorage::connect(&url), PostgresStorage::connect(&url), PostgresStorage::connect(&url));
    let a = a.expect("a");
    b.expect("b");
    c.expect("c");
    assert_eq!(a.schema_version().await.expect("version"), LATEST_SCHEMA);
    // Reconnecting to a migrated database changes nothing.
    let again = PostgresStorage::connect(&url).await.expect("again");
    assert_eq!(again.schema_version().await.expect("version"), LATEST_SCHEMA);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_earlier_schema_upgrades_keeping_its_rows() {
    for from in 0..LATEST_SCHEMA {
        let url = postgres::fresh_database().await;
        let old = PostgresStorage::connect_at_version(&url, from).await.expect("old schema");
        assert_eq!(old.schema_version().await.expect("version"), from);
        drop(old);
        if from >= 1 {
            // Rows as a schema-1 server wrote them (the storage methods speak the latest schema).
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.expect("connect");
            let driver = tokio::spawn(connection);
            client
                .execute("INSERT INTO devices (id, fingerprint) VALUES ('K7QM', $1)", &[&"ab".repeat(32)])
                .await
                .expect("device at schema 1");
            drop(client);
            let _ = driver.await;
        }
        let upgraded = PostgresStorage::connect(&url).await.expect("upgrade");
        assert_eq!(upgraded.schema_version().await.expect("version"), LATEST_SCHEMA, "from {from}");
        if from >= 1 {
            let devices = upgraded.devices().await.expect("devices");
            assert_eq!(devices.len(), 1, "rows kept from schema {from}");
        }
        // The upgraded schema does everything the latest does.
        upgraded.publish_catalogue(9, "version = 9").await.expect("catalogues table present");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pushes_of_the_same_records_store_each_once() {
    let url = postgres::fresh_database().await;
    let one = PostgresStorage::connect(&url).await.expect("one");
    let two = PostgresStorage::connect(&url).await.expect("two");
    let records: Vec<_> = (0..200u32)
        .map(|n| {
            fieldkit_protocol::ApplicationRecord::new(
                uuid::Uuid::now_v7(),
                1,
                1,
                "kra.pin-registration",
                format!("K7QM-{n:06}-X"),
                serde_json::json!({ "n": n }),
            )
        })
        .collect();
    let (a, b) = tokio::join!(one.push("K7QM", records.clone()), two.push("K7QM", records.clone()));
    let (a, b) = (a.expect("a"), b.expect("b"));
    for (x, y) in a.iter().zip(&b) {
        let outcomes = [&x.outcome, &y.outcome];
        assert!(outcomes.contains(&&PushOutcome::Stored) || x.outcome == y.outcome, "{outcomes:?}");
        assert!(outcomes.iter().all(|o| o.is_acknowledged()), "{outcomes:?}");
    }
    let stored = a.iter().chain(&b).filter(|r| r.outcome == PushOutcome::Stored).count();
    assert_eq!(stored, 200, "each record stored by exactly one of the two");
    assert_eq!(one.count().await.expect("count"), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_database_serve_one_laptop_exactly_once() {
    let url = postgres::fresh_database().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = deployment::pki_dir(dir.path());
    let config = dir.path().join("huduma-sync.toml");
    deployment::write_config(&config, &pki, &format!("backend = \"postgres\"\nurl = {url:?}"));
    let node_a = ServerProcess::start(&config);
    let node_b = ServerProcess::start(&config);
    let storage = PostgresStorage::connect(&url).await.expect("connect");
    let via_a = deployment::enrol(&pki, &storage, "K7QM", node_a.addr).await;
    let via_b = Enrolment { server_url: format!("https://{}", node_b.addr), ..via_a.clone() };

    let profile = provision_enrolled(&dir.path().join("laptop"), &via_a);
    let mut session = profile.sign_in(OFFICER, PIN).expect("sign in");
    capture(&mut session, 37_000_000, 300);
    // Both nodes receive the same first batches (a load balancer retrying on the other node).
    let records = session.outbox_records(120).expect("outbox");
    let client_a = SyncClient::new(&via_a).expect("client a");
    let client_b = SyncClient::new(&via_b).expect("client b");
    let (a, b) = tokio::join!(client_a.push(records.clone()), client_b.push(records));
    let (a, b) = (a.expect("push a").0, b.expect("push b").0);
    assert!(a.results.iter().chain(&b.results).all(|r| r.outcome.is_acknowledged()));
    // The laptop then syncs the rest through node B.
    let report = sync_once(&mut session, &client_b, &mut BatchSizer::default(), &mut |_| {}).await.expect("sync b");
    assert_eq!(report.pushed.synced, 300);
    assert_eq!(storage.count().await.expect("count"), 300, "exactly once across both nodes");

    // A decision recorded through the database reaches the laptop through node A.
    let first = session.applications(Some(ApplicationState::Synced)).expect("synced")[0].clone();
    storage.decide(first.id, 1, Decision::Rejected { reason: "Photo unclear".into() }).await.expect("decide");
    let report = sync_once(&mut session, &client_a, &mut BatchSizer::default(), &mut |_| {}).await.expect("sync a");
    assert_eq!(report.pulled.decisions_applied, 1);
    let rejected = session.application(&first.id.to_string()).expect("app");
    assert_eq!((rejected.state, rejected.review_note.as_deref()), (ApplicationState::Rejected, Some("Photo unclear")));

    // Revoked through one node's database, refused by both.
    storage.revoke_device("K7QM").await.expect("revoke");
    for client in [&client_a, &client_b] {
        assert_eq!(client.pull(0, 1).await.expect_err("revoked").code(), "device_revoked");
    }
}
