package main

import (
	"errors"
	"flag"
	"fmt"
)

// errUsage is returned when the usage was printed because no command was
// given: exit status 2 without another message.
var errUsage = errors.New("no command given")

// exitCode is the process's exit status for run's error: 0 for success and
// for -h/--help, 2 otherwise.
func exitCode(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

// commandHelp is the text above each command's flags in its -h.
var commandHelp = map[string]string{
	"serve": `Usage: mvgen serve [flags]

Serves the API, renders videos and delivers callbacks. Data (SQLite database,
files, render scratch) goes to --data. Callbacks to loopback or private
addresses are refused unless --callback-allow-net allows them (make run
allows 127.0.0.0/8).
`,
	"render": `Usage: mvgen render AUDIO -o OUT.mp4 [flags]

Renders one video locally, without a server, or a kit of several.
Example: mvgen render song.mp3 -o video.mp4 --cover cover.jpg --title "My song"
Kit:     mvgen render song.mp3 -o videos/ --aspect 16:9,9:16,4:5 --clip auto:30
` + kitUsage + "\n",
	"receive": `Usage: mvgen receive [flags]

A callback receiver: verifies each callback's signature, answers 200 and
downloads the video into --out as music_video_<task_id>.mp4 with a .json
record. The secret is the webhookSecret of mvgen keys create: set
MVGEN_SECRET (comma-separated during a rotation: MVGEN_SECRET=NEW,OLD),
--secret-file, or --secret (repeatable). Its state (seen callbacks, the video
origin) is kept in --out/` + ".mvgen-receive.json" + `.
`,
	"video": `Usage: mvgen video SONG -o OUT.mp4 --key KEY [flags]

Makes a video on an mvgen server: uploads SONG, asks for a video, waits and
downloads it; or a kit of several videos of SONG, downloaded into a directory.
Kit: mvgen video song.mp3 -o videos/ --aspect 16:9,9:16,4:5 --clip auto:30
` + kitUsage + "\n",
	"migrate": `Usage: mvgen migrate [flags]

Creates or updates the database schema (serve also does this at start).
Given the operator key (--secret-key-file or MVGEN_SECRET_KEY), it also
seals the secrets stored in plain text, as serve does at start.
`,
	"backup": `Usage: mvgen backup --data DIR -o FILE.tar.gz [flags]

Copies the embedded default (the SQLite database and the file directory)
into one archive while mvgen serve runs: a snapshot of the database
(SQLite's VACUUM INTO), then the files it names, then a manifest with
every file's SHA-256. FILE.tar.gz is compressed, FILE.tar is not (videos
barely compress), - writes tar.gz to stdout. The archive holds every key's
webhook secret and upstream key and the link key, sealed when the server
runs with an operator key (--secret-key-file): then a restore needs that
key to start, and the archive does not hold it. It is written readable by
its owner only.
PostgreSQL (--db postgres://) and S3 (--blob s3://) are refused: back them
up with pg_dump and the bucket's versioning.
`,
	"restore": `Usage: mvgen restore FILE --data DIR [--force]

Puts an archive made by mvgen backup into DIR (DIR/mvgen.db, DIR/files),
after checking every file against the archive's manifest. It refuses a DIR
that holds anything unless --force (which replaces it), and a DIR a
running mvgen serve holds. Then start the server on DIR: tasks that were
pending at the backup finish and their callbacks are delivered.
`,
	"version": `Usage: mvgen version

Prints the version (set at build time: make build VERSION=1.4.0; "dev"
otherwise), the commit the binary was built from, "modified" when the tree
had uncommitted changes, and the Go version.
`,
	"keys create": `Usage: mvgen keys create --name NAME [--json] [flags]

Creates an API key and its webhook secret; both are shown only now.
`,
	"keys list": `Usage: mvgen keys list [--json] [flags]

Lists the keys: id, name, creation time, status and a secret rotation in progress.
`,
	"keys revoke": `Usage: mvgen keys revoke ID|NAME [flags]

Revokes a key (by its id or its name): it stops authenticating at once.
`,
	"keys new-secret-key": `Usage: mvgen keys new-secret-key [-o FILE]

Prints a new operator key: 32 random bytes as 64 hex digits. Given to mvgen
serve (--secret-key-file FILE, or the key itself in MVGEN_SECRET_KEY), it
seals the secrets the database keeps: every key's webhook secrets and
upstream key, and the link key. Give it to every command that opens the
database (serve, keys, migrate) and keep a copy apart from the backups:
without it, the secrets sealed with it are lost. -o writes it to a new
file, mode 0600.
`,
	"keys reseal": `Usage: mvgen keys reseal --old-key-file OLD (--secret-key-file NEW | --unseal) [flags]

Moves every secret the database keeps from the operator key in OLD to the
new one, in one transaction (nothing changes if one does not open), or
with --unseal back to plain text. Stop every node first: a node still
running with the old key fails to read what was moved. On the embedded
default it refuses while mvgen serve runs. Running it again changes
nothing. Then start the nodes with the new key.
`,
	"keys rotate-secret": `Usage: mvgen keys rotate-secret ID|NAME [--json] [flags]

Gives a key a new webhook secret; for 24 hours the old one signs as well, so
run your receiver with both meanwhile (mvgen receive: MVGEN_SECRET=NEW,OLD).
Updates DATA/demo-key.json when it holds this key.
`,
	"keys set-brand": `Usage: mvgen keys set-brand ID|NAME [--logo F.png] [--accent-color #rrggbb] [--theme NAME] [flags]
       mvgen keys set-brand ID|NAME --clear [flags]

Sets a key's brand (what PUT /api/v1/brand sets): a logo drawn in the
watermark's box before the domain (a PNG of at most 1 MiB and 1024 px a
side), an accent colour and a default theme, which every video the key asks
for gets where its request leaves them out. The flags given change their
fields and the others are kept; an empty value (--theme '') unsets one.
--clear deletes the brand. Tasks already made keep the brand they had.
`,
}

const keysUsage = `Usage: mvgen keys COMMAND [flags]

Commands:
  create --name NAME [--upstream-key K] [--json]
                                  create an API key and its webhook secret
  list [--json]                   list keys, their status and secret rotations
  revoke ID|NAME                  revoke a key
  rotate-secret ID|NAME [--json]  new webhook secret; the old one signs 24 h more
  set-upstream ID|NAME --upstream-key K | --clear
                                  the key's API key on the --upstream-url service
  set-brand ID|NAME [--logo F.png] [--accent-color #rrggbb] [--theme NAME] | --clear
                                  the key's brand: what its videos get where a
                                  request leaves a field out (PUT /api/v1/brand)
  new-secret-key [-o FILE]        a new operator key, which seals the secrets at rest
  reseal --old-key-file OLD (--secret-key-file NEW | --unseal)
                                  move the secrets to a new operator key

Every command but new-secret-key takes --data DIR (default ./mvgen-data) or
--db DSN, and the operator key the secrets are sealed with: --secret-key-file
FILE or MVGEN_SECRET_KEY.
Run 'mvgen keys COMMAND -h' for a command's flags.
`

// setUsage makes fs's -h print the command's help and its flags.
func setUsage(fs *flag.FlagSet, name string) {
	fs.Usage = func() {
		out := fs.Output()
		if h, ok := commandHelp[name]; ok {
			fmt.Fprint(out, h)
		} else {
			fmt.Fprintf(out, "Usage: mvgen %s [flags]\n", name)
		}
		fmt.Fprint(out, "\nFlags (each can also be set as MVGEN_<FLAG>, dashes as underscores):\n")
		fs.PrintDefaults()
	}
}
