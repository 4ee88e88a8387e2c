//! The roster table: officers, added and removed with their audit entries.

use super::*;

impl Store {
    /// The officer, if on the roster and not removed.
    pub fn officer(&self, number: &OfficerNumber) -> Result<Option<Officer>> {
        Ok(self
            .conn
            .query_row(
                "SELECT number, display_name, role FROM officers WHERE number = ?1 AND removed_at IS NULL",
                [number.as_str()],
                officer_from_row,
            )
            .optional()?)
    }

    pub fn officers(&self) -> Result<Vec<Officer>> {
        let mut statement = self
            .conn
            .prepare("SELECT number, display_name, role FROM officers WHERE removed_at IS NULL ORDER BY number")?;
        let rows = statement.query_map([], officer_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub(crate) fn add_officer(&mut self, officer: &Officer, by: &OfficerNumber, now: OffsetDateTime) -> Result<()> {
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let removed_before: bool = tx
            .query_row(
                "SELECT removed_at IS NOT NULL FROM officers WHERE number = ?1",
                [officer.number.as_str()],
                |r| r.get(0),
            )
            .optional()?
            .is_some_and(|removed| removed);
        if removed_before {
            // Re-joining the roster: the old row keeps its history in the audit log.
            tx.execute("DELETE FROM officers WHERE number = ?1", [officer.number.as_str()])?;
        }
        match insert_officer(&tx, officer, by.as_str(), &at) {
            Err(CoreError::Database(rusqlite::Error::SqliteFailure(e, _)))
                if e.code == ErrorCode::ConstraintViolation =>
            {
                return Err(CoreError::OfficerExists(officer.number.to_string()));
            }
            other => other?,
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn remove_officer(
        &mut self,
        number: &OfficerNumber,
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<Officer> {
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let officer = tx
            .query_row(
                "SELECT number, display_name, role FROM officers WHERE number = ?1 AND removed_at IS NULL",
                [number.as_str()],
                officer_from_row,
            )
            .optional()?
            .ok_or_else(|| CoreError::UnknownOfficer(number.to_string()))?;
        tx.execute("UPDATE officers SET removed_at = ?2 WHERE number = ?1", params![number.as_str(), at])?;
        audit::append(
            &tx,
            Change {
                at: &at,
                officer: by.as_str(),
                action: "officer.removed",
                entity: "officer",
                entity_id: number.as_str(),
                before_hash: Some(record_hash(&officer)?),
                after_hash: None,
            },
        )?;
        tx.commit()?;
        Ok(officer)
    }

    /// Records a sign-in in the audit log (who opened citizens' data, and when).
    pub(crate) fn record_sign_in(&mut self, number: &OfficerNumber, now: OffsetDateTime) -> Result<()> {
        self.record_own_action(number, "officer.signed_in", now)
    }

    /// The officer changed their own PIN (their sealed key was re-sealed; no record changed).
    pub(crate) fn record_pin_change(&mut self, number: &OfficerNumber, now: OffsetDateTime) -> Result<()> {
        self.record_own_action(number, "officer.pin_changed", now)
    }

    /// An audit entry for something an officer did to their own session or credentials.
    fn record_own_action(&mut self, number: &OfficerNumber, action: &'static str, now: OffsetDateTime) -> Result<()> {
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let change = Change {
            at: &at,
            officer: number.as_str(),
            action,
            entity: "session",
            entity_id: number.as_str(),
            before_hash: None,
            after_hash: None,
        };
        audit::append(&tx, change)?;
        tx.commit()?;
        Ok(())
    }
}

pub(super) fn insert_officer(tx: &rusqlite::Transaction<'_>, officer: &Officer, by: &str, at: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO officers (number, display_name, role, added_by, added_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![officer.number.as_str(), officer.display_name, officer.role.as_str(), by, at],
    )?;
    audit::append(
        tx,
        Change {
            at,
            officer: by,
            action: "officer.added",
            entity: "officer",
            entity_id: officer.number.as_str(),
            before_hash: None,
            after_hash: Some(record_hash(officer)?),
        },
    )
}

pub(super) fn officer_from_row(row: &Row<'_>) -> rusqlite::Result<Officer> {
    let number: String = row.get(0)?;
    let role: String = row.get(2)?;
    Ok(Officer {
        number: OfficerNumber::parse(&number).map_err(|_| conversion_error("officer number"))?,
        display_name: row.get(1)?,
        role: Role::parse(&role).map_err(|_| conversion_error("role"))?,
    })
}
