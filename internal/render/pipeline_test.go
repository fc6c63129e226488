package render

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestPipeDeliversFramesIntact checks the zero-copy pipe (see frameWriter):
// the video Render encodes from its pipe is the video ffmpeg encodes, with
// the same arguments, from the same frames written to a file first. x264
// is deterministic, so any frame changed while ffmpeg still had to read it
// would change the decoded frames.
func TestPipeDeliversFramesIntact(t *testing.T) {
	requireFFmpeg(t)
	t.Parallel()
	dir := t.TempDir()
	audio := filepath.Join(dir, "music.mp3")
	makeMusic(t, audio, 3)
	r := &Renderer{TempDir: t.TempDir()}
	in := Input{Audio: audio, Cover: makePNG(t, dir, 300, 300), Title: "Intact", Author: "Pipe",
		Domain: "example.com", Out: filepath.Join(dir, "piped.mp4")}
	if _, err := r.Render(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	raw, err := os.Create(filepath.Join(dir, "frames.yuv"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := r.render(context.Background(), in, raw)
	if err == nil {
		err = raw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.newPlan(in, info, Landscape)
	if err != nil {
		t.Fatal(err)
	}
	p.Out = filepath.Join(dir, "from-file.mp4")
	if out, err := exec.Command("ffmpeg", encodeArgs(p, "file:"+raw.Name())...).CombinedOutput(); err != nil {
		t.Fatalf("encoding the frames from a file: %v\n%s", err, out)
	}
	piped, fromFile := frameHashes(t, in.Out), frameHashes(t, p.Out)
	if len(piped) == 0 || !bytes.Equal(piped, fromFile) {
		t.Errorf("the piped video's frames differ from the same frames encoded from a file:\n%s\n---\n%s", piped, fromFile)
	}
}

// frameHashes returns ffmpeg's framemd5 of the video stream at path,
// without its header.
func frameHashes(t *testing.T, path string) []byte {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:v", "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("hashing %s: %v", path, err)
	}
	var lines [][]byte
	for _, l := range bytes.Split(out, []byte("\n")) {
		if len(l) > 0 && l[0] != '#' {
			lines = append(lines, l)
		}
	}
	return bytes.Join(lines, []byte("\n"))
}
