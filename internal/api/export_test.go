package api

import "time"

// SetEventTimings shortens the event stream's poll and heartbeat for a
// test and returns a func that restores them.
func SetEventTimings(poll, heartbeat time.Duration) (restore func()) {
	p, h := eventPoll, eventHeartbeat
	eventPoll, eventHeartbeat = poll, heartbeat
	return func() { eventPoll, eventHeartbeat = p, h }
}
