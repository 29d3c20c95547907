#!/usr/bin/env bash
# Keeps the Dockerfile correct on machines where Docker cannot run (called by scripts/test.sh):
#  1. hadolint (from PyPI) checks it against Docker's best practices;
#  2. every shared library the built products load, outside the Swift runtime (which
#     --static-swift-stdlib links in), must come from a Debian package that the runtime stage
#     installs, or one of their dependencies, or debian:bookworm-slim's base;
#  3. every resource bundle the build produces is copied into the image.
# Needs the debug build (`swift build`) and apt's package lists.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(swift build --show-bin-path)"

hadolint Dockerfile

# The runtime stage's `apt-get install` line.
runtime_packages=$(awk '/^FROM .* AS runtime/{r=1} /^FROM .* AS patronload/{r=0} r' Dockerfile \
  | grep -o 'apt-get install -y --no-install-recommends [^&\\]*' | sed 's/.*--no-install-recommends //')
[ -n "$runtime_packages" ] || { echo "lint-dockerfile: no apt-get install line in the runtime stage" >&2; exit 1; }
# shellcheck disable=SC2086
apt-cache show $runtime_packages >/dev/null 2>&1 \
  || { echo "lint-dockerfile: apt does not know every runtime package ($runtime_packages); run apt-get update" >&2; exit 1; }
# What debian:bookworm-slim has before anything is installed: its essential and required packages,
# and apt with what apt needs (libstdc++6 among them).
base=$(dpkg-query -W -f='${Package} ${Essential} ${Priority}\n' | awk '$2 == "yes" || $3 == "required" {print $1}')
available=$( (echo "$base"; echo "$runtime_packages" | tr ' ' '\n'
  # shellcheck disable=SC2086
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances apt $runtime_packages 2>/dev/null \
    | grep -v '^ ' | grep -v '^<' || true) | sed 's/:.*//' | sort -u)

status=0
for product in patronload patronblocks; do
  [ -x "$BIN/$product" ] || { echo "lint-dockerfile: $BIN/$product is not built" >&2; exit 1; }
  while read -r library path; do
    case "$path" in
      */lib/swift/*|"") continue ;;   # the Swift runtime: linked statically in the image
    esac
    package=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    [ -n "$package" ] || package=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    if [ -z "$package" ]; then
      echo "lint-dockerfile: $product loads $library ($path), which no Debian package provides" >&2; status=1
    elif ! grep -qx "$package" <<<"$available"; then
      echo "lint-dockerfile: $product loads $library from $package, which the runtime stage does not install" >&2; status=1
    fi
  done < <(ldd "$BIN/$product" | awk '$2 == "=>" {print $1, $3}')
done

for bundle in "$BIN"/*.resources; do
  name=$(basename "$bundle")
  case "$name" in *Tests.resources) continue ;; esac
  grep -q "$name" Dockerfile || { echo "lint-dockerfile: the image lacks $name (its product cannot find its resources)" >&2; status=1; }
done

[ "$status" = 0 ] && echo "lint-dockerfile: hadolint clean; the runtime stage provides every library and resource bundle the products load"
exit "$status"
