//! Deciding applications: who may decide what, and what became of each decision (decided, not
//! found, already decided, superseded), with its event for the laptop, its audit entry and (when
//! accepted) its delivery job in one transaction.

use super::{Actor, ServiceError};
use crate::storage::Storage;
use crate::storage::review::{DecideOutcome, ReviewStorage};
use fieldkit_core::catalogue::Catalogue;
use fieldkit_protocol::Decision;
use time::OffsetDateTime;
use uuid::Uuid;

/// Someone deciding: who (for the audit log), the services they may decide on (anything else is
/// "not found") and the MDA whose system accepted applications are delivered to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer {
    pub actor: Actor,
    pub services: Vec<String>,
    pub mda: String,
}

/// Decides each revision, all in one transaction; says what became of each, in order.
pub async fn decide<S: ReviewStorage>(
    storage: &S,
    reviewer: &Reviewer,
    decisions: Vec<(Uuid, u32, Decision)>,
    now: OffsetDateTime,
) -> Result<Vec<DecideOutcome>, ServiceError> {
    Ok(storage.decide_many(&reviewer.services, decisions, reviewer.actor.as_str(), &reviewer.mda, now).await?)
}

/// An operator's decision on one revision (the CLI): any service of `catalogue`, delivered to the
/// MDA of the application's service.
pub async fn decide_as_operator<S: Storage + ReviewStorage>(
    storage: &S,
    catalogue: &Catalogue,
    actor: &Actor,
    application: Uuid,
    revision: u32,
    decision: Decision,
    now: OffsetDateTime,
) -> Result<DecideOutcome, ServiceError> {
    let Some(stored) = storage.application(application, revision).await? else {
        return Err(ServiceError::Refused(format!("no application {application} revision {revision}")));
    };
    let reviewer = Reviewer {
        actor: actor.clone(),
        services: catalogue.services.iter().map(|s| s.id.clone()).collect(),
        mda: catalogue.service(&stored.record.service_id).map(|s| s.mda.clone()).unwrap_or_default(),
    };
    let outcomes = decide(storage, &reviewer, vec![(application, revision, decision)], now).await?;
    outcomes.into_iter().next().ok_or_else(|| ServiceError::Internal("no outcome for the decision".into()))
}
