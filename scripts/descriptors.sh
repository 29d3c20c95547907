#!/usr/bin/env bash
# Fills the descriptor templates in descriptors/ with the module's name and version (the file
# VERSION): target/ModuleDescriptor.json and target/DeploymentDescriptor.json, ready for Okapi's
# /_/proxy/modules and /_/discovery/modules. `make descriptors` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
ARTIFACT_ID="${ARTIFACT_ID:-mod-patronsync-blocks}"
VERSION="${VERSION:-$(tr -d '[:space:]' < VERSION)}"
mkdir -p target
for name in ModuleDescriptor DeploymentDescriptor; do
  python3 - "descriptors/$name-template.json" "target/$name.json" "$ARTIFACT_ID" "$VERSION" <<'PY'
import json, sys
source, target, artifact, version = sys.argv[1:]
text = open(source).read().replace("${artifactId}", artifact).replace("${version}", version)
json.dump(json.loads(text), open(target, "w"), indent=2)
print(f"{target}: {artifact}-{version}")
PY
done
