package render

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// stderrTail is how much of the end of ffmpeg's stderr an error carries.
const stderrTail = 4 << 10

// process is one ffmpeg run: the command and the tail of its stderr.
type process struct {
	name    string
	cmd     *exec.Cmd
	stderr  *tailBuffer
	once    sync.Once
	waitErr error
	exited  func(step string, state *os.ProcessState)
}

// command prepares ffmpeg with args. It is killed when ctx ends, and by the
// kernel when mvgen dies.
func (r *Renderer) command(ctx context.Context, name string, args []string) *process {
	cmd := exec.CommandContext(ctx, r.ffmpeg(), args...)
	p := &process{name: name, cmd: cmd, stderr: &tailBuffer{max: stderrTail}, exited: r.exited}
	cmd.Stderr = p.stderr
	cmd.WaitDelay = 5 * time.Second
	cmd.SysProcAttr = childAttr()
	r.logger().DebugContext(ctx, "running ffmpeg", "step", name, "args", args)
	return p
}

// wait waits for the process to end, once however often it is called, and
// returns an error carrying the tail of its stderr when it failed.
func (p *process) wait() error {
	p.once.Do(func() {
		p.waitErr = p.cmd.Wait()
		if p.exited != nil && p.cmd.ProcessState != nil {
			p.exited(p.name, p.cmd.ProcessState)
		}
	})
	if p.waitErr != nil {
		return fmt.Errorf("render: ffmpeg (%s): %w: %s", p.name, p.waitErr, strings.TrimSpace(p.stderr.String()))
	}
	return nil
}

// run runs the process to its end. When ctx ends first, its error explains
// the failure better than the kill it caused.
func (p *process) run(ctx context.Context) error {
	if err := p.start(); err != nil {
		return err
	}
	err := p.wait()
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("render: %w", ctx.Err())
	}
	return err
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
