package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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
	var listed []struct {
		ID    string
		Tasks *int
	}
	if out, _ := mvgen("keys", "list", "--json"); json.Unmarshal([]byte(out), &listed) != nil || len(listed) != 1 ||
		listed[0].Tasks == nil || *listed[0].Tasks != 0 {
		t.Errorf("keys list --json = %q, want the key with \"tasks\": 0", out)
	}
	if out, _ := mvgen("keys", "list"); !strings.Contains(out, "TASKS") {
		t.Errorf("keys list = %q, want a TASKS column", out)
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

// TestHelp: every command and subcommand answers -h and --help with its
// usage and exit status 0; no command at all is usage and status 2.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string // in the output
	}{
		{[]string{"-h"}, "mvgen serve"},
		{[]string{"--help"}, "mvgen serve"},
		{[]string{"help"}, "mvgen keys"},
		{[]string{"serve", "-h"}, "Usage: mvgen serve"},
		{[]string{"serve", "--help"}, "-callback-allow-net"},
		{[]string{"keys", "-h"}, "rotate-secret ID|NAME"},
		{[]string{"keys", "--help"}, "Usage: mvgen keys COMMAND"},
		{[]string{"keys", "create", "-h"}, "Usage: mvgen keys create --name NAME"},
		{[]string{"keys", "list", "--help"}, "secret rotation"},
		{[]string{"keys", "revoke", "-h"}, "Usage: mvgen keys revoke ID|NAME"},
		{[]string{"keys", "rotate-secret", "--help"}, "MVGEN_SECRET=NEW,OLD"},
		{[]string{"render", "--help"}, "Usage: mvgen render AUDIO -o OUT.mp4"},
		{[]string{"render", "-h"}, "-cover"},
		{[]string{"receive", "-h"}, "-secret whsec_…"},
		{[]string{"receive", "--help"}, ".mvgen-receive.json"},
		{[]string{"video", "-h"}, "-key KEY"},
		{[]string{"migrate", "--help"}, "Usage: mvgen migrate"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, &out, &errOut)
		got := out.String() + errOut.String()
		if code := exitCode(err); code != 0 || !strings.Contains(got, tc.want) {
			t.Errorf("mvgen %v: exit %d (%v), output %q; want 0 and %q", tc.args, code, err, got, tc.want)
		}
		if strings.Contains(got, "-secret mvgen") || strings.Contains(got, "-key mvgen") {
			t.Errorf("mvgen %v: a backquoted phrase became a flag's argument name: %q", tc.args, got)
		}
	}
	for _, args := range [][]string{nil, {"keys"}, {"nope"}, {"keys", "nope"}} {
		if code := exitCode(run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})); code != 2 {
			t.Errorf("mvgen %v: exit %d, want 2", args, code)
		}
	}
}

// TestKeysByName: revoke and rotate-secret take an id or a name, say what
// is wrong with an unknown or revoked key, and rotate-secret keeps
// demo-key.json current; keys list shows a rotation in progress.
func TestKeysByName(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	mvgen := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append(args, "--data", data), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	out, err := mvgen("keys", "create", "--name", "demo", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var demo struct{ ID, APIKey, WebhookSecret string }
	json.Unmarshal([]byte(out), &demo)
	if err := os.WriteFile(filepath.Join(data, "demo-key.json"), []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err = mvgen("keys", "rotate-secret", "demo", "--json"); err != nil {
		t.Fatalf("rotate-secret by name: %v %s", err, out)
	}
	var rotated struct{ WebhookSecret string }
	json.Unmarshal([]byte(out), &rotated)
	saved, _ := os.ReadFile(filepath.Join(data, "demo-key.json"))
	var file struct{ ID, APIKey, WebhookSecret, PreviousWebhookSecret string }
	json.Unmarshal(saved, &file)
	if file.WebhookSecret != rotated.WebhookSecret || file.PreviousWebhookSecret != demo.WebhookSecret ||
		file.APIKey != demo.APIKey || file.ID != demo.ID {
		t.Errorf("demo-key.json after rotation = %s; want the new secret, the old as previous, the same key", saved)
	}
	if out, _ := mvgen("keys", "list"); !strings.Contains(out, "secret rotation") {
		t.Errorf("keys list during a rotation = %q, want it to say so", out)
	}
	for _, tc := range []struct {
		args []string
		want string // in the error; "" for success
	}{
		{[]string{"keys", "revoke", "bob"}, "no key named or with id bob"},
		{[]string{"keys", "rotate-secret", "bob"}, "no key named or with id bob"},
		{[]string{"keys", "revoke", "demo"}, ""},
		{[]string{"keys", "revoke", "demo"}, "already revoked on "},
		{[]string{"keys", "revoke", demo.ID}, "already revoked on "},
	} {
		out, err := mvgen(tc.args...)
		if tc.want == "" {
			if err != nil {
				t.Errorf("mvgen %v: %v %s", tc.args, err, out)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("mvgen %v: got error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}

// TestMigrateSaysWhatItDid: the first migrate names what it created, the
// second says there was nothing to do.
func TestMigrateSaysWhatItDid(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	migrate := func() string {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"migrate", "--data", data}, &out, &errOut); err != nil {
			t.Fatalf("migrate: %v %s", err, errOut.String())
		}
		return out.String()
	}
	if got := migrate(); !strings.Contains(got, "applied") || !strings.Contains(got, "001_") || !strings.Contains(got, "river ") {
		t.Errorf("first migrate = %q, want the migrations it applied named", got)
	}
	if got := migrate(); !strings.Contains(got, "no migration to apply") {
		t.Errorf("second migrate = %q, want it to say there was nothing to do", got)
	}
}
