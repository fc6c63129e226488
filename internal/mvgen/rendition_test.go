package mvgen

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRenditionsValidate(t *testing.T) {
	t.Parallel()
	ok := func(string) error { return nil }
	for _, tc := range []struct {
		name, renditions string
		code             Code // "" valid
		msg              string
	}{
		{"none", `null`, "", ""},
		{"whole", `[{"aspect":"9:16"},{"aspect":"4:5","resolution":"1080p"}]`, "", ""},
		{"clips", `[{"aspect":"9:16","clip":{"start":"auto","duration":30}},{"aspect":"1:1","clip":{"start":12.5,"duration":5}}]`, "", ""},
		{"too many", `[{"aspect":"9:16"},{"aspect":"9:16"},{"aspect":"9:16"},{"aspect":"9:16"},{"aspect":"9:16"},{"aspect":"9:16"},{"aspect":"9:16"}]`, EInvalid, "renditions may hold at most 6 renditions (got 7)"},
		{"repeats rendition 0", `[{"aspect":"9:16"},{"aspect":"16:9","resolution":"720p"}]`, EInvalid, "renditions[1] asks for the same video as rendition 0 (the request's own aspect and resolution)"},
		{"repeats a rendition", `[{"aspect":"9:16","clip":{"start":"auto","duration":30}},{"aspect":"1:1"},{"aspect":"9:16","clip":{"start":"auto","duration":30}}]`, EInvalid, "renditions[2] asks for the same video as renditions[0]"},
		{"same aspect, another size", `[{"aspect":"16:9","resolution":"1080p"},{"aspect":"9:16","clip":{"start":"auto","duration":30}},{"aspect":"9:16","clip":{"start":0,"duration":30}}]`, "", ""},
		{"no aspect", `[{"aspect":"9:16"},{"resolution":"720p"}]`, EInvalid, "renditions[1].aspect is required"},
		{"bad aspect", `[{"aspect":"3:2"}]`, EInvalid, "renditions[0].aspect: "},
		{"bad resolution", `[{"aspect":"1:1","resolution":"4k"}]`, EInvalid, "renditions[0].resolution: "},
		{"short clip", `[{"aspect":"1:1"},{"aspect":"4:5"},{"aspect":"9:16","clip":{"start":0,"duration":4}}]`, EInvalid, "renditions[2].clip.duration must be 5 to 90 seconds (got 4)"},
		{"long clip", `[{"aspect":"9:16","clip":{"start":0,"duration":91}}]`, EInvalid, "renditions[0].clip.duration must be 5 to 90"},
		{"negative start", `[{"aspect":"9:16","clip":{"start":-1,"duration":30}}]`, EInvalid, "renditions[0].clip.start must be 0 or more seconds"},
		{"start past a day", `[{"aspect":"9:16","clip":{"start":1e300,"duration":30}}]`, EInvalid, "renditions[0].clip.start must be at most 86400 seconds"},
		{"start word", `[{"aspect":"9:16","clip":{"start":"chorus","duration":30}}]`, EInvalid, `renditions[0].clip.start must be a number of seconds or "auto" (got "chorus")`},
		{"no start", `[{"aspect":"9:16","clip":{"duration":30}}]`, EInvalid, "renditions[0].clip.start is required"},
		{"start bool", `[{"aspect":"9:16","clip":{"start":true,"duration":30}}]`, EBadRequest, `renditions[0].clip.start must be a JSON number or "auto", not bool`},
		{"duration string", `[{"aspect":"9:16"},{"aspect":"9:16","clip":{"start":0,"duration":"30"}}]`, EBadRequest, "renditions[1].clip.duration must be a JSON number, not string"},
		{"aspect number", `[{"aspect":9}]`, EBadRequest, "renditions[0].aspect must be a JSON string, not number"},
		{"not an array", `{"aspect":"9:16"}`, EBadRequest, "renditions must be a JSON array of objects"},
		{"element not an object", `["9:16"]`, EBadRequest, "renditions[0] must be a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Request
			err := json.Unmarshal([]byte(`{"taskId":"m","audioId":"a","renditions":`+tc.renditions+`}`), &r)
			if err == nil {
				err = r.Validate(ok)
			}
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("got %v, want valid", err)
			case tc.code != "" && (ErrorCode(err) != tc.code || !strings.Contains(ErrorMessage(err), tc.msg)):
				t.Fatalf("got %v, want %s %q", err, tc.code, tc.msg)
			}
		})
	}
}

func TestRenditionsJobsNames(t *testing.T) {
	t.Parallel()
	r := Request{TaskID: "m", AudioID: "a", Renditions: Renditions{{Aspect: "9:16", Clip: &ClipRequest{Start: AutoStart(), Duration: 2}}}}
	err := r.ValidateAs(func(string) error { return nil }, func(n string) string { return "input." + n })
	if want := "input.renditions[0].clip.duration"; !strings.Contains(ErrorMessage(err), want) {
		t.Fatalf("got %v, want a message naming %s", err, want)
	}
}

func TestRenditionsKeepHashAndKey(t *testing.T) {
	t.Parallel()
	tr := &Track{AudioKey: "audio/x", Title: "Song"}
	plain := Request{TaskID: "m", AudioID: "a", Aspect: "16:9"}
	kit := plain
	kit.Renditions = Renditions{{Aspect: "9:16"}, {Aspect: "9:16", Clip: &ClipRequest{Start: AutoStart(), Duration: 30}},
		{Aspect: "9:16", Clip: &ClipRequest{Start: StartAt(12.5), Duration: 30}}}
	// Hash: unchanged without renditions (no "renditions" key at all).
	b, _ := json.Marshal(plain)
	if strings.Contains(string(b), "renditions") {
		t.Fatalf("a request without renditions marshals as %s", b)
	}
	if plain.Hash() == kit.Hash() {
		t.Fatal("renditions do not change the request's hash")
	}
	now := time.Now()
	pt, kt := plain.NewTask("k", tr, now), kit.NewTask("k", tr, now)
	if pt.RenderKey != kt.RenderKey {
		t.Fatalf("rendition 0's render key %s differs from a plain task's %s", kt.RenderKey, pt.RenderKey)
	}
	portrait := Request{TaskID: "m", AudioID: "a", Aspect: "9:16"}
	if got, want := kt.Renditions[0].RenderKey, portrait.NewTask("k", tr, now).RenderKey; got != want {
		t.Fatalf("a whole 9:16 rendition's key is %s, want a plain 9:16 task's %s", got, want)
	}
	keys := map[string]bool{kt.RenderKey: true}
	for _, r := range kt.Renditions {
		keys[r.RenderKey] = true
	}
	if len(keys) != 4 {
		t.Fatalf("got %d distinct render keys among 4 videos, want 4", len(keys))
	}
	if c := kt.Renditions[2].Clip; c == nil || c.Start != 12500*time.Millisecond || c.Duration != 30*time.Second || c.Auto {
		t.Fatalf("rendition 3's clip is %+v", c)
	}
	if kt.Units() != 4 || pt.Units() != 1 {
		t.Fatalf("units: kit %d, plain %d; want 4, 1", kt.Units(), pt.Units())
	}
}

// TestRenditionsUseBrand: the key's brand counts in every rendition's
// render key, as in the task's.
func TestRenditionsUseBrand(t *testing.T) {
	t.Parallel()
	tr := &Track{AudioKey: "audio/x", Title: "Song"}
	r := Request{TaskID: "m", AudioID: "a", Renditions: Renditions{{Aspect: "9:16"}}}
	tk := r.NewTask("k", tr, time.Now())
	before, before1 := tk.RenderKey, tk.Renditions[0].RenderKey
	tk.UseBrand(&Brand{Logo: &Logo{Hash: "abc"}}, tr)
	if tk.RenderKey == before || tk.Renditions[0].RenderKey == before1 {
		t.Fatalf("render keys after the brand: %s, %s; want both changed from %s, %s", tk.RenderKey, tk.Renditions[0].RenderKey, before, before1)
	}
	if want := RenditionKey(tr, tk, &tk.Renditions[0]); tk.Renditions[0].RenderKey != want {
		t.Fatalf("rendition key %s, want %s", tk.Renditions[0].RenderKey, want)
	}
}

// FuzzRenditions: any JSON for "renditions" decodes or fails with a 400
// *Error; what decodes validates or fails with a 422 naming a rendition,
// and re-encodes to JSON that decodes to the same.
func FuzzRenditions(f *testing.F) {
	for _, s := range []string{`[{"aspect":"9:16"}]`, `[{"aspect":"4:5","clip":{"start":"auto","duration":30}}]`,
		`[{"aspect":"1:1","clip":{"start":12.5,"duration":5}}]`, `[{"clip":{"start":true}}]`, `{"a":1}`, `[null,1,"x"]`,
		`[{"aspect":"9:16","clip":{"start":"chorus","duration":1e308}}]`} {
		f.Add([]byte(s))
	}
	ok := func(string) error { return nil }
	f.Fuzz(func(t *testing.T, b []byte) {
		var rs Renditions
		if err := json.Unmarshal(b, &rs); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EBadRequest {
				if json.Valid(b) {
					t.Fatalf("%s: %v, want a 400 *Error", b, err)
				}
			}
			return
		}
		r := Request{TaskID: "m", AudioID: "a", Renditions: rs}
		if err := r.Validate(ok); err != nil {
			if ErrorCode(err) != EInvalid || !strings.HasPrefix(ErrorMessage(err), "renditions") {
				t.Fatalf("%s: %v, want a 422 naming renditions", b, err)
			}
			return
		}
		again, err := json.Marshal(rs)
		if err != nil {
			t.Fatalf("%s: marshal: %v", b, err)
		}
		var back Renditions
		if err := json.Unmarshal(again, &back); err != nil || len(back) != len(rs) {
			t.Fatalf("%s: %s reads back as %v, %v", b, again, back, err)
		}
		for i := range rs {
			if (rs[i].Clip == nil) != (back[i].Clip == nil) || rs[i].Clip != nil && *rs[i].Clip != *back[i].Clip {
				t.Fatalf("%s: rendition %d reads back as %+v, want %+v", b, i, back[i].Clip, rs[i].Clip)
			}
		}
	})
}
