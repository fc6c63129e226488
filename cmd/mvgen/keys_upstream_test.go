package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/server"
)

// TestKeysUpstream runs `mvgen keys create --upstream-key` and
// `keys set-upstream` against a real SQLite database: the upstream key is
// stored, and printed by no command.
func TestKeysUpstream(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	const first, second = "sk-first-upstream-0a1b2c3d", "sk-second-upstream-4e5f6a7b"
	mvgen := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append(args, "--data", data), &out, &errOut)
		all := out.String() + errOut.String()
		if strings.Contains(all, first) || strings.Contains(all, second) {
			t.Errorf("mvgen %v printed an upstream key: %q", args, all)
		}
		return all, err
	}
	stored := func(id string) string {
		s, err := server.OpenStore(ctx, server.Config{DataDir: data})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		k, err := s.Key(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return k.UpstreamKey
	}

	out, err := mvgen("keys", "create", "--name", "ada", "--upstream-key", first, "--json")
	var created struct{ ID string }
	if err != nil || json.Unmarshal([]byte(out), &created) != nil {
		t.Fatalf("keys create --upstream-key: %v %q", err, out)
	}
	if got := stored(created.ID); got != first {
		t.Errorf("stored upstream key = %q, want %q", got, first)
	}
	if out, _ := mvgen("keys", "list"); !strings.Contains(out, "UPSTREAM KEY") || !strings.Contains(out, "set") {
		t.Errorf("keys list = %q, want the upstream key shown as set", out)
	}
	for _, tc := range []struct {
		args []string
		want string // stored afterwards
	}{
		{[]string{"--upstream-key", second}, second},
		{[]string{"--clear"}, ""},
	} {
		if out, err := mvgen(append([]string{"keys", "set-upstream", created.ID}, tc.args...)...); err != nil {
			t.Fatalf("keys set-upstream %v: %v %q", tc.args, err, out)
		}
		if got := stored(created.ID); got != tc.want {
			t.Errorf("after set-upstream %v: stored %q, want %q", tc.args, got, tc.want)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "set-upstream", created.ID}, "--upstream-key KEY is required"},
		{[]string{"keys", "set-upstream", created.ID, "--upstream-key", first, "--clear"}, "not both"},
		{[]string{"keys", "set-upstream", "--upstream-key", first}, "want one key id or name"},
		{[]string{"keys", "set-upstream", "key_nope", "--upstream-key", first}, "no key named or with id key_nope"},
	} {
		if _, err := mvgen(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("mvgen %v: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}
