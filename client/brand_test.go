package client_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
	"time"

	"github.com/mvgen/mvgen/client"
)

// brandLogo encodes a w×h PNG: a green block, or noise (which does not
// compress) when noisy.
func brandLogo(t *testing.T, w, h int, noisy bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	seed := uint32(3)
	for i := 0; i < len(img.Pix); i += 4 {
		c := color.NRGBA{0, 200, 60, 255}
		if noisy {
			seed = seed*1664525 + 1013904223
			c = color.NRGBA{uint8(seed >> 24), uint8(seed >> 16), uint8(seed >> 8), 255}
		}
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestBrand sets, reads and deletes a key's brand against the real server
// over loopback, and renders a video with it: the task takes the brand's
// colour and logo, and the video is made.
func TestBrand(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := client.New(live.URL(), newKey(t))
	if _, err := c.Brand(ctx); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("Brand before any: %v, want ErrNotFound", err)
	}
	logo := brandLogo(t, 120, 40, false)
	b, err := c.SetBrand(ctx, client.BrandSettings{Logo: bytes.NewReader(logo), AccentColor: "#FF8800", Theme: "wave"})
	if err != nil {
		t.Fatalf("SetBrand: %v", err)
	}
	if b.AccentColor != "#ff8800" || b.Theme != "wave" || b.Logo == nil || b.Logo.Width != 120 || b.Logo.Height != 40 ||
		b.Logo.Bytes != len(logo) || time.Since(b.UpdatedAt).Abs() > time.Minute {
		t.Errorf("SetBrand = %+v (logo %+v)", b, b.Logo)
	}
	got, err := c.Brand(ctx)
	if err != nil || got.Logo == nil || got.Logo.SHA256 != b.Logo.SHA256 || got.AccentColor != b.AccentColor {
		t.Errorf("Brand = %+v, %v; want what SetBrand answered", got, err)
	}
	if png, err := c.BrandLogo(ctx); err != nil || !bytes.Equal(png, logo) {
		t.Errorf("BrandLogo = %d bytes, %v; want the PNG sent", len(png), err)
	}

	// A video made with the brand.
	audio, err := os.Open(live.audio)
	if err != nil {
		t.Fatal(err)
	}
	defer audio.Close()
	ref, err := c.UploadTrack(ctx, client.Upload{Audio: audio, Title: "Branded"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID, DomainName: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	task, err := live.Store().Task(ctx, "", id)
	if err != nil || task.AccentColor != "#ff8800" || task.Theme != "wave" || task.LogoHash != b.Logo.SHA256 {
		t.Errorf("task = %+v, %v; want the brand's colour, theme and logo", task, err)
	}
	if _, err := c.WaitForVideo(ctx, id, &client.WaitOptions{Interval: 100 * time.Millisecond}); err != nil {
		t.Fatalf("WaitForVideo with the brand's logo: %v", err)
	}

	for _, tc := range []struct {
		name     string
		s        client.BrandSettings
		sentinel error
	}{
		{"bad colour", client.BrandSettings{AccentColor: "orange"}, client.ErrValidation},
		{"not a PNG", client.BrandSettings{Logo: bytes.NewReader([]byte("GIF89a"))}, client.ErrValidation},
		{"1025 px", client.BrandSettings{Logo: bytes.NewReader(brandLogo(t, 1025, 2, false))}, client.ErrValidation},
		{"over 1 MiB", client.BrandSettings{Logo: bytes.NewReader(brandLogo(t, 600, 600, true))}, client.ErrTooLarge},
	} {
		_, err := c.SetBrand(ctx, tc.s)
		var apiErr *client.Error
		if !errors.Is(err, tc.sentinel) || !errors.As(err, &apiErr) || apiErr.Msg == "" {
			t.Errorf("SetBrand(%s) = %v, want %v with a message", tc.name, err, tc.sentinel)
		}
	}
	if err := c.DeleteBrand(ctx); err != nil {
		t.Fatalf("DeleteBrand: %v", err)
	}
	if _, err := c.Brand(ctx); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("Brand after DeleteBrand: %v, want ErrNotFound", err)
	}
	if err := c.DeleteBrand(ctx); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("DeleteBrand again: %v, want ErrNotFound", err)
	}
	if _, err := c.BrandLogo(ctx); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("BrandLogo without a brand: %v, want ErrNotFound", err)
	}
}
