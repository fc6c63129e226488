package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/api"
	"github.com/mvgen/mvgen/internal/limit"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
)

// hostile is one request a hostile or broken client may send, and the
// contract's answer to it (docs/API.md): its code, a word of its message,
// and never a 500.
type hostile struct {
	name    string
	as      string // the client: "" the main key, "other", "none" (no Authorization), "limited"
	method  string
	path    string
	ctype   string // "" is application/json for a body
	body    string
	header  []string
	want    int
	wantMsg string
}

// TestHostileInputs is the table of hostile inputs of issue 11's fault
// suite, beside the handlers: malformed and oversize JSON and multipart,
// wrong types, every limit ±1 in bytes and in CJK runes, control and bidi
// characters, SSRF URL forms, another key's ids, idempotency misuse and
// rate-limit overflow. Each answer must be the envelope with the
// contract's code, checked against docs/openapi.yaml.
func TestHostileInputs(t *testing.T) {
	f := newFixture(t)
	f.h.MaxUploadBytes = 1000 // so the upload limit ±1 is cheap
	c, other := f.client("main"), f.client("other")
	m, a := c.track()
	om, oa := other.track()
	otherTask := other.generate(map[string]any{"taskId": om, "audioId": oa, "callBackUrl": "https://example.com/h"})
	pending := c.generate(map[string]any{"taskId": m, "audioId": a, "callBackUrl": "https://example.com/h"})

	// A second API whose limits are tiny, for overflow.
	lf := newFixture(t)
	lf.h.Limits = limitsForOverflow()
	limited := lf.client("limited")
	lm, la := limited.track() // request 1 of the bucket
	done := limited.generate(map[string]any{"taskId": lm, "audioId": la, "callBackUrl": "https://example.invalid/h"})
	if _, err := lf.db.FinishTask(context.Background(), done, store.Result{Status: mvgen.StatusRenderFailed,
		ErrorCode: 400, ErrorMessage: "x", CompletedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}

	gen := func(extra string) string { return `{"taskId":"` + m + `","audioId":"` + a + `"` + extra + `}` }
	str := func(field, v string) string { return gen(`,"` + field + `":"` + v + `"`) }
	padTo := func(n int) string { // a valid generate body of exactly n bytes
		b := gen(`,"pad":""`)
		return gen(`,"pad":"` + strings.Repeat("x", n-len(b)) + `"`)
	}
	cjk := func(n int) string { return strings.Repeat("周", n) }   // 3 bytes each
	emoji := func(n int) string { return strings.Repeat("🎵", n) } // 4 bytes each
	url := func(n int) string {                                   // an https URL of exactly n bytes
		return "https://example.com/" + strings.Repeat("a", n-len("https://example.com/"))
	}
	part := func(name, filename, content string) string {
		d := `form-data; name="` + name + `"`
		if filename != "" {
			d += `; filename="` + filename + `"`
		}
		return "--B\r\nContent-Disposition: " + d + "\r\n\r\n" + content + "\r\n"
	}
	const mp = "multipart/form-data; boundary=B"
	const end = "--B--\r\n"
	G, T, R := "/api/v1/mp4/generate", "/api/v1/tracks", "/api/v1/mp4/callbacks/redeliver"

	cases := []hostile{
		// Authentication.
		{name: "no Authorization", as: "none", method: "POST", path: G, body: gen(""), want: 401, wantMsg: "missing API key"},
		{name: "Basic scheme", as: "none", method: "POST", path: G, body: gen(""), header: []string{"Authorization", "Basic dXNlcjpwdw=="}, want: 401, wantMsg: "missing API key"},
		{name: "empty Bearer", as: "none", method: "POST", path: G, body: gen(""), header: []string{"Authorization", "Bearer "}, want: 401, wantMsg: "missing API key"},
		{name: "unknown key", as: "none", method: "POST", path: G, body: gen(""), header: []string{"Authorization", "Bearer mvk_" + strings.Repeat("0", 32)}, want: 401, wantMsg: "unknown API key"},
		{name: "huge key", as: "none", method: "GET", path: "/api/v1/mp4/record-info?taskId=x", header: []string{"Authorization", "Bearer " + strings.Repeat("k", 8000)}, want: 401, wantMsg: "unknown API key"},

		// Malformed JSON and wrong types.
		{name: "empty body", method: "POST", path: G, body: "", want: 400, wantMsg: "not valid JSON"},
		{name: "truncated object", method: "POST", path: G, body: `{"taskId":"` + m, want: 400, wantMsg: "not valid JSON"},
		{name: "array", method: "POST", path: G, body: `[]`, want: 400, wantMsg: "JSON object"},
		{name: "string", method: "POST", path: G, body: `"x"`, want: 400, wantMsg: "JSON object"},
		{name: "number", method: "POST", path: G, body: `42`, want: 400, wantMsg: "JSON object"},
		{name: "null body", method: "POST", path: G, body: `null`, want: 422, wantMsg: "taskId is required"},
		{name: "trailing garbage", method: "POST", path: G, body: gen("") + ` x`, want: 400, wantMsg: "not valid JSON"},
		{name: "taskId number", method: "POST", path: G, body: `{"taskId":5,"audioId":"a"}`, want: 400, wantMsg: "taskId must be a JSON string"},
		{name: "audioId array", method: "POST", path: G, body: `{"taskId":"m","audioId":["a"]}`, want: 400, wantMsg: "audioId must be a JSON string"},
		{name: "author object", method: "POST", path: G, body: gen(`,"author":{"a":1}`), want: 400, wantMsg: "author must be a JSON string"},
		{name: "callBackUrl bool", method: "POST", path: G, body: gen(`,"callBackUrl":true`), want: 400, wantMsg: "callBackUrl must be a JSON string"},
		{name: "taskId null", method: "POST", path: G, body: `{"taskId":null,"audioId":"a"}`, want: 422, wantMsg: "taskId is required"},
		{name: "nested 5000 deep, ignored", method: "POST", path: G, body: gen(`,"x":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000)), want: 200},
		{name: "nested past the decoder's depth", method: "POST", path: G, body: gen(`,"x":` + strings.Repeat("[", 11000) + strings.Repeat("]", 11000)), want: 400, wantMsg: "not valid JSON"},
		{name: "redeliver taskId number", method: "POST", path: R, body: `{"taskId":1}`, want: 400, wantMsg: "taskId must be a JSON string"},
		{name: "redeliver empty object", method: "POST", path: R, body: `{}`, want: 422, wantMsg: "taskId is required"},
		{name: "tracks audioUrl number", method: "POST", path: T, body: `{"audioUrl":1}`, want: 400, wantMsg: "audioUrl must be a JSON string"},

		// Limits ±1, in bytes and in CJK runes.
		{name: "body 64 KiB", method: "POST", path: G, body: padTo(64 << 10), want: 200},
		{name: "body 64 KiB + 1", method: "POST", path: G, body: padTo(64<<10 + 1), want: 413, wantMsg: "64 KiB"},
		{name: "taskId 128 bytes", method: "POST", path: G, body: `{"taskId":"` + strings.Repeat("t", 128) + `","audioId":"a"}`, want: 404, wantMsg: "no track"},
		{name: "taskId 129 bytes", method: "POST", path: G, body: `{"taskId":"` + strings.Repeat("t", 129) + `","audioId":"a"}`, want: 422, wantMsg: "taskId must be at most 128 bytes"},
		{name: "audioId 42 CJK (126 bytes)", method: "POST", path: G, body: `{"taskId":"m","audioId":"` + cjk(42) + `"}`, want: 404, wantMsg: "no track"},
		{name: "audioId 43 CJK (129 bytes)", method: "POST", path: G, body: `{"taskId":"m","audioId":"` + cjk(43) + `"}`, want: 422, wantMsg: "audioId must be at most 128 bytes"},
		{name: "author 50 CJK", method: "POST", path: G, body: str("author", cjk(50)), want: 200},
		{name: "author 51 CJK", method: "POST", path: G, body: str("author", cjk(51)), want: 422, wantMsg: "author must be at most 50 characters (got 51)"},
		{name: "author 50 emoji", method: "POST", path: G, body: str("author", emoji(50)), want: 200},
		{name: "author 51 emoji", method: "POST", path: G, body: str("author", emoji(51)), want: 422, wantMsg: "author"},
		{name: "domainName 50 ASCII", method: "POST", path: G, body: str("domainName", strings.Repeat("d", 50)), want: 200},
		{name: "domainName 51 CJK", method: "POST", path: G, body: str("domainName", cjk(51)), want: 422, wantMsg: "domainName must be at most 50"},
		{name: "callBackUrl 2048 bytes", method: "POST", path: G, body: str("callBackUrl", url(2048)), want: 200},
		{name: "callBackUrl 2049 bytes", method: "POST", path: G, body: str("callBackUrl", url(2049)), want: 422, wantMsg: "2048"},
		{name: "Idempotency-Key 255 bytes", method: "POST", path: G, body: gen(""), header: []string{"Idempotency-Key", strings.Repeat("i", 255)}, want: 200},
		{name: "Idempotency-Key 256 bytes", method: "POST", path: G, body: gen(""), header: []string{"Idempotency-Key", strings.Repeat("i", 256)}, want: 422, wantMsg: "Idempotency-Key must be at most 255 bytes"},
		{name: "title 200 CJK", method: "POST", path: T, body: `{"audioUrl":"https://example.com/a.mp3","title":"` + cjk(200) + `"}`, want: 200},
		{name: "title 201 CJK", method: "POST", path: T, body: `{"audioUrl":"https://example.com/a.mp3","title":"` + cjk(201) + `"}`, want: 422, wantMsg: "title"},
		{name: "tags 500 CJK", method: "POST", path: T, body: `{"audioUrl":"https://example.com/a.mp3","tags":"` + cjk(500) + `"}`, want: 200},
		{name: "tags 501 CJK", method: "POST", path: T, body: `{"audioUrl":"https://example.com/a.mp3","tags":"` + cjk(501) + `"}`, want: 422, wantMsg: "tags"},
		{name: "upload at the cap", method: "POST", path: T, ctype: mp, body: part("audio", "a.mp3", strings.Repeat("a", 1000)) + end, want: 200},
		{name: "upload cap + 1", method: "POST", path: T, ctype: mp, body: part("audio", "a.mp3", strings.Repeat("a", 1001)) + end, want: 413, wantMsg: "audio is over the"},

		// Malformed multipart.
		{name: "multipart without boundary", method: "POST", path: T, ctype: "multipart/form-data", body: part("audio", "a.mp3", "x") + end, want: 400, wantMsg: "multipart"},
		{name: "multipart garbage", method: "POST", path: T, ctype: mp, body: "this is not multipart", want: 400, wantMsg: "multipart"},
		{name: "multipart truncated in a part's headers", method: "POST", path: T, ctype: mp, body: part("audio", "a.mp3", "abc")[:40], want: 422, wantMsg: "audio is required"},
		{name: "multipart truncated in the audio", method: "POST", path: T, ctype: mp, body: strings.TrimSuffix(part("audio", "a.mp3", "ID3 abc"), "\r\n"), want: 400, wantMsg: "reading audio"},
		{name: "multipart no audio", method: "POST", path: T, ctype: mp, body: part("title", "", "t") + end, want: 422, wantMsg: "audio is required"},
		{name: "multipart empty audio", method: "POST", path: T, ctype: mp, body: part("audio", "a.mp3", "") + end, want: 422, wantMsg: "audio is empty"},
		{name: "multipart unknown parts ignored", method: "POST", path: T, ctype: mp, body: part("evil", "x.sh", "rm -rf /") + part("audio", "a.mp3", "ID3") + end, want: 200},
		{name: "multipart title invalid UTF-8", method: "POST", path: T, ctype: mp, body: part("audio", "a.mp3", "ID3") + part("title", "", "\xff\xfe") + end, want: 422, wantMsg: "title must be valid UTF-8"},
		{name: "multipart title over 4 KiB", method: "POST", path: T, ctype: mp, body: part("audio", "a.mp3", "ID3") + part("title", "", strings.Repeat("t", 5000)) + end, want: 422, wantMsg: "title"},
		{name: "multipart path traversal filename", method: "POST", path: T, ctype: mp, body: part("audio", "../../etc/passwd", "ID3") + end, want: 200},

		// Control and bidi characters: accepted (the renderer draws text, it
		// never reaches ffmpeg as syntax) and stored as given.
		{name: "author with NUL", method: "POST", path: G, body: str("author", `A\u0000B`), want: 200},
		{name: "author with RLO bidi override", method: "POST", path: G, body: str("author", "\u202Eevil"), want: 200},
		{name: "domainName with zero-width joiner and BOM", method: "POST", path: G, body: str("domainName", "ex\u200damp\ufeffle.com"), want: 200},
		{name: "title with ffmpeg filter syntax", method: "POST", path: T, body: `{"audioUrl":"https://example.com/a.mp3","title":"a';drawtext=text='x:[0]"}`, want: 200},

		// SSRF URL forms.
		{name: "callBackUrl loopback", method: "POST", path: G, body: str("callBackUrl", "http://127.0.0.1/h"), want: 422, wantMsg: "loopback"},
		{name: "callBackUrl localhost", method: "POST", path: G, body: str("callBackUrl", "http://localhost:8080/h"), want: 422, wantMsg: "callBackUrl"},
		{name: "callBackUrl *.localhost", method: "POST", path: G, body: str("callBackUrl", "http://a.localhost/h"), want: 422, wantMsg: "callBackUrl"},
		{name: "callBackUrl [::1]", method: "POST", path: G, body: str("callBackUrl", "http://[::1]/h"), want: 422, wantMsg: "loopback"},
		{name: "callBackUrl decimal IPv4", method: "POST", path: G, body: str("callBackUrl", "http://2130706433/h"), want: 422, wantMsg: "callBackUrl"},
		{name: "callBackUrl hex IPv4", method: "POST", path: G, body: str("callBackUrl", "http://0x7f.1/h"), want: 422, wantMsg: "callBackUrl"},
		{name: "callBackUrl octal IPv4", method: "POST", path: G, body: str("callBackUrl", "http://0177.0.0.1/h"), want: 422, wantMsg: "callBackUrl"},
		{name: "callBackUrl IPv4-mapped IPv6", method: "POST", path: G, body: str("callBackUrl", "http://[::ffff:127.0.0.1]/h"), want: 422, wantMsg: "callBackUrl"},
		{name: "callBackUrl cloud metadata", method: "POST", path: G, body: str("callBackUrl", "http://169.254.169.254/latest/meta-data"), want: 422, wantMsg: "metadata"},
		{name: "callBackUrl RFC 1918", method: "POST", path: G, body: str("callBackUrl", "http://192.168.1.1/h"), want: 422, wantMsg: "private"},
		{name: "callBackUrl CGNAT", method: "POST", path: G, body: str("callBackUrl", "http://100.64.0.1/h"), want: 422, wantMsg: "CGNAT"},
		{name: "callBackUrl ULA", method: "POST", path: G, body: str("callBackUrl", "http://[fd00::1]/h"), want: 422, wantMsg: "callBackUrl"},
		{name: "callBackUrl unspecified", method: "POST", path: G, body: str("callBackUrl", "http://0.0.0.0/h"), want: 422, wantMsg: "callBackUrl"},
		{name: "callBackUrl credentials", method: "POST", path: G, body: str("callBackUrl", "https://user:pw@example.com/h"), want: 422, wantMsg: "user name or password"},
		{name: "callBackUrl file scheme", method: "POST", path: G, body: str("callBackUrl", "file:///etc/passwd"), want: 422, wantMsg: "scheme"},
		{name: "callBackUrl gopher", method: "POST", path: G, body: str("callBackUrl", "gopher://example.com/"), want: 422, wantMsg: "scheme"},
		{name: "callBackUrl port 0", method: "POST", path: G, body: str("callBackUrl", "http://example.com:0/h"), want: 422, wantMsg: "port"},
		{name: "callBackUrl port 70000", method: "POST", path: G, body: str("callBackUrl", "http://example.com:70000/h"), want: 422, wantMsg: "port"},
		{name: "callBackUrl scheme-relative", method: "POST", path: G, body: str("callBackUrl", "//example.com/h"), want: 422, wantMsg: "absolute"},
		{name: "audioUrl metadata", method: "POST", path: T, body: `{"audioUrl":"http://169.254.169.254/latest"}`, want: 422, wantMsg: "audioUrl"},
		{name: "audioUrl loopback", method: "POST", path: T, body: `{"audioUrl":"http://127.0.0.1:6379/"}`, want: 422, wantMsg: "audioUrl"},
		{name: "imageUrl file scheme", method: "POST", path: T, body: `{"audioUrl":"https://example.com/a.mp3","imageUrl":"file:///etc/shadow"}`, want: 422, wantMsg: "imageUrl"},

		// Another key's ids.
		{name: "record-info of another key's task", method: "GET", path: "/api/v1/mp4/record-info?taskId=" + otherTask, want: 404},
		{name: "callbacks of another key's task", method: "GET", path: "/api/v1/mp4/callbacks?taskId=" + otherTask, want: 404},
		{name: "redeliver another key's task", method: "POST", path: R, body: `{"taskId":"` + otherTask + `"}`, want: 404},
		{name: "generate on another key's track", method: "POST", path: G, body: `{"taskId":"` + om + `","audioId":"` + oa + `"}`, want: 404, wantMsg: "no track"},
		{name: "tracks of another key's music task", method: "GET", path: "/api/v1/tracks?taskId=" + om, want: 404},
		{name: "task of another key (dashboard)", method: "GET", path: "/api/v1/mp4/tasks/" + otherTask, want: 404},
		{name: "record-info taskId 10 KB", method: "GET", path: "/api/v1/mp4/record-info?taskId=" + strings.Repeat("z", 10000), want: 404},
		{name: "record-info without taskId", method: "GET", path: "/api/v1/mp4/record-info", want: 422, wantMsg: "taskId"},
		{name: "redeliver while pending", method: "POST", path: R, body: `{"taskId":"` + pending + `"}`, want: 409, wantMsg: "still rendering"},

		// Idempotency misuse.
		{name: "idempotency first", method: "POST", path: G, body: gen(`,"author":"A"`), header: []string{"Idempotency-Key", "idem-1"}, want: 200},
		{name: "idempotency same key, other body", method: "POST", path: G, body: gen(`,"author":"B"`), header: []string{"Idempotency-Key", "idem-1"}, want: 409, wantMsg: "Idempotency-Key"},
		{name: "idempotency same key, other API key", as: "other", method: "POST", path: G, body: `{"taskId":"` + om + `","audioId":"` + oa + `"}`, header: []string{"Idempotency-Key", "idem-1"}, want: 200},

		// Routes and methods.
		{name: "unknown route", method: "GET", path: "/api/v1/nope", want: 404, wantMsg: "no route"},
		{name: "GET on generate", method: "GET", path: G, want: 404, wantMsg: "no route"},
		{name: "taskId with SQL", method: "GET", path: "/api/v1/mp4/record-info?taskId=%27%20OR%201%3D1%20--", want: 404},

		// Rate-limit overflow (the second API: 3 requests at once, 2
		// pending tasks, 1 redelivery).
		{name: "redelivery within the rate", as: "limited", method: "POST", path: R, body: `{"taskId":"` + done + `"}`, want: 200},
		{name: "request rate overflow", as: "limited", method: "GET", path: "/api/v1/mp4/record-info?taskId=" + done, want: 429, wantMsg: "rate limit exceeded"},
	}
	if len(cases) < 60 {
		t.Fatalf("%d hostile inputs, want at least 60", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl := *c
			switch tc.as {
			case "other":
				cl = *other
			case "limited":
				cl = *limited
			case "none":
				cl.token = ""
			}
			cl.t = t
			ctype := tc.ctype
			if ctype == "" && tc.body != "" {
				ctype = "application/json"
			}
			var body *strings.Reader
			if tc.body != "" || tc.method == "POST" {
				body = strings.NewReader(tc.body)
			}
			var e envelope
			if body != nil {
				e = cl.do(tc.method, tc.path, ctype, body, tc.header...)
			} else {
				e = cl.do(tc.method, tc.path, ctype, nil, tc.header...)
			}
			if e.Code == 500 || e.HTTP >= 500 && e.Code != 455 {
				t.Fatalf("got a %d (HTTP %d): %q", e.Code, e.HTTP, e.Msg)
			}
			if e.Code != tc.want || e.HTTP != tc.want || !strings.Contains(e.Msg, tc.wantMsg) {
				t.Errorf("got %d (HTTP %d) %q, want %d with %q", e.Code, e.HTTP, e.Msg, tc.want, tc.wantMsg)
			}
			for _, leak := range []string{"netguard", "dial tcp", "sqlite", "SQL"} {
				if strings.Contains(e.Msg, leak) {
					t.Errorf("message %q shows %q", e.Msg, leak)
				}
			}
		})
	}
	t.Logf("%d hostile inputs tried", len(cases))
}

// limitsForOverflow are limits small enough to overflow in a few requests:
// a bucket of 3 requests (track, generate, one redelivery; the next
// overflows) and one redelivery.
func limitsForOverflow() api.Limits {
	return api.Limits{
		Requests:     &limit.Keyed{Rate: limit.Rate{Events: 1, Per: time.Hour}, Burst: 3},
		Redeliveries: &limit.Keyed{Rate: limit.Rate{Events: 1, Per: time.Hour}, Burst: 1},
	}
}
