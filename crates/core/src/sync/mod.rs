//! The laptop's side of sync, independent of the transport: turning the outbox into wire records,
//! and applying what the server says back (acknowledgements and MDA decisions).
//!
//! Everything here is idempotent, so a lost response or a repeated pull is harmless: a record is
//! marked synced only while it is still the same revision in the outbox, and a decision is applied
//! only to the revision it was made on, once.

pub mod client;
pub mod engine;
pub mod export;

pub use client::{SyncClient, WireBytes};
pub use engine::{
    Backoff, BatchSizer, LOW_BATTERY_SYNC_LIMIT, PowerReading, Progress, SyncReport, Triggers, hold_for_battery,
    run_scheduler, sync_once, sync_unless_held,
};

use crate::application::{Application, ApplicationState, ReviewOutcome};
use crate::citizen::Citizen;
use fieldkit_protocol::{ApplicationRecord, Decision, Event, OutreachPlan, OutreachStatus, PushOutcome, RecordResult};
use serde::Serialize;

/// Wire records for `applications`, each with its citizen and the outreach it was captured at.
pub(crate) fn records(
    store: &crate::store::Store,
    applications: &[Application],
) -> crate::Result<Vec<ApplicationRecord>> {
    let plans = store.outreaches()?;
    let mut records = Vec::with_capacity(applications.len());
    for application in applications {
        let citizen = store.citizen(application.citizen_id)?;
        records.push(record(application, &citizen, outreach_at(&plans, application.created_at)));
    }
    Ok(records)
}

/// The outreach this laptop was running on the Kenyan day of `at`: a confirmed, running or
/// closed plan whose dates cover it. The MDA console groups applications by it.
pub fn outreach_at(plans: &[OutreachPlan], at: time::OffsetDateTime) -> Option<&OutreachPlan> {
    let day = crate::clock::kenyan_date(at).to_string();
    plans.iter().find(|plan| {
        matches!(plan.status, OutreachStatus::Confirmed | OutreachStatus::Running | OutreachStatus::Closed)
            && plan.starts_on.as_str() <= day.as_str()
            && day.as_str() <= plan.ends_on.as_str()
    })
}

/// The wire record for one application: its answers and identity, the outreach it was captured
/// at (if any), and the citizen's details.
pub fn record(application: &Application, citizen: &Citizen, outreach: Option<&OutreachPlan>) -> ApplicationRecord {
    let mut body = serde_json::json!({
        "application": {
            "id": application.id,
            "reference": application.reference.as_str(),
            "service_id": application.service_id,
            "catalogue_version": application.catalogue_version,
            "revision": application.revision,
            "form": application.form,
            "created_by": application.created_by,
            "created_at": application.created_at.unix_timestamp(),
        },
        "citizen": citizen,
    });
    if let Some(plan) = outreach {
        body["application"]["outreach"] = serde_json::json!({ "id": plan.id, "name": plan.name, "place": plan.place });
    }
    ApplicationRecord::new(
        application.id,
        application.revision,
        application.catalogue_version,
        application.service_id.clone(),
        application.reference.as_str(),
        body,
    )
}

/// What one push's answers did on the laptop.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushTally {
    /// Marked synced now.
    pub synced: u32,
    /// Acknowledged, but the laptop had already moved on (marked synced before, or edited since).
    pub skipped: u32,
    /// The server holds other content for this id and revision; left in the outbox for a person.
    pub conflicts: u32,
    /// Refused as malformed; left in the outbox for a person.
    pub invalid: u32,
    /// Acknowledged as already on the server (a retried batch, or imported from a USB bundle).
    pub already_on_server: u32,
}

/// What one pull's events did on the laptop.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PullTally {
    pub decisions_applied: u32,
    /// Decisions already applied, or for a revision the laptop no longer holds.
    pub decisions_skipped: u32,
    /// Newer catalogues put in force.
    pub catalogues_installed: u32,
    /// Catalogues this build could not use (older than their format); the current one stays.
    pub catalogues_refused: u32,
    pub rosters: u32,
    /// Officers the roster marked inactive who can no longer sign in here.
    pub officers_deactivated: u32,
    /// Outreach plans new or changed.
    pub outreaches_updated: u32,
}

impl PullTally {
    pub fn add(&mut self, other: &PullTally) {
        self.decisions_applied += other.decisions_applied;
        self.decisions_skipped += other.decisions_skipped;
        self.catalogues_installed += other.catalogues_installed;
        self.catalogues_refused += other.catalogues_refused;
        self.rosters += other.rosters;
        self.officers_deactivated += other.officers_deactivated;
        self.outreaches_updated += other.outreaches_updated;
    }
}

/// The decision as the laptop's lifecycle knows it.
pub fn review_outcome(decision: &Decision) -> ReviewOutcome {
    match decision {
        Decision::Accepted => ReviewOutcome::Accepted,
        Decision::Rejected { reason } => ReviewOutcome::Rejected { reason: reason.clone() },
        Decision::Queried { question } => ReviewOutcome::Queried { question: question.clone() },
    }
}

/// Whether an acknowledgement for `result` may mark `application` synced now.
pub(crate) fn acknowledges(result: &RecordResult, application: &Application) -> bool {
    result.outcome.is_acknowledged()
        && application.state == ApplicationState::Submitted
        && application.revision == result.revision
}

pub(crate) fn tally_outcome(tally: &mut PushTally, outcome: &PushOutcome, marked: bool) {
    if matches!(outcome, PushOutcome::AlreadyStored) {
        tally.already_on_server += 1;
    }
    match outcome {
        PushOutcome::Stored | PushOutcome::AlreadyStored if marked => tally.synced += 1,
        PushOutcome::Stored | PushOutcome::AlreadyStored => tally.skipped += 1,
        PushOutcome::Conflict { .. } => tally.conflicts += 1,
        PushOutcome::Invalid { .. } => tally.invalid += 1,
    }
}

/// The decision in `event` if it applies to `application` as it stands.
pub(crate) fn applicable_decision<'e>(event: &'e Event, application: &Application) -> Option<&'e Decision> {
    match event {
        Event::Review { revision, decision, .. }
            if application.state == ApplicationState::Synced && application.revision == *revision =>
        {
            Some(decision)
        }
        _ => None,
    }
}
