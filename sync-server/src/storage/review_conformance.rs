//! What every backend must do for the review console, run against a fresh, empty store (after
//! or instead of [`super::conformance::run`]).

use super::review::{
    ConsoleRole, ConsoleSession, ConsoleUser, DecideOutcome, DeliveryJob, DeliveryResult, NewAudit, ReviewFilter,
    ReviewStatus, ReviewStorage, verify_audit_chain,
};
use super::{Storage, StorageError};
use crate::service::Actor;
use crate::service::review::{Reviewer, decide};
use fieldkit_protocol::{ApplicationRecord, Decision, Event};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

const ID: &str = "national-id.first-issue";
const SHA: &str = "sha.member-registration";

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// 2026-11-20 06:00 UTC = 09:00 in Kenya.
const DAY1: i64 = 1_795_154_400;
/// 2026-11-20 22:30 UTC = 01:30 on 21 November in Kenya.
const LATE: i64 = DAY1 + 16 * 3600 + 1800;

fn record(
    n: u32,
    revision: u32,
    service: &str,
    id_number: &str,
    created: i64,
    outreach: Option<(&str, &str)>,
) -> ApplicationRecord {
    let id = Uuid::from_u128(0x0190_f000_0000_7000_8000_0000_0000_0000 + u128::from(n));
    let mut application = json!({
        "id": id, "reference": format!("K7QM-{n:06}-X"), "service_id": service, "revision": revision,
        "form": { "id_number": id_number, "surname": if n.is_multiple_of(2) { "Wanjiru" } else { "Otieno" } },
        "created_at": created,
    });
    if let Some((oid, name)) = outreach {
        application["outreach"] = json!({ "id": oid, "name": name });
    }
    ApplicationRecord::new(
        id,
        revision,
        1,
        service,
        format!("K7QM-{n:06}-X"),
        json!({ "application": application, "citizen": { "id_number": id_number } }),
    )
}

fn services(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

pub async fn run<S: Storage + ReviewStorage>(storage: &S) {
    accounts_and_sessions(storage).await;
    review_and_decisions(storage).await;
    deliveries(storage).await;
    audited_changes(storage).await;
    // Everything above was audited, and the chain holds.
    let chain = storage.audit_chain().await.expect("chain");
    assert!(chain.len() >= 6, "audited: {chain:?}");
    assert_eq!(verify_audit_chain(&chain).expect("verifies"), chain.len() as u64);
    let newest = storage.audit_log(2, 0).await.expect("log");
    assert_eq!(newest.len(), 2);
    assert!(newest[0].seq > newest[1].seq, "newest first");
}

async fn accounts_and_sessions<S: ReviewStorage>(storage: &S) {
    let now = at(DAY1);
    let technician = ConsoleUser {
        username: "achieng.sha".into(),
        display_name: "Achieng' Odhiambo".into(),
        role: ConsoleRole::Technician,
        mda: Some("sha".into()),
        password_hash: "$argon2id$placeholder".into(),
        disabled: false,
    };
    let audit = || NewAudit::new("admin", "account.created", "account:achieng.sha", "");
    storage.create_account(technician.clone(), audit(), now).await.expect("create");
    assert!(matches!(
        storage.create_account(technician.clone(), audit(), now).await,
        Err(StorageError::AccountExists(_))
    ));
    assert_eq!(storage.account("achieng.sha").await.expect("read"), Some(technician.clone()));
    assert_eq!(storage.account("nobody").await.expect("read"), None);
    assert_eq!(storage.accounts().await.expect("list"), vec![technician.clone()]);

    // Sessions: created, found by token hash, touched forward only, deleted.
    let session = ConsoleSession {
        username: "achieng.sha".into(),
        csrf_token: "csrf-1".into(),
        created_at: DAY1,
        last_seen_at: DAY1,
    };
    storage.create_session("hash-1", session.clone()).await.expect("session");
    storage.touch_session("hash-1", DAY1 + 60).await.expect("touch");
    storage.touch_session("hash-1", DAY1 + 30).await.expect("touch back");
    assert_eq!(storage.session("hash-1").await.expect("read").map(|s| s.last_seen_at), Some(DAY1 + 60));
    storage.delete_session("hash-1").await.expect("delete");
    assert_eq!(storage.session("hash-1").await.expect("read"), None);

    // A new password or disabling ends every session of the account.
    storage.create_session("hash-2", session.clone()).await.expect("session");
    storage
        .set_password(
            "achieng.sha",
            "$argon2id$new",
            NewAudit::new("admin", "account.password_reset", "account:achieng.sha", ""),
            now,
        )
        .await
        .expect("password");
    assert_eq!(storage.session("hash-2").await.expect("read"), None);
    storage.create_session("hash-3", session.clone()).await.expect("session");
    storage
        .set_disabled("achieng.sha", true, NewAudit::new("admin", "account.disabled", "account:achieng.sha", ""), now)
        .await
        .expect("disable");
    assert_eq!(storage.session("hash-3").await.expect("read"), None);
    assert!(storage.account("achieng.sha").await.expect("read").is_some_and(|a| a.disabled));
    storage
        .set_disabled("achieng.sha", false, NewAudit::new("admin", "account.enabled", "account:achieng.sha", ""), now)
        .await
        .expect("enable");
    assert!(matches!(
        storage
            .set_disabled("nobody", true, NewAudit::new("admin", "account.disabled", "account:nobody", ""), now)
            .await,
        Err(StorageError::UnknownAccount(_))
    ));

    // Failed logins are counted per key within a window and forgotten on success.
    for t in [DAY1, DAY1 + 10, DAY1 + 20] {
        storage.record_login_failure("user:achieng.sha", t).await.expect("failure");
    }
    storage.record_login_failure("ip:127.0.0.1", DAY1).await.expect("failure");
    assert_eq!(storage.login_failures("user:achieng.sha", DAY1 + 10).await.expect("count"), 2);
    assert_eq!(storage.login_failures("user:achieng.sha", DAY1).await.expect("count"), 3);
    storage.clear_login_failures("user:achieng.sha").await.expect("clear");
    assert_eq!(storage.login_failures("user:achieng.sha", 0).await.expect("count"), 0);
    assert_eq!(storage.login_failures("ip:127.0.0.1", 0).await.expect("count"), 1);

    // Housekeeping: failures too old to count and sessions too idle to use are deleted, no more.
    storage.record_login_failure("ip:127.0.0.1", DAY1 + 100).await.expect("failure");
    storage
        .create_session("idle", ConsoleSession { last_seen_at: DAY1 - 1000, ..session.clone() })
        .await
        .expect("idle");
    storage
        .create_session("fresh", ConsoleSession { last_seen_at: DAY1 + 1000, ..session.clone() })
        .await
        .expect("fresh");
    assert_eq!(storage.forget_stale(DAY1 + 50, DAY1).await.expect("forget"), (1, 1));
    assert_eq!(storage.login_failures("ip:127.0.0.1", 0).await.expect("count"), 1);
    assert!(storage.session("idle").await.expect("read").is_none());
    assert!(storage.session("fresh").await.expect("read").is_some());
    storage.delete_session("fresh").await.expect("delete");
}

async fn review_and_decisions<S: Storage + ReviewStorage>(storage: &S) {
    let outreach = Some(("6f1c2a4e-0000-4000-8000-000000000001", "Kangema market"));
    // Laptop A at the outreach: two ID applications and an SHA one on day 1, an ID one captured
    // at 01:30 Kenyan time (still 20 Nov in UTC), so on day 2. Laptop B: the same ID number again.
    storage
        .push(
            "laptop-a",
            vec![
                record(1, 1, ID, "12345678", DAY1, outreach),
                record(2, 1, ID, "23456789", DAY1 + 60, outreach),
                record(3, 1, SHA, "12345678", DAY1 + 120, outreach),
                record(4, 1, ID, "34567890", LATE, outreach),
            ],
        )
        .await
        .expect("push a");
    storage.push("laptop-b", vec![record(5, 1, ID, "12345678", DAY1, None)]).await.expect("push b");

    let id_only = ReviewFilter { services: services(&[ID]), ..ReviewFilter::default() };
    let batches = storage.batches(&id_only).await.expect("batches");
    let shape: Vec<_> = batches.iter().map(|b| (b.device_id.as_str(), b.captured_on.as_str(), b.total)).collect();
    assert_eq!(shape, [("laptop-a", "2026-11-21", 1), ("laptop-a", "2026-11-20", 2), ("laptop-b", "2026-11-20", 1)]);
    assert_eq!(batches[1].outreach_name.as_deref(), Some("Kangema market"));
    assert_eq!(batches[2].outreach_id, None);
    assert_eq!(batches[1].pending, 2);

    // The services bound everything: SHA's filter never sees an ID application, an empty one sees nothing.
    let sha_only = ReviewFilter { services: services(&[SHA]), ..ReviewFilter::default() };
    let (items, total) = storage.review_items(&sha_only, 50, 0).await.expect("items");
    assert_eq!((items.len(), total), (1, 1));
    assert_eq!(items[0].record.service_id, SHA);
    let nothing = ReviewFilter::default();
    assert_eq!(storage.review_items(&nothing, 50, 0).await.expect("items").1, 0);
    assert!(storage.batches(&nothing).await.expect("batches").is_empty());
    let first = record(1, 1, ID, "12345678", DAY1, outreach);
    assert_eq!(storage.review_item(&services(&[SHA]), first.id, 1).await.expect("item"), None);
    let item = storage.review_item(&services(&[ID]), first.id, 1).await.expect("item").expect("found");
    assert_eq!(item.record, first);
    assert_eq!((item.device_id.as_str(), item.captured_on.as_str()), ("laptop-a", "2026-11-20"));
    assert_eq!(item.status(), ReviewStatus::Pending);

    // Filters: batch, search by name or reference (any case), paging with a total.
    let batch = ReviewFilter {
        device_id: Some("laptop-a".into()),
        captured_on: Some("2026-11-20".into()),
        outreach_id: outreach.map(|o| o.0.to_string()),
        ..id_only.clone()
    };
    assert_eq!(storage.review_items(&batch, 50, 0).await.expect("batch").1, 2);
    let no_outreach = ReviewFilter { outreach_id: Some(String::new()), ..id_only.clone() };
    assert_eq!(storage.review_items(&no_outreach, 50, 0).await.expect("none").1, 1);
    let by_name = ReviewFilter { search: Some("wANJIRU".into()), ..id_only.clone() };
    let (found, _) = storage.review_items(&by_name, 50, 0).await.expect("search");
    assert!(found.iter().all(|i| i.record.body.to_string().contains("Wanjiru")) && found.len() == 2, "{found:?}");
    let by_reference = ReviewFilter { search: Some("k7qm-000002".into()), ..id_only.clone() };
    assert_eq!(storage.review_items(&by_reference, 50, 0).await.expect("ref").1, 1);
    let wildcard = ReviewFilter { search: Some("%".into()), ..id_only.clone() };
    assert_eq!(storage.review_items(&wildcard, 50, 0).await.expect("literal %").1, 0);
    let (page, total) = storage.review_items(&id_only, 2, 2).await.expect("page");
    assert_eq!((page.len(), total), (2, 4));

    // The same ID number for the same service at another laptop is found; another service's is not.
    let twins = storage.same_answer(ID, "id_number", "12345678", first.id).await.expect("duplicates");
    assert_eq!(twins.iter().map(|t| t.device_id.as_str()).collect::<Vec<_>>(), ["laptop-b"]);
    assert!(storage.same_answer(ID, "id_number\") OR 1=1 --", "x", first.id).await.expect("odd field").is_empty());

    // Decide: accept, reject, query; a second decision on a revision and a foreign service are refused.
    let ids: Vec<Uuid> = (1..=5).map(|n| record(n, 1, ID, "", 0, None).id).collect();
    let wambui = Reviewer::new(Actor::account("wambui.nrb"), &services(&[ID]), "nrb");
    let outcomes = decide(
        storage,
        &wambui,
        vec![
            (ids[0], 1, Decision::Accepted),
            (ids[1], 1, Decision::Rejected { reason: "Photo unclear".into() }),
            (ids[3], 1, Decision::Queried { question: "Which sub-location?".into() }),
            (ids[2], 1, Decision::Accepted),
            (Uuid::nil(), 1, Decision::Accepted),
        ],
        at(DAY1 + 3600),
    )
    .await
    .expect("decide");
    use DecideOutcome::*;
    assert_eq!(outcomes, [Decided, Decided, Decided, NotFound, NotFound]);
    let other = Reviewer::new(Actor::account("other"), &services(&[ID]), "nrb");
    let again = decide(storage, &other, vec![(ids[0], 1, Decision::Rejected { reason: "x".into() })], at(DAY1))
        .await
        .expect("again");
    assert_eq!(again, [AlreadyDecided]);
    let decided = storage.review_item(&services(&[ID]), ids[0], 1).await.expect("read").expect("found");
    assert_eq!(decided.decision, Some(Decision::Accepted));
    assert_eq!(decided.decided_by.as_deref(), Some("wambui.nrb"));
    let accepted = ReviewFilter { status: Some(ReviewStatus::Accepted), ..id_only.clone() };
    assert_eq!(storage.review_items(&accepted, 50, 0).await.expect("accepted").1, 1);
    let pending = ReviewFilter { status: Some(ReviewStatus::Pending), ..id_only.clone() };
    assert_eq!(storage.review_items(&pending, 50, 0).await.expect("pending").1, 1);
    let day1 = storage.batches(&id_only).await.expect("batches");
    assert_eq!((day1[1].accepted, day1[1].rejected, day1[1].pending), (1, 1, 0));

    // Each decision reached the laptop that sent it, in its event stream.
    let (events, _) = storage.pull("laptop-a", 0, 100).await.expect("pull");
    let reviews: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Review { application_id, decision, .. } => Some((*application_id, decision.clone())),
            _ => None,
        })
        .collect();
    assert!(reviews.contains(&(ids[0], Decision::Accepted)) && reviews.len() == 3, "{reviews:?}");

    // A resubmission after a query supersedes the queried revision: the listing shows revision 2,
    // pending; deciding the old revision again is refused.
    storage.push("laptop-a", vec![record(4, 2, ID, "34567890", LATE, outreach)]).await.expect("resubmit");
    let (latest, _) = storage
        .review_items(&ReviewFilter { search: Some("K7QM-000004".into()), ..id_only.clone() }, 50, 0)
        .await
        .expect("latest");
    assert_eq!(
        latest.iter().map(|i| (i.record.revision, i.status())).collect::<Vec<_>>(),
        [(2, ReviewStatus::Pending)]
    );
    // An undecided application resubmitted: its first revision is superseded, the second decided.
    storage.push("laptop-b", vec![record(5, 2, ID, "12345678", DAY1, None)]).await.expect("resubmit b");
    let id_services = services(&[ID]);
    let decide = |revision| {
        let (reviewer, id) = (Reviewer::new(Actor::account("w"), &id_services, "nrb"), ids[4]);
        async move { decide(storage, &reviewer, vec![(id, revision, Decision::Accepted)], at(DAY1)).await }
    };
    assert_eq!(decide(1).await.expect("old revision"), [Superseded]);
    assert_eq!(decide(2).await.expect("new revision"), [Decided]);

    // Devices: last seen.
    storage
        .enrol_device(
            "K7QM",
            "ab".repeat(32).as_str(),
            NewAudit::new("conformance", "device.enrolled", "device:K7QM", ""),
            at(DAY1),
        )
        .await
        .expect("enrol");
    storage.touch_device("K7QM", at(DAY1)).await.expect("touch");
    storage.touch_device("K7QM", at(DAY1 - 600)).await.expect("an earlier time, committed later");
    let seen = storage.devices_last_seen().await.expect("seen");
    assert!(seen.contains(&("K7QM".to_string(), Some("2026-11-20T06:00:00Z".to_string()))), "{seen:?}");
}

async fn deliveries<S: ReviewStorage>(storage: &S) {
    // Two accepted ID applications above queued deliveries to nrb; SHA has none.
    let now = DAY1 + 3600;
    assert!(storage.claim_deliveries(&services(&["sha"]), now, 60, 10).await.expect("claim").is_empty());
    let jobs = storage.claim_deliveries(&services(&["nrb"]), now, 60, 10).await.expect("claim");
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    // Claimed jobs are hidden from other claimers for the lease.
    assert!(storage.claim_deliveries(&services(&["nrb"]), now + 1, 60, 10).await.expect("claim").is_empty());
    let job: &DeliveryJob = &jobs[0];
    assert_eq!(job.idempotency_key(), format!("{}.{}", job.application_id, job.revision));
    storage
        .record_delivery(
            job,
            DeliveryResult::Failed { status: Some(503), error: "busy".into(), retry_at: Some(now + 30) },
            at(now),
        )
        .await
        .expect("retry");
    storage.record_delivery(&jobs[1], DeliveryResult::Delivered { status: 201 }, at(now)).await.expect("delivered");
    // Due again after the retry time, with its attempt counted; the delivered one never again.
    let retried = storage.claim_deliveries(&services(&["nrb"]), now + 61, 60, 10).await.expect("claim");
    assert_eq!(retried.iter().map(|j| (j.application_id, j.attempts)).collect::<Vec<_>>(), [(job.application_id, 1)]);
    storage
        .record_delivery(
            &retried[0],
            DeliveryResult::Failed { status: Some(400), error: "refused".into(), retry_at: None },
            at(now + 61),
        )
        .await
        .expect("failed");
    assert!(storage.claim_deliveries(&services(&["nrb"]), now + 100_000, 60, 10).await.expect("claim").is_empty());
    let log = storage.delivery_log("nrb", 10).await.expect("log");
    assert_eq!(
        log.iter().map(|a| (a.attempt, a.outcome.as_str(), a.status)).collect::<Vec<_>>(),
        [(2, "failed", Some(400)), (1, "delivered", Some(201)), (1, "retrying", Some(503))]
    );
    assert!(log[0].reference.starts_with("K7QM-"));
    assert!(storage.delivery_log("sha", 10).await.expect("log").is_empty());
}

/// The device registry and publications write their audit entry in the change's own
/// transaction: a change that commits adds exactly its entry, a refused one adds nothing.
async fn audited_changes<S: Storage + ReviewStorage>(storage: &S) {
    let now = at(DAY1 + 7200);
    let entry = |action: &str, subject: &str| NewAudit::new("cli:root", action, subject, "detail");
    let last = |chain: &[super::review::AuditEntry]| {
        chain.last().map(|e| (e.actor.clone(), e.action.clone(), e.subject.clone(), e.detail.clone()))
    };
    let count = || async { storage.audit_chain().await.expect("chain").len() };

    let before = count().await;
    storage.enrol_device("A7DT", &"a7".repeat(32), entry("device.enrolled", "device:A7DT"), now).await.expect("enrol");
    let chain = storage.audit_chain().await.expect("chain");
    assert_eq!(chain.len(), before + 1);
    let expected = ("cli:root".to_string(), "device.enrolled".to_string(), "device:A7DT".to_string());
    assert_eq!(last(&chain).map(|(a, b, c, _)| (a, b, c)), Some(expected));
    assert_eq!(chain.last().map(|e| e.at.as_str()), Some("2026-11-20T08:00:00Z"), "the time given, not the database's");
    let refused = storage.enrol_device("A7DT", &"a8".repeat(32), entry("device.enrolled", "device:A7DT"), now).await;
    assert!(matches!(refused, Err(StorageError::DeviceExists(_))), "{refused:?}");
    assert_eq!(count().await, before + 1, "a refused enrolment is not audited");

    storage.revoke_device("A7DT", entry("device.revoked", "device:A7DT"), now).await.expect("revoke");
    assert_eq!(count().await, before + 2);
    let unknown = storage.revoke_device("NOPE", entry("device.revoked", "device:NOPE"), now).await;
    assert!(matches!(unknown, Err(StorageError::UnknownDevice(_))), "{unknown:?}");
    assert_eq!(count().await, before + 2, "revoking an unknown device is not audited");

    let published = storage
        .publish_catalogue(
            70,
            "version = 70",
            |laptops| NewAudit::new("cli:root", "catalogue.published", "catalogue:70", format!("{laptops} laptops")),
            now,
        )
        .await
        .expect("publish");
    let chain = storage.audit_chain().await.expect("chain");
    assert_eq!(chain.len(), before + 3);
    assert_eq!(chain.last().map(|e| e.detail.clone()), Some(format!("{published} laptops")), "the count published");
    let stale =
        storage.publish_catalogue(69, "version = 69", move |_| entry("catalogue.published", "catalogue:69"), now).await;
    assert!(matches!(stale, Err(StorageError::StaleCatalogue { .. })), "{stale:?}");
    assert_eq!(count().await, before + 3, "a stale catalogue is not audited");

    let roster = Event::Roster { officers: Vec::new() };
    let revoked =
        storage.publish(&["A7DT".into()], roster.clone(), entry("roster.published", "laptops:A7DT"), now).await;
    assert!(matches!(revoked, Err(StorageError::DeviceRevoked(_))), "{revoked:?}");
    assert_eq!(count().await, before + 3, "a refused publication is not audited");
    storage.enrol_device("B8EU", &"b8".repeat(32), entry("device.enrolled", "device:B8EU"), now).await.expect("enrol");
    storage.publish(&["B8EU".into()], roster, entry("roster.published", "laptops:B8EU"), now).await.expect("publish");
    let chain = storage.audit_chain().await.expect("chain");
    assert_eq!(chain.len(), before + 5);
    assert_eq!(chain.last().map(|e| e.action.as_str()), Some("roster.published"));
}
