package mvgen

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestKeyKeepsSecretsOutOfLogs: a key logged or printed shows its id and
// name, never its webhook secrets or upstream key.
func TestKeyKeepsSecretsOutOfLogs(t *testing.T) {
	k, _ := NewKey("alice", "whsec_c2VjcmV0", time.Now())
	k.PrevWebhookSecret, k.UpstreamKey = "whsec_b2xk", "sk-upstream-secret"
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("key", "key", k)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("key", "key", k)
	for _, out := range []string{logs.String(), fmt.Sprint(k), fmt.Sprintf("%v %s", k, k)} {
		if !strings.Contains(out, k.ID) {
			t.Errorf("output %q does not name the key's id", out)
		}
		for _, secret := range []string{k.WebhookSecret, k.PrevWebhookSecret, k.UpstreamKey} {
			if strings.Contains(out, secret) {
				t.Errorf("output %q contains a secret", out)
			}
		}
	}
}
