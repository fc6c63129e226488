// Command mvgen is the one binary of mvgen: the service (serve), its
// operator commands (keys, migrate), a local renderer (render), a client of
// a server (video) and a ready callback receiver (receive). Flags are read
// here only; every flag can also be set with MVGEN_<FLAG_NAME> (dashes
// become underscores), and flags win.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mvgen/mvgen/internal/server"
)

const usage = `mvgen turns tracks into music videos and calls you back when they are ready.

Usage:
  mvgen serve   [--data DIR] [--addr HOST:PORT] [--public-url URL] [--callback-allow-net CIDR]... [--upstream-url URL]
  mvgen keys    create --name NAME [--upstream-key K] [--json] | list | revoke ID | rotate-secret ID
                | set-upstream ID (--upstream-key K | --clear) | new-secret-key [-o FILE]
                | reseal --old-key-file OLD (--secret-key-file NEW | --unseal)
  mvgen render  AUDIO -o OUT.mp4 [--cover IMG] [--title T] [--author A] [--domain D] [--aspect 16:9|1:1|9:16|4:5]
  mvgen receive [--addr HOST:PORT] [--out DIR] [--video-origin URL]  (secret: MVGEN_SECRET or --secret-file)
  mvgen video   SONG -o OUT.mp4 --server URL --key KEY [--cover IMG] [--title T] [--author A] [--domain D] [--aspect A]
  mvgen migrate [--data DIR] [--secret-key-file FILE]
  mvgen backup  --data DIR -o FILE.tar.gz   (the embedded default: SQLite and files, while serve runs)
  mvgen restore FILE.tar.gz --data DIR [--force]
  mvgen version

Run 'mvgen COMMAND -h' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first SIGINT or SIGTERM ends ctx: serve stops taking work and gives
	// running renders --shutdown-grace. Then the signals' default action
	// returns, so a second one stops the process at once (its ffmpeg
	// processes die with it: internal/render/ffmpeg.Isolate).
	go func() { <-ctx.Done(); stop() }()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errUsage) {
		fmt.Fprintln(os.Stderr, "mvgen:", err)
	}
	os.Exit(exitCode(err))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, args, stderr)
	case "keys":
		return keys(ctx, args, stdout, stderr)
	case "render":
		return renderCmd(ctx, args, stdout, stderr)
	case "receive":
		return receive(ctx, args, stderr)
	case "migrate":
		return migrate(ctx, args, stdout, stderr)
	case "video":
		return videoCmd(ctx, args, stdout, stderr)
	case "backup":
		return backupCmd(ctx, args, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, args, os.Stdin, stdout, stderr)
	case "version", "--version":
		return versionCmd(args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// newFlags returns a FlagSet for a subcommand that prints its usage to w.
func newFlags(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mvgen "+name, flag.ContinueOnError)
	fs.SetOutput(w)
	setUsage(fs, name)
	return fs
}

// parse applies MVGEN_* environment variables to flags not given on the
// command line, and lets positional arguments stand between flags. It
// returns the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := "MVGEN_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := os.LookupEnv(env)
		if set[f.Name] || !ok || err != nil {
			return
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = fmt.Errorf("%s=%q: %w", env, v, serr)
		}
	})
	return positional, err
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

// Set appends; from the environment, a comma-separated list.
func (m *multiFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*m = append(*m, s)
		}
	}
	return nil
}

// offFlag is the flag of a server.Config setting that can be turned off.
// It reads a positive value, or "off", 0 or a negative value, which all
// store server.Off: on the command line, as usual for flags, 0 is off,
// since a flag's default is shown and never needs spelling; in Config, 0
// is the default (the zero Config works), so off is Off there, and the
// flag writes it as Config reads it. It prints "off" for server.Off.
type offFlag[T int | int64 | time.Duration] struct {
	v     *T
	parse func(string) (T, error)
	what  string // what parse reads, for the error
}

func offInt(v *int) *offFlag[int] {
	return &offFlag[int]{v: v, parse: strconv.Atoi, what: "a whole number"}
}

func offInt64(v *int64) *offFlag[int64] {
	parse := func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
	return &offFlag[int64]{v: v, parse: parse, what: "a whole number"}
}

func offDuration(v *time.Duration) *offFlag[time.Duration] {
	return &offFlag[time.Duration]{v: v, parse: time.ParseDuration, what: "a duration such as 720h"}
}

func (f *offFlag[T]) String() string {
	switch {
	case f.v == nil: // the zero value flag.PrintDefaults compares with
		return ""
	case *f.v < 0:
		return "off"
	}
	return fmt.Sprint(*f.v)
}

// Set implements flag.Value.
func (f *offFlag[T]) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "off" {
		*f.v = server.Off
		return nil
	}
	v, err := f.parse(s)
	if err != nil {
		return fmt.Errorf("want %s, or off", f.what)
	}
	if v <= 0 {
		v = server.Off
	}
	*f.v = v
	return nil
}
