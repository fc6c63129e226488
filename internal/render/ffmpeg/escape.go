package ffmpeg

import "strings"

// EscapeFilterValue escapes s for use as an option value inside a
// filtergraph, following ffmpeg's two levels of quoting ("Notes on
// filtergraph escaping" in ffmpeg-filters): first for the filter's option
// parser, where \ ' and : are special, then for the filtergraph parser, where
// \ ' [ ] , and ; are. Leading and trailing whitespace, which both parsers
// would trim, is escaped too.
func EscapeFilterValue(s string) string {
	return escapeBackslash(escapeBackslash(s, `\':`), `\'[],;`)
}

// escapeBackslash puts a backslash before every character of s in special,
// and before whitespace at either end of s.
func escapeBackslash(s, special string) string {
	var b strings.Builder
	lead := len(s) - len(strings.TrimLeft(s, " \t\n\r"))
	trail := len(strings.TrimRight(s, " \t\n\r"))
	for i, r := range s {
		if strings.ContainsRune(special, r) || i < lead || i >= trail {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
