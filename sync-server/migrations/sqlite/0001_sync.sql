-- 1: applications, decisions, per-device event streams, the device registry, catalogues.
CREATE TABLE IF NOT EXISTS applications (
    id                TEXT NOT NULL,
    revision          INTEGER NOT NULL,
    device_id         TEXT NOT NULL,
    content_hash      TEXT NOT NULL,
    catalogue_version INTEGER NOT NULL,
    service_id        TEXT NOT NULL,
    reference         TEXT NOT NULL,
    body              TEXT NOT NULL,
    received_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (id, revision)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS decisions (
    application_id TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    decision       TEXT NOT NULL,
    decided_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (application_id, revision)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id  TEXT NOT NULL,
    payload    TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS events_by_device ON events(device_id, seq);
CREATE TABLE IF NOT EXISTS devices (
    id          TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    enrolled_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    revoked_at  TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS catalogues (
    version      INTEGER PRIMARY KEY,
    text         TEXT NOT NULL,
    published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;
