package text

import (
	"slices"
	"testing"
)

const hostileTitle = "It's \"50%\" off: C:\\path\n%{pts} [x];y,z"

func TestClean(t *testing.T) {
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
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
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
		if got := Truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestTruncateWidth(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in    string
		units int
		want  string
	}{
		{"short", 5, "short"},
		{"one two three", 8, "one two…"},
		{"周杰倫周杰倫", 12, "周杰倫周杰倫"},
		{"周杰倫周杰倫", 8, "周杰倫…"},
		{"ab周c", 4, "ab…"},
	} {
		got := TruncateWidth(tt.in, tt.units)
		if got != tt.want || Width(got) > tt.units {
			t.Errorf("TruncateWidth(%q, %d) = %q (%d units), want %q", tt.in, tt.units, got, Width(got), tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
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
		got := Wrap(tt.in, tt.width, tt.maxLines)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Wrap(%q, %d, %d) = %q, want %q", tt.in, tt.width, tt.maxLines, got, tt.want)
		}
		for _, line := range got {
			if w := Width(line); w > tt.width {
				t.Errorf("Wrap(%q, %d, %d): line %q is %d wide", tt.in, tt.width, tt.maxLines, line, w)
			}
		}
	}
}

func TestFitSize(t *testing.T) {
	t.Parallel()
	tests := []struct{ units, px, min, max, want int }{
		{0, 600, 10, 64, 64},
		{6, 600, 10, 64, 64},
		{20, 600, 10, 64, 50},
		{1000, 600, 10, 64, 10},
	}
	for _, tt := range tests {
		if got := FitSize(tt.units, tt.px, tt.min, tt.max); got != tt.want {
			t.Errorf("FitSize(%d, %d, %d, %d) = %d, want %d", tt.units, tt.px, tt.min, tt.max, got, tt.want)
		}
	}
}
