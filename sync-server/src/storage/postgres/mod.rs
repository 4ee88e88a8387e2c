//! The production backend: PostgreSQL, shared by any number of stateless server nodes.
//!
//! What makes several nodes safe on one database:
//! - a push inserts with `ON CONFLICT DO NOTHING` and then reads what is stored, so two nodes
//!   receiving the same record at once store it once and both answer truthfully;
//! - each device's events are numbered from a per-device counter row that the deciding
//!   transaction locks until it commits, so event numbers become visible in order and a pull
//!   can never step its cursor past an event that commits later;
//! - schema migrations run under an advisory lock, so nodes starting together migrate once;
//! - every change that writes an audit entry (enrolling, revoking, publishing) takes the audit
//!   lock first (`postgres/review.rs`), before any other lock;
//! - a push that brings a new revision share-locks the application's earlier revisions, and a
//!   decision locks the revisions it decides (`postgres/review.rs`), so a resubmission through
//!   one node and a decision through another are ordered: the decision on a superseded revision
//!   is refused, never recorded beside a newer one it did not see.
//!
//! The review console's tables and queries are in `postgres/review.rs`.

mod outreach;
pub(crate) mod review;

use crate::storage::migrations::Migration;
use crate::storage::postgres::review::{append_audit, lock_audit};
use crate::storage::review::{NewAudit, ReviewPlacement};
use crate::storage::{DatabaseError, Device, SequencedEvent, Storage, StorageError, StoredApplication};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use fieldkit_protocol::{ApplicationRecord, Decision, Event, PushOutcome, RecordResult};
use time::OffsetDateTime;
use tokio_postgres::{GenericClient, NoTls};
use uuid::Uuid;

/// Numbered migrations ([`crate::storage::migrations::POSTGRES`]), recorded in `schema_migrations`.
const MIGRATIONS: &[Migration] = crate::storage::migrations::POSTGRES;

/// The schema version this build migrates to.
pub const LATEST_SCHEMA: usize = MIGRATIONS.len();

/// Any number that is the same on every node: the key of the migration advisory lock.
const MIGRATION_LOCK: i64 = 0x4855_444d_4153_594e; // "HUDMASYN"

const DEVICE_SELECT: &str = r#"SELECT id, fingerprint,
    to_char(enrolled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    FROM devices"#;

#[derive(Clone)]
pub struct PostgresStorage {
    pub(super) pool: Pool,
}

/// The error and its causes: tokio-postgres says only "db error" and keeps the server's message
/// in the source.
/// Its kind is that of the first error in the chain that says one (the server's SQLSTATE, a
/// closed connection, a pool that cannot connect).
pub(super) fn db(e: impl std::error::Error + 'static) -> StorageError {
    let mut message = e.to_string();
    let mut kind = kind_of(&e);
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        kind = kind.or_else(|| kind_of(cause));
        source = cause.source();
    }
    StorageError::database(kind.unwrap_or(DatabaseError::Other), message)
}

fn kind_of(error: &(dyn std::error::Error + 'static)) -> Option<DatabaseError> {
    if let Some(pool) = error.downcast_ref::<deadpool_postgres::PoolError>() {
        return Some(match pool {
            // No connection to be had: whatever went wrong, the database is not there for us.
            deadpool_postgres::PoolError::Backend(e) => e.code().map_or(DatabaseError::Unavailable, kind_of_state),
            _ => DatabaseError::Unavailable,
        });
    }
    let postgres = error.downcast_ref::<tokio_postgres::Error>()?;
    match postgres.code() {
        Some(state) => Some(kind_of_state(state)),
        None if postgres.is_closed() => Some(DatabaseError::Unavailable),
        None => None,
    }
}

/// The kind of a SQLSTATE.
pub(super) fn kind_of_state(state: &tokio_postgres::error::SqlState) -> DatabaseError {
    use tokio_postgres::error::SqlState;
    if *state == SqlState::UNIQUE_VIOLATION {
        DatabaseError::UniqueViolation
    } else if *state == SqlState::T_R_SERIALIZATION_FAILURE || *state == SqlState::T_R_DEADLOCK_DETECTED {
        DatabaseError::SerializationFailure
    } else if state.code().starts_with("23") || *state == SqlState::INSUFFICIENT_PRIVILEGE {
        // Class 23: integrity constraints; the audit log's guard raises insufficient_privilege.
        DatabaseError::ConstraintViolation
    } else if state.code().starts_with("08") || *state == SqlState::ADMIN_SHUTDOWN {
        DatabaseError::Unavailable
    } else {
        DatabaseError::Other
    }
}

fn device_row(row: &tokio_postgres::Row) -> Device {
    Device { id: row.get(0), fingerprint: row.get(1), enrolled_at: row.get(2), revoked_at: row.get(3) }
}

impl PostgresStorage {
    /// Connects with a libpq-style string and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<PostgresStorage, StorageError> {
        PostgresStorage::connect_at_version(url, LATEST_SCHEMA).await
    }

    /// Connects and migrates no further than `target`: for testing upgrades from older schemas.
    pub async fn connect_at_version(url: &str, target: usize) -> Result<PostgresStorage, StorageError> {
        let config: tokio_postgres::Config =
            url.parse().map_err(|e| StorageError::database(DatabaseError::Other, format!("storage.url: {e}")))?;
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager).max_size(16).build().map_err(db)?;
        let storage = PostgresStorage { pool };
        storage.migrate(target.min(LATEST_SCHEMA)).await?;
        Ok(storage)
    }

    /// The schema version this database is at (0 before the first migration).
    pub async fn schema_version(&self) -> Result<usize, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        client
            .batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY)")
            .await
            .map_err(db)?;
        let row = client.query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[]).await.map_err(db)?;
        Ok(row.get::<_, i32>(0) as usize)
    }

    async fn migrate(&self, target: usize) -> Result<(), StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(db)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY)")
            .await
            .map_err(db)?;
        let row = tx.query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[]).await.map_err(db)?;
        let current = row.get::<_, i32>(0) as usize;
        if current > MIGRATIONS.len() {
            return Err(StorageError::Corrupt(format!(
                "database schema is version {current}, newer than this build ({}): upgrade huduma-sync",
                MIGRATIONS.len()
            )));
        }
        for migration in MIGRATIONS.iter().take(target).skip(current) {
            tx.batch_execute(migration.sql).await.map_err(db)?;
            tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&(migration.version as i32)])
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    pub(super) async fn device_where(
        client: &impl GenericClient,
        column: &str,
        value: &str,
    ) -> Result<Option<Device>, StorageError> {
        let row = client.query_opt(&format!("{DEVICE_SELECT} WHERE {column} = $1"), &[&value]).await.map_err(db)?;
        Ok(row.as_ref().map(device_row))
    }
}

/// Appends `event` to `device_id`'s stream inside the caller's transaction. Locks the device's
/// counter row until commit: see the module comment.
pub(super) async fn append_event(tx: &impl GenericClient, device_id: &str, event: &Event) -> Result<(), StorageError> {
    let seq: i64 = tx
        .query_one(
            "INSERT INTO event_heads (device_id, last_seq) VALUES ($1, 1)
             ON CONFLICT (device_id) DO UPDATE SET last_seq = event_heads.last_seq + 1 RETURNING last_seq",
            &[&device_id],
        )
        .await
        .map_err(db)?
        .get(0);
    let payload = serde_json::to_string(event).map_err(db)?;
    tx.execute("INSERT INTO events (device_id, seq, payload) VALUES ($1, $2, $3)", &[&device_id, &seq, &payload])
        .await
        .map_err(db)?;
    Ok(())
}

async fn latest_catalogue(client: &impl GenericClient) -> Result<Option<(u32, String)>, StorageError> {
    let row = client
        .query_opt("SELECT version, text FROM catalogues ORDER BY version DESC LIMIT 1", &[])
        .await
        .map_err(db)?;
    row.map(|row| {
        let version: i64 = row.get(0);
        let version =
            u32::try_from(version).map_err(|_| StorageError::Corrupt(format!("catalogue version {version}")))?;
        Ok((version, row.get(1)))
    })
    .transpose()
}

pub(super) fn revision(r: u32) -> i32 {
    // Revisions count resubmissions of one application; they never approach i32::MAX.
    i32::try_from(r).unwrap_or(i32::MAX)
}

/// A push batch as one array per column, for a single `INSERT … SELECT FROM unnest(…)`.
struct BatchColumns {
    ids: Vec<Uuid>,
    revisions: Vec<i32>,
    hashes: Vec<String>,
    catalogue_versions: Vec<i64>,
    services: Vec<String>,
    references: Vec<String>,
    bodies: Vec<String>,
    outreach_ids: Vec<Option<String>>,
    outreach_names: Vec<Option<String>>,
    captured_on: Vec<String>,
}

impl BatchColumns {
    fn with_capacity(n: usize) -> BatchColumns {
        BatchColumns {
            ids: Vec::with_capacity(n),
            revisions: Vec::with_capacity(n),
            hashes: Vec::with_capacity(n),
            catalogue_versions: Vec::with_capacity(n),
            services: Vec::with_capacity(n),
            references: Vec::with_capacity(n),
            bodies: Vec::with_capacity(n),
            outreach_ids: Vec::with_capacity(n),
            outreach_names: Vec::with_capacity(n),
            captured_on: Vec::with_capacity(n),
        }
    }

    fn add(&mut self, record: &ApplicationRecord, place: ReviewPlacement) -> Result<(), StorageError> {
        self.ids.push(record.id);
        self.revisions.push(revision(record.revision));
        self.hashes.push(record.content_hash.clone());
        self.catalogue_versions.push(i64::from(record.catalogue_version));
        self.services.push(record.service_id.clone());
        self.references.push(record.reference.clone());
        self.bodies.push(serde_json::to_string(&record.body).map_err(db)?);
        self.outreach_ids.push(place.outreach_id);
        self.outreach_names.push(place.outreach_name);
        self.captured_on.push(place.captured_on);
        Ok(())
    }
}

impl Storage for PostgresStorage {
    async fn push(&self, device_id: &str, records: Vec<ApplicationRecord>) -> Result<Vec<RecordResult>, StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        // Resubmissions wait for a decision being recorded on an earlier revision (and a decision
        // waits for them): see the module comment. Locked in one order, so two such never deadlock.
        let resubmitted: Vec<Uuid> = records.iter().filter(|r| r.revision > 1).map(|r| r.id).collect();
        if !resubmitted.is_empty() {
            tx.query("SELECT 1 FROM applications WHERE id = ANY($1) ORDER BY id, revision FOR SHARE", &[&resubmitted])
                .await
                .map_err(db)?;
        }
        // One INSERT for the whole batch (one round trip, not one per record), in (id, revision)
        // order so two batches sharing records lock them in the same order. Its RETURNING says
        // which were new; the rest are compared with what is stored. Duplicates within a batch:
        // the first is stored, the others compared with it, as if inserted one at a time.
        let now = time::OffsetDateTime::now_utc();
        let mut valid: Vec<usize> = (0..records.len()).filter(|&i| records[i].hash_matches()).collect();
        valid.sort_by_key(|&i| (records[i].id, records[i].revision));
        let mut columns = BatchColumns::with_capacity(valid.len());
        for &i in &valid {
            columns.add(&records[i], ReviewPlacement::of(&records[i], now))?;
        }
        let mut inserted = std::collections::HashSet::new();
        if !valid.is_empty() {
            let insert = tx
                .prepare_cached(
                    "INSERT INTO applications (id, revision, device_id, content_hash, catalogue_version, service_id,
                         reference, body, outreach_id, outreach_name, captured_on)
                     SELECT b.id, b.revision, $3, b.content_hash, b.catalogue_version, b.service_id, b.reference,
                         b.body, b.outreach_id, b.outreach_name, b.captured_on
                     FROM unnest($1::uuid[], $2::int4[], $4::text[], $5::int8[], $6::text[], $7::text[], $8::text[],
                         $9::text[], $10::text[], $11::text[])
                         WITH ORDINALITY AS b(id, revision, content_hash, catalogue_version, service_id, reference, body,
                             outreach_id, outreach_name, captured_on, n)
                     ORDER BY b.n
                     ON CONFLICT (id, revision) DO NOTHING
                     RETURNING id, revision",
                )
                .await
                .map_err(db)?;
            let rows = tx
                .query(
                    &insert,
                    &[
                        &columns.ids,
                        &columns.revisions,
                        &device_id,
                        &columns.hashes,
                        &columns.catalogue_versions,
                        &columns.services,
                        &columns.references,
                        &columns.bodies,
                        &columns.outreach_ids,
                        &columns.outreach_names,
                        &columns.captured_on,
                    ],
                )
                .await
                .map_err(db)?;
            inserted.extend(rows.iter().map(|row| (row.get::<_, Uuid>(0), row.get::<_, i32>(1))));
        }
        let mut outcomes: Vec<Option<PushOutcome>> = vec![None; records.len()];
        let mut compare = Vec::new();
        for &i in &valid {
            let key = (records[i].id, revision(records[i].revision));
            if inserted.remove(&key) {
                outcomes[i] = Some(PushOutcome::Stored);
            } else {
                compare.push(i);
            }
        }
        if !compare.is_empty() {
            let ids: Vec<Uuid> = compare.iter().map(|&i| records[i].id).collect();
            let revisions: Vec<i32> = compare.iter().map(|&i| revision(records[i].revision)).collect();
            let stored = tx
                .prepare_cached(
                    "SELECT a.id, a.revision, a.content_hash FROM applications a
                     JOIN unnest($1::uuid[], $2::int4[]) AS k(id, revision) ON a.id = k.id AND a.revision = k.revision",
                )
                .await
                .map_err(db)?;
            let rows = tx.query(&stored, &[&ids, &revisions]).await.map_err(db)?;
            let hashes: std::collections::HashMap<(Uuid, i32), String> =
                rows.iter().map(|row| ((row.get(0), row.get(1)), row.get(2))).collect();
            for i in compare {
                let hash = hashes.get(&(records[i].id, revision(records[i].revision))).ok_or_else(|| {
                    StorageError::database(
                        DatabaseError::Other,
                        format!("application {} vanished during the push", records[i].id),
                    )
                })?;
                outcomes[i] = Some(if *hash == records[i].content_hash {
                    PushOutcome::AlreadyStored
                } else {
                    PushOutcome::Conflict { stored_hash: hash.clone() }
                });
            }
        }
        let results = records
            .iter()
            .zip(outcomes)
            .map(|(record, outcome)| RecordResult {
                id: record.id,
                revision: record.revision,
                outcome: outcome
                    .unwrap_or_else(|| PushOutcome::Invalid { reason: "content_hash does not match body".into() }),
            })
            .collect();
        tx.commit().await.map_err(db)?;
        Ok(results)
    }

    async fn pull(
        &self,
        device_id: &str,
        cursor: u64,
        limit: u32,
    ) -> Result<(Vec<SequencedEvent>, bool), StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
        let rows = client
            .query(
                "SELECT seq, payload FROM events WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&device_id, &cursor, &(i64::from(limit) + 1)],
            )
            .await
            .map_err(db)?;
        crate::storage::event_page(rows.iter().map(|row| (row.get::<_, i64>(0), row.get::<_, String>(1))), limit)
    }

    async fn decide(&self, application_id: Uuid, revision_number: u32, decision: Decision) -> Result<(), StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        let rev = revision(revision_number);
        let device = tx
            .query_opt("SELECT device_id FROM applications WHERE id = $1 AND revision = $2", &[&application_id, &rev])
            .await
            .map_err(db)?
            .map(|row| row.get::<_, String>(0))
            .ok_or(StorageError::NotFound(application_id, revision_number))?;
        let decision_text = serde_json::to_string(&decision).map_err(db)?;
        let inserted = tx
            .execute(
                "INSERT INTO decisions (application_id, revision, decision) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&application_id, &rev, &decision_text],
            )
            .await
            .map_err(db)?;
        if inserted == 0 {
            return Err(StorageError::AlreadyDecided(application_id, revision_number));
        }
        append_event(&*tx, &device, &Event::Review { application_id, revision: revision_number, decision }).await?;
        tx.commit().await.map_err(db)
    }

    async fn application(
        &self,
        application_id: Uuid,
        revision_number: u32,
    ) -> Result<Option<StoredApplication>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let row = client
            .query_opt(
                "SELECT a.device_id, a.content_hash, a.catalogue_version, a.service_id, a.reference, a.body, d.decision
                 FROM applications a LEFT JOIN decisions d ON d.application_id = a.id AND d.revision = a.revision
                 WHERE a.id = $1 AND a.revision = $2",
                &[&application_id, &revision(revision_number)],
            )
            .await
            .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let corrupt = |e: serde_json::Error| StorageError::Corrupt(e.to_string());
        let catalogue_version: i64 = row.get(2);
        Ok(Some(StoredApplication {
            record: ApplicationRecord {
                id: application_id,
                revision: revision_number,
                content_hash: row.get(1),
                catalogue_version: u32::try_from(catalogue_version)
                    .map_err(|_| StorageError::Corrupt(format!("catalogue version {catalogue_version}")))?,
                service_id: row.get(3),
                reference: row.get(4),
                body: serde_json::from_str(row.get(5)).map_err(corrupt)?,
            },
            device_id: row.get(0),
            decision: row.get::<_, Option<&str>>(6).map(serde_json::from_str).transpose().map_err(corrupt)?,
        }))
    }

    async fn count(&self) -> Result<u64, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let row = client.query_one("SELECT count(*) FROM applications", &[]).await.map_err(db)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn enrol_device(
        &self,
        device_id: &str,
        fingerprint: &str,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> Result<Device, StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        lock_audit(&*tx).await?;
        // Shares the lock `publish_catalogue` takes exclusively: a device enrolled while a
        // catalogue is published gets it either here or from the publication, never neither.
        tx.batch_execute("LOCK TABLE catalogues IN SHARE MODE").await.map_err(db)?;
        let inserted = tx
            .execute(
                "INSERT INTO devices (id, fingerprint) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&device_id, &fingerprint],
            )
            .await
            .map_err(db)?;
        if inserted == 0 {
            return Err(StorageError::DeviceExists(device_id.to_string()));
        }
        if let Some((version, text)) = latest_catalogue(&*tx).await? {
            append_event(&*tx, device_id, &Event::Catalogue { version, text }).await?;
        }
        let device = Self::device_where(&*tx, "id", device_id)
            .await?
            .ok_or_else(|| StorageError::UnknownDevice(device_id.to_string()))?;
        append_audit(&*tx, &audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(device)
    }

    async fn device_by_fingerprint(&self, fingerprint: &str) -> Result<Option<Device>, StorageError> {
        // Every request asks this (see `AuthenticatedDevice`): a cached statement, one round trip.
        let client = self.pool.get().await.map_err(db)?;
        let statement = client.prepare_cached(&format!("{DEVICE_SELECT} WHERE fingerprint = $1")).await.map_err(db)?;
        let row = client.query_opt(&statement, &[&fingerprint]).await.map_err(db)?;
        Ok(row.as_ref().map(device_row))
    }

    async fn revoke_device(
        &self,
        device_id: &str,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> Result<Device, StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        lock_audit(&*tx).await?;
        tx.execute("UPDATE devices SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", &[&device_id])
            .await
            .map_err(db)?;
        let device = Self::device_where(&*tx, "id", device_id)
            .await?
            .ok_or_else(|| StorageError::UnknownDevice(device_id.into()))?;
        append_audit(&*tx, &audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(device)
    }

    async fn devices(&self) -> Result<Vec<Device>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let rows = client.query(&format!("{DEVICE_SELECT} ORDER BY enrolled_at, id"), &[]).await.map_err(db)?;
        Ok(rows.iter().map(device_row).collect())
    }

    async fn publish(
        &self,
        device_ids: &[String],
        event: Event,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        lock_audit(&*tx).await?;
        for id in device_ids {
            match Self::device_where(&*tx, "id", id).await? {
                None => return Err(StorageError::UnknownDevice(id.clone())),
                Some(device) if device.revoked_at.is_some() => return Err(StorageError::DeviceRevoked(id.clone())),
                Some(_) => append_event(&*tx, id, &event).await?,
            }
        }
        append_audit(&*tx, &audit, now).await?;
        tx.commit().await.map_err(db)
    }

    async fn publish_catalogue(
        &self,
        version: u32,
        text: &str,
        audit: impl FnOnce(usize) -> NewAudit + Send + 'static,
        now: OffsetDateTime,
    ) -> Result<usize, StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        lock_audit(&*tx).await?;
        tx.batch_execute("LOCK TABLE catalogues IN EXCLUSIVE MODE").await.map_err(db)?;
        if let Some((latest, _)) = latest_catalogue(&*tx).await?
            && latest >= version
        {
            return Err(StorageError::StaleCatalogue { version, latest });
        }
        tx.execute("INSERT INTO catalogues (version, text) VALUES ($1, $2)", &[&i64::from(version), &text])
            .await
            .map_err(db)?;
        let devices: Vec<String> = tx
            // In byte order, as a bulk decision appends its events, so the two lock the devices'
            // counters in one order and never deadlock.
            .query(r#"SELECT id FROM devices WHERE revoked_at IS NULL ORDER BY id COLLATE "C""#, &[])
            .await
            .map_err(db)?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let event = Event::Catalogue { version, text: text.to_string() };
        for device in &devices {
            append_event(&*tx, device, &event).await?;
        }
        append_audit(&*tx, &audit(devices.len()), now).await?;
        tx.commit().await.map_err(db)?;
        Ok(devices.len())
    }

    async fn latest_catalogue(&self) -> Result<Option<(u32, String)>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        latest_catalogue(&**client).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::error::SqlState;

    #[test]
    fn sqlstates_are_read_as_kinds() {
        for (state, kind) in [
            (SqlState::UNIQUE_VIOLATION, DatabaseError::UniqueViolation),
            (SqlState::T_R_SERIALIZATION_FAILURE, DatabaseError::SerializationFailure),
            (SqlState::T_R_DEADLOCK_DETECTED, DatabaseError::SerializationFailure),
            (SqlState::CHECK_VIOLATION, DatabaseError::ConstraintViolation),
            (SqlState::FOREIGN_KEY_VIOLATION, DatabaseError::ConstraintViolation),
            (SqlState::INSUFFICIENT_PRIVILEGE, DatabaseError::ConstraintViolation),
            (SqlState::CONNECTION_FAILURE, DatabaseError::Unavailable),
            (SqlState::ADMIN_SHUTDOWN, DatabaseError::Unavailable),
            (SqlState::UNDEFINED_TABLE, DatabaseError::Other),
        ] {
            assert_eq!(kind_of_state(&state), kind, "{}", state.code());
        }
    }

    #[tokio::test]
    async fn a_database_that_is_not_there_is_unavailable() {
        // A Unix socket directory with no server in it: the pool cannot connect.
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("host={} dbname=none user=none connect_timeout=2", dir.path().display());
        let error = PostgresStorage::connect(&url).await.err().expect("no server");
        assert_eq!(error.database_kind(), Some(DatabaseError::Unavailable), "{error}");
    }
}
