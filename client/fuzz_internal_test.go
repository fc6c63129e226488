package client

import (
	"fmt"
	"testing"
)

// FuzzParseContentRange: a download's Content-Range header, whatever it
// holds, parses to a start that is not negative and a total past it (or
// unknown), and a well-formed header round-trips.
func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/100", "bytes 100-199/*", "bytes 5-4/3", "bytes -1-2/3", "bytes 1-2",
		"items 0-1/2", "bytes 9223372036854775807-9223372036854775807/9223372036854775807", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, total, ok := parseContentRange(s)
		if !ok {
			return
		}
		if start < 0 || (total != -1 && total <= start) {
			t.Fatalf("parseContentRange(%q) = %d, %d, true; want 0 <= start < total (or total -1)", s, start, total)
		}
		canon := fmt.Sprintf("bytes %d-%d/%d", start, start, total)
		if total == -1 {
			canon = fmt.Sprintf("bytes %d-%d/*", start, start)
		}
		if s2, t2, ok2 := parseContentRange(canon); !ok2 || s2 != start || t2 != total {
			t.Fatalf("parseContentRange(%q) = %d, %d, %v; want %d, %d, true", canon, s2, t2, ok2, start, total)
		}
	})
}
