#!/usr/bin/env bash
# Coverage-guided fuzzing: builds every docval_cc_fuzz target with clang + libFuzzer + ASan/UBSan
# into build-fuzz/ (or $DOCVAL_FUZZ_BUILD_DIR) and runs each for a bounded time on a copy of its
# seed corpus (the repository stays clean). Fails on the first target that crashes, leaks, times out
# or runs out of memory, and prints the path of the input that did it. The limits are tight on
# purpose, so slow and greedy inputs count as findings: 5 s per input, 1.5 GiB resident (ASan's
# shadow and quarantine included), no single allocation over 64 MiB (a session's files are capped
# at 1 MiB in all, docs/limits.md).
#
#   scripts/fuzz.sh [target ...]        # default: every target in build-fuzz/fuzz_targets.txt
#
# Environment:
#   FUZZ_SECONDS   time per target (default 20)
#   DOCVAL_JOBS    build parallelism and how many targets fuzz at once (default: nproc)
#   CC / CXX       the compilers (default clang-14 / clang++-14, else clang / clang++)
# Crash inputs are kept in build-fuzz/artifacts/<target>/; reproduce one with
#   build-fuzz/<path-to-target> build-fuzz/artifacts/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=${DOCVAL_FUZZ_BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-20}
jobs=${DOCVAL_JOBS:-$(nproc)}

pick() { for c in "$@"; do if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi; done; return 1; }
cc=${CC:-$(pick clang-14 clang || true)}
cxx=${CXX:-$(pick clang++-14 clang++ || true)}
if [ -z "$cc" ] || [ -z "$cxx" ]; then
  echo "fuzz.sh: clang not found (install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi

launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

start=$(date +%s)
cmake -S . -B "$dir" -G Ninja \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1" \
  -DDOCVAL_FUZZ=ON -DDOCVAL_BUILD_TESTS=OFF -DDOCVAL_BUILD_BENCH=OFF >/dev/null
ninja -C "$dir" -j "$jobs" docval_fuzz_all
built=$(date +%s)
echo "fuzz.sh: build took $(( built - start )) s"

manifest=$dir/fuzz_targets.txt
if [ ! -s "$manifest" ]; then
  echo "fuzz.sh: no fuzz targets listed in $manifest" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/docval-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ASan: leaks are failures too; UBSan findings abort (the build uses -fno-sanitize-recover=all).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# One target: fuzzes it and writes its verdict (and, on failure, the evidence) to $work/$name/report.
fuzz_one() {
  local name=$1 binary=$2 corpus=$3
  local corpus_copy=$work/$name/corpus artifacts=$root/$dir/artifacts/$name
  local log=$work/$name/log report=$work/$name/report
  mkdir -p "$corpus_copy" "$artifacts"
  if [ "$corpus" != "-" ] && [ -d "$corpus" ]; then
    cp -R "$corpus"/. "$corpus_copy"/
  fi
  local seeds rc stats crash
  seeds=$(find "$corpus_copy" -type f | wc -l)
  echo "fuzz.sh: $name for ${seconds} s ($seeds seeds)"
  set +e
  "$binary" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1536 -malloc_limit_mb=64 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus_copy" >"$log" 2>&1
  rc=$?
  set -e
  stats=$(grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::new_units_added)' "$log" | tr '\n' ' ' || true)
  crash=$(grep -oE 'Test unit written to [^ ]+' "$log" | head -1 | sed 's/Test unit written to //' || true)
  if [ $rc -ne 0 ] || [ -n "$crash" ]; then
    {
      echo "fuzz.sh: FAIL $name (exit $rc)"
      grep -E 'ERROR:|SUMMARY:|runtime error|==[0-9]+==|deadly signal|Test unit written' "$log" | head -40 || true
      if [ -n "$crash" ]; then
        echo "fuzz.sh: crash input: $crash"
        echo "fuzz.sh: reproduce: $binary $crash"
      else
        tail -30 "$log"
      fi
    } >"$report"
  else
    echo "fuzz.sh: ok $name: $stats" >"$report"
  fi
}

# The targets run side by side, one per core (each is single-threaded), and report in manifest order.
names=()
while read -r name binary corpus; do
  [ -n "$name" ] || continue
  if [ $# -gt 0 ]; then
    wanted=0
    for t in "$@"; do [ "$t" = "$name" ] && wanted=1; done
    [ $wanted = 1 ] || continue
  fi
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  names+=("$name")
  fuzz_one "$name" "$binary" "$corpus" &
done <"$manifest"
wait
ran=${#names[@]}
failed=()
for name in "${names[@]}"; do
  if [ ! -s "$work/$name/report" ]; then
    echo "fuzz.sh: FAIL $name (the runner stopped before its verdict)"
    failed+=("$name")
    continue
  fi
  cat "$work/$name/report"
  if grep -q '^fuzz.sh: FAIL' "$work/$name/report"; then failed+=("$name"); fi
done

if [ $ran -eq 0 ]; then
  echo "fuzz.sh: no target matched: $*" >&2
  exit 2
fi
echo "fuzz.sh: $ran targets fuzzed in $(( $(date +%s) - built )) s (build $(( built - start )) s)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]}"
  exit 1
fi
