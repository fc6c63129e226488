package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mvgen/mvgen/client"
)

const videoUsage = "usage: mvgen video SONG -o OUT.mp4|DIR/ --server URL --key KEY [--cover IMG] [--lyrics LRC] [--title T] [--author A] [--domain D] [--aspect 16:9|1:1|9:16|4:5[,ASPECT...]] [--clip START:SECONDS]... [--resolution 720p|1080p] [--safe-area=false] [--embed-captions] [--fps 30|60] [--accent-color #rrggbb] [--theme NAME]" + kitUsage

// videoCmd makes a video on an mvgen server through the Go SDK: upload,
// generate, wait, download.
func videoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("video", stderr)
	out := fs.String("o", "", "output MP4 path, or a directory (DIR/) for several videos (required)")
	cover := fs.String("cover", "", "cover image (JPEG, PNG or WebP)")
	title := fs.String("title", "", "title shown in the video")
	author := fs.String("author", "", "author shown prominently at the start")
	domain := fs.String("domain", "", "domain shown as a watermark")
	aspect := fs.String("aspect", "", "shape: 16:9 (default), 1:1, 9:16 or 4:5; a comma list makes one whole video of each (-o DIR/)")
	var clips clipFlags
	fs.Var(&clips, "clip", "add a 9:16 clip, `START:SECONDS` (START in seconds or auto; 5-90 s; repeatable; -o DIR/)")
	resolution := fs.String("resolution", "", "size: 720p (default) or 1080p")
	fps := fs.Int("fps", 0, "frames a second: 30 (default) or 60")
	accent := fs.String("accent-color", "", "colour of the bars, `#rrggbb` (default: picked from the cover)")
	theme := fs.String("theme", "", "the look: "+themeNames()+" (default bars)")
	lyricsFile := fs.String("lyrics", "", "synced lyrics to show (an LRC file); the video's caption files are written beside OUT.mp4 (OUT.srt, OUT.vtt, OUT.lrc)")
	safeArea := fs.Bool("safe-area", true, "9:16: keep everything informative inside the box TikTok, Reels and Shorts leave clear (false: the full-frame layout)")
	embedCaptions := fs.Bool("embed-captions", false, "also mux the lyrics into the MP4 as a mov_text subtitle track")
	serverURL := fs.String("server", client.DefaultBaseURL, "the mvgen server's URL")
	key := fs.String("key", "", "API `KEY` (from mvgen keys create; required)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return errors.New("video: " + videoUsage)
	}
	if *key == "" {
		return errors.New("video: --key (or MVGEN_KEY) is required: create one with `mvgen keys create --name NAME` on the server")
	}
	videos, err := kitVideos(*aspect, clips)
	if err != nil {
		return fmt.Errorf("video: --aspect: %w", err)
	}
	dir := outDir(*out)
	if len(videos) > 1 && !dir {
		return fmt.Errorf("video: %w", errKitNeedsDir)
	}
	c := client.New(*serverURL, *key)
	terminal := isTerminal(stderr)

	ref, err := uploadSong(ctx, c, pos[0], *cover, *lyricsFile, *title, terminal, stderr)
	if err != nil {
		return fmt.Errorf("video: %w", err)
	}
	req := client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID, Author: *author, DomainName: *domain,
		Aspect: videos[0].aspect, Resolution: *resolution, FPS: *fps, AccentColor: *accent, Theme: *theme, EmbedCaptions: *embedCaptions,
		IdempotencyKey: newIdempotencyKey()}
	if !*safeArea {
		req.SafeArea = safeArea
	}
	for _, v := range videos[1:] {
		r := client.Rendition{Aspect: v.aspect, Resolution: *resolution}
		if v.clip != nil {
			r.Clip = &client.Clip{Start: v.clip.Start, Auto: v.clip.Auto, Duration: v.clip.Duration}
		}
		req.Renditions = append(req.Renditions, r)
	}
	id, err := c.Generate(ctx, req)
	if err != nil {
		return fmt.Errorf("video: %w", err)
	}
	fmt.Fprintf(stderr, "rendering (video task %s)\n", id)
	bar := newBar(terminal, stderr)
	var progress func(*client.Record)
	if bar != nil {
		progress = func(r *client.Record) { bar.set(float64(r.Progress) / 100) }
	}
	rec, err := c.WaitForVideo(ctx, id, &client.WaitOptions{Progress: progress})
	bar.finish(err == nil)
	if err != nil {
		return fmt.Errorf("video: %w", err)
	}
	if dir {
		return downloadKit(ctx, c, rec, kitPaths(*out, pos[0], videos), terminal, stdout, stderr)
	}
	n, err := downloadVideo(ctx, c, rec.VideoURL, *out, terminal, stderr)
	if err != nil {
		return fmt.Errorf("video: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%.1f MB, video task %s)\n", *out, float64(n)/(1<<20), id)
	return downloadCaptions(ctx, c, rec, *out, stdout)
}

// downloadKit writes every video of rec into its path of paths (without
// extension: PATH.mp4), with its poster (PATH.jpg) and caption files.
func downloadKit(ctx context.Context, c *client.Client, rec *client.Record, paths []string, terminal bool,
	stdout, stderr io.Writer) error {
	if len(rec.Videos) != len(paths) {
		return fmt.Errorf("video: the server made %d videos, want %d", len(rec.Videos), len(paths))
	}
	if err := os.MkdirAll(filepath.Dir(paths[0]), 0o755); err != nil {
		return fmt.Errorf("video: %w", err)
	}
	for i, v := range rec.Videos {
		out := paths[i] + ".mp4"
		n, err := downloadVideo(ctx, c, v.VideoURL, out, terminal, stderr)
		if err != nil {
			return fmt.Errorf("video: %w", err)
		}
		what := fmt.Sprintf("%s %s, %d×%d", v.Aspect, v.Resolution, v.Width, v.Height)
		if v.Start > 0 || i > 0 && v.Duration < rec.Videos[0].Duration {
			what += fmt.Sprintf(", %s from %s", v.Duration.Round(100*time.Millisecond), v.Start.Round(100*time.Millisecond))
		}
		fmt.Fprintf(stdout, "wrote %s (%s, %.1f MB)\n", out, what, float64(n)/(1<<20))
		if err := downloadFile(ctx, c, v.PosterURL, paths[i]+".jpg", stdout); err != nil {
			return err
		}
		if v.Captions != nil {
			for _, f := range []struct{ ext, url string }{{".srt", v.Captions.SRT}, {".vtt", v.Captions.VTT}, {".lrc", v.Captions.LRC}} {
				if err := downloadFile(ctx, c, f.url, paths[i]+f.ext, stdout); err != nil {
					return err
				}
			}
		}
	}
	if rec.CaptionsNote != "" {
		fmt.Fprintln(stdout, rec.CaptionsNote)
	}
	return nil
}

// downloadFile writes the small file at the signed link url to path.
func downloadFile(ctx context.Context, c *client.Client, url, path string, stdout io.Writer) error {
	var buf bytes.Buffer
	if _, err := c.Download(ctx, url, &buf, nil); err != nil {
		return fmt.Errorf("video: downloading %s: %w", filepath.Base(path), err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("video: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}

// downloadCaptions writes the caption files of rec's video beside out
// (out with its extension replaced by .srt, .vtt and .lrc), when it has
// some; a note the server gave instead is printed.
func downloadCaptions(ctx context.Context, c *client.Client, rec *client.Record, out string, stdout io.Writer) error {
	if rec.CaptionsNote != "" {
		fmt.Fprintln(stdout, rec.CaptionsNote)
	}
	if len(rec.Videos) == 0 || rec.Videos[0].Captions == nil {
		return nil
	}
	caps := rec.Videos[0].Captions
	base := strings.TrimSuffix(out, filepath.Ext(out))
	for _, f := range []struct{ ext, url string }{{".srt", caps.SRT}, {".vtt", caps.VTT}, {".lrc", caps.LRC}} {
		var buf bytes.Buffer
		if _, err := c.Download(ctx, f.url, &buf, nil); err != nil {
			return fmt.Errorf("video: downloading captions: %w", err)
		}
		if err := os.WriteFile(base+f.ext, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("video: %w", err)
		}
		fmt.Fprintf(stdout, "wrote %s\n", base+f.ext)
	}
	return nil
}

// uploadSong sends the song and optional cover and lyrics, with a bar on a
// terminal.
func uploadSong(ctx context.Context, c *client.Client, song, cover, lyricsFile, title string, terminal bool,
	stderr io.Writer) (*client.TrackRef, error) {
	audio, err := os.Open(song)
	if err != nil {
		return nil, err
	}
	defer audio.Close()
	up := client.Upload{Audio: audio, AudioName: filepath.Base(song), Title: title}
	if cover != "" {
		img, err := os.Open(cover)
		if err != nil {
			return nil, err
		}
		defer img.Close()
		up.Cover, up.CoverName = img, filepath.Base(cover)
	}
	if lyricsFile != "" {
		lrc, err := os.Open(lyricsFile)
		if err != nil {
			return nil, err
		}
		defer lrc.Close()
		up.Lyrics, up.LyricsName = lrc, filepath.Base(lyricsFile)
	}
	fmt.Fprintf(stderr, "uploading %s\n", song)
	bar := newBar(terminal, stderr)
	if bar != nil {
		up.Progress = func(sent, total int64) {
			if total > 0 {
				bar.set(float64(sent) / float64(total))
			}
		}
	}
	ref, err := c.UploadTrack(ctx, up)
	bar.finish(err == nil)
	return ref, err
}

// downloadVideo writes the video next to out and renames it into place, so
// a failed download leaves no partial OUT.mp4.
func downloadVideo(ctx context.Context, c *client.Client, url, out string, terminal bool, stderr io.Writer) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(out), ".mvgen-video-*.mp4")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	fmt.Fprintf(stderr, "downloading %s\n", out)
	bar := newBar(terminal, stderr)
	var opts *client.DownloadOptions
	if bar != nil {
		opts = &client.DownloadOptions{Progress: func(written, total int64) {
			if total > 0 {
				bar.set(float64(written) / float64(total))
			}
		}}
	}
	n, err := c.Download(ctx, url, f, opts)
	bar.finish(err == nil)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	return n, os.Rename(f.Name(), out)
}

// newBar returns a progress bar on a terminal, nil elsewhere.
func newBar(terminal bool, w io.Writer) *progressBar {
	if !terminal {
		return nil
	}
	return &progressBar{w: w, start: time.Now()}
}

// newIdempotencyKey makes this run's generate safe to retry.
func newIdempotencyKey() string {
	var b [16]byte
	rand.Read(b[:])
	return "mvgen-video-" + hex.EncodeToString(b[:])
}
