#!/usr/bin/env bash
# Makes sure a local PostgreSQL serves the tests and prints their DSN.
# Installs PostgreSQL with apt-get when missing, starts the cluster, and
# creates the role and database once. Safe to run again.
set -euo pipefail
# Only the DSN goes to standard output; everything else (pg_ctlcluster says
# "Removed stale pid file." there) goes to standard error.
exec 3>&1 1>&2
dsn="postgres://mvgen:mvgen@127.0.0.1:5432/mvgen_test?sslmode=disable"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "postgres: installing PostgreSQL with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq 3>&-
  $sudo apt-get install -y -qq postgresql >/dev/null 3>&-
fi
version=$(ls /etc/postgresql | sort -V | tail -1)
online() { pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; }
# A server that was killed (as a session's processes are before CI) leaves
# its socket lock behind, and a new one refuses to start: clear stale ones.
clear_stale_locks() {
  for lock in /var/run/postgresql/.s.PGSQL.*.lock; do
    [ -e "$lock" ] || continue
    pid=$(head -n 1 "$lock" 2>/dev/null || true)
    state=$(ps -p "${pid:-0}" -o stat= 2>/dev/null | tr -d " " || true)
    case "$state" in
      Z*|"") echo "postgres: removing stale $lock" >&2; $sudo rm -f "$lock" "${lock%.lock}" ;;
    esac
  done
}
for attempt in 1 2 3 4 5; do
  online && break
  clear_stale_locks
  echo "postgres: starting cluster $version/main" >&2
  $sudo pg_ctlcluster "$version" main start 3>&- && break
  [ "$attempt" -lt 5 ] || { echo "postgres: could not start $version/main (see its log)" >&2; exit 1; }
  sleep 1
done
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
as_postgres() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
if ! as_postgres "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'mvgen'\"" | grep -q 1; then
  as_postgres "psql -qc \"CREATE ROLE mvgen LOGIN SUPERUSER PASSWORD 'mvgen'\""
fi
if ! as_postgres "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'mvgen_test'\"" | grep -q 1; then
  as_postgres "createdb -O mvgen mvgen_test"
fi
echo "$dsn" >&3
