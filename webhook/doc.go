// Package webhook signs and verifies mvgen's completion callbacks.
//
// mvgen POSTs an [Event] to a task's callBackUrl when the task ends. Every
// callback carries two signatures made with the API key's webhook secret (a
// string of the form "whsec_<base64>", see [NewSecret]):
//
//   - Standard Webhooks (https://www.standardwebhooks.com): headers
//     webhook-id, webhook-timestamp and webhook-signature, an HMAC-SHA256 of
//     "id.timestamp.body" keyed with the bytes that the base64 after "whsec_"
//     encodes. It covers the body. During key rotation the header lists one
//     "v1,<signature>" per secret, space-separated. This is the scheme
//     receivers should check, and the one [Verify] and [Verifier] check by
//     default.
//   - The legacy scheme of the hosted Suno-API services, kept so that
//     receivers written for them work unchanged: headers X-Webhook-Timestamp
//     and X-Webhook-Signature, an HMAC-SHA256 of "task_id.timestamp" keyed
//     with the whole secret string as UTF-8 bytes ("whsec_" included). It does
//     not cover the body, so a captured callback's video_url could be altered;
//     check it only when a receiver cannot do otherwise ([Verifier.Legacy]).
//
// The server side uses [SetHeaders] (or [Sign] and [SignLegacy]) to sign a
// callback. A receiver verifies one with [Verify] or a [Verifier], or wraps its
// handler in [Verifier.Handler], which caps and verifies the body and passes
// the parsed [Event] on in the request context ([EventFromContext]).
//
// Both schemes reject timestamps more than five minutes away from the
// receiver's clock (configurable), which bounds replays; delivery is
// at-least-once, so receivers must still treat a repeated webhook-id as a
// duplicate.
//
// The package uses the standard library only.
package webhook
