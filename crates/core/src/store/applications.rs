//! The applications table: creation with its reference, lifecycle transitions, the outbox in
//! sending order, and counts.

use super::*;

impl Store {
    /// Creates an application as a draft, or already submitted (queued) when `submit` is set: the
    /// officer's "Save" is one durable transaction either way. The caller (`Session`) has checked
    /// the form against catalogue `catalogue_version` (fully when submitting).
    pub(crate) fn create_application(
        &mut self,
        new: &NewApplication,
        record: CheckedRecord,
        submit: bool,
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<Application> {
        let service_id = crate::validate::service_id(&new.service_id)?;
        let CheckedRecord { form, catalogue_version, applicant_id_number } = record;
        if catalogue_version == 0 {
            return Err(CoreError::invalid("catalogue_version", Reason::CatalogueVersionMismatch));
        }
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Statements on the save and sync paths come from the connection's statement cache: a
        // save runs seven, and parsing them afresh each time was a sixth of its CPU time.
        let citizen_exists: bool = tx
            .prepare_cached("SELECT 1 FROM citizens WHERE id = ?1")?
            .query_row([new.citizen_id.to_string()], |_| Ok(()))
            .optional()?
            .is_some();
        if !citizen_exists {
            return Err(CoreError::CitizenNotFound(new.citizen_id.to_string()));
        }
        let open_already: bool = tx
            .prepare_cached(
                "SELECT 1 FROM applications WHERE citizen_id = ?1 AND service_id = ?2 AND state NOT IN ('accepted','rejected')",
            )?
            .query_row(params![new.citizen_id.to_string(), service_id], |_| Ok(()))
            .optional()?
            .is_some();
        if open_already {
            return Err(CoreError::DuplicateApplication(service_id));
        }
        let (prefix, sequence): (String, u32) = tx
            .prepare_cached("SELECT laptop_prefix, next_sequence FROM device")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let reference = Reference::new(&LaptopPrefix::parse(&prefix)?, sequence)?;
        tx.prepare_cached("UPDATE device SET next_sequence = next_sequence + 1")?.execute([])?;

        let state = if submit { ApplicationState::Draft.after(Transition::Submit)? } else { ApplicationState::Draft };
        let stamped = truncate_to_millis(now);
        let application = Application {
            id: Uuid::now_v7(),
            reference,
            citizen_id: new.citizen_id,
            service_id,
            catalogue_version,
            state,
            form,
            review_note: None,
            revision: 1,
            created_by: by.to_string(),
            created_at: stamped,
            updated_at: stamped,
        };
        let form =
            serde_json::to_string(&application.form).map_err(|_| CoreError::invalid("form", Reason::FormEncoding))?;
        tx.prepare_cached(
            "INSERT INTO applications (id, reference, citizen_id, service_id, catalogue_version, state, form, review_note, revision, created_by, created_at, updated_at, applicant_id_number)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, 1, ?8, ?9, ?9, ?10)",
        )?
        .execute(params![
            application.id.to_string(),
            application.reference.as_str(),
            application.citizen_id.to_string(),
            application.service_id,
            application.catalogue_version,
            application.state.as_str(),
            form,
            application.created_by,
            at,
            applicant_id_number
        ])?;
        audit::append(
            &tx,
            Change {
                at: &at,
                officer: by.as_str(),
                action: if submit { "application.created_submitted" } else { "application.created_draft" },
                entity: "application",
                entity_id: &application.id.to_string(),
                before_hash: None,
                after_hash: Some(record_hash(&application)?),
            },
        )?;
        tx.commit()?;
        Ok(application)
    }

    /// Applies one lifecycle transition, with an optional new form (edits) or review note.
    pub(crate) fn transition_application(
        &mut self,
        id: Uuid,
        transition: Transition,
        change: ApplicationChange,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<Application> {
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = application_in(&tx, id)?.ok_or_else(|| CoreError::ApplicationNotFound(id.to_string()))?;
        let after = transition_in(&tx, before, transition, change, by, &at, now)?;
        tx.commit()?;
        Ok(after)
    }

    /// Marks synced, in one transaction, every application a push batch's answers acknowledge
    /// (still in the outbox at the acknowledged revision), with an audit entry each, and counts
    /// every answer. One commit, so one fsync, per batch rather than per application: the
    /// acknowledgements of a batch become durable together or not at all, and a batch that is
    /// lost here is only acknowledged again (as already stored) by the next sync.
    pub(crate) fn apply_push_results(
        &mut self,
        results: &[fieldkit_protocol::RecordResult],
        by: &str,
        now: OffsetDateTime,
    ) -> Result<crate::sync::PushTally> {
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut tally = crate::sync::PushTally::default();
        for result in results {
            let Some(application) = application_in(&tx, result.id)? else {
                tally.skipped += 1;
                continue;
            };
            let marked = crate::sync::acknowledges(result, &application);
            if marked {
                transition_in(&tx, application, Transition::MarkSynced, ApplicationChange::None, by, &at, now)?;
            }
            crate::sync::tally_outcome(&mut tally, &result.outcome, marked);
        }
        tx.commit()?;
        Ok(tally)
    }

    pub fn application(&self, id: Uuid) -> Result<Application> {
        self.conn
            .query_row(&format!("{APPLICATION_COLUMNS} WHERE id = ?1"), [id.to_string()], application_from_row)
            .optional()?
            .ok_or_else(|| CoreError::ApplicationNotFound(id.to_string()))
    }

    pub fn application_by_reference(&self, reference: &Reference) -> Result<Application> {
        self.conn
            .query_row(
                &format!("{APPLICATION_COLUMNS} WHERE reference = ?1"),
                [reference.as_str()],
                application_from_row,
            )
            .optional()?
            .ok_or_else(|| CoreError::ApplicationNotFound(reference.to_string()))
    }

    /// Applications, oldest first; only those in `state` when given.
    /// Applications for `service_id` by the person with `id_number` on this laptop (by the ID
    /// number recorded with each application), `except` one. Indexed: cost does not grow with the
    /// number of applications on the laptop.
    pub fn applications_by_id_number(
        &self,
        service_id: &str,
        id_number: &str,
        except: Option<Uuid>,
    ) -> Result<Vec<EarlierApplication>> {
        let mut statement = self.conn.prepare(
            "SELECT reference, state, created_at FROM applications
             WHERE service_id = ?1 AND applicant_id_number = ?2 AND (?3 IS NULL OR id <> ?3)
             ORDER BY created_at",
        )?;
        let rows = statement.query_map(params![service_id, id_number, except.map(|u| u.to_string())], |row| {
            let reference: String = row.get(0)?;
            let state: String = row.get(1)?;
            let created_at: String = row.get(2)?;
            Ok(EarlierApplication {
                reference: Reference::parse(&reference).map_err(|_| conversion_error("reference"))?,
                state: ApplicationState::parse(&state).map_err(|_| conversion_error("state"))?,
                created_at: parse_time(&created_at)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub fn applications(&self, state: Option<ApplicationState>) -> Result<Vec<Application>> {
        let mut statement = self
            .conn
            .prepare(&format!("{APPLICATION_COLUMNS} WHERE (?1 IS NULL OR state = ?1) ORDER BY created_at, id"))?;
        let rows = statement.query_map([state.map(ApplicationState::as_str)], application_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The oldest `limit` applications waiting to be sent, in sending order, straight off the
    /// outbox index (migration 8).
    pub fn outbox_page(&self, limit: usize) -> Result<Vec<Application>> {
        Ok(self.outbox_page_after(None, limit)?.into_iter().map(|(application, _)| application).collect())
    }

    /// Like [`Store::outbox_page`], but only applications after `after` in sending order, each
    /// with its own position: how sync reads the next batch while the previous one, still in the
    /// outbox, is on its way.
    pub fn outbox_page_after(
        &self,
        after: Option<&OutboxPosition>,
        limit: usize,
    ) -> Result<Vec<(Application, OutboxPosition)>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "{APPLICATION_COLUMNS} INDEXED BY applications_outbox
             WHERE state = 'submitted' AND (?1 IS NULL OR (created_at, id) > (?1, ?2))
             ORDER BY created_at, id LIMIT ?3"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (created_at, id) = after.map(|p| (p.created_at.as_str(), p.id.as_str())).unzip();
        let rows = statement.query_map(params![created_at, id, limit], |row| {
            // The stored text itself, so the next page starts exactly after this row.
            let position = OutboxPosition { created_at: row.get(10)?, id: row.get(0)? };
            Ok((application_from_row(row)?, position))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Applications created in `[from, to)` (whatever their state now).
    pub fn count_created_between(&self, from: OffsetDateTime, to: OffsetDateTime) -> Result<u64> {
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM applications
             WHERE julianday(created_at) >= julianday(?1) AND julianday(created_at) < julianday(?2)",
            params![format_time(from)?, format_time(to)?],
            |row| row.get(0),
        )?;
        Ok(count.max(0) as u64)
    }

    pub fn count_by_state(&self) -> Result<Vec<(ApplicationState, u64)>> {
        let mut statement = self.conn.prepare("SELECT state, count(*) FROM applications GROUP BY state")?;
        let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))?;
        let mut counts = Vec::new();
        for row in rows {
            let (state, count) = row?;
            counts.push((ApplicationState::parse(&state)?, count.max(0) as u64));
        }
        Ok(counts)
    }
}

pub(super) fn application_in(tx: &rusqlite::Transaction<'_>, id: Uuid) -> Result<Option<Application>> {
    Ok(tx
        .prepare_cached(&format!("{APPLICATION_COLUMNS} WHERE id = ?1"))?
        .query_row([id.to_string()], application_from_row)
        .optional()?)
}

/// Where an application sits in the outbox's sending order (its stored creation time and id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxPosition {
    created_at: String,
    id: String,
}

/// One lifecycle transition inside the caller's transaction: the new state (and form or review
/// note), its row update and its audit entry.
pub(super) fn transition_in(
    tx: &rusqlite::Transaction<'_>,
    before: Application,
    transition: Transition,
    change: ApplicationChange,
    by: &str,
    at: &str,
    now: OffsetDateTime,
) -> Result<Application> {
    let id = before.id;
    let mut after = before.clone();
    after.state = before.state.after(transition)?;
    after.updated_at = truncate_to_millis(now);
    match change {
        ApplicationChange::None => {}
        ApplicationChange::Form(form) => {
            after.form = form;
            after.revision += 1;
        }
        ApplicationChange::Checked { record, expected_revision } => {
            // Checked outside this transaction: refuse if someone changed it meanwhile.
            if before.revision != expected_revision {
                return Err(CoreError::ApplicationChanged(id.to_string()));
            }
            if record.form != before.form {
                after.form = record.form;
                after.revision += 1;
            }
            after.catalogue_version = record.catalogue_version;
            tx.execute(
                "UPDATE applications SET applicant_id_number = ?2 WHERE id = ?1",
                params![id.to_string(), record.applicant_id_number],
            )?;
        }
        ApplicationChange::Review(outcome) => {
            after.review_note = match outcome {
                ReviewOutcome::Accepted => None,
                ReviewOutcome::Rejected { reason } => Some(reason),
                ReviewOutcome::Queried { question } => Some(question),
            };
        }
    }
    let form = serde_json::to_string(&after.form).map_err(|_| CoreError::invalid("form", Reason::FormEncoding))?;
    tx.prepare_cached(
        "UPDATE applications SET state = ?2, form = ?3, review_note = ?4, revision = ?5, updated_at = ?6, catalogue_version = ?7 WHERE id = ?1",
    )?
    .execute(params![
        id.to_string(),
        after.state.as_str(),
        form,
        after.review_note,
        after.revision,
        at,
        after.catalogue_version
    ])?;
    audit::append(
        tx,
        Change {
            at,
            officer: by,
            action: &format!("application.{}", after.state.as_str()),
            entity: "application",
            entity_id: &id.to_string(),
            before_hash: Some(record_hash(&before)?),
            after_hash: Some(record_hash(&after)?),
        },
    )?;
    Ok(after)
}

/// What a transition changes besides the state.
pub(crate) enum ApplicationChange {
    None,
    /// New answers for a draft or queried application (not yet checked in full).
    Form(serde_json::Map<String, serde_json::Value>),
    /// Answers checked in full, from the application as it was at `expected_revision`.
    Checked {
        record: CheckedRecord,
        expected_revision: u32,
    },
    Review(ReviewOutcome),
}

/// What the store keeps of a checked form: its answers, the catalogue version they were checked
/// against, and the applicant's ID number (indexed, for duplicate warnings).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CheckedRecord {
    pub form: serde_json::Map<String, serde_json::Value>,
    pub catalogue_version: u32,
    pub applicant_id_number: Option<String>,
}

/// An earlier application that may be the same request again (for duplicate warnings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierApplication {
    pub reference: Reference,
    pub state: ApplicationState,
    pub created_at: OffsetDateTime,
}

pub(super) const APPLICATION_COLUMNS: &str = "SELECT id, reference, citizen_id, service_id, catalogue_version, state, form, review_note, revision, created_by, created_at, updated_at FROM applications";

pub(super) fn application_from_row(row: &Row<'_>) -> rusqlite::Result<Application> {
    let id: String = row.get(0)?;
    let reference: String = row.get(1)?;
    let citizen_id: String = row.get(2)?;
    let state: String = row.get(5)?;
    let form: String = row.get(6)?;
    let created_at: String = row.get(10)?;
    let updated_at: String = row.get(11)?;
    Ok(Application {
        id: Uuid::parse_str(&id).map_err(|_| conversion_error("application id"))?,
        reference: Reference::parse(&reference).map_err(|_| conversion_error("reference"))?,
        citizen_id: Uuid::parse_str(&citizen_id).map_err(|_| conversion_error("citizen id"))?,
        service_id: row.get(3)?,
        catalogue_version: row.get(4)?,
        state: ApplicationState::parse(&state).map_err(|_| conversion_error("state"))?,
        form: serde_json::from_str(&form).map_err(|_| conversion_error("form"))?,
        review_note: row.get(7)?,
        revision: row.get(8)?,
        created_by: row.get(9)?,
        created_at: parse_time(&created_at)?,
        updated_at: parse_time(&updated_at)?,
    })
}
