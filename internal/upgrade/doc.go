// Package upgrade holds the upgrade tests (README.md, "Running in
// production", "Upgrading"; issue 24 item 3). It has no code of its own.
//
// Both tests run two builds of cmd/mvgen as separate processes: the binary
// of an earlier release, built from this repository's own history (the
// commit is oldRelease in build_test.go: 8ec5443), and the binary of the
// working tree.
//
//   - TestUpgrade accepts tasks with the old binary (one called back, some
//     waiting for a callback retry, one rendering, some queued), stops it
//     (SIGTERM, and SIGKILL on SQLite) and starts the new binary on the
//     same data, on the embedded default (SQLite and files) and on
//     PostgreSQL + S3 (versitygw): every task succeeds and is called back
//     exactly once.
//   - TestRollingUpgrade runs an old and a new node side by side on one
//     PostgreSQL database and one bucket under traffic, then stops the old
//     one as a rolling upgrade does: both serve the API, both render,
//     neither fails a task, and every task is called back exactly once.
//
// They hold as long as migrations follow expand-then-contract
// (docs/DECISIONS.md, "Upgrades"). When a release lands, move oldRelease to
// its commit.
//
// The old release's source is extracted once into the user's cache
// directory (os.UserCacheDir()/mvgen/upgrade/COMMIT), so the Go build cache
// makes every later build of it a link. The tests need the commit in the
// clone: a shallow clone fails them, saying so.
package upgrade
