//! The embedded backend: one SQLite file, WAL with `synchronous = FULL`. Calls run on tokio's
//! blocking pool; one connection behind a mutex is plenty for an outreach-sized deployment and
//! makes every push a serial, durable transaction.

mod outreach;
pub(crate) mod review;

use crate::storage::migrations::Migration;
use crate::storage::review::{NewAudit, ReviewPlacement};
use crate::storage::sqlite::review::append_audit;
use crate::storage::{DatabaseError, Device, SequencedEvent, Storage, StorageError, StoredApplication};
use fieldkit_protocol::{ApplicationRecord, Decision, Event, PushOutcome, RecordResult};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use uuid::Uuid;

/// Numbered migrations keyed by `PRAGMA user_version` ([`crate::storage::migrations::SQLITE`]); each runs in
/// one transaction. Migration 1 is the schema as first shipped, without a version; its
/// `IF NOT EXISTS` lets such a database join the numbering.
const MIGRATIONS: &[Migration] = crate::storage::migrations::SQLITE;

/// The schema version this build migrates to.
pub const LATEST_SCHEMA: usize = MIGRATIONS.len();

fn schema_version(conn: &Connection) -> Result<usize, StorageError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(db)?;
    Ok(version as usize)
}

/// Brings the schema to `target`, one transaction per migration. Another process migrating the
/// same file at once waits on the write lock and then finds the work done.
fn migrate(conn: &mut Connection, target: usize) -> Result<(), StorageError> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        let current = schema_version(&tx)?;
        if current > LATEST_SCHEMA {
            return Err(StorageError::Corrupt(format!(
                "database schema is version {current}, newer than this build ({LATEST_SCHEMA}): upgrade huduma-sync"
            )));
        }
        if current >= target {
            return Ok(());
        }
        tx.execute_batch(MIGRATIONS[current].sql).map_err(db)?;
        tx.pragma_update(None, "user_version", current as i64 + 1).map_err(db)?;
        tx.commit().map_err(db)?;
    }
}

const DEVICE_COLUMNS: &str = "id, fingerprint, enrolled_at, revoked_at";

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device { id: r.get(0)?, fingerprint: r.get(1)?, enrolled_at: r.get(2)?, revoked_at: r.get(3)? })
}

pub(super) fn device_by(conn: &Connection, column: &str, value: &str) -> Result<Option<Device>, StorageError> {
    conn.query_row(&format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE {column} = ?1"), [value], device_row)
        .optional()
        .map_err(db)
}

/// Appends `event` to `device_id`'s stream inside the caller's transaction.
pub(super) fn append_event(conn: &Connection, device_id: &str, event: &Event) -> Result<(), StorageError> {
    let payload = serde_json::to_string(event).map_err(db)?;
    conn.execute("INSERT INTO events (device_id, payload) VALUES (?1, ?2)", params![device_id, payload]).map_err(db)?;
    Ok(())
}

fn latest_catalogue(conn: &Connection) -> Result<Option<(u32, String)>, StorageError> {
    conn.query_row("SELECT version, text FROM catalogues ORDER BY version DESC LIMIT 1", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
    .map_err(db)
}

#[derive(Clone)]
pub struct SqliteStorage {
    pub(super) conn: Arc<Mutex<Connection>>,
}

/// A failure as a [`StorageError`], its kind read from SQLite's result code.
pub(super) fn db(e: impl std::error::Error + 'static) -> StorageError {
    let kind = (&e as &dyn std::any::Any).downcast_ref::<rusqlite::Error>().map_or(DatabaseError::Other, kind_of);
    StorageError::database(kind, e.to_string())
}

fn kind_of(e: &rusqlite::Error) -> DatabaseError {
    use rusqlite::ffi;
    match e {
        rusqlite::Error::QueryReturnedNoRows => DatabaseError::NotFound,
        rusqlite::Error::SqliteFailure(failure, _) => match (failure.code, failure.extended_code) {
            (_, ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => DatabaseError::UniqueViolation,
            (rusqlite::ErrorCode::ConstraintViolation, _) => DatabaseError::ConstraintViolation,
            (rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked, _) => {
                DatabaseError::SerializationFailure
            }
            (rusqlite::ErrorCode::CannotOpen, _) => DatabaseError::Unavailable,
            _ => DatabaseError::Other,
        },
        _ => DatabaseError::Other,
    }
}

impl SqliteStorage {
    pub fn open(path: &Path) -> Result<SqliteStorage, StorageError> {
        SqliteStorage::open_at_version(path, LATEST_SCHEMA)
    }

    /// Opens and migrates no further than `target`: for testing upgrades from older schemas.
    pub fn open_at_version(path: &Path, target: usize) -> Result<SqliteStorage, StorageError> {
        let mut conn = Connection::open(path).map_err(db)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(db)?;
        conn.pragma_update(None, "foreign_keys", true).map_err(db)?;
        migrate(&mut conn, target.min(LATEST_SCHEMA))?;
        Ok(SqliteStorage { conn: Arc::new(Mutex::new(conn)) })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<usize, StorageError> {
        let conn =
            self.conn.lock().map_err(|_| StorageError::database(DatabaseError::Other, "connection lock poisoned"))?;
        schema_version(&conn)
    }

    /// Runs `work` on the blocking pool with the connection.
    pub(super) async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn =
                conn.lock().map_err(|_| StorageError::database(DatabaseError::Other, "connection lock poisoned"))?;
            work(&mut conn)
        })
        .await
        .map_err(db)?
    }
}

impl Storage for SqliteStorage {
    async fn push(&self, device_id: &str, records: Vec<ApplicationRecord>) -> Result<Vec<RecordResult>, StorageError> {
        let device_id = device_id.to_string();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let mut results = Vec::with_capacity(records.len());
            for record in records {
                let outcome = if !record.hash_matches() {
                    PushOutcome::Invalid { reason: "content_hash does not match body".into() }
                } else {
                    let stored: Option<String> = tx
                        .query_row(
                            "SELECT content_hash FROM applications WHERE id = ?1 AND revision = ?2",
                            params![record.id.to_string(), record.revision],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(db)?;
                    match stored {
                        Some(hash) if hash == record.content_hash => PushOutcome::AlreadyStored,
                        Some(hash) => PushOutcome::Conflict { stored_hash: hash },
                        None => {
                            let body = serde_json::to_string(&record.body).map_err(db)?;
                            let place = ReviewPlacement::of(&record, time::OffsetDateTime::now_utc());
                            tx.execute(
                                "INSERT INTO applications (id, revision, device_id, content_hash, catalogue_version, service_id, reference, body,
                                     outreach_id, outreach_name, captured_on)
                                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                                params![
                                    record.id.to_string(),
                                    record.revision,
                                    device_id,
                                    record.content_hash,
                                    record.catalogue_version,
                                    record.service_id,
                                    record.reference,
                                    body,
                                    place.outreach_id,
                                    place.outreach_name,
                                    place.captured_on
                                ],
                            )
                            .map_err(db)?;
                            PushOutcome::Stored
                        }
                    }
                };
                results.push(RecordResult { id: record.id, revision: record.revision, outcome });
            }
            tx.commit().map_err(db)?;
            Ok(results)
        })
        .await
    }

    async fn pull(
        &self,
        device_id: &str,
        cursor: u64,
        limit: u32,
    ) -> Result<(Vec<SequencedEvent>, bool), StorageError> {
        let device_id = device_id.to_string();
        self.with(move |conn| {
            let mut statement = conn
                .prepare("SELECT seq, payload FROM events WHERE device_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")
                .map_err(db)?;
            let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
            let rows = statement
                .query_map(params![device_id, cursor, i64::from(limit) + 1], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })
                .map_err(db)?;
            let rows = rows.collect::<Result<Vec<_>, _>>().map_err(db)?;
            crate::storage::event_page(rows, limit)
        })
        .await
    }

    async fn decide(&self, application_id: Uuid, revision: u32, decision: Decision) -> Result<(), StorageError> {
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let device: Option<String> = tx
                .query_row(
                    "SELECT device_id FROM applications WHERE id = ?1 AND revision = ?2",
                    params![application_id.to_string(), revision],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            let device = device.ok_or(StorageError::NotFound(application_id, revision))?;
            let decided: bool = tx
                .query_row(
                    "SELECT 1 FROM decisions WHERE application_id = ?1 AND revision = ?2",
                    params![application_id.to_string(), revision],
                    |_| Ok(()),
                )
                .optional()
                .map_err(db)?
                .is_some();
            if decided {
                return Err(StorageError::AlreadyDecided(application_id, revision));
            }
            let decision_text = serde_json::to_string(&decision).map_err(db)?;
            tx.execute(
                "INSERT INTO decisions (application_id, revision, decision) VALUES (?1, ?2, ?3)",
                params![application_id.to_string(), revision, decision_text],
            )
            .map_err(db)?;
            append_event(&tx, &device, &Event::Review { application_id, revision, decision })?;
            tx.commit().map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn application(
        &self,
        application_id: Uuid,
        revision: u32,
    ) -> Result<Option<StoredApplication>, StorageError> {
        self.with(move |conn| {
            let row = conn
                .query_row(
                    "SELECT a.device_id, a.content_hash, a.catalogue_version, a.service_id, a.reference, a.body, d.decision
                     FROM applications a LEFT JOIN decisions d ON d.application_id = a.id AND d.revision = a.revision
                     WHERE a.id = ?1 AND a.revision = ?2",
                    params![application_id.to_string(), revision],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, u32>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, Option<String>>(6)?,
                        ))
                    },
                )
                .optional()
                .map_err(db)?;
            let Some((device_id, content_hash, catalogue_version, service_id, reference, body, decision)) = row else {
                return Ok(None);
            };
            let corrupt = |e: serde_json::Error| StorageError::Corrupt(e.to_string());
            Ok(Some(StoredApplication {
                record: ApplicationRecord {
                    id: application_id,
                    revision,
                    content_hash,
                    catalogue_version,
                    service_id,
                    reference,
                    body: serde_json::from_str(&body).map_err(corrupt)?,
                },
                device_id,
                decision: decision.map(|d| serde_json::from_str(&d)).transpose().map_err(corrupt)?,
            }))
        })
        .await
    }

    async fn count(&self) -> Result<u64, StorageError> {
        self.with(|conn| {
            conn.query_row("SELECT count(*) FROM applications", [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(db)
        })
        .await
    }

    async fn enrol_device(
        &self,
        device_id: &str,
        fingerprint: &str,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> Result<Device, StorageError> {
        let (device_id, fingerprint) = (device_id.to_string(), fingerprint.to_string());
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            if device_by(&tx, "id", &device_id)?.is_some() || device_by(&tx, "fingerprint", &fingerprint)?.is_some() {
                return Err(StorageError::DeviceExists(device_id));
            }
            tx.execute("INSERT INTO devices (id, fingerprint) VALUES (?1, ?2)", params![device_id, fingerprint])
                .map_err(db)?;
            if let Some((version, text)) = latest_catalogue(&tx)? {
                append_event(&tx, &device_id, &Event::Catalogue { version, text })?;
            }
            let device = device_by(&tx, "id", &device_id)?.ok_or(StorageError::UnknownDevice(device_id))?;
            append_audit(&tx, &audit, now)?;
            tx.commit().map_err(db)?;
            Ok(device)
        })
        .await
    }

    async fn device_by_fingerprint(&self, fingerprint: &str) -> Result<Option<Device>, StorageError> {
        let fingerprint = fingerprint.to_string();
        self.with(move |conn| device_by(conn, "fingerprint", &fingerprint)).await
    }

    async fn revoke_device(
        &self,
        device_id: &str,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> Result<Device, StorageError> {
        let device_id = device_id.to_string();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            tx.execute(
                "UPDATE devices SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1 AND revoked_at IS NULL",
                [&device_id],
            )
            .map_err(db)?;
            let device = device_by(&tx, "id", &device_id)?.ok_or(StorageError::UnknownDevice(device_id))?;
            append_audit(&tx, &audit, now)?;
            tx.commit().map_err(db)?;
            Ok(device)
        })
        .await
    }

    async fn devices(&self) -> Result<Vec<Device>, StorageError> {
        self.with(|conn| {
            let mut statement =
                conn.prepare(&format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at, id")).map_err(db)?;
            let rows = statement.query_map([], device_row).map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)
        })
        .await
    }

    async fn publish(
        &self,
        device_ids: &[String],
        event: Event,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let device_ids = device_ids.to_vec();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            for id in &device_ids {
                match device_by(&tx, "id", id)? {
                    None => return Err(StorageError::UnknownDevice(id.clone())),
                    Some(device) if device.revoked_at.is_some() => return Err(StorageError::DeviceRevoked(id.clone())),
                    Some(_) => append_event(&tx, id, &event)?,
                }
            }
            append_audit(&tx, &audit, now)?;
            tx.commit().map_err(db)
        })
        .await
    }

    async fn publish_catalogue(
        &self,
        version: u32,
        text: &str,
        audit: impl FnOnce(usize) -> NewAudit + Send + 'static,
        now: OffsetDateTime,
    ) -> Result<usize, StorageError> {
        let text = text.to_string();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            if let Some((latest, _)) = latest_catalogue(&tx)?
                && latest >= version
            {
                return Err(StorageError::StaleCatalogue { version, latest });
            }
            tx.execute("INSERT INTO catalogues (version, text) VALUES (?1, ?2)", params![version, text]).map_err(db)?;
            let devices: Vec<String> = {
                let mut statement = tx.prepare("SELECT id FROM devices WHERE revoked_at IS NULL").map_err(db)?;
                let rows = statement.query_map([], |r| r.get(0)).map_err(db)?;
                rows.collect::<Result<_, _>>().map_err(db)?
            };
            let event = Event::Catalogue { version, text };
            for device in &devices {
                append_event(&tx, device, &event)?;
            }
            append_audit(&tx, &audit(devices.len()), now)?;
            tx.commit().map_err(db)?;
            Ok(devices.len())
        })
        .await
    }

    async fn latest_catalogue(&self) -> Result<Option<(u32, String)>, StorageError> {
        self.with(|conn| latest_catalogue(conn)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real SQLite failures, each read as its kind.
    #[test]
    fn failures_carry_their_kind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = SqliteStorage::open(&dir.path().join("kinds.db")).expect("open");
        let conn = storage.conn.lock().expect("lock");
        let kind = |sql: &str| conn.execute_batch(sql).map_err(db).err().and_then(|e| e.database_kind());
        conn.execute_batch("INSERT INTO devices (id, fingerprint) VALUES ('K7QM', 'aa')").expect("insert");
        assert_eq!(
            kind("INSERT INTO devices (id, fingerprint) VALUES ('K7QM', 'bb')"),
            Some(DatabaseError::UniqueViolation)
        );
        assert_eq!(
            kind("INSERT INTO devices (id, fingerprint) VALUES ('P2ZX', 'aa')"),
            Some(DatabaseError::UniqueViolation)
        );
        conn.execute_batch(
            "INSERT INTO console_audit (seq, at, actor, action, subject, detail, hash) VALUES (1, 'a', 'b', 'c', 'd', 'e', 'f')",
        )
        .expect("audit");
        assert_eq!(kind("UPDATE console_audit SET detail = 'x'"), Some(DatabaseError::ConstraintViolation));
        assert_eq!(
            kind(
                "INSERT INTO console_accounts (username, display_name, role, password_hash, created_at) VALUES ('a', 'A', 'boss', 'h', 'now')"
            ),
            Some(DatabaseError::ConstraintViolation)
        );
        assert_eq!(kind("SELECT * FROM no_such_table"), Some(DatabaseError::Other));
        let none = conn.query_row("SELECT id FROM devices WHERE id = 'NOPE'", [], |r| r.get::<_, String>(0));
        assert_eq!(none.map_err(db).err().and_then(|e| e.database_kind()), Some(DatabaseError::NotFound));
        // Another connection holding the write lock: busy, which a retry may get past.
        let other = Connection::open(dir.path().join("kinds.db")).expect("second connection");
        other.execute_batch("BEGIN IMMEDIATE").expect("lock");
        conn.busy_timeout(std::time::Duration::ZERO).expect("no wait");
        let busy = kind("INSERT INTO devices (id, fingerprint) VALUES ('M4RN', 'cc')");
        assert_eq!(busy, Some(DatabaseError::SerializationFailure));
        assert!(busy.is_some_and(DatabaseError::is_retryable));
        assert_eq!(
            db(serde_json::from_str::<u8>("x").expect_err("not json")).database_kind(),
            Some(DatabaseError::Other)
        );
    }
}
