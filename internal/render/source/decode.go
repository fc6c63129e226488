package source

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mvgen/mvgen/internal/render/ffmpeg"
)

// errUndecodable is the user-facing message for a source ffprobe accepts
// but ffmpeg cannot decode.
const errUndecodable = "source audio could not be decoded"

// Decoder decodes a source's first audio stream to mono 32-bit float
// samples, little-endian, which Read returns: an ffmpeg process writing
// them into a pipe.
type Decoder struct {
	ctx  context.Context
	proc *ffmpeg.Process
	out  io.ReadCloser
	read int64 // bytes of samples read so far
	want int64 // bytes of samples the probed duration should give
}

// Decode starts decoding the source audio at path (absolute), up to its
// probed duration d, to samples at rate a second (see DecodeArgs). The
// decoder is killed when ctx ends; the caller reads the samples and then
// calls Finish.
func Decode(ctx context.Context, ff *ffmpeg.Runner, path string, d time.Duration, rate int) (*Decoder, error) {
	return DecodeAt(ctx, ff, path, 0, d, rate)
}

// DecodeAt is Decode of the part of the source from start for d (see
// InputArgsAt).
func DecodeAt(ctx context.Context, ff *ffmpeg.Runner, path string, start, d time.Duration, rate int) (*Decoder, error) {
	proc := ff.Command(ctx, "decode", DecodeArgsAt(path, start, d, rate))
	out, err := proc.Cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	if err := proc.Start(); err != nil {
		return nil, err
	}
	return &Decoder{ctx: ctx, proc: proc, out: out, want: int64(d.Seconds() * float64(rate) * 4)}, nil
}

// DecodeArgs returns ffmpeg's arguments to decode the source's first audio
// stream at path to mono float samples at rate on stdout. Like the muxer,
// it reads the source only up to its probed duration d (see InputArgs).
func DecodeArgs(path string, d time.Duration, rate int) []string {
	return DecodeArgsAt(path, 0, d, rate)
}

// DecodeArgsAt is DecodeArgs for the part from start for d.
func DecodeArgsAt(path string, start, d time.Duration, rate int) []string {
	args := []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error"}
	args = append(args, InputArgsAt(path, start, d)...)
	return append(args, "-map", "0:a:0", "-ac", "1", "-ar", strconv.Itoa(rate), "-f", "f32le", "pipe:1")
}

// Read reads decoded samples.
func (d *Decoder) Read(p []byte) (int, error) {
	n, err := d.out.Read(p)
	d.read += int64(n)
	return n, err
}

// Finish reads and discards what the decoder still writes, waits for it
// to end, and returns why the samples read cannot be trusted, if they
// cannot: the context's end; the decoder's failure or a decode to much
// less audio than the probed duration (an *InputError: the source is
// bad); or readErr, the reader's own error.
func (d *Decoder) Finish(readErr error) error {
	io.Copy(io.Discard, d.out)
	decErr := d.proc.Wait()
	switch {
	case d.ctx.Err() != nil:
		return fmt.Errorf("render: %w", d.ctx.Err())
	case decErr != nil:
		return &InputError{Msg: errUndecodable, Err: decErr}
	case readErr != nil:
		return fmt.Errorf("render: reading decoded audio: %w", readErr)
	case d.read < d.want/2:
		return &InputError{Msg: errUndecodable,
			Err: fmt.Errorf("decoded %d bytes of samples, want about %d", d.read, d.want)}
	}
	return nil
}
