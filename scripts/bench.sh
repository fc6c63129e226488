#!/usr/bin/env bash
# make bench: the figures the issues ask for, measured on this machine.
#   1. the renderer on a 180 s track with lyrics, at 720p and 1080p: × real time,
#      peak PSS (and RSS) of its process tree, video bit rate, and
#      render time over a bare x264 encode of the same frames (one ffmpeg, and the
#      render's own parallel encoders reading the frames from a file)
#   2. submit-to-callback time for a 30 s track through the service; callback
#      latency from task completion (p50, p95); deliveries per second and
#      generate requests per second with p99 latency, on SQLite and PostgreSQL
#   3. idle RSS of `mvgen serve`
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/mvgen ./cmd/mvgen
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true' EXIT

# 1. The renderer on a 180 s track with lyrics at 720p30 and 1080p30: × real time,
#    peak PSS of the whole render (Go process + its ffmpeg children, shared pages
#    split among them; and RSS), video bit rate, and the ratio of
#    render wall time to a bare x264 encode of the same frames with the same settings
#    (encode_ratio: one ffmpeg; parallel_ratio: the render's parallel encoders),
#    the same render with ffmpeg processes as encoders (ffmpeg_encoders_ratio), and the
#    render's wall time over its CPU time spread over the cores (cpu_bound_ratio).
go test ./internal/render -run '^$' -bench Render180s -benchtime 1x | grep Benchmark
# With MVGEN_BENCH_LONG=1, also the peak PSS of one render of a 15-minute track at 720p and
# at 1080p (about 3 min).
if [ -n "${MVGEN_BENCH_LONG:-}" ]; then
  go test ./internal/render -run '^$' -bench Render15min -benchtime 1x | grep Benchmark
fi

export MVGEN_TEST_POSTGRES="${MVGEN_TEST_POSTGRES:-$(scripts/postgres.sh)}"
go test ./internal/server -run '^$' -bench 'SubmitToCallback30s|CallbackLatency|DeliveryThroughput|Generate' -benchtime 1x | grep Benchmark

bin/mvgen serve --data "$work/data" --addr 127.0.0.1:0 --metrics-addr off 2>/dev/null &
pid=$!
sleep 10
printf 'idle RSS of mvgen serve: %d MiB\n' "$(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 ))"
