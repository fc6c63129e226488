package main

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/server"
)

// TestKeysSetBrand runs `mvgen keys set-brand` against a real SQLite
// database: it sets a logo, changes one field keeping the others, refuses
// unfit input naming the problem, and --clear deletes the brand.
func TestKeysSetBrand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	mvgenCmd := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append(args, "--data", data), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	brand := func(id string) *mvgen.Brand {
		s, err := server.OpenStore(ctx, server.Config{DataDir: data})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		b, err := s.Brand(ctx, id)
		if errors.Is(err, mvgen.ErrNotFound) {
			return nil
		} else if err != nil {
			t.Fatal(err)
		}
		return b
	}
	dir := t.TempDir()
	img := image.NewNRGBA(image.Rect(0, 0, 30, 10))
	img.SetNRGBA(1, 1, color.NRGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	png.Encode(&buf, img)
	logo := filepath.Join(dir, "logo.png")
	os.WriteFile(logo, buf.Bytes(), 0o600)
	notPNG := filepath.Join(dir, "logo.jpg")
	os.WriteFile(notPNG, []byte("\xff\xd8\xff not a png"), 0o600)

	if out, err := mvgenCmd("keys", "create", "--name", "ada"); err != nil {
		t.Fatalf("keys create: %v %q", err, out)
	}
	out, err := mvgenCmd("keys", "set-brand", "ada", "--logo", logo, "--accent-color", "#FF8800", "--theme", "bars")
	if err != nil || !strings.Contains(out, "accent colour #ff8800, theme bars, logo 30×10 PNG") {
		t.Fatalf("keys set-brand: %v %q", err, out)
	}
	s, _ := server.OpenStore(ctx, server.Config{DataDir: data})
	ks, _ := s.Keys(ctx)
	s.Close()
	id := ks[0].ID
	b := brand(id)
	if b == nil || b.AccentColor != "#ff8800" || b.Theme != "bars" || b.Logo == nil || b.Logo.Width != 30 {
		t.Fatalf("stored brand = %+v", b)
	}
	hash := b.Logo.Hash
	if out, err := mvgenCmd("keys", "set-brand", id, "--accent-color", "#00ff00"); err != nil {
		t.Fatalf("keys set-brand --accent-color: %v %q", err, out)
	}
	if b := brand(id); b.AccentColor != "#00ff00" || b.Theme != "bars" || b.Logo == nil || b.Logo.Hash != hash {
		t.Errorf("after changing the colour: %+v; want the theme and the logo kept", b)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--logo", notPNG}, "logo is not a PNG file"},
		{[]string{"--accent-color", "red"}, `accentColor: "red" is not a colour written #rrggbb`},
		{[]string{"--theme", "disco"}, `theme "disco" is not one of "bars"`},
		{[]string{}, "nothing to set"},
		{[]string{"--clear", "--theme", "bars"}, "--clear alone"},
	} {
		out, err := mvgenCmd(append([]string{"keys", "set-brand", id}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error()+out, tc.want) {
			t.Errorf("keys set-brand %v: %v %q; want an error containing %q", tc.args, err, out, tc.want)
		}
	}
	if b := brand(id); b.AccentColor != "#00ff00" {
		t.Errorf("a refused set-brand changed the brand: %+v", b)
	}
	if out, err := mvgenCmd("keys", "set-brand", id, "--clear"); err != nil || !strings.Contains(out, "cleared the brand") {
		t.Fatalf("keys set-brand --clear: %v %q", err, out)
	}
	if b := brand(id); b != nil {
		t.Errorf("after --clear: %+v, want no brand", b)
	}
	if _, err := mvgenCmd("keys", "set-brand", id, "--clear"); err == nil || !strings.Contains(err.Error(), "no brand to clear") {
		t.Errorf("--clear without a brand: %v", err)
	}
}
