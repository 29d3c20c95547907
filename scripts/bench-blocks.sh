#!/usr/bin/env bash
# patronblocks under HTTP load from a second process (wrk, loopback), release builds:
#   - block checks: GET /automated-patron-blocks/{userId} for random users, after a full
#     synchronization from the simulator (60,000 open loans over 20,000 users) and with limits on
#     three conditions for every group, the group cache warm (FOLIO's users module is the
#     simulator);
#   - events: POST …/handlers/item-checked-out for random users, new loans (each stored and
#     applied before its 204);
#   - a bare Hummingbird route answering the same empty body, as the floor.
# One Markdown row per measurement. BENCH_LOADS ("checks events"; "events" skips the bare route and
# the checks, keeping the warm-up), BENCH_BACKENDS ("sqlite postgres"), BENCH_SECONDS (10),
# BENCH_CONNECTIONS (32), BENCH_BIN_DIR (release binaries built elsewhere, e.g. another commit's,
# instead of this checkout's), BENCH_POSTGRES_SSLMODE (the test server speaks TLS and the URL leaves
# sslmode to its default, prefer; "disable" measures the plain connection FOLIO modules use unless
# DB_SERVER_PEM is set). PostgreSQL needs PATRONSYNC_TEST_POSTGRES_URL (bench.sh starts one).
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"
LOADS="${BENCH_LOADS:-checks events}"
SECONDS_EACH="${BENCH_SECONDS:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
DATA="${BENCH_DATA:-bench-data}"
mkdir -p "$DATA"
if [ -n "${BENCH_BIN_DIR:-}" ]; then
  BIN="$BENCH_BIN_DIR"
else
  for product in patronblocks folio-simulator patronsync-bench; do swift build -c release --product "$product" >/dev/null; done
  BIN="$(swift build -c release --show-bin-path)"
fi

source scripts/services/postgres.sh   # free_port, wait_http, create_postgres_database
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# wrk's summary → "requests/s p50 p99" (latencies in ms).
run_wrk() { # script url
  local out
  out=$(USERS_FILE="$DATA/bench-users.txt" wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency -s "$1" "$2")
  echo "$out" > "$DATA/wrk-last.txt"
  python3 - "$out" <<'PY'
import re, sys
text = sys.argv[1]
def ms(label):
    m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {ms('50'):.2f} {ms('99'):.2f} {errors.group(1) if errors else 0}")
PY
}

SIM_PORT="$(free_port)"
"$BIN/folio-simulator" --port "$SIM_PORT" --users 20000 --loans 60000 --accounts 0 > "$DATA/simulator-blocks.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$SIM_PORT/users/x"
# The users the load picks from: those the simulator knows (with their patron groups).
python3 - "$SIM_PORT" "$DATA/bench-users.txt" <<'PY'
import json, sys, urllib.request
port, out = sys.argv[1], sys.argv[2]
req = urllib.request.Request(f"http://127.0.0.1:{port}/loan-storage/loans?limit=60000&query=status.name%3D%3DOpen%20sortBy%20id", headers={"X-Okapi-Tenant": "bench"})
users = sorted({loan["userId"] for loan in json.load(urllib.request.urlopen(req))["loans"]})
open(out, "w").write("\n".join(users[:10000]) + "\n")
PY

BARE_PORT="$(free_port)"
"$BIN/patronsync-bench" bare-server --port "$BARE_PORT" > /dev/null 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$BARE_PORT/automated-patron-blocks/x"

echo "| storage | load ($CONNECTIONS connections, ${SECONDS_EACH} s) | requests/s | p50 (ms) | p99 (ms) | non-2xx |"
echo "|---|---|---|---|---|---|"
if [[ " $LOADS " == *" checks "* ]]; then
  read -r rps p50 p99 errors < <(run_wrk scripts/wrk/block-check.lua "http://127.0.0.1:$BARE_PORT")
  echo "| none | bare Hummingbird route, same body | $rps | $p50 | $p99 | $errors |"
fi

for backend in $BACKENDS; do
  case "$backend" in
    sqlite) rm -f "$DATA/blocks.sqlite"*; database="sqlite:$DATA/blocks.sqlite"; name="SQLite file" ;;
    postgres)
      [ -n "${PATRONSYNC_TEST_POSTGRES_URL:-}" ] || { echo "| PostgreSQL | (skipped: no PATRONSYNC_TEST_POSTGRES_URL) |"; continue; }
      db="bench_blocks_$RANDOM"
      database="$(create_postgres_database "$db")"; name="PostgreSQL"
      if [ -n "${BENCH_POSTGRES_SSLMODE:-}" ]; then database="$database?sslmode=$BENCH_POSTGRES_SSLMODE"; name="PostgreSQL (sslmode=$BENCH_POSTGRES_SSLMODE)"; fi ;;
  esac
  PB_PORT="$(free_port)"
  # The URL holds the database password: it goes through the environment, never a flag (ps shows flags).
  PATRONBLOCKS_DATABASE_URL="$database" "$BIN/patronblocks" --port "$PB_PORT" --tenant bench --okapi-url "http://127.0.0.1:$SIM_PORT" \
    --log-level warning > "$DATA/patronblocks-blocks-$backend.log" 2>&1 &
  PB_PID=$!
  PIDS+=($PB_PID)
  wait_http "http://127.0.0.1:$PB_PORT/user-summary/x"
  base="http://127.0.0.1:$PB_PORT"
  api="$base/automated-patron-blocks/synchronization"
  id=$(curl -s -H 'X-Okapi-Tenant: bench' -H 'Content-Type: application/json' -d '{"scope":"full"}' "$api/job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -s -o /dev/null -X POST -H 'X-Okapi-Tenant: bench' "$api/start"
  until curl -s -H 'X-Okapi-Tenant: bench' "$api/job/$id" | grep -q '"status":"done"'; do sleep 0.5; done
  # Limits that part of the patrons exceed, and a condition that blocks: the checks do real work.
  curl -s -o /dev/null -X PUT "$base/patron-block-conditions/3d7c52dc-c732-4223-8bf8-e5917801386f" -H 'X-Okapi-Tenant: bench' -H 'Content-Type: application/json' \
    -d '{"blockBorrowing": true, "blockRenewals": true, "blockRequests": true, "message": "Too many items out"}'
  for group in 3684a786-6671-4268-8ed0-9db82ebca60b bdc2b6d4-5ceb-4a12-ab46-249b9a68473e ad0bc554-d5bc-463c-85d1-5562127ae91b; do
    for condition in 3d7c52dc-c732-4223-8bf8-e5917801386f 584fbd4f-6a34-4730-a6ca-73a6a6a9d845 cf7a0d5f-a327-4ca1-aa9e-dc55ec006b8a; do
      curl -s -o /dev/null -X POST "$base/patron-block-limits" -H 'X-Okapi-Tenant: bench' -H 'Content-Type: application/json' \
        -d "{\"id\": \"$(python3 -c 'import uuid; print(uuid.uuid4())')\", \"patronGroupId\": \"$group\", \"conditionId\": \"$condition\", \"value\": 4}"
    done
  done
  blocked=$(for u in $(head -200 "$DATA/bench-users.txt"); do curl -s "$base/automated-patron-blocks/$u" -H 'X-Okapi-Tenant: bench'; echo; done | grep -c patronBlockConditionId || true)
  # Warm the patron-group cache (one upstream call per user, every user in turn; the cache keeps
  # a group 30 s, longer than the warm-up and the measurement together), then measure.
  saved=$SECONDS_EACH; SECONDS_EACH=8; run_wrk scripts/wrk/block-check-warm.lua "$base" >/dev/null; SECONDS_EACH=$saved
  if [[ " $LOADS " == *" checks "* ]]; then
    read -r rps p50 p99 errors < <(run_wrk scripts/wrk/block-check.lua "$base")
    echo "| $name | block checks ($blocked of 200 sampled users blocked) | $rps | $p50 | $p99 | $errors |"
  fi
  if [[ " $LOADS " == *" events "* ]]; then
    read -r rps p50 p99 errors < <(run_wrk scripts/wrk/check-out.lua "$base")
    echo "| $name | events: item-checked-out, stored before 204 | $rps | $p50 | $p99 | $errors |"
  fi
  kill "$PB_PID"; wait "$PB_PID" 2>/dev/null || true
done
