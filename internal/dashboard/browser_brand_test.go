package dashboard_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mvgen/mvgen/internal/mvgen"
)

// TestBrowserBrand sets a key's brand in the dashboard's Brand page: a logo
// and a colour, then a new colour keeping the logo, a refused file shown in
// words, and the brand removed; the store holds what the page says.
func TestBrowserBrand(t *testing.T) {
	chrome := chromium(t)
	dir := t.TempDir()
	srv := startServer(t, filepath.Join(dir, "data"))
	token, _ := newKey(t, srv)
	keys, err := srv.Store().Keys(context.Background())
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys: %v %v", keys, err)
	}
	keyID := keys[0].ID

	img := image.NewNRGBA(image.Rect(0, 0, 80, 40))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 255, 0, 200, 255
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	logo := filepath.Join(dir, "logo.png")
	os.WriteFile(logo, buf.Bytes(), 0o600)
	notPNG := filepath.Join(dir, "logo.gif")
	os.WriteFile(notPNG, []byte("GIF89a not a png"), 0o600)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "profile")), chromedp.WindowSize(1280, 900))...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()
	artifacts := os.Getenv("MVGEN_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(dir, "artifacts")
	}
	os.MkdirAll(artifacts, 0o755)
	b := &browser{t: t, ctx: ctx, artifacts: artifacts}
	stored := func() *mvgen.Brand {
		br, err := srv.Store().Brand(context.Background(), keyID)
		if errors.Is(err, mvgen.ErrNotFound) {
			return nil
		} else if err != nil {
			t.Fatal(err)
		}
		return br
	}
	text := func(id string) string { return eval[string](b, `document.getElementById("`+id+`").textContent`) }

	b.do("signing in", chromedp.Navigate(srv.URL()),
		chromedp.WaitVisible(chromedp.ID("signin-view")),
		chromedp.SendKeys(chromedp.ID("signin-key"), token+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("home-view")),
		chromedp.Click(chromedp.ID("nav-brand")),
		chromedp.WaitVisible(chromedp.ID("brand-view")))
	b.waitFor("the empty brand", `document.getElementById("brand-summary").textContent.startsWith("No brand yet")`, 10*time.Second)

	b.do("setting a logo and a colour",
		chromedp.SetUploadFiles(chromedp.ID("brand-logo-file"), []string{logo}),
		chromedp.SendKeys(chromedp.ID("brand-accent"), "#FF8800"),
		chromedp.Click(chromedp.ID("brand-save")))
	b.waitFor("the save", `document.getElementById("brand-status").textContent !== "" || document.getElementById("brand-error").textContent !== ""`, 10*time.Second)
	if got := text("brand-summary"); got != "Current brand: logo 80×40 px, accent colour #ff8800, no theme." {
		t.Errorf("after saving: summary %q (error %q)", got, text("brand-error"))
	}
	br := stored()
	if br == nil || br.AccentColor != "#ff8800" || br.Logo == nil || br.Logo.Width != 80 {
		t.Fatalf("stored brand after saving: %+v", br)
	}
	hash := br.Logo.Hash
	b.waitFor("the logo shown", `document.getElementById("brand-logo").naturalWidth === 80`, 10*time.Second)
	b.shoot("brand-1-saved")

	// A new colour keeps the logo (the page sends it again: a PUT replaces).
	b.do("changing the colour", chromedp.Evaluate[chromedp.Void](`document.getElementById("brand-accent").value = ""`),
		chromedp.SendKeys(chromedp.ID("brand-accent"), "#2060ff"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("brand-status").textContent = ""`),
		chromedp.Click(chromedp.ID("brand-save")))
	b.waitFor("the second save", `document.getElementById("brand-status").textContent !== ""`, 10*time.Second)
	if br := stored(); br.AccentColor != "#2060ff" || br.Logo == nil || br.Logo.Hash != hash {
		t.Errorf("after changing the colour: %+v; want the new colour and the same logo", br)
	}

	// A refused file is shown in the server's words and changes nothing.
	b.do("sending a file that is not a PNG", chromedp.SetUploadFiles(chromedp.ID("brand-logo-file"), []string{notPNG}),
		chromedp.Click(chromedp.ID("brand-save")))
	b.waitFor("the refusal", `document.getElementById("brand-error").textContent !== ""`, 10*time.Second)
	if got, want := text("brand-error"), "Not saved: logo is not a PNG file: convert it to PNG (transparency is kept)"; got != want {
		t.Errorf("refused logo: %q, want %q", got, want)
	}
	if br := stored(); br.Logo == nil || br.Logo.Hash != hash {
		t.Errorf("a refused logo changed the brand: %+v", br)
	}
	b.shoot("brand-2-refused")

	// "Remove the logo" keeps the colour.
	b.do("removing the logo", chromedp.Evaluate[chromedp.Void](`document.getElementById("brand-logo-file").value = ""`),
		chromedp.Click(chromedp.ID("brand-drop-logo")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("brand-status").textContent = ""`),
		chromedp.Click(chromedp.ID("brand-save")))
	b.waitFor("the save without a logo", `document.getElementById("brand-status").textContent !== ""`, 10*time.Second)
	if br := stored(); br.Logo != nil || br.AccentColor != "#2060ff" {
		t.Errorf("after removing the logo: %+v (logo %+v); want the colour alone", br, br.Logo)
	}
	if shown := eval[bool](b, `document.getElementById("brand-logo").hidden`); !shown {
		t.Error("the removed logo is still shown")
	}

	b.do("removing the brand", chromedp.Click(chromedp.ID("brand-delete")))
	b.waitFor("the removal", `document.getElementById("brand-summary").textContent.startsWith("No brand yet")`, 10*time.Second)
	if br := stored(); br != nil {
		t.Errorf("after removing: %+v, want no brand", br)
	}
	b.realValues("the brand page")
}
