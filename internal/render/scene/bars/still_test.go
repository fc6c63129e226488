package bars

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/encode"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/source"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenRender is what the golden files pin down of one render: the still
// step's plan, and what the other steps (the decoder, an ffmpeg encoder
// and the muxer) are given.
type goldenRender struct {
	p         plan
	audio     string // the source
	out       string // the MP4 the muxer writes
	duration  time.Duration
	frames    int
	copyAudio bool
	audioRate int64
}

// args returns each step's arguments and the static step's filtergraph, as
// the golden files hold them.
func (g goldenRender) args() string {
	l := g.p.Layout
	var b strings.Builder
	for _, step := range []struct {
		name string
		args []string
	}{
		{"static step", staticArgs(g.p)},
		{"decoder", source.DecodeArgs(g.audio, g.duration, analysis.SampleRate)},
		{"encoder", encode.EncoderArgs(encode.Video{W: l.W, H: l.H, FPS: frameRate, Frames: g.frames}, "pipe:0", "pipe:1")},
		{"muxer", encode.MuxArgs(encode.Output{Path: g.out, Audio: g.audio, Duration: g.duration,
			CopyAudio: g.copyAudio, AudioRate: g.audioRate}, frameRate, "pipe:0")},
	} {
		b.WriteString("# " + step.name + "\n" + strings.Join(step.args, "\n") + "\n")
	}
	b.WriteString("# static step's filtergraph (" + scriptFile + ")\n" + staticGraph(g.p))
	return b.String()
}

// goldenPlan returns a render as Render plans it, with fixed paths.
func goldenPlan(a mvgen.Aspect, cover bool) goldenRender {
	return goldenPlanAt(a, mvgen.HD, cover)
}

// goldenPlanAt is goldenPlan at resolution r.
func goldenPlanAt(a mvgen.Aspect, r mvgen.Resolution, cover bool) goldenRender {
	return goldenPlanOf(layoutAt(a, r), cover)
}

// goldenPlanOf is goldenPlan with layout l.
func goldenPlanOf(l layout, cover bool) goldenRender {
	const work = "/tmp/mvgen-render-123"
	p := plan{
		Layout: l, Work: work,
		Font: "/fonts/Noto Sans CJK.ttc", BoldFont: "/fonts/Noto Sans CJK Bold.ttc",
		Title: []textLine{{File: work + "/title1.txt", Size: l.TitleMax, Base: l.TitleBase},
			{File: work + "/title2.txt", Size: l.TitleMax, Base: l.TitleBase + lineHeight(l.TitleMax)}},
		Colors: scene.PaletteFor(200),
	}
	last := p.Title[1].Base
	p.Author = textLine{File: work + "/author.txt", Size: l.AuthorSize, Base: last + l.AuthorGap}
	p.Card = textLine{File: work + "/author.txt", Size: l.CardMax, Base: last + l.CardGap}
	p.Domain = textLine{File: work + "/domain.txt", Size: l.MarkSize, Base: l.MarkBase}
	if cover {
		p.Cover = source.Cover{Format: "jpeg"}.InputArgs("/data/cover.jpg")
	}
	return goldenRender{p: p, audio: "/data/in.mp3", out: "/data/.out.mp4.1.part",
		duration: 183*time.Second + 456*time.Millisecond, frames: 5504, copyAudio: true}
}

// TestFFmpegArgsGolden pins down the arguments of every ffmpeg a render
// runs and the static step's filtergraph.
func TestFFmpegArgsGolden(t *testing.T) {
	t.Parallel()
	square := goldenPlan(mvgen.Square, false)
	square.p.Title, square.p.Author, square.p.Card, square.p.Domain = nil, textLine{}, textLine{}, textLine{}
	square.copyAudio, square.audioRate, square.p.Threads = false, 320_000, 2
	odd := goldenPlan(mvgen.Landscape, true)
	odd.audio, odd.out, odd.p.Work = "/data/it's: [odd];,\\.wav", "/data/out put.mp4", "/tmp/we'ird:[dir];a,b"
	odd.p.Cover = source.Cover{Format: "jpeg"}.InputArgs("/data/c'o:v[e]r;,.png")
	odd.p.Font, odd.p.BoldFont = `C:\Fonts\x.ttf`, ""
	odd.p.Title = []textLine{{File: odd.p.Work + "/title1.txt", Size: 44, Base: 150}}
	tests := []struct {
		name string
		r    goldenRender
	}{
		{"landscape_cover", goldenPlan(mvgen.Landscape, true)},
		{"square_no_cover_no_text", square},
		{"portrait_cover", goldenPlan(mvgen.Portrait, true)},
		{"portrait_no_cover", goldenPlan(mvgen.Portrait, false)},
		{"landscape_1080p_cover", goldenPlanAt(mvgen.Landscape, mvgen.FullHD, true)},
		{"portrait_1080p_no_cover", goldenPlanAt(mvgen.Portrait, mvgen.FullHD, false)},
		{"feed_cover", goldenPlan(mvgen.Feed, true)},
		// 9:16 over the whole frame ("safeArea": false) is the layout
		// portrait_cover.golden held before the platform-safe box.
		{"portrait_full_frame_cover", goldenPlanOf(layoutWith(mvgen.Portrait, mvgen.HD, false, true), true)},
		{"odd_paths", odd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, tt.name, tt.r.args())
		})
	}
}

// TestLooksGolden pins down the static step of the other looks, in every
// aspect (testdata/LOOK_CASE.golden): their layouts, and the radial
// look's round cover and shadow.
func TestLooksGolden(t *testing.T) {
	t.Parallel()
	for _, lk := range looks[1:] {
		for _, tt := range []struct {
			name                    string
			a                       mvgen.Aspect
			r                       mvgen.Resolution
			lyrics, full, withCover bool
		}{
			{"landscape_cover", mvgen.Landscape, mvgen.HD, false, false, true},
			{"landscape_1080p_lyrics", mvgen.Landscape, mvgen.FullHD, true, false, true},
			{"square_no_cover", mvgen.Square, mvgen.HD, false, false, false},
			{"portrait_lyrics_cover", mvgen.Portrait, mvgen.HD, true, false, true},
			{"portrait_full_frame_cover", mvgen.Portrait, mvgen.HD, false, true, true},
			{"feed_lyrics_no_cover", mvgen.Feed, mvgen.HD, true, false, false},
		} {
			name := lookNames[lk] + "_" + tt.name
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				checkGolden(t, name, goldenPlanOf(lk.layout(tt.a, tt.r, tt.lyrics, tt.full), tt.withCover).args())
			})
		}
	}
}

// checkGolden compares got with testdata/name.golden, rewriting it under
// -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update after checking):\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

func TestTextCannotAlterRender(t *testing.T) {
	t.Parallel()
	const hostile = `'[out]; drawtext=text=PWNED:x=0 %{pts} \`
	// The plain title has the hostile one's words' lengths, so that both
	// wrap the same way.
	plain := strings.Map(func(r rune) rune {
		if r == ' ' {
			return r
		}
		return 'a'
	}, hostile)
	work := t.TempDir()
	build := func(title string) (plan, []string) {
		p := plan{Layout: layoutFor(mvgen.Landscape), Work: work, Font: "/f.ttc"}
		if err := writeTexts(&p, title, title, title); err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range p.Title {
			data, err := os.ReadFile(l.File)
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, string(data))
		}
		// The title may wrap inside a word; its lines hold every character.
		files := []string{strings.Join(lines, "")}
		for _, l := range []textLine{p.Author, p.Domain} {
			data, err := os.ReadFile(l.File)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, string(data))
		}
		return p, files
	}
	pp, plainFiles := build(plain)
	hp, hostileFiles := build(hostile)
	if g1, g2 := staticGraph(pp), staticGraph(hp); g1 != g2 {
		t.Errorf("the filtergraph depends on the text:\nplain:\n%s\nhostile:\n%s", g1, g2)
	}
	if a1, a2 := staticArgs(pp), staticArgs(hp); !slices.Equal(a1, a2) {
		t.Errorf("arguments depend on the text:\nplain:   %q\nhostile: %q", a1, a2)
	}
	for i, f := range hostileFiles {
		// Wrapping drops the spaces it breaks at; every other character
		// is in the files as written.
		if strings.ReplaceAll(f, " ", "") != strings.ReplaceAll(hostile, " ", "") {
			t.Errorf("text file %d holds %q, want the title as written", i, f)
		}
		if plainFiles[i] == f {
			t.Errorf("text file %d is the same for both titles", i)
		}
	}
}

const hostileTitle = "It's \"50%\" off: C:\\path\n%{pts} [x];y,z"

// TestWriteTexts checks that the files drawtext reads hold the user's text
// exactly (after the documented cleaning), and that nothing of it reaches
// the filtergraph.
func TestWriteTexts(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("長い", 40)
	tests := []struct {
		name                              string
		aspect                            mvgen.Aspect
		title, author, domain             string
		wantTitle, wantAuthor, wantDomain string
	}{
		{"hostile", mvgen.Landscape, hostileTitle, "周杰倫", "example.com",
			"It's \"50%\" off:\nC:\\path %{pts} [x];y,z", "周杰倫", "example.com"},
		{"empty", mvgen.Square, " \n ", "", "\t", "", "", ""},
		// In the platform-safe 9:16 layout, the author is cut to the
		// column's width at the card's smallest size (512 px at 26 px: 32
		// half-em units).
		{"long, safe 9:16", "safe", long, long, long,
			"長い長い長い長い長い長い長い長い\n長い長い長い長い長い長い長い長…",
			strings.Repeat("長い", 7) + "長…", strings.Repeat("長い", 24) + "長…"},
		{"long", mvgen.Portrait, long, long, long,
			"長い長い長い長い長い長い長い長い長\nい長い長い長い長い長い長い長い長い\n長い長い長い長い長い長い長い長い長…",
			strings.Repeat("長い", 24) + "長…", strings.Repeat("長い", 24) + "長…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := layoutFor(tt.aspect)
			if tt.aspect == "safe" {
				l = layoutAt(mvgen.Portrait, mvgen.HD)
			}
			p := plan{Layout: l, Work: t.TempDir(), Cover: source.Cover{Format: "png"}.InputArgs("/cover.png")}
			if err := writeTexts(&p, tt.title, tt.author, tt.domain); err != nil {
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

// TestLayouts checks what the drawing relies on in every layout: the
// video's size, even coordinates (whole chroma samples), everything inside
// the frame, the halo, bars and progress line clear of one another, and
// the lyrics clear of everything.
func TestLayouts(t *testing.T) {
	t.Parallel()
	for _, lk := range looks {
		for _, aspect := range aspects {
			for _, res := range []mvgen.Resolution{mvgen.HD, mvgen.FullHD} {
				for _, full := range []bool{false, true} {
					checkLookLayouts(t, lk, aspect, res, full)
				}
			}
		}
	}
}

// checkLookLayouts checks look lk's layouts of aspect at res (TestLayouts).
func checkLookLayouts(t *testing.T, lk look, aspect mvgen.Aspect, res mvgen.Resolution, full bool) {
	t.Helper()
	{
		{
			{
				name := lookNames[lk] + " " + string(aspect) + "@" + string(res) + map[bool]string{true: " full frame"}[full]
				fr := scene.FrameFor(aspect, res, full)
				for _, lyrics := range []bool{false, true} {
					l := lk.layout(aspect, res, lyrics, full)
					if l.W != fr.W || l.H != fr.H {
						t.Errorf("%s: the layout is %d×%d, not the video's %d×%d", name, l.W, l.H, fr.W, fr.H)
					}
					name := name + map[bool]string{true: " with lyrics"}[lyrics]
					checkLayout(t, name, l)
					checkSafe(t, name, l, fr)
				}
			}
		}
	}
}

// checkSafe checks that everything informative in l lies inside the
// frame's safe box: the cover, the title's and the author's lines at their
// largest (on the card too), the lyrics with their shadow, the progress
// line with its head, the times and the watermark's box.
func checkSafe(t *testing.T, name string, l layout, fr scene.Frame) {
	t.Helper()
	last := l.TitleBase + (l.TitleLines-1)*lineHeight(l.TitleMax)
	rects := map[string]yuv.Rect{
		"cover": l.Art,
		"title": {X: l.TextX, Y: l.TitleBase - l.TitleMax, W: l.TextW, H: last - l.TitleBase + l.TitleMax*3/2},
		"card":  {X: l.TextX, Y: last + l.CardGap - l.CardMax, W: l.TextW, H: l.CardMax * 3 / 2},
	}
	_, ch, base := l.digitCell()
	rects["times"] = yuv.Rect{X: l.Progress.X, Y: l.TimeBase - base, W: l.Progress.W, H: ch}
	rects["progress head"] = yuv.Rect{X: l.Progress.X - l.Dot/2, Y: l.Progress.Y + l.Progress.H/2 - l.Dot/2,
		W: l.Progress.W + l.Dot, H: l.Dot}
	mx, mw := l.markColumn()
	rects["watermark"] = yuv.Rect{X: mx - l.MarkPad, Y: l.MarkBase - l.MarkSize - l.MarkPad,
		W: mw + 2*l.MarkPad, H: l.MarkSize*4/3 + 2*l.MarkPad}
	if !l.Lyrics.Empty() {
		sh := l.lyricsStyle().Shadow()
		rects["lyrics"] = yuv.Rect{X: l.Lyrics.X, Y: l.Lyrics.Y, W: l.Lyrics.W + sh, H: l.Lyrics.H + sh}
	}
	for what, r := range rects {
		if !fr.Inside(r) {
			t.Errorf("%s: the %s %+v leaves the safe box %+v", name, what, r, fr.Safe)
		}
	}
}

func checkLayout(t *testing.T, a string, l layout) {
	t.Helper()
	{
		halo := yuv.Rect{X: l.Art.X - l.Halo, Y: l.Art.Y - l.Halo, W: l.Art.W + 2*l.Halo, H: l.Art.H + 2*l.Halo}
		bars := l.band()
		if l.Music == musicRadial {
			// The ring surrounds the glow, and is drawn clear of it (see
			// ringGeometry): its square takes the glow's place here.
			if _, _, inner, reach, tickR, tick := l.ringGeometry(); inner < float64(l.Art.W/2+l.Halo) ||
				inner+reach+2 > tickR-float64(tick)/2-2 || reach < 20 {
				t.Errorf("%s: the ring's bars (%.0f to %.0f) reach the glow or the ticks (at %.0f)", a, inner, inner+reach, tickR)
			}
			halo = bars
		}
		for name, r := range map[string]yuv.Rect{"art": l.Art, "halo": halo, "bars": bars, "progress": l.Progress} {
			if r.X%2 != 0 || r.Y%2 != 0 || r.W%2 != 0 || r.H%2 != 0 {
				t.Errorf("%s: %s %+v is not on even pixels", a, name, r)
			}
			if r.X < 0 || r.Y < 0 || r.X+r.W > l.W || r.Y+r.H > l.H {
				t.Errorf("%s: %s %+v leaves the %d×%d frame", a, name, r, l.W, l.H)
			}
		}
		if (l.Music != musicRadial && overlaps(halo, bars)) || overlaps(halo, l.Progress) || overlaps(bars, l.Progress) {
			t.Errorf("%s: halo %+v, bars %+v and progress %+v overlap", a, halo, bars, l.Progress)
		}
		if bw := l.barWidth(); l.Music == musicBars && (bw < 2 || l.barX(l.BarCount-1)+bw > l.Bars.X+l.Bars.W) {
			t.Errorf("%s: bars of width %d do not fit in %+v", a, bw, l.Bars)
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
		times := yuv.Rect{X: l.Progress.X, Y: l.TimeBase - base, W: l.Progress.W, H: ch}
		head := yuv.Rect{X: l.Progress.X - l.Dot, Y: l.Progress.Y + l.Progress.H/2 - l.Dot/2, W: l.Progress.W + 2*l.Dot, H: l.Dot}
		for name, r := range map[string]yuv.Rect{"times": times, "progress head": head} {
			if overlaps(r, halo) || overlaps(r, bars) || overlaps(r, card) {
				t.Errorf("%s: the %s %+v reach the glow, the bars or the card", a, name, r)
			}
		}
		// The lyrics, drawn with a shadow, stay clear of everything else
		// and inside the frame.
		if ly := l.Lyrics; !ly.Empty() {
			sh := l.lyricsStyle().Shadow()
			ly.W, ly.H = ly.W+sh, ly.H+sh
			markW := l.W / 3
			mark := yuv.Rect{X: (l.W - markW) / 2, Y: l.MarkBase - l.MarkSize*3/2, W: markW, H: l.MarkSize * 2}
			art := yuv.Rect{X: l.Art.X - l.Shadow, Y: l.Art.Y - l.Shadow + l.Drop, W: l.Art.W + 2*l.Shadow, H: l.Art.H + 2*l.Shadow}
			for name, r := range map[string]yuv.Rect{"glow": halo, "bars": bars, "card": card, "times": times,
				"progress head": head, "watermark": mark, "cover's shadow": art} {
				if overlaps(ly, r) {
					t.Errorf("%s: the lyrics %+v reach the %s %+v", a, ly, name, r)
				}
			}
			if ly.X < 0 || ly.Y < 0 || ly.X+ly.W > l.W || ly.Y+ly.H > l.H || ly.X%2 != 0 || ly.Y%2 != 0 || ly.W%2 != 0 {
				t.Errorf("%s: the lyrics %+v are not on even pixels inside the frame", a, ly)
			}
			need := l.lyricsStyle().Tallest() + sh
			if need > l.Lyrics.H {
				t.Errorf("%s: the lyrics' area is %d high, want %d for %d lines and the next", a, l.Lyrics.H, need, l.LyricLines)
			}
		}
	}
}

func overlaps(a, b yuv.Rect) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}
