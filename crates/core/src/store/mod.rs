//! The encrypted offline store: one SQLCipher database per profile.
//!
//! Durability: WAL journal with `synchronous = FULL`, so a write that returned Ok has been fsynced
//! and survives kill -9 and power loss. Every change runs in one IMMEDIATE transaction together with
//! its audit entry; a change is either wholly there or wholly absent.
//!
//! This module knows nothing about PINs or roles: the caller (`Session`) has already decided the
//! officer may do what is asked. It does validate its own invariants (legal transitions, one open
//! application per service, unique references).

mod audit;
mod feedback;
pub(crate) mod migrations;
mod purge;
mod received;

pub use audit::{AuditEntry, AuditProblem, AuditReport};
pub use purge::Purged;
pub use received::RosterEntry;

use crate::application::{Application, ApplicationState, NewApplication, ReviewOutcome, Transition};
use crate::citizen::{Citizen, CitizenDetails, Sex};
use crate::crypto::DataKey;
use crate::error::{CoreError, Reason, Result};
use crate::officer::{Officer, OfficerNumber, Role};
use crate::reference::{LaptopPrefix, Reference};
use audit::{Change, record_hash};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

pub struct Store {
    conn: Connection,
    /// Kept (zeroed on drop) so a signed-in manager can seal a copy for a new officer.
    key: DataKey,
}

/// Returns once SQLCipher has finished starting up in this process.
///
/// SQLite marks itself initialised and only then runs SQLCipher's start-up (`sqlcipher_extra_init`,
/// wired in as `SQLITE_EXTRA_INIT`), outside SQLite's init mutex. A second thread that opens a
/// connection meanwhile finds SQLite ready and SQLCipher not: its `PRAGMA key` fails with "An error
/// occurred with PRAGMA key or rekey", and nothing is logged because SQLCipher's log is not set up
/// yet either. That was the rare start-of-process failure seen under load. Holding the first thread
/// inside `sqlcipher_extra_init` with a debugger made 280 of 320 concurrent opens fail;
/// `tests/concurrent_open.rs` does exactly that.
///
/// So the first store opened in a process keys a throwaway in-memory connection before any other
/// thread may open one. If SQLite was started by someone else (the sync server's plain SQLite in
/// the same process) and SQLCipher is still starting, the probe fails and is tried again, giving
/// the CPU to the starting thread, until it succeeds or `SQLCIPHER_START_UP` has passed.
fn wait_for_sqlcipher() -> Result<()> {
    const SQLCIPHER_START_UP: std::time::Duration = std::time::Duration::from_secs(10);
    static READY: AtomicBool = AtomicBool::new(false);
    static STARTING: Mutex<()> = Mutex::new(());
    if READY.load(Ordering::Acquire) {
        return Ok(());
    }
    let _first = STARTING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if READY.load(Ordering::Acquire) {
        return Ok(());
    }
    let probe = || -> rusqlite::Result<()> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "key", "start-up probe")
    };
    let started = std::time::Instant::now();
    loop {
        match probe() {
            Ok(()) => break,
            Err(_) if started.elapsed() < SQLCIPHER_START_UP => std::thread::yield_now(),
            Err(e) => return Err(e.into()),
        }
    }
    READY.store(true, Ordering::Release);
    Ok(())
}

/// Timestamps are kept to the millisecond so they survive a text round trip unchanged (the audit
/// hashes depend on it).
pub(crate) fn truncate_to_millis(at: OffsetDateTime) -> OffsetDateTime {
    let millis = at.nanosecond() / 1_000_000;
    at.replace_nanosecond(millis * 1_000_000).unwrap_or(at)
}

fn format_time(at: OffsetDateTime) -> Result<String> {
    truncate_to_millis(at).format(&Rfc3339).map_err(|_| CoreError::invalid("timestamp", Reason::TimestampRange))
}

fn parse_time(text: &str) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn conversion_error(message: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, message.to_string().into())
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.conn.path()).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if absent) the store at `path` with `key`, then upgrades its schema.
    pub fn open(path: &Path, key: &DataKey) -> Result<Store> {
        Store::open_at_version(path, key, migrations::LATEST)
    }

    /// Opens without migrating beyond `target`; for migration tests.
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, key: &DataKey, target: i64) -> Result<Store> {
        let mut conn = Store::open_keyed(path, key)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Keep sorts and temporary tables in memory so no plaintext scratch file reaches the disk.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::migrate_to(&mut conn, target)?;
        Ok(Store { conn, key: key.clone() })
    }

    /// A connection to `path` keyed with `key`, the key proven by a first read.
    fn open_keyed(path: &Path, key: &DataKey) -> Result<Connection> {
        wait_for_sqlcipher()?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.pragma_update(None, "key", key.sqlcipher_pragma_value().as_str())?;
        // The first read proves the key; SQLCipher reports a wrong key as "not a database".
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0)) {
            Ok(_) => Ok(conn),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => Err(CoreError::NotAStore),
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) fn data_key(&self) -> &DataKey {
        &self.key
    }

    /// Direct access for tests that play the attacker or check pragmas.
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn schema_version(&self) -> Result<i64> {
        migrations::schema_version(&self.conn)
    }

    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut statement = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    // --- device ----------------------------------------------------------------------------------

    /// Writes the device identity and the first officer of a new profile.
    pub(crate) fn initialise(
        &mut self,
        profile_id: Uuid,
        prefix: &LaptopPrefix,
        first: &Officer,
        deployment: fieldkit_protocol::Deployment,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO device (singleton, profile_id, laptop_prefix, next_sequence, created_at, deployment) \
             VALUES (1, ?1, ?2, 1, ?3, ?4)",
            params![profile_id.to_string(), prefix.as_str(), at, deployment.as_str()],
        )?;
        insert_officer(&tx, first, first.number.as_str(), &at)?;
        tx.commit()?;
        Ok(())
    }

    pub fn profile_id(&self) -> Result<Uuid> {
        let text: String = self.conn.query_row("SELECT profile_id FROM device", [], |row| row.get(0))?;
        Uuid::parse_str(&text).map_err(|_| CoreError::NotAStore)
    }

    /// Training (a trainer's demo profile) or production, fixed when the profile was created.
    pub fn deployment(&self) -> Result<fieldkit_protocol::Deployment> {
        let text: String = self.conn.query_row("SELECT deployment FROM device", [], |row| row.get(0))?;
        match text.as_str() {
            "training" => Ok(fieldkit_protocol::Deployment::Training),
            "production" => Ok(fieldkit_protocol::Deployment::Production),
            _ => Err(CoreError::NotAStore),
        }
    }

    pub fn laptop_prefix(&self) -> Result<LaptopPrefix> {
        let text: String = self.conn.query_row("SELECT laptop_prefix FROM device", [], |row| row.get(0))?;
        LaptopPrefix::parse(&text)
    }

    // --- officers --------------------------------------------------------------------------------

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
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let change = Change {
            at: &at,
            officer: number.as_str(),
            action: "officer.signed_in",
            entity: "session",
            entity_id: number.as_str(),
            before_hash: None,
            after_hash: None,
        };
        audit::append(&tx, change)?;
        tx.commit()?;
        Ok(())
    }

    // --- citizens --------------------------------------------------------------------------------

    pub(crate) fn register_citizen(
        &mut self,
        details: CitizenDetails,
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<Citizen> {
        let citizen = Citizen {
            id: Uuid::now_v7(),
            details,
            registered_by: by.to_string(),
            registered_at: truncate_to_millis(now),
        };
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(id_number) = &citizen.details.id_number {
            let existing: Option<String> =
                tx.query_row("SELECT id FROM citizens WHERE id_number = ?1", [id_number], |r| r.get(0)).optional()?;
            if let Some(citizen_id) = existing {
                return Err(CoreError::CitizenExists { id_number: id_number.clone(), citizen_id });
            }
        }
        let d = &citizen.details;
        tx.execute(
            "INSERT INTO citizens (id, id_number, surname, given_names, date_of_birth, sex, phone, county_code, registered_by, registered_at, sub_county, kra_pin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                citizen.id.to_string(),
                d.id_number,
                d.surname,
                d.given_names,
                d.date_of_birth.to_string(),
                d.sex.as_str(),
                d.phone,
                d.county_code,
                citizen.registered_by,
                at,
                d.sub_county,
                d.kra_pin
            ],
        )?;
        audit::append(
            &tx,
            Change {
                at: &at,
                officer: by.as_str(),
                action: "citizen.registered",
                entity: "citizen",
                entity_id: &citizen.id.to_string(),
                before_hash: None,
                after_hash: Some(record_hash(&citizen)?),
            },
        )?;
        tx.commit()?;
        Ok(citizen)
    }

    pub fn citizen(&self, id: Uuid) -> Result<Citizen> {
        self.conn
            .query_row(&format!("{CITIZEN_COLUMNS} WHERE id = ?1"), [id.to_string()], citizen_from_row)
            .optional()?
            .ok_or_else(|| CoreError::CitizenNotFound(id.to_string()))
    }

    /// Finds citizens by ID number, phone (any written form) or part of a name.
    pub fn find_citizens(&self, query: &str) -> Result<Vec<Citizen>> {
        let query = query.trim();
        if query.is_empty() {
            return Err(CoreError::invalid("query", Reason::Required));
        }
        let phone = crate::validate::kenyan_phone("query", query).ok();
        // A reference read off a slip or over the phone, in any case and spacing, finds the
        // citizen it was issued to.
        let reference = Reference::parse(query).ok().map(|r| r.as_str().to_string());
        let pattern = format!("%{}%", query.replace(['%', '_'], ""));
        let mut statement = self.conn.prepare(&format!(
            "{CITIZEN_COLUMNS} WHERE id_number = ?1 OR phone = ?2
               OR surname LIKE ?3 OR given_names LIKE ?3 OR (given_names || ' ' || surname) LIKE ?3
               OR id IN (SELECT citizen_id FROM applications WHERE reference = ?4)
             ORDER BY surname, given_names LIMIT 50"
        ))?;
        let rows = statement.query_map(params![query, phone, pattern, reference], citizen_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    // --- applications ----------------------------------------------------------------------------

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

    /// Copies the write-ahead log into the main file and empties it. Every committed change is
    /// already on disk (WAL, `synchronous = FULL`); this shortens recovery after a power cut and
    /// leaves one self-contained file, which is what a laptop about to die should have.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// The persisted sync state.
    pub fn sync_state(&self) -> Result<SyncState> {
        let row = self.conn.query_row(
            "SELECT pull_cursor, last_success_at, last_attempt_at, last_error, revoked_at FROM sync_state",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            },
        )?;
        let (cursor, success, attempt, last_error, revoked) = row;
        Ok(SyncState {
            pull_cursor: u64::try_from(cursor).map_err(|_| conversion_error("pull cursor"))?,
            last_success_at: success.as_deref().map(parse_time).transpose()?,
            last_attempt_at: attempt.as_deref().map(parse_time).transpose()?,
            last_error: last_error.as_deref().map(SyncFailure::from_column),
            revoked_at: revoked.as_deref().map(parse_time).transpose()?,
        })
    }

    /// Records a sync attempt: its time, and either success (with the new pull cursor) or the
    /// error the officer should see. The cursor only moves forward.
    pub(crate) fn record_sync_attempt(
        &mut self,
        at: OffsetDateTime,
        outcome: std::result::Result<u64, &SyncFailure>,
    ) -> Result<SyncState> {
        let at = format_time(at)?;
        match outcome {
            Ok(cursor) => {
                let cursor = i64::try_from(cursor).map_err(|_| CoreError::invalid("cursor", Reason::TimestampRange))?;
                self.conn.execute(
                    "UPDATE sync_state SET pull_cursor = max(pull_cursor, ?1), last_success_at = ?2,
                                           last_attempt_at = ?2, last_error = NULL",
                    params![cursor, at],
                )?;
            }
            Err(failure) => {
                let stored = serde_json::to_string(failure).map_err(|_| conversion_error("sync failure"))?;
                self.conn
                    .execute("UPDATE sync_state SET last_attempt_at = ?1, last_error = ?2", params![at, stored])?;
            }
        }
        self.sync_state()
    }

    /// The laptop's enrolment for sync, if it has one.
    pub fn enrolment(&self) -> Result<Option<fieldkit_protocol::Enrolment>> {
        Ok(self
            .conn
            .query_row("SELECT device_id, server_url, ca_pem, cert_pem, key_pem, import_key FROM enrolment", [], |r| {
                Ok(fieldkit_protocol::Enrolment {
                    device_id: r.get(0)?,
                    server_url: r.get(1)?,
                    ca_pem: r.get(2)?,
                    cert_pem: r.get(3)?,
                    key_pem: r.get(4)?,
                    import_key: r.get(5)?,
                })
            })
            .optional()?)
    }

    /// Stores (or replaces, on re-enrolment) the laptop's enrolment, audited. The caller has
    /// checked it; the private key never leaves the encrypted store again.
    pub(crate) fn set_enrolment(
        &mut self,
        enrolment: &fieldkit_protocol::Enrolment,
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR REPLACE INTO enrolment (singleton, device_id, server_url, ca_pem, cert_pem, key_pem, enrolled_by, enrolled_at, import_key)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                enrolment.device_id,
                enrolment.server_url,
                enrolment.ca_pem,
                enrolment.cert_pem,
                enrolment.key_pem,
                by.as_str(),
                at,
                enrolment.import_key
            ],
        )?;
        // A new certificate starts with a clean slate.
        tx.execute("UPDATE sync_state SET revoked_at = NULL, last_error = NULL", [])?;
        let certificate = fieldkit_protocol::content_hash(&serde_json::Value::String(enrolment.cert_pem.clone()));
        audit::append(
            &tx,
            Change {
                at: &at,
                officer: by.as_str(),
                action: "device.enrolled",
                entity: "device",
                entity_id: &enrolment.device_id,
                before_hash: None,
                after_hash: Some(certificate),
            },
        )?;
        tx.commit()?;
        Ok(())
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

    // --- audit -----------------------------------------------------------------------------------

    pub fn verify_audit(&self) -> Result<AuditReport> {
        let mut live = Vec::new();
        for citizen in self.all_citizens()? {
            live.push(("citizen", citizen.id.to_string(), record_hash(&citizen)?));
        }
        for application in self.applications(None)? {
            live.push(("application", application.id.to_string(), record_hash(&application)?));
        }
        for officer in self.officers()? {
            live.push(("officer", officer.number.to_string(), record_hash(&officer)?));
        }
        live.extend(self.feedback_hashes()?);
        audit::verify(&self.conn, &live)
    }

    fn all_citizens(&self) -> Result<Vec<Citizen>> {
        let mut statement = self.conn.prepare(&format!("{CITIZEN_COLUMNS} ORDER BY id"))?;
        let rows = statement.query_map([], citizen_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

fn application_in(tx: &rusqlite::Transaction<'_>, id: Uuid) -> Result<Option<Application>> {
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
fn transition_in(
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

/// What the laptop remembers about syncing, across restarts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncState {
    /// Where the next pull starts (server-issued).
    pub pull_cursor: u64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_success_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    /// Why the last attempt failed, when it did.
    pub last_error: Option<SyncFailure>,
    /// When the server refused this laptop as revoked; cleared by a new enrolment.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// A failed sync attempt as the officer reads it: the error's stable code and the values its
/// message needs, kept rather than a rendered sentence so that it reads in whichever language the
/// officer has chosen when they look (`messages::failure`). Stored as JSON in `sync_state`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncFailure {
    pub code: String,
    /// `error.<code>`; empty for failures recorded before codes were kept.
    pub message_key: String,
    #[serde(default)]
    pub params: std::collections::BTreeMap<String, String>,
    /// In English, for logs and the CLI's plain output.
    pub message: String,
}

impl SyncFailure {
    pub fn from_error(error: &CoreError) -> SyncFailure {
        let report = error.to_report();
        SyncFailure {
            code: report.code.to_string(),
            message_key: report.message_key,
            params: report.params.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            message: report.message,
        }
    }

    /// Reads the column: JSON since schema 5's app release; a plain English sentence before.
    fn from_column(text: &str) -> SyncFailure {
        serde_json::from_str(text).unwrap_or_else(|_| SyncFailure {
            code: "unknown".into(),
            message_key: String::new(),
            params: Default::default(),
            message: text.to_string(),
        })
    }
}

/// An earlier application that may be the same request again (for duplicate warnings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierApplication {
    pub reference: Reference,
    pub state: ApplicationState,
    pub created_at: OffsetDateTime,
}

fn insert_officer(tx: &rusqlite::Transaction<'_>, officer: &Officer, by: &str, at: &str) -> Result<()> {
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

fn officer_from_row(row: &Row<'_>) -> rusqlite::Result<Officer> {
    let number: String = row.get(0)?;
    let role: String = row.get(2)?;
    Ok(Officer {
        number: OfficerNumber::parse(&number).map_err(|_| conversion_error("officer number"))?,
        display_name: row.get(1)?,
        role: Role::parse(&role).map_err(|_| conversion_error("role"))?,
    })
}

const CITIZEN_COLUMNS: &str = "SELECT id, id_number, surname, given_names, date_of_birth, sex, phone, county_code, registered_by, registered_at, sub_county, kra_pin FROM citizens";

fn citizen_from_row(row: &Row<'_>) -> rusqlite::Result<Citizen> {
    let id: String = row.get(0)?;
    let dob: String = row.get(4)?;
    let sex: String = row.get(5)?;
    let registered_at: String = row.get(9)?;
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    Ok(Citizen {
        id: Uuid::parse_str(&id).map_err(|_| conversion_error("citizen id"))?,
        details: CitizenDetails {
            id_number: row.get(1)?,
            surname: row.get(2)?,
            given_names: row.get(3)?,
            date_of_birth: time::Date::parse(&dob, date_format).map_err(|_| conversion_error("date of birth"))?,
            sex: Sex::parse(&sex).map_err(|_| conversion_error("sex"))?,
            phone: row.get(6)?,
            county_code: row.get(7)?,
            sub_county: row.get(10)?,
            kra_pin: row.get(11)?,
        },
        registered_by: row.get(8)?,
        registered_at: parse_time(&registered_at)?,
    })
}

const APPLICATION_COLUMNS: &str = "SELECT id, reference, citizen_id, service_id, catalogue_version, state, form, review_note, revision, created_by, created_at, updated_at FROM applications";

fn application_from_row(row: &Row<'_>) -> rusqlite::Result<Application> {
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
