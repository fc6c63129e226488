// Package netguard keeps mvgen from reaching internal networks (server-side
// request forgery). mvgen POSTs callbacks to user-supplied URLs and fetches
// user-supplied audio and cover URLs; contract §5.4 says none of those may
// reach loopback, private, link-local (including the cloud metadata service
// at 169.254.169.254), CGNAT, multicast, unspecified or other reserved
// addresses.
//
// A [Guard] holds the policy. Its zero value blocks every such class; its
// Allow field opens listed networks again (the operator flag
// --callback-allow-net, for receivers on a private network or local
// development).
//
// The real guard is applied at connect time: [Guard.Control] runs as a
// [net.Dialer] Control function on the address actually being connected to,
// after DNS resolution, so a DNS answer that changes between a check and the
// connect (DNS rebinding) cannot get through. [Guard.Client] returns an
// *http.Client built on that dialer which never uses an environment proxy and
// never follows redirects. [Guard.CheckURL] is the cheaper, earlier check used
// when a request is submitted: it validates the URL's shape and refuses
// literal blocked addresses and localhost names without resolving anything.
//
// Refusals wrap [ErrBlocked] (and are a *[BlockedError]); malformed URLs wrap
// [ErrInvalidURL].
package netguard
