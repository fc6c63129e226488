package api

import "testing"

func TestDidYouMean(t *testing.T) {
	t.Parallel()
	known := []string{"taskId", "audioId", "callBackUrl", "author", "domainName", "aspect"}
	aliases := map[string]string{"image": "cover"}
	for _, tc := range []struct {
		name, want string
	}{
		{"callback_url", "callBackUrl"},
		{"CALL-BACK-URL", "callBackUrl"},
		{"callBackUri", "callBackUrl"},
		{"calbackurl", "callBackUrl"},
		{"task_id", "taskId"},
		{"audioID", ""}, // a case variant matches: not unknown
		{"autor", "author"},
		{"domain", ""},
		{"image", "cover"},
		{"model", ""},
		{"", ""},
		{"__", ""},
		{"instrumental", ""},
	} {
		got, ok := didYouMean(tc.name, known, aliases)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("didYouMean(%q) = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"titel", "title", 1}, {"kitten", "sitting", 3}, {"周杰", "周杰伦", 1},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
