package backup_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/backup"
	"github.com/mvgen/mvgen/internal/link"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/seal"
	"github.com/mvgen/mvgen/internal/server"
)

// TestBackupSealedSecrets (issue 19, item 11): with secrets sealed by an
// operator key, an archive holds none of them in plain text (nor the key);
// restored, the data starts only with that key, and then every secret and
// the link key read as they were.
func TestBackupSealedSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key, err := seal.ParseKey(seal.NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	dirA := filepath.Join(t.TempDir(), "a")
	a, err := server.OpenStore(ctx, server.Config{DataDir: dirA, SecretKey: key})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := mvgen.NewKey("sealed", "whsec_c2VhbGVkLWluLXRoZS1iYWNrdXA=", time.Now())
	k.UpstreamKey = "sk-upstream-in-the-backup-0a1b2c"
	if err := a.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	linkKey, err := a.Secret(ctx, "link-key", link.NewKey)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()

	var archive bytes.Buffer // uncompressed: the database file's bytes as they are
	if _, err := backup.Write(ctx, backup.DataDir(dirA), &archive, backup.Options{Version: "test"}); err != nil {
		t.Fatalf("backup.Write: %v", err)
	}
	for _, secret := range [][]byte{[]byte(k.WebhookSecret), []byte(k.UpstreamKey), linkKey} {
		if bytes.Contains(archive.Bytes(), secret) {
			t.Errorf("the archive holds the secret %q in plain text", secret)
		}
	}
	if n := bytes.Count(archive.Bytes(), []byte(seal.Prefix)); n < 3 {
		t.Errorf("the archive holds %d sealed values, want the 3 secrets sealed", n)
	}

	dirB := filepath.Join(t.TempDir(), "b")
	if _, err := backup.Restore(ctx, bytes.NewReader(archive.Bytes()), dirB, backup.RestoreOptions{}); err != nil {
		t.Fatalf("backup.Restore: %v", err)
	}
	if _, err := server.OpenStore(ctx, server.Config{DataDir: dirB}); !errors.Is(err, seal.ErrNoKey) ||
		!strings.Contains(err.Error(), "--secret-key-file") {
		t.Errorf("restored data opened without the operator key: %v, want refused naming --secret-key-file", err)
	}
	b, err := server.OpenStore(ctx, server.Config{DataDir: dirB, SecretKey: key})
	if err != nil {
		t.Fatalf("restored data with the operator key: %v", err)
	}
	defer b.Close()
	got, err := b.KeyByTokenHash(ctx, k.TokenHash)
	if err != nil || got.WebhookSecret != k.WebhookSecret || got.UpstreamKey != k.UpstreamKey {
		t.Errorf("restored key = %v, %v; want its secrets as they were", got, err)
	}
	if restored, err := b.Secret(ctx, "link-key", link.NewKey); err != nil || !bytes.Equal(restored, linkKey) {
		t.Errorf("restored link key differs (%v): links given out before the backup would fail", err)
	}
}
