-- mvgen schema, version 1: the PostgreSQL twin of the SQLite driver's
-- 001_initial.sql. Times are timestamptz written at millisecond precision;
-- NULL means unset. Tables are created unqualified, in the schema the
-- connection's search_path names.
CREATE TABLE mvgen_key (
    id                  text PRIMARY KEY,
    name                text NOT NULL,
    token_hash          bytea NOT NULL UNIQUE,
    webhook_secret      text NOT NULL,
    prev_webhook_secret text NOT NULL DEFAULT '',
    prev_secret_until   timestamptz,
    created_at          timestamptz NOT NULL,
    revoked_at          timestamptz
);

CREATE TABLE mvgen_track (
    key_id        text NOT NULL REFERENCES mvgen_key (id),
    music_task_id text NOT NULL,
    id            text NOT NULL,
    music_index   integer NOT NULL,
    title         text NOT NULL DEFAULT '',
    tags          text NOT NULL DEFAULT '',
    audio_url     text NOT NULL DEFAULT '',
    image_url     text NOT NULL DEFAULT '',
    audio_key     text NOT NULL DEFAULT '',
    cover_key     text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (key_id, music_task_id, id)
);

CREATE TABLE mvgen_task (
    id              text PRIMARY KEY,
    key_id          text NOT NULL REFERENCES mvgen_key (id),
    music_task_id   text NOT NULL,
    audio_id        text NOT NULL,
    music_index     integer NOT NULL DEFAULT 0,
    callback_url    text NOT NULL DEFAULT '',
    author          text NOT NULL DEFAULT '',
    domain_name     text NOT NULL DEFAULT '',
    aspect          text NOT NULL DEFAULT '',
    status          text NOT NULL,
    progress        integer NOT NULL DEFAULT 0,
    error_code      integer NOT NULL DEFAULT 0,
    error_message   text NOT NULL DEFAULT '',
    render_key      text NOT NULL,
    video_key       text NOT NULL DEFAULT '',
    webhook_id      text NOT NULL,
    deliveries      integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    completed_at    timestamptz,
    expires_at      timestamptz,
    idempotency_key text NOT NULL DEFAULT '',
    request_hash    text NOT NULL DEFAULT ''
);
CREATE INDEX mvgen_task_idempotency ON mvgen_task (key_id, idempotency_key, created_at)
    WHERE idempotency_key <> '';

-- expires_at is -infinity for a video recorded without a link expiry, so it
-- is purged first, as the SQLite driver's 0 is.
CREATE TABLE mvgen_video (
    render_key text PRIMARY KEY,
    blob_key   text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    purged_at  timestamptz
);
CREATE INDEX mvgen_video_expiry ON mvgen_video (expires_at) WHERE purged_at IS NULL;

-- id keeps attempts recorded at the same instant in insertion order.
CREATE TABLE mvgen_callback_attempt (
    id             bigserial PRIMARY KEY,
    task_id        text NOT NULL REFERENCES mvgen_task (id),
    delivery       integer NOT NULL,
    attempt        integer NOT NULL,
    at             timestamptz NOT NULL,
    duration_us    bigint NOT NULL,
    status_code    integer NOT NULL,
    error          text NOT NULL,
    response       text NOT NULL,
    retry_after_ms bigint NOT NULL DEFAULT 0
);
CREATE INDEX mvgen_callback_attempt_task ON mvgen_callback_attempt (task_id, at, id);

CREATE TABLE mvgen_node (
    id      text PRIMARY KEY,
    seen_at timestamptz NOT NULL
);

CREATE TABLE mvgen_secret (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);
