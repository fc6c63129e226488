package lyrics

import (
	"fmt"
	"strings"
	"time"
)

// Caption files (contract §6.5): the timed lines of a song's lyrics as
// SRT, WebVTT and LRC, timed to a video that shows the part of the song
// from start for dur (a clip; dur 0 is to the song's end), so that a
// clip's captions start at 0. Lines wholly outside the part are left out;
// a line crossing one of its ends is cut there, and so are its words.

// Window returns the lines of l that the part from start for dur shows,
// with their times (and their words') moved by -start and cut to [0, dur].
func (l Lyrics) Window(start, dur time.Duration) []Line {
	end := time.Duration(1<<63 - 1)
	if dur > 0 {
		end = start + dur
	}
	var out []Line
	for _, ln := range l.Lines {
		if ln.End <= start || ln.Start >= end {
			continue
		}
		clip := func(t time.Duration) time.Duration { return min(max(t, start), end) - start }
		c := Line{Start: clip(ln.Start), End: clip(ln.End), Text: ln.Text}
		for _, w := range ln.Words {
			if w.Start < start || w.Start >= end {
				continue
			}
			c.Words = append(c.Words, Word{Start: clip(w.Start), End: clip(w.End), Text: w.Text})
		}
		if c.End > c.Start {
			out = append(out, c)
		}
	}
	return out
}

// SRT returns the part's lines as SubRip: one numbered cue a line.
func (l Lyrics) SRT(start, dur time.Duration) []byte {
	var b strings.Builder
	for i, ln := range l.Window(start, dur) {
		fmt.Fprintf(&b, "%d\n%s --> %s\n%s\n\n", i+1, clock(ln.Start, ','), clock(ln.End, ','),
			strings.ReplaceAll(ln.Text, "-->", "->"))
	}
	return []byte(b.String())
}

// VTT returns the part's lines as WebVTT: one cue a line, and when the
// words are timed, a cue timestamp before each word after the first (a
// player lights the words up as karaoke).
func (l Lyrics) VTT(start, dur time.Duration) []byte {
	var b strings.Builder
	b.WriteString("WEBVTT\n\n")
	for _, ln := range l.Window(start, dur) {
		fmt.Fprintf(&b, "%s --> %s\n", clock(ln.Start, '.'), clock(ln.End, '.'))
		tagged(&b, ln, vttEscape, func(t time.Duration) string {
			if t <= ln.Start || t >= ln.End { // cue timestamps lie strictly inside the cue
				return ""
			}
			return "<" + clock(t, '.') + ">"
		})
		b.WriteString("\n\n")
	}
	return []byte(b.String())
}

// LRC returns the part's lines as LRC: a line tag a line, a word tag
// before each timed word and one ending the last (enhanced LRC), and an
// empty timed line where a line ends before the next starts, so that
// ParseLRC reads the same lines back.
func (l Lyrics) LRC(start, dur time.Duration) []byte {
	var b strings.Builder
	lines := l.Window(start, dur)
	for i, ln := range lines {
		b.WriteString("[" + lrcTime(ln.Start) + "]")
		tagged(&b, ln, func(s string) string { return s }, func(t time.Duration) string { return "<" + lrcTime(t) + ">" })
		if n := len(ln.Words); n > 0 && ln.Words[n-1].End > ln.Words[n-1].Start {
			b.WriteString(" <" + lrcTime(ln.Words[n-1].End) + ">")
		}
		b.WriteString("\n")
		if i+1 == len(lines) || lines[i+1].Start > ln.End {
			b.WriteString("[" + lrcTime(ln.End) + "]\n")
		}
	}
	return []byte(b.String())
}

// tagged writes line ln's text, escaped, with tag(t) before each word
// that starts at t (the words are substrings of the text, in order).
func tagged(b *strings.Builder, ln Line, escape func(string) string, tag func(time.Duration) string) {
	text := ln.Text
	pos := 0
	for _, w := range ln.Words {
		i := strings.Index(text[pos:], w.Text)
		if i < 0 || w.Text == "" {
			continue
		}
		b.WriteString(escape(text[pos : pos+i]))
		b.WriteString(tag(w.Start))
		b.WriteString(escape(w.Text))
		pos += i + len(w.Text)
	}
	b.WriteString(escape(text[pos:]))
}

// vttEscape escapes what WebVTT cue text reserves.
func vttEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// clock formats t as hh:mm:ss followed by sep and milliseconds, as SRT
// (sep ',') and WebVTT (sep '.') write cue times.
func clock(t time.Duration, sep byte) string {
	ms := t.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d%c%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}

// lrcTime formats t as LRC's mm:ss.xx (minutes may pass 99).
func lrcTime(t time.Duration) string {
	cs := (t.Milliseconds() + 5) / 10
	return fmt.Sprintf("%02d:%02d.%02d", cs/6000, cs/100%60, cs%100)
}
