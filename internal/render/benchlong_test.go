package render

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/rendertest"
)

// BenchmarkRender15min renders a 15-minute track (the longest a Renderer
// accepts by default; the music, cover, texts and lyrics of
// BenchmarkRender180s) once at 16:9 at 720p and once at 1080p, and reports
// the peak memory of each as BenchmarkRender180s does (peak_pss_MiB,
// peak_pss_anon_MiB, sampled every 100 ms) and x_realtime; -v logs each
// process's PSS at the peak. It takes about two minutes, so it runs only
// with MVGEN_BENCH_LONG=1:
//
//	MVGEN_BENCH_LONG=1 go test -run '^$' -bench Render15min -benchtime 1x ./internal/render/
func BenchmarkRender15min(b *testing.B) {
	if os.Getenv("MVGEN_BENCH_LONG") == "" {
		b.Skip("set MVGEN_BENCH_LONG=1 to render a 15-minute track")
	}
	rendertest.RequireFFmpeg(b)
	const seconds = 15 * 60
	dir := b.TempDir()
	audio, cover := filepath.Join(dir, "track.mp3"), filepath.Join(dir, "cover.jpg")
	rendertest.MakeMusic(b, audio, seconds, "-b:a", "192k")
	rendertest.FFmpeg(b, "-f", "lavfi", "-i", "mandelbrot=s=1000x1000", "-frames:v", "1", "-q:v", "3", cover)
	ly := rendertest.Lyrics(b, seconds)
	for _, res := range []mvgen.Resolution{mvgen.HD, mvgen.FullHD} {
		b.Run(string(res), func(b *testing.B) {
			in := Input{Audio: audio, Cover: cover, Title: "Benchmark — 夜のドライブ", Author: "mvgen 作者",
				Domain: "mvgen.example.com", Resolution: res, Lyrics: &ly, Out: filepath.Join(b.TempDir(), "video.mp4")}
			// An MP3 is a few milliseconds longer than asked for (its
			// encoder's padding), which the default limit of 15 minutes
			// would refuse.
			r := &Renderer{TempDir: b.TempDir(), MaxDuration: seconds*time.Second + time.Second}
			pss := sampleTreePSS(100 * time.Millisecond)
			for b.Loop() {
				if _, err := r.Render(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
			peak, anon, at := pss()
			b.Logf("PSS/anonymous MiB at the peak: %s", at)
			b.ReportMetric(float64(peak)/(1<<20), "peak_pss_MiB")
			b.ReportMetric(float64(anon)/(1<<20), "peak_pss_anon_MiB")
			b.ReportMetric(float64(seconds)/(b.Elapsed()/time.Duration(b.N)).Seconds(), "x_realtime")
		})
	}
}
