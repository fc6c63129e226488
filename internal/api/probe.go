package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render"
)

// SourceChecker vets an uploaded audio file before the upload is accepted:
// *render.Renderer's CheckSource (one ffprobe run under the renderer's own
// format allowlist and limits). An *render.InputError answers 400 with its
// message.
type SourceChecker interface {
	CheckSource(ctx context.Context, path string) (render.Info, error)
	// CheckCover reads the header of the cover image at path and refuses
	// one the render would (format, size): an *render.InputError.
	CheckCover(path string) error
}

// spool copies an uploaded part to a temporary file while it streams to the
// blob store, so that Sources can probe it once it is complete.
type spool struct {
	f   *os.File
	err error // the first write error; the upload goes on without a check
}

// newSpool returns a spool to tee an uploaded part into, or nil when
// uploads are not checked (no Sources).
func (h *Handler) newSpool(part io.Reader) (*spool, error) {
	if h.Sources == nil {
		return nil, nil
	}
	f, err := os.CreateTemp(h.TempDir, "mvgen-upload-*")
	if err != nil {
		return nil, fmt.Errorf("creating upload spool: %w", err)
	}
	return &spool{f: f}, nil
}

// Write implements io.Writer; it never fails, so a full scratch disk does
// not look like a broken upload: the error is reported by check.
func (s *spool) Write(p []byte) (int, error) {
	if s.err == nil {
		_, s.err = s.f.Write(p)
	}
	return len(p), nil
}

// check probes the spooled upload and removes it.
func (s *spool) check(ctx context.Context, c SourceChecker) error {
	defer s.close()
	if s.err != nil {
		return fmt.Errorf("spooling upload for its check: %w", s.err)
	}
	if _, err := c.CheckSource(ctx, s.f.Name()); err != nil {
		var ie *render.InputError
		if errors.As(err, &ie) {
			return mvgen.Errorf(mvgen.EBadRequest, "audio: %s (upload an audio file: MP3, AAC/M4A, WAV, FLAC, Ogg, AIFF, …)", ie.Msg)
		}
		return fmt.Errorf("checking uploaded audio: %w", err)
	}
	return nil
}

// checkCover reads the spooled cover's header as the render will, so a
// cover the render would refuse (a 16000×16000 image, say) answers 400 at
// upload instead of failing the video later, and removes the spool.
func (s *spool) checkCover(c SourceChecker) error {
	defer s.close()
	if s.err != nil {
		return fmt.Errorf("spooling upload for its check: %w", s.err)
	}
	if err := c.CheckCover(s.f.Name()); err != nil {
		var ie *render.InputError
		if errors.As(err, &ie) {
			return mvgen.Errorf(mvgen.EBadRequest, "cover: %s", ie.Msg)
		}
		return fmt.Errorf("checking uploaded cover: %w", err)
	}
	return nil
}

func (s *spool) close() {
	if s != nil {
		s.f.Close()
		os.Remove(s.f.Name())
	}
}
