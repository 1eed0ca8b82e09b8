#!/usr/bin/env bash
# Configures and builds DocVal into build/ (or $DOCVAL_BUILD_DIR) with the given build type.
#   scripts/build.sh [Release|Debug|RelWithDebInfo|Asan] [ninja targets...]
# Uses ccache when present, set up so that clones in different folders share the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
type=${1:-Release}
shift || true
dir=${DOCVAL_BUILD_DIR:-build}
if [ "$type" = "Asan" ] && [ -z "${DOCVAL_BUILD_DIR:-}" ]; then dir=build-asan; fi

launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
jobs=${DOCVAL_JOBS:-$(nproc)}
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "${launcher[@]}" >/dev/null
ninja -C "$dir" -j "$jobs" "$@"
