package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestValidation covers every 4xx rule of contract §1-2.
func TestValidation(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverConfig(t.TempDir()))
	c := newClient(t, srv.Store(), srv.URL())
	other := newClient(t, srv.Store(), srv.URL())
	musicID, audioID := c.upload(makeAudio(t, t.TempDir(), "a.mp3", 2), "", "t")
	ok := func(extra map[string]any) map[string]any {
		m := map[string]any{"taskId": musicID, "audioId": audioID}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	otherTask := other.generate(func() map[string]any {
		m, a := other.upload(makeAudio(t, t.TempDir(), "b.mp3", 2), "", "t")
		return map[string]any{"taskId": m, "audioId": a}
	}())

	for _, tc := range []struct {
		name    string
		token   string // "" keeps c's key; "-" sends none
		body    any
		want    int
		wantMsg string
	}{
		{"no key", "-", ok(nil), 401, "missing API key"},
		{"unknown key", "mvk_nope", ok(nil), 401, "unknown API key"},
		{"not JSON", "", `{"taskId":`, 400, "not valid JSON"},
		{"not an object", "", `[1,2]`, 400, "JSON object"},
		{"wrong type", "", `{"taskId": 5, "audioId": "x"}`, 400, "taskId must be a JSON string"},
		{"taskId missing", "", map[string]any{"audioId": audioID}, 422, "taskId is required"},
		{"audioId missing", "", map[string]any{"taskId": musicID}, 422, "audioId is required"},
		{"audioId blank", "", ok(map[string]any{"audioId": "   "}), 422, "audioId is required"},
		{"taskId too long", "", ok(map[string]any{"taskId": strings.Repeat("x", 129)}), 422, "taskId must be at most"},
		{"callBackUrl relative", "", ok(map[string]any{"callBackUrl": "/hook"}), 422, "callBackUrl"},
		{"callBackUrl ftp", "", ok(map[string]any{"callBackUrl": "ftp://example.com/x"}), 422, "callBackUrl"},
		{"callBackUrl private IP", "", ok(map[string]any{"callBackUrl": "http://10.0.0.1/x"}), 422, "callBackUrl"},
		{"callBackUrl metadata", "", ok(map[string]any{"callBackUrl": "http://169.254.169.254/latest"}), 422, "callBackUrl"},
		{"callBackUrl too long", "", ok(map[string]any{"callBackUrl": "https://example.com/" + strings.Repeat("a", 2048)}), 422, "callBackUrl"},
		{"author 51 runes", "", ok(map[string]any{"author": strings.Repeat("周", 51)}), 422, "author must be at most 50 characters"},
		{"domainName 51", "", ok(map[string]any{"domainName": strings.Repeat("d", 51)}), 422, "domainName must be at most 50"},
		{"aspect unknown", "", ok(map[string]any{"aspect": "4:3"}), 422, "aspect"},
		{"aspect wrong type", "", ok(map[string]any{"aspect": 169}), 400, "aspect must be a JSON string"},
		{"unknown track", "", ok(map[string]any{"audioId": "nope"}), 404, "no track"},
		{"another key's track", "", func() map[string]any {
			m, a := other.upload(makeAudio(t, t.TempDir(), "c.mp3", 2), "", "t")
			return map[string]any{"taskId": m, "audioId": a}
		}(), 404, "no track"},
		{"body too large", "", `{"taskId":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "limit"},
		{"author 50 CJK runes is fine", "", ok(map[string]any{"author": strings.Repeat("周", 50)}), 200, "success"},
		{"no callBackUrl is fine", "", ok(map[string]any{"domainName": "example.com"}), 200, "success"},
		{"aspect 9:16 is fine", "", ok(map[string]any{"aspect": "9:16"}), 200, "success"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc := *c
			cc.t = t
			switch tc.token {
			case "-":
				cc.token = ""
			case "":
			default:
				cc.token = tc.token
			}
			e := cc.postJSON("/api/v1/mp4/generate", tc.body)
			if e.Code != tc.want || e.HTTP != tc.want || !strings.Contains(e.Msg, tc.wantMsg) {
				t.Errorf("got code %d (HTTP %d) %q, want %d with %q", e.Code, e.HTTP, e.Msg, tc.want, tc.wantMsg)
			}
		})
	}

	t.Run("another key's task is 404", func(t *testing.T) {
		cc := *c
		cc.t = t
		if _, e := cc.record(otherTask); e.Code != 404 || e.HTTP != 404 {
			t.Errorf("record-info of another key's task = %d, want 404", e.Code)
		}
		if _, e := other.record(otherTask); e.Code != 200 {
			t.Errorf("record-info of own task = %d %s, want 200", e.Code, e.Msg)
		}
	})
	t.Run("record-info without taskId", func(t *testing.T) {
		if e := c.do(http.MethodGet, "/api/v1/mp4/record-info", "", nil); e.Code != 422 {
			t.Errorf("got %d, want 422", e.Code)
		}
	})
	t.Run("unknown route", func(t *testing.T) {
		if e := c.do(http.MethodGet, "/api/v1/nope", "", nil); e.Code != 404 || e.HTTP != 404 {
			t.Errorf("got %d, want 404", e.Code)
		}
	})
	t.Run("idempotency", func(t *testing.T) {
		body := ok(map[string]any{"author": "A"})
		first := c.postJSON("/api/v1/mp4/generate", body, "Idempotency-Key", "k1")
		again := c.postJSON("/api/v1/mp4/generate", body, "Idempotency-Key", "k1")
		if first.Code != 200 || string(first.Data) != string(again.Data) {
			t.Errorf("same key and body: %s then %s, want the same taskId", first.Data, again.Data)
		}
		body["author"] = "B"
		if e := c.postJSON("/api/v1/mp4/generate", body, "Idempotency-Key", "k1"); e.Code != 409 {
			t.Errorf("same key, other body: %d %s, want 409", e.Code, e.Msg)
		}
		fresh := c.postJSON("/api/v1/mp4/generate", body)
		if fresh.Code != 200 || string(fresh.Data) == string(first.Data) {
			t.Errorf("without a key a repeat makes a new task: got %s", fresh.Data)
		}
	})
	t.Run("revoked key", func(t *testing.T) {
		rc := newClient(t, srv.Store(), srv.URL())
		keys, _ := srv.Store().Keys(context.Background())
		for _, k := range keys {
			if k.Name == t.Name() {
				srv.Store().RevokeKey(context.Background(), k.ID, time.Now())
			}
		}
		if e := rc.postJSON("/api/v1/mp4/generate", ok(nil)); e.Code != 401 || !strings.Contains(e.Msg, "revoked") {
			t.Errorf("revoked key: %d %q, want 401 revoked", e.Code, e.Msg)
		}
	})
	t.Run("track upload without audio", func(t *testing.T) {
		if e := c.postJSON("/api/v1/tracks", map[string]any{"title": "x"}); e.Code != 422 || !strings.Contains(e.Msg, "audioUrl") {
			t.Errorf("got %d %q, want 422 naming audioUrl", e.Code, e.Msg)
		}
		if e := c.postJSON("/api/v1/tracks", map[string]any{"audioUrl": "http://192.168.1.1/a.mp3"}); e.Code != 422 {
			t.Errorf("blocked audioUrl: got %d, want 422", e.Code)
		}
		if e := c.do(http.MethodGet, "/api/v1/tracks?taskId="+musicID, "", nil); e.Code != 200 || !strings.Contains(string(e.Data), audioID) {
			t.Errorf("GET tracks: %d %s", e.Code, e.Data)
		}
		oc := *other
		oc.t = t
		if e := oc.do(http.MethodGet, "/api/v1/tracks?taskId="+musicID, "", nil); e.Code != 404 {
			t.Errorf("another key's tracks: got %d, want 404", e.Code)
		}
	})
}
