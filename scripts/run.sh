#!/usr/bin/env bash
# make run: start mvgen on its embedded default (SQLite + files in $DATA),
# creating a demo API key on the first run.
set -euo pipefail
: "${DATA:=./mvgen-data}" "${ADDR:=127.0.0.1:8080}" "${METRICS_ADDR:=127.0.0.1:9464}" "${BIN:=bin/mvgen}"

# Check what would stop `mvgen serve` before printing the banner or making a
# key, and name make's variables (ADDR=, METRICS_ADDR=, DATA=) in the hints.
taken() { # taken HOST:PORT: something accepts connections there
  local host=${1%:*} port=${1##*:}
  [ "$port" != 0 ] && (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}
if taken "$ADDR"; then
  echo "make run: $ADDR is taken (another mvgen, or another program, listens there); choose another port: make run ADDR=127.0.0.1:8090" >&2
  exit 1
fi
if [ "$METRICS_ADDR" != off ] && taken "$METRICS_ADDR"; then
  echo "make run: the metrics address $METRICS_ADDR is taken; choose another: make run METRICS_ADDR=127.0.0.1:9465 (or METRICS_ADDR=off)" >&2
  exit 1
fi
if ! mkdir -p "$DATA" 2>/dev/null || [ ! -w "$DATA" ] || [ ! -d "$DATA" ]; then
  echo "make run: the data directory $DATA cannot be created or written; choose another: make run DATA=./mvgen-data2" >&2
  exit 1
fi
if [ -e "$DATA/mvgen.lock" ] && command -v flock >/dev/null && ! flock -n "$DATA/mvgen.lock" true; then
  echo "make run: $DATA is in use by another mvgen serve; stop it, or choose another directory: make run DATA=./mvgen-data2" >&2
  exit 1
fi

keyfile="$DATA/demo-key.json"
if [ ! -s "$keyfile" ]; then
  mkdir -p "$DATA"
  umask 077
  "$BIN" keys create --name demo --json --data "$DATA" > "$keyfile"
  echo "Created a demo API key (saved in $keyfile):"
else
  echo "Demo API key (from $keyfile):"
fi
api_key=$(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$keyfile")
secret=$(sed -n 's/.*"webhookSecret":"\([^"]*\)".*/\1/p' "$keyfile")
base="http://$ADDR"
cat <<MSG

  API key:        $api_key
  Webhook secret: $secret
  Base URL:       $base
  Metrics:        http://$METRICS_ADDR/metrics (this machine only; --metrics-addr)

In a browser: open $base/ (the dashboard) and sign in with the API key.
From a terminal (upload a track, then make a video of it):

  curl -s -H "Authorization: Bearer $api_key" -F audio=@song.mp3 -F title="My song" $base/api/v1/tracks

Callbacks and source downloads may reach this machine's loopback addresses
(--callback-allow-net and --source-allow-net 127.0.0.0/8),
so a receiver such as 'MVGEN_SECRET=$secret bin/mvgen receive --video-origin $base' works locally.
Stop with Ctrl-C.

MSG
exec "$BIN" serve --data "$DATA" --addr "$ADDR" --metrics-addr "$METRICS_ADDR" --callback-allow-net 127.0.0.0/8 --source-allow-net 127.0.0.0/8
