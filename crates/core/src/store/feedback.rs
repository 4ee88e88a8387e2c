//! Citizens' feedback (migration 6): each record kept whole as its wire JSON beside the columns it
//! is found by (Kenyan day, outreach, whether the server has it), written in one transaction with
//! its audit entry. The audit entry names the record by id and hash only: no comment, complaint
//! or contact is ever written outside the record itself.

use super::audit::{self, Change, record_hash};
use super::{Store, conversion_error, format_time};
use crate::error::Result;
use crate::feedback::FeedbackSummary;
use crate::officer::OfficerNumber;
use fieldkit_protocol::FeedbackRecord;
use rusqlite::{TransactionBehavior, params};
use time::OffsetDateTime;
use uuid::Uuid;

fn decode(text: &str) -> rusqlite::Result<FeedbackRecord> {
    serde_json::from_str(text).map_err(|_| conversion_error("feedback record"))
}

impl Store {
    /// Keeps a checked feedback record, waiting for sync, and audits it (`feedback.recorded`,
    /// with the record's SHA-256).
    pub(crate) fn insert_feedback(
        &mut self,
        record: &FeedbackRecord,
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = format_time(now)?;
        let id = record.id.to_string();
        let text = serde_json::to_string(record).map_err(|_| conversion_error("feedback record"))?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO feedback (id, outreach_id, service_id, given_on, record, recorded_by, recorded_at, synced)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
            params![
                id,
                record.outreach_id.map(|o| o.to_string()),
                record.service_id,
                record.given_on,
                text,
                by.as_str(),
                at
            ],
        )?;
        audit::append(
            &tx,
            Change {
                at: &at,
                officer: by.as_str(),
                action: "feedback.recorded",
                entity: "feedback",
                entity_id: &id,
                before_hash: None,
                after_hash: Some(record_hash(record)?),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// At most `limit` records the server does not have yet, oldest first.
    pub fn feedback_waiting(&self, limit: usize) -> Result<Vec<FeedbackRecord>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut statement =
            self.conn.prepare("SELECT record FROM feedback WHERE synced = 0 ORDER BY recorded_at, id LIMIT ?1")?;
        let rows = statement.query_map([limit], |r| decode(&r.get::<_, String>(0)?))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Marks the records the server acknowledged as synced, each audited (`feedback.synced`) the
    /// first time. Ids already synced or unknown here change nothing. Returns how many changed.
    pub(crate) fn mark_feedback_synced(
        &mut self,
        ids: &[Uuid],
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<u64> {
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut changed = 0;
        for id in ids {
            let id = id.to_string();
            if tx.execute("UPDATE feedback SET synced = 1 WHERE id = ?1 AND synced = 0", [&id])? == 1 {
                changed += 1;
                audit::append(
                    &tx,
                    Change {
                        at: &at,
                        officer: by.as_str(),
                        action: "feedback.synced",
                        entity: "feedback",
                        entity_id: &id,
                        before_hash: None,
                        after_hash: None,
                    },
                )?;
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Feedback given on the Kenyan day `given_on` (`YYYY-MM-DD`), counted.
    pub fn feedback_summary_on(&self, given_on: &str) -> Result<FeedbackSummary> {
        self.summarise("SELECT record FROM feedback WHERE given_on = ?1", given_on)
    }

    /// Feedback given at the outreach `outreach_id`, counted.
    pub fn feedback_summary_for_outreach(&self, outreach_id: Uuid) -> Result<FeedbackSummary> {
        self.summarise("SELECT record FROM feedback WHERE outreach_id = ?1", &outreach_id.to_string())
    }

    fn summarise(&self, query: &str, key: &str) -> Result<FeedbackSummary> {
        let mut statement = self.conn.prepare(query)?;
        let rows = statement.query_map([key], |r| decode(&r.get::<_, String>(0)?))?;
        let mut summary = FeedbackSummary::default();
        for record in rows {
            summary.add(&record?);
        }
        Ok(summary)
    }

    /// Every feedback record as (entity, id, SHA-256), the shape the audit verifier holds live
    /// records against the log in.
    pub fn feedback_hashes(&self) -> Result<Vec<(&'static str, String, String)>> {
        let mut statement = self.conn.prepare("SELECT record FROM feedback ORDER BY id")?;
        let rows = statement.query_map([], |r| decode(&r.get::<_, String>(0)?))?;
        let mut hashes = Vec::new();
        for record in rows {
            let record = record?;
            hashes.push(("feedback", record.id.to_string(), record_hash(&record)?));
        }
        Ok(hashes)
    }
}
