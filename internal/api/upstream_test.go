package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api/apitest"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/internal/upstream"
	"github.com/mvgen/mvgen/internal/upstream/upstreamtest"
)

const secretUpstreamKey = "sk-live-7d41c0ffee"

// TestGenerateUpstream covers contract §6.1 at the API: a generate for a
// track the caller's catalogue lacks looks it up upstream once, and every
// way the lookup fails answers its documented code, never the upstream key.
func TestGenerateUpstream(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	fake, err := upstreamtest.Start(t.TempDir(), secretUpstreamKey, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	allowLoopback := &netguard.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	f.h.Upstream = &upstream.Lookup{Client: &upstream.Client{BaseURL: fake.URL, Timeout: 300 * time.Millisecond},
		Store: f.db, CheckURL: allowLoopback.CheckURL}

	with := f.upstreamClient("with", secretUpstreamKey)
	wrong := f.upstreamClient("wrong", "sk-wrong-upstream-key")
	without := f.client("without")
	musicID, audioIDs := fake.AddTask("SUCCESS", "Morning", "Evening")
	pendingID, pendingAudio := fake.AddTask("FIRST_SUCCESS", "Unfinished")

	// Found: stored in the caller's catalogue; the second generate for it
	// makes no second lookup.
	for range 2 {
		with.generate(map[string]any{"taskId": musicID, "audioId": audioIDs[1], "author": "Ada"})
	}
	if got := fake.Lookups(); got != 1 {
		t.Errorf("upstream lookups after two generates for one track = %d, want 1", got)
	}
	e := with.do(http.MethodGet, "/api/v1/tracks?taskId="+musicID, "", nil)
	if e.Code != 200 || !strings.Contains(string(e.Data), `"audioId":"`+audioIDs[1]+`"`) ||
		!strings.Contains(string(e.Data), `"musicIndex":1`) || !strings.Contains(string(e.Data), `"upstream":true`) {
		t.Errorf("catalogue after the lookup: %d %s", e.Code, e.Data)
	}

	for _, tc := range []struct {
		name       string
		c          *client
		fail       upstreamtest.Failure
		music      string
		audio      string
		status     int
		code       int
		msg        string
		retryAfter string
	}{
		{"no upstream key", without, upstreamtest.OK, musicID, audioIDs[0], 404, 404, "register it with POST /api/v1/tracks", ""},
		{"no such task", with, upstreamtest.OK, "nope", "x", 404, 404, `no track with audioId "x" in taskId "nope"`, ""},
		{"no such track", with, upstreamtest.OK, musicID, "x", 404, 404, `no track with audioId "x" in taskId "` + musicID + `"`, ""},
		{"not finished", with, upstreamtest.OK, pendingID, pendingAudio[0], 409, 409, "retry generate when it is SUCCESS", ""},
		{"upstream key refused", wrong, upstreamtest.OK, musicID, audioIDs[0], 403, 403, "refused this API key's upstream key", ""},
		{"refused in the body", with, upstreamtest.RefuseInBody, musicID, audioIDs[0], 403, 403, "refused", ""},
		{"upstream 503", with, upstreamtest.Unavailable, musicID, audioIDs[0], 503, 455, "retry in 7 seconds", "7"},
		{"upstream maintenance", with, upstreamtest.Maintenance, musicID, audioIDs[0], 503, 455, "retry in 15 seconds", "15"},
		{"upstream hangs", with, upstreamtest.Hang, musicID, audioIDs[0], 503, 455, "did not answer within 300ms", "15"},
		{"not record-info", with, upstreamtest.NotEnvelope, musicID, audioIDs[0], 503, 455, "something other than record-info", "15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake.Fail(tc.fail)
			defer fake.Fail(upstreamtest.OK)
			status, header, e := tc.c.generateRaw(map[string]any{"taskId": tc.music, "audioId": tc.audio})
			if status != tc.status || e.Code != tc.code {
				t.Fatalf("HTTP %d code %d (%s), want HTTP %d code %d", status, e.Code, e.Msg, tc.status, tc.code)
			}
			if !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("msg = %q, want it to contain %q", e.Msg, tc.msg)
			}
			if got := header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
			for _, secret := range []string{secretUpstreamKey, "sk-wrong-upstream-key"} {
				if strings.Contains(e.Msg, secret) {
					t.Errorf("msg %q contains an upstream key", e.Msg)
				}
			}
		})
	}
}

// upstreamClient is a client whose key carries upstreamKey.
func (f *fixture) upstreamClient(name, upstreamKey string) *client {
	f.t.Helper()
	k, token := mvgen.NewKey(name, "whsec_dGVzdA==", time.Now())
	k.UpstreamKey = upstreamKey
	if err := f.db.CreateKey(context.Background(), k); err != nil {
		f.t.Fatal(err)
	}
	return &client{t: f.t, base: f.srv.URL, token: token}
}

// generateRaw posts a generate and returns the status, headers and
// envelope, checked against docs/openapi.yaml.
func (c *client) generateRaw(body map[string]any) (int, http.Header, envelope) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, c.base+"/api/v1/mp4/generate", strings.NewReader(string(b)))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := apitest.Client(c.t, c.base).Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var e envelope
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		c.t.Fatalf("answer is not the envelope: %v", err)
	}
	return resp.StatusCode, resp.Header, e
}
