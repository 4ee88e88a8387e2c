//! Outreach planning on the laptop: the centre manager's plans checked, saved as revisions, drawn as PDF
//! and iCalendar, and uploaded.

use super::*;

impl Session {
    /// What saving `plan` would meet, without saving it: every problem with it, the people,
    /// laptops and equipment it double-books with other outreaches this laptop knows, and its
    /// budget. The planning screen shows this as the manager types.
    pub fn check_outreach_plan(&mut self, plan: &fieldkit_protocol::OutreachPlan) -> Result<PlanCheck> {
        let catalogue = Arc::clone(&self.catalogue);
        let (store, now) = self.store_for(Action::PlanOutreaches)?;
        let today = crate::clock::kenyan_date(now);
        let others = store.outreaches()?;
        Ok(PlanCheck {
            problems: crate::planning::check_plan(plan, &catalogue, today),
            clashes: crate::planning::clashes(plan, &others),
            budget: plan.budget.as_ref().map(crate::planning::summarise),
        })
    }

    /// Saves a plan the centre manager made or changed (a new plan gets an id; each save is a new
    /// revision), to be uploaded at the next sync and published by the server to the laptops it
    /// names. A plan with problems is refused (`form_invalid`, every problem listed); one that
    /// double-books someone or something is not saved unless `allow_clashes`, and the clashes
    /// come back so they can be shown.
    pub fn save_outreach_plan(
        &mut self,
        mut plan: fieldkit_protocol::OutreachPlan,
        allow_clashes: bool,
    ) -> Result<PlanSaved> {
        let check = self.check_outreach_plan(&plan)?;
        if !check.problems.is_empty() {
            return Err(CoreError::FormInvalid { service_id: "outreach_plan".into(), problems: check.problems });
        }
        if !check.clashes.is_empty() && !allow_clashes {
            return Ok(PlanSaved { saved: false, plan, clashes: check.clashes });
        }
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::PlanOutreaches)?;
        if plan.id.is_nil() {
            plan.id = uuid::Uuid::now_v7();
        }
        let kept = store.outreaches()?.into_iter().find(|p| p.id == plan.id).map_or(0, |p| p.revision);
        plan.revision = kept.max(plan.revision.saturating_sub(1)) + 1;
        store.save_plan(&plan, &by, now)?;
        Ok(PlanSaved { saved: true, plan, clashes: check.clashes })
    }

    /// A kept plan by id (made here or received from the server).
    pub fn outreach_plan(&mut self, id: uuid::Uuid) -> Result<fieldkit_protocol::OutreachPlan> {
        let (store, _) = self.store_for(Action::ViewOutreaches)?;
        store
            .outreaches()?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| CoreError::invalid("outreach", crate::error::Reason::OutreachUnknown))
    }

    /// The plan as a PDF to share with stakeholders (`training` watermarks it in demo mode).
    /// Audited as `plan.exported` with the PDF's SHA-256.
    pub fn outreach_plan_pdf(&mut self, id: uuid::Uuid, training: bool) -> Result<Vec<u8>> {
        let training = training || self.deployment()? == fieldkit_protocol::Deployment::Training;
        let plan = self.outreach_plan(id)?;
        let catalogue = Arc::clone(&self.catalogue);
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::PlanOutreaches)?;
        let pdf = crate::documents::plan_pdf(&plan, &catalogue, now, training)?;
        store.record_document("plan.exported", "outreach", &id.to_string(), &pdf, &by, now)?;
        Ok(pdf)
    }

    /// The plan's dates as an iCalendar file (`.ics`) for phones and calendars.
    pub fn outreach_plan_ics(&mut self, id: uuid::Uuid) -> Result<String> {
        let plan = self.outreach_plan(id)?;
        let catalogue = Arc::clone(&self.catalogue);
        let (_, now) = self.store_for(Action::ViewOutreaches)?;
        Ok(crate::planning::calendar(std::slice::from_ref(&plan), Some(&catalogue), now)?)
    }

    /// Plans made here that the server has not answered for yet (sync uploads them).
    pub fn plans_waiting_upload(&mut self) -> Result<Vec<fieldkit_protocol::OutreachPlan>> {
        let (store, _) = self.store_for(Action::Sync)?;
        store.plans_waiting_upload()
    }

    /// Applies the server's answers to an upload: a published or already-known revision stops
    /// waiting; a refused one stops too (sending it again would be refused again) and its reason
    /// is returned for the sync panel.
    pub fn apply_plan_results(&mut self, results: &[fieldkit_protocol::PlanResult]) -> Result<PlanUploadTally> {
        use fieldkit_protocol::PlanOutcome;
        let (store, _) = self.store_for(Action::Sync)?;
        let mut tally = PlanUploadTally::default();
        for result in results {
            store.plan_uploaded(result.id, result.revision)?;
            match &result.outcome {
                PlanOutcome::Published { .. } | PlanOutcome::AlreadyKnown { .. } => tally.published += 1,
                PlanOutcome::Refused { reason } => tally.refused.push((result.id, reason.clone())),
            }
        }
        Ok(tally)
    }
}

/// What [`Session::check_outreach_plan`] found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlanCheck {
    pub problems: Vec<crate::error::Problem>,
    pub clashes: Vec<crate::planning::Clash>,
    pub budget: Option<crate::planning::BudgetSummary>,
}

/// What [`Session::save_outreach_plan`] did: `saved` is false when clashes stopped it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlanSaved {
    pub saved: bool,
    pub plan: fieldkit_protocol::OutreachPlan,
    pub clashes: Vec<crate::planning::Clash>,
}

/// What the server said about the plans one sync uploaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PlanUploadTally {
    pub published: u32,
    /// Refused plans and why.
    pub refused: Vec<(uuid::Uuid, String)>,
}
