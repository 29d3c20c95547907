#!/usr/bin/env bash
# Before/after comparison of patronload builds against `gzip -6` (BENCHMARKS.md, issues 15 and
# 18): rounds of gzip -6 over the XML, then each given binary on a generated warehouse, one after
# another, so that each round's ratios pair runs made seconds apart on a shared machine.
# Prints one line per run: name, wall, user, system (s), peak RSS (KiB) for patronload.
#   [BENCH_PATRONS=N] scripts/bench-compare.sh ROUNDS PATRONLOAD [PATRONLOAD ...]
# Needs bench-data/warehouse-N.sqlite, N = BENCH_PATRONS (200000 by default): scripts/bench-load.sh
# makes it (BENCH_SIZES=N), or `demo-warehouse --staff 2N/5 --students 3N/5 --output ...`.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="$1"; shift
patrons="${BENCH_PATRONS:-200000}"
DATA=bench-data
warehouse="$DATA/warehouse-$patrons.sqlite"
[ -f "$warehouse" ] || { echo "no $warehouse: make it with BENCH_SIZES=$patrons scripts/bench-load.sh" >&2; exit 1; }
out="$DATA/out-compare-$patrons"
xml="$DATA/xml-compare-$patrons"
if [ ! -d "$xml" ]; then
  rm -rf "$out"
  "$1" --warehouse "sqlite:$warehouse" --output-dir "$out" --no-history --log-level error >/dev/null
  mkdir -p "$xml"
  python3 - "$out" "$xml" <<'PY'
import sys, zipfile, pathlib
for z in sorted(pathlib.Path(sys.argv[1]).glob("*.zip")):
    zipfile.ZipFile(z).extractall(sys.argv[2])
PY
fi
for _ in $(seq "$rounds"); do
  /usr/bin/time -f "gzip %e %U %S" gzip -6 -c "$xml"/*.xml 2>&1 >/dev/null | tail -1
  for binary in "$@"; do
    rm -rf "$out"
    /usr/bin/time -f "$binary %e %U %S %M" "$binary" --warehouse "sqlite:$warehouse" --output-dir "$out" --no-history --log-level error 2>&1 >/dev/null | tail -1
  done
done
