package render

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenPlan returns a plan as Render builds it, with fixed paths.
func goldenPlan(a Aspect, cover bool) plan {
	return goldenPlanAt(a, HD, cover)
}

// goldenPlanAt is goldenPlan at resolution r.
func goldenPlanAt(a Aspect, r Resolution, cover bool) plan {
	const work = "/tmp/mvgen-render-123"
	l := layoutAt(a, r)
	p := plan{
		Aspect: a, Layout: l, Audio: "/data/in.mp3", Out: "/data/.out.mp4.1.part", Work: work,
		Font: "/fonts/Noto Sans CJK.ttc", BoldFont: "/fonts/Noto Sans CJK Bold.ttc",
		Title: []textLine{{File: work + "/title1.txt", Size: l.TitleMax, Base: l.TitleBase},
			{File: work + "/title2.txt", Size: l.TitleMax, Base: l.TitleBase + lineHeight(l.TitleMax)}},
		Colors:   paletteFor(200),
		Duration: 183*time.Second + 456*time.Millisecond, Frames: 5504, CopyAudio: true,
	}
	last := p.Title[1].Base
	p.Author = textLine{File: work + "/author.txt", Size: l.AuthorSize, Base: last + l.AuthorGap}
	p.Card = textLine{File: work + "/author.txt", Size: l.CardMax, Base: last + l.CardGap}
	p.Domain = textLine{File: work + "/domain.txt", Size: l.MarkSize, Base: l.MarkBase}
	if cover {
		p.Cover, p.CoverFormat = "/data/cover.jpg", "jpeg_pipe"
	}
	return p
}

func TestFFmpegArgsGolden(t *testing.T) {
	t.Parallel()
	square := goldenPlan(Square, false)
	square.Title, square.Author, square.Card, square.Domain = nil, textLine{}, textLine{}, textLine{}
	square.CopyAudio, square.AudioRate, square.Threads = false, 320_000, 2
	odd := goldenPlan(Landscape, true)
	odd.Audio, odd.Out, odd.Work = "/data/it's: [odd];,\\.wav", "/data/out put.mp4", "/tmp/we'ird:[dir];a,b"
	odd.Cover, odd.Font, odd.BoldFont = "/data/c'o:v[e]r;,.png", `C:\Fonts\x.ttf`, ""
	odd.Title = []textLine{{File: odd.Work + "/title1.txt", Size: 44, Base: 150}}
	tests := []struct {
		name string
		p    plan
	}{
		{"landscape_cover", goldenPlan(Landscape, true)},
		{"square_no_cover_no_text", square},
		{"portrait_cover", goldenPlan(Portrait, true)},
		{"portrait_no_cover", goldenPlan(Portrait, false)},
		{"landscape_1080p_cover", goldenPlanAt(Landscape, FullHD, true)},
		{"portrait_1080p_no_cover", goldenPlanAt(Portrait, FullHD, false)},
		{"odd_paths", odd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			for _, step := range []struct {
				name string
				args []string
			}{
				{"static step", staticArgs(tt.p)},
				{"decoder", decodeArgs(tt.p)},
				{"encoder", encodeArgs(tt.p, "pipe:0", "pipe:1")},
				{"muxer", muxArgs(tt.p, "pipe:0")},
			} {
				b.WriteString("# " + step.name + "\n" + strings.Join(step.args, "\n") + "\n")
			}
			b.WriteString("# static step's filtergraph (" + scriptFile + ")\n" + staticGraph(tt.p))
			checkGolden(t, tt.name, b.String())
		})
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

// TestTextCannotAlterRender renders the plan of a title written to break
// out of the filtergraph and of a plain title of the same width: the
// filtergraph and every argument list are the same, and only the text
// files differ.
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
		p := plan{Layout: layoutFor(Landscape), Work: work, Audio: "/in.mp3", Out: "/out.mp4", Font: "/f.ttc"}
		if err := writeTexts(&p, Input{Title: title, Author: title, Domain: title}); err != nil {
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
	for _, args := range [][2][]string{
		{staticArgs(pp), staticArgs(hp)},
		{encodeArgs(pp, "pipe:0", "pipe:1"), encodeArgs(hp, "pipe:0", "pipe:1")},
		{muxArgs(pp, "pipe:0"), muxArgs(hp, "pipe:0")},
		{decodeArgs(pp), decodeArgs(hp)},
	} {
		if !slices.Equal(args[0], args[1]) {
			t.Errorf("arguments depend on the text:\nplain:   %q\nhostile: %q", args[0], args[1])
		}
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
func TestEscapeFilterValue(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"/tmp/plain/title.txt", "/tmp/plain/title.txt"},
		{"C:/x", `C\\:/x`},
		{`a\b`, `a\\\\b`},
		{"it's", `it\\\'s`},
		{"a,b;c", `a\,b\;c`},
		{"[x]", `\[x\]`},
		{"sp ace", "sp ace"},
		{" lead", `\\ lead`},
		{"trail ", `trail\\\ `},
		{"%{pts}=@#", "%{pts}=@#"},
		{"周杰倫", "周杰倫"},
		// The example of ffmpeg-filters' "Notes on filtergraph escaping".
		{"this is a 'string': may contain one, or more, special characters",
			`this is a \\\'string\\\'\\: may contain one\, or more\, special characters`},
	}
	for _, tt := range tests {
		if got := escapeFilterValue(tt.in); got != tt.want {
			t.Errorf("escapeFilterValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestEscapeFilterValueFFmpeg has ffmpeg itself read a text file and a font
// through paths full of characters the filtergraph treats specially.
func TestEscapeFilterValueFFmpeg(t *testing.T) {
	requireFFmpeg(t)
	t.Parallel()
	font := (&Renderer{}).font()
	if font == "" {
		t.Skip("no known font installed")
	}
	dir := filepath.Join(t.TempDir(), `we'ird: [dir];a,b\c %{pts} `)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	text, linkedFont := filepath.Join(dir, "it's, [x].txt"), filepath.Join(dir, "f:o;n't.ttc")
	if err := os.WriteFile(text, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(font, linkedFont); err != nil {
		t.Fatal(err)
	}
	graph := "color=c=black:s=64x32:d=0.1,drawtext=fontfile=" + escapeFilterValue(linkedFont) +
		":textfile=" + escapeFilterValue(text) + ":expansion=none:fontcolor=white[v]"
	script := filepath.Join(t.TempDir(), "graph.txt")
	if err := os.WriteFile(script, []byte(graph), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
		"-filter_complex_script", script, "-map", "[v]", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg could not use the escaped paths: %v\n%s\ngraph: %s", err, out, graph)
	}
}
