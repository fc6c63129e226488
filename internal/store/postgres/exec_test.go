package postgres

import "testing"

func TestNumbered(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"WHERE id = ? AND (? = '' OR key_id = ?)", "WHERE id = $1 AND ($2 = '' OR key_id = $3)"},
		{"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"},
		{"WHERE a = '?' AND b = ?", "WHERE a = '?' AND b = $1"},
		{"WHERE a = 'it''s ?' AND b = ?", "WHERE a = 'it''s ?' AND b = $1"},
		{"WHERE a = $1", "WHERE a = $1"},
	} {
		if got := numbered(tt.in); got != tt.want {
			t.Errorf("numbered(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
