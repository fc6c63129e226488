// Package link makes and checks the signed, expiring download links that
// mvgen hands out as a video's video_url (contract §7).
//
// A link is the server's public base URL, the path /v1/videos/<task id>.mp4
// and two query parameters: expires, the expiry in Unix seconds, and sig, an
// HMAC-SHA256 over the task id and that expiry under the server's link key,
// base64url-encoded without padding:
//
//	https://mvgen.example.com/v1/videos/<task id>.mp4?expires=1767225600&sig=<43 characters>
//
// The MAC input is "mvgen-link-v1\n" + task id + "\n" + expires, so a link
// cannot be moved to another video or have its lifetime extended without the
// key. [Signer.URL] makes a link, [Signer.Check] verifies one; the download
// handler answers 403 to [ErrInvalid] and 410 to [ErrExpired]. Links are
// valid for [Validity] after a task completes, and files are kept for
// [Retention] by default.
package link
