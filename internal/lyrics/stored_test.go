package lyrics

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestTimestampedKeepsWords reduces the documented example to its words
// and reads the kept text back to the same lyrics.
func TestTimestampedKeepsWords(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/get-timestamped-lyrics.json")
	if err != nil {
		t.Fatal(err)
	}
	kept, l, err := Timestamped(body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(kept, "waveformData") || !strings.Contains(kept, `"alignedWords":[`) {
		t.Errorf("kept %s, want the envelope with alignedWords only", kept)
	}
	again, err := Parse(FormatTimestamped, kept)
	if err != nil {
		t.Fatalf("Parse(kept): %v", err)
	}
	if !reflect.DeepEqual(again, l) || !l.Timed() {
		t.Errorf("kept text reads as %+v, want %+v (timed)", again, l)
	}
	if _, _, err := Timestamped([]byte(`{"code":455,"msg":"maintenance"}`)); !errors.As(err, new(*Error)) {
		t.Errorf("Timestamped(code 455): got %v, want an *Error", err)
	}
	empty, l, err := Timestamped([]byte(`{"code":200,"msg":"success","data":{"alignedWords":null}}`))
	if err != nil || l.Timed() || !strings.Contains(empty, `"alignedWords":[]`) {
		t.Errorf("Timestamped(no words) = %s, %+v, %v; want empty words, no lines, no error", empty, l, err)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		format, text string
		lines        int
		err          string
	}{
		{FormatLRC, "[00:01.00]Hello\n[00:02.00]world", 2, ""},
		{FormatLRC, "plain text", 0, ""},
		{FormatLRC, "[00:01.00]ok\n[00:0x.00]bad", 0, "line 2, column"},
		{FormatTimestamped, `{"code":200,"data":{"alignedWords":[{"word":"Hi","startS":1,"endS":2}]}}`, 1, ""},
		{"srt", "1\n00:00:01,000 --> 00:00:02,000\nHi", 0, `unknown format "srt"`},
	} {
		l, err := Parse(tt.format, tt.text)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("Parse(%s, %q): got %v, want an error containing %q", tt.format, tt.text, err, tt.err)
		case tt.err == "" && (err != nil || len(l.Lines) != tt.lines):
			t.Errorf("Parse(%s, %q) = %d lines, %v; want %d lines", tt.format, tt.text, len(l.Lines), err, tt.lines)
		}
	}
}
