package sqlite

import (
	"time"

	"github.com/mvgen/mvgen/internal/queue"
	"github.com/mvgen/mvgen/internal/store/sqlstore"
)

// dialect is SQLite's side of the shared statements. Times are Unix
// milliseconds, 0 when unset. One writer runs at a time, so nothing locks
// rows. The database is this process's alone (the data directory's lock),
// so a job still "running" at start was left by a process that died:
// RequeueRunning puts it back at once rather than wait for River's
// stuck-job rescue, sized for the longest render.
var dialect = sqlstore.Dialect{
	Time:       func(t time.Time) any { return ms(t) },
	NoTime:     "= 0",
	False:      "0",
	AttemptSeq: "rowid",
	UpsertVideo: `INSERT INTO mvgen_video (render_key, blob_key, created_at, expires_at, size, duration_ms)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (render_key) DO UPDATE SET blob_key = excluded.blob_key,
			expires_at = max(mvgen_video.expires_at, excluded.expires_at), purged_at = 0, size = excluded.size,
			duration_ms = excluded.duration_ms`,
	SyncedLyrics: syncedLyrics,

	CountCrash: `metadata = json_set(coalesce(metadata, '{}'), '$.` + queue.CrashKey + `',
		coalesce(json_extract(metadata, '$.` + queue.CrashKey + `'), 0) + 1)`,
	// attempted_by is a JSON array.
	Worker:  `json_extract(attempted_by, '$[#-1]')`,
	TaskArg: `json_extract(args, '$.taskId')`,
}

// ms converts a time to the schema's Unix milliseconds (0 for the zero time).
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// syncedLyrics is the dialect's SyncedLyrics: the test
// migrations/008_synced_lyrics.sql backfills with, written the same way
// (storetest's SyncedLyrics case checks both on the same rows). char(65279)
// is the byte-order mark.
const syncedLyrics = `CASE lyrics_format WHEN 'timestamped' THEN 1 WHEN 'lrc' THEN (lyrics GLOB '[[][0-9]*'
	OR lyrics GLOB char(65279) || '[[][0-9]*' OR lyrics GLOB '*' || char(10) || '[[][0-9]*') ELSE 0 END`
