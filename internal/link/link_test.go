package link

import (
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// goldenSig was computed outside Go:
//
//	printf 'mvgen-link-v1\ntask123\n1767225600' |
//	  openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef -binary |
//	  basenc --base64url | tr -d =
const goldenSig = "DwYOaKJFM7zhHJcLkpEqd1amo-T5GI35oMQwm_-eV-A"

// parts splits a link made by URL into what the download handler passes to
// Check: the unescaped task id and the raw query parameters.
func parts(t testing.TB, base, link string) (taskID, expires, sig string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", link, err)
	}
	b, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", base, err)
	}
	prefix := b.Path + "/v1/videos/"
	file, ok := strings.CutPrefix(u.Path, prefix)
	if !ok {
		t.Fatalf("link %q: path %q does not start with %q", link, u.Path, prefix)
	}
	taskID, ok = strings.CutSuffix(file, ".mp4")
	if !ok {
		t.Fatalf("link %q: path %q does not end in .mp4", link, u.Path)
	}
	q := u.Query()
	return taskID, q.Get("expires"), q.Get("sig")
}

func TestURL(t *testing.T) {
	t.Parallel()
	exp := time.Unix(1767225600, 0)
	const rest = "/v1/videos/task123.mp4?expires=1767225600&sig=" + goldenSig
	tests := []struct {
		base string
		want string
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080" + rest},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080" + rest},
		{"https://example.com/mvgen", "https://example.com/mvgen" + rest},
		{"https://example.com/mvgen/", "https://example.com/mvgen" + rest},
		{"https://example.com/a/b//", "https://example.com/a/b" + rest},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			t.Parallel()
			s := &Signer{Key: testKey, BaseURL: tt.base}
			got := s.URL("task123", exp)
			if got != tt.want {
				t.Errorf("URL: got %q, want %q", got, tt.want)
			}
			taskID, expires, sig := parts(t, tt.base, got)
			if err := s.Check(taskID, expires, sig, exp.Add(-time.Hour)); err != nil {
				t.Errorf("Check of %q: got %v, want nil", got, err)
			}
		})
	}
}

func TestURLEscapesTaskID(t *testing.T) {
	t.Parallel()
	s := &Signer{Key: testKey, BaseURL: "http://h"}
	exp := time.Unix(2000000000, 0)
	const id = "a/b?c#d e%f"
	got := s.URL(id, exp)
	if !strings.HasPrefix(got, "http://h/v1/videos/a%2Fb%3Fc%23d%20e%25f.mp4?expires=2000000000&sig=") {
		t.Errorf("URL(%q): got %q, want the task id path-escaped", id, got)
	}
	taskID, expires, sig := parts(t, "http://h", got)
	if taskID != id {
		t.Errorf("task id from the link: got %q, want %q", taskID, id)
	}
	if err := s.Check(taskID, expires, sig, exp); err != nil {
		t.Errorf("Check: got %v, want nil", err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	s := &Signer{Key: testKey, BaseURL: "http://127.0.0.1:8080"}
	exp := time.Unix(1767225600, 0)
	const id = "task123"
	valid := s.URL(id, exp)
	_, expStr, sig := parts(t, s.BaseURL, valid)
	other := &Signer{Key: NewKey(), BaseURL: s.BaseURL}
	_, _, otherSig := parts(t, s.BaseURL, other.URL(id, exp))
	_, laterExp, laterSig := parts(t, s.BaseURL, s.URL(id, exp.Add(time.Hour)))
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}

	tests := []struct {
		name                 string
		taskID, expires, sig string
		now                  time.Time
		want                 error
	}{
		{"valid", id, expStr, sig, exp.Add(-Validity), nil},
		{"valid at the expiry second", id, expStr, sig, exp, nil},
		{"expired by a nanosecond", id, expStr, sig, exp.Add(time.Nanosecond), ErrExpired},
		{"expired long ago", id, expStr, sig, exp.Add(Retention), ErrExpired},
		{"altered task id", "task124", expStr, sig, exp.Add(-time.Hour), ErrInvalid},
		{"task id with suffix", id + ".mp4", expStr, sig, exp.Add(-time.Hour), ErrInvalid},
		{"empty task id", "", expStr, sig, exp.Add(-time.Hour), ErrInvalid},
		{"extended expiry", id, strconv.FormatInt(exp.Unix()+int64(Validity/time.Second), 10), sig, exp.Add(-time.Hour), ErrInvalid},
		{"altered expiry, expired", id, strconv.FormatInt(exp.Unix()-1, 10), sig, exp.Add(time.Hour), ErrInvalid},
		{"expiry with leading zero", id, "0" + expStr, sig, exp.Add(-time.Hour), ErrInvalid},
		{"expiry with plus sign", id, "+" + expStr, sig, exp.Add(-time.Hour), ErrInvalid},
		{"expiry not a number", id, "soon", sig, exp.Add(-time.Hour), ErrInvalid},
		{"empty expiry", id, "", sig, exp.Add(-time.Hour), ErrInvalid},
		{"signature of another expiry", id, expStr, laterSig, exp.Add(-time.Hour), ErrInvalid},
		{"another link's own expiry and signature", id, laterExp, laterSig, exp.Add(-time.Hour), nil},
		{"first sig character altered", id, expStr, flip(sig, 0), exp.Add(-time.Hour), ErrInvalid},
		{"last sig character altered", id, expStr, flip(sig, len(sig)-1), exp.Add(-time.Hour), ErrInvalid},
		{"truncated sig", id, expStr, sig[:len(sig)-1], exp.Add(-time.Hour), ErrInvalid},
		{"padded sig", id, expStr, sig + "=", exp.Add(-time.Hour), ErrInvalid},
		{"standard base64 sig", id, expStr, strings.NewReplacer("-", "+", "_", "/").Replace(sig), exp.Add(-time.Hour), ErrInvalid},
		{"empty sig", id, expStr, "", exp.Add(-time.Hour), ErrInvalid},
		{"sig under another key", id, expStr, otherSig, exp.Add(-time.Hour), ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := s.Check(tt.taskID, tt.expires, tt.sig, tt.now); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("Check(%q, %q, %q, %v): got %v, want %v", tt.taskID, tt.expires, tt.sig, tt.now.Unix(), err, tt.want)
			}
		})
	}
}

func TestCheckEmptyKey(t *testing.T) {
	t.Parallel()
	s := &Signer{BaseURL: "http://h"}
	exp := time.Unix(2000000000, 0)
	taskID, expires, sig := parts(t, s.BaseURL, s.URL("t", exp))
	if err := s.Check(taskID, expires, sig, exp.Add(-time.Hour)); !errors.Is(err, ErrInvalid) {
		t.Errorf("Check with an empty key: got %v, want ErrInvalid", err)
	}
}

func TestNewKey(t *testing.T) {
	t.Parallel()
	a, b := NewKey(), NewKey()
	if len(a) != KeySize || len(b) != KeySize {
		t.Fatalf("got key lengths %d, %d, want %d", len(a), len(b), KeySize)
	}
	if string(a) == string(b) {
		t.Errorf("got two equal keys %x, want different ones", a)
	}
}

func TestConstants(t *testing.T) {
	t.Parallel()
	if Validity != 336*time.Hour {
		t.Errorf("got Validity %v, want 14 days", Validity)
	}
	if Retention != 360*time.Hour {
		t.Errorf("got Retention %v, want 15 days", Retention)
	}
	if Retention <= Validity {
		t.Errorf("got Retention %v <= Validity %v, want files to outlive their links", Retention, Validity)
	}
}

func FuzzCheck(f *testing.F) {
	s := &Signer{Key: testKey, BaseURL: "https://example.com/prefix"}
	f.Add("task123", "1767225600", goldenSig, int64(1767225000))
	f.Add("task123", "1767225600", "", int64(0))
	f.Add("", "", "", int64(-1))
	f.Add("a/b?c", "-5", "AAAA", int64(1<<62))
	f.Add("t\n1", "2", "x=", int64(3))
	f.Add("max", "9223372036854775807", "", int64(math.MaxInt64-62135596800))
	f.Add("max", "", "", int64(math.MaxInt64))
	f.Add("min", "-9223372036854775808", "", int64(math.MinInt64))
	f.Fuzz(func(t *testing.T, taskID, expires, sig string, now int64) {
		n := time.Unix(now, 0)
		err := s.Check(taskID, expires, sig, n)
		if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrExpired) {
			t.Fatalf("Check: got %v, want nil, ErrInvalid or ErrExpired", err)
		}
		// Only the exact signature passes the signature check.
		if !errors.Is(err, ErrInvalid) && sig != s.sign(macPrefix, taskID, expires) {
			t.Fatalf("Check(%q, %q, %q): got %v for a signature that is not ours", taskID, expires, sig, err)
		}

		// A link made by URL checks out until it expires.
		exp := time.Unix(now, 0)
		link := s.URL(taskID, exp)
		id, e, sg := parts(t, s.BaseURL, link)
		if id != taskID {
			t.Fatalf("URL(%q): task id round-trips as %q (link %q)", taskID, id, link)
		}
		if err := s.Check(id, e, sg, exp); err != nil {
			t.Fatalf("Check of fresh link %q: got %v, want nil", link, err)
		}
		if now == math.MaxInt64 {
			return
		}
		if err := s.Check(id, e, sg, time.Unix(now+1, 0)); !errors.Is(err, ErrExpired) {
			t.Fatalf("Check of link %q a second after expiry: got %v, want ErrExpired", link, err)
		}
	})
}

// goldenPosterSig was computed outside Go:
//
//	printf 'mvgen-poster-v1\ntask123\n1767225600' |
//	  openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef -binary |
//	  basenc --base64url | tr -d =
const goldenPosterSig = "BdsES5s6phHiw1XXQTxcRUdFvABQNOvsPXatbB1Z3ww"

// TestPosterURL: a poster link is signed apart from its video's, so
// neither opens the other.
func TestPosterURL(t *testing.T) {
	t.Parallel()
	s := &Signer{Key: testKey, BaseURL: "https://example.com/mvgen/"}
	exp := time.Unix(1767225600, 0)
	got := s.PosterURL("task123", exp)
	if want := "https://example.com/mvgen/v1/posters/task123.jpg?expires=1767225600&sig=" + goldenPosterSig; got != want {
		t.Errorf("PosterURL: got %q, want %q", got, want)
	}
	before, after := exp.Add(-time.Hour), exp.Add(time.Hour)
	checkLinks(t, []linkCheck{
		{"poster link as a poster", s.CheckPoster, goldenPosterSig, before, nil},
		{"poster link expired", s.CheckPoster, goldenPosterSig, after, ErrExpired},
		{"video link as a poster", s.CheckPoster, goldenSig, before, ErrInvalid},
		{"poster link as a video", s.Check, goldenPosterSig, before, ErrInvalid},
	})
}

// goldenCaptionSig was computed outside Go:
//
//	printf 'mvgen-captions-v1\ntask123\n1767225600' |
//	  openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef -binary |
//	  basenc --base64url | tr -d =
const goldenCaptionSig = "_h9XU6jsV4xbugnDRxM46Zg3fpqewVXMm_tM9oWBy78"

// TestCaptionURL: caption links are signed apart from the video's and the
// poster's, so none opens another.
func TestCaptionURL(t *testing.T) {
	t.Parallel()
	s := &Signer{Key: testKey, BaseURL: "https://example.com/mvgen/"}
	exp := time.Unix(1767225600, 0)
	got := s.CaptionURL("task123", "vtt", exp)
	if want := "https://example.com/mvgen/v1/captions/task123.vtt?expires=1767225600&sig=" + goldenCaptionSig; got != want {
		t.Errorf("CaptionURL: got %q, want %q", got, want)
	}
	before, after := exp.Add(-time.Hour), exp.Add(time.Hour)
	checkLinks(t, []linkCheck{
		{"caption link as a caption", s.CheckCaption, goldenCaptionSig, before, nil},
		{"caption link expired", s.CheckCaption, goldenCaptionSig, after, ErrExpired},
		{"video link as a caption", s.CheckCaption, goldenSig, before, ErrInvalid},
		{"poster link as a caption", s.CheckCaption, goldenPosterSig, before, ErrInvalid},
		{"caption link as a video", s.Check, goldenCaptionSig, before, ErrInvalid},
		{"caption link as a poster", s.CheckPoster, goldenCaptionSig, before, ErrInvalid},
	})
}

// linkCheck is one check of a signature of task123's link expiring at
// 1767225600: check, given sig at now, answers want.
type linkCheck struct {
	name  string
	check func(taskID, expires, sig string, now time.Time) error
	sig   string
	now   time.Time
	want  error
}

func checkLinks(t *testing.T, checks []linkCheck) {
	t.Helper()
	for _, tt := range checks {
		if err := tt.check("task123", "1767225600", tt.sig, tt.now); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}
