package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/mvgen/mvgen/internal/mvgen"
)

const keyColumns = `id, name, token_hash, webhook_secret, prev_webhook_secret,
	prev_secret_until, created_at, revoked_at, upstream_key`

func scanKey(row pgx.Row) (*mvgen.Key, error) {
	var k mvgen.Key
	var prevUntil, created, revoked pgtype.Timestamptz
	if err := row.Scan(&k.ID, &k.Name, &k.TokenHash, &k.WebhookSecret, &k.PrevWebhookSecret,
		&prevUntil, &created, &revoked, &k.UpstreamKey); err != nil {
		return nil, err
	}
	k.PrevSecretUntil, k.CreatedAt, k.RevokedAt = fromTS(prevUntil), fromTS(created), fromTS(revoked)
	return &k, nil
}

// CreateKey implements store.Store. A duplicate id or token hash is an error
// wrapping the unique violation.
func (d *Store) CreateKey(ctx context.Context, k *mvgen.Key) error {
	_, err := d.pool.Exec(ctx, `INSERT INTO mvgen_key (`+keyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		k.ID, k.Name, k.TokenHash, k.WebhookSecret, k.PrevWebhookSecret,
		ts(k.PrevSecretUntil), ts(k.CreatedAt), ts(k.RevokedAt), k.UpstreamKey)
	if err != nil {
		return fmt.Errorf("creating key: %w", err)
	}
	return nil
}

// Key implements store.Store.
func (d *Store) Key(ctx context.Context, id string) (*mvgen.Key, error) {
	k, err := scanKey(d.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM mvgen_key WHERE id = $1`, id))
	return k, notFound(err, mvgen.ErrNotFound)
}

// KeyByTokenHash implements store.Store.
func (d *Store) KeyByTokenHash(ctx context.Context, hash []byte) (*mvgen.Key, error) {
	k, err := scanKey(d.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM mvgen_key WHERE token_hash = $1`, hash))
	return k, notFound(err, mvgen.ErrNotFound)
}

// Keys implements store.Store.
func (d *Store) Keys(ctx context.Context) ([]*mvgen.Key, error) {
	rows, err := d.pool.Query(ctx, `SELECT `+keyColumns+` FROM mvgen_key ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*mvgen.Key, error) { return scanKey(row) })
}

// RevokeKey implements store.Store.
func (d *Store) RevokeKey(ctx context.Context, id string, at time.Time) error {
	return d.updateKey(ctx, `UPDATE mvgen_key SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, ts(at), id)
}

// RotateSecret implements store.Store.
func (d *Store) RotateSecret(ctx context.Context, id, secret string, prevUntil time.Time) error {
	return d.updateKey(ctx, `UPDATE mvgen_key SET prev_webhook_secret = webhook_secret,
		prev_secret_until = $1, webhook_secret = $2 WHERE id = $3`, ts(prevUntil), secret, id)
}

// SetUpstreamKey implements store.Store.
func (d *Store) SetUpstreamKey(ctx context.Context, id, upstreamKey string) error {
	return d.updateKey(ctx, `UPDATE mvgen_key SET upstream_key = $1 WHERE id = $2`, upstreamKey, id)
}

// updateKey runs an UPDATE of one key: ErrNotFound when it changed nothing.
func (d *Store) updateKey(ctx context.Context, query string, args ...any) error {
	tag, err := d.pool.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return mvgen.ErrNotFound
	}
	return nil
}

// Secret implements store.Store. Nodes starting together may both find no
// secret; the first insert wins and every node reads the winner's value.
func (d *Store) Secret(ctx context.Context, name string, init func() []byte) ([]byte, error) {
	const read = `SELECT value FROM mvgen_secret WHERE name = $1`
	var v []byte
	err := d.pool.QueryRow(ctx, read, name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err = d.pool.Exec(ctx, `INSERT INTO mvgen_secret (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO NOTHING`, name, init()); err == nil {
			err = d.pool.QueryRow(ctx, read, name).Scan(&v)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("loading secret %s: %w", name, err)
	}
	return v, nil
}
