package text

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font/sfnt"
)

// Fallback fonts. Noto Sans CJK covers Latin with accents, Greek,
// Cyrillic, CJK and Hangul, but not Arabic, Hebrew, Thai, the Indic
// scripts and others; and ffmpeg's drawtext draws a text with one font and
// no fallback of its own. So each line of text ffmpeg draws that the main
// font cannot draw whole is drawn with the font, among Noto's per-script
// faces (Debian's fonts-noto-core, which make installs), that has the most
// of its characters (see LineFont). drawtext reorders right-to-left text
// and joins Arabic letters (FriBidi); it does not shape Indic conjuncts. A
// line no one font has whole (see Covers) is laid out in Go instead (see
// Typesetter).

// fontCandidates are tried in order by DefaultFonts. The Noto CJK fonts
// come first because they also cover Latin, Greek, Cyrillic and Hangul;
// DejaVu is the fallback for hosts without them. Each has a bold face next
// to it, found by replacing "Regular" with "Bold" or "Sans" with
// "Sans-Bold".
var fontCandidates = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",   // Debian, Ubuntu
	"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",        // Arch, Alpine
	"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", // Fedora
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",          // Debian, Ubuntu
	"/usr/share/fonts/dejavu/DejaVuSans.ttf",                   // Fedora, Alpine
	"/usr/share/fonts/TTF/DejaVuSans.ttf",                      // Arch
}

// DefaultFonts returns the regular and bold faces of the first installed
// font of a built-in list of Noto Sans CJK and DejaVu paths; "" when none
// is installed (fontconfig then picks for ffmpeg). The bold one is the
// regular one when it has no bold face.
func DefaultFonts() (regular, bold string) {
	for _, f := range fontCandidates {
		if _, err := os.Stat(f); err != nil {
			continue
		}
		for _, b := range []string{strings.Replace(f, "Regular", "Bold", 1), strings.Replace(f, "Sans.", "Sans-Bold.", 1)} {
			if _, err := os.Stat(b); err == nil && b != f {
				return f, b
			}
		}
		return f, f
	}
	return "", ""
}

// fallbackDirs are searched for Noto's per-script faces, in order.
var fallbackDirs = []string{
	"/usr/share/fonts/truetype/noto", // Debian, Ubuntu: fonts-noto-core
	"/usr/share/fonts/noto",          // Arch, Alpine
	"/usr/share/fonts/google-noto",   // Fedora
}

// FallbackFonts lists the regular faces of Noto Sans found on this host:
// Noto Sans itself first, then the per-script faces by name. It is read
// once per process.
func FallbackFonts() []string { return fallbackFonts() }

var fallbackFonts = sync.OnceValue(func() []string {
	var fonts []string
	for _, dir := range fallbackDirs {
		matches, _ := filepath.Glob(filepath.Join(dir, "NotoSans*-Regular.[ot]tf"))
		for _, m := range matches {
			name := filepath.Base(m)
			// UI faces have tighter metrics, Display faces are for large
			// headings; the plain face of each script is enough.
			if !strings.Contains(name, "UI-") && !strings.Contains(name, "Display-") {
				fonts = append(fonts, m)
			}
		}
		if len(fonts) > 0 {
			break
		}
	}
	// Glob sorts by name; Noto Sans itself, the widest face, goes first.
	if i := slices.IndexFunc(fonts, func(f string) bool {
		return strings.HasPrefix(filepath.Base(f), "NotoSans-")
	}); i > 0 {
		first := fonts[i]
		fonts = slices.Insert(slices.Delete(fonts, i, i+1), 0, first)
	}
	return fonts
})

// faces caches parsed fonts by path. A font's file stays open for the
// process's lifetime: only the fonts a line needed are ever opened.
var faces struct {
	sync.Mutex
	m map[string]*sfnt.Font // nil for a file that cannot be read as a font
}

// face returns the parsed font at path (the first of a collection), or nil.
func face(path string) *sfnt.Font {
	faces.Lock()
	defer faces.Unlock()
	if f, ok := faces.m[path]; ok {
		return f
	}
	if faces.m == nil {
		faces.m = map[string]*sfnt.Font{}
	}
	faces.m[path] = nil
	file, err := os.Open(path)
	if err != nil {
		return nil
	}
	var f *sfnt.Font
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".ttc" || ext == ".otc" {
		c, err := sfnt.ParseCollectionReaderAt(file)
		if err == nil {
			f, err = c.Font(0)
		}
		if err != nil {
			file.Close()
			return nil
		}
	} else if f, err = sfnt.ParseReaderAt(file); err != nil {
		file.Close()
		return nil
	}
	faces.m[path] = f
	return f
}

// covered counts the runes of rs that the font at path has a glyph for;
// -1 when it cannot be read.
func covered(path string, rs []rune) int {
	f := face(path)
	if f == nil {
		return -1
	}
	var b sfnt.Buffer
	n := 0
	for _, r := range rs {
		if g, err := f.GlyphIndex(&b, r); err == nil && g != 0 {
			n++
		}
	}
	return n
}

// LineFont returns the font to draw text with instead of main, or "" when
// main has every character of it (or no font has more): among Noto's
// per-script faces, the one with the most of its characters. The bold face
// is the regular one's name with "Bold" for "Regular", when that file
// exists.
func LineFont(text, main string) (regular, bold string) {
	rs := distinctRunes(text)
	best := covered(main, rs)
	if main == "" || best == len(rs) {
		return "", ""
	}
	for _, f := range fallbackFonts() {
		if n := covered(f, rs); n > best {
			regular, best = f, n
			if n == len(rs) {
				break
			}
		}
	}
	if regular == "" {
		return "", ""
	}
	bold = strings.Replace(regular, "-Regular.", "-Bold.", 1)
	if _, err := os.Stat(bold); err != nil {
		bold = regular
	}
	return regular, bold
}

// distinctRunes returns the characters of text but spaces, once each.
func distinctRunes(text string) []rune {
	var rs []rune
	for _, r := range text {
		if !unicode.IsSpace(r) && !slices.Contains(rs, r) {
			rs = append(rs, r)
		}
	}
	return rs
}

// Covers reports whether the font at path has a glyph for every character
// of text but spaces; false when it cannot be read.
func Covers(path, text string) bool {
	rs := distinctRunes(text)
	return covered(path, rs) == len(rs)
}
