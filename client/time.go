package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// recordTimeLayout is record-info's default time format, in UTC.
const recordTimeLayout = "2006-01-02 15:04:05"

// ParseTime reads a time as record-info gives it: a "yyyy-MM-dd HH:mm:ss"
// string in UTC (mvgen's default and the hosted services'), epoch
// milliseconds as a JSON number or a string of digits (mvgen's epoch-times
// option and some hosted services), or RFC 3339. null, "" and 0 are the zero
// time.
func ParseTime(raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if raw[0] != '"' {
		return parseEpochMillis(string(raw))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, fmt.Errorf("time %s: %w", raw, err)
	}
	switch {
	case s == "":
		return time.Time{}, nil
	case isDigits(s):
		return parseEpochMillis(s)
	}
	if t, err := time.ParseInLocation(recordTimeLayout, s, time.UTC); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("time %q: want \"yyyy-MM-dd HH:mm:ss\", epoch milliseconds or RFC 3339", s)
}

func parseEpochMillis(s string) (time.Time, error) {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// A JSON number with a fraction or exponent.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != f || f > 1e15 || f < -1e15 {
			return time.Time{}, fmt.Errorf("time %s: not epoch milliseconds", s)
		}
		ms = int64(f)
	}
	if ms == 0 {
		return time.Time{}, nil
	}
	return time.UnixMilli(ms).UTC(), nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// jsonTime decodes any time form ParseTime reads.
type jsonTime struct{ time.Time }

func (t *jsonTime) UnmarshalJSON(b []byte) error {
	v, err := ParseTime(b)
	t.Time = v
	return err
}

// jsonInt decodes a number, a string of digits, or null (0): errorCode is
// null in mvgen's answers and 0 in some hosted services'.
type jsonInt int

func (n *jsonInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" || string(b) == `""` {
		*n = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	v, err := strconv.Atoi(string(b))
	if err != nil {
		return fmt.Errorf("want an integer, got %s", b)
	}
	*n = jsonInt(v)
	return nil
}
