package receiver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// StateFile is the file in [Receiver.Dir] that lists the webhook-ids already
// handled, so that duplicates are recognised after a restart too. Entries
// older than 30 days are dropped; the records still recognise those.
const StateFile = ".mvgen-receive.json"

// stateTTL is how long StateFile remembers a webhook-id.
const stateTTL = 30 * 24 * time.Hour

// The receiver's files are private: a video link is a credential until it
// expires, and the videos and records belong to one user. Dir, when the
// receiver creates it, is dirMode; every file it writes is fileMode. An
// existing Dir keeps its mode (see Receiver.Dir).
const (
	dirMode  = 0o700
	fileMode = 0o600
)

// humanTime formats times in log lines.
const humanTime = "2006-01-02 15:04 UTC"

// Record is the JSON file music_video_<task id>.json that a [Receiver] writes
// next to each video. It is written when the callback arrives and again when
// the download ends. Times are RFC 3339, in UTC, to the second.
type Record struct {
	TaskID    string `json:"taskId"`              // the video task's id
	WebhookID string `json:"webhookId,omitempty"` // the callback's webhook-id header
	Code      int    `json:"code"`                // the callback's code: 200, or the failure's 400, 451 or 500
	Msg       string `json:"msg,omitempty"`       // the callback's msg

	VideoURL      string    `json:"videoUrl,omitempty"`     // the link (success only)
	LinkExpiresAt time.Time `json:"linkExpiresAt,omitzero"` // from the link's expires parameter, else arrival + LinkValidity

	ReceivedAt time.Time `json:"receivedAt"`       // when the callback arrived
	SavedAt    time.Time `json:"savedAt,omitzero"` // when the video was complete on disk
	Bytes      int64     `json:"bytes,omitempty"`  // the video's size
	SHA256     string    `json:"sha256,omitempty"` // the video's SHA-256, lowercase hex

	// Error says why the download failed after its last attempt; the link
	// may still be used by hand until LinkExpiresAt.
	Error string `json:"error,omitempty"`
}

// saved reports whether the record's video was downloaded and is still
// present.
func (rec *Record) saved(dir string) bool {
	if rec.Code != 200 || rec.SavedAt.IsZero() {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, videoName(rec.TaskID)))
	return err == nil
}

// done reports whether the record's callback needs no more work: a failure
// recorded, or a video saved and still present.
func (rec *Record) done(dir string) bool {
	if rec.Code != 200 {
		return true
	}
	if rec.SavedAt.IsZero() {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, videoName(rec.TaskID)))
	return err == nil
}

func videoName(taskID string) string  { return "music_video_" + taskID + ".mp4" }
func recordName(taskID string) string { return "music_video_" + taskID + ".json" }
func partName(taskID string) string   { return ".music_video_" + taskID + ".mp4.part" }

// validatorName is the partial file's sidecar: the validator (ETag or
// Last-Modified) of the answer its bytes came from, sent as If-Range when
// the download resumes, also after a restart.
func validatorName(taskID string) string { return ".music_video_" + taskID + ".mp4.part.validator" }

// readValidator returns the validator kept in path, or "" when there is
// none.
func readValidator(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimRight(string(data), "\r\n")
}

// writeRecord replaces the task's record atomically.
func writeRecord(dir string, rec *Record) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, recordName(rec.TaskID)), append(data, '\n'))
}

// readRecord reads the task's record.
func readRecord(dir, taskID string) (*Record, error) {
	data, err := os.ReadFile(filepath.Join(dir, recordName(taskID)))
	if err != nil {
		return nil, err
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("reading %s: %w", recordName(taskID), err)
	}
	return &rec, nil
}

// state is StateFile's content.
type state struct {
	Seen map[string]seenEntry `json:"seen"` // by webhook-id ("task:<id>" for callbacks without one)
	// Origin is the video origin pinned from the first success callback
	// when Receiver.VideoOrigins is empty.
	Origin string `json:"origin,omitempty"`
}

type seenEntry struct {
	TaskID string    `json:"taskId"`
	At     time.Time `json:"at"`
}

// loadState reads StateFile: the handled webhook-ids and the pinned video
// origin. A missing file is an empty list. The map is never nil, even with
// an error.
func loadState(dir string) (map[string]seenEntry, string, error) {
	seen := make(map[string]seenEntry)
	data, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return seen, "", nil
	}
	if err != nil {
		return seen, "", err
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return seen, "", fmt.Errorf("reading %s: %w", StateFile, err)
	}
	for k, e := range st.Seen {
		if e.TaskID != "" {
			seen[k] = e
		}
	}
	return seen, st.Origin, nil
}

// saveState drops entries older than stateTTL from seen and writes it to
// StateFile atomically.
func saveState(dir string, seen map[string]seenEntry, origin string) error {
	cutoff := time.Now().Add(-stateTTL)
	for k, e := range seen {
		if e.At.Before(cutoff) {
			delete(seen, k)
		}
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return err
	}
	data, err := json.MarshalIndent(state{Seen: seen, Origin: origin}, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, StateFile), append(data, '\n'))
}

// writeFileAtomic writes data to a temporary file beside path, fsyncs it and
// renames it to path, so readers see the old or the new content, whole.
func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(f.Name(), fileMode); err != nil { // CreateTemp's 0600 today; said here
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes a rename in dir durable where the system allows it; it is
// best effort (directories cannot be synced on Windows).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// humanBytes formats a size for a person: "812 bytes", "12.3 MB".
func humanBytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case n < 1000_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	default:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	}
}
