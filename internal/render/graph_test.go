package render

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

func TestFFmpegArgsGolden(t *testing.T) {
	t.Parallel()
	const font = "/fonts/Noto Sans CJK.ttc"
	work := "/tmp/mvgen-render-123"
	tests := []struct {
		name string
		p    plan
	}{
		{"cover_all_text", plan{
			Audio: "/data/in.mp3", Cover: "/data/cover.jpg", CoverFormat: "jpeg_pipe",
			Out: "/data/.out.mp4.1.part", Script: work + "/filtergraph.txt", Font: font,
			Title:    textBlock{File: work + "/title.txt", Size: 44, Lines: 2},
			Author:   textBlock{File: work + "/author.txt", Size: 64, Lines: 1},
			Domain:   textBlock{File: work + "/domain.txt", Size: 22, Lines: 1},
			Duration: 183*time.Second + 456*time.Millisecond, CopyAudio: true,
		}},
		{"no_cover_no_text", plan{
			Audio: "/data/in.flac", Out: "/data/.out.mp4.2.part", Script: work + "/filtergraph.txt",
			Background: palette[0], Duration: 2 * time.Second, Threads: 2,
		}},
		{"odd_paths", plan{
			Audio: "/data/it's: [odd];,\\.wav", Out: "/data/out put.mp4",
			Script: "/tmp/we'ird:[dir];a,b/filtergraph.txt", Font: `C:\Fonts\x.ttf`,
			Title:      textBlock{File: "/tmp/we'ird:[dir];a,b/title.txt", Size: 44, Lines: 1},
			Background: palette[1], Duration: 1500 * time.Millisecond,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := strings.Join(ffmpegArgs(tt.p), "\n") + "\n----\n" + filterGraph(tt.p)
			golden := filepath.Join("testdata", tt.name+".golden")
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
				t.Errorf("ffmpeg arguments and filtergraph differ from %s (run go test -update after checking):\ngot:\n%s\nwant:\n%s",
					golden, got, want)
			}
		})
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
