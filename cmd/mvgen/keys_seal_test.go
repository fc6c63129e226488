package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/seal"
)

// dbText is what a dump of the SQLite database in data shows of the
// tables that hold secrets.
func dbText(t *testing.T, data string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "mvgen.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{
		`SELECT webhook_secret, prev_webhook_secret, upstream_key FROM mvgen_key`,
		`SELECT name, CAST(value AS TEXT) FROM mvgen_secret`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]string, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, strings.Join(vals, "\t"))
		}
		rows.Close()
	}
	return b.String()
}

func newKeyFile(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := run(context.Background(), []string{"keys", "new-secret-key", "-o", path}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatalf("keys new-secret-key -o %s: %v", name, err)
	}
	return path
}

// TestNewSecretKey: keys new-secret-key prints a key, or writes it to a new
// file readable by its owner only, and never replaces one.
func TestNewSecretKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"keys", "new-secret-key"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	text := strings.TrimSuffix(out.String(), "\n")
	if raw, err := hex.DecodeString(text); err != nil || len(raw) != 32 {
		t.Errorf("keys new-secret-key printed %q, want 64 hex digits and a newline", out.String())
	}
	path := newKeyFile(t, t.TempDir(), "key")
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", st, err)
	}
	before, _ := os.ReadFile(path)
	if _, err := seal.ParseKey(string(before)); err != nil {
		t.Errorf("the key file does not read as a key: %v", err)
	}
	err = run(ctx, []string{"keys", "new-secret-key", "-o", path}, &bytes.Buffer{}, &bytes.Buffer{})
	if after, _ := os.ReadFile(path); err == nil || !strings.Contains(err.Error(), "exists") || !bytes.Equal(after, before) {
		t.Errorf("keys new-secret-key -o over a key file: %v; want it refused and the file kept", err)
	}
}

// TestSealedKeysCommands runs the keys commands and migrate on a SQLite
// database with --secret-key-file: what they write is sealed, the database
// holds no secret in plain text, a command without the key or with another
// is refused naming the flag, reseal moves the secrets to a new key and
// --unseal back to plain text, and migrate seals them again.
func TestSealedKeysCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	first, second, other := newKeyFile(t, dir, "first"), newKeyFile(t, dir, "second"), newKeyFile(t, dir, "other")
	const upstream = "sk-upstream-plain-0a1b2c3d"
	mvgen := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append(args, "--data", data), &out, &errOut)
		return out.String() + errOut.String(), err
	}

	out, err := mvgen("keys", "create", "--name", "ada", "--upstream-key", upstream, "--json", "--secret-key-file", first)
	var created struct{ ID, WebhookSecret string }
	if err != nil || json.Unmarshal([]byte(out), &created) != nil {
		t.Fatalf("keys create --secret-key-file: %v %q", err, out)
	}
	out, err = mvgen("keys", "rotate-secret", created.ID, "--json", "--secret-key-file", first)
	var rotated struct{ WebhookSecret string }
	if err != nil || json.Unmarshal([]byte(out), &rotated) != nil {
		t.Fatalf("keys rotate-secret --secret-key-file: %v %q", err, out)
	}
	secrets := []string{created.WebhookSecret, rotated.WebhookSecret, upstream}
	noPlainText := func(when string) {
		t.Helper()
		db := dbText(t, data)
		for _, v := range secrets {
			if strings.Contains(db, v) {
				t.Errorf("%s: the database holds %q in plain text:\n%s", when, v, db)
			}
		}
		if n := strings.Count(db, seal.Prefix); n != 3 {
			t.Errorf("%s: the database holds %d sealed values, want 3:\n%s", when, n, db)
		}
	}
	noPlainText("written with the key")
	if out, err := mvgen("keys", "list", "--secret-key-file", first); err != nil || !strings.Contains(out, "set") {
		t.Errorf("keys list with the key: %v %q", err, out)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"without the key", nil, "no operator key was given"},
		{"with another key", []string{"--secret-key-file", other}, "does not open with the operator key given"},
	} {
		_, err := mvgen(append([]string{"keys", "list"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--secret-key-file") ||
			!strings.Contains(err.Error(), created.ID) {
			t.Errorf("keys list %s: %v; want %q naming the key and --secret-key-file", tc.name, err, tc.want)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--secret-key-file", second}, "--old-key-file is required"},
		{[]string{"--old-key-file", first}, "give the new operator key with --secret-key-file"},
		{[]string{"--old-key-file", first, "--secret-key-file", second, "--unseal"}, "not both"},
		{[]string{"--old-key-file", other, "--secret-key-file", second}, "neither --old-key-file nor the new key opens it"},
		{[]string{"--old-key-file", filepath.Join(dir, "missing"), "--secret-key-file", second}, "reading --old-key-file"},
	} {
		if _, err := mvgen(append([]string{"keys", "reseal"}, tc.args...)...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("keys reseal %v: %v, want an error with %q", tc.args, err, tc.want)
		}
	}
	noPlainText("after refused reseals")
	out, err = mvgen("keys", "reseal", "--old-key-file", first, "--secret-key-file", second)
	if err != nil || !strings.Contains(out, "moved 3 secrets to the new operator key") {
		t.Fatalf("keys reseal: %v %q", err, out)
	}
	noPlainText("resealed")
	if _, err := mvgen("keys", "list", "--secret-key-file", second); err != nil {
		t.Errorf("keys list with the new key: %v", err)
	}
	if _, err := mvgen("keys", "list", "--secret-key-file", first); err == nil {
		t.Errorf("keys list with the old key after reseal: no error")
	}
	if out, err := mvgen("keys", "reseal", "--old-key-file", first, "--secret-key-file", second); err != nil ||
		!strings.Contains(out, "moved 0 secrets") || !strings.Contains(out, "3 under it already") {
		t.Errorf("keys reseal again: %v %q; want nothing moved", err, out)
	}

	if out, err := mvgen("keys", "reseal", "--old-key-file", second, "--unseal"); err != nil || !strings.Contains(out, "opened 3 secrets") {
		t.Fatalf("keys reseal --unseal: %v %q", err, out)
	}
	if db := dbText(t, data); strings.Contains(db, seal.Prefix) || !strings.Contains(db, upstream) {
		t.Errorf("after --unseal the database holds:\n%s\nwant the secrets in plain text", db)
	}
	if _, err := mvgen("keys", "list"); err != nil {
		t.Errorf("keys list without a key after --unseal: %v", err)
	}
	if out, err := mvgen("migrate", "--secret-key-file", first); err != nil {
		t.Fatalf("migrate --secret-key-file: %v %q", err, out)
	}
	noPlainText("migrate with the key")
}

// TestSecretKeyFlagErrors: a bad key file is refused naming the flag and
// without quoting what it holds, by every command that reads it.
func TestSecretKeyFlagErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("hunter2-not-a-key\n"), 0o600)
	for _, args := range [][]string{
		{"serve", "--secret-key-file", bad},
		{"keys", "list", "--secret-key-file", bad},
		{"migrate", "--secret-key-file", bad},
		{"keys", "reseal", "--old-key-file", bad, "--unseal"},
	} {
		err := run(context.Background(), append(args, "--data", filepath.Join(dir, "data")), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "-key-file "+bad) || strings.Contains(err.Error(), "hunter2") ||
			!strings.Contains(err.Error(), "mvgen keys new-secret-key") {
			t.Errorf("mvgen %v: %v; want an error naming the flag and the file, not quoting it", args[:2], err)
		}
	}
	err := run(context.Background(), []string{"serve", "--secret-key-file", filepath.Join(dir, "missing"), "--data", dir},
		&bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "reading --secret-key-file") {
		t.Errorf("serve with a missing key file: %v", err)
	}
}

// TestSecretKeyEnv: the key itself in MVGEN_SECRET_KEY, or its file in
// MVGEN_SECRET_KEY_FILE, seals as --secret-key-file does; both the variable
// and a file is refused; a bad variable is refused without being quoted;
// mvgen serve seals at start with it, and warns without a key.
func TestSecretKeyEnv(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	file := newKeyFile(t, dir, "key")
	text, _ := os.ReadFile(file)
	mvgen := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append(args, "--data", data), &out, &errOut)
		return out.String() + errOut.String(), err
	}

	// serve without a key: it says so.
	if log := serveBriefly(t, data); !strings.Contains(log, "secrets are stored unsealed") {
		t.Errorf("serve without a key logged %s; want the warning that secrets are stored unsealed", log)
	}
	t.Setenv(secretKeyEnv, strings.TrimSpace(string(text)))
	if log := serveBriefly(t, data); strings.Contains(log, "unsealed") || !strings.Contains(log, "sealed=1") {
		t.Errorf("serve with %s logged %s; want the link key sealed and no warning", secretKeyEnv, log)
	}
	out, err := mvgen("keys", "create", "--name", "env", "--json")
	var created struct{ WebhookSecret string }
	if err != nil || json.Unmarshal([]byte(out), &created) != nil {
		t.Fatalf("keys create with %s: %v %q", secretKeyEnv, err, out)
	}
	if db := dbText(t, data); strings.Contains(db, created.WebhookSecret) || strings.Count(db, seal.Prefix) != 2 {
		t.Errorf("with %s the database holds:\n%s", secretKeyEnv, db)
	}
	if _, err := mvgen("keys", "list", "--secret-key-file", file); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("keys list with both %s and --secret-key-file: %v, want refused", secretKeyEnv, err)
	}
	t.Setenv(secretKeyEnv, "")
	t.Setenv("MVGEN_SECRET_KEY_FILE", file)
	if _, err := mvgen("keys", "list"); err != nil {
		t.Errorf("keys list with MVGEN_SECRET_KEY_FILE: %v", err)
	}
	t.Setenv("MVGEN_SECRET_KEY_FILE", "")
	t.Setenv(secretKeyEnv, "hunter2-not-a-key")
	if _, err := mvgen("keys", "list"); err == nil || !strings.Contains(err.Error(), secretKeyEnv) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("keys list with a bad %s: %v; want refused, naming it, not quoting it", secretKeyEnv, err)
	}
}

// serveBriefly runs mvgen serve --api-only on data until it serves, and
// returns its log.
func serveBriefly(t *testing.T, data string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--api-only", "--data", data, "--addr", "127.0.0.1:0",
			"--metrics-addr", "127.0.0.1:0"}, &bytes.Buffer{}, logs)
	}()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(logs.String(), "mvgen serving"); {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve: %v\n%s", err, logs)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s", logs)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	return logs.String()
}

// lockedBuffer is a log destination that goroutines share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
