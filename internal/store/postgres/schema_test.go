package postgres

import "testing"

func TestFirstSchema(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"mvgen", "mvgen"},
		{" MVGen , public", "mvgen"},
		{`"MVGen", public`, "MVGen"},
		{`"$user", public`, ""},
		{"$user", ""},
	} {
		if got := firstSchema(tt.in); got != tt.want {
			t.Errorf("firstSchema(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
