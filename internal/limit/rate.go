package limit

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Rate is a number of events per period, written "10/s", "600/m" or "60/h".
// The zero value means "not set" (the caller's default applies); [Off] means
// no limit.
type Rate struct {
	Events int           // events per Per; negative means no limit
	Per    time.Duration // time.Second, time.Minute or time.Hour
}

// Off is the rate that limits nothing, written "off".
var Off = Rate{Events: -1, Per: time.Second}

// IsZero reports whether r is unset.
func (r Rate) IsZero() bool { return r == Rate{} }

// IsOff reports whether r limits nothing.
func (r Rate) IsOff() bool { return r.Events < 0 }

// Limit is r as a token bucket's refill rate.
func (r Rate) Limit() rate.Limit {
	if r.IsOff() {
		return rate.Inf
	}
	if r.Per <= 0 {
		return 0
	}
	return rate.Limit(float64(r.Events) / r.Per.Seconds())
}

// String writes r as ParseRate reads it.
func (r Rate) String() string {
	if r.IsOff() {
		return "off"
	}
	unit := map[time.Duration]string{time.Second: "s", time.Minute: "m", time.Hour: "h"}[r.Per]
	if unit == "" {
		return fmt.Sprintf("%d/%v", r.Events, r.Per)
	}
	return fmt.Sprintf("%d/%s", r.Events, unit)
}

// ParseRate reads "N/s", "N/m" or "N/h" (N a positive integer), or "off".
func ParseRate(s string) (Rate, error) {
	if strings.TrimSpace(s) == "off" {
		return Off, nil
	}
	n, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	per, known := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[unit]
	events, err := strconv.Atoi(n)
	if !ok || !known || err != nil || events <= 0 {
		return Rate{}, fmt.Errorf("rate %q: want N/s, N/m or N/h with N a positive integer (e.g. 10/s), or off", s)
	}
	return Rate{Events: events, Per: per}, nil
}

// Set implements flag.Value.
func (r *Rate) Set(s string) error {
	v, err := ParseRate(s)
	if err != nil {
		return err
	}
	*r = v
	return nil
}
