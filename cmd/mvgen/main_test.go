package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestKeys runs `mvgen keys` create, list, rotate-secret and revoke against a
// real SQLite database.
func TestKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	mvgen := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append(args, "--data", data), &out, &errOut)
		return out.String() + errOut.String(), err
	}

	out, err := mvgen("keys", "create", "--name", "alice", "--json")
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, out)
	}
	var created struct{ ID, APIKey, WebhookSecret string }
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("keys create --json printed %q: %v", out, err)
	}
	if !strings.HasPrefix(created.APIKey, "mvk_") || !strings.HasPrefix(created.WebhookSecret, "whsec_") || created.ID == "" {
		t.Errorf("created = %+v", created)
	}
	if out, _ := mvgen("keys", "list"); !strings.Contains(out, created.ID) || !strings.Contains(out, "alice") ||
		!strings.Contains(out, "active") || strings.Contains(out, created.APIKey) {
		t.Errorf("keys list = %q: want the id, name and status, never the key", out)
	}
	out, err = mvgen("keys", "rotate-secret", created.ID, "--json")
	if err != nil || !strings.Contains(out, "whsec_") || strings.Contains(out, created.WebhookSecret) {
		t.Errorf("keys rotate-secret = %q, %v", out, err)
	}
	if out, err := mvgen("keys", "revoke", created.ID); err != nil {
		t.Errorf("keys revoke: %v %s", err, out)
	}
	if out, _ := mvgen("keys", "list"); !strings.Contains(out, "revoked") {
		t.Errorf("keys list after revoke = %q", out)
	}
	for _, args := range [][]string{
		{"keys", "create"},
		{"keys", "revoke"},
		{"keys", "revoke", "nope"},
		{"keys", "frobnicate"},
		{"nope"},
	} {
		if out, err := mvgen(args...); err == nil {
			t.Errorf("mvgen %v: no error (output %q)", args, out)
		}
	}
}

// TestEnvFlags: MVGEN_<FLAG> sets a flag; a flag on the command line wins.
func TestEnvFlags(t *testing.T) {
	t.Setenv("MVGEN_NAME", "from-env")
	t.Setenv("MVGEN_ALLOW", "10.0.0.0/8, 192.168.0.0/16")
	for _, tc := range []struct {
		args      []string
		wantName  string
		wantAllow int
	}{
		{nil, "from-env", 2},
		{[]string{"--name", "from-flag", "--allow", "127.0.0.0/8"}, "from-flag", 1},
	} {
		fs := newFlags("test", &bytes.Buffer{})
		name := fs.String("name", "", "")
		var allow multiFlag
		fs.Var(&allow, "allow", "")
		if _, err := parse(fs, tc.args); err != nil {
			t.Fatal(err)
		}
		if *name != tc.wantName || len(allow) != tc.wantAllow {
			t.Errorf("args %v: name %q allow %v, want %q and %d networks", tc.args, *name, allow, tc.wantName, tc.wantAllow)
		}
	}
}
