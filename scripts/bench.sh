#!/usr/bin/env bash
# make bench: the figures the issues ask for, measured on this machine.
#   1. the renderer on a 180 s track with lyrics, at 720p and 1080p: × real time,
#      peak PSS (and RSS) of its process tree, video bit rate, and
#      render time over a bare x264 encode of the same frames (one ffmpeg, and the
#      render's own parallel encoders reading the frames from a file); each other
#      theme's speed against the bars theme's; and a kit of four videos of it against
#      the same videos rendered one by one
#   2. submit-to-callback time for a 30 s track through the service; callback
#      latency from task completion (p50, p95); deliveries per second and
#      generate requests per second with p99 latency, on SQLite and PostgreSQL
#   3. idle RSS of `mvgen serve`
#   4. sizing: `mvgen render` of a 3-minute song with lyrics at 720p30, 1080p30 and 720p60 as one
#      process, its CPU time and peak RSS by GNU time, and what they make per core-hour
#      (the README's sizing table)
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/mvgen ./cmd/mvgen
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true' EXIT

# 1. The renderer on a 180 s track with lyrics at 720p30, 1080p30 and 720p60: × real time,
#    peak PSS of the whole render (Go process + its ffmpeg children, shared pages
#    split among them; and RSS), video bit rate, and the ratio of
#    render wall time to a bare x264 encode of the same frames with the same settings
#    (encode_ratio: one ffmpeg; parallel_ratio: the render's parallel encoders),
#    the same render with ffmpeg processes as encoders (ffmpeg_encoders_ratio), and the
#    render's wall time over its CPU time spread over the cores (cpu_bound_ratio).
#    Then the wave, lyric and radial themes at 720p30 and 1080p30, each against the bars
#    theme in the same rounds: × real time, speed_vs_bars (bars' wall time over the
#    theme's; the goal is at least 0.8) and cpu_vs_bars (the same with CPU seconds).
go test ./internal/render -run '^$' -bench Render180s -benchtime 1x | grep Benchmark
# A kit of the same track (16:9 720p, 9:16 720p, 4:5 and a 30 s 9:16 clip): its wall time, the
# same four videos rendered one request each (kit_ratio = kit_s / separate_s), the kit with its
# renditions overlapped instead, and the kit's peak PSS.
go test ./internal/render -run '^$' -bench Kit180s -benchtime 1x | grep Benchmark
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

# 4. Sizing (720p30, 1080p30, 720p60): one `mvgen render` process (what a render worker does, without the
#    service around it) of a 180 s song with a cover and a lyric line every 3 s:
#    renders per core-hour = 3600 / CPU seconds (user + system, ffmpeg's included). Both
#    CPU and wall time read higher on a busy machine; measure on an idle one.
ffmpeg -v error -f lavfi -i "aevalsrc='0.3*sin(2*PI*(110+55*mod(floor(t*2),4))*t)+0.2*sin(2*PI*440*t)*exp(-8*mod(t,0.5))':s=44100:d=180" \
  -ac 2 -b:a 192k "$work/song.mp3"
ffmpeg -v error -f lavfi -i testsrc2=s=1000x1000:d=1 -frames:v 1 "$work/cover.jpg"
awk 'BEGIN { for (i = 0; i < 60; i++) printf "[%02d:%02d.00]Line %d of the song, sung along\n", int(i*3/60), (i*3)%60, i+1 }' >"$work/song.lrc"
for look in 720p:30 1080p:30 720p:60; do
  res=${look%:*} fps=${look#*:}
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" bin/mvgen render "$work/song.mp3" -o "$work/$res$fps.mp4" \
    --cover "$work/cover.jpg" --title "Sizing" --author "mvgen" --domain example.com --lyrics "$work/song.lrc" \
    --resolution "$res" --fps "$fps" >/dev/null 2>&1
  read -r wall user sys maxrss <"$work/time"
  awk -v r="$res$fps" -v w="$wall" -v u="$user" -v s="$sys" -v m="$maxrss" -v c="$(nproc)" 'BEGIN {
    cpu = u + s
    printf "sizing %s: 180 s song rendered in %.1f s wall (%.1fx real time on %d cores), %.1f CPU s, %.0f renders of 3 min per core-hour, peak RSS %.0f MiB\n",
      r, w, 180 / w, c, cpu, 3600 / cpu, m / 1024 }'
done
