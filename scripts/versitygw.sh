#!/usr/bin/env bash
# versitygw: the S3-compatible server that mvgen's S3 blob store is tested
# against (Versity S3 Gateway, posix backend, single account).
#
#   scripts/versitygw.sh path             install if missing, print the binary's path
#   scripts/versitygw.sh start DIR PORT   serve DIR on 127.0.0.1:PORT, pid in DIR/.pid
#   scripts/versitygw.sh stop DIR         stop the server started on DIR
#
# The binary is built once with `go install` into ${MVGEN_TOOLS:-$HOME/.cache/mvgen/bin}
# under a versioned name, so a reused machine skips the build (the first
# build takes minutes). Credentials: access key "mvgen", secret "mvgensecret",
# region us-east-1. Buckets are the subdirectories of DIR; the server's output
# goes to DIR/.log.
#
# If VERSITYGW_OWNER_PID is set at start, the server is also stopped when that
# process exits, so a test binary that dies does not leave it running.
set -euo pipefail

VERSION=v1.8.0
PKG=github.com/versity/versitygw/cmd/versitygw
TOOLS="${MVGEN_TOOLS:-$HOME/.cache/mvgen/bin}"
BIN="$TOOLS/versitygw-$VERSION"
ACCESS=mvgen
SECRET=mvgensecret

die() { echo "versitygw.sh: $*" >&2; exit 1; }

install() {
  [ -x "$BIN" ] && return 0
  command -v go >/dev/null 2>&1 || die "go is not installed; it is needed to build versitygw $VERSION"
  mkdir -p "$TOOLS"
  # One build at a time: test binaries of several packages may ask at once.
  exec 9>"$TOOLS/.versitygw.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if [ -x "$BIN" ]; then
    exec 9>&-
    return 0
  fi
  local tmp
  tmp="$(mktemp -d "$TOOLS/.install-XXXXXX")"
  echo "versitygw.sh: building versitygw $VERSION into $TOOLS (first time only, takes a few minutes)" >&2
  # Outside any module, so the project's go.mod and GOFLAGS=-mod=... play no part.
  if ! (cd "$tmp" && GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "$PKG@$VERSION" >&2); then
    rm -rf "$tmp"
    die "go install $PKG@$VERSION failed"
  fi
  mv "$tmp/versitygw" "$BIN"
  rm -rf "$tmp"
  exec 9>&- # the lock must not pass to the server started next
}

# answers PORT: the gateway's health endpoint says OK.
answers() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$1/health" 2>/dev/null
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

start() {
  local dir="$1" port="$2"
  [[ "$port" =~ ^[0-9]+$ ]] || die "start: PORT must be a number, got '$port'"
  install
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ -f "$dir/.pid" ] && kill -0 "$(cat "$dir/.pid")" 2>/dev/null; then
    die "start: already running on $dir (pid $(cat "$dir/.pid"))"
  fi
  # Credentials through the environment, so they are not in the process list.
  ROOT_ACCESS_KEY="$ACCESS" ROOT_SECRET_KEY="$SECRET" \
    nohup "$BIN" --port "127.0.0.1:$port" --region us-east-1 --health /health --quiet \
    posix "$dir" >"$dir/.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$dir/.pid"
  if [ -n "${VERSITYGW_OWNER_PID:-}" ]; then
    local owner="$VERSITYGW_OWNER_PID"
    (
      while kill -0 "$owner" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
      kill "$pid" 2>/dev/null || true
    ) >/dev/null 2>&1 </dev/null &
  fi
  local i
  for ((i = 0; i < 100; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$dir/.pid"
      cat "$dir/.log" >&2
      die "start: versitygw exited before it answered on 127.0.0.1:$port"
    fi
    if answers "$port"; then
      return 0
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  rm -f "$dir/.pid"
  cat "$dir/.log" >&2
  die "start: versitygw did not answer on 127.0.0.1:$port within 10 s"
}

stop() {
  local dir="$1" pid i
  [ -f "$dir/.pid" ] || return 0
  pid="$(cat "$dir/.pid")"
  if kill "$pid" 2>/dev/null; then
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/.pid"
}

case "${1:-}" in
path)
  install
  echo "$BIN"
  ;;
start)
  [ $# -eq 3 ] || die "usage: $0 start DIR PORT"
  start "$2" "$3"
  ;;
stop)
  [ $# -eq 2 ] || die "usage: $0 stop DIR"
  stop "$2"
  ;;
*)
  die "usage: $0 path | start DIR PORT | stop DIR"
  ;;
esac
