package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/api/apitest"
)

// logoPNG encodes a w×h PNG; noisy pixels do not compress, so that a
// large one is large on disk too.
func logoPNG(t testing.TB, w, h int, noisy bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	seed := uint32(7)
	for y := range h {
		for x := range w {
			c := color.NRGBA{0, 200, 80, 255}
			if noisy {
				seed = seed*1664525 + 1013904223
				c = color.NRGBA{uint8(seed >> 24), uint8(seed >> 16), uint8(seed >> 8), 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombHeader is a PNG whose header declares w×h pixels, with a few bytes
// of pixel data: a decompression bomb before it inflates.
func bombHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00})
	chunk("IEND", nil)
	return b.Bytes()
}

// part is one field of a multipart form: a file when file is set.
type part struct {
	name, value string
	file        []byte
}

func form(t testing.TB, parts ...part) (string, io.Reader) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		if p.file != nil {
			w, _ := mw.CreateFormFile(p.name, "logo.png")
			w.Write(p.file)
		} else {
			mw.WriteField(p.name, p.value)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), &b
}

func (c *client) putBrand(parts ...part) envelope {
	c.t.Helper()
	ct, body := form(c.t, parts...)
	return c.do(http.MethodPut, "/api/v1/brand", ct, body)
}

type brandData struct {
	AccentColor, Theme string
	Logo               *struct {
		Width, Height, Bytes int
		SHA256, URL          string
	}
	UpdatedAt string
}

func brandOf(t *testing.T, e envelope) brandData {
	t.Helper()
	var d brandData
	if e.Code != 200 {
		t.Fatalf("brand: %d %s", e.Code, e.Msg)
	}
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBrand sets, reads, uses, replaces and deletes a key's brand over
// loopback HTTP on a real store: generate takes what a request leaves out
// from it, a task keeps the logo it was made with, another key sees none.
func TestBrand(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.client("alice"), f.client("bob")
	ctx := context.Background()
	logo := logoPNG(t, 200, 100, false)
	sum := sha256.Sum256(logo)
	d := brandOf(t, alice.putBrand(part{name: "logo", file: logo}, part{name: "accentColor", value: "#FF8800"},
		part{name: "Theme", value: "bars"}))
	if d.AccentColor != "#ff8800" || d.Theme != "bars" || d.Logo == nil || d.Logo.Width != 200 || d.Logo.Height != 100 ||
		d.Logo.Bytes != len(logo) || d.Logo.SHA256 != hex.EncodeToString(sum[:]) || d.Logo.URL != "/api/v1/brand/logo" || d.UpdatedAt == "" {
		t.Errorf("PUT /api/v1/brand = %+v (logo %+v)", d, d.Logo)
	}
	if got := brandOf(t, alice.do(http.MethodGet, "/api/v1/brand", "", nil)); got.AccentColor != d.AccentColor || got.Logo == nil ||
		got.Logo.SHA256 != d.Logo.SHA256 {
		t.Errorf("GET /api/v1/brand = %+v, want what PUT answered, %+v", got, d)
	}
	if e := bob.do(http.MethodGet, "/api/v1/brand", "", nil); e.Code != 404 || !strings.Contains(e.Msg, "PUT /api/v1/brand") {
		t.Errorf("another key's GET /api/v1/brand = %d %q, want 404 saying how to set one", e.Code, e.Msg)
	}

	// The logo itself, with the key.
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/v1/brand/logo", nil)
	req.Header.Set("Authorization", "Bearer "+alice.token)
	resp, err := apitest.Client(t, f.srv.URL).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(got, logo) ||
		resp.Header.Get("ETag") != `"`+d.Logo.SHA256+`"` {
		t.Errorf("GET /api/v1/brand/logo = %d %s, ETag %s, %d bytes; want the PNG uploaded", resp.StatusCode,
			resp.Header.Get("Content-Type"), resp.Header.Get("ETag"), len(got))
	}
	if e := bob.do(http.MethodGet, "/api/v1/brand/logo", "", nil); e.Code != 404 {
		t.Errorf("another key's GET /api/v1/brand/logo = %d, want 404", e.Code)
	}

	// Generate: the brand fills what the request leaves out; the
	// request's own fields win.
	m, a := alice.track()
	plain := alice.generate(map[string]any{"taskId": m, "audioId": a})
	own := alice.generate(map[string]any{"taskId": m, "audioId": a, "accentColor": "#0000ff"})
	tp, _ := f.db.Task(ctx, "", plain)
	to, _ := f.db.Task(ctx, "", own)
	if tp.AccentColor != "#ff8800" || tp.Theme != "bars" || tp.LogoHash != d.Logo.SHA256 {
		t.Errorf("task without a colour: accent %q, theme %q, logo %q; want the brand's", tp.AccentColor, tp.Theme, tp.LogoHash)
	}
	if to.AccentColor != "#0000ff" || to.LogoHash != d.Logo.SHA256 {
		t.Errorf("task with its own colour: accent %q, logo %q; want its own colour and the brand's logo", to.AccentColor, to.LogoHash)
	}
	if tp.RenderKey == to.RenderKey {
		t.Error("tasks with different colours share a render key")
	}
	// The jobs dialect shares generate's path to a task.
	je := alice.postJSON("/api/v1/jobs/createTask", map[string]any{"model": "ai-music-api/create-music-video",
		"input": map[string]any{"task_id": m, "audio_id": a, "theme": "bars"}})
	var jd struct{ TaskID string }
	if err := json.Unmarshal(je.Data, &jd); je.Code != 200 || err != nil {
		t.Fatalf("createTask: %d %s", je.Code, je.Msg)
	}
	if tj, _ := f.db.Task(ctx, "", jd.TaskID); tj.AccentColor != "#ff8800" || tj.LogoHash != d.Logo.SHA256 {
		t.Errorf("createTask's task: accent %q, logo %q; want the brand's", tj.AccentColor, tj.LogoHash)
	}
	bm, ba := bob.track()
	if tb, _ := f.db.Task(ctx, "", bob.generate(map[string]any{"taskId": bm, "audioId": ba})); tb.AccentColor != "" || tb.LogoHash != "" {
		t.Errorf("another key's task: accent %q, logo %q; want none", tb.AccentColor, tb.LogoHash)
	}

	// A new brand: the tasks made keep the old logo, which stays stored.
	d2 := brandOf(t, alice.putBrand(part{name: "logo", file: logoPNG(t, 64, 64, false)}))
	if d2.AccentColor != "" || d2.Theme != "" || d2.Logo.SHA256 == d.Logo.SHA256 {
		t.Errorf("replaced brand = %+v, want only the new logo", d2)
	}
	if l, err := f.db.Logo(ctx, tp.LogoHash); err != nil || !bytes.Equal(l.PNG, logo) {
		t.Errorf("the pending tasks' logo after the brand changed: %v; want it kept", err)
	}
	if t2, _ := f.db.Task(ctx, "", alice.generate(map[string]any{"taskId": m, "audioId": a})); t2.LogoHash != d2.Logo.SHA256 ||
		t2.AccentColor != "" || t2.RenderKey == tp.RenderKey {
		t.Errorf("task after the change: logo %q accent %q; want the new logo alone, and its own render key", t2.LogoHash, t2.AccentColor)
	}

	if e := alice.do(http.MethodDelete, "/api/v1/brand", "", nil); e.Code != 200 || string(e.Data) != `{"deleted":true}` {
		t.Errorf("DELETE /api/v1/brand = %d %s", e.Code, e.Data)
	}
	if e := alice.do(http.MethodGet, "/api/v1/brand", "", nil); e.Code != 404 {
		t.Errorf("GET after DELETE = %d, want 404", e.Code)
	}
	if e := alice.do(http.MethodDelete, "/api/v1/brand", "", nil); e.Code != 404 {
		t.Errorf("DELETE again = %d, want 404", e.Code)
	}
	if t3, _ := f.db.Task(ctx, "", alice.generate(map[string]any{"taskId": m, "audioId": a})); t3.LogoHash != "" {
		t.Errorf("task after DELETE has logo %q, want none", t3.LogoHash)
	}
	if e := (&client{t: t, base: f.srv.URL}).do(http.MethodGet, "/api/v1/brand", "", nil); e.Code != 401 {
		t.Errorf("GET /api/v1/brand without a key = %d, want 401", e.Code)
	}
}

// TestBrandRefusals sends hostile and mistaken forms: each answers the
// contract's code with a message naming the problem and the fix, and
// leaves the brand as it was.
func TestBrandRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client("alice")
	good := logoPNG(t, 40, 20, false)
	big := logoPNG(t, 600, 600, true)
	if len(big) <= 1<<20 {
		t.Fatalf("test logo is %d bytes, want over 1 MiB", len(big))
	}
	for _, tt := range []struct {
		name  string
		parts []part
		code  int
		want  string
	}{
		{"not a PNG", []part{{name: "logo", file: []byte("GIF89a not a png at all")}}, 422, "logo is not a PNG file: convert it to PNG"},
		{"1025 px", []part{{name: "logo", file: logoPNG(t, 1025, 4, false)}}, 422, "1025×4 pixels; the limit is 1024 pixels a side: scale it down"},
		{"over 1 MiB", []part{{name: "logo", file: big}}, 413, "logo is over the 1 MiB limit: save it smaller"},
		{"truncated", []part{{name: "logo", file: good[:len(good)-30]}}, 422, "cut short or damaged"},
		{"bomb header", []part{{name: "logo", file: bombHeader(60000, 60000)}}, 422, "60000×60000 pixels"},
		{"empty logo", []part{{name: "logo", file: []byte{}}}, 422, "logo is empty"},
		{"bad colour", []part{{name: "accentColor", value: "orange"}}, 422, `accentColor: "orange" is not a colour written #rrggbb`},
		{"unknown theme", []part{{name: "theme", value: "disco"}}, 422, `theme: theme "disco" is not one of "bars"`},
		{"empty form", nil, 422, "the brand is empty"},
		{"near miss", []part{{name: "color", value: "#ff0000"}}, 422, "unknown field color; did you mean accentColor?"},
		{"twice", []part{{name: "theme", value: "bars"}, {name: "theme", value: "bars"}}, 422, "theme: sent twice"},
	} {
		e := c.putBrand(tt.parts...)
		if e.Code != tt.code || e.HTTP != tt.code || !strings.Contains(e.Msg, tt.want) {
			t.Errorf("%s: PUT /api/v1/brand = %d (HTTP %d) %q; want %d containing %q", tt.name, e.Code, e.HTTP, e.Msg, tt.code, tt.want)
		}
	}
	if e := c.do(http.MethodPut, "/api/v1/brand", "application/json", strings.NewReader(`{"accentColor":"#ff0000"}`)); e.Code != 400 ||
		!strings.Contains(e.Msg, "multipart/form-data") {
		t.Errorf("JSON body: %d %q, want 400 asking for a form", e.Code, e.Msg)
	}
	if e := c.do(http.MethodGet, "/api/v1/brand", "", nil); e.Code != 404 {
		t.Errorf("after refusals: GET = %d, want 404 (no brand stored)", e.Code)
	}
}
