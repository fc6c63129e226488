package sqlite

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

type scanner interface{ Scan(dest ...any) error }

func scanKey(row scanner) (*mvgen.Key, error) {
	var k mvgen.Key
	var prevUntil, created, revoked int64
	if err := row.Scan(&k.ID, &k.Name, &k.TokenHash, &k.WebhookSecret, &k.PrevWebhookSecret,
		&prevUntil, &created, &revoked, &k.UpstreamKey); err != nil {
		return nil, err
	}
	k.PrevSecretUntil, k.CreatedAt, k.RevokedAt = fromMS(prevUntil), fromMS(created), fromMS(revoked)
	return &k, nil
}

// CreateKey implements store.Store.
func (d *Store) CreateKey(ctx context.Context, k *mvgen.Key) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO mvgen_key (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Name, k.TokenHash, k.WebhookSecret, k.PrevWebhookSecret,
		ms(k.PrevSecretUntil), ms(k.CreatedAt), ms(k.RevokedAt), k.UpstreamKey)
	if err != nil {
		return fmt.Errorf("creating key: %w", err)
	}
	return nil
}

// Key implements store.Store.
func (d *Store) Key(ctx context.Context, id string) (*mvgen.Key, error) {
	k, err := scanKey(d.read.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM mvgen_key WHERE id = ?`, id))
	return k, notFound(err, mvgen.ErrNotFound)
}

// KeyByTokenHash implements store.Store.
func (d *Store) KeyByTokenHash(ctx context.Context, hash []byte) (*mvgen.Key, error) {
	k, err := scanKey(d.read.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM mvgen_key WHERE token_hash = ?`, hash))
	return k, notFound(err, mvgen.ErrNotFound)
}

// Keys implements store.Store.
func (d *Store) Keys(ctx context.Context) ([]*mvgen.Key, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT `+keyColumns+` FROM mvgen_key ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []*mvgen.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// RevokeKey implements store.Store.
func (d *Store) RevokeKey(ctx context.Context, id string, at time.Time) error {
	return d.updateKey(ctx, `UPDATE mvgen_key SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, ms(at), id)
}

// RotateSecret implements store.Store.
func (d *Store) RotateSecret(ctx context.Context, id, secret string, prevUntil time.Time) error {
	return d.updateKey(ctx, `UPDATE mvgen_key SET prev_webhook_secret = webhook_secret,
		prev_secret_until = ?, webhook_secret = ? WHERE id = ?`, ms(prevUntil), secret, id)
}

// SetUpstreamKey implements store.Store.
func (d *Store) SetUpstreamKey(ctx context.Context, id, upstreamKey string) error {
	return d.updateKey(ctx, `UPDATE mvgen_key SET upstream_key = ? WHERE id = ?`, upstreamKey, id)
}

func (d *Store) updateKey(ctx context.Context, query string, args ...any) error {
	res, err := d.db.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return mvgen.ErrNotFound
	}
	return nil
}

// Secret implements store.Store.
func (d *Store) Secret(ctx context.Context, name string, init func() []byte) ([]byte, error) {
	var v []byte
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM mvgen_secret WHERE name = ?`, name).Scan(&v)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		v = init()
		_, err = tx.ExecContext(ctx, `INSERT INTO mvgen_secret (name, value) VALUES (?, ?)`, name, v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("loading secret %s: %w", name, err)
	}
	return v, nil
}
