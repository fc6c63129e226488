// Package backup copies the embedded default's data (the SQLite database
// and the local file directory) into one archive while mvgen serve runs,
// and puts such an archive back into a data directory.
//
// [Write] takes a consistent copy in two steps. First SQLite's VACUUM INTO
// writes a snapshot of the database in one read transaction (the server
// goes on writing: in WAL mode a reader blocks no writer). Then the files
// that snapshot names (uploaded audio and covers, rendered videos and their
// posters) are copied from the file directory. Every such file is written
// (temp file, fsync, rename) before the row that names it commits, and
// never changed after, so each one the snapshot names is on disk, unless
// the purge deleted it since (an expired video, a source past its
// retention); those are listed in the manifest as missing and the rest of
// the copy is whole. Files written after the snapshot are left out: the
// restored database does not know them.
//
// The archive is a tar stream (gzip-compressed or not): mvgen.db, then
// files/<key> for each file, demo-key.json when the data directory has one,
// and last mvgen-backup.json, the [Manifest] with every entry's size and
// SHA-256. [Restore] extracts into a staging directory inside the target,
// checks every entry against the manifest (a truncated or altered archive
// restores nothing) and the database with SQLite's quick_check, and only
// then moves the entries into place. It holds the data directory's lock,
// the one mvgen serve takes, for the whole time, so it refuses a directory
// a server is using and no server starts on a half-restored one.
//
// PostgreSQL and S3 are not copied here: a dump of the database and the
// bucket's object versions are their backup (README, "Running in
// production").
package backup
