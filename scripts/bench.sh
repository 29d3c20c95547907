#!/usr/bin/env bash
# Benchmarks behind BENCHMARKS.md (`make bench`). Release build; numbers print as Markdown rows.
#   patronload: the whole run (read, render, deflate, verify, deliver) on generated SQLite
#   warehouses of growing size: wall time, peak RSS, and `gzip -6` over the same XML bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh bench

SIZES="${BENCH_SIZES:-50000 200000}"
DATA=bench-data
mkdir -p "$DATA"
swift build -c release --product patronload >/dev/null
swift build -c release --product demo-warehouse >/dev/null
BIN="$(swift build -c release --show-bin-path)"

echo "| patrons | staff/students | run wall (s) | peak RSS (MiB) | XML bytes (MiB) | zip bytes (MiB) | gzip -6 over the XML (s) | run / gzip |"
echo "|---|---|---|---|---|---|---|---|"
for total in $SIZES; do
  staff=$((total * 2 / 5)); students=$((total - staff))
  warehouse="$DATA/warehouse-$total.sqlite"
  [ -f "$warehouse" ] || "$BIN/demo-warehouse" --staff "$staff" --students "$students" --output "$warehouse" >/dev/null
  out="$DATA/out-$total"; rm -rf "$out"
  /usr/bin/time -f "%e %M" -o "$DATA/time-$total" "$BIN/patronload" --warehouse "sqlite:$warehouse" --output-dir "$out" --log-level error >/dev/null
  read -r wall rss_kb < "$DATA/time-$total"
  xml="$DATA/xml-$total"; rm -rf "$xml"; mkdir -p "$xml"
  python3 - "$out" "$xml" <<'PY'
import sys, zipfile, pathlib
out, xml = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for z in sorted(out.glob("*.zip")):
    zipfile.ZipFile(z).extractall(xml)
PY
  xml_bytes=$(cat "$xml"/*.xml | wc -c)
  zip_bytes=$(cat "$out"/*.zip | wc -c)
  start=$(date +%s.%N); cat "$xml"/*.xml | gzip -6 > /dev/null; end=$(date +%s.%N)
  gzip_s=$(python3 -c "print(f'{$end - $start:.2f}')")
  python3 - <<PY
wall, rss, xmlb, zipb, gz = $wall, $rss_kb, $xml_bytes, $zip_bytes, $gzip_s
print(f"| {$total:,} | $staff/$students | {wall:.2f} | {rss/1024:.0f} | {xmlb/1048576:.0f} | {zipb/1048576:.1f} | {gz:.2f} | {wall/gz:.2f} |")
PY
  rm -rf "$xml"
done
