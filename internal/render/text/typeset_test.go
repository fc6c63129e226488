package text

import (
	"image"
	"image/png"
	"os"
	"testing"
)

// TestTypesetMixedScripts lays out lines that mix scripts: every
// character has a glyph in the font the fallback picks (no boxes), the
// text fits the width it is given, and it covers a plausible share of its
// mask. MVGEN_TYPESET_PNG names a PNG to write the masks to, stacked, for
// a look.
func TestTypesetMixedScripts(t *testing.T) {
	t.Parallel()
	_, bold := DefaultFonts()
	ts := NewTypesetter(bold, "Bold")
	lines := []string{
		"أغنية الليل الطويل — A very long title",
		"שיר הלילה — Night song 2",
		"เพลงกลางคืน and 夜のドライブ",
		"रात का गाना — 노래 — Ночь",
	}
	var masks []*Mask
	for _, text := range lines {
		if n := ts.MissingGlyphs(text); n != 0 {
			t.Errorf("%q: %d characters without a glyph, want 0", text, n)
		}
		rs := []rune(text)
		laid, size := ts.Layout(rs, 44, 28, 900, 2)
		if len(laid) != 1 || size != 44 {
			t.Errorf("%q: %d lines at size %d, want 1 line at 44", text, len(laid), size)
		}
		m := ts.Render(rs, laid, size, 900, true, nil, 0)
		var ink int
		for _, a := range m.A {
			ink += int(a)
		}
		if cover := float64(ink) / 255 / float64(m.W*m.H); cover < 0.05 || cover > 0.4 {
			t.Errorf("%q: the glyphs cover %.3f of the mask, want 0.05…0.4", text, cover)
		}
		masks = append(masks, m)
	}
	if path := os.Getenv("MVGEN_TYPESET_PNG"); path != "" {
		h := 0
		for _, m := range masks {
			h += m.H
		}
		img := image.NewGray(image.Rect(0, 0, 900, h))
		y := 0
		for _, m := range masks {
			for j := range m.H {
				copy(img.Pix[(y+j)*900:], m.A[j*m.W:(j+1)*m.W])
			}
			y += m.H
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		png.Encode(f, img)
	}
}
