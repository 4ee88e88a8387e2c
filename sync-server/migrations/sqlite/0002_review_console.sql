-- 2: the review console: where each application sits (outreach, Kenyan day of capture), who
-- decided, when devices last synced, console accounts and sessions, failed logins, the
-- append-only audit log, outbound deliveries and their log.
ALTER TABLE applications ADD COLUMN outreach_id TEXT;
ALTER TABLE applications ADD COLUMN outreach_name TEXT;
ALTER TABLE applications ADD COLUMN captured_on TEXT;
-- As ReviewPlacement::of files a new push: text outreach ids and names only, a capture time only
-- when it is whole seconds, else the day received.
UPDATE applications SET
    outreach_id = CASE WHEN json_type(body, '$.application.outreach.id') = 'text'
        THEN json_extract(body, '$.application.outreach.id') END,
    outreach_name = CASE WHEN json_type(body, '$.application.outreach.name') = 'text'
        THEN json_extract(body, '$.application.outreach.name') END,
    captured_on = coalesce(
        CASE WHEN json_type(body, '$.application.created_at') = 'integer'
            THEN date(json_extract(body, '$.application.created_at'), 'unixepoch', '+3 hours') END,
        date(received_at, '+3 hours'));
CREATE INDEX applications_by_service ON applications(service_id, captured_on);
CREATE INDEX applications_by_batch ON applications(device_id, captured_on);
ALTER TABLE decisions ADD COLUMN decided_by TEXT;
ALTER TABLE devices ADD COLUMN last_seen_at TEXT;
CREATE TABLE console_accounts (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('technician', 'admin')),
    mda           TEXT,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    CHECK ((role = 'technician') = (mda IS NOT NULL))
) STRICT;
CREATE TABLE console_sessions (
    token_hash   TEXT PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES console_accounts(username),
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) STRICT;
CREATE INDEX console_sessions_by_user ON console_sessions(username);
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at  INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_by_key ON login_failures(key, at);
CREATE TABLE console_audit (
    seq     INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT NOT NULL,
    hash    TEXT NOT NULL
) STRICT;
CREATE TRIGGER console_audit_no_update BEFORE UPDATE ON console_audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER console_audit_no_delete BEFORE DELETE ON console_audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE deliveries (
    application_id  TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    mda             TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    PRIMARY KEY (application_id, revision)
) STRICT;
CREATE INDEX deliveries_due ON deliveries(state, mda, next_attempt_at);
CREATE TABLE delivery_attempts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    mda            TEXT NOT NULL,
    attempt        INTEGER NOT NULL,
    at             TEXT NOT NULL,
    status         INTEGER,
    outcome        TEXT NOT NULL,
    error          TEXT
) STRICT;
CREATE INDEX delivery_attempts_by_mda ON delivery_attempts(mda, id);
