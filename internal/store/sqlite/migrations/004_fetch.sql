-- The fetch stage and source retention. mvgen_fetch holds the sources a
-- fetch job downloaded into the blob store for one task (the render reads
-- them; the purge deletes them once the task is done). A track's uploaded
-- sources are marked (sources_purged_at) when their retention ends and no
-- pending task needs them, then deleted (sources_deleted = 1).
CREATE TABLE mvgen_fetch (
    task_id    TEXT PRIMARY KEY REFERENCES mvgen_task (id),
    audio_key  TEXT NOT NULL,
    cover_key  TEXT NOT NULL DEFAULT '',
    fetched_at INTEGER NOT NULL
);
ALTER TABLE mvgen_track ADD COLUMN sources_purged_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mvgen_track ADD COLUMN sources_deleted INTEGER NOT NULL DEFAULT 0;
CREATE INDEX mvgen_track_sources ON mvgen_track (created_at) WHERE sources_deleted = 0;
