package receiver

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/mvgen/mvgen/internal/netguard"
	"github.com/mvgen/mvgen/webhook"
)

// Defaults for the zero values of [Receiver]'s fields.
const (
	DefaultRetries    = 5                // download attempts per callback
	DefaultRetryDelay = 2 * time.Second  // wait after the first failed attempt; doubled after each further one
	DefaultTimeout    = 10 * time.Minute // timeout of the default download client, whole download included
	DefaultMaxBytes   = 2 << 30          // largest video downloaded (2 GiB; a 15-minute video is about 250 MB)
)

// LinkValidity is the link lifetime assumed when a video_url carries no
// expires parameter: 14 days from the callback's arrival (contract §7).
const LinkValidity = 14 * 24 * time.Hour

// maxTaskIDLen bounds task ids, which become part of file names.
const maxTaskIDLen = 128

// Receiver receives mvgen's completion callbacks and downloads the videos
// they announce. Only Secrets must be set; the other fields' zero values
// select the documented defaults. The fields must not change, and the
// Receiver must not be copied, once Handler has been called.
type Receiver struct {
	// Secrets are the accepted "whsec_…" webhook secrets; a callback signed
	// with any of them passes. List several while a key is rotated.
	Secrets []string

	// Legacy verifies the legacy scheme (X-Webhook-Timestamp and
	// X-Webhook-Signature, which do not cover the body) instead of Standard
	// Webhooks. Prefer the default. Legacy needs VideoOrigins: whoever
	// captured one legacy callback can replay its signature for five minutes
	// with any body. (Whatever the scheme, video_url must be a link to the
	// callback's task's video, so a replay cannot swap in another task's.)
	Legacy bool

	// VideoOrigins lists the origins video_url may point at, as
	// "https://host[:port]" (mvgen's --public-url). A callback whose link
	// points elsewhere is refused (400). Empty means: the origin of the
	// first success callback is kept in StateFile and later links must
	// share it (refused with Legacy, see there).
	VideoOrigins []string

	// RedirectOrigins lists the origins, besides the video origins, that a
	// download may be redirected to: mvgen on S3 storage answers its links
	// with a 307 to a presigned URL on the S3 endpoint (or bucket host),
	// which must be listed here. Any other redirect fails the download, as
	// do more than 5 in a row.
	RedirectOrigins []string

	// Replace lets a later callback for a task whose video is saved
	// download it again and replace it. By default a saved video is never
	// replaced or its record rewritten: the later callback is answered 200
	// and logged.
	Replace bool

	// MaxBytes is the largest video downloaded; a larger one fails for
	// good. Zero means [DefaultMaxBytes].
	MaxBytes int64

	// Guard, when set, refuses downloads from the addresses it blocks
	// (internal networks, after DNS resolution, on every redirect too).
	// It applies only when Client is nil.
	Guard *netguard.Guard

	// Dir is the folder the videos and their records go to; it is created
	// when needed, 0700 (readable by its owner only). Empty means the
	// current directory. An existing Dir keeps its mode; when other users
	// may enter it, a line is logged at start. Every file the receiver
	// writes in it is 0600.
	Dir string

	// Client downloads the videos. Nil means a client with a
	// [DefaultTimeout] timeout. The Receiver uses a copy with its own
	// CheckRedirect (see RedirectOrigins).
	Client *http.Client

	// Logger receives one line per event, written for a person to read.
	// Nil means no logging.
	Logger *slog.Logger

	// Retries is the number of download attempts per callback. Zero means
	// [DefaultRetries].
	Retries int

	// RetryDelay is the wait after the first failed attempt, doubled after
	// each further one. Zero means [DefaultRetryDelay].
	RetryDelay time.Duration

	once     sync.Once
	dir      string
	client   *http.Client
	log      *slog.Logger
	retries  int
	delay    time.Duration
	maxBytes int64
	verifier *webhook.Verifier

	origins   map[string]bool // VideoOrigins, parsed
	redirects map[string]bool // RedirectOrigins, parsed

	wg        sync.WaitGroup
	stop      chan struct{} // closed by Close
	closeOnce sync.Once

	mu        sync.Mutex
	seen      map[string]seenEntry // handled webhook-ids, persisted in StateFile
	pinned    string               // the video origin taken from the first callback, persisted in StateFile
	busyIDs   map[string]bool      // webhook-ids being handled now
	busyTasks map[string]bool      // task ids being handled now
}

// Validate reports whether r can work: it needs at least one secret, every
// secret must decode (in the Standard Webhooks scheme), the origins must
// parse, Legacy needs VideoOrigins, and Retries, RetryDelay and MaxBytes
// must not be negative.
func (r *Receiver) Validate() error {
	v := webhook.Verifier{Secrets: r.Secrets, Legacy: r.Legacy}
	if err := v.Validate(); err != nil {
		return fmt.Errorf("receiver: %w", err)
	}
	if _, err := parseOrigins("VideoOrigins", r.VideoOrigins); err != nil {
		return err
	}
	if _, err := parseOrigins("RedirectOrigins", r.RedirectOrigins); err != nil {
		return err
	}
	if r.Legacy && len(r.VideoOrigins) == 0 {
		return errors.New("receiver: the legacy scheme needs VideoOrigins (--video-origin): its signature does not cover video_url")
	}
	if r.MaxBytes < 0 {
		return fmt.Errorf("receiver: MaxBytes is %d, want 0 (the default) or more", r.MaxBytes)
	}
	if r.Retries < 0 {
		return fmt.Errorf("receiver: Retries is %d, want 0 (the default) or more", r.Retries)
	}
	if r.RetryDelay < 0 {
		return fmt.Errorf("receiver: RetryDelay is %s, want 0 (the default) or more", r.RetryDelay)
	}
	return nil
}

// Handler returns the callback endpoint, to be mounted at the callBackUrl's
// path. It answers
//
//   - 405 to anything but POST;
//   - 401 or 413 when [webhook.Verifier.Handler] rejects the callback
//     (500 when the secrets are unusable: see [Receiver.Validate]);
//   - 400 when the task id cannot name a file, or a success callback has no
//     usable http(s) video_url or one that is not a link to its task's video
//     (…/v1/videos/<task_id>.mp4);
//   - 500 when the record cannot be written (mvgen will deliver again);
//   - 503 after Close;
//   - otherwise 200 {"ok":true}, at once, duplicates included. A new success
//     callback's video is then downloaded in the background (see Wait).
func (r *Receiver) Handler() http.Handler {
	r.setup()
	reached := func(w http.ResponseWriter, req *http.Request) {
		w.(*refusalRecorder).status = -1 // verified: serve logs for itself
		r.serve(w, req)
	}
	verified := r.verifier.Handler(http.HandlerFunc(reached))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed: callbacks are POSTed", http.StatusMethodNotAllowed)
			return
		}
		rec := &refusalRecorder{ResponseWriter: w}
		verified.ServeHTTP(rec, req)
		if rec.status >= 400 {
			r.logRefusal(req, rec.status, rec.reason.String())
		}
	})
}

// Wait waits for the background downloads to end. Call it once the server
// no longer passes requests to Handler (after [http.Server.Shutdown]), or in
// tests after the callbacks have been answered.
func (r *Receiver) Wait() { r.wg.Wait() }

// Close stops the background downloads and waits for them to return. Their
// partial files stay, so a redelivery of the same callback resumes them.
// Handler answers 503 after Close. Close is safe to call more than once.
func (r *Receiver) Close() error {
	r.setup()
	r.closeOnce.Do(func() { close(r.stop) })
	r.wg.Wait()
	return nil
}

// setup resolves the defaults and loads the state file, once.
func (r *Receiver) setup() {
	r.once.Do(func() {
		r.dir = r.Dir
		if r.dir == "" {
			r.dir = "."
		}
		// Validate reports bad origins; here they are only skipped.
		r.origins, _ = parseOrigins("VideoOrigins", r.VideoOrigins)
		r.redirects, _ = parseOrigins("RedirectOrigins", r.RedirectOrigins)
		r.client = r.newClient()
		r.maxBytes = r.MaxBytes
		if r.maxBytes <= 0 {
			r.maxBytes = DefaultMaxBytes
		}
		r.log = r.Logger
		if r.log == nil {
			r.log = slog.New(slog.DiscardHandler)
		}
		r.retries = r.Retries
		if r.retries <= 0 {
			r.retries = DefaultRetries
		}
		r.delay = r.RetryDelay
		if r.delay <= 0 {
			r.delay = DefaultRetryDelay
		}
		r.verifier = &webhook.Verifier{Secrets: slices.Clone(r.Secrets), Legacy: r.Legacy}
		r.stop = make(chan struct{})
		r.busyIDs = make(map[string]bool)
		r.busyTasks = make(map[string]bool)
		seen, pinned, err := loadState(r.dir)
		if err != nil {
			r.log.Warn(fmt.Sprintf("cannot read the list of handled callbacks (%v); starting a new one", err))
		}
		r.seen, r.pinned = seen, pinned
		r.noteDirMode()
	})
}

// noteDirMode logs, for an existing Dir that other users may enter, that
// it is left so: the receiver's files in it are 0600, but their names (the
// task ids) can be listed. The receiver does not change the mode of a
// folder it did not create (it may be shared on purpose).
func (r *Receiver) noteDirMode() {
	fi, err := os.Stat(r.dir)
	if err != nil || !fi.IsDir() || runtime.GOOS == "windows" || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	r.log.Info(fmt.Sprintf("%s is open to other users (mode %04o) and stays so; the files saved in it are 0600, "+
		"but others can list their names: chmod 700 %s to keep them private", r.dir, fi.Mode().Perm(), r.dir))
}

// serve handles a verified callback.
func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	ev, ok := webhook.EventFromContext(req.Context())
	if !ok { // cannot happen behind Verifier.Handler
		reply(w, http.StatusBadRequest, "not a callback")
		return
	}
	select {
	case <-r.stop:
		reply(w, http.StatusServiceUnavailable, "receiver is shutting down")
		return
	default:
	}

	taskID := ev.Data.TaskID
	if !validTaskID(taskID) {
		r.log.Warn(fmt.Sprintf("callback refused: task id %s cannot name a file (allowed: A-Z a-z 0-9 _ -, at most %d)", quoteShort(taskID), maxTaskIDLen))
		reply(w, http.StatusBadRequest, "task_id cannot name a file")
		return
	}
	var link *url.URL
	if ev.Code == webhook.CodeSuccess {
		var err error
		if link, err = videoURL(ev.Data.VideoURL); err == nil {
			if err = checkLinkTask(link, taskID); err != nil {
				r.log.Warn(fmt.Sprintf("callback for task %s refused with 400, nothing downloaded: %v; %s",
					taskID, err, r.wrongLinkHint(taskID)))
				reply(w, http.StatusBadRequest, err.Error())
				return
			}
			// After the task check, so that a refused link never pins
			// its origin.
			err = r.checkOrigin(link)
		}
		if err != nil {
			r.log.Warn(fmt.Sprintf("callback for task %s refused: %v", taskID, err))
			reply(w, http.StatusBadRequest, err.Error())
			return
		}
	}

	msgID := req.Header.Get(webhook.HeaderID)
	key := msgID
	if key == "" { // legacy callbacks need not carry one; a task has one callback
		key = "task:" + taskID
	}
	if why := r.claim(key, msgID, taskID); why != "" {
		r.log.Info(fmt.Sprintf("duplicate callback %s for task %s ignored (%s)", msgIDOr(msgID), taskID, why))
		reply(w, http.StatusOK, "")
		return
	}

	if old, err := readRecord(r.dir, taskID); err == nil && old.saved(r.dir) && !r.Replace {
		r.log.Warn(fmt.Sprintf("callback %s for task %s ignored: its video was saved on %s from callback %s; "+
			"a later callback does not replace it (run with --replace to allow)",
			msgIDOr(msgID), taskID, old.SavedAt.Format(humanTime), msgIDOr(old.WebhookID)))
		r.release(key, taskID, true)
		reply(w, http.StatusOK, "")
		return
	}

	now := time.Now().UTC().Truncate(time.Second)
	rec := Record{
		TaskID:     taskID,
		WebhookID:  msgID,
		Code:       ev.Code,
		Msg:        ev.Msg,
		ReceivedAt: now,
	}
	if link != nil {
		rec.VideoURL = link.String()
		rec.LinkExpiresAt = linkExpiry(link, now)
	}
	err := os.MkdirAll(r.dir, dirMode)
	if err == nil {
		err = writeRecord(r.dir, &rec)
	}
	if err != nil {
		r.release(key, taskID, false)
		r.log.Error(fmt.Sprintf("cannot record the callback for task %s: %v", taskID, err))
		reply(w, http.StatusInternalServerError, "cannot record the callback")
		return
	}

	if link == nil {
		r.log.Warn(fmt.Sprintf("task %s failed: %d %s", taskID, ev.Code, ev.Msg))
		r.release(key, taskID, true)
		reply(w, http.StatusOK, "")
		return
	}
	r.log.Info(fmt.Sprintf("task %s is ready; downloading its video", taskID))
	r.wg.Go(func() { r.fetch(key, rec, link) })
	reply(w, http.StatusOK, "")
}

// claim marks a callback as being handled and returns "", or returns why it
// is a duplicate.
func (r *Receiver) claim(key, msgID, taskID string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.busyIDs[key]:
		return "it is being handled"
	case r.busyTasks[taskID]:
		return "the task's video is being downloaded"
	case r.seen[key].TaskID != "" && !r.videoMissing(taskID):
		return "handled on " + r.seen[key].At.UTC().Format(humanTime)
	}
	// The state file may have been lost or pruned: the record tells too.
	if msgID != "" {
		if rec, err := readRecord(r.dir, taskID); err == nil && rec.WebhookID == msgID && rec.done(r.dir) {
			return "already recorded in " + recordName(taskID)
		}
	}
	r.busyIDs[key] = true
	r.busyTasks[taskID] = true
	return ""
}

// videoMissing reports whether the task's video was saved and has since
// been deleted: a repeated callback then downloads it again.
func (r *Receiver) videoMissing(taskID string) bool {
	rec, err := readRecord(r.dir, taskID)
	if err != nil || rec.Code != 200 || rec.SavedAt.IsZero() || rec.saved(r.dir) {
		return false
	}
	r.log.Info(fmt.Sprintf("callback for task %s seen before, but %s is gone: downloading it again", taskID, videoName(taskID)))
	return true
}

// release ends the handling of a callback; handled remembers it for good.
func (r *Receiver) release(key, taskID string, handled bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.busyIDs, key)
	delete(r.busyTasks, taskID)
	if !handled {
		return
	}
	r.seen[key] = seenEntry{TaskID: taskID, At: time.Now().UTC().Truncate(time.Second)}
	if err := saveState(r.dir, r.seen, r.pinned); err != nil {
		r.log.Warn(fmt.Sprintf("cannot save the list of handled callbacks: %v", err))
	}
}

// reply answers {"ok":true}, or {"ok":false,"error":msg} for an error status.
func reply(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status < 300 {
		io.WriteString(w, `{"ok":true}`+"\n")
		return
	}
	io.WriteString(w, `{"ok":false,"error":`+strconv.Quote(msg)+"}\n")
}

// validTaskID reports whether id may become part of a file name.
func validTaskID(id string) bool {
	if id == "" || len(id) > maxTaskIDLen {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// wrongLinkHint says what a video_url that names another task may mean and
// what to do about it.
func (r *Receiver) wrongLinkHint(taskID string) string {
	get := "GET /api/v1/mp4/record-info?taskId=" + taskID
	if r.Legacy {
		return "the legacy signature does not cover video_url, so this may be a captured callback replayed " +
			"with another task's link; if the task is yours, take its link from record-info (" + get + ") and download it by hand, " +
			"and prefer Standard Webhooks (run without --legacy)"
	}
	return "the body is signed with your secret, so check that the sender is an mvgen server and its --public-url; " +
		"record-info (" + get + ") gives the task's link"
}

// videoURL checks a success callback's video_url.
func videoURL(s *string) (*url.URL, error) {
	if s == nil || *s == "" {
		return nil, errors.New("success callback without a video_url")
	}
	u, err := url.Parse(*s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("video_url is not an http(s) URL")
	}
	return u, nil
}

// linkExpiry reads a link's expires parameter (Unix seconds), or assumes
// LinkValidity from received.
func linkExpiry(u *url.URL, received time.Time) time.Time {
	if n, err := strconv.ParseInt(u.Query().Get("expires"), 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0).UTC()
	}
	return received.Add(LinkValidity)
}

// quoteShort quotes s for a log line, cut to a readable length.
func quoteShort(s string) string {
	if len(s) > 64 {
		return strconv.Quote(s[:64]) + "…"
	}
	return strconv.Quote(s)
}

func msgIDOr(msgID string) string {
	if msgID == "" {
		return "(no webhook-id)"
	}
	return msgID
}
