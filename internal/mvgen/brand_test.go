package mvgen

import (
	"testing"
	"time"
)

// TestUseBrand checks what a task takes from its key's brand: what the
// request left out, the logo always, and a render key that counts them.
func TestUseBrand(t *testing.T) {
	t.Parallel()
	tr := &Track{ID: "a", AudioKey: "sources/a/audio"}
	logo := NewLogo([]byte("\x89PNG"), 1, 1)
	brand := &Brand{AccentColor: "#ff8800", Theme: "bars", Logo: logo}
	plain := Request{TaskID: "m", AudioID: "a"}
	t0 := plain.NewTask("k", tr, time.Now())
	t1 := plain.NewTask("k", tr, time.Now())
	t1.UseBrand(brand, tr)
	if t1.AccentColor != "#ff8800" || t1.Theme != "bars" || t1.LogoHash != logo.Hash || t1.RenderKey == t0.RenderKey {
		t.Errorf("task with the brand = %+v; want its colour, theme and logo, and another render key", t1)
	}
	own := Request{TaskID: "m", AudioID: "a", AccentColor: "#0000ff"}.NewTask("k", tr, time.Now())
	own.UseBrand(brand, tr)
	if own.AccentColor != "#0000ff" || own.LogoHash != logo.Hash {
		t.Errorf("a request's own colour: got %q (logo %q), want #0000ff and the brand's logo", own.AccentColor, own.LogoHash)
	}
	noLogo := plain.NewTask("k", tr, time.Now())
	noLogo.UseBrand(&Brand{AccentColor: "#ff8800", Theme: "bars"}, tr)
	if noLogo.RenderKey == t1.RenderKey {
		t.Error("the logo does not count in the render key")
	}
	other := plain.NewTask("k", tr, time.Now())
	other.UseBrand(&Brand{AccentColor: "#ff8800", Theme: "bars", Logo: NewLogo([]byte("\x89PNG2"), 1, 1)}, tr)
	if other.RenderKey == t1.RenderKey {
		t.Error("two logos give one render key")
	}
	none := plain.NewTask("k", tr, time.Now())
	none.UseBrand(nil, tr)
	if none.RenderKey != t0.RenderKey || none.AccentColor != "" {
		t.Errorf("no brand changed the task: %+v", none)
	}
	for _, b := range []Brand{{AccentColor: "red"}, {Theme: "disco"}} {
		if err := b.Validate(); ErrorCode(err) != EInvalid {
			t.Errorf("Validate(%+v) = %v, want EInvalid", b, err)
		}
	}
	b := Brand{AccentColor: "#FF8800"}
	if err := b.Validate(); err != nil || b.AccentColor != "#ff8800" {
		t.Errorf("Validate(#FF8800) = %v, colour %q; want it lower-cased", err, b.AccentColor)
	}
}
