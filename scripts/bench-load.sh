#!/usr/bin/env bash
# patronload's whole run against `gzip -6` over the XML it wrote (BENCHMARKS.md, first table):
# generated SQLite warehouses of growing size, `--no-history`, timed by GNU time: wall, CPU (user +
# system, both cores) and peak RSS; gzip -6 likewise over the XML bytes extracted from the zips.
# Called by scripts/bench.sh; on its own, BENCH_SIZES picks the sizes and PATRONLOAD an already
# built binary (e.g. an earlier build kept for a before/after comparison).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES="${BENCH_SIZES:-50000 200000}"
DATA=bench-data
mkdir -p "$DATA"
swift build -c release --product patronload >/dev/null
swift build -c release --product demo-warehouse >/dev/null
BIN="$(swift build -c release --show-bin-path)"
PATRONLOAD="${PATRONLOAD:-$BIN/patronload}"

echo "| patrons | staff/students | run wall (s) | run CPU (s) | peak RSS (MiB) | XML bytes (MiB) | zip bytes (MiB) | gzip -6 wall (s) | gzip -6 CPU (s) | run / gzip, wall | run / gzip, CPU |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for total in $SIZES; do
  staff=$((total * 2 / 5)); students=$((total - staff))
  warehouse="$DATA/warehouse-$total.sqlite"
  [ -f "$warehouse" ] || "$BIN/demo-warehouse" --staff "$staff" --students "$students" --output "$warehouse" >/dev/null
  out="$DATA/out-$total"; rm -rf "$out"
  /usr/bin/time -f "%e %U %S %M" -o "$DATA/time-$total" "$PATRONLOAD" --warehouse "sqlite:$warehouse" --output-dir "$out" --no-history --log-level error >/dev/null
  read -r wall user system rss_kb < "$DATA/time-$total"
  xml="$DATA/xml-$total"; rm -rf "$xml"; mkdir -p "$xml"
  python3 - "$out" "$xml" <<'PY'
import sys, zipfile, pathlib
out, xml = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for z in sorted(out.glob("*.zip")):
    zipfile.ZipFile(z).extractall(xml)
PY
  xml_bytes=$(cat "$xml"/*.xml | wc -c)
  zip_bytes=$(cat "$out"/*.zip | wc -c)
  cat "$xml"/*.xml > /dev/null # warm the page cache, as the run's own record files are
  # gzip reads the files itself: a `cat |` in front would add its own CPU to the baseline.
  /usr/bin/time -f "%e %U %S" -o "$DATA/time-gzip-$total" gzip -6 -c "$xml"/*.xml > /dev/null
  read -r gzip_wall gzip_user gzip_system < "$DATA/time-gzip-$total"
  python3 - <<PY
wall, cpu, rss, xmlb, zipb = $wall, $user + $system, $rss_kb, $xml_bytes, $zip_bytes
gz_wall, gz_cpu = $gzip_wall, $gzip_user + $gzip_system
print(f"| {$total:,} | $staff/$students | {wall:.2f} | {cpu:.2f} | {rss/1024:.0f} | {xmlb/1048576:.0f} | {zipb/1048576:.1f} | {gz_wall:.2f} | {gz_cpu:.2f} | {wall/gz_wall:.2f} | {cpu/gz_cpu:.2f} |")
PY
  rm -rf "$xml"
done
