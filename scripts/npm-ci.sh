#!/usr/bin/env bash
# Installs the npm packages of one tooling folder exactly as its package-lock.json pins them
# (`npm ci`, from the npm registry, into DIR/node_modules). Idempotent: when DIR/node_modules was made
# from the same lock file it only compares a hash and exits. Called by scripts/install-deps.sh.
#   scripts/npm-ci.sh DIR
set -euo pipefail
dir=$1
stamp="$dir/node_modules/.docval-lock.sha256"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "install-deps: npm ci in $dir" >&2
# --ignore-scripts: no package runs code at install time (none of ours needs to).
(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
echo "$want" > "$stamp"
