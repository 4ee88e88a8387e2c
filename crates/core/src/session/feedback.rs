//! Huduma Halisi: citizens' feedback recorded at the counter, sent with sync, and counted.

use super::*;

impl Session {
    /// Records a citizen's feedback (a rating, a comment, a complaint) once it passes
    /// `feedback::check_feedback` against the catalogue in force, on today's Kenyan date, with the
    /// outreach this laptop is at today attached (`sync::outreach_at`). Never linked to a citizen
    /// or an application. A refusal names every problem and records nothing.
    pub fn record_feedback(&mut self, new: &crate::feedback::NewFeedback) -> Result<fieldkit_protocol::FeedbackRecord> {
        let catalogue = Arc::clone(&self.catalogue);
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::RecordFeedback)?;
        let plans = store.outreaches()?;
        let outreach = crate::sync::outreach_at(&plans, now).map(|plan| plan.id);
        let record = crate::feedback::check_feedback(new, &catalogue, crate::clock::kenyan_date(now), outreach)?;
        store.insert_feedback(&record, &by, now)?;
        Ok(record)
    }

    /// Up to `limit` feedback records waiting for the server, oldest first.
    pub fn feedback_waiting(&mut self, limit: usize) -> Result<Vec<fieldkit_protocol::FeedbackRecord>> {
        let (store, _) = self.store_for(Action::Sync)?;
        store.feedback_waiting(limit)
    }

    /// Marks feedback the server acknowledged as synced; ids already synced or unknown change
    /// nothing. Returns how many were marked now.
    pub fn mark_feedback_synced(&mut self, ids: &[Uuid]) -> Result<u64> {
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::Sync)?;
        store.mark_feedback_synced(ids, &by, now)
    }

    /// The feedback given on the Kenyan day `date` (today when `None`), counted.
    pub fn feedback_summary_for_day(&mut self, date: Option<time::Date>) -> Result<crate::feedback::FeedbackSummary> {
        let (store, now) = self.store_for(Action::ViewFeedback)?;
        let date = date.unwrap_or_else(|| crate::clock::kenyan_date(now));
        store.feedback_summary_on(&crate::documents::format_date(date))
    }

    /// The feedback given at the outreach `outreach_id` on this laptop, counted.
    pub fn feedback_summary_for_outreach(&mut self, outreach_id: Uuid) -> Result<crate::feedback::FeedbackSummary> {
        let (store, _) = self.store_for(Action::ViewFeedback)?;
        store.feedback_summary_for_outreach(outreach_id)
    }
}
