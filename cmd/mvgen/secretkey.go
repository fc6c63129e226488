package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mvgen/mvgen/internal/seal"
)

// secretKeyEnv holds the operator key itself (the flag --secret-key-file,
// like every flag, reads MVGEN_SECRET_KEY_FILE).
const secretKeyEnv = "MVGEN_SECRET_KEY"

// keyFileFlag registers --secret-key-file: the operator key that seals the
// secrets the database keeps (internal/seal), for every command that opens
// the database with its secrets (serve, keys, migrate).
func keyFileFlag(fs interface {
	StringVar(*string, string, string, string)
}) *string {
	var path string
	fs.StringVar(&path, "secret-key-file", "", "file holding the operator key that seals the secrets the database keeps "+
		"(webhook secrets, upstream keys, the link key): 32 bytes as 64 hex digits or base64, made by mvgen keys new-secret-key; "+
		"or the key itself in "+secretKeyEnv+". Default none: secrets are stored in plain text")
	return &path
}

// secretKey reads the operator key from the file path (--secret-key-file)
// or from MVGEN_SECRET_KEY: nil when neither is given, an error when both
// are (two sources of one key could disagree without anyone noticing).
func secretKey(path string) (*seal.Key, error) {
	text, inEnv := os.LookupEnv(secretKeyEnv)
	inEnv = inEnv && text != ""
	switch {
	case path != "" && inEnv:
		return nil, fmt.Errorf("the operator key is given twice, by --secret-key-file (or MVGEN_SECRET_KEY_FILE) and by %s: give one", secretKeyEnv)
	case path != "":
		return readKeyFile(path, "--secret-key-file")
	case inEnv:
		k, err := seal.ParseKey(text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", secretKeyEnv, err)
		}
		return k, nil
	}
	return nil, nil
}

// readKeyFile reads an operator key from the file path, which flag names.
func readKeyFile(path, flag string) (*seal.Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", flag, err)
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, 4<<10)) // a key is 64 characters
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", flag, err)
	}
	k, err := seal.ParseKey(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return k, nil
}

// writeNewKey writes a new operator key to path, readable by its owner
// only; it never replaces a file (a key replaced is every secret sealed
// with it lost).
func writeNewKey(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists: a new key never replaces a key file (the secrets sealed with it would be lost); "+
			"choose another name, and move secrets to the new key with mvgen keys reseal", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
