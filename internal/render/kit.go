package render

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/mvgen/mvgen/internal/lyrics"
	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/source"
)

// Rendition is one more video of a kit: the same song in another shape or
// size, whole or as a clip (contract §6.5). RenderKit makes it beside the
// Input's own video, which is rendition 0.
type Rendition struct {
	// Aspect and Resolution are as in Input; FullFrame too.
	Aspect     mvgen.Aspect
	Resolution mvgen.Resolution
	FullFrame  bool
	// Clip, when set, makes a part of the song; nil makes all of it.
	Clip *Clip
	// Out and Poster are the paths of the MP4 and of its poster (optional),
	// written as Input's are.
	Out, Poster string
}

// Clip is the part of the song a rendition shows.
type Clip struct {
	// Start is where the clip starts in the song; with Auto, the renderer
	// picks it (the hook), and Start is ignored.
	Start time.Duration
	Auto  bool
	// Duration is the clip's length (5 to 90 s); a clip longer than the
	// song (or than what is left of it after Start) is cut to fit.
	Duration time.Duration
}

// Video is what RenderKit made of one rendition.
type Video struct {
	Aspect        mvgen.Aspect
	Resolution    mvgen.Resolution
	Width, Height int
	// Start and Duration place the video in the song: 0 and the song's
	// length for a whole one, the clip's start and length for a clip.
	Start, Duration time.Duration
}

// RenderKit renders in (rendition 0, the whole song) and each of kit's
// renditions, and returns what each video is, in that order. The kit
// succeeds or fails as a whole: on an error no output of it is left in
// place, and the error names the rendition that failed. in.Progress
// counts every rendition.
//
// The source is probed and decoded once, onto a tape (source.Tape) that
// every rendition's analysis reads; each rendition has its own static
// step, analysis (its theme's bands, its clip's time) and encoders. The
// renditions render one after another (see kitOverlap). A clip with Auto
// starts at the first chorus the lyrics' section markers name (see
// FirstChorus), else at the hook the audio's analysis finds
// (analysis.Hook), moved earlier if the clip would not fit after it.
func (r *Renderer) RenderKit(ctx context.Context, in Input, kit []Rendition) (Info, []Video, error) {
	jobs, info, err := r.kitJobs(ctx, in, kit)
	if err != nil {
		return Info{}, nil, err
	}
	work, err := os.MkdirTemp(r.TempDir, "mvgen-kit-")
	if err != nil {
		return Info{}, nil, fmt.Errorf("render: creating work directory: %w", err)
	}
	defer os.RemoveAll(work)
	defer lowerGCGoal()()

	// The source, decoded once: the tape outlives every rendition, and
	// the decoder is stopped and waited for before RenderKit returns.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dec, err := source.Decode(ctx, r.runner(), jobs[0].audio, info.Duration, analysis.SampleRate)
	if err != nil {
		return Info{}, nil, err
	}
	tape := source.Record(dec, int(info.Duration.Seconds()*analysis.SampleRate)+analysis.SampleRate)
	defer func() {
		cancel()
		tape.Wait()
	}()

	for i := range jobs {
		j := &jobs[i]
		j.tape, j.work = tape, filepath.Join(work, strconv.Itoa(i))
		if err := os.Mkdir(j.work, 0o700); err != nil {
			return Info{}, nil, fmt.Errorf("render: creating work directory: %w", err)
		}
		if i > 0 && kit[i-1].Clip != nil {
			c := *kit[i-1].Clip
			if !c.Auto {
				if err := r.clip(j, c, nil, nil); err != nil {
					return Info{}, nil, renditionError(i, err)
				}
				continue
			}
			// Picked when its turn comes (see renderKit): from the audio,
			// the whole song must be decoded first. Meanwhile it weighs
			// in the progress as long as it can be.
			j.frames = framesOf(min(c.Duration, info.Duration), j.fps)
		}
	}
	// pick picks the start of rendition i when it is an automatic clip.
	pick := func(i int, j *job) error {
		if i == 0 || kit[i-1].Clip == nil || !kit[i-1].Clip.Auto {
			return nil
		}
		return r.clip(j, *kit[i-1].Clip, in.Lyrics, tape)
	}
	made, err := r.renderKit(ctx, jobs, pick, in.Progress)
	if err != nil {
		return Info{}, nil, err
	}
	if err := placeKit(made); err != nil {
		return Info{}, nil, err
	}
	if in.Progress != nil {
		in.Progress(1)
	}
	videos := make([]Video, len(jobs))
	for i, j := range jobs {
		videos[i] = videoOf(j.aspect, j.resolution, j.start, j.length)
	}
	return info, videos, nil
}

// kitJobs checks in and kit, probes the source and returns the job of
// each rendition (rendition 0 first), clips not yet cut.
func (r *Renderer) kitJobs(ctx context.Context, in Input, kit []Rendition) ([]job, Info, error) {
	if in.Audio == "" || in.Out == "" {
		return nil, Info{}, errors.New("render: Input.Audio and Input.Out are required")
	}
	inputs := []Input{in}
	for _, k := range kit {
		one := in
		one.Aspect, one.Resolution, one.FullFrame, one.Out, one.Poster = k.Aspect, k.Resolution, k.FullFrame, k.Out, k.Poster
		one.Progress = nil
		inputs = append(inputs, one)
	}
	opts := make([]options, len(inputs))
	for i, one := range inputs {
		var err error
		if opts[i], err = parseOptions(one); err == nil && one.Out == "" {
			err = errors.New("render: Rendition.Out is required")
		}
		if err == nil && i > 0 && kit[i-1].Clip != nil {
			_, _, err = clipSpan(*kit[i-1].Clip, 0, MaxClip)
		}
		if err != nil {
			return nil, Info{}, renditionError(i, err)
		}
	}
	info, err := r.CheckSource(ctx, in.Audio)
	if err != nil {
		return nil, Info{}, err
	}
	jobs := make([]job, len(inputs))
	written := map[string]int{} // the renditions' outputs, by path
	for i, one := range inputs {
		if jobs[i], err = opts[i].job(one, info); err != nil {
			return nil, Info{}, renditionError(i, err)
		}
		for _, path := range []string{jobs[i].out, jobs[i].poster} {
			if k, ok := written[path]; ok && path != "" {
				return nil, Info{}, fmt.Errorf("render: renditions %d and %d both write %s", k, i, path)
			}
			written[path] = i
		}
	}
	return jobs, info, nil
}

// placeKit renames every rendition's files into place; when one fails,
// it removes those placed before it and the temporary files after it.
func placeKit(made []made) error {
	for i, m := range made {
		if err := m.place(); err != nil {
			for _, placed := range made[:i] {
				os.Remove(placed.out)
				if placed.posterOut != "" {
					os.Remove(placed.posterOut)
				}
			}
			for _, left := range made[i+1:] {
				left.remove()
			}
			return renditionError(i, err)
		}
	}
	return nil
}

// kitOverlap is how many renditions of a kit render at once: one, each
// with an encoder a core. Two at once were no faster on two cores
// (BenchmarkKit180s on a 60 s track, three rounds: 20.0, 36.0 and 29.1 s
// against 24.5, 31.7 and 27.4 s one after another) and peaked at 313–387
// MiB of PSS against 224–277: a render's cores idle little (its
// cpu_bound_ratio is 1.1–1.2, spread over it; see doc.go), so there is
// little for a second one to fill, and their peaks add up. Nor did
// starting each rendition's static step when the last one's first encoder
// ended, and its encoders when the last one's had all ended (its muxer
// still writing): over 18 rounds in four runs its kit took 0.97 times
// (0.67–1.89) the time of this one in the same round, nine rounds below 1
// and nine above, and peaked at 238–260 MiB against 231–247
// (docs/DECISIONS.md).
const kitOverlap = 1

// renderKit renders each job into temporary files (see renderTemp),
// kitOverlap at a time, reporting their progress together to progress;
// on a failure it removes them all and names the job that failed. Before
// it renders job i, it calls pick(i, &jobs[i]), which may change it.
func (r *Renderer) renderKit(ctx context.Context, jobs []job, pick func(int, *job) error,
	progress func(float64)) ([]made, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	report := kitProgress(jobs, progress)
	made := make([]made, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, cmp.Or(r.overlap, kitOverlap))
	if cmp.Or(r.overlap, kitOverlap) == 1 {
		// The first rendition's static step starts, as each next one's
		// does (below), with the heap freed before it handed back: what
		// the process did before the kit (other renders) would otherwise
		// stay mapped under the kit's peak.
		debug.FreeOSMemory()
	}
	var wg sync.WaitGroup
	for i := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			var p func(float64)
			if report != nil {
				p = func(f float64) { report(i, f) }
			}
			if errs[i] = pick(i, &jobs[i]); errs[i] == nil {
				made[i], errs[i] = r.renderTemp(ctx, jobs[i], p)
			}
			if errs[i] != nil {
				cancel()
			}
			if cmp.Or(r.overlap, kitOverlap) == 1 {
				// The next rendition's static step starts with what this
				// one freed handed back: the kit's peak was there.
				debug.FreeOSMemory()
			}
		})
	}
	wg.Wait()
	// The first rendition that failed on its own, not because another
	// failure cancelled it.
	var failed error
	for i, err := range errs {
		if err != nil && (failed == nil || errors.Is(failed, context.Canceled) && !errors.Is(err, context.Canceled)) {
			failed = renditionError(i, err)
		}
	}
	if failed == nil {
		failed = ctx.Err()
		if failed != nil {
			failed = fmt.Errorf("render: %w", failed)
		}
	}
	if failed != nil {
		for _, m := range made {
			m.remove()
		}
		return nil, failed
	}
	return made, nil
}

// kitProgress returns the function each rendition reports its progress
// to, which reports the kit's to progress: the renditions weighed by
// their pixels, never going back. nil when progress is nil.
func kitProgress(jobs []job, progress func(float64)) func(i int, f float64) {
	if progress == nil {
		return nil
	}
	weights := make([]float64, len(jobs))
	var total float64
	for i, j := range jobs {
		w, h := scene.Size(j.aspect, j.resolution)
		weights[i] = float64(w*h) * float64(j.frames)
		total += weights[i]
	}
	var mu sync.Mutex
	done := make([]float64, len(jobs))
	var last float64
	return func(i int, f float64) {
		mu.Lock()
		defer mu.Unlock()
		done[i] = min(f, 1) * weights[i] / total
		var sum float64
		for _, d := range done {
			sum += d
		}
		if sum = min(sum, 0.999); sum > last {
			last = sum
			progress(sum)
		}
	}
}

// clip makes j the clip c of the song; with c.Auto it picks the start
// (see RenderKit) from ly's sections or tape's samples.
func (r *Renderer) clip(j *job, c Clip, ly *lyrics.Lyrics, tape *source.Tape) error {
	song := j.info.Duration
	start := c.Start
	if c.Auto {
		var ok bool
		if ly != nil {
			start, ok = FirstChorus(ly.Sections)
		}
		if !ok {
			samples, err := tape.Wait()
			if err != nil {
				return err
			}
			start = analysis.Hook(samples, c.Duration)
		}
		start = max(0, min(start, song-c.Duration))
	}
	start, length, err := clipSpan(c, start, song)
	if err != nil {
		return err
	}
	j.clipTo(start, length)
	return nil
}

// renditionError names rendition i (0 is the Input's own video) in err,
// which stays what it was for errors.As.
func renditionError(i int, err error) error {
	var ie *InputError
	if errors.As(err, &ie) {
		return &InputError{Msg: fmt.Sprintf("rendition %d: %s", i, ie.Msg), Err: ie.Err}
	}
	return fmt.Errorf("rendition %d: %w", i, err)
}

func videoOf(a mvgen.Aspect, r mvgen.Resolution, start, d time.Duration) Video {
	w, h := a.Size(r)
	return Video{Aspect: a, Resolution: r, Width: w, Height: h, Start: start, Duration: d}
}
