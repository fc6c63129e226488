package mvgen

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAfterCallback(t *testing.T) {
	for _, tt := range []struct {
		from      Status
		delivered bool
		want      Status
	}{
		{StatusSuccess, true, StatusSuccess},
		{StatusSuccess, false, StatusCallbackException},
		{StatusCallbackException, true, StatusSuccess},
		{StatusCallbackException, false, StatusCallbackException},
		{StatusCreateFailed, false, StatusCreateFailed},
		{StatusRenderFailed, true, StatusRenderFailed},
	} {
		if got := tt.from.AfterCallback(tt.delivered); got != tt.want {
			t.Errorf("%s.AfterCallback(%v) = %s, want %s", tt.from, tt.delivered, got, tt.want)
		}
	}
}

func TestRequestValidate(t *testing.T) {
	ok := func(string) error { return nil }
	long := strings.Repeat("周", MaxAuthorRunes)
	for _, tt := range []struct {
		name string
		req  Request
		want string // "" for valid
	}{
		{"valid", Request{TaskID: "m", AudioID: "a", Author: long, DomainName: long, Aspect: "9:16"}, ""},
		{"no taskId", Request{AudioID: "a"}, "taskId is required"},
		{"blank audioId", Request{TaskID: "m", AudioID: "  "}, "audioId is required"},
		{"long id", Request{TaskID: strings.Repeat("x", MaxIDBytes+1), AudioID: "a"}, "taskId must be at most 128 bytes"},
		{"author runes", Request{TaskID: "m", AudioID: "a", Author: long + "x"}, "author must be at most 50 characters (got 51)"},
		{"domain runes", Request{TaskID: "m", AudioID: "a", DomainName: long + "x"}, "domainName must be at most 50"},
		{"aspect", Request{TaskID: "m", AudioID: "a", Aspect: "4:3"}, `aspect: aspect "4:3" is not one of "16:9", "1:1", "9:16" or "4:5"`},
		{"4:5", Request{TaskID: "m", AudioID: "a", Aspect: "4:5"}, ""},
		{"1080p", Request{TaskID: "m", AudioID: "a", Resolution: "1080p"}, ""},
		{"resolution", Request{TaskID: "m", AudioID: "a", Resolution: "4k"}, `resolution: resolution "4k" is not one of "720p" or "1080p"`},
		{"callback", Request{TaskID: "m", AudioID: "a", CallBackURL: "http://10.0.0.1/"}, "callBackUrl: 10.0.0.1 is private"},
	} {
		check := ok
		if tt.req.CallBackURL != "" {
			check = func(string) error { return errors.New("10.0.0.1 is private") }
		}
		err := tt.req.Validate(check)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: got %v, want valid", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(ErrorMessage(err), tt.want) || ErrorCode(err) != EInvalid):
			t.Errorf("%s: got %v, want an invalid error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestRenderKey(t *testing.T) {
	tr := &Track{AudioKey: "sources/a", Title: "T"}
	req := Request{TaskID: "m", AudioID: "a", Author: "A"}
	a, b := req.NewTask("k", tr, time.Now()), req.NewTask("k", tr, time.Now())
	if a.ID == b.ID || a.RenderKey != b.RenderKey {
		t.Errorf("identical requests: ids %s %s, render keys %s %s; want new ids, one key", a.ID, b.ID, a.RenderKey, b.RenderKey)
	}
	req.Author = "B"
	if c := req.NewTask("k", tr, time.Now()); c.RenderKey == a.RenderKey {
		t.Errorf("another author shares render key %s", c.RenderKey)
	}
	// Keys never share a file: identical URL renders of two tenants are two
	// renders (issue 11).
	urlTrack := &Track{AudioURL: "https://example.com/a.mp3", Title: "T"}
	if x, y := req.NewTask("k1", urlTrack, time.Now()), req.NewTask("k2", urlTrack, time.Now()); x.RenderKey == y.RenderKey {
		t.Errorf("two API keys share render key %s for the same URL", x.RenderKey)
	}
	if req.Hash() == (Request{TaskID: "m", AudioID: "a", Author: "A"}).Hash() {
		t.Errorf("different requests share a hash")
	}
}

// TestRenderKeyExtensions: what the video looks like is in the key, what
// means the same is not.
func TestRenderKeyExtensions(t *testing.T) {
	off, on := false, true
	plain := &Track{AudioKey: "sources/a", Title: "T"}
	sung := &Track{AudioKey: "sources/a", Title: "T", Lyrics: "[00:01.00]La", LyricsFormat: "lrc"}
	key := func(tr *Track, r Request) string {
		r.TaskID, r.AudioID = "m", "a"
		return r.NewTask("k", tr, time.Now()).RenderKey
	}
	base := key(plain, Request{})
	for _, tt := range []struct {
		name string
		tr   *Track
		req  Request
		same bool
	}{
		{"720p named", plain, Request{Resolution: "720p"}, true},
		{"16:9 named", plain, Request{Aspect: "16:9"}, true},
		{"1080p", plain, Request{Resolution: "1080p"}, false},
		{"9:16", plain, Request{Aspect: "9:16"}, false},
		{"30 fps named", plain, Request{FPS: 30}, true},
		{"60 fps", plain, Request{FPS: 60}, false},
		{"accent colour", plain, Request{AccentColor: "#2060ff"}, false},
		{"bars named", plain, Request{Theme: "bars"}, true},
		{"lyrics:false on a track without", plain, Request{Lyrics: &off}, true},
		{"track with lyrics", sung, Request{}, false},
		{"track with lyrics, lyrics:true", sung, Request{Lyrics: &on}, false},
		{"track with lyrics, lyrics:false", sung, Request{Lyrics: &off}, true},
		{"safeArea:false in 16:9", plain, Request{SafeArea: &off}, true},
		{"safeArea:true in 16:9", plain, Request{SafeArea: &on}, true},
		{"embedCaptions on a track without lyrics", plain, Request{EmbedCaptions: true}, true},
	} {
		if got := key(tt.tr, tt.req); (got == base) != tt.same {
			t.Errorf("%s: render key equal to the plain request's: got %v, want %v", tt.name, got == base, tt.same)
		}
	}
	if key(plain, Request{AccentColor: "#2060FF"}) != key(plain, Request{AccentColor: "#2060ff"}) {
		t.Errorf("one accent colour in two cases gives two render keys, want one")
	}
	// In 9:16, safeArea:false is another layout; true is the default.
	portrait := key(plain, Request{Aspect: "9:16"})
	if key(plain, Request{Aspect: "9:16", SafeArea: &on}) != portrait || key(plain, Request{Aspect: "9:16", SafeArea: &off}) == portrait {
		t.Errorf("9:16: safeArea:true must share the default's render key, safeArea:false must not")
	}
	if r := (Request{TaskID: "m", AudioID: "a", SafeArea: &off}); !r.NewTask("k", plain, time.Now()).FullFrame {
		t.Errorf("safeArea:false: FullFrame = false, want true")
	}
	if key(sung, Request{EmbedCaptions: true}) == key(sung, Request{}) {
		t.Errorf("embedCaptions on a track with lyrics shares the plain request's render key")
	}
	if key(sung, Request{}) != key(sung, Request{Lyrics: &on}) {
		t.Errorf("lyrics absent and lyrics:true give two render keys, want one")
	}
	if r := (Request{TaskID: "m", AudioID: "a", Lyrics: &off}); !r.NewTask("k", sung, time.Now()).NoLyrics {
		t.Errorf("lyrics:false: NoLyrics = false, want true")
	}
	// Requests made before the extensions existed keep their hash (an
	// Idempotency-Key replay across the upgrade).
	before := `{"taskId":"m","audioId":"a","callBackUrl":"","author":"","domainName":"","aspect":""}`
	sum := sha256.Sum256([]byte(before))
	if got, want := (Request{TaskID: "m", AudioID: "a"}).Hash(), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("Hash without extensions = %s, want %s (the hash before they existed)", got, want)
	}
	if (Request{TaskID: "m", AudioID: "a"}).Hash() == (Request{TaskID: "m", AudioID: "a", Lyrics: &on}).Hash() {
		t.Errorf("lyrics:true does not change the request's hash")
	}
}

func TestKey(t *testing.T) {
	k, token := NewKey("n", "whsec_x", time.Now())
	if !strings.HasPrefix(token, "mvk_") || len(token) != 4+32 || string(k.TokenHash) != string(HashToken(token)) {
		t.Errorf("NewKey: token %q hash %x", token, k.TokenHash)
	}
	now := time.Now()
	k.PrevWebhookSecret, k.PrevSecretUntil = "whsec_old", now.Add(time.Hour)
	if got := k.Signing(now); len(got) != 2 || got[0] != "whsec_x" {
		t.Errorf("Signing during overlap = %v", got)
	}
	if got := k.Signing(now.Add(2 * time.Hour)); len(got) != 1 {
		t.Errorf("Signing after overlap = %v", got)
	}
}
