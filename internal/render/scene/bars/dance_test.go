package bars

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/render/analysis"
	"github.com/mvgen/mvgen/internal/render/ffmpeg"
	"github.com/mvgen/mvgen/internal/render/rendertest"
	"github.com/mvgen/mvgen/internal/render/scene"
	"github.com/mvgen/mvgen/internal/render/scene/scenetest"
	"github.com/mvgen/mvgen/internal/render/source"
	"github.com/mvgen/mvgen/internal/render/text"
)

// makeBand writes seconds of a multi-instrument piece: a chord of three
// voices with overtones changing every two seconds, a bass on the chord's
// root, a kick on every beat, a snare on beats two and four and a hi-hat
// on every eighth, at 120 beats a minute, with a quieter bridge from 40 %
// to 60 % of the length. Unlike makeMusic, its parts come and go, as in a
// song.
func makeBand(tb testing.TB, path string, seconds float64) {
	tb.Helper()
	// The roots of the four chords (Am, F, C, G), in Hz, one every 2 s.
	root := "if(lt(mod(t,8),2),220,if(lt(mod(t,8),4),174.6,if(lt(mod(t,8),6),261.6,196)))"
	voice := func(ratio string) string {
		f := "(" + root + ")*" + ratio
		return fmt.Sprintf("(sin(2*PI*%[1]s*t)+0.4*sin(4*PI*%[1]s*t)+0.2*sin(6*PI*%[1]s*t))", f)
	}
	bridge := fmt.Sprintf("(1-0.75*between(t,%g,%g))", 0.4*seconds, 0.6*seconds)
	tonal := fmt.Sprintf("%s*(0.07*(%s+%s+%s)*(0.6+0.4*exp(-3*mod(t,2)))"+
		"+0.3*sin(PI*(%s)*t)*exp(-4*mod(t,0.5))"+
		"+0.6*sin(2*PI*(50+90*exp(-30*mod(t,0.5)))*t)*exp(-9*mod(t,0.5)))",
		bridge, voice("1"), voice("1.2"), voice("1.5"), root)
	noise := fmt.Sprintf("%s*(random(0)-0.5)*(0.5*exp(-18*mod(t-0.5,1))+0.12*exp(-40*mod(t,0.25)))", bridge)
	rendertest.FFmpeg(tb, "-f", "lavfi", "-i", fmt.Sprintf("aevalsrc='%s':s=44100:d=%g", tonal, seconds),
		"-f", "lavfi", "-i", fmt.Sprintf("aevalsrc='%s':s=44100:d=%g", noise, seconds),
		"-filter_complex", "[1]highpass=f=1500[hat];[0][hat]amix=inputs=2:normalize=0,aformat=channel_layouts=stereo[a]",
		"-map", "[a]", path)
}

// barStats measures the bars in decoded luma frames: for each bar, its
// centre column in the bars' band is compared with the same column of
// still, a frame without bars, and the rows at least 24 brighter are the
// bar's height. It returns the mean height over bars and frames and the
// mean over bars of each bar's standard deviation in time, both as
// fractions of the band's height, and the fraction of bars in frames that
// are (almost) full.
func barStats(l layout, still []byte, frames [][]byte) (mean, spread, full float64) {
	heights := make([][]float64, l.BarCount)
	for b := range heights {
		x := l.barX(b) + l.barWidth()/2
		for _, f := range frames {
			n := 0
			for y := l.Bars.Y; y < l.Bars.Y+l.Bars.H; y++ {
				if int(f[y*l.W+x]) >= int(still[y*l.W+x])+24 {
					n++
				}
			}
			heights[b] = append(heights[b], float64(n)/float64(l.Bars.H))
			if n >= l.Bars.H*95/100 {
				full++
			}
		}
	}
	for _, hs := range heights {
		var sum, sumSq float64
		for _, h := range hs {
			sum += h
			sumSq += h * h
		}
		m := sum / float64(len(hs))
		mean += m
		spread += math.Sqrt(max(0, sumSq/float64(len(hs))-m*m))
	}
	return mean / float64(l.BarCount), spread / float64(l.BarCount), full / float64(l.BarCount*len(frames))
}

// drawVideo draws the video of the track at audio with the theme as a
// render does (the decoder and the analysis, the static step, then every
// frame in order), without encoding it, and returns the theme and each
// frame's luma plane.
func drawVideo(t *testing.T, spec scene.Spec, audio string) (*Theme, [][]byte) {
	t.Helper()
	ctx := context.Background()
	info, err := source.Probe(ctx, "", audio)
	if err != nil {
		t.Fatal(err)
	}
	spec.FPS, spec.Duration = frameRate, info.Duration
	spec.Frames = max(1, int(math.Ceil(info.Duration.Seconds()*frameRate-1e-6)))
	spec.Font, spec.BoldFont = text.DefaultFonts()
	spec.Work, spec.FFmpeg = t.TempDir(), &ffmpeg.Runner{}
	th := New(spec)
	dec, err := source.Decode(ctx, spec.FFmpeg, audio, info.Duration, analysis.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	tr := analysis.NewTrack(spec.Frames, frameRate, 5*frameRate, th.Bands(), spec.Frames)
	go func() { tr.End(dec.Finish(tr.Analyse(dec))) }()
	still, err := th.Still(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := still.Clone()
	var frames [][]byte
	for i := range spec.Frames {
		lv, err := tr.Wait(i)
		if err != nil {
			t.Fatal(err)
		}
		th.Draw(f, i, lv)
		frames = append(frames, append([]byte(nil), f.Y...))
		tr.Drew(i)
	}
	return th, frames
}

// measureDance draws the video of music (after half a second of digital
// silence, whose first frame gives the picture without bars) and returns
// barStats over the frames of the music.
func measureDance(t *testing.T, music string, aspect mvgen.Aspect) (mean, spread, full float64) {
	t.Helper()
	dir := t.TempDir()
	track := filepath.Join(dir, "track.flac")
	rendertest.FFmpeg(t, "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo:d=0.5", "-i", music,
		"-filter_complex", "[1]aresample=44100,aformat=channel_layouts=stereo[m];[0][m]concat=n=2:v=0:a=1", track)
	th, frames := drawVideo(t, scene.Spec{Aspect: aspect, Resolution: mvgen.HD,
		Cover: source.Cover{Format: "png"}.InputArgs(rendertest.MakePNG(t, dir, 300, 300)), Title: "Dance", Author: "Band"}, track)
	if sheet := os.Getenv("MVGEN_DANCE_SHEET"); sheet != "" {
		writeSheet(t, th.l, frames, sheet)
	}
	return barStats(th.l, frames[0], frames[frameRate:])
}

// writeSheet writes a contact sheet of every 15th frame's luma to path.
func writeSheet(t *testing.T, l layout, frames [][]byte, path string) {
	t.Helper()
	raw := filepath.Join(t.TempDir(), "frames.gray")
	f, err := os.Create(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range frames {
		f.Write(fr)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	rendertest.FFmpeg(t, "-f", "rawvideo", "-pix_fmt", "gray", "-s", fmt.Sprintf("%dx%d", l.W, l.H), "-i", raw,
		"-vf", "select='not(mod(n\\,15))',scale=iw/4:ih/4,tile=6x4", "-frames:v", "1", path)
}

// TestMarksOnMusic checks the theme's marks (scenetest.CheckMarks) over a
// track's real still picture and levels: a multi-instrument piece, with a
// cover and the intro card.
func TestMarksOnMusic(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	music := filepath.Join(dir, "band.flac")
	makeBand(t, music, 8)
	th, _ := drawVideo(t, scene.Spec{Aspect: mvgen.Portrait, Resolution: mvgen.HD,
		Cover: source.Cover{Format: "png"}.InputArgs(rendertest.MakePNG(t, dir, 300, 300)), Title: "Marks", Author: "Band",
		Domain: "example.com"}, music)
	rng := rand.New(rand.NewPCG(7, 8))
	levels := func(i int) analysis.Levels {
		lv := analysis.Levels{Bands: make([]float64, th.Bands()), Pulse: rng.Float64()}
		for b := range lv.Bands {
			lv.Bands[b] = rng.Float64()
		}
		return lv
	}
	if err := scenetest.CheckMarks(th, th.base, th.spec.Frames, levels); err != nil {
		t.Error(err)
	}
}

// TestBarsDance measures the bars from the frames drawn: on a
// multi-instrument piece they use much of their height and each moves over
// a good part of it in time; loud white noise does not pin them at the top.
// MVGEN_DANCE_MUSIC names a recording to measure instead of the piece (by
// hand: the bounds are the piece's), MVGEN_DANCE_SHEET a PNG to write a
// contact sheet of the piece's frames to.
func TestBarsDance(t *testing.T) {
	rendertest.RequireFFmpeg(t)
	t.Parallel()
	tests := []struct {
		name                   string
		make                   func(t *testing.T, path string)
		minMean, maxMean       float64
		minSpread, maxFullBars float64
	}{
		{"band", func(t *testing.T, path string) {
			if music := os.Getenv("MVGEN_DANCE_MUSIC"); music != "" {
				rendertest.FFmpeg(t, "-i", music, path)
				return
			}
			makeBand(t, path, 16)
		}, 0.35, 0.75, 0.15, 0.2},
		{"loud white noise", func(t *testing.T, path string) {
			rendertest.FFmpeg(t, "-f", "lavfi", "-i", "anoisesrc=c=white:a=0.7:d=6:r=44100", path)
		}, 0.3, 0.75, 0, 0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			music := filepath.Join(t.TempDir(), "music.flac")
			tt.make(t, music)
			mean, spread, full := measureDance(t, music, mvgen.Landscape)
			t.Logf("bars: mean height %.3f, mean per-bar standard deviation %.3f (of the band's height), %.3f full",
				mean, spread, full)
			if mean < tt.minMean || mean > tt.maxMean {
				t.Errorf("mean bar height %.3f, want %.2f…%.2f", mean, tt.minMean, tt.maxMean)
			}
			if spread < tt.minSpread {
				t.Errorf("mean per-bar standard deviation %.3f, want at least %.2f", spread, tt.minSpread)
			}
			if full > tt.maxFullBars {
				t.Errorf("%.3f of the bars are full, want at most %.2f", full, tt.maxFullBars)
			}
		})
	}
}
