package render

import (
	"fmt"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text limits, in runes. Longer strings are cut and end with an ellipsis.
const (
	maxTitleRunes  = 60
	maxAuthorRunes = 50
	maxDomainRunes = 50
)

// cleanLine makes s drawable on one line: invalid UTF-8 is replaced, bidi
// controls are dropped, newlines, tabs and other control characters become
// spaces, runs of spaces collapse and the ends are trimmed. The title's newlines therefore become
// spaces; the title is then wrapped by wrapText.
func cleanLine(s string) string {
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

// truncate shortens s to at most n runes, ending with "…" when it cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
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

// textWidth is the sum of runeWidth over s.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

// wrapText breaks s into at most maxLines lines of at most width units,
// preferring breaks at spaces and breaking inside a word (as CJK text must)
// only when the word alone is too wide. Text that does not fit ends in "…".
func wrapText(s string, width, maxLines int) []string {
	var lines []string
	var cur []rune
	curW := 0
	flush := func() {
		lines = append(lines, strings.TrimRight(string(cur), " "))
		cur, curW = nil, 0
	}
	for i, word := range strings.Split(s, " ") {
		ww := textWidth(word)
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
	for len(last) > 0 && textWidth(string(last))+1 > width {
		last = last[:len(last)-1]
	}
	lines[maxLines-1] = strings.TrimRight(string(last), " ") + "…"
	return lines
}

// fitFontSize is the largest size not above max (and not below min) at which
// text of the given width in units fits in px pixels, taking a unit as 0.6 em.
func fitFontSize(units, px, min, max int) int {
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

// Text sizes that no layout changes.
const (
	authorMinSize = 20
	domainMinSize = 12
	markMargin    = 80 // the watermark keeps this far from the frame's sides
)

// lineHeight is the distance between two title baselines at font size size.
func lineHeight(size int) int { return size * 5 / 4 }

// fitTitle picks the largest title size of the layout at which title wraps
// onto its lines without being cut, or the smallest size, cut, when none
// does; it returns the size and the lines.
func fitTitle(title string, l layout) (int, []string) {
	for size := l.TitleMax; size > l.TitleMin; size -= 2 {
		lines := wrapText(title, l.TextW*10/(size*6), l.TitleLines+1)
		if len(lines) <= l.TitleLines {
			return size, lines
		}
	}
	return l.TitleMin, wrapText(title, l.TextW*10/(l.TitleMin*6), l.TitleLines)
}

// writeTexts writes the title's lines, the author and the domain of in to
// their own files in the work directory and records them, with their sizes
// and baselines, in p. Strings that are empty after cleaning get no file
// and are not drawn.
func writeTexts(p *plan, in Input) error {
	l := p.Layout
	write := func(name, text string) (string, error) {
		file := p.path(name)
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			return "", fmt.Errorf("render: writing %s: %w", name, err)
		}
		return file, nil
	}
	last := l.TitleBase - l.AuthorGap // the title's last baseline; without a title, the author takes its place
	if title := truncate(cleanLine(in.Title), maxTitleRunes); title != "" {
		p.TitleText = title
		size, lines := fitTitle(title, l)
		for i, line := range lines {
			file, err := write(fmt.Sprintf("title%d.txt", i+1), line)
			if err != nil {
				return err
			}
			last = l.TitleBase + i*lineHeight(size)
			p.Title = append(p.Title, textLine{File: file, Size: size, Base: last, Text: line})
		}
	}
	if author := truncate(cleanLine(in.Author), maxAuthorRunes); author != "" {
		file, err := write("author.txt", author)
		if err != nil {
			return err
		}
		w := textWidth(author)
		p.Author = textLine{File: file, Size: fitFontSize(w, l.TextW, authorMinSize, l.AuthorSize), Base: last + l.AuthorGap,
			Text: author}
		p.Card = textLine{File: file, Size: fitFontSize(w, l.TextW, l.CardMin, l.CardMax), Base: last + l.CardGap, Text: author}
	}
	if domain := truncate(cleanLine(in.Domain), maxDomainRunes); domain != "" {
		file, err := write("domain.txt", domain)
		if err != nil {
			return err
		}
		p.Domain = textLine{File: file, Size: fitFontSize(textWidth(domain), l.W-2*markMargin, domainMinSize, l.MarkSize),
			Base: l.MarkBase, Text: domain}
	}
	return nil
}
