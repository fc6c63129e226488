package render

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// requireFallbackFonts skips the test when Noto CJK or Noto's per-script
// faces are not installed (make deps installs them), and fails it under CI.
func requireFallbackFonts(tb testing.TB) string {
	tb.Helper()
	main, _ := (&Renderer{}).fonts()
	if !strings.Contains(main, "NotoSansCJK") || len(fallbackFonts()) == 0 {
		if os.Getenv("CI") != "" {
			tb.Fatal("Noto Sans CJK and fonts-noto-core are not installed: run make deps")
		}
		tb.Skip("Noto Sans CJK and fonts-noto-core are not installed")
	}
	return main
}

func TestLineFont(t *testing.T) {
	t.Parallel()
	main := requireFallbackFonts(t)
	tests := []struct {
		text string
		want string // a part of the fallback font's name; "" for the main font
	}{
		{"Zoë — 夜に駆ける Ελληνικά Кириллица 한국어 ½ ©", ""},
		{"مرحبا بالعالم", "Arabic"},
		{"שלום עולם", "Hebrew"},
		{"สวัสดีครับ", "Thai"},
		{"नमस्ते दुनिया", "Devanagari"},
		{"বাংলা গান", "Bengali"},
		{"ქართული", "Georgian"},
		{"Հայերեն", "Armenian"},
		{"தமிழ்", "Tamil"},
	}
	for _, tt := range tests {
		regular, bold := lineFont(tt.text, main)
		if tt.want == "" {
			if regular != "" {
				t.Errorf("%q: got %s, want the main font", tt.text, regular)
			}
			continue
		}
		if !strings.Contains(filepath.Base(regular), tt.want) {
			t.Errorf("%q: got %q, want a font with %q in its name", tt.text, regular, tt.want)
			continue
		}
		if !strings.Contains(bold, "-Bold.") {
			t.Errorf("%q: bold face %q, want the font's Bold file", tt.text, bold)
		}
		var rs []rune
		for _, r := range tt.text {
			if !unicode.IsSpace(r) {
				rs = append(rs, r)
			}
		}
		if n := covered(regular, rs); n != len(rs) {
			t.Errorf("%q: %s has %d of its %d characters", tt.text, regular, n, len(rs))
		}
	}
	// A line mixing two scripts no font has both of gets the font with
	// the most of its characters.
	if regular, _ := lineFont("Ab שלוםעולם", main); !strings.Contains(regular, "Hebrew") {
		t.Errorf("mostly Hebrew line: got %q, want the Hebrew font", regular)
	}
	if regular, _ := lineFont("Title in Latin letters א", main); regular != "" {
		t.Errorf("mostly Latin line: got %q, want the main font", regular)
	}
}

// TestRenderOtherScripts renders a title, author and domain in scripts
// Noto CJK lacks, and checks each line is drawn with a font that has it.
func TestRenderOtherScripts(t *testing.T) {
	requireFFmpeg(t)
	main := requireFallbackFonts(t)
	t.Parallel()
	dir := t.TempDir()
	in := Input{Audio: makeAudio(t, dir, "in.mp3", 1), Title: "مرحبا بالعالم", Author: "สวัสดีครับ",
		Domain: "שלום", Out: filepath.Join(dir, "out.mp4")}
	r := &Renderer{TempDir: t.TempDir()}
	if _, err := r.Render(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	p := plan{Layout: layoutFor(Landscape), Work: t.TempDir(), Font: main}
	if err := writeTexts(&p, in); err != nil {
		t.Fatal(err)
	}
	chooseFonts(&p)
	graph := staticGraph(p)
	for _, want := range []string{"NotoSansArabic-Bold.ttf:textfile", "NotoSansThai-Regular.ttf:textfile",
		"NotoSansThai-Bold.ttf:textfile", "NotoSansHebrew-Regular.ttf:textfile"} {
		if !strings.Contains(graph, want) {
			t.Errorf("the static step's filtergraph has no %q:\n%s", want, graph)
		}
	}
}

// TestMixedTitleDrawnInGo: a title no one font can draw whole (Arabic with
// "—" and Latin) is left out of the static step and drawn in Go, and shows
// in the video; a title one font draws stays with the static step.
func TestMixedTitleDrawnInGo(t *testing.T) {
	requireFFmpeg(t)
	main := requireFallbackFonts(t)
	t.Parallel()
	dir := t.TempDir()
	in := Input{Audio: makeAudio(t, dir, "in.wav", 1), Title: "أغنية الليل الطويل — A very long title",
		Author: "Plain author", Out: filepath.Join(dir, "out.mp4")}
	p := plan{Layout: layoutFor(Landscape), Work: t.TempDir(), Font: main}
	if err := writeTexts(&p, in); err != nil {
		t.Fatal(err)
	}
	chooseFonts(&p)
	graph := staticGraph(p)
	for i, line := range p.Title {
		if !line.Go {
			t.Errorf("title line %d %q: not drawn in Go", i, line.Text)
		}
		if strings.Contains(graph, line.File) {
			t.Errorf("the static step draws title line %d too", i)
		}
	}
	if p.Author.Go || !strings.Contains(graph, p.Author.File) {
		t.Errorf("the author: Go %v, in the static step %v; want false, true", p.Author.Go, strings.Contains(graph, p.Author.File))
	}
	r := &Renderer{TempDir: t.TempDir(), Threads: 1}
	if _, err := r.Render(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	l := layoutFor(Landscape)
	last := grayFrames(t, in.Out, l.W, l.H)[frameRate/2]
	bright := 0
	for y := p.Title[0].Base - l.TitleMax; y < p.Title[0].Base; y++ {
		for x := l.TextX; x < l.TextX+l.TextW; x++ {
			if last[y*l.W+x] > 200 {
				bright++
			}
		}
	}
	if bright < 500 {
		t.Errorf("%d bright pixels in the title's first line, want 500+", bright)
	}
}
