// Package dashboard is mvgen's web page for the people who use it: sign in
// with an API key, upload a track and make a video, watch the task list
// update live, play and download a video, and read or redeliver its
// callback. It is plain HTML, CSS and JavaScript modules embedded in the
// binary: no build step, nothing fetched from elsewhere.
//
// The page speaks only the public JSON API, with the key in an
// Authorization header: the key lives in the tab's sessionStorage (never a
// URL or a cookie) and signing out removes it. Task updates arrive on
// GET /api/v1/mp4/events, read with fetch() because EventSource cannot send
// that header.
package dashboard
