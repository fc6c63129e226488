package ffmpeg

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/mvgen/mvgen/internal/render/rendertest"
	"github.com/mvgen/mvgen/internal/render/text"
)

func TestTailBuffer(t *testing.T) {
	t.Parallel()
	tb := NewTailBuffer(8)
	tb.Write([]byte("hello "))
	tb.Write([]byte("world!"))
	if got, want := tb.String(), "o world!"; got != want {
		t.Errorf("tail %q, want %q", got, want)
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
		if got := EscapeFilterValue(tt.in); got != tt.want {
			t.Errorf("EscapeFilterValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestEscapeFilterValueFFmpeg has ffmpeg itself read a text file and a font
// through paths full of characters the filtergraph treats specially.
func TestEscapeFilterValueFFmpeg(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	font, _ := text.DefaultFonts()
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
	graph := "color=c=black:s=64x32:d=0.1,drawtext=fontfile=" + EscapeFilterValue(linkedFont) +
		":textfile=" + EscapeFilterValue(text) + ":expansion=none:fontcolor=white[v]"
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
