#!/usr/bin/env bash
# Quick start, command 2 (and what CI runs): installs the dependencies, builds, and runs every test
# through CTest — first the Release build (GCC), then the ASan+UBSan build (clang, which also runs the
# thread-safety analysis; skip it with DOCVAL_SKIP_ASAN=1 for a quicker local loop).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=${DOCVAL_JOBS:-$(nproc)}

start=$(date +%s)
scripts/build.sh Release
ctest --test-dir build -j "$jobs" --output-on-failure --timeout 600
echo "test.sh: Release build and tests took $(( $(date +%s) - start )) s"

if [ "${DOCVAL_SKIP_ASAN:-0}" != "1" ]; then
  start=$(date +%s)
  # Benchmarks are not tests; the sanitizer build leaves them out.
  DOCVAL_BUILD_DIR=build-asan scripts/build.sh Asan
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan -j "$jobs" --output-on-failure --timeout 900 -LE no_asan
  # The clang build's proof that the thread-safety analysis ran (docs/development.md "Locking") must be
  # among the tests: without it the sanitizer build has quietly lost the analysis.
  listed=$(ctest --test-dir build-asan -N -R '^thread_safety\.analysis_is_on$')
  if ! grep -q '^Total Tests: 1$' <<<"$listed"; then
    echo "test.sh: build-asan has no test thread_safety.analysis_is_on: the thread-safety analysis is off" >&2
    exit 1
  fi
  echo "test.sh: ASan+UBSan build and tests took $(( $(date +%s) - start )) s"
fi

# --- Coverage-guided fuzzing (scripts/fuzz.sh, tests/fuzz/README.md) -------------------------------
# libFuzzer + ASan/UBSan with clang in build-fuzz/, FUZZ_SECONDS (default here 10) per target.
# Optional: runs when clang is installed and DOCVAL_SKIP_FUZZ is not 1.
if [ "${DOCVAL_SKIP_FUZZ:-0}" != "1" ] && { command -v clang++-14 || command -v clang++; } >/dev/null 2>&1; then
  start=$(date +%s)
  FUZZ_SECONDS=${FUZZ_SECONDS:-10} scripts/fuzz.sh
  echo "test.sh: libFuzzer build and runs took $(( $(date +%s) - start )) s"
fi
# --- end of fuzzing ----------------------------------------------------------------------------------
