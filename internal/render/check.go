package render

import (
	"context"
	"fmt"
)

// CheckSource applies every check Render makes of a source audio file before
// it draws anything: the size limit (MaxBytes), ffprobe under the same
// format allowlist, a usable audio stream and the length limit
// (MaxDuration). It costs one ffprobe run, so an API can vet an upload
// before accepting it. An unusable source is an *InputError naming the
// problem, such as "source file has no audio stream" for a video-only MP4.
func (r *Renderer) CheckSource(ctx context.Context, path string) (Info, error) {
	if err := r.checkSize(path); err != nil {
		return Info{}, err
	}
	info, err := r.Probe(ctx, path)
	if err != nil {
		return Info{}, err
	}
	if limit := r.maxDuration(); info.Duration > limit {
		return Info{}, &InputError{Msg: fmt.Sprintf("audio is %s long; the limit is %s",
			formatLength(info.Duration, limit), limit)}
	}
	return info, nil
}
