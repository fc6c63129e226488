#!/usr/bin/env bash
# Installs what mvgen needs and is missing: ffmpeg, libx264's headers and a
# C compiler (the renderer encodes with libx264 in process, through cgo), a
# font with CJK coverage, Noto's faces for the scripts it lacks (Arabic,
# Hebrew, Thai, Indic, …), Chromium (the dashboard's browser test drives it
# headless), nginx, Caddy and systemd-analyze (the deploy tests run the
# shipped proxy configurations and check the systemd unit) and the Go
# modules. Safe to run again.
set -euo pipefail

need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
[ -e /usr/include/x264.h ] || need+=(libx264-dev)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
[ -e /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf ] || need+=(fonts-noto-core)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -x /usr/bin/time ] || need+=(time) # make bench's sizing step measures CPU time and peak RSS with GNU time
command -v strace >/dev/null 2>&1 || need+=(strace) # the tests that check fsync order watch system calls
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd) # the deploy test verifies mvgen.service with it
# The deploy tests run nginx and Caddy, each on loopback with its own configuration.
proxies=()
[ -x /usr/sbin/nginx ] || proxies+=(nginx)
[ -x /usr/bin/caddy ] || proxies+=(caddy)

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
updated=""

if [ ${#need[@]} -gt 0 ]; then
  echo "deps: installing ${need[*]} with apt-get" >&2
  $sudo apt-get update -qq
  updated=1
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Installed, the nginx and caddy packages would start their services on port
# 80 and enable them at boot. The tests need the programs only: a policy-rc.d
# keeps the services from starting during the install (when the system has
# none), and they are left disabled.
if [ ${#proxies[@]} -gt 0 ]; then
  echo "deps: installing ${proxies[*]} for the deploy tests, without starting or enabling their services" >&2
  [ -n "$updated" ] || $sudo apt-get update -qq
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# scripts/deps.sh: no service starts while it installs nginx and caddy\nexit 101\n' \
      | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  status=0
  $sudo apt-get install -y -qq --no-install-recommends "${proxies[@]}" >/dev/null || status=$?
  [ -z "$made_policy" ] || $sudo rm -f /usr/sbin/policy-rc.d
  [ "$status" -eq 0 ] || exit "$status"
  if [ -d /run/systemd/system ]; then
    for p in "${proxies[@]}"; do
      $sudo systemctl disable --quiet "$p.service" || true
    done
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  echo "deps: Go is not installed; install Go 1.26 or newer (https://go.dev/dl/) and run again" >&2
  exit 1
fi
go mod download
