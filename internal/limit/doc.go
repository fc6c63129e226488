// Package limit holds the per-key limits of mvgen's API (contract §6.4):
// request rates as token buckets keyed by API key id ([Keyed]), their
// textual form ([Rate], "10/s"), and a minimum transfer rate for request
// bodies ([MinRateBody]) that ends uploads which stop sending.
//
// Every limit here is per process: N nodes behind a load balancer allow a
// key N times the configured rate.
package limit
