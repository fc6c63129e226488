package server

import (
	"context"
	"fmt"

	"github.com/mvgen/mvgen/internal/seal"
	"github.com/mvgen/mvgen/internal/store"
)

// sealingStore is a driver's store with the step that brings the stored
// secrets under its key (sqlstore's SealSecrets).
type sealingStore interface {
	store.Store
	SealSecrets(ctx context.Context, previous ...*seal.Key) (store.SealReport, error)
}

// sealSecrets is the start step of every command that opens the database:
// with cfg.SecretKey it seals the secrets stored in plain text; without, it
// warns that they are stored unsealed. A secret sealed with another key, or
// sealed while no key is given, stops the start, naming the flag.
func sealSecrets(ctx context.Context, st sealingStore, cfg Config) error {
	r, err := st.SealSecrets(ctx)
	if err != nil {
		return err
	}
	log := cfg.Logger
	switch {
	case cfg.SecretKey == nil:
		log.Warn("secrets are stored unsealed: a copy of the database or a backup gives away every "+
			"webhook secret, upstream key and the link key; seal them with an operator key "+
			"(mvgen keys new-secret-key, then --secret-key-file or MVGEN_SECRET_KEY) "+
			"once every node runs this version", "plain", r.Plain)
	case r.Sealed > 0:
		log.Info("sealed the secrets stored in plain text with the operator key", "sealed", r.Sealed, "already", r.Kept)
	}
	return nil
}

// withSealedSecrets is openStorage's end: the store once its secrets are
// sealed, else nothing (the store closed).
func withSealedSecrets(ctx context.Context, cfg Config, st sealingStore, q jobQueue) (store.Store, jobQueue, error) {
	if err := sealSecrets(ctx, st, cfg); err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, q, nil
}

// ResealSecrets moves every secret the configured database keeps from the
// operator key previous to cfg.SecretKey, in one transaction (mvgen keys
// reseal); without cfg.SecretKey it opens them back to plain text. Values
// stored in plain text are sealed with cfg.SecretKey too, and values
// already under it are left: running it again changes nothing. A value
// that neither key opens stops it, changing nothing.
//
// No node may run meanwhile: one would go on writing with the old key and
// fail to read what was moved. On the embedded default it takes the data
// directory's lock, so it refuses while mvgen serve runs; on PostgreSQL the
// operator stops every node.
func ResealSecrets(ctx context.Context, cfg Config, previous *seal.Key) (store.SealReport, error) {
	cfg = cfg.withDefaults()
	if !cfg.postgres() {
		lock, err := lockDir(cfg.DataDir)
		if err != nil {
			return store.SealReport{}, err
		}
		defer lock.Close()
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return store.SealReport{}, err
	}
	defer st.Close()
	r, err := st.SealSecrets(ctx, previous)
	if err != nil {
		return store.SealReport{}, fmt.Errorf("resealing: %w", err)
	}
	return r, nil
}
