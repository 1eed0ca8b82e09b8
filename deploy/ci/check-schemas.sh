#!/usr/bin/env bash
# Renders every overlay of deploy/kubernetes with KUBECTL and validates the result offline against the
# Kubernetes and cert-manager schemas (deploy/ci/validate-manifests.mjs; its npm packages are
# installed by scripts/install-deps.sh into deploy/ci/node_modules).
#   deploy/ci/check-schemas.sh KUBECTL OUT_DIR
set -euo pipefail
kubectl=$1
out=$2
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -d "$here/node_modules/kubernetes-models" ]; then
  echo "check-schemas: $here/node_modules is missing: run scripts/install-deps.sh" >&2
  exit 1
fi
mkdir -p "$out"
files=()
for overlay in "$here"/../kubernetes/*/; do
  [ -f "$overlay/kustomization.yaml" ] || continue
  name=$(basename "$overlay")
  "$kubectl" kustomize "$overlay" > "$out/$name.yaml"
  files+=("$out/$name.yaml")
done
node "$here/validate-manifests.mjs" "${files[@]}"
