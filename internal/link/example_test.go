package link_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/mvgen/mvgen/internal/link"
)

func Example() {
	s := &link.Signer{
		Key:     []byte("0123456789abcdef0123456789abcdef"), // in production: link.NewKey(), kept secret
		BaseURL: "http://127.0.0.1:8080",
	}
	completed := time.Date(2025, 12, 18, 0, 0, 0, 0, time.UTC)
	expires := completed.Add(link.Validity)
	fmt.Println(s.URL("task123", expires))

	// The download handler takes the task id from the path and expires and
	// sig from the query.
	const sig = "DwYOaKJFM7zhHJcLkpEqd1amo-T5GI35oMQwm_-eV-A"
	for _, c := range []struct {
		expires string
		now     time.Time
	}{
		{"1767225600", completed.Add(time.Hour)},
		{"1767225600", expires.Add(time.Hour)},
		{"1799999999", expires.Add(time.Hour)}, // lifetime extended by hand
	} {
		err := s.Check("task123", c.expires, sig, c.now)
		switch {
		case errors.Is(err, link.ErrInvalid):
			fmt.Println("403:", err)
		case errors.Is(err, link.ErrExpired):
			fmt.Println("410:", err)
		default:
			fmt.Println("200: serve the file")
		}
	}
	// Output:
	// http://127.0.0.1:8080/v1/videos/task123.mp4?expires=1767225600&sig=DwYOaKJFM7zhHJcLkpEqd1amo-T5GI35oMQwm_-eV-A
	// 200: serve the file
	// 410: link: expired
	// 403: link: invalid signature
}
