#!/usr/bin/env bash
# A full patronblocks synchronization from the FOLIO simulator (release builds), timed from
# POST …/start until the job reads `done`. Prints one Markdown row per storage backend.
#   BENCH_LOANS (1000000), BENCH_ACCOUNTS (200000), BENCH_USERS (200000), BENCH_PAGE_SIZE (500)
#   BENCH_BACKENDS ("sqlite postgres"); PostgreSQL needs PATRONSYNC_TEST_POSTGRES_URL (bench.sh
#   starts one) — without it only SQLite runs.
#   BENCH_DESKS (0): that many circulation desks post check-outs throughout the sync
#   (scripts/bench-desks.py); the row then says how many were acknowledged and how many got 5xx.
#   BENCH_CONFIG (release): `debug` reuses the debug build (and says so in the row).
#   BENCH_BIN_DIR: patronblocks and folio-simulator built elsewhere (another commit's release
#   binaries), instead of this checkout's, so that two builds run through the same script.
#   BENCH_SIMULATOR: a folio-simulator binary to use instead of BENCH_BIN_DIR's, so that two
#   builds of patronblocks page the same upstream (older simulators render pages one at a time).
set -euo pipefail
cd "$(dirname "$0")/.."

LOANS="${BENCH_LOANS:-1000000}"
ACCOUNTS="${BENCH_ACCOUNTS:-200000}"
USERS="${BENCH_USERS:-200000}"
PAGE_SIZE="${BENCH_PAGE_SIZE:-500}"
BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"
DATA="${BENCH_DATA:-bench-data}"
DESKS="${BENCH_DESKS:-0}"
CONFIG="${BENCH_CONFIG:-release}"
mkdir -p "$DATA"
if [ -n "${BENCH_BIN_DIR:-}" ]; then
  BIN="$BENCH_BIN_DIR"
else
  swift build -c "$CONFIG" --product patronblocks >/dev/null
  swift build -c "$CONFIG" --product folio-simulator >/dev/null
  BIN="$(swift build -c "$CONFIG" --show-bin-path)"
fi

source scripts/services/postgres.sh   # free_port, wait_http, create_postgres_database

SIM_PORT="$(free_port)"
"${BENCH_SIMULATOR:-$BIN/folio-simulator}" --port "$SIM_PORT" --users "$USERS" --loans "$LOANS" --accounts "$ACCOUNTS" > "$DATA/simulator.log" 2>&1 &
SIM_PID=$!
PB_PID=""
DESK_PID=""
trap 'kill $SIM_PID 2>/dev/null || true; [ -n "$PB_PID" ] && kill $PB_PID 2>/dev/null || true; [ -n "$DESK_PID" ] && kill $DESK_PID 2>/dev/null || true' EXIT
wait_http "http://127.0.0.1:$SIM_PORT/users/00000000-0000-4000-8000-000000000000"

if [ "$DESKS" -gt 0 ]; then
  echo "| storage | open loans | accounts | page size | desks | check-outs acknowledged | answered 5xx | sync wall (s) | loans/s | build |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
else
  echo "| storage | open loans | accounts | page size | sync wall (s) | loans/s | records/s | patronblocks peak RSS (MiB) |"
  echo "|---|---|---|---|---|---|---|---|"
fi
for backend in $BACKENDS; do
  case "$backend" in
    sqlite) rm -f "$DATA/sync.sqlite"*; database="sqlite:$DATA/sync.sqlite" ;;
    postgres)
      [ -n "${PATRONSYNC_TEST_POSTGRES_URL:-}" ] || { echo "| PostgreSQL | (skipped: no PATRONSYNC_TEST_POSTGRES_URL) |"; continue; }
      db="bench_sync_$RANDOM"
      database="$(create_postgres_database "$db")" ;;
  esac
  PB_PORT="$(free_port)"
  # The URL holds the database password: it goes through the environment, never a flag (ps shows flags).
  PATRONBLOCKS_DATABASE_URL="$database" "$BIN/patronblocks" --port "$PB_PORT" --tenant bench --okapi-url "http://127.0.0.1:$SIM_PORT" \
    --page-size "$PAGE_SIZE" --poll-seconds 3600 --log-level warning > "$DATA/patronblocks-$backend.log" 2>&1 &
  PB_PID=$!
  wait_http "http://127.0.0.1:$PB_PORT/user-summary/x"
  api="http://127.0.0.1:$PB_PORT/automated-patron-blocks/synchronization"
  id=$(curl -s -H 'X-Okapi-Tenant: bench' -H 'Content-Type: application/json' -d '{"scope":"full"}' "$api/job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  start=$(date +%s.%N)
  curl -s -o /dev/null -X POST -H 'X-Okapi-Tenant: bench' "$api/start"
  if [ "$DESKS" -gt 0 ]; then
    python3 scripts/bench-desks.py "$PB_PORT" "$SIM_PORT" "$DESKS" bench > "$DATA/desks-$backend.txt" &
    DESK_PID=$!
  fi
  while :; do
    status=$(curl -s -H 'X-Okapi-Tenant: bench' "$api/job/$id" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["status"], j["numberOfProcessedLoans"], j["numberOfProcessedFeesFines"], len(j["errors"]))')
    case "$status" in done*|failed*) break ;; esac
    sleep 0.5
  done
  end=$(date +%s.%N)
  acknowledged=0; refused=0
  if [ -n "$DESK_PID" ]; then
    kill -TERM "$DESK_PID" 2>/dev/null || true; wait "$DESK_PID" || true; DESK_PID=""
    read -r acknowledged refused _ < "$DATA/desks-$backend.txt" || { echo "the desks stopped early: see $DATA/desks-$backend.txt" >&2; exit 1; }
  fi
  rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$PB_PID/status")
  kill "$PB_PID"; wait "$PB_PID" 2>/dev/null || true; PB_PID=""
  read -r state loans fees errors <<< "$status"
  [ "$state" = done ] || { echo "sync on $backend ended $state: see $DATA/patronblocks-$backend.log" >&2; exit 1; }
  python3 - <<PY
wall = $end - $start
name = {"sqlite": "SQLite file", "postgres": "PostgreSQL"}["$backend"]
if $DESKS > 0:
    print(f"| {name} | {$loans:,} | {$fees:,} | $PAGE_SIZE | $DESKS | {$acknowledged:,} | {$refused:,} | {wall:.1f} | {$loans / wall:,.0f} | $CONFIG |")
else:
  print(f"| {name} | {$loans:,} | {$fees:,} | $PAGE_SIZE | {wall:.1f} | {$loans / wall:,.0f} | {($loans + $fees) / wall:,.0f} | {$rss_kb / 1024:.0f} |")
PY
done
