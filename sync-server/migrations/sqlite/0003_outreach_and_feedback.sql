-- 3: outreach plans made on laptops (newest revision each) and citizens' feedback.
CREATE TABLE plans (
    id          TEXT PRIMARY KEY,
    revision    INTEGER NOT NULL,
    plan        TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE TABLE feedback (
    id          TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL,
    outreach_id TEXT,
    record      TEXT NOT NULL,
    received_at TEXT NOT NULL
) STRICT;
CREATE INDEX feedback_by_outreach ON feedback(outreach_id);
