package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes s drawable on one line: invalid UTF-8 is replaced, bidi
// controls are dropped, newlines, tabs and other control characters become
// spaces, runs of spaces collapse and the ends are trimmed. A title's
// newlines therefore become spaces; the title is then wrapped by Wrap.
func Clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case bidiControl(r):
			return -1
		case unicode.IsControl(r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r):
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// bidiControl reports whether r is one of the invisible characters that
// steer the bidi algorithm (marks, embeddings, overrides, isolates). They
// are dropped from drawn text: the text is ordered by its own characters,
// and an override could make it read otherwise than it is written.
func bidiControl(r rune) bool {
	switch {
	case r == 0x061C, r == 0x200E, r == 0x200F: // ALM, LRM, RLM
		return true
	case r >= 0x202A && r <= 0x202E: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return false
}

// Truncate shortens s to at most n runes, ending with "…" when it cut.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// TruncateWidth shortens s to at most units half-em units (see Width),
// ending with "…" (one unit) when it cut.
func TruncateWidth(s string, units int) string {
	if Width(s) <= units {
		return s
	}
	w := 1
	for i, r := range s {
		if w+runeWidth(r) > units {
			return strings.TrimRight(s[:i], " ") + "…"
		}
		w += runeWidth(r)
	}
	return s
}

// runeWidth is a rune's advance in half-em units, roughly: East Asian wide
// characters take a full em (2), everything else about half (1). It is used
// only to lay text out, so an estimate is enough.
func runeWidth(r rune) int {
	switch {
	case unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana),
		r >= 0x3000 && r <= 0x303f,   // CJK punctuation
		r >= 0xff01 && r <= 0xff60,   // fullwidth forms
		r >= 0x1f300 && r <= 0x1faff: // pictographs
		return 2
	}
	return 1
}

// Width is the width of s in half-em units (the sum of runeWidth): an
// estimate, for laying out text that ffmpeg draws.
func Width(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

// Wrap breaks s into at most maxLines lines of at most width units,
// preferring breaks at spaces and breaking inside a word (as CJK text must)
// only when the word alone is too wide. Text that does not fit ends in "…".
func Wrap(s string, width, maxLines int) []string {
	var lines []string
	var cur []rune
	curW := 0
	flush := func() {
		lines = append(lines, strings.TrimRight(string(cur), " "))
		cur, curW = nil, 0
	}
	for i, word := range strings.Split(s, " ") {
		ww := Width(word)
		if i > 0 && curW > 0 {
			if curW+1+ww <= width {
				cur, curW = append(cur, ' '), curW+1
			} else {
				flush()
			}
		}
		for _, r := range word {
			rw := runeWidth(r)
			if curW+rw > width && curW > 0 {
				flush()
			}
			cur, curW = append(cur, r), curW+rw
		}
	}
	if curW > 0 || len(lines) == 0 {
		flush()
	}
	if len(lines) <= maxLines {
		return lines
	}
	lines = lines[:maxLines]
	last := []rune(lines[maxLines-1])
	for len(last) > 0 && Width(string(last))+1 > width {
		last = last[:len(last)-1]
	}
	lines[maxLines-1] = strings.TrimRight(string(last), " ") + "…"
	return lines
}

// FitSize is the largest size not above max (and not below min) at which
// text of the given width in units fits in px pixels, taking a unit as 0.6 em.
func FitSize(units, px, min, max int) int {
	if units <= 0 {
		return max
	}
	size := px * 10 / (units * 6)
	if size > max {
		return max
	}
	if size < min {
		return min
	}
	return size
}
