// Package lyrics reads synced lyrics: LRC files (line tags [mm:ss.xx],
// enhanced-LRC word tags <mm:ss.xx>) and the word timings of an upstream
// Suno-compatible API's get-timestamped-lyrics (alignedWords). Both become
// a [Lyrics]: lines with the time they are sung and, when known, the time
// of each word. The package does no I/O; its parsers take the bytes a
// caller has read, with the limits below.
package lyrics

import (
	"fmt"
	"time"
)

// Limits on what the parsers accept. Larger input is an *Error.
const (
	MaxBytes     = 256 << 10 // the whole LRC text or alignedWords body
	MaxLines     = 2000      // lines of text, timed or not; a line with several time tags counts once per tag
	MaxLineRunes = 300       // characters of one line's text
	MaxWords     = 20000     // words in all, from word tags or alignedWords
	MaxTime      = 24 * time.Hour
)

// Hold is how long a line stays on screen after its last word ends (or,
// without word times, after it starts) when the next line does not start
// sooner.
const (
	HoldAfterWords = 2 * time.Second
	HoldLine       = 6 * time.Second
)

// Lyrics is a song's synced lyrics.
type Lyrics struct {
	// Lines are the timed lines in order of Start; they do not overlap.
	Lines []Line
	// Untimed holds the lines of text that carried no time: kept, but not
	// shown in a video (there is nothing to show them by).
	Untimed []string
	// Sections are the song's section labels where the source gives them
	// ("[Chorus]", "[Verse 2]"… in Suno's timestamped lyrics, or an LRC
	// line whose only text is a bracketed name), in order of Start; the
	// clip picker looks for the first chorus among them.
	Sections []Section
}

// Section is a labelled part of a song, from Start.
type Section struct {
	Start time.Duration
	// Name is the label as given, without its brackets ("Chorus 2").
	Name string
}

// Line is one line of lyrics, shown from Start to End.
type Line struct {
	Start, End time.Duration
	// Text is the line's text, without tags; never empty.
	Text string
	// Words, when the source timed them, split Text: each word's Text is
	// a substring of Text, in order, and its times lie within the line's.
	Words []Word
}

// Word is one word of a line and the time it is sung.
type Word struct {
	Start, End time.Duration
	Text       string
}

// Timed reports whether l has any line to show.
func (l Lyrics) Timed() bool { return len(l.Lines) > 0 }

// Error is input the parsers refuse: malformed, or over a limit. Line and
// Col, counted from 1, say where (0 when it concerns the whole input).
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("lyrics: line %d, column %d: %s", e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("lyrics: line %d: %s", e.Line, e.Msg)
	}
	return "lyrics: " + e.Msg
}

// finish sorts nothing (the parsers append in order) but sets each line's
// End: the next line's Start, or sooner when the line has been held long
// enough (HoldAfterWords after its last word, HoldLine after its start).
func finish(lines []Line) []Line {
	for i := range lines {
		l := &lines[i]
		end := l.Start + HoldLine
		if n := len(l.Words); n > 0 {
			end = max(l.Words[n-1].End, l.Words[n-1].Start) + HoldAfterWords
		}
		if l.End > l.Start {
			end = l.End
		}
		if i+1 < len(lines) {
			end = min(end, lines[i+1].Start)
		}
		l.End = max(end, l.Start)
	}
	return lines
}
