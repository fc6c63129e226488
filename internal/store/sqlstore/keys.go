package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

const keyColumns = `id, name, token_hash, webhook_secret, prev_webhook_secret,
	prev_secret_until, created_at, revoked_at, upstream_key`

// scanKey reads a key and opens its secrets.
func (s *Store) scanKey(row Row) (*mvgen.Key, error) {
	var k mvgen.Key
	if err := row.Scan(&k.ID, &k.Name, &k.TokenHash, &k.WebhookSecret, &k.PrevWebhookSecret,
		at(&k.PrevSecretUntil), at(&k.CreatedAt), at(&k.RevokedAt), &k.UpstreamKey); err != nil {
		return nil, err
	}
	var err error
	for _, f := range []struct {
		v           *string
		place, what string
	}{
		{&k.WebhookSecret, webhookPlace(k.ID), "webhook secret"},
		{&k.PrevWebhookSecret, webhookPlace(k.ID), "previous webhook secret"},
		{&k.UpstreamKey, upstreamPlace(k.ID), "upstream key"},
	} {
		if *f.v, err = s.openText(*f.v, f.place, "key "+k.ID+"'s "+f.what); err != nil {
			return nil, err
		}
	}
	return &k, nil
}

// CreateKey implements store.Store. A duplicate id or token hash is an error
// wrapping the unique violation.
func (s *Store) CreateKey(ctx context.Context, k *mvgen.Key) error {
	_, err := s.db.Write().Exec(ctx, `INSERT INTO mvgen_key (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Name, k.TokenHash, s.sealText(k.WebhookSecret, webhookPlace(k.ID)),
		s.sealText(k.PrevWebhookSecret, webhookPlace(k.ID)), s.d.Time(k.PrevSecretUntil), s.d.Time(k.CreatedAt),
		s.d.Time(k.RevokedAt), s.sealText(k.UpstreamKey, upstreamPlace(k.ID)))
	if err != nil {
		return fmt.Errorf("creating key: %w", err)
	}
	return nil
}

// Key implements store.Store.
func (s *Store) Key(ctx context.Context, id string) (*mvgen.Key, error) {
	k, err := s.scanKey(s.db.Read().QueryRow(ctx, `SELECT `+keyColumns+` FROM mvgen_key WHERE id = ?`, id))
	return k, notFound(err, mvgen.ErrNotFound)
}

// KeyByTokenHash implements store.Store.
func (s *Store) KeyByTokenHash(ctx context.Context, hash []byte) (*mvgen.Key, error) {
	k, err := s.scanKey(s.db.Read().QueryRow(ctx, `SELECT `+keyColumns+` FROM mvgen_key WHERE token_hash = ?`, hash))
	return k, notFound(err, mvgen.ErrNotFound)
}

// Keys implements store.Store.
func (s *Store) Keys(ctx context.Context) ([]*mvgen.Key, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT `+keyColumns+` FROM mvgen_key ORDER BY created_at, id`)
	return collect(rows, err, s.scanKey)
}

// RevokeKey implements store.Store.
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time) error {
	return s.updateOne(ctx, `UPDATE mvgen_key SET revoked_at = ? WHERE id = ? AND revoked_at `+s.d.NoTime,
		s.d.Time(at), id)
}

// RotateSecret implements store.Store. The current secret moves to the
// previous one as it is stored: both are sealed for the same place.
func (s *Store) RotateSecret(ctx context.Context, id, secret string, prevUntil time.Time) error {
	return s.updateOne(ctx, `UPDATE mvgen_key SET prev_webhook_secret = webhook_secret,
		prev_secret_until = ?, webhook_secret = ? WHERE id = ?`, s.d.Time(prevUntil), s.sealText(secret, webhookPlace(id)), id)
}

// SetUpstreamKey implements store.Store.
func (s *Store) SetUpstreamKey(ctx context.Context, id, upstreamKey string) error {
	return s.updateOne(ctx, `UPDATE mvgen_key SET upstream_key = ? WHERE id = ?`,
		s.sealText(upstreamKey, upstreamPlace(id)), id)
}

// updateOne runs an UPDATE of one row: ErrNotFound when it changed nothing.
func (s *Store) updateOne(ctx context.Context, query string, args ...any) error {
	n, err := s.db.Write().Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return mvgen.ErrNotFound
	}
	return nil
}

// Secret implements store.Store. Nodes starting together may both find no
// secret; the first insert wins and every node reads the winner's value.
func (s *Store) Secret(ctx context.Context, name string, init func() []byte) ([]byte, error) {
	const read = `SELECT value FROM mvgen_secret WHERE name = ?`
	db := s.db.Write()
	var v []byte
	err := db.QueryRow(ctx, read, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err = db.Exec(ctx, `INSERT INTO mvgen_secret (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO NOTHING`, name, s.key.Seal(init(), secretPlace(name))); err == nil {
			err = db.QueryRow(ctx, read, name).Scan(&v)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("loading secret %s: %w", name, err)
	}
	v, err = s.key.Open(v, secretPlace(name))
	if err != nil {
		return nil, fmt.Errorf("reading the stored secret %s: %w", name, err)
	}
	return v, nil
}
