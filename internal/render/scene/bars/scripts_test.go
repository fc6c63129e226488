package bars

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/ffmpeg"
	"github.com/mvgen/mvgen/internal/render/rendertest"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/text"
)

// requireFallbackFonts skips the test when Noto CJK or Noto's per-script
// faces are not installed (make deps installs them), and fails it under CI.
func requireFallbackFonts(tb testing.TB) string {
	tb.Helper()
	main, _ := text.DefaultFonts()
	if !strings.Contains(main, "NotoSansCJK") || len(text.FallbackFonts()) == 0 {
		if os.Getenv("CI") != "" {
			tb.Fatal("Noto Sans CJK and fonts-noto-core are not installed: run make deps")
		}
		tb.Skip("Noto Sans CJK and fonts-noto-core are not installed")
	}
	return main
}

// TestOtherScripts plans a title, author and domain in scripts Noto CJK
// lacks: each line is drawn with a font that has it.
func TestOtherScripts(t *testing.T) {
	main := requireFallbackFonts(t)
	t.Parallel()
	p := plan{Layout: layoutFor(mvgen.Landscape), Work: t.TempDir(), Font: main}
	if err := writeTexts(&p, "مرحبا بالعالم", "สวัสดีครับ", "שלום"); err != nil {
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
// in the still picture; a title one font draws stays with the static step.
func TestMixedTitleDrawnInGo(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	main := requireFallbackFonts(t)
	t.Parallel()
	const title, author = "أغنية الليل الطويل — A very long title", "Plain author"
	p := plan{Layout: layoutFor(mvgen.Landscape), Work: t.TempDir(), Font: main}
	if err := writeTexts(&p, title, author, ""); err != nil {
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
	main, bold := text.DefaultFonts()
	th := New(scene.Spec{Aspect: mvgen.Landscape, Resolution: mvgen.HD, FPS: frameRate, Frames: frameRate,
		Duration: time.Second, Title: title, Author: author, Font: main, BoldFont: bold, Work: t.TempDir(),
		FFmpeg: &ffmpeg.Runner{}})
	still, err := th.Still(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l := th.l
	bright := 0
	for y := p.Title[0].Base - l.TitleMax; y < p.Title[0].Base; y++ {
		for x := l.TextX; x < l.TextX+l.TextW; x++ {
			if still.Y[y*l.W+x] > 200 {
				bright++
			}
		}
	}
	if bright < 500 {
		t.Errorf("%d bright pixels in the title's first line, want 500+", bright)
	}
}
