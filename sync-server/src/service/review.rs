//! Deciding applications: who may decide what, and what became of each decision (decided, not
//! found, already decided, superseded), with its event for the laptop, its audit entry and (when
//! accepted) its delivery job in one transaction.

use super::{Actor, ServiceError};
use crate::storage::Storage;
use crate::storage::review::{
    DecideOutcome, DecisionWrite, NewAudit, Planned, ReviewStatus, ReviewStorage, RevisionState,
};
use fieldkit_domain::catalogue::Catalogue;
use fieldkit_protocol::Decision;
use std::collections::HashSet;
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

impl Reviewer {
    pub fn new(actor: Actor, services: &[String], mda: &str) -> Reviewer {
        Reviewer { actor, services: services.to_vec(), mda: mda.to_string() }
    }
}

/// Decides each revision, all in one transaction; says what became of each, in order.
pub async fn decide<S: ReviewStorage>(
    storage: &S,
    reviewer: &Reviewer,
    decisions: Vec<(Uuid, u32, Decision)>,
    now: OffsetDateTime,
) -> Result<Vec<DecideOutcome>, ServiceError> {
    let revisions = decisions.iter().map(|(id, revision, _)| (*id, *revision)).collect();
    let reviewer = reviewer.clone();
    let rule = move |states: Vec<Option<RevisionState>>| plan(&reviewer, decisions, states);
    Ok(storage.record_decisions(revisions, rule, now).await?)
}

/// The rule, once for every backend: what becomes of each requested decision, given the state of
/// its revision read in the deciding transaction (`states[i]` is that of `decisions[i]`). In
/// order, as if decided one after another:
/// - not found: never pushed, or of a service the reviewer may not see;
/// - already decided: by someone else, or earlier in this same batch;
/// - superseded: the laptop resubmitted it since (decide on the newer revision);
/// - else decided: the decision, an audit entry `decision.<status>` by the reviewer, a delivery
///   job to the reviewer's MDA when accepted, and the event for the laptop.
pub fn plan(
    reviewer: &Reviewer,
    decisions: Vec<(Uuid, u32, Decision)>,
    states: Vec<Option<RevisionState>>,
) -> Vec<Planned> {
    let mut decided_here = HashSet::new();
    let mut states = states.into_iter();
    let mut planned = Vec::with_capacity(decisions.len());
    for (id, revision, decision) in decisions {
        let state = states.next().flatten().filter(|s| reviewer.services.contains(&s.service_id));
        let Some(state) = state else {
            planned.push(Planned::Outcome(DecideOutcome::NotFound));
            continue;
        };
        if state.decided || decided_here.contains(&(id, revision)) {
            planned.push(Planned::Outcome(DecideOutcome::AlreadyDecided));
            continue;
        }
        if state.latest_revision > revision {
            planned.push(Planned::Outcome(DecideOutcome::Superseded));
            continue;
        }
        decided_here.insert((id, revision));
        let detail = match &decision {
            Decision::Accepted => String::new(),
            Decision::Rejected { reason } => reason.clone(),
            Decision::Queried { question } => question.clone(),
        };
        let action = format!("decision.{}", ReviewStatus::of(Some(&decision)).as_str());
        let audit = NewAudit::new(reviewer.actor.as_str(), &action, format!("application:{id}/{revision}"), detail);
        let delivery_to = (decision == Decision::Accepted).then(|| reviewer.mda.clone());
        planned.push(Planned::Write(Box::new(DecisionWrite {
            application_id: id,
            revision,
            device_id: state.device_id,
            decision,
            decided_by: reviewer.actor.as_str().to_string(),
            audit,
            delivery_to,
        })));
    }
    planned
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

#[cfg(test)]
mod tests {
    use super::*;

    fn state(service: &str, latest_revision: u32, decided: bool) -> Option<RevisionState> {
        Some(RevisionState { device_id: "K7QM".into(), service_id: service.into(), latest_revision, decided })
    }

    fn outcomes(planned: &[Planned]) -> Vec<Option<DecideOutcome>> {
        planned
            .iter()
            .map(|p| match p {
                Planned::Outcome(outcome) => Some(outcome.clone()),
                Planned::Write(_) => None,
            })
            .collect()
    }

    #[test]
    fn each_decision_is_judged_in_order_as_if_alone() {
        let reviewer = Reviewer::new(Actor::account("wanjiku.nrb"), &["id".to_string()], "nrb");
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let decisions = vec![
            (a, 1, Decision::Accepted),                              // never pushed
            (a, 1, Decision::Accepted),                              // another MDA's service
            (a, 1, Decision::Accepted),                              // decided by someone else
            (a, 1, Decision::Accepted),                              // resubmitted since
            (b, 2, Decision::Rejected { reason: "Blurred".into() }), // decided here
            (b, 2, Decision::Accepted),                              // twice in one batch
        ];
        let states = vec![
            None,
            state("sha", 1, false),
            state("id", 1, true),
            state("id", 2, false),
            state("id", 2, false),
            state("id", 2, false),
        ];
        let planned = plan(&reviewer, decisions, states);
        use DecideOutcome::*;
        assert_eq!(
            outcomes(&planned),
            [Some(NotFound), Some(NotFound), Some(AlreadyDecided), Some(Superseded), None, Some(AlreadyDecided)]
        );
        let Planned::Write(write) = &planned[4] else { panic!("a write: {planned:?}") };
        assert_eq!(
            write.audit,
            NewAudit::new("wanjiku.nrb", "decision.rejected", format!("application:{b}/2"), "Blurred")
        );
        assert_eq!(
            (write.device_id.as_str(), write.delivery_to.as_deref()),
            ("K7QM", None),
            "only acceptances are delivered"
        );
        let accepted = plan(&reviewer, vec![(b, 2, Decision::Accepted)], vec![state("id", 2, false)]);
        assert!(matches!(&accepted[0], Planned::Write(w) if w.delivery_to.as_deref() == Some("nrb")), "{accepted:?}");
    }
}
