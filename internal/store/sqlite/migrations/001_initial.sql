-- mvgen schema, version 1. Times are Unix milliseconds (UTC); 0 means unset.
CREATE TABLE mvgen_key (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    token_hash          BLOB NOT NULL UNIQUE,
    webhook_secret      TEXT NOT NULL,
    prev_webhook_secret TEXT NOT NULL DEFAULT '',
    prev_secret_until   INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    revoked_at          INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE mvgen_track (
    key_id        TEXT NOT NULL REFERENCES mvgen_key (id),
    music_task_id TEXT NOT NULL,
    id            TEXT NOT NULL,
    music_index   INTEGER NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '',
    audio_url     TEXT NOT NULL DEFAULT '',
    image_url     TEXT NOT NULL DEFAULT '',
    audio_key     TEXT NOT NULL DEFAULT '',
    cover_key     TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (key_id, music_task_id, id)
);

CREATE TABLE mvgen_task (
    id            TEXT PRIMARY KEY,
    key_id        TEXT NOT NULL REFERENCES mvgen_key (id),
    music_task_id TEXT NOT NULL,
    audio_id      TEXT NOT NULL,
    music_index   INTEGER NOT NULL DEFAULT 0,
    callback_url  TEXT NOT NULL DEFAULT '',
    author        TEXT NOT NULL DEFAULT '',
    domain_name   TEXT NOT NULL DEFAULT '',
    aspect        TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    progress      INTEGER NOT NULL DEFAULT 0,
    error_code    INTEGER NOT NULL DEFAULT 0,
    error_message TEXT NOT NULL DEFAULT '',
    render_key    TEXT NOT NULL,
    video_key     TEXT NOT NULL DEFAULT '',
    webhook_id    TEXT NOT NULL,
    deliveries    INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    completed_at  INTEGER NOT NULL DEFAULT 0,
    expires_at    INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT NOT NULL DEFAULT '',
    request_hash  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mvgen_task_idempotency ON mvgen_task (key_id, idempotency_key, created_at)
    WHERE idempotency_key <> '';

CREATE TABLE mvgen_video (
    render_key TEXT PRIMARY KEY,
    blob_key   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    purged_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX mvgen_video_expiry ON mvgen_video (expires_at) WHERE purged_at = 0;

CREATE TABLE mvgen_callback_attempt (
    task_id     TEXT NOT NULL REFERENCES mvgen_task (id),
    delivery    INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL,
    response    TEXT NOT NULL,
    retry_after_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX mvgen_callback_attempt_task ON mvgen_callback_attempt (task_id, at);

CREATE TABLE mvgen_node (
    id      TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
);

CREATE TABLE mvgen_secret (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
