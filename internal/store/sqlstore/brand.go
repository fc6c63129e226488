package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// Brands and their logos (contract §6.6). A logo is stored once, under the
// SHA-256 of its PNG, and a task made while a brand had it records that
// hash: the logo row stays as long as a brand or a pending task names it,
// and the statement that could delete it (dropLogo) first locks the row, as
// does the task insert that comes to need it (InsertTask), so that a task
// never commits naming a deleted logo.

// SetBrand implements store.Store.
func (s *Store) SetBrand(ctx context.Context, b *mvgen.Brand) error {
	return s.db.InTx(ctx, true, func(tx Tx) error {
		var old string
		err := tx.QueryRow(ctx, `SELECT logo_hash FROM mvgen_brand WHERE key_id = ?`, b.KeyID).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("reading the brand: %w", err)
		}
		var logo string
		if b.Logo != nil {
			logo = b.Logo.Hash
			if _, err := tx.Exec(ctx, `INSERT INTO mvgen_logo (hash, png, width, height, created_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
				logo, b.Logo.PNG, b.Logo.Width, b.Logo.Height, s.d.Time(b.UpdatedAt)); err != nil {
				return fmt.Errorf("storing the logo: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO mvgen_brand (key_id, accent_color, theme, logo_hash, updated_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET accent_color = excluded.accent_color,
			theme = excluded.theme, logo_hash = excluded.logo_hash, updated_at = excluded.updated_at`,
			b.KeyID, b.AccentColor, b.Theme, logo, s.d.Time(b.UpdatedAt)); err != nil {
			return fmt.Errorf("storing the brand: %w", err)
		}
		if old != logo {
			return s.dropLogo(ctx, tx, old)
		}
		return nil
	})
}

// Brand implements store.Store.
func (s *Store) Brand(ctx context.Context, keyID string) (*mvgen.Brand, error) {
	b := mvgen.Brand{KeyID: keyID}
	var hash string
	var width, height, size sql.NullInt64
	err := s.db.Read().QueryRow(ctx, `SELECT b.accent_color, b.theme, b.logo_hash, b.updated_at,
		l.width, l.height, length(l.png)
		FROM mvgen_brand b LEFT JOIN mvgen_logo l ON l.hash = b.logo_hash WHERE b.key_id = ?`, keyID).
		Scan(&b.AccentColor, &b.Theme, &hash, at(&b.UpdatedAt), &width, &height, &size)
	if err != nil {
		return nil, notFound(err, mvgen.ErrNotFound)
	}
	if hash != "" {
		b.Logo = &mvgen.Logo{Hash: hash, Width: int(width.Int64), Height: int(height.Int64), Size: int(size.Int64)}
	}
	return &b, nil
}

// DeleteBrand implements store.Store.
func (s *Store) DeleteBrand(ctx context.Context, keyID string) error {
	return s.db.InTx(ctx, true, func(tx Tx) error {
		var logo string
		err := tx.QueryRow(ctx, `DELETE FROM mvgen_brand WHERE key_id = ? RETURNING logo_hash`, keyID).Scan(&logo)
		if err != nil {
			return notFound(err, mvgen.ErrNotFound)
		}
		return s.dropLogo(ctx, tx, logo)
	})
}

// Logo implements store.Store.
func (s *Store) Logo(ctx context.Context, hash string) (*mvgen.Logo, error) {
	l := mvgen.Logo{Hash: hash}
	err := s.db.Read().QueryRow(ctx, `SELECT png, width, height FROM mvgen_logo WHERE hash = ?`, hash).
		Scan(&l.PNG, &l.Width, &l.Height)
	if err != nil {
		return nil, notFound(err, mvgen.ErrNotFound)
	}
	l.Size = len(l.PNG)
	return &l, nil
}

// lockLogo locks the logo named hash in tx (where writers run
// concurrently); sql.ErrNoRows if there is none.
func (s *Store) lockLogo(ctx context.Context, tx Tx, hash string) error {
	return tx.QueryRow(ctx, `SELECT hash FROM mvgen_logo WHERE hash = ?`+s.d.ForUpdate, hash).Scan(&hash)
}

// dropLogo deletes the logo named hash ("" is none) if no brand and no
// pending task names it any more. The row is locked first: a task insert
// that holds it commits before the check below runs (PostgreSQL's read
// committed gives the DELETE a snapshot taken after the lock), and one that
// comes after finds the row gone.
func (s *Store) dropLogo(ctx context.Context, tx Tx, hash string) error {
	if hash == "" {
		return nil
	}
	if err := s.lockLogo(ctx, tx, hash); errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("locking logo %s: %w", hash, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM mvgen_logo WHERE hash = ?
		AND NOT EXISTS (SELECT 1 FROM mvgen_brand WHERE logo_hash = ?)
		AND NOT EXISTS (SELECT 1 FROM mvgen_task WHERE logo_hash = ? AND status = 'PENDING')`,
		hash, hash, hash); err != nil {
		return fmt.Errorf("deleting unused logo %s: %w", hash, err)
	}
	return nil
}
