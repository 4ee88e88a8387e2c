//! The behaviour every storage backend must show, as one suite each backend's tests run against a
//! fresh, empty store. A backend that passes can sit behind the server unchanged.

use super::review::NewAudit;
use super::{Storage, StorageError};
use fieldkit_protocol::{ApplicationRecord, Decision, Event, OutreachPlan, OutreachStatus, PushOutcome, RosterOfficer};
use serde_json::json;
use uuid::Uuid;

fn record(n: u32, revision: u32) -> ApplicationRecord {
    let id = Uuid::from_u128(0x0190_e000_0000_7000_8000_0000_0000_0000 + u128::from(n));
    ApplicationRecord::new(
        id,
        revision,
        1,
        "kra.pin-registration",
        format!("K7QM-{n:06}-X"),
        json!({ "n": n, "revision": revision, "surname": "Ng'ang'a" }),
    )
}

fn outcomes(results: &[fieldkit_protocol::RecordResult]) -> Vec<PushOutcome> {
    results.iter().map(|r| r.outcome.clone()).collect()
}

/// An audit entry for a change the suite makes (the suite checks the audit log elsewhere:
/// `review_conformance`).
fn audit(action: &str) -> NewAudit {
    NewAudit::new("conformance", action, "test", "")
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Runs every check; panics with the first behaviour that differs.
pub async fn run<S: Storage>(storage: &S) {
    // A batch is stored once; sent again, it is acknowledged and not duplicated.
    let batch: Vec<_> = (1..=3).map(|n| record(n, 1)).collect();
    let first = storage.push("laptop-a", batch.clone()).await.expect("push");
    assert_eq!(outcomes(&first), vec![PushOutcome::Stored; 3]);
    let again = storage.push("laptop-a", batch.clone()).await.expect("push again");
    assert_eq!(outcomes(&again), vec![PushOutcome::AlreadyStored; 3]);
    assert_eq!(storage.count().await.expect("count"), 3);

    // Results come back in request order, mixing new and old.
    let mixed = vec![record(4, 1), record(1, 1)];
    let results = storage.push("laptop-a", mixed).await.expect("mixed");
    assert_eq!(outcomes(&results), [PushOutcome::Stored, PushOutcome::AlreadyStored]);
    assert_eq!((results[0].id, results[1].id), (record(4, 1).id, record(1, 1).id));

    // The same id and revision with other content is a conflict; the stored one is kept.
    let mut changed = record(2, 1);
    changed.body = json!({ "n": 2, "tampered": true });
    changed.content_hash = fieldkit_protocol::content_hash(&changed.body);
    let results = storage.push("laptop-a", vec![changed]).await.expect("conflict");
    assert_eq!(outcomes(&results), [PushOutcome::Conflict { stored_hash: record(2, 1).content_hash }]);
    let kept = storage.application(record(2, 1).id, 1).await.expect("read").expect("stored");
    assert_eq!(kept.record, record(2, 1));

    // A body that does not match its hash is refused, not stored.
    let mut damaged = record(5, 1);
    damaged.body = json!({ "n": 5, "damaged": true });
    let results = storage.push("laptop-a", vec![damaged]).await.expect("invalid");
    assert!(matches!(results[0].outcome, PushOutcome::Invalid { .. }));
    assert_eq!(storage.application(record(5, 1).id, 1).await.expect("read"), None);

    // A resubmission is a new revision of the same application.
    let results = storage.push("laptop-a", vec![record(1, 2)]).await.expect("revision 2");
    assert_eq!(outcomes(&results), [PushOutcome::Stored]);
    assert_eq!(storage.count().await.expect("count"), 5);

    // One batch holding a record twice, once more with other content, a damaged record and an
    // old one, out of order: answered in request order, as if stored one at a time.
    let mut twin = record(7, 1);
    twin.body = json!({ "n": 7, "twin": true });
    twin.content_hash = fieldkit_protocol::content_hash(&twin.body);
    let mut damaged = record(8, 1);
    damaged.body = json!({ "n": 8, "damaged": true });
    let batch = vec![record(7, 1), record(6, 1), record(7, 1), twin, damaged, record(2, 1)];
    let results = storage.push("laptop-a", batch.clone()).await.expect("mixed batch");
    let keys: Vec<(Uuid, u32)> = results.iter().map(|r| (r.id, r.revision)).collect();
    assert_eq!(keys, batch.iter().map(|r| (r.id, r.revision)).collect::<Vec<_>>());
    assert_eq!(
        outcomes(&results)[..4],
        [
            PushOutcome::Stored,
            PushOutcome::Stored,
            PushOutcome::AlreadyStored,
            PushOutcome::Conflict { stored_hash: record(7, 1).content_hash }
        ]
    );
    assert!(matches!(results[4].outcome, PushOutcome::Invalid { .. }), "{:?}", results[4]);
    assert_eq!(results[5].outcome, PushOutcome::AlreadyStored);
    assert_eq!(storage.count().await.expect("count"), 7);
    assert_eq!(storage.application(record(7, 1).id, 1).await.expect("read").expect("stored").record, record(7, 1));

    // Decisions reach the laptop that sent the application, in order, by cursor.
    let (events, more) = storage.pull("laptop-a", 0, 10).await.expect("pull");
    assert!(events.is_empty() && !more);
    storage.decide(record(1, 1).id, 1, Decision::Queried { question: "Which county?".into() }).await.expect("q");
    storage.decide(record(3, 1).id, 1, Decision::Accepted).await.expect("accept");
    storage.push("laptop-b", vec![record(9, 1)]).await.expect("other laptop");
    storage.decide(record(9, 1).id, 1, Decision::Rejected { reason: "Duplicate".into() }).await.expect("reject");

    let (events, more) = storage.pull("laptop-a", 0, 1).await.expect("pull 1");
    assert!(more, "a second event waits");
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].event,
        Event::Review {
            application_id: record(1, 1).id,
            revision: 1,
            decision: Decision::Queried { question: "Which county?".into() }
        }
    );
    let (rest, more) = storage.pull("laptop-a", events[0].seq, 10).await.expect("pull rest");
    assert!(!more);
    assert_eq!(rest.len(), 1);
    assert!(rest[0].seq > events[0].seq);
    assert!(matches!(rest[0].event, Event::Review { decision: Decision::Accepted, .. }));
    let (after_all, _) = storage.pull("laptop-a", rest[0].seq, 10).await.expect("pull after");
    assert!(after_all.is_empty(), "a cursor past the end sees nothing new");
    let (other, _) = storage.pull("laptop-b", 0, 10).await.expect("pull b");
    assert_eq!(other.len(), 1, "each laptop sees only its own decisions");

    // One decision per revision; deciding what was never pushed is refused.
    let again = storage.decide(record(3, 1).id, 1, Decision::Accepted).await;
    assert!(matches!(again, Err(StorageError::AlreadyDecided(..))), "{again:?}");
    let unknown = storage.decide(Uuid::nil(), 1, Decision::Accepted).await;
    assert!(matches!(unknown, Err(StorageError::NotFound(..))), "{unknown:?}");
    let decided = storage.application(record(3, 1).id, 1).await.expect("read").expect("stored");
    assert_eq!((decided.decision, decided.device_id.as_str()), (Some(Decision::Accepted), "laptop-a"));

    devices(storage).await;
    publications(storage).await;
}

/// The device registry: one certificate per id, ids never reused, revocation sticks.
async fn devices<S: Storage>(storage: &S) {
    const FP_A: &str = "aa00000000000000000000000000000000000000000000000000000000000001";
    const FP_B: &str = "bb00000000000000000000000000000000000000000000000000000000000002";
    assert_eq!(storage.device_by_fingerprint(FP_A).await.expect("lookup"), None);
    let a = storage.enrol_device("K7QM", FP_A, audit("device.enrolled"), now()).await.expect("enrol");
    assert_eq!((a.id.as_str(), a.fingerprint.as_str(), a.revoked_at.as_deref()), ("K7QM", FP_A, None));
    assert!(a.enrolled_at.ends_with('Z'), "{}", a.enrolled_at);
    assert_eq!(storage.device_by_fingerprint(FP_A).await.expect("lookup"), Some(a.clone()));

    let same_id = storage.enrol_device("K7QM", FP_B, audit("device.enrolled"), now()).await;
    assert!(matches!(same_id, Err(StorageError::DeviceExists(_))), "{same_id:?}");
    let same_cert = storage.enrol_device("P2ZX", FP_A, audit("device.enrolled"), now()).await;
    assert!(matches!(same_cert, Err(StorageError::DeviceExists(_))), "{same_cert:?}");
    storage.enrol_device("P2ZX", FP_B, audit("device.enrolled"), now()).await.expect("second device");

    let revoked = storage.revoke_device("K7QM", audit("device.revoked"), now()).await.expect("revoke");
    let when = revoked.revoked_at.clone().expect("revoked_at set");
    let again = storage.revoke_device("K7QM", audit("device.revoked"), now()).await.expect("revoke again");
    assert_eq!(again.revoked_at.as_deref(), Some(when.as_str()), "the first revocation time is kept");
    let looked_up = storage.device_by_fingerprint(FP_A).await.expect("lookup").expect("still listed");
    assert!(looked_up.revoked_at.is_some());
    let unknown = storage.revoke_device("NOPE", audit("device.revoked"), now()).await;
    assert!(matches!(unknown, Err(StorageError::UnknownDevice(_))), "{unknown:?}");
    let reuse = storage
        .enrol_device(
            "K7QM",
            "cc00000000000000000000000000000000000000000000000000000000000003",
            audit("device.enrolled"),
            now(),
        )
        .await;
    assert!(matches!(reuse, Err(StorageError::DeviceExists(_))), "a revoked id is not reused: {reuse:?}");

    let listed: Vec<_> = storage.devices().await.expect("list").into_iter().map(|d| d.id).collect();
    assert_eq!(listed, ["K7QM", "P2ZX"]);
}

fn events_of(page: Vec<super::SequencedEvent>) -> Vec<Event> {
    page.into_iter().map(|e| e.event).collect()
}

/// Catalogues go to every unrevoked device and to devices enrolled later; rosters and outreach
/// plans go to the devices named, all or none. Runs after [`devices`]: K7QM is revoked, P2ZX is
/// not.
async fn publications<S: Storage>(storage: &S) {
    assert_eq!(storage.latest_catalogue().await.expect("latest"), None);
    let (before, _) = storage.pull("P2ZX", 0, 100).await.expect("pull");
    let cursor = before.last().map_or(0, |e| e.seq);

    assert_eq!(
        storage.publish_catalogue(2, "version = 2", |_| audit("catalogue.published"), now()).await.expect("publish"),
        1,
        "P2ZX only: K7QM is revoked"
    );
    let stale = storage.publish_catalogue(2, "version = 2 # again", |_| audit("catalogue.published"), now()).await;
    assert!(matches!(stale, Err(StorageError::StaleCatalogue { version: 2, latest: 2 })), "{stale:?}");
    let older = storage.publish_catalogue(1, "version = 1", |_| audit("catalogue.published"), now()).await;
    assert!(matches!(older, Err(StorageError::StaleCatalogue { version: 1, latest: 2 })), "{older:?}");
    storage.publish_catalogue(3, "version = 3", |_| audit("catalogue.published"), now()).await.expect("publish 3");
    assert_eq!(storage.latest_catalogue().await.expect("latest"), Some((3, "version = 3".to_string())));

    let (page, _) = storage.pull("P2ZX", cursor, 100).await.expect("pull");
    assert_eq!(
        events_of(page.clone()),
        [
            Event::Catalogue { version: 2, text: "version = 2".into() },
            Event::Catalogue { version: 3, text: "version = 3".into() },
        ]
    );
    let cursor = page.last().map_or(cursor, |e| e.seq);
    let (revoked, _) = storage.pull("K7QM", 0, 100).await.expect("pull");
    assert!(events_of(revoked).iter().all(|e| !matches!(e, Event::Catalogue { .. })), "nothing for a revoked device");

    // A device enrolled now starts with the newest catalogue, not the history.
    storage
        .enrol_device(
            "M4RN",
            "dd00000000000000000000000000000000000000000000000000000000000004",
            audit("device.enrolled"),
            now(),
        )
        .await
        .expect("enrol");
    let (first, _) = storage.pull("M4RN", 0, 100).await.expect("pull");
    assert_eq!(events_of(first), [Event::Catalogue { version: 3, text: "version = 3".into() }]);

    // Rosters and outreach plans go to the devices named; one unknown or revoked name and
    // nobody gets it.
    let roster = Event::Roster {
        officers: vec![RosterOfficer {
            number: "FD001".into(),
            name: "Wanjiku Kamau".into(),
            role: "front_desk_officer".into(),
            active: false,
        }],
    };
    let unknown = storage.publish(&["P2ZX".into(), "NOPE".into()], roster.clone(), audit("published"), now()).await;
    assert!(matches!(unknown, Err(StorageError::UnknownDevice(ref id)) if id == "NOPE"), "{unknown:?}");
    let revoked = storage.publish(&["P2ZX".into(), "K7QM".into()], roster.clone(), audit("published"), now()).await;
    assert!(matches!(revoked, Err(StorageError::DeviceRevoked(ref id)) if id == "K7QM"), "{revoked:?}");
    let (nothing, _) = storage.pull("P2ZX", cursor, 100).await.expect("pull");
    assert!(nothing.is_empty(), "a refused publication leaves no event behind: {nothing:?}");

    let plan = Event::Outreach {
        plan: Box::new(OutreachPlan {
            id: Uuid::from_u128(7),
            revision: 1,
            name: "Kangema market day".into(),
            centre: "Murang'a".into(),
            county_code: "021".into(),
            place: "Kangema market".into(),
            starts_on: "2026-12-01".into(),
            ends_on: "2026-12-02".into(),
            services: vec!["kra.pin-registration".into()],
            status: OutreachStatus::Confirmed,
            ..Default::default()
        }),
    };
    storage.publish(&["P2ZX".into()], roster.clone(), audit("published"), now()).await.expect("roster");
    storage.publish(&["P2ZX".into(), "M4RN".into()], plan.clone(), audit("published"), now()).await.expect("plan");
    let (page, _) = storage.pull("P2ZX", cursor, 100).await.expect("pull");
    assert_eq!(events_of(page), [roster, plan.clone()]);
    let (page, _) = storage.pull("M4RN", 0, 100).await.expect("pull");
    assert_eq!(events_of(page).last(), Some(&plan));
}
