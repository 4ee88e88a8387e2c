-- 4: outreach plans made on laptops (newest revision each) and citizens' feedback.
CREATE TABLE plans (
    id          uuid PRIMARY KEY,
    revision    integer NOT NULL,
    plan        text NOT NULL,
    uploaded_by text NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE TABLE feedback (
    id          uuid PRIMARY KEY,
    device_id   text NOT NULL,
    outreach_id uuid,
    record      text NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX feedback_by_outreach ON feedback (outreach_id);
