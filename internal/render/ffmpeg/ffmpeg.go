package ffmpeg

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// StderrTail is how much of the end of ffmpeg's stderr an error carries.
const StderrTail = 4 << 10

// Runner starts ffmpeg processes. The zero value runs "ffmpeg" from PATH
// and logs nothing.
type Runner struct {
	// Bin is the path of ffmpeg; "" looks up "ffmpeg" in PATH.
	Bin string
	// Logger receives a debug record of each process's arguments; nil
	// discards them.
	Logger *slog.Logger
	// Exited, when set, is called with each process's state when it has
	// ended (for the benchmark's resource figures).
	Exited func(step string, state *os.ProcessState)
}

// Process is one ffmpeg run: the command and the tail of its stderr.
type Process struct {
	// Cmd is the command; its Stdin and Stdout may be set (or piped)
	// before Start.
	Cmd     *exec.Cmd
	name    string
	stderr  *TailBuffer
	once    sync.Once
	waitErr error
	exited  func(step string, state *os.ProcessState)
}

// Command prepares ffmpeg with args for the step named step (which errors
// and logs name). It runs in a process group of its own, killed when ctx
// ends and by the kernel when mvgen dies (Isolate).
func (r *Runner) Command(ctx context.Context, step string, args []string) *Process {
	bin := r.Bin
	if bin == "" {
		bin = "ffmpeg"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	p := &Process{name: step, Cmd: cmd, stderr: NewTailBuffer(StderrTail), exited: r.Exited}
	cmd.Stderr = p.stderr
	cmd.WaitDelay = 5 * time.Second
	Isolate(cmd)
	if r.Logger != nil {
		r.Logger.DebugContext(ctx, "running ffmpeg", "step", step, "args", args)
	}
	return p
}

// Start starts the process.
func (p *Process) Start() error {
	if err := p.Cmd.Start(); err != nil {
		return fmt.Errorf("render: starting ffmpeg (%s): %w", p.name, err)
	}
	return nil
}

// Wait waits for the process to end, once however often it is called, and
// returns an error carrying the tail of its stderr when it failed.
func (p *Process) Wait() error {
	p.once.Do(func() {
		p.waitErr = p.Cmd.Wait()
		if p.exited != nil && p.Cmd.ProcessState != nil {
			p.exited(p.name, p.Cmd.ProcessState)
		}
	})
	if p.waitErr != nil {
		return fmt.Errorf("render: ffmpeg (%s): %w: %s", p.name, p.waitErr, strings.TrimSpace(p.stderr.String()))
	}
	return nil
}

// Run runs the process to its end. When ctx ends first, its error explains
// the failure better than the kill it caused.
func (p *Process) Run(ctx context.Context) error {
	if err := p.Start(); err != nil {
		return err
	}
	err := p.Wait()
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("render: %w", ctx.Err())
	}
	return err
}

// TailBuffer is an io.Writer that keeps the last bytes written to it. It
// is safe for concurrent use.
type TailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

// NewTailBuffer returns a TailBuffer keeping the last max bytes.
func NewTailBuffer(max int) *TailBuffer { return &TailBuffer{max: max} }

// Write keeps the end of p; it never fails.
func (t *TailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// String returns the kept bytes, as valid UTF-8.
func (t *TailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.ToValidUTF8(string(t.buf), "")
}
