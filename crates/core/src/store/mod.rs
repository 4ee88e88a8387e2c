//! The encrypted offline store: one SQLCipher database per profile.
//!
//! Durability: WAL journal with `synchronous = FULL`, so a write that returned Ok has been fsynced
//! and survives kill -9 and power loss. Every change runs in one IMMEDIATE transaction together with
//! its audit entry; a change is either wholly there or wholly absent.
//!
//! This module knows nothing about PINs or roles: the caller (`Session`) has already decided the
//! officer may do what is asked. It does validate its own invariants (legal transitions, one open
//! application per service, unique references).

mod applications;
mod audit;
mod citizens;
mod feedback;
pub(crate) mod migrations;
mod officers;
mod purge;
mod received;
mod sync_state;

pub(crate) use applications::{ApplicationChange, CheckedRecord};
pub use applications::{EarlierApplication, OutboxPosition};
pub use audit::{AuditProblem, AuditReport};
use citizens::{CITIZEN_COLUMNS, citizen_from_row};
use officers::insert_officer;
pub use purge::Purged;
pub use received::RosterEntry;
pub use sync_state::{SyncFailure, SyncState};

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
        Ok(LaptopPrefix::parse(&text)?)
    }

    /// Copies the write-ahead log into the main file and empties it. Every committed change is
    /// already on disk (WAL, `synchronous = FULL`); this shortens recovery after a power cut and
    /// leaves one self-contained file, which is what a laptop about to die should have.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
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
