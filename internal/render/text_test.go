package render

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestCleanLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{hostileTitle, `It's "50%" off: C:\path %{pts} [x];y,z`},
		{"  a\r\n\tb\u2028c  ", "a b c"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"\n\n", ""},
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
		in                                Input
		wantTitle, wantAuthor, wantDomain string
	}{
		{"hostile", Input{Title: hostileTitle, Author: "周杰倫", Domain: "example.com"},
			"It's \"50%\" off: C:\\path\n%{pts} [x];y,z", "周杰倫", "example.com"},
		{"empty", Input{Title: " \n ", Author: "", Domain: "\t"}, "", "", ""},
		{"long", Input{Title: long, Author: long, Domain: long},
			"長い長い長い長い長い長い\n長い長い長い長い長い長い\n長い長い長い長い長い長い…",
			strings.Repeat("長い", 24) + "長…", strings.Repeat("長い", 24) + "長…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := plan{Cover: "/cover.png"}
			if err := writeTexts(&p, dir, tt.in); err != nil {
				t.Fatal(err)
			}
			check := func(what string, b textBlock, want string) {
				t.Helper()
				if want == "" {
					if b.File != "" {
						t.Errorf("%s: got file %s, want none for empty text", what, b.File)
					}
					return
				}
				got, err := os.ReadFile(b.File)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if string(got) != want {
					t.Errorf("%s file holds %q, want %q", what, got, want)
				}
			}
			check("title", p.Title, tt.wantTitle)
			check("author", p.Author, tt.wantAuthor)
			check("domain", p.Domain, tt.wantDomain)
			graph := filterGraph(p)
			for _, s := range []string{"50%", "周杰倫", "example.com", "長い"} {
				if strings.Contains(graph, s) {
					t.Errorf("filtergraph contains user text %q:\n%s", s, graph)
				}
			}
		})
	}
}
