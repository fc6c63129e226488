#!/usr/bin/env bash
# scripts/themes.sh: the pictures of docs/themes.md and the dashboard's theme
# picker. Renders a 12 s synthetic song with a cover and synced lyrics in
# every theme this build draws (`mvgen render -h` lists them) and every
# aspect, and keeps one frame of each (at 7 s: the intro card is over and a
# lyric line is being sung) as a small JPEG:
#   docs/themes/THEME-ASPECT.jpg              320 px on the long side
#   internal/dashboard/static/themes/THEME.jpg  16:9, 240×135, the picker's preview
# and writes docs/themes.md around them. Run it after changing a theme:
#   ./scripts/themes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/mvgen ./cmd/mvgen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

themes=$(bin/mvgen render -h 2>&1 | sed -n 's/.*the look: \([a-z, ]*\).*/\1/p' | tr -d ',')
[ -n "$themes" ] || { echo "themes.sh: mvgen render -h lists no themes" >&2; exit 1; }

# The song: a bass line under a chord that swells twice a second, with a kick
# on the beat, so that every look has something to move with.
ffmpeg -loglevel error -f lavfi -i "aevalsrc=exprs='0.35*sin(2*PI*(55+27.5*mod(floor(t/2),4))*t)+0.25*sin(2*PI*330*t)*(0.5+0.5*sin(2*PI*2*t))+0.15*sin(2*PI*495*t)+0.6*sin(2*PI*60*t)*exp(-12*mod(t,0.5))':s=44100:d=12" \
  -c:a libmp3lame -b:a 128k "$work/song.mp3"
ffmpeg -loglevel error -f lavfi -i "mandelbrot=s=800x800" -frames:v 1 -q:v 3 "$work/cover.jpg"
cat >"$work/song.lrc" <<'LRC'
[00:00.50]Lights along the river
[00:04.00]Every window sings
[00:06.50]夜のドライブ, the city hums
[00:10.00]Hold the night
LRC

mkdir -p docs/themes internal/dashboard/static/themes
rm -f docs/themes/*.jpg internal/dashboard/static/themes/*.jpg
{
  echo "# Themes"
  echo
  echo "Every look mvgen draws, in every shape, one frame each (7 s into a 12 s song with"
  echo "a cover and synced lyrics). Ask for one with \`\"theme\"\` in generate, \`--theme\` in"
  echo "\`mvgen render\` and \`mvgen video\`, or the dashboard's theme picker; docs/API.md §6.6"
  echo "describes each. These pictures are made by \`./scripts/themes.sh\`."
} >"$work/themes.md"
for theme in $themes; do
  printf '\n## %s\n\n' "$theme" >>"$work/themes.md"
  row="|" sep="|" head="|"
  for aspect in 16:9 1:1 9:16 4:5; do
    name="$theme-${aspect/:/x}"
    echo "themes.sh: $name" >&2
    bin/mvgen render "$work/song.mp3" -o "$work/$name.mp4" --cover "$work/cover.jpg" --lyrics "$work/song.lrc" \
      --title "Night Drive" --author "mvgen" --domain "mvgen.example.com" --theme "$theme" --aspect "$aspect" >/dev/null 2>&1
    ffmpeg -loglevel error -ss 7 -i "$work/$name.mp4" -frames:v 1 \
      -vf "scale='if(gt(iw,ih),320,-2)':'if(gt(iw,ih),-2,320)':flags=lanczos" -q:v 6 "docs/themes/$name.jpg"
    head+=" $aspect |" sep+="---|" row+=" ![$theme, $aspect](themes/$name.jpg) |"
  done
  printf '%s\n%s\n%s\n' "$head" "$sep" "$row" >>"$work/themes.md"
  ffmpeg -loglevel error -ss 7 -i "$work/$theme-16x9.mp4" -frames:v 1 -vf "scale=240:135:flags=lanczos" -q:v 7 \
    "internal/dashboard/static/themes/$theme.jpg"
done
mv "$work/themes.md" docs/themes.md
echo "themes.sh: wrote docs/themes.md, docs/themes/*.jpg and internal/dashboard/static/themes/*.jpg" >&2
