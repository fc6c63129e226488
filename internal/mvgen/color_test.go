package mvgen

import (
	"strings"
	"testing"
)

func TestParseColor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Color
		ok   bool
	}{
		{"#ff8800", Color{255, 136, 0}, true},
		{"#FF8800", Color{255, 136, 0}, true},
		{"#000000", Color{}, true},
		{"ff8800", Color{}, false},
		{"#ff880", Color{}, false},
		{"#ff88000", Color{}, false},
		{"#gg8800", Color{}, false},
		{"#+f8800", Color{}, false},
		{"", Color{}, false},
	} {
		got, err := ParseColor(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseColor(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok && !strings.EqualFold(got.String(), tc.in) {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
}
