package render

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/rendertest"
)

// BenchmarkKit180s renders a kit of the 180 s track of
// BenchmarkRender180s (cover, texts, synced lyrics): 16:9 720p (rendition
// 0), 9:16 720p, 4:5 and a 30 s 9:16 clip whose start is picked (Auto),
// and reports:
//
//   - kit_s: RenderKit's wall time, the renditions one after another
//     (kitOverlap);
//   - separate_s: the sum of the wall times of the same four videos
//     rendered one request each (the clip with the start the kit picked),
//     in the same run;
//   - kit_ratio: kit_s / separate_s (the aim: ≤ 0.9), and
//     kit_cpu_ratio: the same for the CPU time of this process and its
//     ffmpeg children;
//   - kit_overlapN_s: the same kit with N renditions rendering at once,
//     the alternative to kitOverlap (2 when it is 1, else 1);
//   - peak_pss_MiB: the kit's peak PSS (this process and its ffmpeg
//     children, sampled every 100 ms as in BenchmarkRender180s), and
//     peak_pss_overlapN_MiB the other kit's and peak_pss_separate_MiB the
//     separate renders' (sampled too, so that the sampler's CPU weighs on
//     both sides of kit_ratio).
//
// The machine is shared: the kit, the separate renders and the
// overlapped kit take turns, and the figures are the medians of kitRounds
// rounds (MVGEN_BENCH_KIT_ROUNDS sets another number); the ratios are the
// medians of each round's. Outputs go to the test's temporary directory
// (a disk), nothing to /dev/shm. MVGEN_BENCH_KIT_SECONDS sets a shorter
// track for a quick check (the clip then lasts a sixth of it, at least
// 5 s).
//
// Run it with: go test -run '^$' -bench Kit180s -benchtime 1x ./internal/render/
func BenchmarkKit180s(b *testing.B) {
	rendertest.RequireFFmpeg(b)
	seconds := 180
	if s, err := strconv.Atoi(os.Getenv("MVGEN_BENCH_KIT_SECONDS")); err == nil && s >= 10 {
		seconds = s
	}
	clip := min(30*time.Second, max(MinClip, time.Duration(seconds)*time.Second/6))
	dir := b.TempDir()
	audio, cover := filepath.Join(dir, "track.mp3"), filepath.Join(dir, "cover.jpg")
	rendertest.MakeMusic(b, audio, float64(seconds), "-b:a", "192k")
	rendertest.FFmpeg(b, "-f", "lavfi", "-i", "mandelbrot=s=1000x1000", "-frames:v", "1", "-q:v", "3", cover)
	ly := rendertest.Lyrics(b, seconds)
	out := b.TempDir()
	in := Input{Audio: audio, Cover: cover, Title: "Benchmark — 夜のドライブ", Author: "mvgen 作者",
		Domain: "mvgen.example.com", Lyrics: &ly, Out: filepath.Join(out, "landscape.mp4"), Poster: filepath.Join(out, "landscape.jpg")}
	kit := []Rendition{
		{Aspect: mvgen.Portrait, Out: filepath.Join(out, "portrait.mp4"), Poster: filepath.Join(out, "portrait.jpg")},
		{Aspect: mvgen.Feed, Out: filepath.Join(out, "feed.mp4"), Poster: filepath.Join(out, "feed.jpg")},
		{Aspect: mvgen.Portrait, Clip: &Clip{Auto: true, Duration: clip}, Out: filepath.Join(out, "clip.mp4")},
	}
	r := &Renderer{TempDir: b.TempDir()}
	alt := 2 // the overlap measured against kitOverlap's
	if kitOverlap != 1 {
		alt = 1
	}
	overlapped := &Renderer{TempDir: r.TempDir, overlap: alt}
	runKit := func(r *Renderer) (time.Duration, time.Duration, []Video, int64) {
		pss := sampleTreePSS(100 * time.Millisecond)
		start, cpu := time.Now(), treeCPU()
		_, videos, err := r.RenderKit(context.Background(), in, kit)
		wall, cpu := time.Since(start), treeCPU()-cpu
		peak, _, at := pss()
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("kit (overlap %d): %.2fs, CPU %.2fs, peak PSS %.0f MiB at: %s", max(r.overlap, kitOverlap), wall.Seconds(),
			cpu.Seconds(), float64(peak)/(1<<20), at)
		return wall, cpu, videos, peak
	}
	// The separate renders are sampled as the kits are: the sampler costs
	// CPU (see smapsPSS), which the kits must not pay alone.
	separate := func(videos []Video) (time.Duration, time.Duration, int64) {
		pss := sampleTreePSS(100 * time.Millisecond)
		cpu := treeCPU()
		var sum time.Duration
		for i, v := range videos {
			one := in
			var c *Clip
			if i > 0 {
				k := kit[i-1]
				one.Aspect, one.Resolution, one.Out, one.Poster = k.Aspect, k.Resolution, k.Out, k.Poster
				if k.Clip != nil {
					c = &Clip{Start: v.Start, Duration: v.Duration}
				}
			}
			start := time.Now()
			if _, err := r.renderOne(context.Background(), one, c, nil); err != nil {
				b.Fatal(err)
			}
			sum += time.Since(start)
		}
		cpu = treeCPU() - cpu
		peak, _, _ := pss()
		return sum, cpu, peak
	}
	var kits, overlaps, separates []time.Duration
	var ratios, cpuRatios []float64
	var peak, peakOverlap, peakSeparate int64
	for b.Loop() {
		rounds := kitRounds
		if n, err := strconv.Atoi(os.Getenv("MVGEN_BENCH_KIT_ROUNDS")); err == nil && n > 0 {
			rounds = n
		}
		for range rounds {
			wall, cpu, videos, p := runKit(r)
			sep, sepCPU, sepPeak := separate(videos)
			ow, ocpu, _, op := runKit(overlapped)
			b.Logf("round: kit %.2fs (CPU %.2fs), separate %.2fs (CPU %.2fs), kit with overlap %d %.2fs (CPU %.2fs); clip from %v",
				wall.Seconds(), cpu.Seconds(), sep.Seconds(), sepCPU.Seconds(), alt, ow.Seconds(), ocpu.Seconds(),
				videos[len(videos)-1].Start)
			kits, separates, overlaps = append(kits, wall), append(separates, sep), append(overlaps, ow)
			ratios, cpuRatios = append(ratios, wall.Seconds()/sep.Seconds()), append(cpuRatios, cpu.Seconds()/sepCPU.Seconds())
			peak, peakOverlap, peakSeparate = max(peak, p), max(peakOverlap, op), max(peakSeparate, sepPeak)
		}
	}
	b.ReportMetric(median(kits).Seconds(), "kit_s")
	b.ReportMetric(median(separates).Seconds(), "separate_s")
	b.ReportMetric(median(ratios), "kit_ratio")
	b.ReportMetric(median(cpuRatios), "kit_cpu_ratio")
	b.ReportMetric(median(overlaps).Seconds(), fmt.Sprintf("kit_overlap%d_s", alt))
	b.ReportMetric(float64(peak)/(1<<20), "peak_pss_MiB")
	b.ReportMetric(float64(peakOverlap)/(1<<20), fmt.Sprintf("peak_pss_overlap%d_MiB", alt))
	b.ReportMetric(float64(peakSeparate)/(1<<20), "peak_pss_separate_MiB")
}

// kitRounds is how many rounds BenchmarkKit180s measures.
const kitRounds = 3
