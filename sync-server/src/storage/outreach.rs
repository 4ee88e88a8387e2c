//! Outreach plans made on laptops and citizens' feedback from the tents: a third trait beside
//! [`super::Storage`] and [`super::review::ReviewStorage`], implemented by both backends and held
//! to `run_conformance` (with the `conformance` feature).
//!
//! Architecture invariant: a plan is kept only with every laptop it names enrolled and
//! unrevoked, and it is published to exactly those laptops in the same transaction.

use super::StorageError;
use fieldkit_protocol::{ComplaintCategory, FeedbackRecord, OutreachPlan, PlanOutcome};
use serde::Serialize;
use std::future::Future;
use time::OffsetDateTime;
use uuid::Uuid;

/// Feedback counted for one outreach (or for none: `outreach_id` = `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FeedbackTotals {
    pub outreach_id: Option<Uuid>,
    pub count: u64,
    /// Feedback with a rating.
    pub rated: u64,
    /// Ratings of 4 or 5.
    pub satisfied: u64,
    pub rating_sum: u64,
    pub discrimination: u64,
    pub poor_service: u64,
    pub corruption: u64,
    pub other: u64,
}

impl FeedbackTotals {
    /// Share of ratings that were 4 or 5, in per cent.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        (self.rated > 0).then(|| 100.0 * self.satisfied as f64 / self.rated as f64)
    }

    pub fn mean_rating(&self) -> Option<f64> {
        (self.rated > 0).then(|| self.rating_sum as f64 / self.rated as f64)
    }

    pub fn complaints(&self) -> u64 {
        self.discrimination + self.poor_service + self.corruption + self.other
    }

    /// Adds one record (shared by the backends so both count alike).
    pub fn add(&mut self, record: &FeedbackRecord) {
        self.count += 1;
        if let Some(rating) = record.satisfaction {
            self.rated += 1;
            self.rating_sum += u64::from(rating);
            if rating >= 4 {
                self.satisfied += 1;
            }
        }
        if let Some(complaint) = &record.complaint {
            match complaint.category {
                ComplaintCategory::Discrimination => self.discrimination += 1,
                ComplaintCategory::PoorService => self.poor_service += 1,
                ComplaintCategory::Corruption => self.corruption += 1,
                ComplaintCategory::Other => self.other += 1,
            }
        }
    }
}

pub trait OutreachStorage: Send + Sync + 'static {
    /// Keeps `plan` (uploaded by `device_id`) unless this revision or a newer one is kept, and
    /// publishes it to every laptop it names, all in one transaction. A laptop that is unknown or
    /// revoked refuses the whole plan.
    fn keep_plan(
        &self,
        device_id: &str,
        plan: OutreachPlan,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<PlanOutcome, StorageError>> + Send;

    /// Every plan kept, newest revision each, soonest first.
    fn plans(&self) -> impl Future<Output = Result<Vec<OutreachPlan>, StorageError>> + Send;

    /// Stores feedback records once each (a repeated id is acknowledged, not stored again) and
    /// returns the ids now held, in request order.
    fn push_feedback(
        &self,
        device_id: &str,
        records: Vec<FeedbackRecord>,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<Uuid>, StorageError>> + Send;

    /// Feedback counted per outreach, in outreach id order (`None` last).
    fn feedback_totals(&self) -> impl Future<Output = Result<Vec<FeedbackTotals>, StorageError>> + Send;
}

/// Reads stored feedback rows (as JSON) into totals per outreach; shared by the backends.
pub(crate) fn totals_from(rows: impl IntoIterator<Item = String>) -> Result<Vec<FeedbackTotals>, StorageError> {
    let mut by_outreach: std::collections::BTreeMap<(bool, Option<Uuid>), FeedbackTotals> = Default::default();
    for text in rows {
        let record: FeedbackRecord =
            serde_json::from_str(&text).map_err(|e| StorageError::Corrupt(format!("feedback: {e}")))?;
        let key = (record.outreach_id.is_none(), record.outreach_id);
        let totals = by_outreach
            .entry(key)
            .or_insert_with(|| FeedbackTotals { outreach_id: record.outreach_id, ..FeedbackTotals::default() });
        totals.add(&record);
    }
    Ok(by_outreach.into_values().collect())
}

/// An audit entry for a change the suite makes.
#[cfg(feature = "conformance")]
fn audit(action: &str) -> crate::storage::review::NewAudit {
    crate::storage::review::NewAudit::new("conformance", action, "test", "")
}

/// What every backend must do with plans and feedback, on a fresh store.
#[cfg(feature = "conformance")]
pub async fn run_conformance<S: super::Storage + OutreachStorage>(storage: &S) {
    use fieldkit_protocol::{Complaint, ComplaintBody, Event, OutreachStatus};
    let now = OffsetDateTime::from_unix_timestamp(1_795_154_400).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    for (id, fingerprint) in [("K7QM", "aa"), ("M2XR", "bb"), ("P4TD", "cc")] {
        storage.enrol_device(id, &fingerprint.repeat(32), audit("device.enrolled"), now).await.expect("enrol");
    }
    storage.revoke_device("P4TD", audit("device.revoked"), now).await.expect("revoke");
    let plan = OutreachPlan {
        id: Uuid::from_u128(0x0190_f000_0000_7000_8000_0000_0000_0a01),
        revision: 1,
        name: "Kangema market day".into(),
        centre: "Murang'a".into(),
        county_code: "021".into(),
        place: "Kangema market".into(),
        starts_on: "2026-12-01".into(),
        ends_on: "2026-12-02".into(),
        services: vec!["sha.member-registration".into()],
        status: OutreachStatus::Confirmed,
        laptops: vec!["K7QM".into(), "M2XR".into()],
        ..OutreachPlan::default()
    };

    // Kept and published to exactly the laptops it names.
    let outcome = storage.keep_plan("K7QM", plan.clone(), now).await.expect("keep");
    assert_eq!(outcome, PlanOutcome::Published { laptops: vec!["K7QM".into(), "M2XR".into()] });
    for laptop in ["K7QM", "M2XR"] {
        let (events, _) = storage.pull(laptop, 0, 100).await.expect("pull");
        assert!(events.iter().any(|e| e.event == Event::Outreach { plan: Box::new(plan.clone()) }), "{laptop} got it");
    }
    let (p4td, _) = storage.pull("P4TD", 0, 100).await.expect("pull");
    assert!(p4td.is_empty(), "a laptop the plan does not name gets nothing");

    // The same revision again changes nothing; an older one neither.
    let again = storage.keep_plan("K7QM", plan.clone(), now).await.expect("again");
    assert_eq!(again, PlanOutcome::AlreadyKnown { revision: 1 });
    let (events, _) = storage.pull("M2XR", 0, 100).await.expect("pull");
    assert_eq!(events.len(), 1, "not published twice");

    // A plan naming a revoked or unknown laptop is refused whole: nobody receives it.
    for bad in ["P4TD", "ZZZZ"] {
        let refused = OutreachPlan { revision: 2, laptops: vec!["K7QM".into(), bad.into()], ..plan.clone() };
        let outcome = storage.keep_plan("K7QM", refused, now).await.expect("refuse");
        assert!(matches!(&outcome, PlanOutcome::Refused { reason } if reason.contains(bad)), "{outcome:?}");
    }
    let (events, _) = storage.pull("K7QM", 0, 100).await.expect("pull");
    assert_eq!(events.len(), 1, "a refused plan is published to nobody");

    // A newer revision replaces the kept one and goes to the laptops it names now.
    let moved = OutreachPlan { revision: 3, laptops: vec!["M2XR".into()], ..plan.clone() };
    let outcome = storage.keep_plan("K7QM", moved.clone(), now).await.expect("newer");
    assert_eq!(outcome, PlanOutcome::Published { laptops: vec!["M2XR".into()] });
    assert_eq!(storage.plans().await.expect("plans"), vec![moved]);

    // Feedback: stored once, totalled per outreach.
    let feedback =
        |n: u128, rating: Option<u8>, complaint: Option<ComplaintCategory>, outreach: Option<Uuid>| FeedbackRecord {
            id: Uuid::from_u128(0x0190_f000_0000_7000_8000_0000_0000_0f00 + n),
            outreach_id: outreach,
            service_id: Some("sha.member-registration".into()),
            given_on: "2026-12-01".into(),
            satisfaction: rating,
            comment: None,
            complaint: complaint.map(|category| Complaint {
                category,
                routed_to: ComplaintBody::Ombudsman,
                details: "x".into(),
                consent: true,
                anonymous: true,
                contact: None,
            }),
        };
    let records = vec![
        feedback(1, Some(5), None, Some(plan.id)),
        feedback(2, Some(4), None, Some(plan.id)),
        feedback(3, Some(3), Some(ComplaintCategory::PoorService), Some(plan.id)),
        feedback(4, Some(1), Some(ComplaintCategory::Corruption), Some(plan.id)),
        feedback(5, Some(5), None, Some(plan.id)),
        feedback(6, None, Some(ComplaintCategory::Discrimination), None),
    ];
    let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
    assert_eq!(storage.push_feedback("K7QM", records.clone(), now).await.expect("feedback"), ids);
    assert_eq!(storage.push_feedback("K7QM", records, now).await.expect("again"), ids, "a retry is acknowledged");
    let totals = storage.feedback_totals().await.expect("totals");
    assert_eq!(totals.len(), 2);
    let kangema = &totals[0];
    assert_eq!((kangema.outreach_id, kangema.count, kangema.rated, kangema.satisfied), (Some(plan.id), 5, 5, 3));
    assert_eq!(kangema.satisfaction_rate(), Some(60.0));
    assert_eq!(kangema.mean_rating(), Some(3.6));
    assert_eq!((kangema.poor_service, kangema.corruption, kangema.complaints()), (1, 1, 2));
    assert_eq!((totals[1].outreach_id, totals[1].discrimination, totals[1].satisfaction_rate()), (None, 1, None));
}
