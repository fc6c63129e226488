package postgres

import (
	"time"

	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/store/sqlstore"
)

// dialect is PostgreSQL's side of the shared statements. Times are
// timestamptz at millisecond precision, NULL when unset (ts). Nodes write
// concurrently, so the reads a transaction goes on to change lock their
// rows, and one API key's idempotency key is an advisory lock (two-key
// advisory locks never meet River's). Several nodes share the database, so
// RequeueRunning does nothing: a job "running" when this node starts may
// well be running on another, and requeueing it would run it twice; jobs
// of nodes that died are rescued from the heartbeats and, as a backstop,
// by River's stuck-job rescue.
var dialect = sqlstore.Dialect{
	Time:               ts,
	NoTime:             "IS NULL",
	False:              "false",
	ForUpdate:          " FOR UPDATE",
	SkipLocked:         " FOR UPDATE SKIP LOCKED",
	AttemptSeq:         "id",
	LockIdempotencyKey: `SELECT pg_advisory_xact_lock(hashtext(?), hashtext(?))`,
	// A video recorded without a link expiry expires at -infinity, so it
	// is purged first, as SQLite's 0 is.
	UpsertVideo: `INSERT INTO mvgen_video (render_key, blob_key, created_at, expires_at, size, duration_ms)
		VALUES (?, ?, ?, coalesce(?, '-infinity'::timestamptz), ?, ?)
		ON CONFLICT (render_key) DO UPDATE SET blob_key = excluded.blob_key,
			expires_at = greatest(mvgen_video.expires_at, excluded.expires_at), purged_at = NULL,
			size = excluded.size, duration_ms = excluded.duration_ms`,
	SyncedLyrics: syncedLyrics,

	Shared: true,
	CountCrash: `metadata = jsonb_set(coalesce(metadata, '{}'), '{` + queue.CrashKey + `}',
		to_jsonb(coalesce((metadata->>'` + queue.CrashKey + `')::int, 0) + 1))`,
	// attempted_by is a text[].
	Worker:  `attempted_by[array_length(attempted_by, 1)]`,
	TaskArg: `args->>'taskId'`,
}

// ts is the value written for t: NULL for the zero time, else t at
// millisecond precision (what the SQLite driver keeps too).
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Truncate(time.Millisecond).UTC()
}

// syncedLyrics is the dialect's SyncedLyrics: the test
// migrations/008_synced_lyrics.sql backfills with, written the same way
// (storetest's SyncedLyrics case checks both on the same rows). \uFEFF is the
// byte-order mark, in the regular expression's own escape.
const syncedLyrics = `CASE lyrics_format WHEN 'timestamped' THEN true
	WHEN 'lrc' THEN lyrics ~ '(^\uFEFF?|\n)\[[0-9]' ELSE false END`
