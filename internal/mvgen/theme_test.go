package mvgen

import (
	"strings"
	"testing"
)

func TestParseTheme(t *testing.T) {
	t.Parallel()
	if got, err := ParseTheme(""); got != Bars || err != nil {
		t.Errorf(`ParseTheme("") = %q, %v; want the default, bars`, got, err)
	}
	for _, th := range Themes {
		if got, err := ParseTheme(string(th)); got != th || err != nil {
			t.Errorf("ParseTheme(%q) = %q, %v", th, got, err)
		}
	}
	for _, s := range []string{"Bars", "disco", " bars"} {
		_, err := ParseTheme(s)
		if err == nil || !strings.Contains(err.Error(), `"bars"`) {
			t.Errorf("ParseTheme(%q) = %v; want an error naming the themes", s, err)
		}
	}
}
