-- 3: the review console: where each application sits (outreach, Kenyan day of capture), who
-- decided, when devices last synced, console accounts and sessions, failed logins, the
-- append-only audit log, outbound deliveries and their log.
--
-- Placement is read from the body as `ReviewPlacement::of` reads it: outreach id and name
-- only when they are strings, the capture time only when it is a whole number of seconds in
-- years 1..=9999, else the day the row was received. Bodies are read as `json`, not `jsonb`,
-- which refuses a `\u0000` escape anywhere in a citizen's answers. Dates are written with
-- `to_char`, whatever the server's DateStyle.
--
-- The audit log's `at` stays text: it is the exact string each entry's hash covers.
ALTER TABLE applications
    ADD COLUMN outreach_id   text,
    ADD COLUMN outreach_name text,
    ADD COLUMN captured_on   text;
UPDATE applications a SET
    outreach_id = CASE WHEN json_typeof(j.b #> '{application,outreach,id}') = 'string'
        THEN j.b #>> '{application,outreach,id}' END,
    outreach_name = CASE WHEN json_typeof(j.b #> '{application,outreach,name}') = 'string'
        THEN j.b #>> '{application,outreach,name}' END,
    captured_on = to_char((coalesce(
        CASE WHEN json_typeof(j.b #> '{application,created_at}') = 'number'
                AND (j.b #>> '{application,created_at}') ~ '^-?[0-9]{1,12}$'
            THEN CASE WHEN (j.b #>> '{application,created_at}')::bigint BETWEEN -62135596800 AND 253402300799
                THEN to_timestamp((j.b #>> '{application,created_at}')::bigint) END
        END,
        a.received_at) AT TIME ZONE 'UTC') + interval '3 hours', 'YYYY-MM-DD')
FROM (SELECT id, revision, body::json AS b FROM applications) j
WHERE j.id = a.id AND j.revision = a.revision;
CREATE INDEX applications_by_service ON applications (service_id, captured_on);
CREATE INDEX applications_by_batch ON applications (device_id, captured_on);
ALTER TABLE decisions ADD COLUMN decided_by text;
ALTER TABLE devices ADD COLUMN last_seen_at timestamptz;
CREATE TABLE console_accounts (
    username      text PRIMARY KEY,
    display_name  text NOT NULL,
    role          text NOT NULL CHECK (role IN ('technician', 'admin')),
    mda           text,
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    CHECK ((role = 'technician') = (mda IS NOT NULL))
);
CREATE TABLE console_sessions (
    token_hash   text PRIMARY KEY,
    username     text NOT NULL REFERENCES console_accounts (username),
    csrf_token   text NOT NULL,
    created_at   bigint NOT NULL,
    last_seen_at bigint NOT NULL
);
CREATE INDEX console_sessions_by_user ON console_sessions (username);
CREATE TABLE login_failures (
    key text   NOT NULL,
    at  bigint NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (key, at);
CREATE TABLE console_audit (
    seq     bigint PRIMARY KEY,
    at      text NOT NULL,
    actor   text NOT NULL,
    action  text NOT NULL,
    subject text NOT NULL,
    detail  text NOT NULL,
    hash    text NOT NULL
);
CREATE FUNCTION console_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER console_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON console_audit
    FOR EACH STATEMENT EXECUTE FUNCTION console_audit_append_only();
CREATE TABLE deliveries (
    application_id  uuid    NOT NULL,
    revision        integer NOT NULL,
    mda             text    NOT NULL,
    state           text    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at bigint  NOT NULL,
    PRIMARY KEY (application_id, revision)
);
CREATE INDEX deliveries_due ON deliveries (mda, next_attempt_at) WHERE state = 'pending';
CREATE TABLE delivery_attempts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id uuid        NOT NULL,
    revision       integer     NOT NULL,
    mda            text        NOT NULL,
    attempt        integer     NOT NULL,
    at             timestamptz NOT NULL,
    status         integer,
    outcome        text        NOT NULL,
    error          text
);
CREATE INDEX delivery_attempts_by_mda ON delivery_attempts (mda, id);
