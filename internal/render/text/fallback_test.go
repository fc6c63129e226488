package text

import (
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
	main, _ := DefaultFonts()
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
		regular, bold := LineFont(tt.text, main)
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
	if regular, _ := LineFont("Ab שלוםעולם", main); !strings.Contains(regular, "Hebrew") {
		t.Errorf("mostly Hebrew line: got %q, want the Hebrew font", regular)
	}
	if regular, _ := LineFont("Title in Latin letters א", main); regular != "" {
		t.Errorf("mostly Latin line: got %q, want the main font", regular)
	}
}
