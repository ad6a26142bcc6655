#!/usr/bin/env bash
# Load benchmark of collaboration pages with the demo plus 200 synthetic bodies, 5,000
# sessions and 50,000 agreements, as ratios against the static route of the same server in the
# same run (wrk: 1 thread, 64 connections, 10 s, loopback): a body page, the cross-body
# agreement tracker (first page, overdue only) and the iCalendar feed of every session.
# Each route is measured as visitors get it (page cache on) and rendered on every request
# (cache off).
# Usage: bench/bodies.sh [sqlite|postgres]   (postgres uses TEQUIO_BENCH_POSTGRES_URL)
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-sqlite}
command -v wrk > /dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null; }
[ -n "${TEQUIO_BENCH_NO_BUILD:-}" ] || cargo build --release --bin tequio
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
args=(--data-dir "$work/data")
if [ "$engine" = postgres ]; then
  url=${TEQUIO_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/tequio_bench}
  psql "${url%/*}/postgres" -qc "DROP DATABASE IF EXISTS ${url##*/}" -c "CREATE DATABASE ${url##*/}" > /dev/null
  args+=(--database-url "$url")
fi
TEQUIO_LOG=warn ./target/release/tequio "${args[@]}" demo > /dev/null
start=$(date +%s)
body=$(TEQUIO_LOG=warn ./target/release/tequio "${args[@]}" synthetic-bodies --bodies 200 --sessions 5000 --agreements 50000)
echo "synthetic bodies loaded in $(( $(date +%s) - start )) s"
port=18182
base="http://127.0.0.1:$port"

run() { # path [header] → "req/s p99"
  if [ -n "${2:-}" ]; then
    wrk -t1 -c64 -d10s --latency -H "$2" "$base$1" > "$work/wrk.txt"
  else
    wrk -t1 -c64 -d10s --latency "$base$1" > "$work/wrk.txt"
  fi
  local rps p99
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  echo "$rps $p99"
}

for cache in on off; do
  TEQUIO_PAGE_CACHE=$cache TEQUIO_LOG=error ./target/release/tequio "${args[@]}" serve --bind "127.0.0.1:$port" > "$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 50); do curl -fs "$base/healthz" > /dev/null && break; sleep 0.2; done
  wrk -t1 -c64 -d3s "$base/robots.txt" > /dev/null # warm-up
  read -r static_rps static_p99 < <(run /robots.txt)
  echo
  echo "engine: $engine, page cache: $cache"
  printf '%-44s %10s %8s %10s %10s\n' route "req/s" ratio p99 bytes
  printf '%-44s %10.0f %8s %10s %10s\n' "/robots.txt (static)" "$static_rps" "1.00" "$static_p99" "-"
  for spec in "/organos/$body|" "/acuerdos?vencidos=1|" "/calendario.ics?tipo=sesiones|"; do
    path=${spec%%|*}; header=${spec#*|}
    bytes=$(curl -s -o /dev/null -w '%{size_download}' ${header:+-H "$header"} "$base$path")
    read -r rps p99 < <(run "$path" "$header")
    ratio=$(awk -v a="$rps" -v b="$static_rps" 'BEGIN {printf "%.2f", a / b}')
    label=$path; [ -n "$header" ] && label="$path (gzip)"
    printf '%-44s %10.0f %8s %10s %10s\n' "$label" "$rps" "$ratio" "$p99" "$bytes"
  done
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  echo "server resident memory after the load: $((rss / 1024)) MB"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
