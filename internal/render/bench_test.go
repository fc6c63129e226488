package render

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/encode"
	"github.com/mvgen/mvgen/internal/render/rendertest"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/yuv"
)

// BenchmarkRender180s renders a 180 s music-like track (kick, bass line,
// tones and chopped noise; MP3 at 192 kbit/s) with a detailed 1000×1000
// JPEG cover, all texts and synced lyrics (a line every three seconds,
// its words timed, some lines mixing scripts) at 16:9: at 720p
// (1280×720) and 1080p (1920×1080) at 30 fps, and at 720p at 60 fps
// (720p60_lyrics), and reports for each (the other themes' sub-benchmarks,
// THEME_720p_lyrics and THEME_1080p_lyrics, report less: see benchTheme):
//
//   - x_realtime: seconds of video per second of wall time for Render, all
//     of it (probe, static step, decoder, drawing, encoder, faststart),
//     the median of the rounds (below), which run without the memory
//     sampling of the first render;
//   - peak_pss_MiB: the render's peak memory: the largest sum, sampled
//     every 100 ms (reading smaps_rollup costs the kernel a walk of each
//     process's pages), of the PSS (/proc/PID/smaps_rollup) of this
//     process and of its ffmpeg children, so that the shared libraries of
//     the ffmpeg processes are counted once, split among them;
//     peak_pss_anon_MiB is the private, anonymous part of the same (the
//     test binary is counted in full in both);
//   - peak_rss_MiB: the same with RSS, which counts each process's shared
//     pages in full;
//   - rss_bound_MiB: an upper bound of the RSS sum that sampling cannot
//     miss: this process's VmHWM during the render (reset just before)
//     plus each ffmpeg process's peak RSS (rusage maxrss), as if all
//     peaked at once; go_rss_MiB (with the in-process encoders) is one of
//     its terms;
//   - video_kbps: the video stream's bit rate, from ffprobe;
//   - encode_ratio: Render's wall time over the wall time of one ffmpeg
//     encoding the very same frames with the very same x264 settings
//     (letting x264 thread as it likes) and the same audio into an MP4
//     with +faststart, reading the frames from a file instead of a pipe:
//     the renderer issue's baseline;
//   - parallel_ratio: Render's wall time over the render's own parallel
//     encoding (one encoder a core, GOPs in turn, the same muxing) of those
//     frames read from the file: what the render costs beyond its encoders
//     (probe, static step, audio analysis, lyrics, drawing); the frames
//     read from the file do not say where they changed, so these encoders
//     compare every macroblock;
//   - ffmpeg_encoders_ratio: Render's wall time over the same render with
//     ffmpeg processes as its encoders, fed through pipes, as builds
//     without libx264 do (and as every render did before the in-process
//     encoder): x_realtime_ffmpeg_encoders is that render's speed;
//   - render_cpu_s, bare_cpu_s: user+system CPU seconds of the render (Go
//     and all ffmpeg processes) and of the one-ffmpeg encode;
//   - cpu_bound_ratio: Render's wall time over its CPU seconds spread over
//     every core (the least wall time that CPU allows), the median of the
//     rounds: 1 when no core ever idles (the renderer issue's ≤ 1.05 aim).
//
// The frames for the two baselines are produced by rerunning the render's
// frame generator into a file, untimed: 7.5 GB at 720p and 16.8 GB at
// 1080p, so the file goes on a disk (see scratchFile), never into memory
// or a tmpfs such as /dev/shm, and is removed however the benchmark ends
// (a SIGKILL's leftover by the next run). Without such a disk (or the room
// on it), the baselines' figures are left out and the log says why. The
// machine is shared and its speed drifts, so the ratios are measured in
// benchRounds rounds of a render and the two baselines back to back, and
// each ratio is the median of its rounds' ratios; x_realtime is the median
// of all renders. Each round is logged (-v).
//
// Run it with: go test -run '^$' -bench Render180s -benchtime 1x ./internal/render/
func BenchmarkRender180s(b *testing.B) {
	rendertest.RequireFFmpeg(b)
	const seconds = 180
	dir := b.TempDir()
	audio, cover := filepath.Join(dir, "track.mp3"), filepath.Join(dir, "cover.jpg")
	rendertest.MakeMusic(b, audio, seconds, "-b:a", "192k")
	rendertest.FFmpeg(b, "-f", "lavfi", "-i", "mandelbrot=s=1000x1000", "-frames:v", "1", "-q:v", "3", cover)
	ly := rendertest.Lyrics(b, seconds)
	for _, c := range []struct {
		res mvgen.Resolution
		fps int
	}{{mvgen.HD, 30}, {mvgen.FullHD, 30}, {mvgen.HD, 60}} {
		name := string(c.res) + "_lyrics"
		if c.fps != DefaultFPS {
			name = fmt.Sprintf("%s%d_lyrics", c.res, c.fps)
		}
		b.Run(name, func(b *testing.B) {
			in := Input{Audio: audio, Cover: cover, Title: "Benchmark — 夜のドライブ", Author: "mvgen 作者",
				Domain: "mvgen.example.com", Resolution: c.res, FPS: c.fps, Lyrics: &ly,
				Out: filepath.Join(b.TempDir(), "video.mp4")}
			benchRender(b, in, seconds)
		})
	}
	// The other themes at 720p30 and 1080p30, each against the bars
	// theme in the same rounds.
	for _, theme := range mvgen.Themes[1:] {
		for _, res := range []mvgen.Resolution{mvgen.HD, mvgen.FullHD} {
			b.Run(fmt.Sprintf("%s_%s_lyrics", theme, res), func(b *testing.B) {
				in := Input{Audio: audio, Cover: cover, Title: "Benchmark — 夜のドライブ", Author: "mvgen 作者",
					Domain: "mvgen.example.com", Resolution: res, Lyrics: &ly, Theme: theme,
					Out: filepath.Join(b.TempDir(), "video.mp4")}
				benchTheme(b, in, seconds)
			})
		}
	}
}

// benchTheme measures the render of in (seconds long, in a theme other
// than bars) against the same render in the bars theme, in benchRounds
// rounds of one render of each, back to back, and reports:
//
//   - x_realtime: seconds of video per second of wall time, the median of
//     the rounds;
//   - speed_vs_bars: the bars render's wall time over the theme's, the
//     median of the rounds' ratios (the goal is at least 0.8);
//   - cpu_vs_bars: the same with CPU seconds (Go and every ffmpeg), which
//     a busy machine sways less;
//   - render_cpu_s and video_kbps, as BenchmarkRender180s reports them.
func benchTheme(b *testing.B, in Input, seconds int) {
	var stats childStats
	r := &Renderer{TempDir: b.TempDir(), exited: stats.record}
	bars := in
	bars.Theme, bars.Out = mvgen.Bars, filepath.Join(b.TempDir(), "bars.mp4")
	timeRender := func(in Input) (wall, cpu time.Duration) {
		cpu0, children0 := selfCPU(), stats.cpu()
		start := time.Now()
		if _, err := r.Render(context.Background(), in); err != nil {
			b.Fatal(err)
		}
		return time.Since(start), selfCPU() - cpu0 + stats.cpu() - children0
	}
	var walls, cpus []time.Duration
	var speed, cpuRatio []float64
	for b.Loop() {
		for round := range benchRounds {
			barsWall, barsCPU := timeRender(bars)
			wall, cpu := timeRender(in)
			b.Logf("round %d: bars %.2fs (%.1f CPU s), %s %.2fs (%.1f CPU s)", round+1, barsWall.Seconds(),
				barsCPU.Seconds(), in.Theme, wall.Seconds(), cpu.Seconds())
			walls, cpus = append(walls, wall), append(cpus, cpu)
			speed = append(speed, barsWall.Seconds()/wall.Seconds())
			cpuRatio = append(cpuRatio, barsCPU.Seconds()/cpu.Seconds())
		}
	}
	b.ReportMetric(float64(seconds)/median(walls).Seconds(), "x_realtime")
	b.ReportMetric(median(speed), "speed_vs_bars")
	b.ReportMetric(median(cpuRatio), "cpu_vs_bars")
	b.ReportMetric(median(cpus).Seconds(), "render_cpu_s")
	b.ReportMetric(videoKbps(b, in.Out), "video_kbps")
}

// benchRender measures the render of in (seconds long); see
// BenchmarkRender180s.
func benchRender(b *testing.B, in Input, seconds int) {
	var stats childStats
	r := &Renderer{TempDir: b.TempDir(), exited: stats.record}
	resetPeakRSS(b)
	sampler := sampleTreeRSS(10 * time.Millisecond)
	pss := sampleTreePSS(100 * time.Millisecond)
	cpu0 := selfCPU()
	for b.Loop() {
		if _, err := r.Render(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
	wall := b.Elapsed() / time.Duration(b.N)
	renderCPU := (selfCPU() - cpu0 + stats.cpu()) / time.Duration(b.N)
	goRSS := peakRSS(b)
	b.Logf("CPU seconds by process: Go %.2f, ffmpeg %v", (selfCPU() - cpu0).Seconds(), stats.byStep)
	b.ReportMetric(float64(sampler())/(1<<20), "peak_rss_MiB")
	peakPSS, peakAnon, at := pss()
	b.Logf("PSS/anonymous MiB at the peak: %s", at)
	b.ReportMetric(float64(peakPSS)/(1<<20), "peak_pss_MiB")
	b.ReportMetric(float64(peakAnon)/(1<<20), "peak_pss_anon_MiB")
	b.ReportMetric(float64(goRSS+stats.rssSum())/(1<<20), "rss_bound_MiB")
	b.ReportMetric(float64(goRSS)/(1<<20), "go_rss_MiB")
	b.ReportMetric(videoKbps(b, in.Out), "video_kbps")
	b.ReportMetric(renderCPU.Seconds(), "render_cpu_s")

	b.Logf("first render (sampling memory): %.2fs", wall.Seconds())
	var walls, ffmpegWalls []time.Duration
	var encodeRatios, parallelRatios, ffmpegRatios []float64
	bench := newBaselines(b, r, in) // nil when there is no disk for the frames
	withFFmpeg := &Renderer{TempDir: r.TempDir, ffmpegEncoders: true}
	timeRender := func(r *Renderer) time.Duration {
		start := time.Now()
		if _, err := r.Render(context.Background(), in); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var boundRatios []float64
	for round := range benchRounds {
		cpu0, children0 := selfCPU(), stats.cpu()
		render := timeRender(r)
		cpu := selfCPU() - cpu0 + stats.cpu() - children0
		boundRatios = append(boundRatios, render.Seconds()/(cpu.Seconds()/float64(runtime.NumCPU())))
		walls = append(walls, render)
		if bench != nil {
			bare, bareCPU := bench.single(b)
			parallel := bench.parallel(b)
			b.Logf("round %d: render %.2fs, one ffmpeg %.2fs (%.1f CPU s), parallel encoders %.2fs",
				round+1, render.Seconds(), bare.Seconds(), bareCPU.Seconds(), parallel.Seconds())
			encodeRatios = append(encodeRatios, render.Seconds()/bare.Seconds())
			parallelRatios = append(parallelRatios, render.Seconds()/parallel.Seconds())
			if round == 0 {
				b.ReportMetric(bareCPU.Seconds(), "bare_cpu_s")
			}
		}
		ffmpegEncoders := timeRender(withFFmpeg)
		b.Logf("round %d: render %.2fs, render with ffmpeg encoders %.2fs", round+1, render.Seconds(), ffmpegEncoders.Seconds())
		ffmpegWalls = append(ffmpegWalls, ffmpegEncoders)
		ffmpegRatios = append(ffmpegRatios, render.Seconds()/ffmpegEncoders.Seconds())
	}
	b.ReportMetric(float64(seconds)/median(walls).Seconds(), "x_realtime")
	if bench != nil {
		b.ReportMetric(median(encodeRatios), "encode_ratio")
		b.ReportMetric(median(parallelRatios), "parallel_ratio")
	}
	b.ReportMetric(median(ffmpegRatios), "ffmpeg_encoders_ratio")
	b.ReportMetric(median(boundRatios), "cpu_bound_ratio")
	b.ReportMetric(float64(seconds)/median(ffmpegWalls).Seconds(), "x_realtime_ffmpeg_encoders")
}

// benchRounds is how many rounds BenchmarkRender180s compares the render
// with its baselines.
const benchRounds = 3

// median returns the median of v (the upper one for an even count).
func median[T int | float64 | time.Duration](v []T) T {
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

// baselines encodes the render's frames for one input in the two ways the
// benchmark compares the render with.
type baselines struct {
	r      *Renderer
	j      job
	video  encode.Video
	frames *os.File // the raw frames, in a scratch file on a disk
	out    string   // a directory for the videos
}

// newBaselines writes the render's frames for in to a scratch file on a
// disk (see scratchFile), which is removed when the benchmark ends; nil,
// with the reason logged, when no disk has room for them.
func newBaselines(b *testing.B, r *Renderer, in Input) *baselines {
	j := jobFor(b, r, in)
	w, h := scene.Size(j.aspect, j.resolution)
	video := encode.Video{W: w, H: h, FPS: j.fps, Frames: j.frames}
	size := int64(w*h*3/2) * int64(j.frames)
	frames, err := scratchFile(b, size)
	if err != nil {
		b.Logf("encode_ratio and parallel_ratio left out: %v", err)
		return nil
	}
	if _, err := r.render(context.Background(), in, frames); err != nil {
		b.Fatal(err)
	}
	// The frames go to the disk now, untimed: what stays in memory is page
	// cache the kernel can drop, not dirty pages.
	if err := frames.Sync(); err != nil {
		b.Fatal(err)
	}
	b.Logf("the baselines read %.1f GB of frames from %s", float64(size)/1e9, frames.Name())
	return &baselines{r: r, j: j, video: video, frames: frames, out: b.TempDir()}
}

// single times one ffmpeg encoding the frames with the render's x264
// settings, letting x264 thread as it likes, and the audio into an MP4.
func (bl *baselines) single(b *testing.B) (wall, cpu time.Duration) {
	v := bl.video
	cmd := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y",
		"-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", strconv.Itoa(v.W)+"x"+strconv.Itoa(v.H),
		"-framerate", strconv.Itoa(v.FPS), "-i", "file:"+bl.frames.Name(), "-i", "file:"+bl.j.audio,
		"-map", "0:v:0", "-map", "1:a:0", "-c:v", "libx264", "-preset", encode.Preset, "-qp", encode.QP,
		"-x264-params", encode.X264Params+":keyint="+strconv.Itoa(v.GOP()), "-c:a", "copy",
		"-movflags", "+faststart", "-f", "mp4", "file:"+filepath.Join(bl.out, "single.mp4"))
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("bare encode: %v\n%s", err, out)
	}
	return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// parallel times the render's own encoding of the frames, read from the
// file instead of drawn.
func (bl *baselines) parallel(b *testing.B) time.Duration {
	v, j := bl.video, bl.j
	size := int64(v.W * v.H * 3 / 2)
	read := func(f *yuv.Frame, i int) error {
		_, err := bl.frames.ReadAt(f.Pix, int64(i)*size)
		return err
	}
	out := encode.Output{Path: filepath.Join(bl.out, "parallel.mp4"), Audio: j.audio, Duration: j.info.Duration,
		CopyAudio: j.copyAudio, AudioRate: j.audioRate}
	ff := bl.r.runner()
	start := time.Now()
	err := encode.Run(context.Background(), bl.r.encoder(ff), ff, encode.Job{Video: v, Output: out,
		Frames: encode.Frames{New: func() *yuv.Frame { return yuv.New(v.W, v.H) }, Draw: read}, Encoders: bl.r.encoders(v)})
	if err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// childStats collects the resource use of the ffmpeg processes of a render.
type childStats struct {
	mu     sync.Mutex
	maxRSS map[string]int64 // bytes, the largest per step
	used   time.Duration
	byStep map[string]time.Duration
}

func (s *childStats) record(step string, ps *os.ProcessState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.maxRSS == nil {
		s.maxRSS = map[string]int64{}
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		s.maxRSS[step] = max(s.maxRSS[step], ru.Maxrss<<10) // Linux reports KiB
	}
	s.used += ps.UserTime() + ps.SystemTime()
	if s.byStep == nil {
		s.byStep = map[string]time.Duration{}
	}
	s.byStep[step] += ps.UserTime() + ps.SystemTime()
}

func (s *childStats) rssSum() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum int64
	for _, v := range s.maxRSS {
		sum += v
	}
	return sum
}

func (s *childStats) cpu() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

// sampleTreeRSS samples the summed RSS of this process and its children
// every interval until the returned function is called, which returns the
// largest sum seen, in bytes. It is kept cheap, so as not to slow what it
// measures: the list of children is refreshed every tenth sample, and RSS
// is read from statm.
func sampleTreeRSS(interval time.Duration) func() int64 {
	stop, done := make(chan struct{}), make(chan int64)
	go func() {
		var peak int64
		var pids []string
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for n := 0; ; n++ {
			if n%10 == 0 {
				pids = childPIDs()
			}
			sum := statmRSS("/proc/self/statm")
			for _, pid := range pids {
				sum += statmRSS("/proc/" + pid + "/statm")
			}
			peak = max(peak, sum)
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		return <-done
	}
}

// sampleTreePSS samples the summed PSS, and its anonymous part, of this
// process and its children (from /proc/PID/smaps_rollup) every interval
// until the returned function is called, which returns the largest sums
// seen, in bytes, and the PSS of each process at that moment (see
// pssBreakdown). The ffmpeg processes share their libraries' pages, which
// PSS splits among them instead of counting in each.
func sampleTreePSS(interval time.Duration) func() (pss, anon int64, at string) {
	stop := make(chan struct{})
	type peaks struct {
		pss, anon int64
		at        string
	}
	done := make(chan peaks)
	go func() {
		var peak peaks
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			var sum peaks
			var parts []pssPart
			for _, pid := range append(childPIDs(), "self") {
				p, a := smapsPSS("/proc/" + pid + "/smaps_rollup")
				sum.pss += p
				sum.anon += a
				parts = append(parts, pssPart{pid, p, a})
			}
			if sum.pss > peak.pss {
				peak.pss, peak.at = sum.pss, pssBreakdown(parts)
			}
			peak.anon = max(peak.anon, sum.anon)
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() (int64, int64, string) {
		close(stop)
		p := <-done
		return p.pss, p.anon, p.at
	}
}

// pssPart is one process's PSS and anonymous PSS, in bytes.
type pssPart struct {
	pid       string
	pss, anon int64
}

// pssBreakdown describes parts for the log: each process's role (from its
// command line: Go, decode, static, encode, mux) with its PSS and
// anonymous PSS in MiB, and the Go heap's live and total bytes.
func pssBreakdown(parts []pssPart) string {
	var b strings.Builder
	for _, p := range parts {
		fmt.Fprintf(&b, "%s %.0f/%.0f, ", processRole(p.pid), float64(p.pss)/(1<<20), float64(p.anon)/(1<<20))
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(&b, "Go heap in use %.0f MiB, from the OS %.0f MiB", float64(ms.HeapInuse)/(1<<20),
		float64(ms.Sys-ms.HeapReleased)/(1<<20))
	return b.String()
}

// processRole names what the process pid is in a render, from its
// command line.
func processRole(pid string) string {
	if pid == "self" {
		return "Go"
	}
	cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
	args := string(cmdline)
	switch {
	case strings.Contains(args, "f32le"):
		return "decode"
	case strings.Contains(args, "libx264"):
		return "encode"
	case strings.Contains(args, "+faststart"):
		return "mux"
	case strings.Contains(args, "filter_complex_script"), strings.Contains(args, "static.txt"):
		return "static"
	}
	return "ffmpeg"
}

// smapsPSS reads Pss and Pss_Anon from a smaps_rollup file, in bytes; 0
// when it cannot (the process has gone). The file is read once: the
// kernel walks the process's pages for each read, and the sampler took a
// fifth of this process's CPU (BenchmarkKit180s' CPU profile) when it
// read the file once for each field.
func smapsPSS(path string) (pss, anon int64) {
	rollup, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	return kbField(rollup, "Pss:") << 10, kbField(rollup, "Pss_Anon:") << 10
}

// childPIDs lists the children of this process that run a program of
// their own. A child that has not yet called exec shares this process's
// memory (Go starts it with vfork), and its smaps_rollup is this
// process's: counted, it doubled the Go process's PSS in a sample
// (BenchmarkKit180s' peaks of "mux 133/124, Go 133/125" when the machine
// was loaded and the child waited for a core before its exec).
func childPIDs() []string {
	self, _ := os.Readlink("/proc/self/exe")
	var pids []string
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, t := range tasks {
		data, _ := os.ReadFile(t)
		for _, pid := range strings.Fields(string(data)) {
			// Read before its smaps_rollup: a child whose exe is another
			// program has called exec, and its memory is its own.
			if exe, err := os.Readlink("/proc/" + pid + "/exe"); err == nil && exe != self {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// statmRSS reads the resident size from a /proc statm file, in bytes; 0
// when it cannot (the process has gone).
func statmRSS(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// statusKB reads a "kB" field of a /proc status file; 0 when it cannot.
func statusKB(path, field string) int64 {
	status, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return kbField(status, field)
}

// kbField returns the "kB" field of a /proc status or smaps_rollup file's
// text; 0 when it has none.
func kbField(status []byte, field string) int64 {
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb
			}
		}
	}
	return 0
}

// selfCPU is the user+system CPU time of this process so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// treeCPU is the user+system CPU time of this process and of its children
// waited for, so far.
func treeCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return selfCPU() + time.Duration(ru.Utime.Nano()+ru.Stime.Nano())
}

// resetPeakRSS resets this process's VmHWM to its current RSS (Linux).
func resetPeakRSS(tb testing.TB) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Logf("cannot reset the peak RSS: %v", err)
	}
}

// peakRSS reads this process's VmHWM, in bytes.
func peakRSS(tb testing.TB) int64 {
	kb := statusKB("/proc/self/status", "VmHWM:")
	if kb == 0 {
		tb.Log("no VmHWM in /proc/self/status")
	}
	return kb << 10
}

// videoKbps is the bit rate of the video stream of the MP4 at path.
func videoKbps(tb testing.TB, path string) float64 {
	tb.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=bit_rate", "-of", "csv=p=0", path).Output()
	if err != nil {
		tb.Fatal(err)
	}
	bps, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		tb.Fatal(errors.Join(errors.New("reading the video bit rate"), err))
	}
	return bps / 1000
}
