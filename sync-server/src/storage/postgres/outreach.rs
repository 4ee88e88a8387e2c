//! [`OutreachStorage`] on the PostgreSQL backend.

use crate::storage::StorageError;
use crate::storage::outreach::{FeedbackTotals, OutreachStorage, totals_from};
use crate::storage::postgres::{PostgresStorage, append_event, db, revision};
use fieldkit_protocol::{Event, FeedbackRecord, OutreachPlan, PlanOutcome};
use time::OffsetDateTime;
use uuid::Uuid;

fn timestamp(now: OffsetDateTime) -> f64 {
    now.unix_timestamp() as f64
}

impl OutreachStorage for PostgresStorage {
    async fn keep_plan(
        &self,
        device_id: &str,
        plan: OutreachPlan,
        now: OffsetDateTime,
    ) -> Result<PlanOutcome, StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        // Two nodes keeping revisions of one plan at once: the row lock (or the insert's
        // conflict) orders them, so the newer revision wins and each is published once.
        tx.execute(
            "INSERT INTO plans (id, revision, plan, uploaded_by, updated_at) VALUES ($1, 0, '', '', to_timestamp(0))
             ON CONFLICT (id) DO NOTHING",
            &[&plan.id],
        )
        .await
        .map_err(db)?;
        let kept: i32 =
            tx.query_one("SELECT revision FROM plans WHERE id = $1 FOR UPDATE", &[&plan.id]).await.map_err(db)?.get(0);
        if kept >= revision(plan.revision) && kept > 0 {
            return Ok(PlanOutcome::AlreadyKnown { revision: u32::try_from(kept).unwrap_or(0) });
        }
        for laptop in &plan.laptops {
            match PostgresStorage::device_where(&*tx, "id", laptop).await? {
                None => return Ok(PlanOutcome::Refused { reason: format!("laptop {laptop} is not enrolled") }),
                Some(device) if device.revoked_at.is_some() => {
                    return Ok(PlanOutcome::Refused { reason: format!("laptop {laptop} is revoked") });
                }
                Some(_) => {}
            }
        }
        let text = serde_json::to_string(&plan).map_err(db)?;
        tx.execute(
            "UPDATE plans SET revision = $2, plan = $3, uploaded_by = $4, updated_at = to_timestamp($5) WHERE id = $1",
            &[&plan.id, &revision(plan.revision), &text, &device_id, &timestamp(now)],
        )
        .await
        .map_err(db)?;
        // Event counters are locked in device-id order everywhere, so publishers never deadlock.
        let mut laptops = plan.laptops.clone();
        laptops.sort();
        laptops.dedup();
        let event = Event::Outreach { plan: Box::new(plan.clone()) };
        for laptop in &laptops {
            append_event(&*tx, laptop, &event).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(PlanOutcome::Published { laptops: plan.laptops })
    }

    async fn plans(&self) -> Result<Vec<OutreachPlan>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let rows = client.query("SELECT plan FROM plans WHERE revision > 0", &[]).await.map_err(db)?;
        let mut plans = Vec::new();
        for row in rows {
            let text: String = row.try_get(0).map_err(db)?;
            plans.push(
                serde_json::from_str::<OutreachPlan>(&text).map_err(|e| StorageError::Corrupt(format!("plan: {e}")))?,
            );
        }
        plans.sort_by(|a, b| (&a.starts_on, &a.name, a.id).cmp(&(&b.starts_on, &b.name, b.id)));
        Ok(plans)
    }

    async fn push_feedback(
        &self,
        device_id: &str,
        records: Vec<FeedbackRecord>,
        now: OffsetDateTime,
    ) -> Result<Vec<Uuid>, StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        let mut ids = Vec::with_capacity(records.len());
        for record in &records {
            let text = serde_json::to_string(record).map_err(db)?;
            tx.execute(
                "INSERT INTO feedback (id, device_id, outreach_id, record, received_at)
                 VALUES ($1, $2, $3, $4, to_timestamp($5)) ON CONFLICT (id) DO NOTHING",
                &[&record.id, &device_id, &record.outreach_id, &text, &timestamp(now)],
            )
            .await
            .map_err(db)?;
            ids.push(record.id);
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }

    async fn feedback_totals(&self) -> Result<Vec<FeedbackTotals>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let rows = client.query("SELECT record FROM feedback", &[]).await.map_err(db)?;
        let texts = rows.iter().map(|row| row.try_get::<_, String>(0).map_err(db)).collect::<Result<Vec<_>, _>>()?;
        totals_from(texts)
    }
}
