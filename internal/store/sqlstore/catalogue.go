package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// ListTracks implements store.Store. The track's primary key (key_id
// first) narrows the rows to the key's; they are sorted per page.
func (s *Store) ListTracks(ctx context.Context, keyID string, q store.TrackQuery) ([]*mvgen.Track, error) {
	query := `SELECT ` + s.tracks.list + ` FROM mvgen_track WHERE key_id = ?`
	args := []any{keyID}
	if q.After != nil {
		query += ` AND (created_at, music_task_id, id) < (?, ?, ?)`
		args = append(args, s.d.Time(q.After.CreatedAt), q.After.MusicTaskID, q.After.ID)
	}
	query += ` ORDER BY created_at DESC, music_task_id DESC, id DESC LIMIT ?`
	args = append(args, q.LimitOrDefault())
	rows, err := s.db.Read().Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("listing tracks: %w", err)
	}
	out, err := collect(rows, nil, scanTrack)
	if err != nil {
		return nil, fmt.Errorf("listing tracks: %w", err)
	}
	return out, nil
}

// DeleteTrack implements store.Store. Where writers run concurrently the
// track's row is locked first, so two removals of one track do not both
// return it.
func (s *Store) DeleteTrack(ctx context.Context, keyID, musicTaskID, audioID string) (*mvgen.Track, error) {
	var tr *mvgen.Track
	err := s.db.InTx(ctx, false, func(tx Tx) error {
		var err error
		tr, err = scanTrack(tx.QueryRow(ctx, `SELECT `+s.tracks.list+` FROM mvgen_track
			WHERE key_id = ? AND music_task_id = ? AND id = ?`+s.d.ForUpdate, keyID, musicTaskID, audioID))
		if err != nil {
			return notFound(err, mvgen.ErrNotFound)
		}
		var pending string
		err = tx.QueryRow(ctx, `SELECT id FROM mvgen_task WHERE key_id = ? AND music_task_id = ?
			AND audio_id = ? AND status = ? ORDER BY created_at, id LIMIT 1`,
			keyID, musicTaskID, audioID, mvgen.StatusPending).Scan(&pending)
		switch {
		case err == nil:
			return &store.TrackInUseError{TaskID: pending}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM mvgen_track WHERE key_id = ? AND music_task_id = ? AND id = ?`,
			keyID, musicTaskID, audioID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("deleting track %s/%s: %w", musicTaskID, audioID, err)
	}
	return tr, nil
}

// TaskCounts implements store.Store.
func (s *Store) TaskCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT key_id, count(*) FROM mvgen_task GROUP BY key_id`)
	if err != nil {
		return nil, fmt.Errorf("counting tasks: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("counting tasks: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}
