package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// The kit flags of mvgen video and mvgen render (contract §6.5): several
// aspects and clips make several videos of one song, written into a
// directory.

// kitUsage explains --aspect's list, --clip and -o DIR/ in the usage text.
const kitUsage = `
Several videos of one song (a kit):
  --aspect 16:9,9:16,4:5    the first aspect is the main video; each further one is the whole
                            song in that shape too
  --clip START:SECONDS      adds a 9:16 clip SECONDS long (5-90) starting START seconds into
                            the song; START "auto" starts at the hook (the first chorus, or the
                            most repeated loud passage); repeat --clip for more clips
  -o DIR/                   with several videos, -o names a directory (ending in / or existing)
                            and every video is written there with its poster and caption files:
                            SONG-16x9.mp4, SONG-16x9.jpg, SONG-16x9.srt/.vtt/.lrc,
                            SONG-9x16.mp4, SONG-9x16-clip.mp4 (SONG-9x16-clip2.mp4, ...)`

// clipFlags is the repeatable --clip flag.
type clipFlags []mvgen.Clip

func (c *clipFlags) String() string {
	var s []string
	for _, cl := range *c {
		s = append(s, cl.String())
	}
	return strings.Join(s, ",")
}

// Set takes START:SECONDS, START a number of seconds or "auto".
func (c *clipFlags) Set(v string) error {
	start, secs, ok := strings.Cut(v, ":")
	if !ok {
		return fmt.Errorf("want START:SECONDS, e.g. auto:30 or 42.5:15 (got %q)", v)
	}
	d, err := strconv.ParseFloat(secs, 64)
	if err != nil || d < mvgen.MinClipDuration.Seconds() || d > mvgen.MaxClipDuration.Seconds() {
		return fmt.Errorf("a clip is 5 to 90 seconds long (got %q)", secs)
	}
	cl := mvgen.Clip{Duration: time.Duration(d * float64(time.Second))}
	if start == "auto" {
		cl.Auto = true
	} else {
		s, err := strconv.ParseFloat(start, 64)
		if err != nil || s < 0 {
			return fmt.Errorf("a clip starts at 0 or more seconds, or auto (got %q)", start)
		}
		cl.Start = time.Duration(s * float64(time.Second))
	}
	*c = append(*c, cl)
	return nil
}

// kitVideo is one video a kit flag set asks for.
type kitVideo struct {
	aspect string
	clip   *mvgen.Clip
}

// kitVideos returns the videos --aspect (a comma list) and --clip ask for,
// the main one (the first aspect, "" for the default) first. The aspects
// are judged where they are used (the server's 422, the renderer's error).
func kitVideos(aspects string, clips clipFlags) ([]kitVideo, error) {
	var out []kitVideo
	for _, a := range strings.Split(aspects, ",") {
		out = append(out, kitVideo{aspect: strings.TrimSpace(a)}) // the server, or the renderer, judges it
	}
	for i := range clips {
		out = append(out, kitVideo{aspect: string(mvgen.Portrait), clip: &clips[i]})
	}
	if len(out) > 1+mvgen.MaxRenditions {
		return nil, fmt.Errorf("at most %d videos at once (got %d)", 1+mvgen.MaxRenditions, len(out))
	}
	return out, nil
}

// outDir reports whether -o names a directory: it ends in a slash or is
// an existing directory.
func outDir(o string) bool {
	if strings.HasSuffix(o, "/") || strings.HasSuffix(o, string(filepath.Separator)) {
		return true
	}
	fi, err := os.Stat(o)
	return err == nil && fi.IsDir()
}

// kitPaths returns each video's path (without extension) in dir: the
// song's name, the aspect ("9x16") and "-clip" for a clip, numbered when
// several would share a name.
func kitPaths(dir, song string, videos []kitVideo) []string {
	base := strings.TrimSuffix(filepath.Base(song), filepath.Ext(song))
	seen := map[string]int{}
	out := make([]string, len(videos))
	for i, v := range videos {
		a, _ := mvgen.ParseAspect(v.aspect)
		name := base + "-" + strings.ReplaceAll(string(a), ":", "x")
		if v.clip != nil {
			name += "-clip"
		}
		seen[name]++
		if n := seen[name]; n > 1 {
			name += strconv.Itoa(n)
		}
		out[i] = filepath.Join(dir, name)
	}
	return out
}

// errKitNeedsDir is the error of several videos asked for with -o FILE.
var errKitNeedsDir = errors.New("several videos (--aspect with a list, or --clip) are written into a directory: give -o DIR/")
