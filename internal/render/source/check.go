package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// Limits bound the sources Check accepts.
type Limits struct {
	MaxBytes    int64         // the largest file
	MaxDuration time.Duration // the longest audio
}

// Check applies every check a render makes of a source audio file before
// it draws anything: the size limit, ffprobe (see Probe) under the
// format allowlist, a usable audio stream and the length limit. It costs
// one ffprobe run, so an API can vet an upload before accepting it. An
// unusable source is an *InputError naming the problem, such as "source
// file has no audio stream" for a video-only MP4.
func Check(ctx context.Context, ffprobe, path string, lim Limits) (Info, error) {
	if err := checkSize(path, lim.MaxBytes); err != nil {
		return Info{}, err
	}
	info, err := Probe(ctx, ffprobe, path)
	if err != nil {
		return Info{}, err
	}
	if limit := lim.MaxDuration; info.Duration > limit {
		return Info{}, &InputError{Msg: fmt.Sprintf("audio is %s long; the limit is %s",
			formatLength(info.Duration, limit), limit)}
	}
	return info, nil
}

// checkSize refuses a source larger than limit before anything reads it.
func checkSize(path string, limit int64) error {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &InputError{Msg: "source audio not found", Err: err}
		}
		return fmt.Errorf("render: source audio: %w", err)
	}
	if fi.Size() > limit {
		return &InputError{Msg: fmt.Sprintf("source audio is %s; the limit is %s",
			formatBytes(fi.Size()), formatBytes(limit))}
	}
	return nil
}

// formatLength formats d for a message that compares it with limit: whole
// seconds, unless that would make it look equal to the limit.
func formatLength(d, limit time.Duration) string {
	if s := d.Round(time.Second); s != limit {
		return s.String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// formatBytes formats n for a message about a size limit: whole MiB or
// KiB when n is a multiple of one, else with a decimal, and bytes below a
// KiB.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
