package sqlstore

import (
	"testing"
	"time"
)

// TestTimeCol: each database's form of a time reads back as the time, and
// each form of "unset" as the zero time.
func TestTimeCol(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 11, 27, 10, 0, 0, 123e6, time.UTC)
	for _, tt := range []struct {
		src  any
		want time.Time
	}{
		{when.UnixMilli(), when},                   // SQLite
		{int64(0), time.Time{}},                    // SQLite, unset
		{when.In(time.FixedZone("x", 3600)), when}, // PostgreSQL, read in UTC
		{nil, time.Time{}},                         // PostgreSQL, unset
		{"-infinity", time.Time{}},                 // PostgreSQL, a video without expiry
	} {
		got := time.Now()
		if err := at(&got).Scan(tt.src); err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("Scan(%v) = %v, %v; want %v in UTC", tt.src, got, err, tt.want)
		}
	}
	var got time.Time
	if err := at(&got).Scan("yesterday"); err == nil {
		t.Errorf(`Scan("yesterday") = %v, want an error`, got)
	}
}
