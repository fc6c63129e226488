package render

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/mvgen"
)

func TestCleanLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{hostileTitle, `It's "50%" off: C:\path %{pts} [x];y,z`},
		{"  a\r\n\tb\u2028c  ", "a b c"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"\n\n", ""},
		{"abc\u202Eevil\u202C \u2066x\u2069\u200F", "abcevil x"},
		{"zero\u200Dwidth joiner stays", "zero\u200Dwidth joiner stays"},
	}
	for _, tt := range tests {
		if got := cleanLine(tt.in); got != tt.want {
			t.Errorf("cleanLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"one two three", 8, "one two…"},
		{"周杰倫周杰倫", 4, "周杰倫…"},
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestWrapText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		width    int
		maxLines int
		want     []string
	}{
		{"", 10, 3, []string{""}},
		{"short", 10, 3, []string{"short"}},
		{"one two three four", 9, 3, []string{"one two", "three", "four"}},
		{"abcdefghijkl", 5, 3, []string{"abcde", "fghij", "kl"}},
		{"周杰倫周杰倫", 6, 3, []string{"周杰倫", "周杰倫"}},
		{"one two three four five", 9, 2, []string{"one two", "three…"}},
		{"aaaa bbbb cccc", 4, 2, []string{"aaaa", "bbb…"}},
	}
	for _, tt := range tests {
		got := wrapText(tt.in, tt.width, tt.maxLines)
		if !slices.Equal(got, tt.want) {
			t.Errorf("wrapText(%q, %d, %d) = %q, want %q", tt.in, tt.width, tt.maxLines, got, tt.want)
		}
		for _, line := range got {
			if w := textWidth(line); w > tt.width {
				t.Errorf("wrapText(%q, %d, %d): line %q is %d wide", tt.in, tt.width, tt.maxLines, line, w)
			}
		}
	}
}

func TestFitFontSize(t *testing.T) {
	t.Parallel()
	tests := []struct{ units, px, min, max, want int }{
		{0, 600, 10, 64, 64},
		{6, 600, 10, 64, 64},
		{20, 600, 10, 64, 50},
		{1000, 600, 10, 64, 10},
	}
	for _, tt := range tests {
		if got := fitFontSize(tt.units, tt.px, tt.min, tt.max); got != tt.want {
			t.Errorf("fitFontSize(%d, %d, %d, %d) = %d, want %d", tt.units, tt.px, tt.min, tt.max, got, tt.want)
		}
	}
}

// TestWriteTexts checks that the files drawtext reads hold the user's text
// exactly (after the documented cleaning), and that nothing of it reaches
// the filtergraph.
func TestWriteTexts(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("長い", 40)
	tests := []struct {
		name                              string
		aspect                            Aspect
		in                                Input
		wantTitle, wantAuthor, wantDomain string
	}{
		{"hostile", Landscape, Input{Title: hostileTitle, Author: "周杰倫", Domain: "example.com"},
			"It's \"50%\" off:\nC:\\path %{pts} [x];y,z", "周杰倫", "example.com"},
		{"empty", Square, Input{Title: " \n ", Author: "", Domain: "\t"}, "", "", ""},
		{"long", Portrait, Input{Title: long, Author: long, Domain: long},
			"長い長い長い長い長い長い長い長い長\nい長い長い長い長い長い長い長い長い\n長い長い長い長い長い長い長い長い長…",
			strings.Repeat("長い", 24) + "長…", strings.Repeat("長い", 24) + "長…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := plan{Layout: layoutFor(tt.aspect), Work: t.TempDir(), Cover: "/cover.png"}
			if err := writeTexts(&p, tt.in); err != nil {
				t.Fatal(err)
			}
			read := func(what string, l textLine) string {
				t.Helper()
				if l.File == "" {
					return ""
				}
				got, err := os.ReadFile(l.File)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				return string(got)
			}
			var title []string
			for _, l := range p.Title {
				title = append(title, read("title", l))
			}
			for _, c := range []struct{ what, got, want string }{
				{"title", strings.Join(title, "\n"), tt.wantTitle},
				{"author", read("author", p.Author), tt.wantAuthor},
				{"card", read("card", p.Card), tt.wantAuthor},
				{"domain", read("domain", p.Domain), tt.wantDomain},
			} {
				if c.got != c.want {
					t.Errorf("%s files hold %q, want %q", c.what, c.got, c.want)
				}
			}
			graph := staticGraph(p)
			for _, s := range []string{"50%", "周杰倫", "example.com", "長い"} {
				if strings.Contains(graph, s) {
					t.Errorf("filtergraph contains user text %q:\n%s", s, graph)
				}
			}
		})
	}
}

func TestParseAspect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   Aspect
		w, h   int
		wantOK bool
	}{
		{"", Landscape, 1280, 720, true},
		{"16:9", Landscape, 1280, 720, true},
		{"1:1", Square, 1080, 1080, true},
		{"9:16", Portrait, 720, 1280, true},
		{"4:3", "", 0, 0, false},
		{" 1:1", "", 0, 0, false},
		{"16x9", "", 0, 0, false},
	}
	for _, tt := range tests {
		parsed, err := mvgen.ParseAspect(tt.in)
		got := Aspect(parsed)
		if (err == nil) != tt.wantOK || got != tt.want {
			t.Errorf("ParseAspect(%q) = %q, %v, want %q (ok %v)", tt.in, got, err, tt.want, tt.wantOK)
			continue
		}
		if w, h := got.Size(); tt.wantOK && (w != tt.w || h != tt.h) {
			t.Errorf("%s.Size() = %d×%d, want %d×%d", got, w, h, tt.w, tt.h)
		}
	}
}

func TestParseResolution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   Resolution
		wantOK bool
		sizes  [3][2]int // of 16:9, 1:1 and 9:16
	}{
		{"", HD, true, [3][2]int{{1280, 720}, {1080, 1080}, {720, 1280}}},
		{"720p", HD, true, [3][2]int{{1280, 720}, {1080, 1080}, {720, 1280}}},
		{"1080p", FullHD, true, [3][2]int{{1920, 1080}, {1080, 1080}, {1080, 1920}}},
		{"1080", "", false, [3][2]int{}},
		{"4k", "", false, [3][2]int{}},
		{"720P", "", false, [3][2]int{}},
	}
	for _, tt := range tests {
		parsed, err := mvgen.ParseResolution(tt.in)
		got := Resolution(parsed)
		if (err == nil) != tt.wantOK || got != tt.want {
			t.Errorf("ParseResolution(%q) = %q, %v, want %q (ok %v)", tt.in, got, err, tt.want, tt.wantOK)
			continue
		}
		if !tt.wantOK {
			if !strings.Contains(err.Error(), `"720p" or "1080p"`) {
				t.Errorf("ParseResolution(%q): error %q does not name the allowed values", tt.in, err)
			}
			continue
		}
		for i, a := range []Aspect{Landscape, Square, Portrait} {
			if w, h := a.SizeAt(got); w != tt.sizes[i][0] || h != tt.sizes[i][1] {
				t.Errorf("%s.SizeAt(%s) = %d×%d, want %d×%d", a, got, w, h, tt.sizes[i][0], tt.sizes[i][1])
			}
		}
	}
}

// TestLayouts checks what the drawing relies on in every layout: even
// coordinates (whole chroma samples), everything inside the frame, the
// halo, bars and progress line clear of one another, and a frame larger
// than the encoder's pipe (see frameWriter).
func TestLayouts(t *testing.T) {
	t.Parallel()
	for _, aspect := range []Aspect{Landscape, Square, Portrait} {
		for _, res := range []Resolution{HD, FullHD} {
			checkLayout(t, string(aspect)+"@"+string(res), layoutAt(aspect, res))
			checkLayout(t, string(aspect)+"@"+string(res)+" with lyrics", layoutWith(aspect, res, true))
		}
	}
}

func checkLayout(t *testing.T, a string, l layout) {
	t.Helper()
	{
		halo := rect{l.Art.X - l.Halo, l.Art.Y - l.Halo, l.Art.W + 2*l.Halo, l.Art.H + 2*l.Halo}
		bars := rect{l.Bars.X, l.Bars.Y, l.Bars.W, l.Bars.H + l.Reflect}
		for name, r := range map[string]rect{"art": l.Art, "halo": halo, "bars": bars, "progress": l.Progress} {
			if r.X%2 != 0 || r.Y%2 != 0 || r.W%2 != 0 || r.H%2 != 0 {
				t.Errorf("%s: %s %+v is not on even pixels", a, name, r)
			}
			if r.X < 0 || r.Y < 0 || r.X+r.W > l.W || r.Y+r.H > l.H {
				t.Errorf("%s: %s %+v leaves the %d×%d frame", a, name, r, l.W, l.H)
			}
		}
		if overlaps(halo, bars) || overlaps(halo, l.Progress) || overlaps(bars, l.Progress) {
			t.Errorf("%s: halo %+v, bars %+v and progress %+v overlap", a, halo, bars, l.Progress)
		}
		if bw := l.barWidth(); bw < 2 || l.barX(l.BarCount-1)+bw > l.Bars.X+l.Bars.W {
			t.Errorf("%s: bars of width %d do not fit in %+v", a, bw, l.Bars)
		}
		if l.W*l.H*3/2 <= pipeSize {
			t.Errorf("%s: a frame (%d bytes) must be larger than the pipe (%d)", a, l.W*l.H*3/2, pipeSize)
		}
		if l.TimeBase%2 != 0 || l.Bars.H%2 != 0 || l.Reflect%2 != 0 {
			t.Errorf("%s: odd time baseline, band or reflection", a)
		}
		// The card's rect, with the longest title and the largest author,
		// stays clear of the glow and the bars, which frames only update
		// where they change.
		last := l.TitleBase + (l.TitleLines-1)*lineHeight(l.TitleMax)
		card := cardRect(plan{Layout: l, Author: textLine{File: "a", Size: l.AuthorSize, Base: last + l.AuthorGap},
			Card: textLine{File: "a", Size: l.CardMax, Base: last + l.CardGap}})
		if overlaps(card, halo) || overlaps(card, bars) || overlaps(card, l.Progress) {
			t.Errorf("%s: the card's rect %+v reaches the glow %+v, the bars %+v or the progress line", a, card, halo, bars)
		}
		// So do the times and the progress line's head.
		_, ch, base := l.digitCell()
		times := rect{l.Progress.X, l.TimeBase - base, l.Progress.W, ch}
		head := rect{l.Progress.X - l.Dot, l.Progress.Y + l.Progress.H/2 - l.Dot/2, l.Progress.W + 2*l.Dot, l.Dot}
		for name, r := range map[string]rect{"times": times, "progress head": head} {
			if overlaps(r, halo) || overlaps(r, bars) || overlaps(r, card) {
				t.Errorf("%s: the %s %+v reach the glow, the bars or the card", a, name, r)
			}
		}
		// The lyrics, drawn with a shadow, stay clear of everything else
		// and inside the frame.
		if ly := l.Lyrics; !ly.empty() {
			sh := lyricShadow(l)
			ly.W, ly.H = ly.W+sh, ly.H+sh
			markW := l.W / 3
			mark := rect{(l.W - markW) / 2, l.MarkBase - l.MarkSize*3/2, markW, l.MarkSize * 2}
			art := rect{l.Art.X - l.Shadow, l.Art.Y - l.Shadow + l.Drop, l.Art.W + 2*l.Shadow, l.Art.H + 2*l.Shadow}
			for name, r := range map[string]rect{"glow": halo, "bars": bars, "card": card, "times": times,
				"progress head": head, "watermark": mark, "cover's shadow": art} {
				if overlaps(ly, r) {
					t.Errorf("%s: the lyrics %+v reach the %s %+v", a, ly, name, r)
				}
			}
			if ly.X < 0 || ly.Y < 0 || ly.X+ly.W > l.W || ly.Y+ly.H > l.H || ly.X%2 != 0 || ly.Y%2 != 0 || ly.W%2 != 0 {
				t.Errorf("%s: the lyrics %+v are not on even pixels inside the frame", a, ly)
			}
			gap := lyricGap * l.LyricSize / 34 &^ 1
			need := lyricMaskHeight(l.LyricSize, l.LyricLines) + gap + lyricMaskHeight(l.NextSize, 1) + sh
			if need > l.Lyrics.H {
				t.Errorf("%s: the lyrics' area is %d high, want %d for %d lines and the next", a, l.Lyrics.H, need, l.LyricLines)
			}
		}
	}
}

func overlaps(a, b rect) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

func TestAudioPlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		info     Info
		wantCopy bool
		wantRate int64
	}{
		{Info{Codec: "mp3", BitRate: 128_000, SampleRate: 44100, Channels: 2}, true, 0},
		{Info{Codec: "aac", BitRate: 256_000, SampleRate: 48000, Channels: 2}, true, 0},
		{Info{Codec: "alac", SampleRate: 44100, Channels: 2}, true, 0},
		{Info{Codec: "flac", BitRate: 900_000, SampleRate: 44100, Channels: 2}, false, 320_000},
		{Info{Codec: "pcm_s16le", BitRate: 1_411_200, SampleRate: 44100, Channels: 2}, false, 320_000},
		{Info{Codec: "pcm_s16le", BitRate: 705_600, SampleRate: 44100, Channels: 1}, false, 192_000},
		{Info{Codec: "vorbis", BitRate: 128_000, SampleRate: 44100, Channels: 2}, false, 192_000},
		{Info{Codec: "opus", BitRate: 256_000, SampleRate: 48000, Channels: 2}, false, 256_000},
		{Info{Codec: "vorbis", BitRate: 900_000, SampleRate: 44100, Channels: 2}, false, 529_200},
		{Info{Codec: "pcm_u8", BitRate: 64_000, SampleRate: 8000, Channels: 1}, false, 48_000},
	}
	for _, tt := range tests {
		gotCopy, gotRate := audioPlan(tt.info)
		if gotCopy != tt.wantCopy || gotRate != tt.wantRate {
			t.Errorf("audioPlan(%+v) = %v, %d, want %v, %d", tt.info, gotCopy, gotRate, tt.wantCopy, tt.wantRate)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{
		1000: "1000 bytes", 2048: "2 KiB", 1536 + 1: "1.5 KiB",
		200 << 20: "200 MiB", 200<<20 + 1<<19: "200.5 MiB",
	} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
