// Package deploy is how mvgen runs in production, and the tests that run
// it that way (README.md, "Running in production"):
//
//   - mvgen.service: the systemd unit (a dedicated user, a sandbox, a stop
//     that leaves --shutdown-grace its time), with mvgen.env, its
//     environment file;
//   - nginx/mvgen.conf and Caddyfile: TLS in front of mvgen, with the event
//     stream unbuffered, mvgen's upload limit and timeouts, forwarded
//     headers, and /metrics kept private.
//
// The package has no Go code; its tests check the unit with systemd-analyze
// and run the real nginx and Caddy on loopback, with configurations made
// from the shipped files by changing ports and paths only, in front of a
// real mvgen serve started from the unit's ExecStart= and sandboxed as the
// unit sandboxes it where a test can (a read-only file system but the data
// directory, no W+X memory, the system call filter, the address families).
package deploy
