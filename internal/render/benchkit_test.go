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
//   - kit_ratio: kit_s / separate_s (the aim: ≤ 0.9);
//   - kit_overlapN_s: the same kit with N renditions rendering at once,
//     the alternative to kitOverlap (2 when it is 1, else 1);
//   - peak_pss_MiB: the kit's peak PSS (this process and its ffmpeg
//     children, sampled every 100 ms as in BenchmarkRender180s), and
//     peak_pss_overlapN_MiB the other kit's.
//
// The machine is shared: the kit, the overlapped kit and the separate
// renders take turns, and the figures are the medians of kitRounds
// rounds. Outputs go to the test's temporary directory (a disk), nothing
// to /dev/shm. MVGEN_BENCH_KIT_SECONDS sets a shorter track for a quick
// check (the clip then lasts a sixth of it, at least 5 s).
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
	runKit := func(r *Renderer) (time.Duration, []Video, int64) {
		pss := sampleTreePSS(100 * time.Millisecond)
		start := time.Now()
		_, videos, err := r.RenderKit(context.Background(), in, kit)
		wall := time.Since(start)
		peak, _, at := pss()
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("kit (overlap %d): %.2fs, peak PSS %.0f MiB at: %s", max(r.overlap, kitOverlap), wall.Seconds(), float64(peak)/(1<<20), at)
		return wall, videos, peak
	}
	separate := func(videos []Video) time.Duration {
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
		return sum
	}
	var kits, overlaps, separates []time.Duration
	var ratios []float64
	var peak, peakOverlap int64
	for b.Loop() {
		for range kitRounds {
			wall, videos, p := runKit(r)
			sep := separate(videos)
			ow, _, op := runKit(overlapped)
			b.Logf("round: kit %.2fs, separate %.2fs, kit with overlap %d %.2fs; clip from %v", wall.Seconds(), sep.Seconds(),
				alt, ow.Seconds(), videos[len(videos)-1].Start)
			kits, separates, overlaps = append(kits, wall), append(separates, sep), append(overlaps, ow)
			ratios = append(ratios, wall.Seconds()/sep.Seconds())
			peak, peakOverlap = max(peak, p), max(peakOverlap, op)
		}
	}
	b.ReportMetric(median(kits).Seconds(), "kit_s")
	b.ReportMetric(median(separates).Seconds(), "separate_s")
	b.ReportMetric(median(ratios), "kit_ratio")
	b.ReportMetric(median(overlaps).Seconds(), fmt.Sprintf("kit_overlap%d_s", alt))
	b.ReportMetric(float64(peak)/(1<<20), "peak_pss_MiB")
	b.ReportMetric(float64(peakOverlap)/(1<<20), fmt.Sprintf("peak_pss_overlap%d_MiB", alt))
}

// kitRounds is how many rounds BenchmarkKit180s measures.
const kitRounds = 3
