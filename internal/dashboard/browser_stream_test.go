package dashboard_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mvgen/mvgen/internal/server"
)

// TestBrowserStreamRetryAfter signs in with a key whose one event stream
// (the cap, here 1) is already held, and checks that the dashboard says so
// and waits the Retry-After of the 429 (30 s) before it asks again, rather
// than its usual 2 s.
func TestBrowserStreamRetryAfter(t *testing.T) {
	chrome := chromium(t)
	dir := t.TempDir()
	srv := startServer(t, filepath.Join(dir, "data"), func(c *server.Config) { c.MaxStreamsPerKey = 1 })
	token, _ := newKey(t, srv)

	// Hold the key's one stream.
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/api/v1/mp4/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	held, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Body.Close()
	if held.StatusCode != http.StatusOK {
		t.Fatalf("the first stream: %s, want 200", held.Status)
	}

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "profile")), chromedp.WindowSize(1280, 900))...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, time.Minute)
	defer cancelTimeout()
	b := &browser{t: t, ctx: ctx}

	var asked atomic.Int32
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			if strings.HasSuffix(ev.Request.URL, "/api/v1/mp4/events") {
				asked.Add(1)
			}
		}
	}()
	b.do("signing in", chromedp.Navigate(srv.URL()),
		chromedp.WaitVisible(chromedp.ID("signin-view")),
		chromedp.SendKeys(chromedp.ID("signin-key"), token+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("home-view")))
	b.waitFor("the refusal", `document.getElementById("live").textContent.includes("reconnecting in")`, 10*time.Second)
	live := eval[string](b, `document.getElementById("live").textContent`)
	if !strings.Contains(live, "reconnecting in 30 s") || !strings.Contains(live, "per key") {
		t.Errorf("live line %q, want the cap named and a retry in 30 s", live)
	}
	time.Sleep(5 * time.Second)
	if n := asked.Load(); n != 1 {
		t.Errorf("the dashboard asked for the stream %d times in 5 s after a 429 with Retry-After: 30, want once", n)
	}
}
