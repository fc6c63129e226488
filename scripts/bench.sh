#!/usr/bin/env bash
# make bench: the figures the issues ask for, measured on this machine.
#   1. wall time to render a 180 s track with `mvgen render`, × real time, peak RSS
#   2. submit-to-callback time for a 30 s track through the service; callback
#      latency from task completion (p50, p95); deliveries per second and
#      generate requests per second with p99 latency, on SQLite and PostgreSQL
#   3. idle RSS of `mvgen serve`
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/mvgen ./cmd/mvgen
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true' EXIT

ffmpeg -v error -y -f lavfi -i "sine=frequency=220:duration=120" -f lavfi -i "anoisesrc=d=60:c=pink:a=0.3" \
  -filter_complex "[0][1]concat=n=2:v=0:a=1,aformat=channel_layouts=stereo" -b:a 192k "$work/t180.mp3"
ffmpeg -v error -y -f lavfi -i "color=c=0x336699:s=800x800:d=1" -frames:v 1 "$work/cover.png"

start=$(date +%s.%N)
/usr/bin/env time -f "%M" -o "$work/rss" bin/mvgen render "$work/t180.mp3" -o "$work/t180.mp4" \
  --cover "$work/cover.png" --title "Benchmark track" --author "mvgen" --domain example.com >/dev/null
end=$(date +%s.%N)
wall=$(echo "$end - $start" | bc -l)
bitrate=$(ffprobe -v error -select_streams v:0 -show_entries stream=bit_rate -of csv=p=0 "$work/t180.mp4")
printf 'render 180 s track:  %.1f s wall, %.2f× real time, peak RSS %d MiB, video %d kbit/s\n' \
  "$wall" "$(echo "180 / $wall" | bc -l)" "$(( $(cat "$work/rss") / 1024 ))" "$(( bitrate / 1000 ))"

export MVGEN_TEST_POSTGRES="${MVGEN_TEST_POSTGRES:-$(scripts/postgres.sh)}"
go test ./internal/server -run '^$' -bench 'SubmitToCallback30s|CallbackLatency|DeliveryThroughput|Generate' -benchtime 1x | grep Benchmark

bin/mvgen serve --data "$work/data" --addr 127.0.0.1:0 2>/dev/null &
pid=$!
sleep 10
printf 'idle RSS of mvgen serve: %d MiB\n' "$(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 ))"
