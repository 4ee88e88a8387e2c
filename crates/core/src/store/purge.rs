//! Purging what the laptop no longer needs (Data Protection Act 2019: personal data kept no longer
//! than its purpose needs). Once an MDA has decided an application and the decision has been on
//! the laptop for the retention period, the server holds the record; the laptop lets it go, with
//! the citizen when nothing else of theirs is left, and feedback the server already has.
//!
//! Each removal is audited in the same transaction as a `*.purged` entry naming the record and its
//! last hash (no content), so the audit log still accounts for every record: the verifier flags a
//! purged record that is somehow still there. SQLCipher's secure delete overwrites the freed pages.

use super::audit::{self, Change, record_hash};
use super::{Store, format_time};
use crate::application::ApplicationState;
use crate::error::Result;
use crate::officer::OfficerNumber;
use rusqlite::TransactionBehavior;
use time::OffsetDateTime;

/// What one purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    pub applications: u64,
    pub citizens: u64,
    pub feedback: u64,
    /// Saved slip and report files (outside the store).
    pub files: u64,
}

impl Store {
    /// Removes applications decided before `cutoff` (accepted or rejected: queried ones still need
    /// the officer), citizens registered before `cutoff` with no application left, and feedback the
    /// server has, recorded before `cutoff`.
    pub(crate) fn purge_before(
        &mut self,
        cutoff: OffsetDateTime,
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<Purged> {
        let at = format_time(now)?;
        let mut decided = self.applications(Some(ApplicationState::Accepted))?;
        decided.extend(self.applications(Some(ApplicationState::Rejected))?);
        decided.retain(|a| a.updated_at < cutoff);
        let mut feedback = Vec::new();
        {
            let mut statement = self.conn.prepare("SELECT id, record, recorded_at FROM feedback WHERE synced = 1")?;
            let rows = statement
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
            for row in rows {
                let (id, record, recorded_at) = row?;
                if super::parse_time(&recorded_at)? < cutoff {
                    let record: fieldkit_protocol::FeedbackRecord =
                        serde_json::from_str(&record).map_err(|_| super::conversion_error("feedback record"))?;
                    feedback.push((id, record_hash(&record)?));
                }
            }
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut purged = Purged::default();
        let forget = |entity: &str, id: &str, hash: String, action: &str| {
            audit::append(
                &tx,
                Change {
                    at: &at,
                    officer: by.as_str(),
                    action,
                    entity,
                    entity_id: id,
                    before_hash: Some(hash),
                    after_hash: None,
                },
            )
        };
        for application in &decided {
            let id = application.id.to_string();
            forget("application", &id, record_hash(application)?, "application.purged")?;
            tx.execute("DELETE FROM applications WHERE id = ?1", [&id])?;
            purged.applications += 1;
        }
        for (id, hash) in &feedback {
            forget("feedback", id, hash.clone(), "feedback.purged")?;
            tx.execute("DELETE FROM feedback WHERE id = ?1", [id])?;
            purged.feedback += 1;
        }
        let orphans: Vec<crate::citizen::Citizen> = {
            let mut statement = tx.prepare(&format!(
                "{} WHERE NOT EXISTS (SELECT 1 FROM applications a WHERE a.citizen_id = citizens.id) ORDER BY id",
                super::CITIZEN_COLUMNS
            ))?;
            let rows = statement.query_map([], super::citizen_from_row)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        for citizen in orphans.iter().filter(|c| c.registered_at < cutoff) {
            let id = citizen.id.to_string();
            audit::append(
                &tx,
                Change {
                    at: &at,
                    officer: by.as_str(),
                    action: "citizen.purged",
                    entity: "citizen",
                    entity_id: &id,
                    before_hash: Some(record_hash(citizen)?),
                    after_hash: None,
                },
            )?;
            tx.execute("DELETE FROM citizens WHERE id = ?1", [&id])?;
            purged.citizens += 1;
        }
        tx.commit()?;
        Ok(purged)
    }
}
