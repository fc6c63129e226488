package api

import (
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// Unknown request fields are ignored for forward compatibility (contract §2),
// and encoding/json already matches a field's name in any case
// ("callbackurl" fills callBackUrl). What is refused is a near miss: a name
// that is clearly meant as a known field but would be silently dropped, such
// as "callback_url", "call-back-url", "audio_id" or "callBackUri". Such a
// request answers 422 "unknown field callback_url; did you mean callBackUrl?",
// because the dropped field (a callback URL, a cover) fails later and quietly.

// fieldNames lists the JSON names of struct type v's exported fields.
func fieldNames(v any) []string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// checkNearMisses refuses a JSON object whose top-level keys include a near
// miss of one of v's fields (see didYouMean). body has already decoded into v.
func checkNearMisses(body []byte, v any, aliases map[string]string) error {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return nil // not an object: nothing to suggest
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	known := fieldNames(v)
	for _, k := range keys {
		want, ok := didYouMean(k, known, aliases)
		if !ok || present(fields, want) {
			continue
		}
		return unknownField(k, want)
	}
	return nil
}

// present reports whether fields has name in any case (as encoding/json
// matches it).
func present(fields map[string]json.RawMessage, name string) bool {
	for k := range fields {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// didYouMean reports which of the known names the unknown name is a near
// miss of. A name that matches a known one ignoring case is not unknown. A
// near miss is the same name apart from case and separators ("_", "-", ".",
// spaces), one edit away (two for names of eight letters or more), or a
// synonym listed in aliases (lower case, without separators → known name).
func didYouMean(name string, known []string, aliases map[string]string) (string, bool) {
	for _, k := range known {
		if strings.EqualFold(name, k) {
			return "", false
		}
	}
	n := fold(name)
	if n == "" {
		return "", false
	}
	if k, ok := aliases[n]; ok {
		return k, true
	}
	best, bestDist := "", 3
	for _, k := range known {
		f := fold(k)
		d := editDistance(n, f)
		limit := 1
		if len(f) >= 8 {
			limit = 2
		}
		if d <= limit && d < bestDist {
			best, bestDist = k, d
		}
	}
	return best, best != ""
}

// fold lowers s and drops separators: "call-back_URL" → "callbackurl".
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '_' || r == '-' || r == '.' || unicode.IsSpace(r):
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// editDistance is the optimal string alignment distance between a and b,
// in runes: insertions, deletions, substitutions and swaps of two adjacent
// runes ("titel" → "title") each count one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// aliaser is implemented by request types with synonyms of their fields
// (folded synonym → field name), such as "image" for a track's imageUrl.
type aliaser interface {
	fieldAliases() map[string]string
}

func aliasesOf(v any) map[string]string {
	if a, ok := v.(aliaser); ok {
		return a.fieldAliases()
	}
	return nil
}

// unknownField is the 422 error for a near miss.
func unknownField(name, want string) error {
	for _, r := range name {
		if r < 0x20 || r > 0x7e {
			name = strconv.Quote(name)
			break
		}
	}
	return mvgen.Errorf(mvgen.EInvalid, "unknown field %s; did you mean %s?", name, want)
}
