#!/usr/bin/env bash
# Installs what mvgen needs and is missing: ffmpeg, libx264's headers and a
# C compiler (the renderer encodes with libx264 in process, through cgo), a
# font with CJK coverage, Noto's faces for the scripts it lacks (Arabic,
# Hebrew, Thai, Indic, …), Chromium (the dashboard's browser test drives it
# headless) and the Go modules. Safe to run again.
set -euo pipefail

need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
[ -e /usr/include/x264.h ] || need+=(libx264-dev)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
[ -e /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf ] || need+=(fonts-noto-core)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v strace >/dev/null 2>&1 || need+=(strace) # the tests that check fsync order watch system calls

if [ ${#need[@]} -gt 0 ]; then
  echo "deps: installing ${need[*]} with apt-get" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v go >/dev/null 2>&1; then
  echo "deps: Go is not installed; install Go 1.26 or newer (https://go.dev/dl/) and run again" >&2
  exit 1
fi
go mod download
