package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mvgen/mvgen/internal/seal"
	"github.com/mvgen/mvgen/internal/server"
)

// newSecretKey is `mvgen keys new-secret-key [-o FILE]`: a new operator key
// (32 random bytes, 64 hex digits) on stdout, or in FILE, created 0600.
func newSecretKey(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys new-secret-key", stderr)
	out := fs.String("o", "", "write the key to this file (created, mode 0600; never replaced) instead of stdout")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("keys new-secret-key: unexpected argument %q (the file is given with -o)", pos[0])
	}
	text := seal.NewKeyText()
	if *out == "" {
		_, err := fmt.Fprintln(stdout, text)
		return err
	}
	if err := writeNewKey(*out, text); err != nil {
		return fmt.Errorf("keys new-secret-key: %w", err)
	}
	fmt.Fprintf(stdout, "wrote a new operator key to %s; give it to every node with --secret-key-file %s "+
		"(or MVGEN_SECRET_KEY_FILE), and keep a copy apart from the backups: without it the secrets sealed with it are lost\n", *out, *out)
	return nil
}

// reseal is `mvgen keys reseal --old-key-file OLD (--secret-key-file NEW |
// --unseal)`: every stored secret moved from the old operator key to the
// new one, or back to plain text, with every node stopped.
func reseal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys reseal", stderr)
	var sf storeFlags
	sf.register(fs)
	keyFile := keyFileFlag(fs)
	oldFile := fs.String("old-key-file", "", "file holding the operator key the secrets are sealed with now (required)")
	unseal := fs.Bool("unseal", false, "store the secrets in plain text again, instead of sealing them with a new key "+
		"(before going back to a version that does not seal)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("keys reseal: unexpected argument %q", pos[0])
	}
	if *oldFile == "" {
		return errors.New("keys reseal: --old-key-file is required: the operator key the secrets are sealed with now")
	}
	old, err := readKeyFile(*oldFile, "--old-key-file")
	if err != nil {
		return fmt.Errorf("keys reseal: %w", err)
	}
	key, err := secretKey(*keyFile)
	switch {
	case err != nil:
		return fmt.Errorf("keys reseal: %w", err)
	case key == nil && !*unseal:
		return errors.New("keys reseal: give the new operator key with --secret-key-file (or MVGEN_SECRET_KEY), " +
			"or --unseal to store the secrets in plain text")
	case key != nil && *unseal:
		return errors.New("keys reseal: give either a new operator key or --unseal, not both")
	}
	r, err := server.ResealSecrets(ctx, server.Config{DataDir: sf.data, DB: sf.db, SecretKey: key}, old)
	if errors.Is(err, seal.ErrWrongKey) {
		return fmt.Errorf("keys reseal: %w (neither --old-key-file nor the new key opens it)", err)
	} else if err != nil {
		return fmt.Errorf("keys reseal: %w", err)
	}
	if *unseal {
		fmt.Fprintf(stdout, "opened %d secrets back to plain text (%d were plain already); start mvgen without an operator key\n",
			r.Unsealed, r.Plain)
		return nil
	}
	fmt.Fprintf(stdout, "moved %d secrets to the new operator key (%d sealed from plain text, %d under it already); "+
		"start every node with the new key\n", r.Resealed, r.Sealed, r.Kept)
	return nil
}
