package render

import (
	"bufio"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
)

// posterQuality is the poster's JPEG quality.
const posterQuality = 88

// poster returns the video's poster picture: the still picture with the
// intro card (the title, the author large, the cover) when there is an
// author, else the still picture, as RGB.
func (s *scene) poster() *image.RGBA {
	f := s.base
	if s.card != nil {
		f = s.card
	}
	return f.rgba()
}

// rgba converts f from limited-range BT.709 yuv420p to RGB, each chroma
// sample serving its 2×2 pixels.
func (f *frame) rgba() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, f.w, f.h))
	cw := f.w / 2
	for y := range f.h {
		row := img.Pix[y*img.Stride:]
		for x := range f.w {
			yy := (float64(f.y[y*f.w+x]) - 16) / 219
			cb := (float64(f.u[y/2*cw+x/2]) - 128) / 224
			cr := (float64(f.v[y/2*cw+x/2]) - 128) / 224
			// The inverse of rgbToYUV's BT.709 matrix.
			r := yy + 1.5748*cr
			g := yy - 0.1873*cb - 0.4681*cr
			b := yy + 1.8556*cb
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = clamp8(255*r), clamp8(255*g), clamp8(255*b), 255
		}
	}
	return img
}

// writePoster writes img as a JPEG to a new temporary file next to path
// and returns the file's name; the file is synced to the disk. The caller
// renames it into place (see placeFile) or removes it.
func writePoster(img image.Image, path string) (tmp string, err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		return "", fmt.Errorf("render: creating poster: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 256<<10)
	if err := jpeg.Encode(w, img, &jpeg.Options{Quality: posterQuality}); err != nil {
		return "", fmt.Errorf("render: encoding poster: %w", err)
	}
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("render: writing poster: %w", err)
	}
	if err := f.Chmod(0o644); err != nil {
		return "", fmt.Errorf("render: writing poster: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("render: syncing poster: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("render: writing poster: %w", err)
	}
	return f.Name(), nil
}

// placeFile renames tmp to path and syncs the directory, so that the new
// name survives a crash.
func placeFile(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("render: syncing directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("render: syncing directory: %w", err)
	}
	return nil
}
