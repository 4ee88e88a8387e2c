//! Numbered schema migrations. The schema version lives in SQLite's `user_version`; migration `n`
//! takes a store from version `n - 1` to `n` inside one transaction, so a crash mid-upgrade leaves
//! the previous version intact. Never edit a released migration: add the next one.

use crate::error::{CoreError, Result};
use rusqlite::Connection;

/// Index `i` holds migration `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: device identity, roster, citizens, applications, hash-chained audit log.
    // The audit log has no secondary index: every B-tree a save touches is another page written and
    // fsynced per save (see docs/BENCHMARKS.md).
    r#"
    CREATE TABLE device (
        singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
        profile_id     TEXT NOT NULL,
        laptop_prefix  TEXT NOT NULL,
        next_sequence  INTEGER NOT NULL CHECK (next_sequence >= 1),
        created_at     TEXT NOT NULL
    ) STRICT;

    CREATE TABLE officers (
        number        TEXT PRIMARY KEY,
        display_name  TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('front_desk_officer','centre_manager','trainer','ict_officer')),
        added_by      TEXT NOT NULL,
        added_at      TEXT NOT NULL,
        removed_at    TEXT
    ) STRICT;

    CREATE TABLE citizens (
        id             TEXT PRIMARY KEY,
        id_number      TEXT,
        surname        TEXT NOT NULL,
        given_names    TEXT NOT NULL,
        date_of_birth  TEXT NOT NULL,
        sex            TEXT NOT NULL CHECK (sex IN ('female','male','intersex')),
        phone          TEXT,
        county_code    TEXT,
        registered_by  TEXT NOT NULL,
        registered_at  TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX citizens_by_id_number ON citizens(id_number) WHERE id_number IS NOT NULL;

    CREATE TABLE applications (
        id                 TEXT PRIMARY KEY,
        reference          TEXT NOT NULL UNIQUE,
        citizen_id         TEXT NOT NULL REFERENCES citizens(id),
        service_id         TEXT NOT NULL,
        catalogue_version  INTEGER NOT NULL,
        state              TEXT NOT NULL
                           CHECK (state IN ('draft','submitted','synced','accepted','rejected','queried')),
        form               TEXT NOT NULL,
        review_note        TEXT,
        revision           INTEGER NOT NULL,
        created_by         TEXT NOT NULL,
        created_at         TEXT NOT NULL,
        updated_at         TEXT NOT NULL
    ) STRICT;
    CREATE INDEX applications_by_state ON applications(state);
    CREATE INDEX applications_by_citizen ON applications(citizen_id);
    CREATE UNIQUE INDEX applications_one_open_per_service
        ON applications(citizen_id, service_id) WHERE state NOT IN ('accepted','rejected');

    CREATE TABLE audit_log (
        seq          INTEGER PRIMARY KEY,
        at           TEXT NOT NULL,
        officer      TEXT NOT NULL,
        action       TEXT NOT NULL,
        entity       TEXT NOT NULL,
        entity_id    TEXT NOT NULL,
        before_hash  TEXT,
        after_hash   TEXT,
        prev_hash    TEXT NOT NULL,
        hash         TEXT NOT NULL
    ) STRICT;
    CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    "#,
    // 2: more of the citizen profile, prefilled into every form (sub-county, KRA PIN); the
    // applicant's ID number beside each application, indexed per service for duplicate warnings
    // (backfilled from the citizen records).
    r#"
    ALTER TABLE citizens ADD COLUMN sub_county TEXT;
    ALTER TABLE citizens ADD COLUMN kra_pin TEXT;
    ALTER TABLE applications ADD COLUMN applicant_id_number TEXT;
    UPDATE applications SET applicant_id_number = (SELECT id_number FROM citizens WHERE citizens.id = applications.citizen_id);
    CREATE INDEX applications_by_applicant ON applications(service_id, applicant_id_number)
        WHERE applicant_id_number IS NOT NULL;
    "#,
    // 3: sync state that must survive restarts: where the next pull starts, and the last outcome.
    r#"
    CREATE TABLE sync_state (
        singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
        pull_cursor      INTEGER NOT NULL DEFAULT 0 CHECK (pull_cursor >= 0),
        last_success_at  TEXT,
        last_attempt_at  TEXT,
        last_error       TEXT
    ) STRICT;
    INSERT INTO sync_state (singleton) VALUES (1);
    "#,
    // 4: the laptop's enrolment for sync: its device id, the server, the pinned deployment CA,
    // and its own client certificate and private key. Kept only here, inside the encrypted store.
    r#"
    CREATE TABLE enrolment (
        singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
        device_id    TEXT NOT NULL,
        server_url   TEXT NOT NULL CHECK (server_url LIKE 'https://%'),
        ca_pem       TEXT NOT NULL,
        cert_pem     TEXT NOT NULL,
        key_pem      TEXT NOT NULL,
        enrolled_by  TEXT NOT NULL,
        enrolled_at  TEXT NOT NULL
    ) STRICT;
    "#,
    // 5: what the server publishes to the laptop: catalogue versions (the newest in force), the
    // officers assigned to it, outreach plans; when the server said it was revoked; and the
    // server's import key that export bundles are sealed to.
    r#"
    CREATE TABLE catalogues (
        version      INTEGER PRIMARY KEY CHECK (version > 0),
        text         TEXT NOT NULL,
        received_at  TEXT NOT NULL
    ) STRICT;
    CREATE TABLE roster (
        number       TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        role         TEXT NOT NULL,
        active       INTEGER NOT NULL CHECK (active IN (0, 1)),
        received_at  TEXT NOT NULL
    ) STRICT;
    CREATE TABLE outreaches (
        id           TEXT PRIMARY KEY,
        revision     INTEGER NOT NULL,
        plan         TEXT NOT NULL,
        received_at  TEXT NOT NULL
    ) STRICT;
    ALTER TABLE sync_state ADD COLUMN revoked_at TEXT;
    ALTER TABLE enrolment ADD COLUMN import_key TEXT;
    "#,
    // 6: outreach planning and citizen feedback (issue 8): a plan the centre manager saved here
    // waits for upload to the server (which publishes it to the laptops assigned); feedback given
    // at the tent (satisfaction, comment, complaint) waits for sync like an application.
    r#"
    ALTER TABLE outreaches ADD COLUMN upload_pending INTEGER NOT NULL DEFAULT 0 CHECK (upload_pending IN (0, 1));
    CREATE TABLE feedback (
        id           TEXT PRIMARY KEY,
        outreach_id  TEXT,
        service_id   TEXT,
        given_on     TEXT NOT NULL,
        record       TEXT NOT NULL,
        recorded_by  TEXT NOT NULL REFERENCES officers(number),
        recorded_at  TEXT NOT NULL,
        synced       INTEGER NOT NULL DEFAULT 0 CHECK (synced IN (0, 1))
    ) STRICT;
    CREATE INDEX feedback_by_day ON feedback(given_on);
    CREATE INDEX feedback_waiting ON feedback(synced) WHERE synced = 0;
    "#,
    // 7: which deployment the profile belongs to (issue 9). Trainers' demo profiles are
    // `training` from creation and never enrol with, or sync to, production; every profile made
    // before this existed was a real one.
    r#"
    ALTER TABLE device ADD COLUMN deployment TEXT NOT NULL DEFAULT 'production'
        CHECK (deployment IN ('production', 'training'));
    "#,
    // 8: the outbox in sending order (issue 10). Sync reads the oldest submitted applications a
    // batch at a time; through the index on state alone every batch sorted the whole outbox, and
    // read rows off every page of the table, so a backlog of 10,000 cost more per application
    // than one of 1,000. This partial index holds only the outbox, already in order, and replaces
    // the index on state, so a save still writes the same number of index pages. Listing other
    // states scans the table, which the app does a page at a time and rarely.
    r#"
    DROP INDEX applications_by_state;
    CREATE INDEX applications_outbox ON applications(created_at, id) WHERE state = 'submitted';
    "#,
];

pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

pub(crate) fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Brings the store up to `target` (normally `LATEST`). Refuses a store newer than this build.
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    let found = schema_version(conn)?;
    if found > LATEST {
        return Err(CoreError::SchemaTooNew { found, known: LATEST });
    }
    for version in (found + 1)..=target {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        // Re-read inside the lock: another process may have migrated meanwhile.
        if schema_version(&tx)? >= version {
            continue;
        }
        tx.execute_batch(MIGRATIONS[(version - 1) as usize])?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}
