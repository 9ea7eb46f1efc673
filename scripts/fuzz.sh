#!/usr/bin/env bash
# Builds the libFuzzer targets of src/core_cpp/fuzz with clang (ASan + UBSan) in build/fuzz
# and runs each for a fixed time: bash scripts/fuzz.sh [seconds-per-target] [target...]
# Each target starts from its committed seeds and regression inputs
# (src/core_cpp/fuzz/corpus/<target>/) plus what earlier runs found (build/fuzz/corpus/).
# A crash, sanitizer report, leak, timeout or allocation over the limit fails the script;
# the input is left in build/fuzz/artifacts/ (commit it to the corpus with the fix).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
build=build/fuzz
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
jobs=$(nproc)

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCOLONY_FUZZ=ON -DCOLONY_BUILD_PYTHON=OFF -DCOLONY_BUILD_TESTS=OFF >/dev/null
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in src/core_cpp/fuzz/*_fuzzer.cc; do targets+=("$(basename "$src" .cc)"); done
fi
echo "== fuzz: building ${targets[*]} (clang, ASan + UBSan)"
nice -n 10 cmake --build "$build" -j "$jobs" --target "${targets[@]}"

mkdir -p "$build/artifacts"
status=0
for t in "${targets[@]}"; do
  seeds=src/core_cpp/fuzz/corpus/$t
  work=$build/corpus/$t
  mkdir -p "$seeds" "$work"
  echo "== fuzz: $t for ${seconds}s"
  # The committed inputs first, one by one: each regression case must pass as it is.
  if [ -n "$(ls -A "$seeds")" ]; then
    if ! ASAN_OPTIONS=detect_leaks=1 "$build/$t" -rss_limit_mb=2048 -timeout=10 \
        "$seeds"/* >"$build/$t.regression.log" 2>&1; then
      echo "FAILED: $t on its committed corpus; log: $build/$t.regression.log"
      tail -n 40 "$build/$t.regression.log"
      status=1
      continue
    fi
  fi
  if ! ASAN_OPTIONS=detect_leaks=1 "$build/$t" "$work" "$seeds" -max_total_time="$seconds" \
      -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$t-" >"$build/$t.log" 2>&1; then
    echo "FAILED: $t; log: $build/$t.log; inputs: $build/artifacts/$t-*"
    tail -n 60 "$build/$t.log"
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$build/$t.log" | tr '\n' ' '
    echo
  fi
done
exit $status
