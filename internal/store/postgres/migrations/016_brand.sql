-- Issue 21: per-key brands (PUT /api/v1/brand, contract §6.6).
--
-- mvgen_logo keeps each logo once, named by the SHA-256 of its PNG: a
-- brand and the tasks made while it had that logo point at the same row,
-- so that a task renders with the logo its brand had at generate however
-- the brand changes before the render. A logo is deleted once no brand and
-- no pending task points at it (sqlstore's brand.go).
CREATE TABLE mvgen_logo (
    hash       TEXT PRIMARY KEY,
    png        bytea NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    created_at timestamptz NOT NULL
);

-- A key's brand: what its generate requests get where they leave a field
-- out. logo_hash is '' without a logo.
CREATE TABLE mvgen_brand (
    key_id       TEXT PRIMARY KEY REFERENCES mvgen_key (id),
    accent_color TEXT NOT NULL DEFAULT '',
    theme        TEXT NOT NULL DEFAULT '',
    logo_hash    TEXT NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL
);

-- The logo a task draws ('' for none, which every task before this
-- migration has), and the index that finds the pending tasks that still
-- need a logo.
ALTER TABLE mvgen_task ADD COLUMN logo_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX mvgen_task_pending_logo ON mvgen_task (logo_hash) WHERE logo_hash <> '' AND status = 'PENDING';
