package lyrics

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ParseLRC reads LRC text:
//
//	[ti:Song title]                 metadata tags: ignored
//	[00:12.30]First line            a line sung from 12.3 s
//	[00:15.00][01:15.00]Chorus      the same line at two times
//	[00:20.00]<00:20.00>Word <00:20.50>by <00:21.10>word <00:21.80>
//	[00:25.00]                      an empty line: nothing is shown from 25 s
//	Plain text                      kept in Untimed, not shown
//
// Times are mm:ss, mm:ss.f, mm:ss.ff or mm:ss.fff (a colon before the
// fraction is accepted too). Word tags (enhanced LRC) start a word each; a
// last tag with no word after it ends the last word. A tag at the start of
// a line that begins with a digit but is not a time, a word tag that is
// not a time, invalid UTF-8 and input over the limits (MaxBytes, MaxLines,
// MaxLineRunes, MaxWords, MaxTime) are an *Error naming the line and
// column. A newline after the last line starts no other, and a line with
// several time tags counts against MaxLines once per tag, as it is shown.
// Lines end when the next line (or an empty timed line) starts, or when
// held long enough (see HoldLine and HoldAfterWords).
func ParseLRC(src []byte) (Lyrics, error) {
	if len(src) > MaxBytes {
		return Lyrics{}, &Error{Msg: fmt.Sprintf("%d bytes; the limit is %d", len(src), MaxBytes)}
	}
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	var out Lyrics
	var stops []time.Duration // times of empty timed lines
	words := 0
	lines := 0 // lines as they are shown: a line with n time tags is n
	// A newline ends a line; it starts one only when something follows.
	for ln, rest := 1, src; len(rest) > 0; ln++ {
		var raw []byte
		raw, rest, _ = bytes.Cut(rest, []byte("\n"))
		if lines++; lines > MaxLines {
			return Lyrics{}, &Error{Line: ln, Msg: fmt.Sprintf("more than %d lines", MaxLines)}
		}
		raw = bytes.TrimSuffix(raw, []byte("\r"))
		if !utf8.Valid(raw) {
			col := 1 + utf8.RuneCount(raw[:firstInvalid(raw)])
			return Lyrics{}, &Error{Line: ln, Col: col, Msg: "invalid UTF-8"}
		}
		p := lineParser{s: string(raw), line: ln}
		times, err := p.lineTags()
		if err != nil {
			return Lyrics{}, err
		}
		// A timed line whose only text is a bracketed name (a tag that
		// is neither a time nor metadata, "[00:12.00][Chorus]") labels a
		// section; as before, it shows nothing and ends the line before.
		if len(times) > 0 && p.section != "" && strings.TrimSpace(p.s[p.pos:]) == "" {
			for _, t := range times {
				out.Sections = append(out.Sections, Section{Start: t, Name: p.section})
			}
		}
		if lines += max(0, len(times)-1); lines > MaxLines {
			return Lyrics{}, &Error{Line: ln, Msg: fmt.Sprintf("more than %d lines (a line counts once per time tag)", MaxLines)}
		}
		text, ws, err := p.body()
		if err != nil {
			return Lyrics{}, err
		}
		if utf8.RuneCountInString(text) > MaxLineRunes {
			return Lyrics{}, &Error{Line: ln, Msg: fmt.Sprintf("more than %d characters", MaxLineRunes)}
		}
		if words += len(ws) * max(1, len(times)); words > MaxWords {
			return Lyrics{}, &Error{Line: ln, Msg: fmt.Sprintf("more than %d words", MaxWords)}
		}
		switch {
		case len(times) == 0 && text != "":
			out.Untimed = append(out.Untimed, text)
		case len(times) > 0 && text == "":
			stops = append(stops, times...)
		case len(times) > 0:
			for _, t := range times {
				l := Line{Start: t, Text: text}
				if len(ws) > 0 {
					// Word times are absolute; a line repeated at other
					// times gets them shifted by as much.
					shift := t - times[0]
					l.Words = make([]Word, len(ws))
					for j, w := range ws {
						l.Words[j] = Word{Start: w.Start + shift, End: w.End + shift, Text: w.Text}
					}
				}
				out.Lines = append(out.Lines, l)
			}
		}
	}
	slices.SortStableFunc(out.Lines, func(a, b Line) int { return int(a.Start - b.Start) })
	slices.Sort(stops)
	slices.SortStableFunc(out.Sections, func(a, b Section) int { return int(a.Start - b.Start) })
	for i := range out.Lines {
		l := &out.Lines[i]
		if j, _ := slices.BinarySearch(stops, l.Start+1); j < len(stops) {
			l.End = stops[j]
		}
	}
	out.Lines = finish(out.Lines)
	return out, nil
}

// firstInvalid returns the offset of b's first invalid UTF-8 sequence.
func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// maxTagLen is the longest a word tag can be, "<" and ">" included:
// <mmm:ss.fff>.
const maxTagLen = 12

// lineParser reads one line of LRC; pos is a byte offset into s.
type lineParser struct {
	s    string
	pos  int
	line int
	// section is the last tag at the line's start that is neither a time
	// nor metadata ("Chorus" of "[Chorus]"), "" for none.
	section string
}

// col returns the column (in characters, from 1) of byte offset i.
func (p *lineParser) col(i int) int { return 1 + utf8.RuneCountInString(p.s[:i]) }

func (p *lineParser) errAt(i int, format string, args ...any) error {
	return &Error{Line: p.line, Col: p.col(i), Msg: fmt.Sprintf(format, args...)}
}

// lineTags reads the tags at the start of the line and returns the times
// among them; other tags ([ar:…], [Chorus]) are skipped.
func (p *lineParser) lineTags() ([]time.Duration, error) {
	var times []time.Duration
	for {
		for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
			p.pos++
		}
		if p.pos >= len(p.s) || p.s[p.pos] != '[' {
			return times, nil
		}
		end := strings.IndexByte(p.s[p.pos:], ']')
		if end < 0 {
			return nil, p.errAt(p.pos, "tag %q is not closed with ]", p.s[p.pos:])
		}
		tag := p.s[p.pos+1 : p.pos+end]
		if name := strings.TrimSpace(tag); name != "" && !isDigit(name[0]) && !strings.Contains(name, ":") {
			p.section = name
		}
		if tag != "" && isDigit(tag[0]) {
			t, err := parseTime(tag)
			if err != nil {
				return nil, p.errAt(p.pos+1, "time tag [%s]: %v", tag, err)
			}
			times = append(times, t)
		}
		p.pos += end + 1
	}
}

// body reads the rest of the line: its text without word tags, whitespace
// collapsed, and the words the tags time.
func (p *lineParser) body() (string, []Word, error) {
	var text strings.Builder
	var words []Word
	var cur *Word // the word being read
	seg := p.pos  // start of the text since the last tag
	endWord := func(at time.Duration, upto int) {
		if cur == nil {
			return
		}
		cur.Text = collapse(p.s[seg:upto])
		if cur.End == 0 {
			cur.End = at
		}
		if cur.Text != "" {
			words = append(words, *cur)
		}
		cur = nil
	}
	for i := p.pos; i < len(p.s); i++ {
		if p.s[i] != '<' || i+1 >= len(p.s) || !isDigit(p.s[i+1]) {
			continue
		}
		// A tag is short; looking no further keeps a line of "<1<1<1…"
		// linear.
		end := strings.IndexByte(p.s[i:min(len(p.s), i+maxTagLen)], '>')
		if end < 0 {
			continue // "<3 you": text, not a tag
		}
		t, err := parseTime(p.s[i+1 : i+end])
		if err != nil {
			return "", nil, p.errAt(i+1, "word tag <%s>: %v", p.s[i+1:i+end], err)
		}
		if len(words) > 0 && t < words[len(words)-1].Start || cur != nil && t < cur.Start {
			return "", nil, p.errAt(i+1, "word tag <%s> goes back in time", p.s[i+1:i+end])
		}
		text.WriteString(p.s[seg:i])
		endWord(t, i)
		cur = &Word{Start: t}
		i += end
		seg = i + 1
	}
	text.WriteString(p.s[seg:])
	if cur != nil {
		cur.End = 0
		endWord(0, len(p.s))
		if n := len(words); n > 0 && words[n-1].End == 0 {
			words[n-1].End = words[n-1].Start
		}
	}
	return collapse(text.String()), words, nil
}

// parseTime reads mm:ss, mm:ss.f…fff or mm:ss:ff.
func parseTime(s string) (time.Duration, error) {
	mm, rest, ok := strings.Cut(s, ":")
	if !ok || !digits(mm, 1, 3) {
		return 0, fmt.Errorf("want mm:ss.xx")
	}
	ss, frac := rest, ""
	if i := strings.IndexAny(rest, ".:"); i >= 0 {
		ss, frac = rest[:i], rest[i+1:]
		if !digits(frac, 1, 3) {
			return 0, fmt.Errorf("want mm:ss.xx")
		}
	}
	if !digits(ss, 1, 2) {
		return 0, fmt.Errorf("want mm:ss.xx")
	}
	m, sec := atoi(mm), atoi(ss)
	if sec >= 60 {
		return 0, fmt.Errorf("seconds %d are not below 60", sec)
	}
	t := time.Duration(m)*time.Minute + time.Duration(sec)*time.Second
	if frac != "" {
		f := atoi(frac)
		for range 3 - len(frac) {
			f *= 10
		}
		t += time.Duration(f) * time.Millisecond
	}
	if t > MaxTime {
		return 0, fmt.Errorf("later than %s", MaxTime)
	}
	return t, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits reports whether s is between lo and hi ASCII digits.
func digits(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// collapse trims s and turns each run of whitespace into one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
