//! Where the server keeps what laptops push and what MDAs decide: one trait, one implementation
//! per database. Handlers depend on [`Storage`] only; the binary picks the backend from its
//! configuration. Every backend must pass `conformance`, `review_conformance` and
//! `outreach::run_conformance`: test code, compiled only with the `conformance` feature (which
//! this crate's tests and the `tests/` crate turn on), never into the release library.
//!
//! Architecture invariant: a push is acknowledged only after its transaction committed durably,
//! and a stored (id, revision) is never overwritten.

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod migrations;
pub mod outreach;
pub mod postgres;
pub mod review;
#[cfg(feature = "conformance")]
pub mod review_conformance;
pub mod sqlite;

use fieldkit_protocol::{ApplicationRecord, Decision, Event, RecordResult};
use review::NewAudit;
use std::future::Future;
use time::OffsetDateTime;
use uuid::Uuid;

/// What kind of failure the database reported, so callers decide on the kind (retry, "already
/// exists") and never on the message's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseError {
    /// A unique or primary-key constraint refused a row: it exists already.
    UniqueViolation,
    /// Another constraint refused the change (a check, a foreign key, not null, a trigger such
    /// as the audit log's append-only guard).
    ConstraintViolation,
    /// Concurrent transactions could not both proceed (PostgreSQL's serialization failure or
    /// deadlock, SQLite busy or locked): nothing was changed; the whole transaction may be retried.
    SerializationFailure,
    /// A row the query required was not there.
    NotFound,
    /// The database could not be reached, or the connection broke.
    Unavailable,
    /// Anything else: a bug, damaged data, a full disk.
    Other,
}

impl DatabaseError {
    /// Whether running the same transaction again may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, DatabaseError::SerializationFailure | DatabaseError::Unavailable)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {message}")]
    Database { kind: DatabaseError, message: String },
    #[error("no application {0} revision {1}")]
    NotFound(Uuid, u32),
    #[error("application {0} revision {1} already has a decision")]
    AlreadyDecided(Uuid, u32),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("a device with id {0} is already enrolled")]
    DeviceExists(String),
    #[error("no device with id {0}")]
    UnknownDevice(String),
    #[error("device {0} is revoked")]
    DeviceRevoked(String),
    #[error("catalogue version {version} is not newer than the published version {latest}")]
    StaleCatalogue { version: u32, latest: u32 },
    #[error("an account named {0} already exists")]
    AccountExists(String),
    #[error("no account named {0}")]
    UnknownAccount(String),
}

impl StorageError {
    /// A database failure of `kind`.
    pub fn database(kind: DatabaseError, message: impl Into<String>) -> StorageError {
        StorageError::Database { kind, message: message.into() }
    }

    /// The kind of database failure, if this is one.
    pub fn database_kind(&self) -> Option<DatabaseError> {
        match self {
            StorageError::Database { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

/// A laptop enrolled in the deployment: its id, bound to one client certificate by the
/// certificate's SHA-256 fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    /// Lower-case hex SHA-256 of the client certificate's DER.
    pub fingerprint: String,
    /// RFC 3339, UTC.
    pub enrolled_at: String,
    /// RFC 3339, UTC; once set, every request from this device is refused.
    pub revoked_at: Option<String>,
}

/// One stored revision of an application, as the server keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredApplication {
    pub record: ApplicationRecord,
    pub device_id: String,
    pub decision: Option<Decision>,
}

/// An event for one device, at its position in that device's stream.
#[derive(Debug, Clone, PartialEq)]
pub struct SequencedEvent {
    pub seq: u64,
    pub event: Event,
}

/// Turns the rows of a pull query — `(seq, payload)`, oldest first, fetched with `LIMIT limit + 1`
/// — into at most `limit` events and whether more wait. Shared by every backend so a page means
/// the same thing on each.
pub(crate) fn event_page(
    rows: impl IntoIterator<Item = (i64, String)>,
    limit: u32,
) -> Result<(Vec<SequencedEvent>, bool), StorageError> {
    let mut events = Vec::new();
    for (seq, payload) in rows {
        let event: Event = serde_json::from_str(&payload).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        events.push(SequencedEvent { seq: seq as u64, event });
    }
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    Ok((events, more))
}

pub trait Storage: Send + Sync + 'static {
    /// Stores a batch from `device_id` in one durable transaction and says, per record, what
    /// happened. Records already stored with the same hash are acknowledged again, never
    /// duplicated; the same id and revision with another hash is a conflict and changes nothing.
    fn push(
        &self,
        device_id: &str,
        records: Vec<ApplicationRecord>,
    ) -> impl Future<Output = Result<Vec<RecordResult>, StorageError>> + Send;

    /// Events for `device_id` after `cursor`, oldest first, at most `limit`; and whether more wait.
    fn pull(
        &self,
        device_id: &str,
        cursor: u64,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<SequencedEvent>, bool), StorageError>> + Send;

    /// Records an MDA's decision on one revision and queues it for the laptop that sent it,
    /// without an audit entry or a delivery job: the bare storage step, for tests. People decide
    /// through [`crate::service::review::decide`] (the console, `huduma-sync decide`).
    fn decide(
        &self,
        application_id: Uuid,
        revision: u32,
        decision: Decision,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn application(
        &self,
        application_id: Uuid,
        revision: u32,
    ) -> impl Future<Output = Result<Option<StoredApplication>, StorageError>> + Send;

    /// How many application revisions are stored.
    fn count(&self) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Registers a laptop's certificate and appends `audit`, in one transaction. Ids are never
    /// reused, even after revocation, so that everything a device ever sent stays attributable to
    /// one certificate history.
    fn enrol_device(
        &self,
        device_id: &str,
        fingerprint: &str,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Device, StorageError>> + Send;

    /// The device holding the certificate with this fingerprint, revoked or not.
    fn device_by_fingerprint(
        &self,
        fingerprint: &str,
    ) -> impl Future<Output = Result<Option<Device>, StorageError>> + Send;

    /// Marks a device revoked and appends `audit`, in one transaction (idempotent: revoking twice
    /// keeps the first time).
    fn revoke_device(
        &self,
        device_id: &str,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Device, StorageError>> + Send;

    /// Every enrolled device, oldest first.
    fn devices(&self) -> impl Future<Output = Result<Vec<Device>, StorageError>> + Send;

    /// Appends `event` to the stream of each device in `device_ids`, and `audit` to the audit log,
    /// in one transaction: if any device is unknown or revoked, nothing is published.
    fn publish(
        &self,
        device_ids: &[String],
        event: Event,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Keeps catalogue `version` (which must be newer than every one kept), publishes it to every
    /// unrevoked device and appends the audit entry `audit` makes of the number of devices, in one
    /// transaction; says how many devices it went to. Devices enrolled later receive the newest
    /// catalogue as their first event.
    fn publish_catalogue(
        &self,
        version: u32,
        text: &str,
        audit: impl FnOnce(usize) -> NewAudit + Send + 'static,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<usize, StorageError>> + Send;

    /// The newest published catalogue: its version and text.
    fn latest_catalogue(&self) -> impl Future<Output = Result<Option<(u32, String)>, StorageError>> + Send;
}
