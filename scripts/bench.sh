#!/usr/bin/env bash
# Benchmarks behind BENCHMARKS.md (`make bench`). Release build; numbers print as Markdown rows.
#   patronload: the whole run (read, render, deflate, verify, deliver) on generated SQLite
#   warehouses of growing size: wall time, CPU, peak RSS, and `gzip -6` over the same XML bytes
#   (scripts/bench-load.sh).
#   warehouse read: rows per second from each backend (SQLite, PostgreSQL, ODBC to both) for the
#   same 200,000 patrons.
#   patronblocks: a full synchronization of 1,000,000 open loans and 200,000 accounts from the
#   FOLIO simulator, on SQLite and on PostgreSQL (scripts/bench-sync.sh); block checks and
#   events per second under wrk, against a bare Hummingbird route (scripts/bench-blocks.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh bench

DATA=bench-data
mkdir -p "$DATA"
scripts/bench-load.sh
swift build -c release --product patronsync-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)"

echo
echo "### Warehouse read, 200,000 patrons (both queries of the reference profile)"
echo
source scripts/services/postgres.sh
trap stop_postgres EXIT
start_postgres 2>/dev/null
warehouse="$DATA/warehouse-200000.sqlite"
[ -f "$warehouse" ] || "$BIN/demo-warehouse" --staff 80000 --students 120000 --output "$warehouse" >/dev/null
"$BIN/demo-warehouse" --staff 80000 --students 120000 --format postgres --url "$PATRONSYNC_TEST_POSTGRES_URL" --schema bench >/dev/null
pg_port="${PATRONSYNC_TEST_POSTGRES_URL##*:}"; pg_port="${pg_port%%/*}"
pg_password="${PATRONSYNC_TEST_POSTGRES_URL#postgres://postgres:}"; pg_password="${pg_password%%@*}"
echo "| backend | rows | seconds | rows/s |"
echo "|---|---|---|---|"
"$BIN/patronsync-bench" read-warehouse --label "SQLite (file)" --warehouse "sqlite:$warehouse"
"$BIN/patronsync-bench" read-warehouse --label "PostgreSQL (PostgresNIO, TLS)" --warehouse "$PATRONSYNC_TEST_POSTGRES_URL?search_path=bench&sslmode=require"
"$BIN/patronsync-bench" read-warehouse --label "PostgreSQL (PostgresNIO, no TLS)" --warehouse "$PATRONSYNC_TEST_POSTGRES_URL?search_path=bench&sslmode=disable"
"$BIN/patronsync-bench" read-warehouse --label "ODBC: SQLite3 driver" --warehouse "odbc:DRIVER={SQLite3};Database=$PWD/$warehouse;"
"$BIN/patronsync-bench" read-warehouse --label "ODBC: PostgreSQL Unicode driver" --warehouse "odbc:DRIVER={PostgreSQL Unicode};Servername=127.0.0.1;Port=$pg_port;Database=postgres;Uid=postgres;Pwd=$pg_password;ConnSettings=SET search_path TO bench;"
echo
echo "### The whole run against PostgreSQL, 200,000 patrons"
echo
out="$DATA/out-pg"; rm -rf "$out"
/usr/bin/time -f "%e %M" -o "$DATA/time-pg" "$BIN/patronload" --warehouse "$PATRONSYNC_TEST_POSTGRES_URL?search_path=bench" --output-dir "$out" --log-level error >/dev/null
read -r wall rss_kb < "$DATA/time-pg"
echo "| backend | run wall (s) | peak RSS (MiB) |"
echo "|---|---|---|"
python3 -c "print(f'| PostgreSQL (PostgresNIO) | {$wall:.2f} | {$rss_kb/1024:.0f} |')"

echo
echo "### History and what changed, 1,000,000 patrons"
echo
total=1000000
warehouse="$DATA/warehouse-$total.sqlite"
[ -f "$warehouse" ] || "$BIN/demo-warehouse" --staff 400000 --students 600000 --output "$warehouse" >/dev/null
out="$DATA/out-history"; rm -rf "$out"
measure() { # label, then patronload arguments
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$DATA/time-h" "$BIN/patronload" --warehouse "sqlite:$warehouse" --output-dir "$out" --log-level error "$@" >/dev/null
  read -r wall rss_kb < "$DATA/time-h"
  python3 -c "print(f'| $label | {$wall:.2f} | {$rss_kb/1024:.0f} |')"
}
echo "| run | wall (s) | peak RSS (MiB) |"
echo "|---|---|---|"
measure "plain run, no history (--no-history)" --no-history
rm -rf "$out"
measure "first run: history written, nothing to compare"
measure "second run: compared with 1,000,000 (all unchanged), history rewritten"
measure "third run, --only-changes (nothing changed: no XML written)" --only-changes
echo
echo "Manifest for 1,000,000 patrons: $(python3 -c "import os; print(f'{os.path.getsize(\"$out/history/manifest.bin.gz\")/1048576:.1f}')") MiB (gzip)"

echo
echo "### patronblocks: a full synchronization from the FOLIO simulator"
echo
scripts/bench-sync.sh

echo
echo "### patronblocks: block checks and events under load (wrk)"
echo
scripts/bench-blocks.sh
