//! [`OutreachStorage`] on the embedded SQLite backend.

use crate::storage::StorageError;
use crate::storage::outreach::{FeedbackTotals, OutreachStorage, totals_from};
use crate::storage::review::rfc3339;
use crate::storage::sqlite::{SqliteStorage, append_event, db, device_by};
use fieldkit_protocol::{Event, FeedbackRecord, OutreachPlan, PlanOutcome};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;
use uuid::Uuid;

impl OutreachStorage for SqliteStorage {
    async fn keep_plan(
        &self,
        device_id: &str,
        plan: OutreachPlan,
        now: OffsetDateTime,
    ) -> Result<PlanOutcome, StorageError> {
        let device_id = device_id.to_string();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let kept: Option<u32> = tx
                .query_row("SELECT revision FROM plans WHERE id = ?1", [plan.id.to_string()], |r| r.get(0))
                .optional()
                .map_err(db)?;
            if let Some(revision) = kept.filter(|kept| *kept >= plan.revision) {
                return Ok(PlanOutcome::AlreadyKnown { revision });
            }
            for laptop in &plan.laptops {
                match device_by(&tx, "id", laptop)? {
                    None => return Ok(PlanOutcome::Refused { reason: format!("laptop {laptop} is not enrolled") }),
                    Some(device) if device.revoked_at.is_some() => {
                        return Ok(PlanOutcome::Refused { reason: format!("laptop {laptop} is revoked") });
                    }
                    Some(_) => {}
                }
            }
            let text = serde_json::to_string(&plan).map_err(db)?;
            tx.execute(
                "INSERT OR REPLACE INTO plans (id, revision, plan, uploaded_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![plan.id.to_string(), plan.revision, text, device_id, rfc3339(now)],
            )
            .map_err(db)?;
            let laptops = plan.laptops.clone();
            let event = Event::Outreach { plan: Box::new(plan) };
            for laptop in &laptops {
                append_event(&tx, laptop, &event)?;
            }
            tx.commit().map_err(db)?;
            Ok(PlanOutcome::Published { laptops })
        })
        .await
    }

    async fn plans(&self) -> Result<Vec<OutreachPlan>, StorageError> {
        self.with(|conn| {
            let mut statement = conn.prepare("SELECT plan FROM plans").map_err(db)?;
            let rows = statement.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
            let mut plans = Vec::new();
            for text in rows {
                let text = text.map_err(db)?;
                plans.push(
                    serde_json::from_str::<OutreachPlan>(&text)
                        .map_err(|e| StorageError::Corrupt(format!("plan: {e}")))?,
                );
            }
            plans.sort_by(|a, b| (&a.starts_on, &a.name, a.id).cmp(&(&b.starts_on, &b.name, b.id)));
            Ok(plans)
        })
        .await
    }

    async fn push_feedback(
        &self,
        device_id: &str,
        records: Vec<FeedbackRecord>,
        now: OffsetDateTime,
    ) -> Result<Vec<Uuid>, StorageError> {
        let device_id = device_id.to_string();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let at = rfc3339(now);
            let mut ids = Vec::with_capacity(records.len());
            for record in &records {
                let text = serde_json::to_string(record).map_err(db)?;
                tx.execute(
                    "INSERT INTO feedback (id, device_id, outreach_id, record, received_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (id) DO NOTHING",
                    params![record.id.to_string(), device_id, record.outreach_id.map(|o| o.to_string()), text, at],
                )
                .map_err(db)?;
                ids.push(record.id);
            }
            tx.commit().map_err(db)?;
            Ok(ids)
        })
        .await
    }

    async fn feedback_totals(&self) -> Result<Vec<FeedbackTotals>, StorageError> {
        self.with(|conn| {
            let mut statement = conn.prepare("SELECT record FROM feedback").map_err(db)?;
            let rows = statement.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
            totals_from(rows.collect::<Result<Vec<_>, _>>().map_err(db)?)
        })
        .await
    }
}
