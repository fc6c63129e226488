// Package client is the Go SDK of mvgen's HTTP API, which turns audio tracks
// into MP4 music videos. It uses the standard library only.
//
// A [Client] is configured by its fields and works with zero
// configuration beyond the server's address and an API key:
//
//	c := client.New("https://mvgen.example.com", os.Getenv("MVGEN_KEY"))
//
// The main flow is four calls, every one taking a context first:
//
//	ref, err := c.UploadTrack(ctx, client.Upload{Audio: f, AudioName: "song.mp3", Title: "Song"})
//	id, err := c.Generate(ctx, client.GenerateRequest{TaskID: ref.TaskID, AudioID: ref.AudioID, Author: "Me"})
//	rec, err := c.WaitForVideo(ctx, id, nil)
//	n, err := c.Download(ctx, rec.VideoURL, out, nil)
//
// Tracks can also be registered by URL ([Client.RegisterTrack]) and listed
// ([Client.Tracks]); a task's callback attempts are listed with
// [Client.Callbacks] and sent again with [Client.Redeliver].
//
// # Errors
//
// An answer that is not a success is an [*Error] carrying the HTTP status,
// the envelope's code and its message. It matches the sentinel for its code
// with errors.Is ([ErrNotFound], [ErrUnauthorized], [ErrValidation],
// [ErrConflict], [ErrRateLimited], …); errors.As gives the details. A video
// task that fails is a [*VideoError] from [Client.WaitForVideo], matching
// [ErrVideoFailed], with the task's errorCode and errorMessage.
//
// # Retries
//
// Answers that ask to come back later (429, 455 and 503) are retried up to
// [Client.MaxRetries] times, after the server's Retry-After or a jittered
// backoff, and never past the context's end. Reads are also retried after
// network errors. A generate is repeated only when it carries an
// Idempotency-Key, which makes the repeat return the original task; an
// upload only when its readers are io.Seekers and can be sent again.
// [Client.Download] resumes a broken transfer with a Range request.
//
// # Downloads
//
// [Client.Download] writes a video to any io.Writer. Its [DownloadOptions]
// continue a partial file that an earlier call left (Offset, with IfRange
// from [Validator] so that a changed video is not spliced, and Restart to
// start again when it is), cap the video's size (MaxBytes, a
// [*TooLargeError] beyond it), and send the requests through another
// *http.Client than the API's: a link that comes from a callback may call
// for one that refuses internal addresses or foreign redirects.
//
// # Hosted services
//
// Generate and Record also work against the hosted "Suno API" services
// that mvgen is compatible with: their answers put the error code in the
// body of an HTTP 200, give times as "yyyy-MM-dd HH:mm:ss" strings or
// epoch milliseconds, and leave mvgen's additions (progress, expiry,
// callback summary) out. testdata/ holds their documented examples.
package client
