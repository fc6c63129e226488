package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/store"
	"github.com/mvgen/mvgen/webhook"
)

// source is a task's resolved inputs on local disk.
type source struct {
	audio, cover, title string
	// lyrics are the timed lines the video shows, nil for none.
	lyrics *lyrics.Lyrics
	// untimed is set when the track has lyrics the video shows none of:
	// they carry no times.
	untimed bool
	// fetched is what the task's fetch job downloaded, nil for an uploaded
	// track; its files are deleted once the task ends.
	fetched *store.Fetched
}

// resolve reads the task's track (the one read of it in a render) and
// makes its audio and cover local files under dir: uploaded files, or the
// files its fetch job stored; it takes the lyrics too. A render never
// downloads: remote sources were fetched by the fetch stage (fetch.go)
// before the render was queued.
func (w *Render) resolve(ctx context.Context, t *mvgen.Task, dir string, log *slog.Logger) (*source, error) {
	tr, err := w.Store.Track(ctx, t.KeyID, t.MusicTaskID, t.AudioID)
	if errors.Is(err, mvgen.ErrNotFound) {
		return nil, &failure{status: mvgen.StatusCreateFailed, code: webhook.CodeBadSource,
			msg: fmt.Sprintf("Source track %s/%s no longer exists", t.MusicTaskID, t.AudioID), err: err}
	} else if err != nil {
		return nil, err
	}
	if tr.SourcesPurged {
		return nil, sourcesPurged(tr)
	}
	src := &source{title: tr.Title, lyrics: lyricsFor(t, tr, log)}
	src.untimed = src.lyrics == nil && !t.NoLyrics && tr.Lyrics != ""
	audioKey, coverKey := tr.AudioKey, tr.CoverKey
	if audioKey == "" || (coverKey == "" && tr.ImageURL != "") {
		f, err := w.Store.Fetched(ctx, t.ID)
		if errors.Is(err, mvgen.ErrNotFound) {
			// Queued by a version without the fetch stage: its sources were
			// never downloaded.
			return nil, &failure{status: mvgen.StatusCreateFailed, code: webhook.CodeDownloadFailed,
				msg: "Source audio file download failed: it was not fetched before the render", err: err}
		} else if err != nil {
			return nil, fmt.Errorf("reading fetched sources: %w", err)
		}
		src.fetched = f
		audioKey = cmp.Or(audioKey, f.AudioKey)
		coverKey = cmp.Or(coverKey, f.CoverKey)
	}
	if src.audio, err = w.local(ctx, audioKey, filepath.Join(dir, "audio")); err != nil {
		return nil, err
	}
	if coverKey != "" {
		if src.cover, err = w.local(ctx, coverKey, filepath.Join(dir, "cover")); err != nil {
			return nil, err
		}
	}
	return src, nil
}

func isFailure(err error) bool {
	var f *failure
	return errors.As(err, &f)
}

// localFiles is a blob store whose objects are files on this machine
// (blob.Dir): renders read them in place.
type localFiles interface {
	Path(key string) (string, error)
}

// local returns a local path for a stored object, copying it to dst only when
// the blob store does not keep it on this machine.
func (w *Render) local(ctx context.Context, key, dst string) (string, error) {
	if d, ok := w.Blobs.(localFiles); ok {
		return d.Path(key)
	}
	o, err := w.Blobs.Open(ctx, key)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", key, err)
	}
	defer o.Close()
	f, err := os.Create(dst)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, o); err != nil {
		f.Close()
		return "", err
	}
	return dst, f.Close()
}
