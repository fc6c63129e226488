package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/seal"
	"github.com/mvgen/mvgen/internal/server"
)

// TestSealedSecrets (issue 19, item 11): a node started without an
// operator key says in its log that secrets are stored unsealed; started
// with one, it seals the secrets stored in plain text, so the database
// file holds none of them, and still signs callbacks with the key's
// webhook secret and serves its links. Without the key, or with another,
// it refuses to start naming the flag; after ResealSecrets it starts with
// the new key.
func TestSealedSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logs := &syncBuffer{}
	cfg := server.Config{DataDir: dir, Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(logs, nil))}
	plain, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, plain.Store(), "")
	plain.Close()
	if !strings.Contains(logs.String(), "secrets are stored unsealed") {
		t.Errorf("log without an operator key = %s, want the warning that secrets are stored unsealed", logs)
	}

	key := mustSealKey(t)
	cfg.SecretKey = key
	sealed := startServer(t, cfg)
	c.base = sealed.URL()
	if log := logs.String(); !strings.Contains(log, "sealed the secrets stored in plain text") || !strings.Contains(log, "sealed=2") {
		t.Errorf("log with an operator key = %s, want the webhook secret and the link key sealed", log)
	}
	if db := rawRows(t, filepath.Join(dir, "mvgen.db")); strings.Contains(db, c.secret) ||
		strings.Count(db, seal.Prefix) != 2 {
		t.Errorf("the database holds the webhook secret, or not 2 sealed values:\n%s", db)
	}
	rcv := newReceiver(t)
	audio := makeAudio(t, t.TempDir(), "track.mp3", 2)
	musicID, audioID := c.upload(audio, "", "Sealed")
	id := c.generate(map[string]any{"taskId": musicID, "audioId": audioID, "callBackUrl": rcv.URL + "/hook"})
	cb := rcv.next(t, 2*time.Minute)
	verifySignatures(t, cb, c.secret, id)
	var ev struct {
		Data struct {
			VideoURL string `json:"video_url"`
		} `json:"data"`
	}
	if err := json.Unmarshal(cb.body, &ev); err != nil || ev.Data.VideoURL == "" {
		t.Fatalf("callback %s: %v", cb.body, err)
	}
	download(t, ev.Data.VideoURL, filepath.Join(t.TempDir(), "v.mp4"))
	sealed.stop(t)

	open := func(k *seal.Key) error {
		cfg := server.Config{DataDir: dir, Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0", SecretKey: k}
		s, err := server.Open(context.Background(), cfg)
		if err == nil {
			s.Close()
		}
		return err
	}
	for _, tc := range []struct {
		name string
		key  *seal.Key
		want error
	}{
		{"without the key", nil, seal.ErrNoKey},
		{"with another key", mustSealKey(t), seal.ErrWrongKey},
	} {
		if err := open(tc.key); !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "--secret-key-file") {
			t.Errorf("server.Open %s: %v, want %v naming --secret-key-file", tc.name, err, tc.want)
		}
	}

	next := mustSealKey(t)
	r, err := server.ResealSecrets(context.Background(), server.Config{DataDir: dir, SecretKey: next}, key)
	if err != nil || r.Resealed != 2 {
		t.Fatalf("ResealSecrets = %+v, %v; want 2 resealed", r, err)
	}
	if err := open(next); err != nil {
		t.Errorf("server.Open with the new key after ResealSecrets: %v", err)
	}
	if err := open(key); !errors.Is(err, seal.ErrWrongKey) {
		t.Errorf("server.Open with the old key after ResealSecrets: %v, want ErrWrongKey", err)
	}
}

func mustSealKey(t *testing.T) *seal.Key {
	t.Helper()
	k, err := seal.ParseKey(seal.NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// rawRows is what a dump of the SQLite file's secret tables shows.
func rawRows(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, webhook_secret, prev_webhook_secret, upstream_key FROM mvgen_key`,
		`SELECT name, value FROM mvgen_secret`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v\t", v)
			}
			b.WriteString("\n")
		}
		rows.Close()
	}
	return b.String()
}
