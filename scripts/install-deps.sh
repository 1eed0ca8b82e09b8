#!/usr/bin/env bash
# Installs everything DocVal needs to build, run and test, from Debian 12's packages only.
# Idempotent: when every package is present it only checks (well under a second) and exits.
# Both README commands and .ci/run call this script; nothing else installs software.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config ccache git ca-certificates
  # libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost1.74-dev
  libbotan-2-dev libabsl-dev prometheus-cpp-dev libssl-dev
  nlohmann-json3-dev libyaml-cpp-dev libcurl4-openssl-dev
  # tests, interop peers, benchmarks, fuzzing
  libgtest-dev libgmock-dev libbenchmark-dev libeac-dev openssl libvalijson-dev
  clang-14 libclang-rt-14-dev clang-format-14
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
