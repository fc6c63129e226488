package sqlstore

import (
	"context"
	"fmt"

	"github.com/mvgen/mvgen/internal/seal"
	"github.com/mvgen/mvgen/internal/store"
)

// Option configures a Store (the drivers' NewStore takes them).
type Option func(*Store)

// SealWith makes the store keep its secrets sealed with key (see
// store/secrets.go); nil keeps them in plain text.
func SealWith(key *seal.Key) Option {
	return func(s *Store) { s.key = key }
}

// The additional data of each kind of secret: its place (store/secrets.go).
func webhookPlace(keyID string) string  { return "mvgen_key:" + keyID + ":webhook" }
func upstreamPlace(keyID string) string { return "mvgen_key:" + keyID + ":upstream" }
func secretPlace(name string) string    { return "mvgen_secret:" + name }

// sealText seals a secret of the place for writing; "" stays "".
func (s *Store) sealText(v, place string) string {
	if v == "" {
		return ""
	}
	return string(s.key.Seal([]byte(v), place))
}

// openText opens a secret read from the place; what names it in an error.
func (s *Store) openText(v, place, what string) (string, error) {
	b, err := s.key.Open([]byte(v), place)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", what, err)
	}
	return string(b), nil
}

// slot is one stored secret: where it is, and its value.
type slot struct {
	update string // UPDATE … SET col = ? WHERE pk = ? AND col = ? (new, pk, old)
	pk     string
	place  string
	what   string // for errors: "key key_1's upstream key"
	value  []byte
	text   bool // a text column (else bytes)
}

// arg is v as the slot's column takes it: SQLite never finds text equal
// to a blob.
func (sl slot) arg(v []byte) any {
	if sl.text {
		return string(v)
	}
	return v
}

// SealSecrets brings every secret stored under the store's key, in one
// transaction, and reports what it found and did. A value sealed with
// another key opens with one of previous (mvgen keys reseal), else it is
// an error: ErrNoKey without a key, ErrWrongKey with one, naming the value.
// A plain value is sealed; without a key, it stays plain, and one sealed
// with a previous key is opened back to plain text (--unseal). Each
// change is a compare-and-swap of the value read and, where writers run
// concurrently, the rows are locked as they are read, so nodes starting
// together seal each value once. Running it again changes nothing.
func (s *Store) SealSecrets(ctx context.Context, previous ...*seal.Key) (store.SealReport, error) {
	var r store.SealReport
	err := s.db.InTx(ctx, true, func(tx Tx) error {
		r = store.SealReport{}
		slots, err := s.secretSlots(ctx, tx)
		if err != nil {
			return err
		}
		for _, sl := range slots {
			next, err := s.bring(sl, previous, &r)
			if err != nil {
				return err
			}
			if next == nil {
				continue
			}
			if _, err := tx.Exec(ctx, sl.update, sl.arg(next), sl.pk, sl.arg(sl.value)); err != nil {
				return fmt.Errorf("sealing %s: %w", sl.what, err)
			}
		}
		return nil
	})
	if err != nil {
		return store.SealReport{}, fmt.Errorf("sealing secrets: %w", err)
	}
	return r, nil
}

// bring returns what sl's value becomes under the store's key, nil for
// unchanged, and counts it in r.
func (s *Store) bring(sl slot, previous []*seal.Key, r *store.SealReport) ([]byte, error) {
	if !seal.IsSealed(sl.value) {
		if s.key == nil {
			r.Plain++
			return nil, nil
		}
		r.Sealed++
		return s.key.Seal(sl.value, sl.place), nil
	}
	if s.key != nil {
		if _, err := s.key.Open(sl.value, sl.place); err == nil {
			r.Kept++
			return nil, nil
		}
	}
	for _, p := range previous {
		plain, err := p.Open(sl.value, sl.place)
		if err != nil {
			continue
		}
		if s.key == nil {
			r.Unsealed++
			return plain, nil
		}
		r.Resealed++
		return s.key.Seal(plain, sl.place), nil
	}
	err := seal.ErrWrongKey
	if s.key == nil && len(previous) == 0 {
		err = seal.ErrNoKey
	}
	return nil, fmt.Errorf("%s: %w", sl.what, err)
}

// secretSlots reads every stored secret that is not "", locking the rows
// where writers run concurrently.
func (s *Store) secretSlots(ctx context.Context, tx Tx) ([]slot, error) {
	var slots []slot
	rows, err := tx.Query(ctx, `SELECT id, webhook_secret, prev_webhook_secret, upstream_key FROM mvgen_key
		ORDER BY id`+s.d.ForUpdate)
	keys, err := collect(rows, err, func(row Row) ([4]string, error) {
		var k [4]string
		return k, row.Scan(&k[0], &k[1], &k[2], &k[3])
	})
	if err != nil {
		return nil, fmt.Errorf("reading keys: %w", err)
	}
	for _, k := range keys {
		id := k[0]
		for i, col := range []struct{ name, place, what string }{
			{"webhook_secret", webhookPlace(id), "webhook secret"},
			{"prev_webhook_secret", webhookPlace(id), "previous webhook secret"},
			{"upstream_key", upstreamPlace(id), "upstream key"},
		} {
			if k[i+1] == "" {
				continue
			}
			slots = append(slots, slot{
				update: `UPDATE mvgen_key SET ` + col.name + ` = ? WHERE id = ? AND ` + col.name + ` = ?`,
				pk:     id, place: col.place, what: "key " + id + "'s " + col.what, value: []byte(k[i+1]), text: true})
		}
	}
	rows, err = tx.Query(ctx, `SELECT name, value FROM mvgen_secret ORDER BY name`+s.d.ForUpdate)
	secrets, err := collect(rows, err, func(row Row) (slot, error) {
		var sl slot
		err := row.Scan(&sl.pk, &sl.value)
		sl.update = `UPDATE mvgen_secret SET value = ? WHERE name = ? AND value = ?`
		sl.place, sl.what = secretPlace(sl.pk), "the stored secret "+sl.pk
		return sl, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading stored secrets: %w", err)
	}
	for _, sl := range secrets {
		if len(sl.value) > 0 {
			slots = append(slots, sl)
		}
	}
	return slots, nil
}
