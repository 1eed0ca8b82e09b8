#!/usr/bin/env bash
# Quick start, command 1: installs the dependencies, builds, and starts DocVal in its embedded
# default (all roles in one process, WebSocket API on 127.0.0.1:8080, client_id "demo-client",
# development Result Server at http://127.0.0.1:8080/dev/results). Extra arguments go to
# `docval serve` (e.g. --config FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh Release docval
exec build/docval serve "$@"
