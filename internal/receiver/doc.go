// Package receiver is the engine of `mvgen receive`: a ready-made receiver
// for mvgen's completion callbacks (contract §4, §5, §7) that saves each
// finished video next to a small JSON record of it.
//
// A [Receiver] is an [http.Handler] factory. [Receiver.Handler] accepts only
// POST, checks the callback's signature with [webhook.Verifier.Handler]
// (Standard Webhooks by default, the legacy X-Webhook-* scheme with
// [Receiver.Legacy]) and answers 200 {"ok":true} at once; the slow part, the
// download, runs afterwards in the background. For task T it writes, in
// [Receiver.Dir]:
//
//	music_video_T.mp4    the video, once complete
//	music_video_T.json   a Record: link, link expiry, times, size, SHA-256,
//	                     or the failure code and message
//	.music_video_T.mp4.part  the download in progress (renamed when complete)
//	.music_video_T.mp4.part.validator  the ETag or Last-Modified its bytes came with
//	.mvgen-receive.json  the webhook-ids already handled (StateFile)
//
// Every file is 0600, and Dir, when the receiver creates it, 0700: the
// videos and records of a private service are its user's alone. An existing
// Dir keeps its mode.
//
// Downloads go through the Go SDK's [client.Client.Download] and are
// retried with exponential backoff. A partial file is resumed with a Range
// request and If-Range, the validator of the answer its bytes came from,
// kept beside it so that a resume after a restart sends it too: a video
// that changed meanwhile comes whole instead of being spliced onto the old
// bytes. A partial file without a validator is started again from the
// beginning, as is one the server cannot continue (a changed video, a
// 416). The finished file is fsynced and then renamed into place, so
// a music_video_T.mp4 is always complete.
//
// Delivery is at-least-once, so the same callback may arrive several times.
// A receiver recognises it by its webhook-id: a callback whose webhook-id was
// handled before, also before a restart, or one whose task is still
// downloading, is answered 200 and otherwise ignored. A download that fails
// for good is not remembered as handled, so mvgen's redelivery of that
// callback tries again.
//
// A task's saved video is never replaced by a later callback (one replayed
// with a new webhook-id, say) unless [Receiver.Replace] is set. video_url
// must be a link to the video of the callback's task (mvgen's links end in
// /v1/videos/<task_id>.mp4), so that a legacy callback, whose signature
// does not cover it, cannot be replayed with another task's link; and it
// must point at one of [Receiver.VideoOrigins], or, when none is set, at
// the first success callback's origin, kept in StateFile. The download
// follows at most 5 redirects, to those origins and
// [Receiver.RedirectOrigins] only, stops at [Receiver.MaxBytes], and with
// [Receiver.Guard] never reaches an internal address.
//
// Task ids become file names only when they consist of ASCII letters,
// digits, '_' and '-'; other callbacks are refused (400) and logged, so no
// callback can write outside Dir.
package receiver
