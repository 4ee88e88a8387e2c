-- 2: published catalogues, so devices enrolled later receive the newest.
CREATE TABLE catalogues (
    version      bigint PRIMARY KEY,
    text         text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);
