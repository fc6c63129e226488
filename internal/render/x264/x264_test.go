//go:build cgo && !nox264

package x264

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// TestUnchangedMacroblocks encodes pictures that each change one small
// square of one plane (luma, then Cb, then Cr), in whole macroblocks and
// in the part of the last row and column of macroblocks that lies inside
// a picture whose sides are no multiple of 16, and checks that the decoded
// video shows every change: a macroblock wrongly marked unchanged would
// keep the picture before it.
func TestUnchangedMacroblocks(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ffmpeg is not installed; scripts/deps.sh installs it")
		}
		t.Skip("ffmpeg is not installed")
	}
	const w, h = 200, 120 // 12.5 × 7.5 macroblocks
	enc, err := Open(w, h, 30, 14)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()

	type change struct {
		plane, x, y int // plane 0 is luma; x, y in that plane's pixels
		value       byte
	}
	changes := []change{
		{0, 40, 40, 220}, {1, 30, 10, 60}, {2, 50, 40, 200}, // whole macroblocks
		{0, 196, 116, 230}, {1, 98, 58, 40}, {2, 98, 2, 220}, // the last column and row, inside the picture
		{0, 4, 116, 20}, {2, 98, 58, 30},
	}
	planes := func(pic []byte) [3][]byte {
		return [3][]byte{pic[:w*h], pic[w*h : w*h*5/4], pic[w*h*5/4:]}
	}
	width := func(plane int) int { return map[bool]int{true: w, false: w / 2}[plane == 0] }
	pic := bytes.Repeat([]byte{128}, w*h*3/2)
	var want [][]byte
	var stream, prev []byte
	for i := 0; i <= len(changes); i++ {
		if i > 0 {
			c := changes[i-1]
			p, pw := planes(pic)[c.plane], width(c.plane)
			for y := c.y; y < c.y+2; y++ {
				for x := c.x; x < c.x+2; x++ {
					p[y*pw+x] = c.value
				}
			}
		}
		if stream, err = enc.Encode(stream, pic, prev, nil, i == 0, int64(i)); err != nil {
			t.Fatal(err)
		}
		want = append(want, bytes.Clone(pic))
		prev = want[len(want)-1]
	}
	if !bytes.HasPrefix(stream, []byte{0, 0, 0, 1, 0x67}) {
		t.Errorf("the stream starts with % x, want an SPS", stream[:min(5, len(stream))])
	}

	cmd := exec.Command("ffmpeg", "-v", "error", "-f", "h264", "-i", "pipe:0", "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1")
	cmd.Stdin = bytes.NewReader(stream)
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("decoding: %v", err)
	}
	if len(got) != len(want)*w*h*3/2 {
		t.Fatalf("decoded %d bytes, want %d pictures", len(got), len(want))
	}
	for i, c := range changes {
		frame := got[(i+1)*w*h*3/2 : (i+2)*w*h*3/2]
		p, pw := planes(frame)[c.plane], width(c.plane)
		sum := 0
		for y := c.y; y < c.y+2; y++ {
			for x := c.x; x < c.x+2; x++ {
				sum += int(p[y*pw+x])
			}
		}
		if mean := sum / 4; mean < int(c.value)-12 || mean > int(c.value)+12 {
			t.Errorf("picture %d: plane %d at (%d, %d) decodes to %d, want about %d", i+1, c.plane, c.x, c.y, mean, c.value)
		}
	}
}

// TestOpenRefusesOddSides checks the size check.
func TestOpenRefusesOddSides(t *testing.T) {
	if _, err := Open(201, 120, 30, 14); err == nil {
		t.Error("Open(201, 120) succeeded")
	}
}

// BenchmarkEncode encodes 720p pictures in which one bar moves, with and
// without telling libx264 which macroblocks did not change.
func BenchmarkEncode(b *testing.B) {
	const w, h = 1280, 720
	for _, name := range []string{"mb_info", "without"} {
		b.Run(name, func(b *testing.B) {
			enc, err := Open(w, h, 30, 14)
			if err != nil {
				b.Fatal(err)
			}
			defer enc.Close()
			pics := [2][]byte{make([]byte, w*h*3/2), make([]byte, w*h*3/2)}
			for i := range pics[0] {
				pics[0][i] = byte(i * 7 / 5)
			}
			copy(pics[1], pics[0])
			var out []byte
			n := 0
			for b.Loop() {
				pic, prev := pics[n%2], pics[(n+1)%2]
				copy(pic, prev)
				top := 400 + n%100
				for y := top; y < 600; y++ {
					for x := 600; x < 640; x++ {
						pic[y*w+x] = 200
					}
				}
				if name == "without" {
					prev = nil
				}
				out, err = enc.Encode(out[:0], pic, prev, nil, n%150 == 0, int64(n))
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
		})
	}
}
