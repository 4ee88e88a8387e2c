//! The append-only, hash-chained audit log.
//!
//! Every change to an officer, citizen or application appends one entry in the same transaction as
//! the change: who, when, what, and the SHA-256 of the record before and after. Each entry's hash
//! covers its own fields and the previous entry's hash, so editing, deleting or reordering entries
//! breaks the chain. `verify` also recomputes every live record's hash and compares it with the
//! last `after_hash` the log holds for it, so a record edited behind the application's back shows up
//! even when the log itself is untouched.
//!
//! Limit: someone holding the data key could rewrite the whole chain, or cut entries off its end;
//! anchoring the head hash off the laptop (sent on each sync) closes that, in the sync work.

use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub(crate) const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A record's fingerprint for the log: SHA-256 of its canonical JSON.
pub(crate) fn record_hash<T: Serialize>(record: &T) -> Result<String> {
    let bytes = serde_json::to_vec(record).map_err(|_| crate::CoreError::Crypto("record could not be encoded"))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub officer: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_hash: Option<String>,
    pub after_hash: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    fn compute_hash(&self) -> String {
        let mut hasher = Sha256::new();
        let seq = self.seq.to_string();
        let parts: [&str; 9] = [
            &self.prev_hash,
            &seq,
            &self.at,
            &self.officer,
            &self.action,
            &self.entity,
            &self.entity_id,
            self.before_hash.as_deref().unwrap_or("-"),
            self.after_hash.as_deref().unwrap_or("-"),
        ];
        for part in parts {
            // Length-prefix each part so ("ab","c") and ("a","bc") hash differently.
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
        hex::encode(hasher.finalize())
    }
}

/// What is being changed, for one audit entry.
pub(crate) struct Change<'a> {
    pub at: &'a str,
    pub officer: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before_hash: Option<String>,
    pub after_hash: Option<String>,
}

pub(crate) fn append(tx: &Transaction<'_>, change: Change<'_>) -> Result<()> {
    let last: Option<(i64, String)> = tx
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (prev_seq, prev_hash) = last.unwrap_or((0, GENESIS_HASH.to_string()));
    let mut entry = AuditEntry {
        seq: prev_seq + 1,
        at: change.at.to_string(),
        officer: change.officer.to_string(),
        action: change.action.to_string(),
        entity: change.entity.to_string(),
        entity_id: change.entity_id.to_string(),
        before_hash: change.before_hash,
        after_hash: change.after_hash,
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry.compute_hash();
    tx.prepare_cached(
        "INSERT INTO audit_log (seq, at, officer, action, entity, entity_id, before_hash, after_hash, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        entry.seq,
        entry.at,
        entry.officer,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.before_hash,
        entry.after_hash,
        entry.prev_hash,
        entry.hash
    ])?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AuditProblem {
    /// An entry's stored hash does not match its contents: the entry was edited.
    EntryAltered { seq: i64 },
    /// An entry does not point at its predecessor: entries were removed, inserted or reordered.
    ChainBroken { seq: i64 },
    /// Sequence numbers skip: entries were deleted.
    Gap { after_seq: i64, next_seq: i64 },
    /// A live record no longer matches what the log last recorded for it.
    RecordAltered { entity: String, entity_id: String },
    /// A live record the log never saw being written.
    RecordUnaudited { entity: String, entity_id: String },
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: u64,
    pub head_hash: String,
    pub problems: Vec<AuditProblem>,
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Walks the chain, then checks each live record against its last logged hash.
/// `live_records` gives (entity, id, current hash) for every record the log should cover.
pub(crate) fn verify(conn: &Connection, live_records: &[(&'static str, String, String)]) -> Result<AuditReport> {
    let mut statement = conn.prepare(
        "SELECT seq, at, officer, action, entity, entity_id, before_hash, after_hash, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(AuditEntry {
            seq: row.get(0)?,
            at: row.get(1)?,
            officer: row.get(2)?,
            action: row.get(3)?,
            entity: row.get(4)?,
            entity_id: row.get(5)?,
            before_hash: row.get(6)?,
            after_hash: row.get(7)?,
            prev_hash: row.get(8)?,
            hash: row.get(9)?,
        })
    })?;

    let mut problems = Vec::new();
    let mut expected_prev = GENESIS_HASH.to_string();
    let mut last_seq = 0;
    let mut entries = 0;
    let mut latest_after: std::collections::HashMap<(String, String), Option<String>> = Default::default();
    for row in rows {
        let entry = row?;
        entries += 1;
        if entry.seq != last_seq + 1 {
            problems.push(AuditProblem::Gap { after_seq: last_seq, next_seq: entry.seq });
        }
        if entry.prev_hash != expected_prev {
            problems.push(AuditProblem::ChainBroken { seq: entry.seq });
        }
        if entry.compute_hash() != entry.hash {
            problems.push(AuditProblem::EntryAltered { seq: entry.seq });
        }
        if entry.after_hash.is_some() || entry.before_hash.is_some() {
            latest_after.insert((entry.entity.clone(), entry.entity_id.clone()), entry.after_hash.clone());
        }
        last_seq = entry.seq;
        expected_prev = entry.hash;
    }

    for (entity, id, hash) in live_records {
        match latest_after.get(&(entity.to_string(), id.clone())) {
            Some(Some(logged)) if logged == hash => {}
            Some(_) => problems.push(AuditProblem::RecordAltered { entity: entity.to_string(), entity_id: id.clone() }),
            None => problems.push(AuditProblem::RecordUnaudited { entity: entity.to_string(), entity_id: id.clone() }),
        }
    }
    Ok(AuditReport { entries, head_hash: expected_prev, problems })
}
