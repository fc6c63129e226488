package render

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"time"

	"github.com/mvgen/mvgen/internal/durable"
)

// posterQuality is the poster's JPEG quality.
const posterQuality = 88

// renderTo renders j into a temporary file next to j.out and renames it
// into place (and the poster into j.poster), removing them on any failure.
func (r *Renderer) renderTo(ctx context.Context, j job, progress func(float64)) error {
	start := time.Now()
	made, err := r.renderTemp(ctx, j, progress)
	if err != nil {
		return err
	}
	if err := made.place(); err != nil {
		return err
	}
	if progress != nil {
		progress(1)
	}
	r.logger().DebugContext(ctx, "rendered video", "out", j.out, "aspect", j.aspect,
		"duration", j.length, "elapsed", time.Since(start))
	return nil
}

// made is a video (and its poster) rendered into temporary files, to be
// renamed into place or removed.
type made struct {
	video, poster  string // the temporary files; poster "" for none
	out, posterOut string // where they go
}

// renderTemp renders j into a temporary file next to j.out (and its
// poster next to j.poster), which it removes on a failure.
func (r *Renderer) renderTemp(ctx context.Context, j job, progress func(float64)) (m made, err error) {
	m.out, m.posterOut = j.out, j.poster
	tmp, err := os.CreateTemp(filepath.Dir(j.out), "."+filepath.Base(j.out)+".*.part")
	if err != nil {
		return made{}, fmt.Errorf("render: creating output: %w", err)
	}
	j.out = tmp.Name()
	tmp.Close()
	defer func() {
		if err != nil {
			os.Remove(j.out)
		}
	}()
	poster, err := r.run(ctx, j, nil, progress)
	if err != nil {
		return made{}, err
	}
	m.video, m.poster = j.out, poster
	if err := os.Chmod(j.out, 0o644); err != nil {
		m.remove()
		return made{}, fmt.Errorf("render: %w", err)
	}
	return m, nil
}

// place renames the video and the poster into place; on a failure it
// leaves neither there.
func (m made) place() error {
	defer m.remove() // once renamed, a no-op
	// Flushed before and after the rename: a caller that records the video
	// as done after this returns never finds it empty after a power loss.
	if err := durable.Rename(m.video, m.out); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if m.poster != "" {
		if err := placeFile(m.poster, m.posterOut); err != nil {
			os.Remove(m.out)
			return err
		}
	}
	return nil
}

// remove removes the temporary files.
func (m made) remove() {
	for _, p := range []string{m.video, m.poster} {
		if p != "" {
			os.Remove(p)
		}
	}
}

// writePoster writes img as a JPEG to a new temporary file next to path
// and returns the file's name; the file is synced to the disk. The caller
// renames it into place (see placeFile) or removes it.
func writePoster(img image.Image, path string) (tmp string, err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		return "", fmt.Errorf("render: creating poster: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 256<<10)
	if err := jpeg.Encode(w, img, &jpeg.Options{Quality: posterQuality}); err != nil {
		return "", fmt.Errorf("render: encoding poster: %w", err)
	}
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("render: writing poster: %w", err)
	}
	if err := f.Chmod(0o644); err != nil {
		return "", fmt.Errorf("render: writing poster: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("render: syncing poster: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("render: writing poster: %w", err)
	}
	return f.Name(), nil
}

// placeFile renames tmp to path and syncs the directory, so that the new
// name survives a crash.
func placeFile(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("render: syncing directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("render: syncing directory: %w", err)
	}
	return nil
}
