#!/usr/bin/env bash
# `make blocks-demo`: the FOLIO simulator and patronblocks side by side, a full synchronization,
# and its progress as the API reports it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
LOANS="${LOANS:-50000}"
ACCOUNTS="${ACCOUNTS:-10000}"
DELAY_MS="${DELAY_MS:-50}"
swift build --product folio-simulator >/dev/null
swift build --product patronblocks >/dev/null
BIN="$(swift build --show-bin-path)"

"$BIN/folio-simulator" --port 9130 --loans "$LOANS" --accounts "$ACCOUNTS" --delay-ms "$DELAY_MS" &
SIM=$!
"$BIN/patronblocks" --port 8081 --tenant diku --okapi-url http://127.0.0.1:9130 &
PB=$!
trap 'kill $SIM $PB 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -s -o /dev/null http://127.0.0.1:8081/user-summary/x && curl -s -o /dev/null http://127.0.0.1:9130/users/x && break; sleep 0.5; done

api=http://127.0.0.1:8081/automated-patron-blocks/synchronization
created=$(curl -s -X POST "$api/request" -H 'X-Okapi-Tenant: diku' -H 'Content-Type: application/json' -d '{"scope": "full"}')
echo "POST /request → $created"
id=$(echo "$created" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
curl -s -o /dev/null -w "POST /run → %{http_code}\n" -X POST "$api/run" -H 'X-Okapi-Tenant: diku'
while :; do
  job=$(curl -s "$api/request/$id" -H 'X-Okapi-Tenant: diku')
  echo "GET /request/$id → $job"
  case "$job" in *'"status":"done"'*|*'"status":"failed"'*) break ;; esac
  sleep 1
done
user=$(curl -s -H 'X-Okapi-Tenant: diku' "http://127.0.0.1:9130/loan-storage/loans?limit=1&query=status.name%3D%3DOpen%20sortBy%20id" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["loans"][0]["userId"])')
echo "GET /user-summary/$user →"
curl -s "http://127.0.0.1:8081/user-summary/$user" -H 'X-Okapi-Tenant: diku' | python3 -m json.tool
