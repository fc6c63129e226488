package render

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// stderrTail is how much of the end of ffmpeg's stderr an error carries.
const stderrTail = 4 << 10

// progressInterval is the least time between two Progress calls.
const progressInterval = 250 * time.Millisecond

// runFFmpeg runs ffmpeg with args, reporting progress against total, and
// returns an error carrying the tail of ffmpeg's stderr when it fails. When
// ctx ends, ffmpeg is killed.
func (r *Renderer) runFFmpeg(ctx context.Context, args []string, total time.Duration, progress func(float64)) error {
	cmd := exec.CommandContext(ctx, r.ffmpeg(), args...)
	stderr := &tailBuffer{max: stderrTail}
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	cmd.SysProcAttr = childAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	r.logger().DebugContext(ctx, "running ffmpeg", "args", args)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("render: starting ffmpeg: %w", err)
	}
	readProgress(stdout, total, progress)
	err = cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("render: %w", ctx.Err())
	case err != nil:
		return fmt.Errorf("render: ffmpeg: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// readProgress reads ffmpeg's -progress output until EOF, calling progress
// (when not nil) with increasing fractions of total below 1, at most once per
// progressInterval. The caller reports 1 once the output is in place.
func readProgress(r io.Reader, total time.Duration, progress func(float64)) {
	sc := bufio.NewScanner(r)
	last, lastAt := 0.0, time.Time{}
	for sc.Scan() {
		t, ok := parseProgressLine(sc.Text())
		if !ok || progress == nil || total <= 0 {
			continue
		}
		f := float64(t) / float64(total)
		if f < 1 && f > last && time.Since(lastAt) >= progressInterval {
			progress(f)
			last, lastAt = f, time.Now()
		}
	}
	io.Copy(io.Discard, r) // a line too long for the scanner must not block ffmpeg
}

// parseProgressLine reads the output time from one line of ffmpeg's
// -progress output: "out_time_us=N" or "out_time_ms=N" (both are
// microseconds, despite the name of the second).
func parseProgressLine(line string) (time.Duration, bool) {
	key, val, ok := strings.Cut(strings.TrimSpace(line), "=")
	if !ok || (key != "out_time_us" && key != "out_time_ms") {
		return 0, false
	}
	us, err := strconv.ParseInt(val, 10, 64)
	if err != nil || us < 0 || us > int64(time.Duration(1<<62)/time.Microsecond) {
		return 0, false
	}
	return time.Duration(us) * time.Microsecond, true
}

// tailBuffer is an io.Writer that keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// String returns the kept bytes, as valid UTF-8.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.ToValidUTF8(string(t.buf), "")
}
