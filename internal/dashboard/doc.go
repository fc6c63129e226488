// Package dashboard is mvgen's web page for the people who use it: sign in
// with an API key, upload a track (with a cover and LRC lyrics) and make a
// video at 720p or 1080p, watch the task list update live, cancel a pending
// task, play and download a video, read or redeliver its callback, and
// list or delete the key's tracks. It is plain HTML, CSS and JavaScript modules embedded in the
// binary: no build step, nothing fetched from elsewhere.
//
// The page speaks only the public JSON API, with the key in an
// Authorization header: the key lives in the tab's sessionStorage (never a
// URL or a cookie) and signing out removes it. Task updates arrive on
// GET /api/v1/mp4/events, read with fetch() because EventSource cannot send
// that header.
package dashboard
