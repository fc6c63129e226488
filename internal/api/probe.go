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
}

// spool copies an uploaded part to a temporary file while it streams to the
// blob store, so that Sources can probe it once it is complete.
type spool struct {
	f   *os.File
	err error // the first write error; the upload goes on without a check
}

func (h *Handler) newSpool(part io.Reader) (io.Reader, *spool, error) {
	if h.Sources == nil {
		return part, nil, nil
	}
	f, err := os.CreateTemp(h.TempDir, "mvgen-upload-*")
	if err != nil {
		return nil, nil, fmt.Errorf("creating upload spool: %w", err)
	}
	s := &spool{f: f}
	return io.TeeReader(part, s), s, nil
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

func (s *spool) close() {
	if s != nil {
		s.f.Close()
		os.Remove(s.f.Name())
	}
}
