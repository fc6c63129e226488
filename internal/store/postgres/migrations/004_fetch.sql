-- The fetch stage and source retention: the PostgreSQL twin of the SQLite
-- driver's 004_fetch.sql.
CREATE TABLE mvgen_fetch (
    task_id    text PRIMARY KEY REFERENCES mvgen_task (id),
    audio_key  text NOT NULL,
    cover_key  text NOT NULL DEFAULT '',
    fetched_at timestamptz NOT NULL
);
ALTER TABLE mvgen_track ADD COLUMN sources_purged_at timestamptz;
ALTER TABLE mvgen_track ADD COLUMN sources_deleted boolean NOT NULL DEFAULT false;
CREATE INDEX mvgen_track_sources ON mvgen_track (created_at) WHERE NOT sources_deleted;
