-- 1: applications, decisions, per-device event streams, the device registry.
CREATE TABLE applications (
    id                uuid    NOT NULL,
    revision          integer NOT NULL,
    device_id         text    NOT NULL,
    content_hash      text    NOT NULL,
    catalogue_version bigint  NOT NULL,
    service_id        text    NOT NULL,
    reference         text    NOT NULL,
    body              text    NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, revision)
);
CREATE TABLE decisions (
    application_id uuid    NOT NULL,
    revision       integer NOT NULL,
    decision       text    NOT NULL,
    decided_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, revision)
);
CREATE TABLE event_heads (
    device_id text PRIMARY KEY,
    last_seq  bigint NOT NULL
);
CREATE TABLE events (
    device_id text   NOT NULL,
    seq       bigint NOT NULL,
    payload   text   NOT NULL,
    PRIMARY KEY (device_id, seq)
);
CREATE TABLE devices (
    id          text PRIMARY KEY,
    fingerprint text NOT NULL UNIQUE,
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
