//! The PostgreSQL backend: the shared conformance suite against a real server, schema
//! migrations under concurrency, and two stateless `huduma-sync` processes on one database.

use fieldkit_core::ApplicationState;
use fieldkit_core::sync::{BatchSizer, SyncClient, sync_once};
use fieldkit_e2e::deployment::{self, ServerProcess};
use fieldkit_e2e::{OFFICER, PIN, capture, postgres, provision_enrolled};
use fieldkit_protocol::{ApplicationRecord, Decision, Enrolment, PushOutcome};
use huduma_sync::service::Actor;
use huduma_sync::service::review::{self, Reviewer};
use huduma_sync::storage::postgres::{LATEST_SCHEMA, PostgresStorage};
use huduma_sync::storage::review::{
    DecideOutcome, NewAudit, ReviewFilter, ReviewPlacement, ReviewStorage, verify_audit_chain,
};
use huduma_sync::storage::{Storage, StorageError};
use serde_json::json;
use std::collections::HashSet;
use time::OffsetDateTime;
use uuid::Uuid;

/// A plain connection to `url`, for SQL the storage methods would not run.
async fn sql_client(url: &str) -> (tokio_postgres::Client, tokio::task::JoinHandle<()>) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("connect");
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    (client, driver)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_storage_conformance_suite() {
    let url = postgres::fresh_database().await;
    let storage = PostgresStorage::connect(&url).await.expect("connect");
    huduma_sync::storage::conformance::run(&storage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_review_conformance_suite() {
    let url = postgres::fresh_database().await;
    let storage = PostgresStorage::connect(&url).await.expect("connect");
    huduma_sync::storage::review_conformance::run(&storage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_outreach_conformance_suite() {
    let url = postgres::fresh_database().await;
    let storage = PostgresStorage::connect(&url).await.expect("connect");
    huduma_sync::storage::outreach::run_conformance(&storage).await;
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

const SERVICE: &str = "national-id.first-issue";
/// 2026-11-20 22:30 UTC: 01:30 on 21 November in Kenya.
const LATE: i64 = 1_795_154_400 + 16 * 3600 + 1800;

/// Applications as servers before the review console stored them, each with the instant it was
/// received: placed by the capture time in the body, or (no usable capture time) by receipt.
fn old_applications() -> Vec<(ApplicationRecord, &'static str)> {
    let application = |n: u128, body: serde_json::Value| {
        ApplicationRecord::new(
            Uuid::from_u128(0x0190_d000_0000_7000_8000_0000_0000_0000 + n),
            1,
            1,
            SERVICE,
            format!("K7QM-{n:06}-X"),
            body,
        )
    };
    vec![
        // Captured at an outreach at 01:30 Kenyan time on the 21st, received in the morning.
        (
            application(
                1,
                json!({ "application": {
                    "created_at": LATE,
                    "outreach": { "id": "6f1c2a4e-0000-4000-8000-000000000001", "name": "Kangema market" },
                    "form": { "surname": "Wanjiru" },
                } }),
            ),
            "2026-11-21T06:00:00Z",
        ),
        // An older laptop's body without a capture time: the Kenyan day it arrived (00:30 on the 21st).
        (application(2, json!({ "n": 2 })), "2026-11-20T21:30:00Z"),
        // A capture time given as text, an outreach id that is not text: neither is used (the name is).
        (
            application(
                3,
                json!({ "application": { "created_at": "1795154400", "outreach": { "id": 7, "name": "Othaya" } } }),
            ),
            "2026-11-19T12:00:00Z",
        ),
        // A capture time that is not whole seconds: the day of receipt, a second before Kenyan midnight.
        (application(4, json!({ "application": { "created_at": 1_795_154_400.5 } })), "2026-11-18T20:59:59Z"),
    ]
}

fn parse_rfc3339(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).expect("RFC 3339")
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
            let (client, driver) = sql_client(&url).await;
            client
                .execute("INSERT INTO devices (id, fingerprint) VALUES ('K7QM', $1)", &[&"ab".repeat(32)])
                .await
                .expect("device at schema 1");
            for (record, received_at) in old_applications() {
                let body = serde_json::to_string(&record.body).expect("body");
                client
                    .execute(
                        "INSERT INTO applications (id, revision, device_id, content_hash, catalogue_version,
                             service_id, reference, body, received_at)
                         VALUES ($1, 1, 'K7QM', $2, 1, $3, $4, $5, $6::text::timestamptz)",
                        &[&record.id, &record.content_hash, &record.service_id, &record.reference, &body, &received_at],
                    )
                    .await
                    .expect("application at schema 1");
                if from >= 3 {
                    // From schema 3 on, the server files each application as it is pushed.
                    let place = ReviewPlacement::of(&record, parse_rfc3339(received_at));
                    client
                        .execute(
                            "UPDATE applications SET captured_on = $2, outreach_id = $3, outreach_name = $4 WHERE id = $1",
                            &[&record.id, &place.captured_on, &place.outreach_id, &place.outreach_name],
                        )
                        .await
                        .expect("placed at schema 3");
                }
            }
            let first = old_applications()[0].0.id;
            client
                .execute(
                    r#"INSERT INTO decisions (application_id, revision, decision, decided_at)
                       VALUES ($1, 1, '{"decision":"accepted"}', '2026-11-21T08:00:00Z')"#,
                    &[&first],
                )
                .await
                .expect("decision at schema 1");
            drop(client);
            let _ = driver.await;
        }
        let upgraded = PostgresStorage::connect(&url).await.expect("upgrade");
        assert_eq!(upgraded.schema_version().await.expect("version"), LATEST_SCHEMA, "from {from}");
        if from >= 1 {
            let devices = upgraded.devices().await.expect("devices");
            assert_eq!(devices.len(), 1, "rows kept from schema {from}");
            // Each old application is placed where a push today would place it.
            let all = ReviewFilter { services: vec![SERVICE.into()], ..ReviewFilter::default() };
            let (items, total) = upgraded.review_items(&all, 50, 0).await.expect("items");
            assert_eq!(total, 4, "from {from}");
            for (record, received_at) in old_applications() {
                let item = items.iter().find(|i| i.record.id == record.id).expect("listed");
                assert_eq!(item.record, record);
                let place = ReviewPlacement::of(&record, parse_rfc3339(received_at));
                assert_eq!(
                    (item.captured_on.as_str(), item.outreach_id.as_deref(), item.outreach_name.as_deref()),
                    (place.captured_on.as_str(), place.outreach_id.as_deref(), place.outreach_name.as_deref()),
                    "{} from {from}",
                    record.reference
                );
                assert_eq!(parse_rfc3339(&item.received_at), parse_rfc3339(received_at));
            }
            let days: Vec<_> = old_applications()
                .iter()
                .map(|(r, _)| items.iter().find(|i| i.record.id == r.id).map(|i| i.captured_on.clone()))
                .collect();
            assert_eq!(
                days,
                ["2026-11-21", "2026-11-21", "2026-11-19", "2026-11-18"].map(|d| Some(d.to_string())),
                "from {from}"
            );
            let outreach =
                ReviewFilter { outreach_id: Some("6f1c2a4e-0000-4000-8000-000000000001".into()), ..all.clone() };
            assert_eq!(upgraded.review_items(&outreach, 50, 0).await.expect("outreach").1, 1);
            // The old decision reads as any other, decided by no one the console knows.
            let decided = upgraded
                .review_item(&[SERVICE.into()], old_applications()[0].0.id, 1)
                .await
                .expect("item")
                .expect("found");
            assert_eq!(decided.decision, Some(Decision::Accepted));
            assert_eq!((decided.decided_by, decided.decided_at.as_deref()), (None, Some("2026-11-21T08:00:00Z")));
            let batches = upgraded.batches(&all).await.expect("batches");
            assert_eq!(
                batches.iter().map(|b| (b.captured_on.as_str(), b.total, b.accepted)).collect::<Vec<_>>(),
                [("2026-11-21", 1, 0), ("2026-11-21", 1, 1), ("2026-11-19", 1, 0), ("2026-11-18", 1, 0)]
            );
        }
        // The upgraded schema does everything the latest does.
        upgraded
            .publish_catalogue(
                9,
                "version = 9",
                |_| NewAudit::new("cli", "catalogue.published", "catalogue:9", ""),
                OffsetDateTime::now_utc(),
            )
            .await
            .expect("catalogues table present");
        upgraded
            .append_audit(NewAudit::new("cli", "schema.checked", "database", ""), OffsetDateTime::now_utc())
            .await
            .expect("audit table present");
        // The audit log refuses to be changed or emptied, even by SQL that bypasses the server.
        let (client, driver) = sql_client(&url).await;
        for statement in
            ["UPDATE console_audit SET detail = 'rewritten'", "DELETE FROM console_audit", "TRUNCATE console_audit"]
        {
            let error = client.batch_execute(statement).await.expect_err(statement);
            let message = error.as_db_error().map(|e| e.message().to_string()).unwrap_or_default();
            assert!(message.contains("append-only"), "{statement}: {error:?}");
        }
        drop(client);
        let _ = driver.await;
        let chain = upgraded.audit_chain().await.expect("chain");
        assert_eq!(verify_audit_chain(&chain).expect("intact"), 2, "the publication and the check");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_sharing_a_database_keep_one_audit_chain_and_claim_each_delivery_once() {
    let url = postgres::fresh_database().await;
    let one = PostgresStorage::connect(&url).await.expect("one");
    let two = PostgresStorage::connect(&url).await.expect("two");

    // Appenders on both nodes at once: one chain, no gaps, no forks.
    let mut appenders = Vec::new();
    for task in 0..8 {
        let node = if task % 2 == 0 { one.clone() } else { two.clone() };
        appenders.push(tokio::spawn(async move {
            for n in 0..10 {
                node.append_audit(
                    NewAudit::new("cli", "test.append", format!("task:{task}"), n.to_string()),
                    OffsetDateTime::now_utc(),
                )
                .await
                .expect("append");
            }
        }));
    }
    for appender in appenders {
        appender.await.expect("appender");
    }
    let chain = one.audit_chain().await.expect("chain");
    assert_eq!(verify_audit_chain(&chain).expect("verifies"), 80);

    // Both nodes decide the same revisions at once: each is decided once, one event each.
    let records: Vec<_> = (0..40u32)
        .map(|n| {
            ApplicationRecord::new(
                Uuid::now_v7(),
                1,
                1,
                SERVICE,
                format!("K7QM-{n:06}-X"),
                json!({ "application": { "created_at": LATE, "form": { "n": n } } }),
            )
        })
        .collect();
    one.push("K7QM", records.clone()).await.expect("push");
    let services = vec![SERVICE.to_string()];
    let decisions: Vec<_> = records.iter().map(|r| (r.id, 1, Decision::Accepted)).collect();
    let mut reversed = decisions.clone();
    reversed.reverse();
    let now = OffsetDateTime::now_utc();
    let (wambui, otieno) = (
        Reviewer::new(Actor::account("wambui.nrb"), &services, "nrb"),
        Reviewer::new(Actor::account("otieno.nrb"), &services, "nrb"),
    );
    let (a, b) =
        tokio::join!(review::decide(&one, &wambui, decisions, now), review::decide(&two, &otieno, reversed, now));
    let (a, mut b) = (a.expect("a"), b.expect("b"));
    b.reverse();
    for (x, y) in a.iter().zip(&b) {
        let mut pair = [x.clone(), y.clone()];
        pair.sort_by_key(|o| format!("{o:?}"));
        assert_eq!(pair, [DecideOutcome::AlreadyDecided, DecideOutcome::Decided]);
    }
    let (events, more) = one.pull("K7QM", 0, 1000).await.expect("pull");
    assert_eq!((events.len(), more), (40, false), "one event per decision");
    assert!(events.windows(2).all(|w| w[1].seq == w[0].seq + 1), "numbered without gaps");
    assert_eq!(verify_audit_chain(&one.audit_chain().await.expect("chain")).expect("verifies"), 120);

    // Both nodes claim the 40 deliveries at once, a few at a time: each is claimed exactly once.
    let due = now.unix_timestamp();
    let claim = |node: PostgresStorage| async move {
        let mut claimed = Vec::new();
        loop {
            let jobs = node.claim_deliveries(&["nrb".to_string()], due, 300, 3).await.expect("claim");
            if jobs.is_empty() {
                return claimed;
            }
            claimed.extend(jobs.into_iter().map(|j| (j.application_id, j.revision)));
        }
    };
    let (a, b) = tokio::join!(claim(one.clone()), claim(two.clone()));
    let all: HashSet<_> = a.iter().chain(&b).copied().collect();
    assert_eq!((a.len() + b.len(), all.len()), (40, 40), "one node: {}, the other: {}", a.len(), b.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_and_a_resubmission_through_two_nodes_wait_for_each_other() {
    // Another node's transactions are played by hand, holding what push and a decision lock, so
    // the waiting is seen; without it the decision would be recorded on a superseded revision.
    let url = postgres::fresh_database().await;
    let storage = PostgresStorage::connect(&url).await.expect("connect");
    let services = vec![SERVICE.to_string()];
    let revision = |id: Uuid, r: u32| {
        ApplicationRecord::new(id, r, 1, SERVICE, "K7QM-000001-X", json!({ "id": id, "revision": r }))
    };
    let (mut client, driver) = sql_client(&url).await;

    // A resubmission in flight on another node: the decision on revision 1 waits for it and then
    // finds revision 1 superseded.
    let queried = Uuid::now_v7();
    storage.push("K7QM", vec![revision(queried, 1)]).await.expect("revision 1");
    let other_node = client.transaction().await.expect("begin");
    other_node.query("SELECT 1 FROM applications WHERE id = $1 FOR SHARE", &[&queried]).await.expect("what push locks");
    let second = revision(queried, 2);
    other_node
        .execute(
            "INSERT INTO applications (id, revision, device_id, content_hash, catalogue_version, service_id,
                 reference, body, captured_on)
             VALUES ($1, 2, 'K7QM', $2, 1, $3, $4, $5, '2026-11-21')",
            &[&second.id, &second.content_hash, &second.service_id, &second.reference, &second.body.to_string()],
        )
        .await
        .expect("revision 2");
    let node = storage.clone();
    let services_ = services.clone();
    let decide = tokio::spawn(async move {
        let reviewer = Reviewer::new(Actor::account("w"), &services_, "nrb");
        review::decide(&node, &reviewer, vec![(queried, 1, Decision::Accepted)], OffsetDateTime::now_utc()).await
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!decide.is_finished(), "the decision waits for the resubmission");
    other_node.commit().await.expect("commit");
    assert_eq!(decide.await.expect("task").expect("decide"), [DecideOutcome::Superseded]);

    // A decision in flight on another node: the resubmission waits for it to commit.
    let decided = Uuid::now_v7();
    storage.push("K7QM", vec![revision(decided, 1)]).await.expect("revision 1");
    let other_node = client.transaction().await.expect("begin");
    other_node
        .query("SELECT 1 FROM applications WHERE id = $1 FOR NO KEY UPDATE", &[&decided])
        .await
        .expect("what a decision locks");
    let node = storage.clone();
    let push = tokio::spawn(async move { node.push("K7QM", vec![revision(decided, 2)]).await });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!push.is_finished(), "the resubmission waits for the decision");
    other_node.commit().await.expect("commit");
    let pushed = push.await.expect("task").expect("push");
    assert_eq!(pushed[0].outcome, PushOutcome::Stored);
    // First revisions are not held up: nothing to supersede.
    let other_node = client.transaction().await.expect("begin");
    other_node.query("SELECT 1 FROM applications WHERE id = $1 FOR NO KEY UPDATE", &[&decided]).await.expect("lock");
    let fresh = storage.push("K7QM", vec![revision(Uuid::now_v7(), 1)]).await.expect("push");
    assert_eq!(fresh[0].outcome, PushOutcome::Stored);
    other_node.rollback().await.expect("rollback");
    drop(client);
    let _ = driver.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_account_is_refused_and_nothing_audited() {
    let url = postgres::fresh_database().await;
    let storage = PostgresStorage::connect(&url).await.expect("connect");
    let refused = storage
        .set_password(
            "nobody",
            "$argon2id$x",
            NewAudit::new("admin", "account.password_reset", "account:nobody", ""),
            OffsetDateTime::now_utc(),
        )
        .await;
    assert!(matches!(refused, Err(StorageError::UnknownAccount(_))), "{refused:?}");
    assert!(storage.audit_chain().await.expect("chain").is_empty());
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
    storage
        .revoke_device("K7QM", NewAudit::new("cli", "device.revoked", "device:K7QM", ""), OffsetDateTime::now_utc())
        .await
        .expect("revoke");
    for client in [&client_a, &client_b] {
        assert_eq!(client.pull(0, 1).await.expect_err("revoked").code(), "device_revoked");
    }
}
