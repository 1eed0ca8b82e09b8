#!/usr/bin/env bash
# Configures and builds DocVal into build/ (or $DOCVAL_BUILD_DIR) with the given build type.
#   scripts/build.sh [Release|Debug|RelWithDebInfo|Asan] [ninja targets...]
# Uses ccache when present, set up so that clones in different folders share the cache.
# The Asan build (build-asan/) is compiled with clang (clang-14, else clang; CC/CXX override), which
# also runs the thread-safety analysis over the whole tree; the other build types use the default
# compiler (GCC). docs/development.md "Build types".
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
compilers=()
if [ "$type" = "Asan" ]; then
  pick() { for c in "$@"; do if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi; done; return 1; }
  cc=${CC:-$(pick clang-14 clang || true)}
  cxx=${CXX:-$(pick clang++-14 clang++ || true)}
  if [ -z "$cc" ] || [ -z "$cxx" ]; then
    echo "build.sh: the Asan build needs clang (scripts/install-deps.sh installs clang-14)" >&2
    exit 2
  fi
  compilers=(-DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx")
fi
jobs=${DOCVAL_JOBS:-$(nproc)}
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "${compilers[@]}" "${launcher[@]}" >/dev/null
ninja -C "$dir" -j "$jobs" "$@"
