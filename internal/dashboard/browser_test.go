package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mvgen/mvgen/internal/mvgen"
	"github.com/mvgen/mvgen/internal/server"
	"github.com/mvgen/mvgen/webhook"
)

// chromium finds Debian's headless-capable browser. Without one the test
// skips on a developer's machine and fails in CI (CI=true), where
// scripts/deps.sh installs it.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (run scripts/deps.sh); CI must run the browser test")
	}
	t.Skip("chromium is not installed; `make deps` installs it")
	return ""
}

// browser drives one headless Chromium tab; every step fails the test on error.
type browser struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript expression until it is truthy.
func (b *browser) waitFor(what, js string, timeout time.Duration) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](js,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		b.t.Fatalf("waiting %v for %s (%s): %v", timeout, what, js, err)
	}
}

// shoot saves a full-page screenshot of the page at a phone's and a
// desktop's width, then returns to the desktop width.
func (b *browser) shoot(name string) {
	b.t.Helper()
	for _, w := range []int64{390, 1280} {
		h := int64(900)
		if w == 390 {
			h = 844
		}
		b.do("resizing", chromedp.EmulateViewport(w, h), chromedp.Sleep(300*time.Millisecond))
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot %s at %d px: %v", name, w, err)
		}
		path := filepath.Join(b.artifacts, fmt.Sprintf("%s-%d.png", name, w))
		if err := os.WriteFile(path, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.do("resizing", chromedp.EmulateViewport(1280, 900))
}

// textRoom is a JavaScript function of a form control that returns how
// many pixels it lacks to show its text whole (0 or less: it fits): a
// select's longest option beside its arrow, a file input's button and "No
// file chosen", a text input's placeholder. Measured with the control's own
// font on a canvas, since a control's scrollWidth does not count the text
// Chromium draws inside it.
const textRoom = `el => {
	const cs = getComputedStyle(el);
	const ctx = document.createElement("canvas").getContext("2d");
	ctx.font = cs.font;
	const w = t => ctx.measureText(t).width;
	const pad = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight) + parseFloat(cs.borderLeftWidth) + parseFloat(cs.borderRightWidth);
	let need = 0;
	if (el.tagName === "SELECT") need = Math.max(...[...el.options].map(o => w(o.text))) + 24;
	else if (el.type === "file") need = w("Choose File") + 24 + w(el.files.length ? el.files[0].name : "No file chosen");
	else need = w(el.placeholder || "");
	return need + pad - el.offsetWidth;
}`

// realValues fails the test if the page shows a null or undefined value.
func (b *browser) realValues(where string) {
	b.t.Helper()
	if text := eval[string](b, `document.body.innerText`); strings.Contains(text, "null") || strings.Contains(text, "undefined") {
		b.t.Errorf("%s shows null or undefined:\n%s", where, text)
	}
}

// TestBrowser drives the dashboard in headless Chromium against the real
// service: a wrong key, sign-in, an upload rendered to SUCCESS with the
// progress pushed by the event stream, the player (duration, playback,
// seeking over ranges), a redelivered callback, a 1080p video with lyrics
// (after the 422 of malformed LRC), a pending task cancelled, a track
// deleted from the Tracks view (refused while a pending task needs it),
// and sign-out.
func TestBrowser(t *testing.T) {
	chrome := chromium(t)
	dir := t.TempDir()
	artifacts := os.Getenv("MVGEN_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(dir, "artifacts")
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", artifacts)

	srv := startServer(t, filepath.Join(dir, "data"))
	token, secret := newKey(t, srv)
	var callbacks atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		n := callbacks.Add(1)
		// A receiver's answer is often JSON without a space in it, which
		// the callback table must wrap on a phone.
		fmt.Fprintf(w, `thanks, callback %d {"received":true,"event":"evt_0123456789abcdef0123456789abcdef"}`, n)
	}))
	defer receiver.Close()
	audio := makeAudio(t, dir, 6)
	trackSeconds := duration(t, audio)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.WindowSize(1280, 900))...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	defer cancelTimeout()
	b := &browser{t: t, ctx: ctx, artifacts: artifacts}

	// Video responses, to see the seek use ranges.
	var mu sync.Mutex
	videoStatuses := map[int64]int{}
	responses := chromedp.Events(ctx, network.ResponseReceived)
	go func() {
		for ev, err := range responses {
			if err != nil {
				return
			}
			if strings.Contains(ev.Response.URL, "/v1/videos/") {
				mu.Lock()
				videoStatuses[ev.Response.Status]++
				mu.Unlock()
			}
		}
	}()

	// A wrong key is refused in words.
	b.do("opening the dashboard", chromedp.Navigate(srv.URL()), chromedp.EmulateViewport(1280, 900),
		chromedp.WaitVisible(chromedp.ID("signin-view")),
		chromedp.SendKeys(chromedp.ID("signin-key"), "mvk_not-a-key"),
		chromedp.Click(chromedp.CSS("#signin-form button")))
	b.waitFor("the wrong key's error", `document.getElementById("signin-error").textContent !== ""`, 10*time.Second)
	if got, want := eval[string](b, `document.getElementById("signin-error").textContent`), "Sign-in failed: unknown API key."; got != want {
		t.Errorf("wrong key: error %q, want %q", got, want)
	}
	if got := eval[string](b, `sessionStorage.getItem("mvgen.key") || ""`); got != "" {
		t.Errorf("wrong key: sessionStorage holds %q, want nothing", got)
	}
	b.shoot("1-signin-wrong-key")

	// The real key, with the keyboard: type it and press Enter.
	b.do("signing in",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("signin-key").value = ""`),
		chromedp.SendKeys(chromedp.ID("signin-key"), token+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("home-view")))
	if got := eval[string](b, `sessionStorage.getItem("mvgen.key") || ""`); got != token {
		t.Errorf("after sign-in: sessionStorage key %q, want the token", got)
	}
	// The header says which key is signed in (issue 23), by its start only.
	if got, want := eval[string](b, `document.getElementById("who").textContent`), "Signed in with "+token[:8]+"…"; got != want {
		t.Errorf("header: %q, want %q", got, want)
	}
	// At a phone's width too: shown, whole, and inside the screen.
	b.do("narrowing to a phone", chromedp.EmulateViewport(390, 844), chromedp.Sleep(200*time.Millisecond))
	if shown := eval[string](b, `(e => { const r = e.getBoundingClientRect();
			return [e.offsetParent !== null, e.scrollWidth <= e.clientWidth, r.right <= innerWidth, r.width > 0].join(" ") })(
			document.getElementById("who"))`); shown != "true true true true" {
		t.Errorf("at 390 px the header's key (shown, whole, on screen, wide): %s, want all true", shown)
	}
	b.do("widening again", chromedp.EmulateViewport(1280, 900))
	b.waitFor("the event stream", `document.getElementById("live").textContent === "Live updates on."`, 10*time.Second)

	// Make a video.
	b.do("filling the form",
		chromedp.SetUploadFiles(chromedp.ID("audio"), []string{audio}),
		chromedp.SendKeys(chromedp.ID("title"), "Sine in the browser"),
		chromedp.SendKeys(chromedp.ID("tags"), "test, sine"),
		chromedp.SendKeys(chromedp.ID("author"), "Ada"),
		chromedp.SendKeys(chromedp.ID("domain"), "example.com"),
		chromedp.SendKeys(chromedp.ID("callback"), receiver.URL+"/hook"),
		// Record every state a row shows, to see what the stream pushed.
		chromedp.Evaluate[chromedp.Void](`window.seen = [];
			new MutationObserver(() => {
				for (const r of document.querySelectorAll("#tasks li")) {
					const s = r.dataset.source + " " + r.dataset.status + " " + r.dataset.progress;
					if (window.seen[window.seen.length - 1] !== s) window.seen.push(s);
				}
			}).observe(document.getElementById("tasks"), {subtree: true, childList: true, attributes: true})`))
	b.shoot("2-make-a-video")
	// Nothing in the form is cut off, at a phone's width or a desktop's
	// (issue 23: the Aspect select showed "16:9 landscape (1280›" and the
	// Lyrics input "No fil…hosen"), and the aspects' sizes follow the
	// resolution.
	for _, w := range []int64{390, 1280} {
		b.do("resizing", chromedp.EmulateViewport(w, 900), chromedp.Sleep(200*time.Millisecond))
		for _, id := range []string{"audio", "cover", "title", "aspect", "resolution", "lyrics", "callback"} {
			if short := eval[float64](b, `(`+textRoom+`)(document.getElementById(`+strconv.Quote(id)+`))`); short > 0 {
				t.Errorf("at %d px, #%s is %.0f px too narrow for its text", w, id, short)
			}
		}
	}
	b.do("resizing", chromedp.EmulateViewport(1280, 900))
	setSelect := func(id, value string) {
		b.do("choosing "+value, chromedp.Evaluate[chromedp.Void](`(f => { f.value = `+strconv.Quote(value)+`;
			f.dispatchEvent(new Event("change")); })(document.getElementById(`+strconv.Quote(id)+`))`))
	}
	aspects := `[...document.getElementById("aspect").options].map(o => o.text).join(", ")`
	setSelect("resolution", "1080p")
	if got, want := eval[string](b, aspects), "16:9 landscape (1920×1080), 1:1 square (1080×1080), 9:16 portrait (1080×1920), 4:5 feed (1080×1350)"; got != want {
		t.Errorf("at 1080p the aspects read %q, want %q", got, want)
	}
	setSelect("resolution", "720p")
	if got, want := eval[string](b, aspects), "16:9 landscape (1280×720), 1:1 square (1080×1080), 9:16 portrait (720×1280), 4:5 feed (1080×1350)"; got != want {
		t.Errorf("at 720p the aspects read %q, want %q", got, want)
	}
	b.do("submitting", chromedp.Click(chromedp.ID("make-submit")))
	b.waitFor("the task to start", `document.querySelector("#make-status a") !== null`, 30*time.Second)
	if got := eval[int](b, `document.getElementById("upload-progress").value`); got != 100 {
		t.Errorf("upload progress = %d, want 100", got)
	}
	taskID := eval[string](b, `document.querySelector("#make-status a").textContent`)
	row := `[...document.querySelectorAll("#tasks li")].find(r => r.dataset.taskId === ` + strconv.Quote(taskID) + `)`
	b.waitFor("SUCCESS", `(`+row+` || {dataset: {}}).dataset.status === "SUCCESS"`, 90*time.Second)
	seen := eval[[]string](b, `window.seen`)
	t.Logf("row states the page showed: %q", seen)
	if got := eval[string](b, `(r => r.dataset.source + " " + r.dataset.progress)(`+row+`)`); got != "event 100" {
		t.Errorf("finished row: source and progress %q, want %q (SUCCESS pushed by the event stream)", got, "event 100")
	}
	for _, s := range seen {
		if !strings.HasPrefix(s, "event ") {
			t.Errorf("row state %q did not come from the event stream", s)
		}
	}

	// Filter by status.
	setFilter := func(status string) {
		b.do("filtering by "+status, chromedp.Evaluate[chromedp.Void](`(f => { f.value = `+strconv.Quote(status)+`;
			f.dispatchEvent(new Event("change")); })(document.getElementById("filter"))`))
	}
	setFilter("GENERATE_MP4_FAILED")
	b.waitFor("an empty failed list", `!document.getElementById("tasks-empty").hidden`, 10*time.Second)
	setFilter("SUCCESS")
	b.waitFor("the task in the ready list", row+` !== undefined`, 10*time.Second)
	b.shoot("3-tasks")
	b.realValues("the task list")

	// The task's page: the player.
	b.do("opening the task", chromedp.Click(chromedp.CSS("#tasks li a.t-title")),
		chromedp.WaitVisible(chromedp.ID("player")))
	b.waitFor("the video's metadata", `document.getElementById("video").readyState >= 2`, 30*time.Second)
	if got := eval[float64](b, `document.getElementById("video").duration`); got < trackSeconds-0.25 || got > trackSeconds+0.25 {
		t.Errorf("video duration = %.3f s, want the track's %.3f s ± 0.25", got, trackSeconds)
	}
	b.do("playing", chromedp.Evaluate[chromedp.Void](`(v => { v.muted = true; window.start = v.currentTime;
		v.play().catch(e => window.playError = String(e)); })(document.getElementById("video"))`))
	b.waitFor("a second of playback", `document.getElementById("video").currentTime >= window.start + 1 || window.playError`, 20*time.Second)
	if e := eval[string](b, `window.playError || ""`); e != "" {
		t.Fatalf("play(): %s", e)
	}
	b.do("seeking", chromedp.Evaluate[chromedp.Void](`(v => { v.pause(); v.currentTime = 4.5; })(document.getElementById("video"))`))
	b.waitFor("the seek", `(v => !v.seeking && Math.abs(v.currentTime - 4.5) < 0.05 && v.readyState >= 2)(document.getElementById("video"))`, 20*time.Second)
	mu.Lock()
	if videoStatuses[http.StatusPartialContent] == 0 {
		t.Errorf("video responses by status %v, want some 206 (ranges)", videoStatuses)
	}
	t.Logf("video responses by status: %v", videoStatuses)
	mu.Unlock()
	if got := eval[string](b, `document.getElementById("download").getAttribute("href")`); !strings.Contains(got, "/v1/videos/"+taskID+".mp4?") {
		t.Errorf("download link %q, want the signed link of %s", got, taskID)
	}
	// The poster (issue 13): the player's poster and a link to it, an image
	// the page can load.
	if got := eval[string](b, `document.getElementById("poster").getAttribute("href")`); !strings.Contains(got, "/v1/posters/"+taskID+".jpg?") ||
		eval[bool](b, `document.getElementById("poster-line").hidden`) || eval[string](b, `document.getElementById("video").poster`) != got {
		t.Errorf("poster link %q, want the signed poster link of %s, shown and the player's poster", got, taskID)
	}
	b.do("loading the poster", chromedp.Evaluate[chromedp.Void](`(i => { window.posterImg = i; i.src = document.getElementById("poster").href; })(new Image())`))
	b.waitFor("the poster image", `window.posterImg.complete && window.posterImg.naturalWidth > 0`, 20*time.Second)
	if w, h := eval[float64](b, `window.posterImg.naturalWidth`), eval[float64](b, `window.posterImg.naturalHeight`); w != 1280 || h != 720 {
		t.Errorf("poster image %vx%v, want 1280x720", w, h)
	}

	// The callback log and a redelivery.
	b.waitFor("the first delivery", `document.querySelector('#attempts tr[data-delivery="1"]') !== null`, 20*time.Second)
	b.do("redelivering", chromedp.Click(chromedp.ID("redeliver")))
	b.waitFor("the new delivery's attempt", `document.querySelector('#attempts tr[data-delivery="2"]') !== null`, 30*time.Second)
	b.waitFor("the redelivery's result", `document.getElementById("redeliver-status").textContent.startsWith("Delivery 2, attempt 1:")`, 10*time.Second)
	if got, want := eval[string](b, `document.getElementById("redeliver-status").textContent`), "Delivery 2, attempt 1: HTTP 200."; got != want {
		t.Errorf("redelivery status %q, want %q", got, want)
	}
	if got := eval[string](b, `document.querySelector('#attempts tr[data-delivery="2"] td.answer').textContent`); !strings.HasPrefix(got, "thanks, callback 2 {") {
		t.Errorf("redelivery's answer excerpt %q, want it to start %q", got, "thanks, callback 2 {")
	}
	b.shoot("4-task")
	// The callback table fits a phone's width, its Answer column wrapped
	// rather than scrolled out of view (issue 23: it was clipped at 390 px).
	b.do("resizing", chromedp.EmulateViewport(390, 844), chromedp.Sleep(200*time.Millisecond))
	if over := eval[float64](b, `(w => w.scrollWidth - w.clientWidth)(document.querySelector(".table-wrap"))`); over > 0 {
		t.Errorf("at 390 px the callback table is %.0f px wider than its box", over)
	}
	if clipped := eval[int](b, `[...document.querySelectorAll("#attempts td")].filter(c => c.offsetParent && c.scrollWidth > c.clientWidth).length`); clipped > 0 {
		t.Errorf("at 390 px %d cells of the callback table clip their text", clipped)
	}
	b.do("resizing", chromedp.EmulateViewport(1280, 900))
	// The request's fields include the resolution and the lyrics (issue 23:
	// the task page had no such rows).
	if got := eval[string](b, `document.getElementById("fields").innerText`); !strings.Contains(got, "Resolution\n720p") ||
		!strings.Contains(got, "Lyrics\nshown when the track has them") {
		t.Errorf("the task's fields lack the resolution or the lyrics rows:\n%s", got)
	}

	b.realValues("the task page")

	// A task page that fails to load keeps nothing of the task shown
	// before (issue 19 item 10): no callback URL, no attempts, and no
	// Redeliver button to press for the other task.
	b.do("opening a task that does not exist", chromedp.Evaluate[chromedp.Void](`location.hash = "#/task/no-such-task"`))
	b.waitFor("the unknown task's error", `document.getElementById("task-error").textContent !== ""`, 10*time.Second)
	if got := eval[string](b, `document.getElementById("task-error").textContent`); !strings.HasPrefix(got, "Could not load the task: ") {
		t.Errorf("unknown task: error %q, want it to start %q", got, "Could not load the task: ")
	}
	if got := eval[string](b, `document.getElementById("callback-url").textContent`); got != "" {
		t.Errorf("unknown task: the page still shows the last task's callback URL: %q", got)
	}
	if !eval[bool](b, `document.getElementById("redeliver").disabled`) {
		t.Errorf("unknown task: the Redeliver button is enabled (it would redeliver the last task's callback)")
	}
	if n := eval[int](b, `document.querySelectorAll("#attempts tbody tr").length`); n != 0 {
		t.Errorf("unknown task: %d callback attempts of the last task shown, want none", n)
	}

	// A 1080p video with lyrics; malformed LRC is refused in words first.
	short := makeAudio(t, dir, 3)
	badLRC := filepath.Join(dir, "bad.lrc")
	goodLRC := filepath.Join(dir, "good.lrc")
	for path, text := range map[string]string{badLRC: "[00:00.50]Hello\n[00:01.50]sung <00:0x>word\n",
		goodLRC: "[00:00.50]Hello\n[00:01.50]sung words\n"} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setValue := func(id, v string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`(e => { e.value = ` + strconv.Quote(v) + `;
			e.dispatchEvent(new Event("change")); })(document.getElementById(` + strconv.Quote(id) + `))`)
	}
	b.do("going to the task list", chromedp.Click(chromedp.ID("nav-tasks")), chromedp.WaitVisible(chromedp.ID("home-view")))
	setFilter("")
	// The theme picker: every preview shown and loaded; the last theme is
	// chosen for the 1080p video.
	look := mvgen.Themes[len(mvgen.Themes)-1]
	if got := eval[string](b, `[...document.querySelectorAll("#themes label.theme")].map(l =>
			[l.querySelector("input").value, l.offsetParent !== null, l.querySelector("img").naturalWidth > 0].join(" ")).join(", ")`); got != themeRows() {
		t.Errorf("theme picker (theme, shown, preview loaded): %s, want %s", got, themeRows())
	}
	b.do("filling the form for 1080p",
		chromedp.SetUploadFiles(chromedp.ID("audio"), []string{short}),
		chromedp.SetUploadFiles(chromedp.ID("lyrics"), []string{badLRC}),
		setValue("title", "Sine in 1080p"), setValue("resolution", "1080p"), setValue("fps", "60"), setValue("accent", "#2060ff"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#themes input[value="`+string(look)+`"]').click()`),
		chromedp.Click(chromedp.ID("make-submit")))
	b.waitFor("the lyrics' 422", `document.getElementById("make-error").textContent !== ""`, 30*time.Second)
	if got, want := eval[string](b, `document.getElementById("make-error").textContent`), "The upload failed: lyrics: line 2, column "; !strings.HasPrefix(got, want) {
		t.Errorf("malformed LRC: error %q, want it to start %q", got, want)
	}
	b.shoot("5-make-lyrics-error")
	// Issue 20: with it a kit, a whole 9:16 video and a 9:16 clip.
	setKit := func(on bool) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`(on => {
			document.querySelector('input[name="kitAspect"][value="9:16"]').checked = on;
			document.getElementById("clip-on").checked = on;
			document.getElementById("clip-start").value = "auto";
			document.getElementById("clip-duration").value = "5"; })(` + strconv.FormatBool(on) + `)`)
	}
	b.do("sending good lyrics, with a kit", chromedp.SetUploadFiles(chromedp.ID("lyrics"), []string{goodLRC}), setKit(true),
		chromedp.Click(chromedp.ID("make-submit")))
	b.waitFor("the 1080p task to start", `document.querySelector("#make-status a") !== null`, 30*time.Second)
	hdID := eval[string](b, `document.querySelector("#make-status a").textContent`)
	b.do("opening the 1080p task", chromedp.Click(chromedp.CSS("#make-status a")))
	b.waitFor("the 1080p video", `document.getElementById("task-status").dataset.status === "SUCCESS" &&
		document.getElementById("video").currentSrc.includes("/v1/videos/`+hdID+`.mp4?") &&
		document.getElementById("video").readyState >= 1`, 90*time.Second)
	if w, h := eval[int](b, `document.getElementById("video").videoWidth`), eval[int](b, `document.getElementById("video").videoHeight`); w != 1920 || h != 1080 {
		t.Errorf("1080p task %s: video %dx%d, want 1920x1080", hdID, w, h)
	}
	if tk, err := srv.Store().Task(context.Background(), "", hdID); err != nil || tk.FPS != 60 || tk.AccentColor != "#2060ff" || theme(tk.Theme) != look {
		t.Errorf("1080p task %s: fps %d, accent %q, theme %q (%v); want the 60 fps, #2060ff and %s the form chose", hdID, tk.FPS, tk.AccentColor, tk.Theme, err, look)
	}
	// The kit's other videos: a player and downloads each (video, poster,
	// captions), and rendition 0's captions under the main player.
	b.waitFor("the kit's videos", `!document.getElementById("renditions").hidden &&
		document.querySelectorAll("#rendition-list article").length === 2 &&
		[...document.querySelectorAll("#rendition-list video")].every(v => v.readyState >= 1)`, 30*time.Second)
	b.shoot("5b-kit")
	kit := eval[[]string](b, `[...document.querySelectorAll("#rendition-list article")].map(a => [a.dataset.index, a.dataset.aspect,
		a.querySelector("h3").textContent, a.querySelector("video").videoWidth + "x" + a.querySelector("video").videoHeight,
		a.querySelector("a.r-video").getAttribute("href").includes("/v1/videos/`+hdID+`-" + a.dataset.index + ".mp4?"),
		a.querySelector("a.r-poster").getAttribute("href").includes("/v1/posters/`+hdID+`-" + a.dataset.index + ".jpg?"),
		[...a.querySelectorAll(".r-captions a")].map(l => l.textContent).join(",")].join(" | "))`)
	if len(kit) != 2 || !strings.HasPrefix(kit[0], "1 | 9:16 | Video 1: 9:16 1080p, 1080×1920, the whole song | 1080x1920 | true | true | SRT,WebVTT,LRC") ||
		// A 5-second clip of this 3-second song is cut to fit: all of it.
		kit[1] != "2 | 9:16 | Video 2: 9:16 1080p, 1080×1920, the whole song | 1080x1920 | true | true | SRT,WebVTT,LRC" {
		t.Errorf("the kit's videos on the task page:\n%s\nwant a whole 9:16 video and a 9:16 clip (the whole 3 s song), 1080×1920, with video, poster and caption links", strings.Join(kit, "\n"))
	}
	if got := eval[string](b, `[...document.querySelectorAll("#captions-line a")].map(l => l.textContent).join(",")`); got != "SRT,WebVTT,LRC" ||
		eval[bool](b, `document.getElementById("captions-line").hidden`) {
		t.Errorf("rendition 0's caption links %q, want SRT, WebVTT and LRC shown", got)
	}

	// A long source stays pending: the Tracks view refuses to delete its
	// track, then the task page cancels it.
	long := makeAudio(t, dir, 600)
	b.do("going to the task list", chromedp.Click(chromedp.ID("nav-tasks")), chromedp.WaitVisible(chromedp.ID("home-view")))
	b.do("making a long video", chromedp.SetUploadFiles(chromedp.ID("audio"), []string{long}),
		setValue("title", "Long sine"), setValue("resolution", "720p"), setValue("fps", "30"), setValue("accent", ""), setKit(false),
		chromedp.Click(chromedp.ID("make-submit")))
	b.waitFor("the long task to start", `document.querySelector("#make-status a") !== null`, 60*time.Second)
	longID := eval[string](b, `document.querySelector("#make-status a").textContent`)
	longRow := `[...document.querySelectorAll("#tracks > li")].find(r => r.querySelector(".t-title").textContent === "Long sine")`
	deleteTrack := func() {
		b.do("asking to delete", chromedp.Click(chromedp.ID("nav-tracks")), chromedp.WaitVisible(chromedp.ID("tracks-view")))
		// The rows of the last visit stay, inert, until the list is loaded
		// again; pressing Delete in one of them would do nothing.
		b.waitFor("the track list", `!document.getElementById("tracks").inert`, 10*time.Second)
		b.waitFor("the long track's row", longRow+` !== undefined`, 10*time.Second)
		b.do("pressing Delete", chromedp.Evaluate[chromedp.Void](longRow+`.querySelector("button.danger").click()`))
		if got := eval[string](b, `document.activeElement.textContent`); got != "Keep" {
			t.Errorf("after Delete the focus is on %q, want the Keep button", got)
		}
	}
	deleteTrack()
	b.do("confirming", chromedp.Evaluate[chromedp.Void](longRow+`.querySelector("button.sure").click()`))
	b.waitFor("the refusal", longRow+`.querySelector(".error").textContent !== ""`, 10*time.Second)
	if got, want := eval[string](b, longRow+`.querySelector(".error").textContent`), "is needed by pending video task "+longID; !strings.Contains(got, want) {
		t.Errorf("deleting a pending task's track: %q, want it to contain %q", got, want)
	}
	b.do("opening the long task", chromedp.Navigate(srv.URL()+"/#/task/"+longID))
	b.waitFor("the Cancel button", `!document.getElementById("cancel-line").hidden`, 20*time.Second)
	b.do("cancelling", chromedp.Click(chromedp.ID("cancel")))
	b.waitFor("the cancelled state", `document.getElementById("task-status").dataset.status === "GENERATE_MP4_FAILED"`, 20*time.Second)
	if got, want := eval[string](b, `document.getElementById("task-status").textContent`), "Render failedError 400: Task cancelled by the caller"; got != want {
		t.Errorf("cancelled task shows %q, want %q", got, want)
	}
	if got, want := eval[string](b, `document.getElementById("cancel-status").textContent`), "Cancelled: the task is now Render failed (Task cancelled by the caller)."; got != want {
		t.Errorf("cancel status %q, want %q", got, want)
	}
	if !eval[bool](b, `document.getElementById("cancel-line").hidden`) {
		t.Errorf("the Cancel button is still shown on an ended task")
	}
	b.shoot("6-task-cancelled")
	// A second cancel (the button is hidden now; a second tab could still
	// press it) shows the 409 in words.
	b.do("cancelling again", chromedp.Evaluate[chromedp.Void](`document.getElementById("cancel").click()`))
	b.waitFor("the 409", `document.getElementById("cancel-error").textContent !== ""`, 10*time.Second)
	if got := eval[string](b, `document.getElementById("cancel-error").textContent`); !strings.HasPrefix(got, "Cancel was refused: ") || !strings.Contains(got, "GENERATE_MP4_FAILED") {
		t.Errorf("cancelling an ended task: %q, want the 409 naming GENERATE_MP4_FAILED", got)
	}

	// Now the track can go.
	deleteTrack()
	if got := eval[string](b, longRow+`.querySelector(".badges").textContent`); got != "No coverNo lyricsUploaded" {
		t.Errorf("long track's badges %q, want %q", got, "No coverNo lyricsUploaded")
	}
	hdBadges := `[...document.querySelectorAll("#tracks > li")].find(r => r.querySelector(".t-title").textContent === "Sine in 1080p").querySelector(".badges").textContent`
	if got := eval[string](b, hdBadges); got != "No coverSynced lyricsUploaded" {
		t.Errorf("1080p track's badges %q, want %q", got, "No coverSynced lyricsUploaded")
	}
	b.shoot("5-tracks-confirm")
	b.do("confirming", chromedp.Evaluate[chromedp.Void](longRow+`.querySelector("button.sure").click()`))
	b.waitFor("the deletion", longRow+` === undefined`, 10*time.Second)
	if got, want := eval[string](b, `document.getElementById("tracks-status").textContent`), "Deleted Long sine."; got != want {
		t.Errorf("after deleting: status %q, want %q", got, want)
	}
	b.do("reloading the tracks", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("tracks-view")))
	b.waitFor("the reloaded list", `document.querySelectorAll("#tracks > li").length === 2`, 10*time.Second)
	if eval[bool](b, longRow+` !== undefined`) {
		t.Errorf("the deleted track is listed after a reload")
	}
	b.realValues("the track list")

	// A track shows its ids and makes a video (issue 23: the Tracks view
	// showed no ids and could not start one).
	firstRow := `[...document.querySelectorAll("#tracks > li")].find(r => r.querySelector(".t-title").textContent === "Sine in the browser")`
	audioID := eval[string](b, firstRow+`.dataset.audioId`)
	if got := eval[string](b, firstRow+`.querySelector(".ids").textContent`); !strings.Contains(got, audioID) ||
		!strings.Contains(got, eval[string](b, firstRow+`.dataset.taskId`)) {
		t.Errorf("the track's row shows %q, want its music task id and audio id", got)
	}
	b.do("making a video of the track", chromedp.Evaluate[chromedp.Void](firstRow+`.querySelector("button.make").click()`))
	b.waitFor("the new task's page", `location.hash.startsWith("#/task/") && !document.getElementById("task-view").hidden &&
		document.getElementById("fields").textContent.includes("Audio id")`, 20*time.Second)
	if got := eval[string](b, `document.getElementById("fields").textContent`); !strings.Contains(got, audioID) {
		t.Errorf("the task made from the track shows %q, want the track's audio id %s", got, audioID)
	}
	b.shoot("7-task-from-track")
	b.do("back to the tracks", chromedp.Click(chromedp.ID("nav-tracks")), chromedp.WaitVisible(chromedp.ID("tracks-view")))
	b.waitFor("the track list", `!document.getElementById("tracks").inert && document.querySelectorAll("#tracks > li").length === 2`, 10*time.Second)
	b.shoot("8-tracks")

	// A failed task says why (issue 23: "Error 451" and the hosted text
	// only): a track by URL whose server refuses the connection.
	post := func(path, body string) string {
		req, _ := http.NewRequest("POST", srv.URL()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	field := func(js, name string) string {
		i := strings.Index(js, `"`+name+`":"`)
		if i < 0 {
			t.Fatalf("no %s in %s", name, js)
		}
		rest := js[i+len(name)+4:]
		return rest[:strings.IndexByte(rest, '"')]
	}
	tr := post("/api/v1/tracks", `{"audioUrl":"http://127.0.0.1:1/song.mp3","title":"Unreachable"}`)
	failedID := field(post("/api/v1/mp4/generate", `{"taskId":"`+field(tr, "taskId")+`","audioId":"`+field(tr, "audioId")+`"}`), "taskId")
	b.do("opening the failed task", chromedp.Navigate(srv.URL()+"/#/task/"+failedID))
	b.waitFor("the failure", `document.getElementById("task-status").dataset.status === "CREATE_TASK_FAILED"`, 30*time.Second)
	if got, want := eval[string](b, `document.querySelector("#task-status .error").textContent`),
		"Error 451: Source audio file download failed: audio: the connection failed (connection refused)"; got != want {
		t.Errorf("the failed task shows %q, want %q", got, want)
	}
	b.shoot("9-task-failed")

	// A callback that cannot arrive says so on the task page after its
	// first attempt (issue 23: record-info's callback.problem was shown
	// nowhere), whole at a phone's width and a desktop's.
	tr = post("/api/v1/tracks", `{"audioUrl":"http://127.0.0.1:1/song.mp3","title":"Unknown receiver"}`)
	lostID := field(post("/api/v1/mp4/generate", `{"taskId":"`+field(tr, "taskId")+`","audioId":"`+field(tr, "audioId")+
		`","callBackUrl":"http://mvgen-receiver.invalid/hook"}`), "taskId")
	b.do("opening the task whose callback cannot arrive", chromedp.Navigate(srv.URL()+"/#/task/"+lostID))
	b.waitFor("the first callback attempt", `document.querySelector('#attempts tr[data-delivery="1"]') !== null`, 30*time.Second)
	result := eval[string](b, `document.querySelector('#attempts tr[data-delivery="1"] td:nth-child(5)').textContent`)
	if result == "error: DNS: looking up the receiver's host name failed" {
		t.Logf("the callback problem is not checked: this machine's resolver cannot say that a name does not exist (%q)", result)
	} else {
		b.waitFor("the callback problem", `document.getElementById("callback-problem").textContent !== ""`, 20*time.Second)
		want := "The callback cannot arrive until this is fixed: DNS: the receiver's host name does not exist;"
		if got := eval[string](b, `document.getElementById("callback-problem").textContent`); !strings.HasPrefix(got, want) ||
			!strings.Contains(got, "redeliver") {
			t.Errorf("the callback problem reads %q, want it to start %q and name redeliver", got, want)
		}
		for _, w := range []int64{390, 1280} {
			b.do("resizing", chromedp.EmulateViewport(w, 900), chromedp.Sleep(200*time.Millisecond))
			shown := eval[string](b, `(e => { const r = e.getBoundingClientRect();
				return [e.offsetParent !== null, e.scrollWidth <= e.clientWidth, r.left >= 0 && r.right <= innerWidth, r.height > 0,
					document.documentElement.scrollWidth <= innerWidth].join(" ") })(document.getElementById("callback-problem"))`)
			if shown != "true true true true true" {
				t.Errorf("at %d px the callback problem (shown, whole, on screen, tall, page not wider than the screen): %s, want all true", w, shown)
			}
		}
		b.shoot("10-callback-problem")
	}
	// Another task's page shows no problem of this one.
	b.do("opening the failed task again", chromedp.Navigate(srv.URL()+"/#/task/"+failedID))
	b.waitFor("the failed task's page", `document.getElementById("task-status").dataset.status === "CREATE_TASK_FAILED" &&
		document.getElementById("fields").textContent.includes("`+failedID+`")`, 20*time.Second)
	if got := eval[string](b, `document.getElementById("callback-problem").textContent`); got != "" {
		t.Errorf("a task without a callback shows the callback problem %q", got)
	}

	// No secret on any page, in the URL or in a cookie.
	html := eval[string](b, `location.href + document.cookie + document.documentElement.outerHTML`)
	for name, s := range map[string]string{"API key": token, "webhook secret": secret} {
		if strings.Contains(html, s) {
			t.Errorf("the page shows the %s", name)
		}
	}

	// Sign out: the key is forgotten.
	b.do("signing out", chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("signin-view")))
	if got := eval[int](b, `sessionStorage.length`); got != 0 {
		t.Errorf("after sign-out: sessionStorage holds %d items, want 0", got)
	}
}

// startServer runs the real service on 127.0.0.1:0, letting callbacks
// reach loopback.
func startServer(t *testing.T, dataDir string, options ...func(*server.Config)) *server.Server {
	t.Helper()
	cfg := server.Config{DataDir: dataDir, Addr: "127.0.0.1:0", MetricsAddr: server.MetricsOff,
		CallbackAllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		LimitConfig:       server.LimitConfig{SourceAllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		CallbackSchedule:  []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}}
	for _, o := range options {
		o(&cfg)
	}
	s, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("server.Open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		s.Close()
	})
	return s
}

// newKey creates an API key in the server's store and returns its token
// and webhook secret.
func newKey(t *testing.T, s *server.Server) (token, secret string) {
	t.Helper()
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	k, token := mvgen.NewKey(t.Name(), secret, time.Now())
	if err := s.Store().CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return token, secret
}

// makeAudio writes an MP3 tone of the given length with ffmpeg.
func makeAudio(t *testing.T, dir string, seconds int) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("sine-%ds.mp3", seconds))
	out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "lavfi",
		"-i", "sine=frequency=330:sample_rate=44100:duration="+strconv.Itoa(seconds),
		"-ac", "2", "-b:a", "192k", path).CombinedOutput()
	if err != nil {
		t.Fatalf("making test audio: %v\n%s", err, out)
	}
	return path
}

// duration is a media file's duration by ffprobe, in seconds.
func duration(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe %s: duration %q: %v", path, out, err)
	}
	return d
}

// themeRows is what the theme picker should show: each theme, shown, with
// its preview loaded.
func themeRows() string {
	rows := make([]string, len(mvgen.Themes))
	for i, th := range mvgen.Themes {
		rows[i] = string(th) + " true true"
	}
	return strings.Join(rows, ", ")
}

// theme is the theme a task's stored theme names ("" is the default).
func theme(s string) mvgen.Theme {
	th, _ := mvgen.ParseTheme(s)
	return th
}
