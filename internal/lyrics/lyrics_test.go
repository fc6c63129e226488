package lyrics

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestParseLRC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want Lyrics
	}{
		{"lines, metadata ignored, held at most HoldLine",
			"\uFEFF[ti:Song]\n[ar:Someone]\n[00:01.00]First line\r\n[00:03.5]Second   line\n[00:30.123]Third\n",
			Lyrics{Lines: []Line{
				{Start: ms(1000), End: ms(3500), Text: "First line"},
				{Start: ms(3500), End: ms(9500), Text: "Second line"},
				{Start: ms(30123), End: ms(36123), Text: "Third"},
			}}},
		{"repeated line tags, sorted",
			"[00:10.00][00:02.00]Chorus\n[00:05:50]Verse\n",
			Lyrics{Lines: []Line{
				{Start: ms(2000), End: ms(5500), Text: "Chorus"},
				{Start: ms(5500), End: ms(10000), Text: "Verse"},
				{Start: ms(10000), End: ms(16000), Text: "Chorus"},
			}}},
		{"an empty timed line ends the line before",
			"[00:01.00]Sung\n[00:02.50]\n[00:20.00]Again\n",
			Lyrics{Lines: []Line{
				{Start: ms(1000), End: ms(2500), Text: "Sung"},
				{Start: ms(20000), End: ms(26000), Text: "Again"},
			}}},
		{"word tags, a last tag ending the last word",
			"[00:01.00]<00:01.00>Word <00:01.50>by <00:02.10>word<00:02.80>\n[00:10.00]<00:10.00>我<00:10.40>爱\n",
			Lyrics{Lines: []Line{
				{Start: ms(1000), End: ms(4800), Text: "Word by word", Words: []Word{
					{ms(1000), ms(1500), "Word"}, {ms(1500), ms(2100), "by"}, {ms(2100), ms(2800), "word"}}},
				{Start: ms(10000), End: ms(12400), Text: "我爱", Words: []Word{
					{ms(10000), ms(10400), "我"}, {ms(10400), ms(10400), "爱"}}},
			}}},
		{"plain text kept untimed; <3 is text",
			"Just words\n[Chorus]\n[00:01.00]I <3 you\n",
			Lyrics{Untimed: []string{"Just words"}, Lines: []Line{{Start: ms(1000), End: ms(7000), Text: "I <3 you"}}}},
		{"user text stays text", "[00:00.00]%{pts} [x]; 'q':\\n drawtext=\n",
			Lyrics{Lines: []Line{{Start: 0, End: ms(6000), Text: "%{pts} [x]; 'q':\\n drawtext="}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseLRC([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// TestParseLRCLineLimit (issue 19 item 8): MaxLines lines are accepted,
// with or without a newline after the last, and a line's time tags count
// one line each.
func TestParseLRCLineLimit(t *testing.T) {
	t.Parallel()
	for name, src := range map[string]string{
		"2000 lines and a newline":    strings.Repeat("[00:01.00]x\n", MaxLines),
		"2000 lines, no last newline": strings.TrimSuffix(strings.Repeat("[00:01.00]x\n", MaxLines), "\n"),
		"2000 lines in CRLF":          strings.Repeat("x\r\n", MaxLines),
		"one line of 2000 tags":       strings.Repeat("[0:01]", MaxLines) + "la\n",
	} {
		if _, err := ParseLRC([]byte(src)); err != nil {
			t.Errorf("%s: %v, want accepted", name, err)
		}
	}
}

func TestParseLRCErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"malformed time", "[00:01.00]ok\n[00:6x.00]bad", 2, 2, "time tag [00:6x.00]"},
		{"seconds out of range", "[01:75.00]bad", 1, 2, "seconds 75 are not below 60"},
		{"unclosed tag", "  [00:01.00", 1, 3, "not closed"},
		{"bad word tag", "[00:01.00]a <00:0x.1> b", 1, 14, "word tag <00:0x.1>"},
		{"word tag back in time", "[00:01.00]<00:02.00>a <00:01.00>b", 1, 24, "goes back in time"},
		{"invalid UTF-8", "[00:01.00]ab\xffc", 1, 13, "invalid UTF-8"},
		{"line too long", "[00:01.00]" + strings.Repeat("é", MaxLineRunes+1), 1, 0, "more than 300 characters"},
		{"too many lines", strings.Repeat("x\n", MaxLines+1), MaxLines + 1, 0, "more than 2000 lines"},
		{"too many lines without a last newline", strings.Repeat("x\n", MaxLines) + "x", MaxLines + 1, 0, "more than 2000 lines"},
		// Issue 19 item 8: each time tag makes a line.
		{"one line of 24000 time tags", strings.Repeat("[0:01]", 24000) + "la", 1, 0, "more than 2000 lines"},
		{"2000 tags after a line", "[0:00]a\n" + strings.Repeat("[0:01]", MaxLines) + "b", 2, 0, "more than 2000 lines"},
		{"2001 empty timed lines", strings.Repeat("[0:01]", MaxLines+1), 1, 0, "more than 2000 lines"},
		{"too large", strings.Repeat("x", MaxBytes+1), 0, 0, "the limit is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseLRC([]byte(tt.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if e.Line != tt.line || e.Col != tt.col || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got line %d, column %d, %q; want line %d, column %d, containing %q", e.Line, e.Col, e.Msg,
					tt.line, tt.col, tt.msg)
			}
		})
	}
}

// TestParseTimestampedExample reads the example answer of the upstream's
// documentation.
func TestParseTimestampedExample(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/get-timestamped-lyrics.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseTimestamped(body)
	if err != nil {
		t.Fatal(err)
	}
	want := Lyrics{Lines: []Line{{Start: ms(1360), End: ms(3790), Text: "Waggin'",
		Words: []Word{{ms(1360), ms(1790), "Waggin'"}}}},
		Sections: []Section{{ms(1360), "Verse"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestSections: a timed LRC line that is one bracketed name is a section
// marker, not a line, and ends the line before it, as an empty line does;
// a name over 40 characters is only that stop; bracketed words inside a
// line stay its text.
func TestSections(t *testing.T) {
	t.Parallel()
	lrc := "[00:01.00]First line\n[00:05.00][Guitar Solo]\n[00:20.00][00:40.00][ Chorus ]\n" +
		"[00:21.00]Sung [softly]\n[00:22.00][" + strings.Repeat("x", 41) + "]\n"
	got, err := ParseLRC([]byte(lrc))
	if err != nil {
		t.Fatal(err)
	}
	wantSections := []Section{{ms(5000), "Guitar Solo"}, {ms(20000), "Chorus"}, {ms(40000), "Chorus"}}
	if !reflect.DeepEqual(got.Sections, wantSections) {
		t.Errorf("sections %+v, want %+v", got.Sections, wantSections)
	}
	var texts []string
	for _, l := range got.Lines {
		texts = append(texts, l.Text)
	}
	if want := []string{"First line", "Sung [softly]"}; !reflect.DeepEqual(texts, want) {
		t.Errorf("lines %q, want %q", texts, want)
	}
	if got.Lines[0].End != ms(5000) {
		t.Errorf("the first line ends at %v, want 5s, where the solo's marker is", got.Lines[0].End)
	}
}

func TestFromAligned(t *testing.T) {
	t.Parallel()
	body := `{"code":200,"msg":"success","data":{"alignedWords":[
		{"word":"[Verse]\nHello ","success":true,"startS":1.0,"endS":1.4,"palign":0.9},
		{"word":"world\n","success":true,"startS":1.5,"endS":2.0,"palign":0.8},
		{"word":"[Chorus]\n","success":true,"startS":9.0,"endS":9.0,"palign":0},
		{"word":"夜の","success":false,"startS":10.0,"endS":10.5,"palign":0.1},
		{"word":"ドライブ","success":true,"startS":10.5,"endS":11.0,"palign":0.7},
		{"word":"again","success":true,"start_s":11.2,"end_s":11.6,"p_align":0.7}
	]}}`
	got, err := ParseTimestamped([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := Lyrics{Lines: []Line{
		{Start: ms(1000), End: ms(4000), Text: "Hello world", Words: []Word{{ms(1000), ms(1400), "Hello"}, {ms(1500), ms(2000), "world"}}},
		{Start: ms(10000), End: ms(13600), Text: "夜のドライブ again", Words: []Word{
			{ms(10000), ms(10500), "夜の"}, {ms(10500), ms(11000), "ドライブ"}, {ms(11200), ms(11600), "again"}}},
	}, Sections: []Section{{ms(1000), "Verse"}, {ms(9000), "Chorus"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	for _, bad := range []struct{ body, msg string }{
		{`{"code":400,"msg":"no such task"}`, "code 400"},
		{`{"code":200,"data":{"alignedWords":[{"word":"a","startS":2,"endS":1}]}}`, "ends (1s) before it starts (2s)"},
		{`{"code":200,"data":{"alignedWords":[{"word":"a","startS":-1,"endS":1}]}}`, "not between 0"},
		{`{"code":200,"data":{"alignedWords":[{"word":"a"}]}}`, "without startS"},
		{`not json`, "reading get-timestamped-lyrics answer"},
	} {
		_, err := ParseTimestamped([]byte(bad.body))
		if e := (*Error)(nil); !errors.As(err, &e) || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("ParseTimestamped(%s): got %v, want an *Error containing %q", bad.body, err, bad.msg)
		}
	}
}

// FuzzParseLRC checks what ParseLRC promises for any input: an *Error or
// lyrics whose lines are in order, non-empty, within MaxTime, with words
// inside their line's text and in order.
func FuzzParseLRC(f *testing.F) {
	for _, s := range []string{
		"[00:01.00]First\n[00:02.00]<00:02.00>a <00:02.50>b<00:03.00>\n[00:04.00]\n",
		"[ti:x]\nplain\n[00:01:20][00:00.1]x",
		"[0:00]<0:00.000>我<0:00.5>爱\n",
		"[00:01.00", "<00:01>", "[99:59.999]z",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		got, err := ParseLRC(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		var last time.Duration
		for i, l := range got.Lines {
			if l.Text == "" || l.Start < last || l.End < l.Start || l.End > MaxTime+HoldLine {
				t.Fatalf("line %d: %+v after %v", i, l, last)
			}
			if i+1 < len(got.Lines) && l.End > got.Lines[i+1].Start {
				t.Fatalf("line %d ends at %v after the next starts at %v", i, l.End, got.Lines[i+1].Start)
			}
			last = l.Start
			rest := l.Text
			for _, w := range l.Words {
				j := strings.Index(rest, w.Text)
				if w.Text == "" || j < 0 || w.End < w.Start {
					t.Fatalf("line %q: word %+v not in order in its text", l.Text, w)
				}
				rest = rest[j+len(w.Text):]
			}
		}
	})
}

// FuzzParseTimestamped checks ParseTimestamped on any body: an *Error, or
// lines in order that do not overlap, each with words in its text.
func FuzzParseTimestamped(f *testing.F) {
	if body, err := os.ReadFile("testdata/get-timestamped-lyrics.json"); err == nil {
		f.Add(body)
	}
	f.Add([]byte(`{"code":200,"data":{"alignedWords":[{"word":"[Chorus]\nla ","startS":1,"endS":2},{"word":"夜","startS":2,"endS":3}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseTimestamped(body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		for i, l := range got.Lines {
			if l.Text == "" || l.End < l.Start || len(l.Words) == 0 {
				t.Fatalf("line %d: %+v", i, l)
			}
			if i+1 < len(got.Lines) && (l.End > got.Lines[i+1].Start || got.Lines[i+1].Start < l.Start) {
				t.Fatalf("line %d (%v–%v) overlaps the next (%v)", i, l.Start, l.End, got.Lines[i+1].Start)
			}
			rest := l.Text
			for _, w := range l.Words {
				j := strings.Index(rest, w.Text)
				if j < 0 || strings.Contains(w.Text, "[") && strings.Contains(w.Text, "]") {
					t.Fatalf("line %q: word %q not in order, or a section marker", l.Text, w.Text)
				}
				rest = rest[j+len(w.Text):]
			}
		}
	})
}

// TestParseLRCLinear: a line of many "<" that never close a tag is read
// in linear time (quadratically, this one would take tens of seconds).
func TestParseLRCLinear(t *testing.T) {
	t.Parallel()
	src := "[00:01.00]" + strings.Repeat("<1", MaxBytes/2-10)
	start := time.Now()
	_, err := ParseLRC([]byte(src))
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("parsing %d bytes took %v, want well under 2 s", len(src), d)
	}
	if err == nil || !strings.Contains(err.Error(), "more than 300 characters") {
		t.Errorf("got %v, want the line refused as too long", err)
	}
}

// TestLRCSections: a timed line whose only text is a bracketed name labels
// a section (and still ends the line before it); metadata tags, time tags
// and a bracketed name before sung text do not.
func TestLRCSections(t *testing.T) {
	t.Parallel()
	l, err := ParseLRC([]byte("[ti:Song]\n[00:01.00][Verse 1]\n[00:01.50]First line\n" +
		"[00:08.00][ Chorus ]\n[00:08.20]Sing it\n[01:00.00][00:30.00][Chorus]\n[00:40.00][Bridge]with text\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Section{{ms(1000), "Verse 1"}, {ms(8000), "Chorus"}, {ms(30000), "Chorus"}, {ms(60000), "Chorus"}}
	if !reflect.DeepEqual(l.Sections, want) {
		t.Errorf("Sections = %+v, want %+v", l.Sections, want)
	}
	if len(l.Lines) != 3 || l.Lines[0].Text != "First line" || l.Lines[0].End != ms(8000) || l.Lines[2].Text != "with text" {
		t.Errorf("Lines = %+v, want the sung lines, the first ended by the chorus's label", l.Lines)
	}
}
