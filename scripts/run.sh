#!/usr/bin/env bash
# make run: start mvgen on its embedded default (SQLite + files in $DATA),
# creating a demo API key on the first run.
set -euo pipefail
: "${DATA:=./mvgen-data}" "${ADDR:=127.0.0.1:8080}" "${METRICS_ADDR:=127.0.0.1:9464}" "${BIN:=bin/mvgen}"

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
