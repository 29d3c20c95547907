#!/usr/bin/env bash
# Fuzzes patronblocks against its published OpenAPI document with schemathesis (called by
# scripts/test.sh after the Swift tests). The service runs on its embedded default (an SQLite
# file in a temp folder) with a tenant, beside the FOLIO simulator. Fails on any 5xx, any answer
# the document does not describe (status, content type, body schema), and any schema-violating
# input (bad UUIDs, wrong types, huge numbers, unknown fields, empty bodies) that is not refused
# with a 4xx. POST /_/tenant is left out: fuzzing it would purge the tenant under test (its
# behaviour is covered by TenantInterfaceTests).
#   CONTRACT_FUZZ_EXAMPLES (40), CONTRACT_FUZZ_SEED (fixed, so that CI is repeatable)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services/postgres.sh   # free_port, wait_http
BIN="$(swift build --show-bin-path)"
WORK="$(mktemp -d /tmp/patronsync-fuzz.XXXXXX)"
SIM_PORT="$(free_port)"
PB_PORT="$(free_port)"
"$BIN/folio-simulator" --port "$SIM_PORT" --users 200 --loans 1000 --accounts 200 > "$WORK/simulator.log" 2>&1 &
SIM=$!
(cd "$WORK" && exec "$BIN/patronblocks" --port "$PB_PORT" --tenant diku --okapi-url "http://127.0.0.1:$SIM_PORT" --log-level warning > "$WORK/patronblocks.log" 2>&1) &
PB=$!
trap 'kill $SIM $PB 2>/dev/null || true; rm -rf "$WORK"' EXIT
wait_http "http://127.0.0.1:$SIM_PORT/users/x"
wait_http "http://127.0.0.1:$PB_PORT/patronsync/openapi.json"

status=0
schemathesis run "http://127.0.0.1:$PB_PORT/patronsync/openapi.json" --url "http://127.0.0.1:$PB_PORT" \
  -H "X-Okapi-Tenant: diku" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection \
  --max-examples "${CONTRACT_FUZZ_EXAMPLES:-40}" --seed "${CONTRACT_FUZZ_SEED:-20261122}" \
  --exclude-operation-id postTenant --generation-database none --no-color --warnings off \
  --report junit --report-junit-path "$WORK/schemathesis.xml" > "$WORK/schemathesis.log" 2>&1 || status=$?
grep -E "generated|passed|failed|failures" "$WORK/schemathesis.log" | tail -n 5
if [ "$status" != 0 ]; then
  cat "$WORK/schemathesis.log"
  echo "--- patronblocks log ---"; tail -n 50 "$WORK/patronblocks.log"
  exit "$status"
fi
# With the simulator beside it, nothing the fuzzer sends may make the service log an error.
if grep -q " error " "$WORK/patronblocks.log"; then
  echo "contract-fuzz: patronblocks logged errors:" >&2
  grep " error " "$WORK/patronblocks.log" | head -n 20 >&2
  exit 1
fi
echo "contract-fuzz: patronblocks answered every generated request as its OpenAPI document says"
