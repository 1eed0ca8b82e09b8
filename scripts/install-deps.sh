#!/usr/bin/env bash
# Installs everything DocVal needs to build, run and test, from Debian 12's packages (and, for the
# checks of deploy/ and the AsyncAPI linter of docs/, the npm registry) only.
# Idempotent: when everything is present it only checks (about a second) and exits.
# Both README commands and .ci/run call this script; nothing else installs software.
# DOCVAL_SKIP_TEST_TOOLS=1 leaves out what only the checks of deploy/ and docs/ use (the image build
# sets it).
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config ccache git ca-certificates
  # libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost1.74-dev
  libbotan-2-dev libabsl-dev prometheus-cpp-dev libssl-dev
  nlohmann-json3-dev libyaml-cpp-dev libcurl4-openssl-dev
  libpcsclite-dev libopenjp2-7-dev zlib1g-dev
  # tests, interop peers, benchmarks, fuzzing
  libgtest-dev libgmock-dev libbenchmark-dev libeac-dev openssl libvalijson-dev
  clang-14 libclang-rt-14-dev clang-format-14
  # the results page's tests: an independent PNG decoder
  libpng-dev
)

# Programs that only end-to-end tests run (left out with DOCVAL_SKIP_TEST_TOOLS=1; the tests skip with
# a message without them): the PC/SC stack of `docval pcsc`'s test (the smart-card service and a
# virtual reader driver), and a real browser for the results page.
TEST_PACKAGES=(pcscd vsmartcard-vpcd chromium)

# Commands that may come from elsewhere on a machine (a Node.js from another source ships its own
# npm, which Debian's npm package would collide with): their package only when the command is missing.
COMMAND_PACKAGES=(node:nodejs npm:npm)

# Tools taken from Debian packages without installing the package (docs/development.md "Checks of
# deploy/"): kubectl of kubernetes-client renders deploy/kubernetes with one known kustomize (v2.0.3)
# whatever kubectl the machine has (installing the package would collide with another kubectl);
# promtool of prometheus tests the alert rules (installing the package would also install and start
# a Prometheus server). Both are single static binaries.
TOOLS_DIR=/usr/local/lib/docval-tools
TOOLS=(kubectl:kubernetes-client promtool:prometheus)

skip_test_tools=${DOCVAL_SKIP_TEST_TOOLS:-0}
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
missing_tools=()
if [ "$skip_test_tools" != "1" ]; then
  for p in "${TEST_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  for cp in "${COMMAND_PACKAGES[@]}"; do
    command -v "${cp%%:*}" >/dev/null 2>&1 || missing+=("${cp#*:}")
  done
  for tp in "${TOOLS[@]}"; do
    [ -x "$TOOLS_DIR/${tp%%:*}" ] || missing_tools+=("$tp")
  done
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
if [ ${#missing[@]} -gt 0 ] || [ ${#missing_tools[@]} -gt 0 ]; then
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#missing_tools[@]} -gt 0 ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  $SUDO mkdir -p "$TOOLS_DIR"
  for tp in "${missing_tools[@]}"; do
    tool=${tp%%:*} pkg=${tp#*:}
    echo "install-deps: unpacking $tool from Debian's $pkg into $TOOLS_DIR" >&2
    (cd "$tmp" && apt-get download -qq "$pkg" 2>/dev/null && dpkg-deb -x "$pkg"_*.deb "$pkg")
    $SUDO install -m 0755 "$tmp/$pkg/usr/bin/$tool" "$TOOLS_DIR/$tool"
  done
fi

# npm packages of the checks, as pinned by each folder's package-lock.json; reinstalled when a lock
# file changes: deploy/ci (the Kubernetes manifests), tools/lint/asyncapi (docs/asyncapi.yaml),
# tools/lint/openapi (docs/openapi.yaml).
if [ "$skip_test_tools" != "1" ]; then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  for dir in deploy/ci tools/lint/asyncapi tools/lint/openapi; do
    "$root/scripts/npm-ci.sh" "$root/$dir"
  done
fi
