// Package upstream looks tracks up on an upstream Suno-compatible API
// (contract §6.1): a user who made a song on a hosted service asks mvgen for a
// video of it by the hosted service's taskId and audioId, and mvgen finds the
// track through the service's documented
// `GET /api/v1/generate/record-info?taskId=…`, with that user's own upstream
// API key (`Authorization: Bearer …`).
//
// Client speaks the wire format (testdata holds the services' documented
// examples); Lookup adds the catalogue: it stores a found track as an entry
// of the caller's key (Import, for generate) and fetches fresh URLs for a
// stored track whose links expired (Refresh, for the render worker).
// upstreamtest is a fake upstream for tests.
//
// # What each answer becomes
//
// Every outcome is a domain error (internal/mvgen) whose message says what to
// do, and never contains the upstream key:
//
//   - no such music task (envelope code 400 or 404, or no data), or no track
//     with that audioId in a finished task: ENotFound (404), naming both ids;
//   - the music task is not finished (status PENDING, TEXT_SUCCESS,
//     FIRST_SUCCESS, or the track has no audio URL yet): EConflict (409),
//     "retry when it is SUCCESS";
//   - it failed upstream (CREATE_TASK_FAILED, GENERATE_AUDIO_FAILED,
//     SENSITIVE_WORD_ERROR): EInvalid (422), there is no audio to use;
//     CALLBACK_EXCEPTION counts as finished (the audio exists, only the
//     service's own callback failed);
//   - the upstream key is refused (HTTP 401/403 or envelope code 401):
//     EForbidden (403);
//   - unreachable, a timeout (Client.Timeout, 10 s by default), HTTP 429 or
//     5xx, envelope codes 405, 429, 430, 455 and 5xx, an answer that is not
//     the documented envelope or is over Client.MaxBodyBytes: EUnavailable
//     (455, HTTP 503) with a RetryAfter (the upstream's Retry-After when it
//     sent one, else DefaultRetryAfter). The caller retries generate; nothing
//     is stored.
//
// # Addresses
//
// The upstream URL is the operator's configuration (mvgen serve
// --upstream-url) and is trusted: Client connects to it without netguard's
// address rules, so an operator may name a gateway on a private network.
// Callers cannot change where it goes (the taskId is query-escaped) and it
// follows no redirects (an upstream key never travels to another host). The
// audio and image URLs an upstream answers are not trusted: Lookup checks
// them with netguard's URL rules before storing them, and the render worker
// downloads them through netguard's guarded client like every source.
package upstream
