#!/usr/bin/env bash
# The test command (`make test`, called by .ci/run): installs what the tests need, then builds and
# runs every test target, then fuzzes patronblocks against its OpenAPI document (schemathesis).
# The Dockerfile is linted after the build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh test

# Alma's own schema is reference material outside the project: the tests validate against it
# when it is there, and always against the project's own schema.
for candidate in "${ALMA_XSD_DIR:-}" "$PWD/../shared/reference/alma-xsd" /work/shared/reference/alma-xsd; do
  if [ -n "$candidate" ] && [ -f "$candidate/rest_users.xsd" ]; then
    export ALMA_XSD_DIR="$candidate"
    break
  fi
done

swift build --build-tests

# Docker cannot run here: the Dockerfile is kept right by a linter and by what the products load.
scripts/lint-dockerfile.sh

source scripts/services/postgres.sh
source scripts/services/moto.sh
trap 'stop_moto; stop_postgres' EXIT
start_postgres
start_moto
# Tests that need a service fail (rather than skip) when it is missing.
export PATRONSYNC_REQUIRE_SERVICES=1

swift test --skip-build

# patronblocks against its published OpenAPI document.
scripts/contract-fuzz.sh
