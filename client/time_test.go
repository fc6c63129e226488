package client_test

import (
	"testing"
	"time"

	"github.com/mvgen/mvgen/client"
)

// TestParseTime covers every time form record-info answers come in.
func TestParseTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 1, 1, 0, 0, 12, 0, time.UTC)
	for _, tc := range []struct {
		raw     string
		want    time.Time
		wantErr bool
	}{
		{`"2026-01-01 00:00:12"`, want, false},       // mvgen and sunoapi.org: UTC string
		{`1767225612000`, want, false},               // mvgen --epoch-times, aibackend: epoch ms
		{`"1767225612000"`, want, false},             // epoch ms as a string
		{`1.767225612e+12`, want, false},             // epoch ms written as a float
		{`"2026-01-01T01:00:12+01:00"`, want, false}, // RFC 3339
		{`null`, time.Time{}, false},
		{`""`, time.Time{}, false}, // kie.ai's schema example
		{`0`, time.Time{}, false},
		{``, time.Time{}, false},
		{`"yesterday"`, time.Time{}, true},
		{`"2026-13-01 00:00:00"`, time.Time{}, true},
		{`true`, time.Time{}, true},
		{`1e300`, time.Time{}, true},
	} {
		got, err := client.ParseTime([]byte(tc.raw))
		if (err != nil) != tc.wantErr || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%s) = %v, %v; want %v (error: %v)", tc.raw, got, err, tc.want, tc.wantErr)
		}
		if err == nil && !got.IsZero() && got.Location() != time.UTC {
			t.Errorf("ParseTime(%s) is in %v, want UTC", tc.raw, got.Location())
		}
	}
}

// FuzzParseTime: any input gives a time or an error, never a panic, and a
// time formatted the default way reads back as itself.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{`"2026-01-01 00:00:12"`, `1767225612000`, `"1767225612000"`, `null`, `""`, `1e300`, `-5`, `"2026-01-01T01:00:12Z"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := client.ParseTime(raw)
		if err != nil || got.IsZero() || got.Year() < 1000 || got.Year() > 9999 {
			return
		}
		again, err := client.ParseTime([]byte(`"` + got.Format("2006-01-02 15:04:05") + `"`))
		if err != nil || !again.Equal(got.Truncate(time.Second)) {
			t.Errorf("%s → %v → %v, %v", raw, got, again, err)
		}
	})
}
